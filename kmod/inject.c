// SPDX-License-Identifier: GPL-2.0
/*
 * A backup's side of the data path, input: a mirrored client segment
 * (SEGMENT from the primary) is checked, translated from wire space into
 * this node's local space (ack and SACK blocks + seq_delta, TSecr +
 * ts_delta), its ACK clamped to the local snd_nxt (an ACK of data the
 * local stack has not sent yet would make it discard the segment), and fed
 * to the local stack on the device that holds the VIP. A per-CPU marker
 * tells the PRE_ROUTING hook that the skb comes from here, not from the
 * network, so it is neither dropped nor mirrored again: the skb is passed
 * to the stack on this CPU, synchronously, bypassing RPS (which would run
 * the hook from another CPU's backlog, where the marker is not set).
 */

#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "datapath.h"

static DEFINE_PER_CPU(const struct sk_buff *, inject_skb);

bool tandem_injecting(const struct sk_buff *skb)
{
	return this_cpu_read(inject_skb) == skb;
}

/*
 * Whether a report up to @rcv_nxt waits for the rest of the client packet:
 * it is not beyond the end of the SEGMENTs flagged MORE taken so far.
 */
bool tandem_report_deferred(const struct tandem_conn *c, u32 rcv_nxt)
{
	lockdep_assert_held(&c->lock);
	return (c->flags & TANDEM_CONN_F_MORE) && !after(rcv_nxt, c->more_end);
}

/*
 * Before @skb (a SEGMENT @sh) goes in: if more of its client packet follows
 * it, the reports of what it moves may wait for the packet's last SEGMENT
 * (c->more_end: its end; ack_sent and edge_sent stay behind, the next
 * report carries the advance), but only if it takes the local stack's next
 * byte and no hole is open (no out-of-order data): what it makes the stack
 * say moves rcv_nxt and nothing the primary acts on at once (a duplicate
 * ACK, a SACK block). Any other SEGMENT (the last of a packet, a resent
 * one) ends the wait: its report goes at once. (Not one following a flagged
 * SEGMENT still in the socket's backlog: taken on another CPU, it may reach
 * the stack first, and the hole it leaves be filled by an ACK that waits.)
 */
static void note_more(struct tandem_conn *c, const struct sk_buff *skb,
		      const struct tandem_wire_segment *sh, struct sock *sk)
{
	const struct tcphdr *th = tcp_hdr(skb);
	u32 seq = ntohl(th->seq);
	const struct tcp_sock *tp;
	bool more;

	more = sh && (sh->flags & TANDEM_WIRE_SEG_F_MORE) && sk &&
	       sk_fullsock(sk) && sk->sk_state == TCP_ESTABLISHED;
	if (more) {
		tp = tcp_sk(sk);
		more = seq == READ_ONCE(tp->rcv_nxt) &&
		       RB_EMPTY_ROOT(&tp->out_of_order_queue);
	}
	spin_lock_bh(&c->lock);
	if (more) {
		c->more_end = seq + skb->len - skb_transport_offset(skb) -
			      th->doff * 4;
		c->flags |= TANDEM_CONN_F_MORE;
	} else {
		c->flags &= ~TANDEM_CONN_F_MORE;
	}
	spin_unlock_bh(&c->lock);
}

/* The IPv4/TCP packet of a SEGMENT, checked; NULL if malformed. */
static const struct iphdr *seg_packet(struct tandem_group *g,
				      const void *body, unsigned int len)
{
	const struct iphdr *iph = body + sizeof(struct tandem_wire_segment);
	unsigned int plen = len - sizeof(struct tandem_wire_segment), thoff;
	const struct tcphdr *th;

	if (len < sizeof(struct tandem_wire_segment) + sizeof(*iph))
		return NULL;
	if (iph->version != 4 || iph->ihl < 5 || ntohs(iph->tot_len) != plen ||
	    iph->protocol != IPPROTO_TCP || iph->daddr != g->vip.v4 ||
	    ip_is_fragment(iph))
		return NULL;
	thoff = iph->ihl * 4;
	if (plen < thoff + sizeof(*th))
		return NULL;
	th = (const void *)iph + thoff;
	if (th->doff < 5 || thoff + th->doff * 4 > plen)
		return NULL;
	if (!tandem_service_lookup(g, ntohs(th->dest)))
		return NULL;
	return iph;
}

