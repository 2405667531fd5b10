// SPDX-License-Identifier: GPL-2.0
/*
 * The primary's side of the data path: every client segment of a
 * protected connection is copied to the backups (SEGMENT), the SYN-ACK is
 * held until the backups confirm the connection (CONFIRM) or the group's
 * SYN timeout elapses, and every later segment's ACK number and window are
 * clamped to what the protecting backups have received (PROGRESS). When
 * their minimum advances past a clamped ACK, the primary's own stack is made
 * to send an ACK now (its delayed-ACK timer fires at once), which this file
 * clamps again on the way out.
 *
 * A node promoted by takeover keeps the connection's wire space: output is
 * translated from local space (seq - seq_delta, TSval - ts_delta) here, and
 * input to local space by tandem_xlate_in() before the stack sees it.
 */

#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "datapath.h"

/* The largest datagram body: SEGMENTs fit an MTU of 1500 with room left. */
#define MIRROR_BODY_MAX 1400

struct mirror_buf {
	u8 b[MIRROR_BODY_MAX];
};
static DEFINE_PER_CPU(struct mirror_buf, mirror_buf);

static struct tcphdr *tcp_of(struct sk_buff *skb)
{
	return (struct tcphdr *)(skb_network_header(skb) + ip_hdrlen(skb));
}

static void key_in(struct tandem_wire_conn *key, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_of(skb);

	tandem_conn_key_v4(key, ip_hdr(skb)->saddr, th->source, th->dest);
}

static void key_out(struct tandem_wire_conn *key, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_of(skb);

	tandem_conn_key_v4(key, ip_hdr(skb)->daddr, th->dest, th->source);
}

/* Does a non-witness member of @g still owe @c its CONFIRM? */
static bool confirm_missing(struct tandem_conn *c, struct tandem_group *g)
{
	struct tandem_conn_peer *p;
	struct tandem_member *m;
	bool missing = false;

	lockdep_assert_held(&c->lock);
	rcu_read_lock();
	list_for_each_entry_rcu(m, &g->members, list) {
		if (m->witness)
			continue;
		p = tandem_conn_peer(c, m->node_id, false);
		if (!p || tandem_peer_unconfirmed(p)) {
			missing = true;
			break;
		}
	}
	rcu_read_unlock();
	return missing;
}

/* Called with the socket's lock (owner or bh) held: send an ACK now. */
void tandem_ack_now(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	icsk->icsk_ack.pending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
	icsk->icsk_ack.timeout = jiffies;
	sk_reset_timer(sk, &icsk->icsk_delack_timer, jiffies);
}

void tandem_kick_ack(struct tandem_conn *c)
{
	struct sock *sk = tandem_conn_sock(c);
	bool retry = false;

	if (!sk)
		return;
	if (sk_fullsock(sk)) {
		bh_lock_sock(sk);
		if (!sock_owned_by_user(sk))
			tandem_ack_now(sk);
		else
			retry = true;
		bh_unlock_sock(sk);
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_WINDOW_UPDATES);
	}
	sock_gen_put(sk);
	if (retry) {
		spin_lock_bh(&c->lock);
		c->flags |= TANDEM_CONN_F_KICK;
		if (!c->dead)
			timer_reduce(&c->timer, jiffies + 1);
		spin_unlock_bh(&c->lock);
	}
}

/* One datagram of send_segments(): what the resend queue keeps of it. */
struct seg_part {
	struct tandem_conn *c;
	u32 seq, end;
	bool keep;		/* carries client bytes or a FIN */
	bool built;		/* the channel built it (and called seg_keep) */
};

/* Called by the channel with the datagram's body: kept for resending. */
static void seg_keep(void *arg, const void *body, size_t len)
{
	struct seg_part *p = arg;

	p->built = true;
	if (p->keep)
		tandem_resend_keep(p->c, body, len, p->seq, p->end);
}

/*
 * The channel could not build the datagram (no key, no memory): the body is
 * kept all the same, for the resend timer (a per-CPU buffer, bh disabled).
 */
static void seg_keep_copy(struct seg_part *p, const u8 *head, size_t hlen,
			  const struct sk_buff *skb, int off, size_t n)
{
	u8 *buf = this_cpu_ptr(&mirror_buf)->b;

	if (!p->keep || skb_copy_bits(skb, off, buf + hlen, n))
		return;
	memcpy(buf, head, hlen);
	tandem_resend_keep(p->c, buf, hlen + n, p->seq, p->end);
}

