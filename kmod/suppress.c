// SPDX-License-Identifier: GPL-2.0
/*
 * A backup's side of the data path, output: everything its stack sends
 * from VIP:service is stolen (the stack believes it was transmitted, so
 * snd_nxt advances) and freed. On the way, its SYN-ACK gives the local ISN
 * and TSval of the connection and is confirmed to the other members
 * (CONFIRM); every later segment's ACK number and window are reported as
 * this node's progress (PROGRESS), in the client's sequence space, which
 * the primary clamps its own ACKs to.
 */

#include <net/ip.h>
#include <net/tcp.h>

#include "datapath.h"

/*
 * Reports how far this node has received, when that advanced or when
 * @force: a duplicate ACK of the local stack means the primary may be
 * clamping to a report it never got (lost, or dropped as stale across an
 * epoch change), and the client is retransmitting; a CLOSE is answered at
 * once (the primary's ACKs wait for the answer). An advance without a
 * SACK block that more of the same client packet will move again waits
 * for it (tandem_report_deferred()): ack_sent and edge_sent stay where
 * they were, and the report after the packet's last SEGMENT carries it.
 * Not the first advance after a duplicate or a SACK block was reported:
 * the primary counts those to resend a hole, and the hole may have been
 * filled by a SEGMENT taken on another CPU while the next one was noted.
 * Returns whether a report went out.
 */
static bool send_progress(struct tandem_conn *c, u32 rcv_nxt, u32 edge,
			  bool force, const u32 *sack)
{
	struct tandem_group *g = c->dp->group;
	struct tandem_wire_progress pb = { .flags = 0 };
	bool changed, unprot;

	spin_lock_bh(&c->lock);
	unprot = c->flags & TANDEM_CONN_F_UNPROT;
	changed = !c->ack_sent || after(rcv_nxt, c->ack_sent) ||
		  after(edge, c->edge_sent);
	if (changed && c->ack_sent && !sack &&
	    !(c->flags & TANDEM_CONN_F_DUPSENT) &&
	    tandem_report_deferred(c, rcv_nxt)) {
		spin_unlock_bh(&c->lock);
		tandem_group_stats_inc(g, TANDEM_STAT_PROGRESS_DEFERRED);
		return false;
	}
	if (changed) {
		if (!c->ack_sent || after(rcv_nxt, c->ack_sent))
			c->ack_sent = rcv_nxt;
		if (!c->edge_sent || after(edge, c->edge_sent))
			c->edge_sent = edge;
	}
	rcv_nxt = c->ack_sent;
	edge = c->edge_sent;
	if (changed || (force && rcv_nxt)) {
		if (sack || !changed)
			c->flags |= TANDEM_CONN_F_DUPSENT;
		else
			c->flags &= ~TANDEM_CONN_F_DUPSENT;
	}
	spin_unlock_bh(&c->lock);
	if (!changed && !(force && rcv_nxt))
		return false;
	pb.conn = c->key;
	pb.rcv_nxt = htonl(rcv_nxt);
	pb.rcv_edge = htonl(edge);
	pb.sack_start = htonl(sack ? sack[0] : 0);
	pb.sack_end = htonl(sack ? sack[1] : 0);
	if (unprot)
		pb.flags = TANDEM_WIRE_PROGRESS_F_UNPROT;
	tandem_channel_send(g, NULL, TANDEM_WIRE_PROGRESS, &pb, sizeof(pb));
	tandem_group_stats_inc(g, TANDEM_STAT_PROGRESS_SENT);
	return true;
}

/* Reports @sk's progress; returns whether a report went out. */
bool tandem_report_progress(struct tandem_conn *c, struct sock *sk,
			    bool force)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (force) {
		/* A new epoch, or a CLOSE: nothing waits any longer. */
		spin_lock_bh(&c->lock);
		c->flags &= ~TANDEM_CONN_F_MORE;
		spin_unlock_bh(&c->lock);
	}
	return send_progress(c, READ_ONCE(tp->rcv_nxt),
			     READ_ONCE(tp->rcv_wup) + READ_ONCE(tp->rcv_wnd),
			     force, NULL);
}

/*
 * Answers a CLOSE (the primary's ACKs wait for the answer): how far this
 * node received, from its socket, or as last reported if it has none (a
 * silenced shadow socket), flagged TANDEM_WIRE_PROGRESS_F_UNPROT.
 */
