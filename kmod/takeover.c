// SPDX-License-Identifier: GPL-2.0
/*
 * Promotion of a backup to primary (called by GROUP_SET once the role is
 * published, so every hook already behaves as on a primary): connections
 * this node cannot carry on correctly (it never saw their opening, or its
 * output diverged) are reset; the others keep their wire space, get a
 * timestamp delta that keeps the next wire TSval ahead of what the client
 * has echoed (PAWS), an immediate ACK and a retransmit timer re-armed
 * without backoff. Then the gratuitous ARPs go out (garp.c).
 */

#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "datapath.h"

static struct tandem_group *g_of(struct tandem_conn *c)
{
	return c->dp->group;
}

/*
 * Keeps the next wire TSval ahead of every TSval the old primary sent, or
 * the client's PAWS check discards what this node sends: ahead of the
 * largest TSecr the client sent, and ahead of the old primary's wire clock
 * as its SEGMENTs showed it (ts_ahead: by how much it ran ahead of this
 * node's wire clock; the time since the crash covers their transit).
 */
static void paws_fix(struct tandem_conn *c, struct sock *sk)
{
	u32 tsoff = tcp_sk(sk)->tsoffset, now = tcp_time_stamp_raw() + tsoff;
	u32 wire;

	spin_lock_bh(&c->lock);
	if (c->flags & TANDEM_CONN_F_TS) {
		wire = now - c->ts_delta;
		if ((c->flags & TANDEM_CONN_F_AHEAD) && c->ts_ahead >= 0)
			wire += c->ts_ahead + 1;
		if ((c->flags & TANDEM_CONN_F_TSECR) &&
		    before(wire, c->cl.max_tsecr + 1))
			wire = c->cl.max_tsecr + 1;
		c->ts_delta = now - wire;
		c->wire_tsoff = tsoff - c->ts_delta;
	}
	spin_unlock_bh(&c->lock);
}

/*
 * The retransmission time-out to resume with. A shadow's RTT samples time
 * the mirrored client ACKs against its own (stolen) output, which ran ahead
 * of or behind the old primary's: seconds, not the path's RTT (seen: rtt
 * 6.7-7.5 s, rto 98-111 s after a takeover: one lost retransmission, and
 * the client waited past its own time-out). An estimate above the initial
 * time-out is forgotten, as for a new connection; a smaller one is kept.
 */
static void resume_rto(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	icsk->icsk_backoff = 0;
	if (tp->srtt_us) {
		icsk->icsk_rto = __tcp_set_rto(tp);
		tcp_bound_rto(sk);
		if (icsk->icsk_rto <= TCP_TIMEOUT_INIT)
			return;
	}
	tp->srtt_us = 0;
	tp->mdev_us = jiffies_to_usecs(TCP_TIMEOUT_INIT);
	tp->mdev_max_us = tp->mdev_us;
	tp->rttvar_us = tp->mdev_us;
	icsk->icsk_rto = TCP_TIMEOUT_INIT;
}

static void resume(struct tandem_conn *c, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	paws_fix(c, sk);
	lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN) {
		tandem_resend_gap(c, tp->rcv_nxt);
		tandem_ack_now(sk);
		if (tp->packets_out) {
			/*
			 * What the client has not acknowledged may have died
			 * with the old primary: retransmit it now, not after
			 * an RTO (the shadow socket never lost a packet), with
			 * an RTO not backed off while the clamp held the
			 * client's ACKs back, or a lost first retransmission
			 * costs up to TCP_RTO_MAX.
			 */
			resume_rto(sk);
			inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
						  TCP_TIMEOUT_MIN, TCP_RTO_MAX);
		}
	}
	release_sock(sk);
}

/*
 * What to do with @c at takeover: 1 resume, -1 reset, 0 nothing. The old
 * primary (@old, the sender of the SEGMENTs) protects nothing now (what it
 * reported when it was a backup itself is stale); if it follows, it may
 * again (TANDEM_REJOIN_*).
 */
static int verdict(struct tandem_conn *c, u32 old)
{
	int v;

	spin_lock_bh(&c->lock);
	if (old)
		tandem_protect_rejoin_start(c, old);
	tandem_protect_takeover(c);
	/* Not c->state: the socket tells whether there is anything to do. */
	if (c->dead)
		v = 0;
	else if ((c->flags & (TANDEM_CONN_F_DIVERGED | TANDEM_CONN_F_UNPROT)) ||
		 !(c->flags & TANDEM_CONN_F_ISN) ||
		 !(c->flags & TANDEM_CONN_F_LOCAL))
		v = -1;
	else
		v = 1;
	if (v > 0)
		c->flags |= TANDEM_CONN_F_TOOK;
	spin_unlock_bh(&c->lock);
	return v;
}

void tandem_takeover(struct tandem_group *g)
{
	struct tandem_dp *dp = g->dp;
	struct rhashtable_iter iter;
	struct tandem_conn *c;
	struct sock *sk;
	int v;

	lockdep_assert_held(&g->tn->lock);
	if (!dp)
		return;
	rhashtable_walk_enter(&dp->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c))
			continue;
		v = verdict(c, READ_ONCE(dp->primary_id));
		sk = v ? tandem_conn_sock(c) : NULL;
		if (!sk)
			continue;
		if (!sk_fullsock(sk)) {
			sock_gen_put(sk);
			continue;
		}
		/* c stays valid: entries are freed only under tn->lock (conn.c). */
		rhashtable_walk_stop(&iter);
		if (v < 0) {
			tcp_abort(sk, ECONNRESET);
			tandem_group_stats_inc(g, TANDEM_STAT_TAKEOVER_RESET);
		} else {
			resume(c, sk);
			tandem_group_stats_inc(g, TANDEM_STAT_TAKEOVER_RESUMED);
		}
		sock_gen_put(sk);
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	tandem_garp_start(g);
}

