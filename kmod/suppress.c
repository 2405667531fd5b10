// SPDX-License-Identifier: GPL-2.0
/*
 * A backup's side of the data path, output: everything its stack sends
 * from VIP:service is stolen (the stack believes it was transmitted, so
 * snd_nxt advances) and freed. On the way, its SYN-ACK gives the local ISN
 * and TSval of the connection and is confirmed to the other members
 * (CONFIRM); every later segment's ACK number and window are reported as
 * this node's progress (PROGRESS), in the client's sequence space, which
 * the primary clamps its own ACKs to.
 *
 * Progress is noted, not sent, as the stack takes a mirrored segment and as
 * it sends an ACK that moves rcv_nxt or the window's edge: the connection's
 * report timer (an hrtimer, expiring at once, in softirq) sends one PROGRESS
 * with what was noted once the softirq round that noted it ends. A burst of
 * mirrored segments (a GRO packet of the client, split into SEGMENTs by the
 * primary, comes in one round) thus makes one report, where it made one per
 * segment: each a MAC, a datagram per member, a MAC check and a clamp on
 * each receiver. A duplicate ACK (nothing moved) is reported at once, as
 * before: the primary counts them to resend a hole.
 */

#include <net/ip.h>
#include <net/tcp.h>

#include "datapath.h"

/* The longest a noted report waits while notes come (4-8 ms at HZ=250). */
#define REPORT_HOLD 2

/*
 * Reports how far this node has received, when that advanced or when
 * @force: a duplicate ACK of the local stack means the primary may be
 * clamping to a report it never got (lost, or dropped as stale across an
 * epoch change), and the client is retransmitting.
 */
static void send_progress(struct tandem_conn *c, u32 rcv_nxt, u32 edge,
			  bool force, const u32 *sack)
{
	struct tandem_group *g = c->dp->group;
	struct tandem_wire_progress pb;
	bool changed;

	spin_lock_bh(&c->lock);
	changed = !c->ack_sent || after(rcv_nxt, c->ack_sent) ||
		  after(edge, c->edge_sent);
	if (changed) {
		if (!c->ack_sent || after(rcv_nxt, c->ack_sent))
			c->ack_sent = rcv_nxt;
		if (!c->edge_sent || after(edge, c->edge_sent))
			c->edge_sent = edge;
	}
	rcv_nxt = c->ack_sent;
	edge = c->edge_sent;
	spin_unlock_bh(&c->lock);
	if (!changed && !(force && rcv_nxt))
		return;
	pb.conn = c->key;
	pb.rcv_nxt = htonl(rcv_nxt);
	pb.rcv_edge = htonl(edge);
	pb.sack_start = htonl(sack ? sack[0] : 0);
	pb.sack_end = htonl(sack ? sack[1] : 0);
	tandem_channel_send(g, NULL, TANDEM_WIRE_PROGRESS, &pb, sizeof(pb));
	tandem_group_stats_inc(g, TANDEM_STAT_PROGRESS_SENT);
}

/*
 * Whether an ACK (@ack, @edge) moves rcv_nxt or the edge beyond what was
 * reported: noted then (what a pending report already holds merges into
 * it); otherwise a duplicate.
 */
static bool moves(const struct tandem_conn *c, u32 ack, u32 edge)
{
	lockdep_assert_held(&c->lock);
	return !c->ack_sent || after(ack, c->ack_sent) ||
	       after(edge, c->edge_sent);
}

static void send_report(struct tandem_conn *c,
			const struct tandem_conn_report *rp)
{
	send_progress(c, rp->ack, rp->edge, false,
		      (rp->flags & TANDEM_REPORT_SACK) ? rp->sack : NULL);
}

/*
 * Notes the progress (@ack, @edge) for the report timer to send once this
 * softirq round ends. @sent: from an ACK the stack sent, whose lowest SACK
 * block is @sack (NULL: none); otherwise read from the socket, which tells
 * nothing of SACK blocks (a block noted at the same ACK stays). Returns
 * true, with the report in @now, if it is to be sent now: a round that
 * goes on (a long burst, a slow host) reports every REPORT_HOLD at least,
 * or the primary's resend time-out (40 ms and up) would see no progress
 * for as long as the round lasts. While a hole is open (the ACK has a
 * SACK block), and at the first move after duplicates were reported (the
 * hole filled, often by reordered segments), it goes at once, as every
 * report went before: the primary resends a hole from what the reports
 * say, and would resend one already filled before it heard so.
 */
static bool note_progress(struct tandem_conn *c, u32 ack, u32 edge,
			  bool sent, const u32 *sack,
			  struct tandem_conn_report *now)
{
	struct tandem_conn_report *rp = &c->rp;