void tandem_report_close(struct tandem_conn *c)
{
	struct sock *sk = tandem_conn_sock(c);
	u32 ack, edge;

	if (sk && sk_fullsock(sk)) {
		tandem_report_progress(c, sk, true);
	} else {
		spin_lock_bh(&c->lock);
		ack = c->ack_sent;
		edge = c->edge_sent;
		c->flags &= ~TANDEM_CONN_F_MORE;
		spin_unlock_bh(&c->lock);
		if (ack)
			send_progress(c, ack, edge, true, NULL);
	}
	if (sk)
		sock_gen_put(sk);
}

/*
 * The report of an ACK that the local stack sends while it takes a segment
 * injected on this CPU (inject.c) is owed until the injection returns, and
 * sent then, outside the socket's lock: the MAC, the route lookups and the
 * sends to every member no longer hold the lock the backup's application
 * waits on. Only a plain advance (not a duplicate, no SACK block: the
 * primary acts on those at once); a later ACK of the same injection
 * replaces it, any other report sends it first (the order is kept).
 */
struct owed_report {
	const struct tandem_conn *c;	/* injecting into; NULL: none */
	bool owed;
	u32 ack, edge;
};

static DEFINE_PER_CPU(struct owed_report, owed_report);

/* Before an injection into @c, with BHs disabled. */
void tandem_report_hold(const struct tandem_conn *c)
{
	struct owed_report *o = this_cpu_ptr(&owed_report);

	o->c = c;
	o->owed = false;
}

static void pay(struct tandem_conn *c, struct owed_report *o)
{
	if (!o->owed)
		return;
	o->owed = false;
	if (send_progress(c, o->ack, o->edge, false, NULL))
		tandem_group_stats_inc(c->dp->group,
				       TANDEM_STAT_PROGRESS_AFTER_INJECT);
}

/* After the injection into @c returned, BHs still disabled. */
void tandem_report_release(struct tandem_conn *c)
{
	struct owed_report *o = this_cpu_ptr(&owed_report);

	pay(c, o);
	o->c = NULL;
}

/*
 * Whether the report of @c's ACK (@ack, @edge; @advance: beyond what was
 * reported; @sack: with a block) is owed to the injection's end.
 * Output from process context (preemptible) is never under an injection.
 */
static bool owe(struct tandem_conn *c, u32 ack, u32 edge, bool advance,
		bool sack)
{
	struct owed_report *o;

	if (!in_softirq())
		return false;
	o = this_cpu_ptr(&owed_report);
	if (o->c != c)
		return false;
	if (!advance || sack) {
		pay(c, o);
		return false;
	}
	o->owed = true;
	o->ack = ack;
	o->edge = edge;
	return true;
}

static void send_confirm(struct tandem_conn *c)
{
	struct tandem_group *g = c->dp->group;
	struct tandem_wire_confirm cb;

	tandem_conn_confirm_body(c, &cb, 0);
	tandem_channel_send(g, NULL, TANDEM_WIRE_CONFIRM, &cb, sizeof(cb));
	tandem_group_stats_inc(g, TANDEM_STAT_CONFIRM_SENT);
}

/* Notes the local SYN-ACK: ISN, TSval, window scale. */
static void note_synack(struct tandem_conn *c, const struct tcphdr *th)
{
	u32 tsval, tsecr;
	int ws;

	if (c->flags & TANDEM_CONN_F_LOCAL)
		return;
	c->local_isn = ntohl(th->seq);
	if (tandem_tcp_ts(th, &tsval, &tsecr)) {
		c->local_ts = tsval;
		c->flags |= TANDEM_CONN_F_LTS;
	}
	ws = tandem_tcp_wscale(th);
	c->wscale = (ws > 0 && (c->flags & TANDEM_CONN_F_WS)) ? ws : 0;
	c->flags |= TANDEM_CONN_F_LOCAL;
	tandem_conn_deltas(c);
}

/*
 * While an ACK that was clamped on the way in is pending, each segment of
 * new output makes the connection's timer inject it again (clamped again
 * to what was sent by then), as the client would have acknowledged it: the
 * local stack's window and timers then behave as on the primary. (Not from
 * here: this may run inside the stack's processing of an injected segment,
 * with the socket locked.)
 */