/* Finds or creates the entry; returns whether the segment may go in. */
static struct tandem_conn *seg_conn(struct tandem_group *g,
				    const struct tandem_wire_segment *sh,
				    const struct iphdr *iph)
{
	const struct tcphdr *th = (const void *)iph + iph->ihl * 4;
	struct tandem_wire_conn key;
	struct tandem_conn *c;
	bool ready;

	tandem_conn_key_v4(&key, iph->saddr, th->source, th->dest);
	c = tandem_conn_lookup(g->dp, &key);
	if (!c) {
		if (!th->syn || th->ack || th->rst) {
			tandem_group_stats_inc(g, TANDEM_STAT_INJECT_NO_CONN);
			return NULL;
		}
		c = tandem_conn_create(g->dp, &key);
		if (!c) {
			tandem_group_stats_inc(g, TANDEM_STAT_UNPROTECTED);
			return NULL;
		}
	}
	spin_lock_bh(&c->lock);
	if ((sh->flags & TANDEM_WIRE_SEG_F_NEW) && th->syn && !th->ack &&
	    (c->flags & TANDEM_CONN_F_CISN) && ntohl(th->seq) != c->cl.isn) {
		tandem_conn_reinit(c);
		tandem_group_stats_inc(g, TANDEM_STAT_REINCARNATED);
	}
	/* Without the primary's TS clock, no TSecr is learned (0). */
	tandem_conn_note_in(c, th, (sh->flags & TANDEM_WIRE_SEG_F_TS) ?
				   ntohl(sh->ts_now) : 0);
	if ((sh->flags & TANDEM_WIRE_SEG_F_ISN) && !(c->flags & TANDEM_CONN_F_ISN)) {
		c->wire_isn = ntohl(sh->wire_isn);
		c->flags |= TANDEM_CONN_F_ISN;
		if (sh->flags & TANDEM_WIRE_SEG_F_TS) {
			c->wire_ts = ntohl(sh->wire_ts);
			c->flags |= TANDEM_CONN_F_TS;
		}
		tandem_conn_deltas(c);
	}
	ready = !th->ack || ((c->flags & TANDEM_CONN_F_ISN) &&
			     (c->flags & TANDEM_CONN_F_LOCAL));
	spin_unlock_bh(&c->lock);
	if (!ready) {
		tandem_group_stats_inc(g, TANDEM_STAT_INJECT_NOT_READY);
		return NULL;
	}
	return c;
}

/*
 * The client's TSval never goes back for the local stack: mirrored segments
 * can arrive reordered or be re-sent, and the stack's PAWS check would
 * discard new data carrying an older TSval than the one it holds. Raised
 * to that one only (ts_recent, which TCP takes from segments it accepted:
 * a forged TSval far ahead that TCP ignored raises nothing).
 */
static void inject_tsval(struct sk_buff *skb, const struct sock *sk)
{
	struct tcphdr *th = tcp_hdr(skb);
	const struct tcp_sock *tp;
	u32 tsval, tsecr, recent;

	if (!sk || !sk_fullsock(sk) || !tandem_tcp_ts(th, &tsval, &tsecr))
		return;
	tp = tcp_sk(sk);
	if (!READ_ONCE(tp->rx_opt.ts_recent_stamp))
		return;
	recent = READ_ONCE(tp->rx_opt.ts_recent);
	if (before(tsval, recent))
		tandem_xlate_opts(skb, th, 0, recent - tsval, 0);
}

/* Notes how far the primary's wire TSval clock runs ahead of ours. */
static void note_ts_ahead(struct tandem_conn *c, u32 ts_now, struct sock *sk)
{
	u32 ours;
	s32 ahead;

	spin_lock_bh(&c->lock);
	if ((c->flags & TANDEM_CONN_F_TS) && (c->flags & TANDEM_CONN_F_LTS)) {
		ours = (u32)tcp_time_stamp_raw() + tcp_sk(sk)->tsoffset -
		       c->ts_delta;
		ahead = (s32)(ts_now - ours);
		if (!(c->flags & TANDEM_CONN_F_AHEAD) || ahead > c->ts_ahead) {
			c->ts_ahead = ahead;
			c->flags |= TANDEM_CONN_F_AHEAD;
		}
	}
	spin_unlock_bh(&c->lock);
}

/*
 * Feeds @pkt (an IPv4 client segment in wire space) to the local stack on
 * the device of the VIP, then reports the progress it made. @sh: the
 * SEGMENT it came in, NULL for a re-applied ACK.
 */
static void inject_packet(struct tandem_conn *c, const void *pkt,
			  unsigned int plen, const struct tandem_wire_segment *sh)
{
	struct tandem_group *g = c->dp->group;
	struct net_device *dev;
	struct sk_buff *skb;
	struct sock *sk;

	rcu_read_lock();
	dev = __ip_dev_find(g->tn->net, g->vip.v4, false);
	if (!dev) {
		rcu_read_unlock();
		tandem_group_stats_inc(g, TANDEM_STAT_INJECT_NO_DEV);
		return;
	}
	skb = netdev_alloc_skb_ip_align(dev, plen);
	if (!skb) {
		rcu_read_unlock();
		return;
	}
	skb_put_data(skb, pkt, plen);
	skb->protocol = htons(ETH_P_IP);
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb->pkt_type = PACKET_HOST;
	/*
	 * The primary verified the client's checksum before mirroring
	 * (mirror.c) and the channel authenticated the bytes since; a split
	 * segment's TCP checksum is not recomputed.
	 */
	skb->ip_summed = CHECKSUM_UNNECESSARY;

	skb_set_transport_header(skb, ip_hdrlen(skb));

	sk = tandem_conn_sock(c);
	tandem_xlate_in(c, skb, sk);
	inject_tsval(skb, sk);
	if (sh)
		note_more(c, skb, sh, sk);
	local_bh_disable();
	this_cpu_write(inject_skb, skb);
	tandem_report_hold(c);
	netif_receive_skb_core(skb);
	this_cpu_write(inject_skb, NULL);
	tandem_report_release(c);
	local_bh_enable();
	rcu_read_unlock();
	tandem_group_stats_inc(g, TANDEM_STAT_INJECTED);

	if (sk && !sk_fullsock(sk)) {
		sock_gen_put(sk);
		sk = NULL;
	}
	if (!sk)
		sk = tandem_conn_sock(c);
	if (sk && sk_fullsock(sk) &&
	    tandem_group_role(g) == TANDEM_ROLE_BACKUP) {
		if (sh && (sh->flags & TANDEM_WIRE_SEG_F_TS))
			note_ts_ahead(c, ntohl(sh->ts_now), sk);
		if (tandem_report_progress(c, sk, false))
			tandem_group_stats_inc(g, TANDEM_STAT_PROGRESS_AFTER_INJECT);
	}
	if (sk)
		sock_gen_put(sk);
}