/*
 * Sends @skb (a client segment) to the backups, in datagrams that fit, and
 * keeps those that carry client bytes for resending. The payload is copied
 * once, from @skb into the datagram; the resend queue copies the body from
 * there.
 */
static void send_segments(struct tandem_conn *c, struct sk_buff *skb,
			  const struct tandem_wire_segment *sh)
{
	struct tandem_group *g = c->dp->group;
	const struct tcphdr *th = tcp_of(skb);
	unsigned int hlen = ip_hdrlen(skb) + th->doff * 4;
	unsigned int plen = skb->len - hlen, room, off = 0, n;
	u8 head[sizeof(*sh) + 60 + 60], *pkt = head + sizeof(*sh);
	struct seg_part part = { .c = c };
	struct iphdr *iph2;
	struct tcphdr *th2;

	if (hlen + sizeof(*sh) > MIRROR_BODY_MAX || hlen > sizeof(head) - sizeof(*sh))
		return;
	room = MIRROR_BODY_MAX - sizeof(*sh) - hlen;
	memcpy(head, sh, sizeof(*sh));
	local_bh_disable();
	do {
		/* A SYN's payload (fast open) is not split: its seq is off by one. */
		n = th->syn ? min(plen, room) : min(plen - off, room);
		if (skb_copy_bits(skb, 0, pkt, hlen))
			break;
		if (n != plen) {
			iph2 = (struct iphdr *)pkt;
			th2 = (struct tcphdr *)(pkt + ip_hdrlen(skb));
			iph2->tot_len = htons(hlen + n);
			ip_send_check(iph2);
			th2->seq = htonl(ntohl(th->seq) + off);
			if (off + n < plen) {
				th2->fin = 0;
				th2->psh = 0;
			}
		}
		/* Not the packet's last: the backups report after that one. */
		((struct tandem_wire_segment *)head)->flags =
			off + n < plen && !th->syn ?
			sh->flags | TANDEM_WIRE_SEG_F_MORE : sh->flags;
		part.seq = ntohl(th->seq) + off;
		part.end = part.seq + n + (off + n == plen && th->fin);
		part.keep = !th->syn && (n || th->fin);
		part.built = false;
		tandem_channel_send_skb(g, NULL, TANDEM_WIRE_SEGMENT, head,
					sizeof(*sh) + hlen, skb, hlen + off, n,
					seg_keep, &part);
		if (!part.built)
			seg_keep_copy(&part, head, sizeof(*sh) + hlen, skb,
				      hlen + off, n);
		tandem_group_stats_inc(g, TANDEM_STAT_MIRRORED);
		off += n;
	} while (off < plen && !th->syn);
	local_bh_enable();
}

void tandem_mirror_in(struct tandem_group *g, struct sk_buff *skb)
{
	struct tandem_wire_segment sh = {};
	struct tandem_wire_conn key;
	struct tandem_conn *c;
	struct tcphdr *th;
	struct sock *sk;
	bool xlate, mirror, fresh;

	if (!tandem_in_csum_ok(skb)) {
		tandem_group_stats_inc(g, TANDEM_STAT_IN_CSUM_BAD);
		return;		/* TCP drops it too, and counts it */
	}
	key_in(&key, skb);
	th = tcp_of(skb);
	c = tandem_conn_lookup(g->dp, &key);
	if (!c) {
		if (!th->syn || th->ack || th->rst)
			return;
		c = tandem_conn_create(g->dp, &key);
		if (!c) {
			tandem_group_stats_inc(g, TANDEM_STAT_UNPROTECTED);
			return;
		}
	}
	sk = tandem_conn_sock(c);
	spin_lock_bh(&c->lock);
	mirror = tandem_in_accept(c, sk, th, &fresh);
	if (fresh)
		sh.flags |= TANDEM_WIRE_SEG_F_NEW;
	if (c->flags & TANDEM_CONN_F_ISN) {
		sh.wire_isn = htonl(c->wire_isn);
		sh.flags |= TANDEM_WIRE_SEG_F_ISN;
	}
	if (c->flags & TANDEM_CONN_F_TS) {
		sh.wire_ts = htonl(c->wire_ts);
		sh.ts_now = htonl((u32)tcp_time_stamp_raw() + c->wire_tsoff);
		sh.flags |= TANDEM_WIRE_SEG_F_TS;
	}
	xlate = c->seq_delta || c->ts_delta;
	spin_unlock_bh(&c->lock);

	if (mirror) {
		send_segments(c, skb, &sh);
		tandem_group_stats_inc(g, TANDEM_STAT_MIRRORED_PKTS);
	} else
		tandem_group_stats_inc(g, TANDEM_STAT_IN_REJECTED);
	if (xlate)
		tandem_xlate_in(c, skb, sk);
	if (sk)
		sock_gen_put(sk);
}