static void reapply_check(struct tandem_conn *c, struct sk_buff *skb,
			  const struct tcphdr *th)
{
	u32 len = skb->len - ip_hdrlen(skb) - th->doff * 4 + th->fin;

	lockdep_assert_held(&c->lock);
	if (!(c->flags & TANDEM_CONN_F_PENDING) || !len || c->dead)
		return;
	c->flags |= TANDEM_CONN_F_REAPPLY;
	timer_reduce(&c->timer, jiffies);
}

#define LOWEST_WALK_MAX 64	/* out-of-order skbs looked at for one block */

/*
 * The lowest block of what the stack holds beyond a hole (the first range
 * of its out-of-order queue), for the ACK @skb of a full TCP socket, whose
 * lock is held while it transmits. The ACK's SACK option lists the three
 * most recent blocks only: with more holes, the lowest listed lies beyond
 * some, and the primary resent the whole span below it, most of which this
 * node held (under 5% loss, about as many datagrams as were mirrored).
 */
static void lowest_block(const struct sk_buff *skb, u32 ack, u32 *sack)
{
	const struct sock *sk = skb->sk;
	const struct sk_buff *o;
	unsigned int n = 0;
	u32 end;

	if (!sk || !sk_fullsock(sk) || sk->sk_type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP)
		return;
	o = skb_rb_first(&tcp_sk(sk)->out_of_order_queue);
	if (!o || !after(TCP_SKB_CB(o)->seq, ack) ||
	    !before(TCP_SKB_CB(o)->seq, sack[0]))
		return;
	sack[0] = TCP_SKB_CB(o)->seq;
	end = TCP_SKB_CB(o)->end_seq;
	while ((o = skb_rb_next(o)) && ++n < LOWEST_WALK_MAX &&
	       !after(TCP_SKB_CB(o)->seq, end))
		if (after(TCP_SKB_CB(o)->end_seq, end))
			end = TCP_SKB_CB(o)->end_seq;
	sack[1] = end;
}

unsigned int tandem_suppress_out(struct tandem_group *g, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = (const void *)iph + iph->ihl * 4;
	bool confirm = false, progress = false;
	struct tandem_wire_conn key;
	struct tandem_conn *c;
	u32 ack = 0, edge = 0, sack[2];
	bool dup = false, has_sack = false, advance = false;

	tandem_conn_key_v4(&key, iph->daddr, th->dest, th->source);
	c = tandem_conn_lookup(g->dp, &key);
	if (c) {
		spin_lock_bh(&c->lock);
		c->last_seen = jiffies;
		if (th->syn && th->ack) {
			note_synack(c, th);
			confirm = true;
		} else if (th->ack && !th->rst) {
			ack = ntohl(th->ack_seq);
			edge = ack + (ntohs(th->window) << c->wscale);
			progress = true;
			dup = skb->len == ip_hdrlen(skb) + th->doff * 4 &&
			      !th->fin;
			/* Every segment has the blocks while a hole is open. */
			has_sack = tandem_tcp_sack(th, ack, &sack[0], &sack[1]);
			if (has_sack)
				lowest_block(skb, ack, sack);
			if ((c->flags & TANDEM_CONN_F_ISN) &&
			    (c->flags & TANDEM_CONN_F_LOCAL))
				tandem_digest_out(c, skb, th, ntohl(th->seq) -
						  c->seq_delta, false);
			reapply_check(c, skb, th);
			advance = !c->ack_sent || after(ack, c->ack_sent) ||
				  after(edge, c->edge_sent);
		}
		if (th->rst)
			c->state = TANDEM_CONN_STATE_CLOSED;
		else if (th->fin && c->state < TANDEM_CONN_STATE_CLOSING)
			c->state = TANDEM_CONN_STATE_CLOSING;
		spin_unlock_bh(&c->lock);
		if (confirm)
			send_confirm(c);
		if (progress && !owe(c, ack, edge, advance, has_sack))
			send_progress(c, ack, edge, dup, has_sack ? sack : NULL);
	}
	tandem_group_stats_inc(g, TANDEM_STAT_SUPPRESSED);
	consume_skb(skb);
	return NF_STOLEN;
}