/*
 * A pure ACK at or below the stack's rcv_nxt is taken whatever its window:
 * the template's sequence number (the end of the segment that carried the
 * ACK, maybe refused) is moved there.
 */
static void tmpl_at_rcv_nxt(struct tandem_conn *c, u8 *pkt)
{
	struct tcphdr *th = (struct tcphdr *)(pkt + ((struct iphdr *)pkt)->ihl * 4);
	struct sock *sk = tandem_conn_sock(c);
	__be32 seq;

	if (!sk)
		return;
	if (sk_fullsock(sk) && after(ntohl(th->seq), READ_ONCE(tcp_sk(sk)->rcv_nxt))) {
		seq = htonl(READ_ONCE(tcp_sk(sk)->rcv_nxt));
		csum_replace4(&th->check, th->seq, seq);
		th->seq = seq;
	}
	sock_gen_put(sk);
}

/* From the connection's timer: inject the pure ACK of a clamped or refused ACK. */
void tandem_inject_reapply(struct tandem_conn *c)
{
	u8 pkt[TANDEM_TMPL_MAX];
	unsigned int len = 0;

	spin_lock_bh(&c->lock);
	if (c->flags & TANDEM_CONN_F_PENDING) {
		len = c->tp.len;
		memcpy(pkt, c->tp.buf, len);
	}
	spin_unlock_bh(&c->lock);
	if (len && (tandem_group_role(c->dp->group) == TANDEM_ROLE_BACKUP ||
		    tandem_group_is_live_primary(c->dp->group))) {
		tmpl_at_rcv_nxt(c, pkt);
		inject_packet(c, pkt, len, NULL);
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_ACK_REAPPLIED);
	}
}

void tandem_inject_rx_segment(struct tandem_group *g, u32 from,
			      const void *body, unsigned int len)
{
	const struct iphdr *iph;
	struct tandem_conn *c;

	if (tandem_group_role(g) != TANDEM_ROLE_BACKUP || !g->dp ||
	    g->vip.family != AF_INET)
		return;
	WRITE_ONCE(g->dp->primary_id, from);
	iph = seg_packet(g, body, len);
	if (!iph) {
		tandem_group_stats_inc(g, TANDEM_STAT_INJECT_MALFORMED);
		return;
	}
	c = seg_conn(g, body, iph);
	if (!c)
		return;
	tandem_resend_keep_rx(c, body, len, iph);
	inject_packet(c, iph, ntohs(iph->tot_len), body);
}

/*
 * CLOSE from the primary: this node no longer protects the connection, for
 * good (LAG) or until the primary confirms it again (BEHIND, as a rejoining
 * node: TANDEM_CONN_F_REJOIN).
 */
void tandem_inject_rx_close(struct tandem_group *g, u32 from,
			    const void *body, unsigned int len)
{
	const struct tandem_wire_close *cb = body;
	bool lag, news = false;
	struct tandem_conn *c;

	if (len < sizeof(*cb) || !g->dp)
		return;
	lag = cb->reason == TANDEM_WIRE_CLOSE_LAG;
	if (!lag && cb->reason != TANDEM_WIRE_CLOSE_BEHIND)
		return;
	c = tandem_conn_lookup(g->dp, &cb->conn);
	if (!c)
		return;
	spin_lock_bh(&c->lock);
	if (lag) {
		news = !(c->flags & TANDEM_CONN_F_UNPROT) ||
		       (c->flags & TANDEM_CONN_F_REJOIN);
		c->flags &= ~TANDEM_CONN_F_REJOIN;
		c->flags |= TANDEM_CONN_F_UNPROT;
	} else if (!(c->flags & TANDEM_CONN_F_UNPROT)) {
		news = true;
		c->flags |= TANDEM_CONN_F_UNPROT | TANDEM_CONN_F_REJOIN;
	}
	spin_unlock_bh(&c->lock);
	if (news)
		tandem_group_stats_inc(g, lag ? TANDEM_STAT_PROTECTION_LOST :
						TANDEM_STAT_LAG_BEHIND);
	/*
	 * The primary's ACKs wait until it hears that this node knows; it
	 * tells again only while the reports say this node does not.
	 */
	tandem_report_close(c);
}