static void out_synack(struct tandem_conn *c, struct sk_buff *skb,
		       struct tcphdr *th)
{
	u32 tsval, tsecr;
	bool ts = tandem_tcp_ts(th, &tsval, &tsecr);
	int ws = tandem_tcp_wscale(th);

	if (!(c->flags & TANDEM_CONN_F_ISN)) {
		c->wire_isn = ntohl(th->seq);
		c->local_isn = c->wire_isn;
		c->flags |= TANDEM_CONN_F_ISN | TANDEM_CONN_F_LOCAL;
		if (ts) {
			c->wire_ts = tsval;
			c->local_ts = tsval;
			c->wire_tsoff = tsval - (u32)tcp_time_stamp_raw();
			c->flags |= TANDEM_CONN_F_TS | TANDEM_CONN_F_LTS;
		}
		c->wscale = (ws > 0 && (c->flags & TANDEM_CONN_F_WS)) ? ws : 0;
		return;
	}
	if (c->seq_delta)
		tandem_xlate_seq(skb, th, ntohl(th->seq) - c->seq_delta);
	if (ts && c->ts_delta)
		tandem_xlate_opts(skb, th, 0, -c->ts_delta, 0);
}

/*
 * The minimum over the protecting peers, and those left behind or dropped
 * (lag.c, resend.c) that may not know it yet.
 */
static void clamp_limits(struct tandem_conn *c, u32 *min_ack, u32 *min_edge)
{
	struct tandem_conn_peer *p;
	int i;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (!tandem_protect_waits(c, p))
			continue;
		if (before(p->rcv_nxt, *min_ack))
			*min_ack = p->rcv_nxt;
		if (p->rcv_edge && before(p->rcv_edge, *min_edge))
			*min_edge = p->rcv_edge;
	}
}

/*
 * Whether a window the backups limited has grown enough since it was
 * advertised to be worth an update of its own (the client may be waiting
 * on a small or zero window; smaller gains ride on the next ACK).
 */
static bool edge_gain(const struct tandem_conn *c, u32 min_edge)
{
	u32 win = c->edge_sent - c->ack_sent, gain;

	if (!(c->flags & TANDEM_CONN_F_WCLAMPED) || !after(min_edge, c->edge_sent))
		return false;
	gain = min_edge - c->edge_sent;
	return gain >= max(win / 2, 2U * TCP_MSS_DEFAULT) ||
	       win < 2U * TCP_MSS_DEFAULT;
}

/* Notes in @t the backups it left behind or dropped for their window. */
static void out_clamp(struct tandem_conn *c, struct tandem_group *g,
		      struct sk_buff *skb, struct tcphdr *th,
		      struct tandem_lag_notes *t)
{
	u32 ack = ntohl(th->ack_seq), win = ntohs(th->window);
	u32 edge = ack + (win << c->wscale), min_ack = ack, min_edge = edge;

	tandem_lag_window(c, ack, edge, t);
	tandem_protect_retell_leaving(c, t);

	clamp_limits(c, &min_ack, &min_edge);
	/*
	 * Never back: a peer that clamps from below what the client was told
	 * (an old primary catching up) holds the ACK where it is. The client
	 * discards a segment whose ACK lies more than its largest window
	 * behind (RFC 5961 5.2), data and all: the connection would stall.
	 */
	if (c->ack_sent && before(min_ack, c->ack_sent) && !before(ack, c->ack_sent))
		min_ack = c->ack_sent;
	if (before(min_edge, edge))
		c->flags |= TANDEM_CONN_F_WCLAMPED;
	else
		c->flags &= ~TANDEM_CONN_F_WCLAMPED;
	if (c->edge_sent && before(min_edge, c->edge_sent))
		min_edge = c->edge_sent;	/* never shrink the window */
	if (before(min_edge, min_ack))
		min_edge = min_ack;
	if (min_ack != ack) {
		tandem_xlate_ack(skb, th, min_ack);
		/* A SACK beyond the clamp would acknowledge bytes too. */
		tandem_xlate_strip_sack(skb, th, min_ack);
		c->flags |= TANDEM_CONN_F_CLAMPED;
		tandem_group_stats_inc(g, TANDEM_STAT_CLAMPED);
	} else {
		c->flags &= ~TANDEM_CONN_F_CLAMPED;
	}
	win = DIV_ROUND_UP(min_edge - min_ack, 1U << c->wscale);
	win = min(win, 65535U);
	if (win != ntohs(th->window))
		tandem_xlate_win(skb, th, win);
	c->ack_sent = min_ack;
	if (!(c->flags & TANDEM_CONN_F_AMAX) || after(min_ack, c->ack_max)) {
		c->ack_max = min_ack;
		c->flags |= TANDEM_CONN_F_AMAX;
	}
	if (!c->edge_sent || after(min_ack + (win << c->wscale), c->edge_sent))
		c->edge_sent = min_ack + (win << c->wscale);
}

