// SPDX-License-Identifier: GPL-2.0
/*
 * Which client segments the primary mirrors and learns from. Its hook runs
 * at PRE_ROUTING, before TCP has checked anything: a segment the primary's
 * own stack is going to discard must neither reach the backups' stacks
 * (which would take it, in their own state, and diverge) nor move what the
 * connection entry records (the client's largest ACK and TSecr, its state),
 * or anyone who knows the 4-tuple could steer the takeover. So, in the
 * order TCP checks them:
 *  - the TCP checksum (a corrupt segment is never mirrored);
 *  - a SYN on an entry whose connection is over on this node (no socket,
 *    or TIME_WAIT) with a new ISN starts a new connection: the entry is
 *    reset (tandem_conn_reinit()) and the SEGMENT tells the backups to do
 *    the same; a SYN on a live connection is not mirrored;
 *  - sequence: nothing beyond the right edge of the receive window (data
 *    below it is mirrored: a lagging backup may need it);
 *  - ACK: nothing beyond what this node's stack queued for sending (after a
 *    takeover, beyond what the old primary can have sent: the client's
 *    largest ACK seen plus its window);
 *  - RST: only at the next expected byte (RFC 5961; others are answered
 *    with a challenge ACK by TCP and change nothing);
 *  - PAWS: no TSval older than the one TCP holds (RFC 7323; the last TS
 *    option counts, as for TCP).
 * A segment that passes is mirrored and noted (tandem_conn_note_in()). The
 * check reads the socket without its lock: a segment still queued ahead
 * of this one can make a late RST look out of place (it is then not
 * mirrored, and the backups keep a connection the client reset).
 * The client's TSval is not taken from here: backups raise it to their own
 * socket's ts_recent when they inject (inject.c), which TCP only updates
 * from segments it accepted.
 */

#include <linux/netfilter.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "datapath.h"

bool tandem_in_csum_ok(struct sk_buff *skb)
{
	return !nf_checksum(skb, NF_INET_PRE_ROUTING, ip_hdrlen(skb),
			    IPPROTO_TCP, AF_INET);
}

/* Right edge of the receive window as this node's stack last set it. */
static u32 rcv_edge(const struct tcp_sock *tp)
{
	return READ_ONCE(tp->rcv_wup) + READ_ONCE(tp->rcv_wnd);
}

/*
 * The largest ACK the client may send, in wire space: up to what this
 * node's stack queued (not snd_nxt: the client may ACK a segment before the
 * stack, still in its transmit path, has advanced snd_nxt past it).
 */
static u32 ack_bound(const struct tandem_conn *c, const struct tcp_sock *tp)
{
	u32 sent = READ_ONCE(tp->write_seq) - c->seq_delta, heard;

	if (!(c->flags & TANDEM_CONN_F_TOOK) || !(c->flags & TANDEM_CONN_F_CACK))
		return sent;
	heard = c->cl.max_cack + c->cl.win;
	return after(heard, sent) ? heard : sent;
}

static bool rst_ok(const struct sock *sk, u32 seq)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 rcv_nxt = READ_ONCE(tp->rcv_nxt);

	if (seq == rcv_nxt)
		return true;
	return seq == rcv_nxt - 1 &&
	       ((1 << sk->sk_state) &
		(TCPF_CLOSE_WAIT | TCPF_LAST_ACK | TCPF_CLOSING));
}

/* PAWS (RFC 7323): a TSval older than the one TCP holds is discarded. */
static bool paws_reject(const struct tcp_sock *tp, const struct tcphdr *th)
{
	u32 tsval, tsecr;

	return !th->rst && tandem_tcp_ts(th, &tsval, &tsecr) &&
	       READ_ONCE(tp->rx_opt.ts_recent_stamp) &&
	       (s32)(READ_ONCE(tp->rx_opt.ts_recent) - tsval) > TCP_PAWS_WINDOW;
}

/* A segment of a connection whose socket is a full one. */
static bool full_ok(struct tandem_conn *c, const struct sock *sk,
		    const struct tcphdr *th)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 seq = ntohl(th->seq);

	if (th->syn || sk->sk_state == TCP_LISTEN || paws_reject(tp, th))
		return false;
	if (th->rst)
		return rst_ok(sk, seq);
	if (after(seq, rcv_edge(tp)))
		return false;
	return !th->ack || !after(ntohl(th->ack_seq), ack_bound(c, tp));
}

static bool handshake_ack(const struct tandem_conn *c, const struct tcphdr *th,
			  bool cookie)
{
	if (!(c->flags & TANDEM_CONN_F_ISN))
		return !cookie;
	if (!th->ack)
		return !cookie;
	return ntohl(th->ack_seq) == c->wire_isn + 1 &&
	       (!cookie || c->state == TANDEM_CONN_STATE_SYN);
}

/*
 * A segment of a connection in TIME_WAIT here (also an orphan that closed
 * first and waits for the client's FIN: FIN_WAIT2 as a timewait socket;
 * that FIN must reach the backups, or the primary's ACK of it stays
 * clamped and the client never leaves LAST_ACK).
 */
static bool tw_ok(const struct tandem_conn *c, const struct sock *sk,
		  const struct tcphdr *th)
{
	const struct tcp_timewait_sock *tw = tcp_twsk(sk);

	if (th->rst)
		return ntohl(th->seq) == READ_ONCE(tw->tw_rcv_nxt);
	return !th->ack || !after(ntohl(th->ack_seq),
				  READ_ONCE(tw->tw_snd_nxt) - c->seq_delta);
}

/* The old connection of @c is over here: a new SYN may reuse its tuple. */
static bool over(const struct sock *sk)
{
	return !sk || sk->sk_state == TCP_TIME_WAIT || sk->sk_state == TCP_CLOSE;
}

/*
 * Whether the primary mirrors @th (of @c, whose local socket is @sk, or
 * NULL); notes what it learns. Sets *@fresh if the entry was reset for a
 * new connection. Called with c->lock held.
 */
bool tandem_in_accept(struct tandem_conn *c, const struct sock *sk,
		      const struct tcphdr *th, bool *fresh)
{
	u32 ts_clock = (u32)tcp_time_stamp_raw() + c->wire_tsoff;

	lockdep_assert_held(&c->lock);
	*fresh = false;
	if (th->syn && !th->ack && !th->rst) {
		if ((c->flags & TANDEM_CONN_F_CISN) &&
		    ntohl(th->seq) != c->cl.isn) {
			if (!over(sk))
				return false;
			tandem_conn_reinit(c);
			tandem_group_stats_inc(c->dp->group, TANDEM_STAT_REINCARNATED);
			*fresh = true;
		}
	} else if (!sk || sk->sk_state == TCP_NEW_SYN_RECV) {
		/*
		 * The handshake's ACK carries the one acceptable number (with
		 * no socket: a SYN cookie's, which the listener checks).
		 */
		if (th->syn || !handshake_ack(c, th, !sk))
			return false;
	} else if (sk->sk_state == TCP_TIME_WAIT) {
		if (th->syn || !tw_ok(c, sk, th))
			return false;
	} else if (!full_ok(c, sk, th)) {
		return false;
	}
	tandem_conn_note_in(c, th, ts_clock);
	return true;
}