	lockdep_assert_held(&c->lock);
	if (!(rp->flags & TANDEM_REPORT_NOTED)) {
		rp->ack = ack;
		rp->edge = edge;
		rp->at = jiffies;
		rp->flags |= TANDEM_REPORT_NOTED;
		rp->flags &= ~TANDEM_REPORT_SACK;
	} else {
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_PROGRESS_MERGED);
	}
	if (after(ack, rp->ack)) {
		rp->ack = ack;
		rp->flags &= ~TANDEM_REPORT_SACK;
	}
	if (after(edge, rp->edge))
		rp->edge = edge;
	/* The block is relative to the ACK that carried it: the latest one. */
	if (sent && ack == rp->ack) {
		rp->flags &= ~TANDEM_REPORT_SACK;
		if (sack) {
			rp->sack[0] = sack[0];
			rp->sack[1] = sack[1];
			rp->flags |= TANDEM_REPORT_SACK;
		}
	}
	if (time_after_eq(jiffies, rp->at + REPORT_HOLD) || (sent && sack) ||
	    ((rp->flags & TANDEM_REPORT_DUP) && after(rp->ack, c->ack_sent))) {
		*now = *rp;
		/* The timer, if set, finds nothing noted. */
		rp->flags &= ~(TANDEM_REPORT_NOTED | TANDEM_REPORT_SACK |
			       TANDEM_REPORT_DUP);
		return true;
	}
	if (!(rp->flags & TANDEM_REPORT_ARMED) && !c->dead) {
		rp->flags |= TANDEM_REPORT_ARMED;
		hrtimer_start(&c->report, 0, HRTIMER_MODE_REL_SOFT);
	}
	return false;
}

/* The report timer: sends what was noted (softirq). */
enum hrtimer_restart tandem_report_fire(struct hrtimer *t)
{
	struct tandem_conn *c = container_of(t, struct tandem_conn, report);
	struct tandem_conn_report rp;

	spin_lock_bh(&c->lock);
	rp = c->rp;
	c->rp.flags &= ~(TANDEM_REPORT_NOTED | TANDEM_REPORT_SACK |
			 TANDEM_REPORT_ARMED);
	spin_unlock_bh(&c->lock);
	if ((rp.flags & TANDEM_REPORT_NOTED) &&
	    tandem_group_role(c->dp->group) == TANDEM_ROLE_BACKUP)
		send_report(c, &rp);
	return HRTIMER_NORESTART;
}

/*
 * The stack's state after it took a segment (inject.c): noted for the
 * report timer; @force (a new epoch's reports again, takeover.c): sent now.
 */
void tandem_report_progress(struct tandem_conn *c, struct sock *sk,
			    bool force)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 rcv_nxt = READ_ONCE(tp->rcv_nxt);
	u32 edge = READ_ONCE(tp->rcv_wup) + READ_ONCE(tp->rcv_wnd);
	struct tandem_conn_report now;
	bool send = false;

	if (force) {
		send_progress(c, rcv_nxt, edge, true, NULL);
		return;
	}
	spin_lock_bh(&c->lock);
	if (moves(c, rcv_nxt, edge))
		send = note_progress(c, rcv_nxt, edge, false, NULL, &now);
	spin_unlock_bh(&c->lock);
	if (send)
		send_report(c, &now);
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

unsigned int tandem_suppress_out(struct tandem_group *g, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = (const void *)iph + iph->ihl * 4;
	bool confirm = false, progress = false;
	struct tandem_wire_conn key;
	struct tandem_conn *c;
	u32 ack = 0, edge = 0, sack[2];
	bool dup = false, has_sack = false, flush = false;
	struct tandem_conn_report now;

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
			if ((c->flags & TANDEM_CONN_F_ISN) &&
			    (c->flags & TANDEM_CONN_F_LOCAL))
				tandem_digest_out(c, skb, th, ntohl(th->seq) -
						  c->seq_delta, false);
			reapply_check(c, skb, th);
			/* What moves is noted; a duplicate goes at once. */
			if (moves(c, ack, edge)) {
				flush = note_progress(c, ack, edge, true,
						      has_sack ? sack : NULL,
						      &now);
				progress = false;
			} else if (dup) {
				c->rp.flags |= TANDEM_REPORT_DUP;
			}
		}
		if (th->rst)
			c->state = TANDEM_CONN_STATE_CLOSED;
		else if (th->fin && c->state < TANDEM_CONN_STATE_CLOSING)
			c->state = TANDEM_CONN_STATE_CLOSING;
		spin_unlock_bh(&c->lock);
		if (confirm)
			send_confirm(c);
		if (progress)
			send_progress(c, ack, edge, dup, has_sack ? sack : NULL);
		if (flush)
			send_report(c, &now);
	}
	tandem_group_stats_inc(g, TANDEM_STAT_SUPPRESSED);
	consume_skb(skb);
	return NF_STOLEN;
}