/* Calls @fn for every entry of @g, which may sleep; no entry is freed meanwhile. */
static void walk_conns(struct tandem_group *g,
			  void (*fn)(struct tandem_conn *c, void *arg), void *arg)
{
	struct tandem_dp *dp = g->dp;
	struct rhashtable_iter iter;
	struct tandem_conn *c;

	lockdep_assert_held(&g->tn->lock);
	if (!dp)
		return;
	rhashtable_walk_enter(&dp->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c))
			continue;
		/* Entries are freed only under tn->lock (conn.c). */
		rhashtable_walk_stop(&iter);
		fn(c, arg);
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

static void unprotect(struct tandem_conn *c, void *arg)
{
	spin_lock_bh(&c->lock);
	c->flags |= TANDEM_CONN_F_UNPROT;
	spin_unlock_bh(&c->lock);
}

static void report(struct tandem_conn *c, void *arg);

/* Unprotected until the primary confirms this node again (mirror.c). */
static void rejoin_conn(struct tandem_conn *c, void *arg)
{
	spin_lock_bh(&c->lock);
	c->flags |= TANDEM_CONN_F_UNPROT | TANDEM_CONN_F_REJOIN;
	spin_unlock_bh(&c->lock);
	report(c, arg);
}

static void report(struct tandem_conn *c, void *arg)
{
	struct sock *sk = tandem_conn_sock(c);

	if (!sk)
		return;
	if (sk_fullsock(sk) && sk->sk_state != TCP_LISTEN)
		tandem_report_progress(c, sk, true);
	sock_gen_put(sk);
}

/*
 * A node fenced, or not a backup before it follows a primary (@rejoin),
 * misses client bytes of the connections it holds: it no longer protects
 * them, and resets them if it is ever promoted, unless the primary, having
 * refilled it, confirms it again (TANDEM_REJOIN_*); it reports its progress
 * for that. A backup following a new
 * epoch reports every connection's progress again: reports sent under the
 * old epoch may have been dropped as stale by the new primary, which would
 * then clamp its ACKs to what it last heard.
 */
void tandem_follow(struct tandem_group *g, bool rejoin)
{
	walk_conns(g, rejoin ? rejoin_conn : report, NULL);
}

void tandem_unprotect_all(struct tandem_group *g)
{
	walk_conns(g, unprotect, NULL);
}

/* Closes a shadow socket without a word on the wire. */
static void silence(struct tandem_conn *c, void *arg)
{
	u16 port = *(u16 *)arg;
	struct sock *sk;

	if (port && ntohs(c->key.vport) != port)
		return;
	sk = tandem_conn_sock(c);
	if (!sk)
		return;
	/* A request socket would retransmit its SYN-ACK: dropped quietly. */
	if (sk->sk_state == TCP_NEW_SYN_RECV) {
		tcp_abort(sk, ECONNABORTED);
		tandem_group_stats_inc(g_of(c), TANDEM_STAT_SILENCED);
	} else if (sk_fullsock(sk)) {
		lock_sock(sk);
		local_bh_disable();
		bh_lock_sock(sk);
		if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN) {
			if (!sock_flag(sk, SOCK_DEAD)) {
				sk->sk_err = ECONNABORTED;
				sk_error_report(sk);
			}
			tcp_done(sk);
			tandem_group_stats_inc(g_of(c), TANDEM_STAT_SILENCED);
		}
		bh_unlock_sock(sk);
		local_bh_enable();
		release_sock(sk);
	}
	sock_gen_put(sk);
}

/*
 * Before a backup's (or fenced node's) service or group goes away: its
 * shadow sockets of that service (@port, 0: all) would otherwise send from
 * the VIP once nothing steals their output any more (retransmissions, FIN,
 * RST in the node's own sequence space).
 */
void tandem_silence(struct tandem_group *g, u16 port)
{
	if (tandem_group_role(g) == TANDEM_ROLE_PRIMARY)
		return;
	walk_conns(g, silence, &port);
}

/*
 * A primary's connection of a deleted service is neither translated nor
 * clamped any more: one that needs translation (taken over) cannot go on
 * and is reset; the others carry on as plain TCP.
 */
static void unserve(struct tandem_conn *c, void *arg)
{
	u16 port = *(u16 *)arg;
	struct sock *sk = NULL;
	bool xlate;

	if (ntohs(c->key.vport) != port)
		return;
	spin_lock_bh(&c->lock);
	xlate = c->seq_delta || c->ts_delta;
	spin_unlock_bh(&c->lock);
	if (xlate)
		sk = tandem_conn_sock(c);
	if (sk) {
		if (sk_fullsock(sk) || sk->sk_state == TCP_NEW_SYN_RECV) {
			tcp_abort(sk, ECONNRESET);
			tandem_group_stats_inc(g_of(c), TANDEM_STAT_SERVICE_RESET);
		}
		sock_gen_put(sk);
	}
	tandem_conn_remove(c);
}

/* After the service of @port is unlinked. */
void tandem_unserve(struct tandem_group *g, u16 port)
{
	if (tandem_group_role(g) == TANDEM_ROLE_PRIMARY)
		walk_conns(g, unserve, &port);
}