/*
 * After a takeover this node's output may trail what the client already
 * received from the old primary (the same bytes, not produced here yet):
 * the client would discard a pure ACK whose seq is below its rcv_nxt as
 * out of window, and with it the ACK the client is waiting for. A pure ACK
 * carries no bytes: its seq becomes the client's rcv_nxt.
 */
static void pure_ack_seq(struct tandem_conn *c, struct sk_buff *skb,
			 struct tcphdr *th)
{
	unsigned int len = skb->len - ip_hdrlen(skb) - th->doff * 4;

	lockdep_assert_held(&c->lock);
	if (len || th->syn || th->fin || th->rst || !th->ack ||
	    !(c->flags & TANDEM_CONN_F_CACK) ||
	    !after(c->cl.max_cack, ntohl(th->seq)))
		return;
	tandem_xlate_seq(skb, th, c->cl.max_cack);
	tandem_group_stats_inc(c->dp->group, TANDEM_STAT_ACK_SEQ_RAISED);
}

unsigned int tandem_mirror_out(struct tandem_group *g, struct sk_buff *skb)
{
	struct tandem_lag_notes t = { .ndrop = 0 };
	struct tandem_wire_conn key;
	struct tandem_conn *c;
	struct tcphdr *th;
	bool hold = false, kill = false;

	key_out(&key, skb);
	c = tandem_conn_lookup(g->dp, &key);
	if (!c)
		return NF_ACCEPT;
	if (skb_ensure_writable(skb, ip_hdrlen(skb) + tcp_of(skb)->doff * 4))
		return NF_DROP;
	th = tcp_of(skb);

	spin_lock_bh(&c->lock);
	c->last_seen = jiffies;
	if (th->syn && th->ack) {
		out_synack(c, skb, th);
		hold = !c->dead && confirm_missing(c, g) && skb_dst_force(skb);
		if (hold) {
			kfree_skb(c->held);
			c->held = skb;
			c->flags |= TANDEM_CONN_F_HELD;
			timer_reduce(&c->timer, tandem_conn_syn_deadline(c, g));
			tandem_group_stats_inc(g, TANDEM_STAT_SYNACK_HELD);
		}
	} else {
		if (c->seq_delta)
			tandem_xlate_seq(skb, th, ntohl(th->seq) - c->seq_delta);
		if (c->ts_delta && (c->flags & TANDEM_CONN_F_TS))
			tandem_xlate_opts(skb, th, 0, -c->ts_delta, 0);
		pure_ack_seq(c, skb, th);
		if (th->ack && !th->rst)
			out_clamp(c, g, skb, th, &t);
		/* Differs from what the client got: stopped, then reset. */
		kill = tandem_digest_out(c, skb, th, ntohl(th->seq), true) &&
		       !th->rst;
		if (kill && !(c->flags & TANDEM_CONN_F_KILL)) {
			c->flags |= TANDEM_CONN_F_KILL;
			tandem_conn_gc_now(c->dp);
		}
		if (th->rst)
			c->state = TANDEM_CONN_STATE_CLOSED;
		else if (th->fin && c->state < TANDEM_CONN_STATE_CLOSING)
			c->state = TANDEM_CONN_STATE_CLOSING;
	}
	spin_unlock_bh(&c->lock);
	/* This segment already carries the limits without them; no kick. */
	tandem_resend_notify(c, &t, false);
	if (kill) {
		tandem_group_stats_inc(g, TANDEM_STAT_FENCED_DROPPED);
		consume_skb(skb);
		return NF_STOLEN;
	}
	return hold ? NF_STOLEN : NF_ACCEPT;
}

/*
 * The primary's CONFIRM to a backup that rejoined: it holds everything the
 * client was acknowledged, and protects the connection again.
 */
static void rejoined(struct tandem_conn *c)
{
	bool back;

	spin_lock_bh(&c->lock);
	back = c->flags & TANDEM_CONN_F_REJOIN;
	c->flags &= ~(TANDEM_CONN_F_REJOIN | (back ? TANDEM_CONN_F_UNPROT : 0));
	spin_unlock_bh(&c->lock);
	if (back)
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_REJOINED);
}

void tandem_mirror_rx_confirm(struct tandem_group *g, u32 from,
			      const void *body, unsigned int len)
{
	const struct tandem_wire_confirm *cb = body;
	struct tandem_conn_peer *p;
	struct tandem_conn *c;
	bool release = false, differ;

	if (len < sizeof(*cb))
		return;
	c = tandem_conn_lookup(g->dp, &cb->conn);
	if (!c)
		return;
	if (cb->flags & TANDEM_WIRE_CONFIRM_F_AGAIN) {
		if (tandem_group_role(g) == TANDEM_ROLE_BACKUP)
			rejoined(c);
		return;
	}
	spin_lock_bh(&c->lock);
	p = tandem_conn_peer(c, from, true);
	if (p && tandem_peer_unconfirmed(p)) {
		differ = (c->flags & TANDEM_CONN_F_LOCAL) &&
			 tandem_group_role(g) == TANDEM_ROLE_PRIMARY &&
			 (cb->wscale != c->wscale ||
			  !cb->has_ts != !(c->flags & TANDEM_CONN_F_TS));
		tandem_protect_confirmed(c, p, differ);
		if (differ)
			tandem_group_stats_inc(g, TANDEM_STAT_OPTS_MISMATCH);
	}
	release = c->held && !confirm_missing(c, g);
	spin_unlock_bh(&c->lock);
	/* The timer stays: it may carry a kick or a resend as well. */
	if (release)
		tandem_conn_release_held(c);
}

void tandem_mirror_rx_progress(struct tandem_group *g, u32 from,
			       const void *body, unsigned int len)
{
	const struct tandem_wire_progress *pb = body;
	struct tandem_lag_notes t = { .ndrop = 0 };
	u32 edge, min_ack, min_edge, back[TANDEM_MEMBERS_MAX];
	struct tandem_conn_peer *p;
	struct tandem_conn *c;
	bool kick = false, fast = false, unprot;
	unsigned int nb = 0;

	if (len < TANDEM_WIRE_PROGRESS_MIN)
		return;
	tandem_group_stats_inc(g, TANDEM_STAT_PROGRESS_RX);
	c = tandem_conn_lookup(g->dp, &pb->conn);
	if (!c)
		return;
	edge = ntohl(pb->rcv_edge);
	unprot = len >= offsetofend(typeof(*pb), flags) &&
		 (pb->flags & TANDEM_WIRE_PROGRESS_F_UNPROT);
	spin_lock_bh(&c->lock);
	p = tandem_conn_peer(c, from, true);
	if (p) {
		tandem_protect_heard(c, p, unprot, &t);
		fast = tandem_resend_report(c, p, pb, len);
		if (!p->rcv_edge || after(edge, p->rcv_edge))
			p->rcv_edge = edge;
	}
	if ((c->flags & (TANDEM_CONN_F_CLAMPED | TANDEM_CONN_F_WCLAMPED)) &&
	    tandem_group_is_live_primary(g)) {
		min_ack = c->ack_sent + 0x40000000;
		min_edge = c->edge_sent + 0x40000000;
		clamp_limits(c, &min_ack, &min_edge);
		kick = ((c->flags & TANDEM_CONN_F_CLAMPED) &&
			after(min_ack, c->ack_sent)) || edge_gain(c, min_edge);
	}
	if (tandem_group_is_live_primary(g))
		nb = tandem_protect_rejoined(c, back);
	tandem_resend_update(c, &t);
	if (fast)
		timer_reduce(&c->timer, jiffies);
	spin_unlock_bh(&c->lock);
	tandem_resend_confirm(c, back, nb);
	tandem_resend_notify(c, &t, true);
	if (kick)
		tandem_kick_ack(c);
}
