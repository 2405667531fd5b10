// SPDX-License-Identifier: GPL-2.0
/*
 * Promotion of a backup to primary (called by GROUP_SET once the role is
 * published, so every hook already behaves as on a primary): connections
 * this node cannot carry on correctly (it never saw their opening, or its
 * output diverged) are reset; the others keep their wire space, get a
 * timestamp delta that keeps the next wire TSval ahead of what the client
 * has echoed (PAWS), an immediate ACK and a retransmit timer re-armed
 * without backoff. Then the gratuitous ARPs go out.
 */
#define pr_fmt(fmt) "tandem: " fmt

#include <linux/inetdevice.h>
#include <net/arp.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "datapath.h"

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
		if (before(wire, c->max_tsecr + 1))
			wire = c->max_tsecr + 1;
		c->ts_delta = now - wire;
		c->wire_tsoff = tsoff - c->ts_delta;
	}
	spin_unlock_bh(&c->lock);
}

static void resume(struct tandem_conn *c, struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	paws_fix(c, sk);
	lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN) {
		tandem_ack_now(sk);
		if (tp->packets_out) {
			/*
			 * What the client has not acknowledged may have died
			 * with the old primary: retransmit it now, not after
			 * an RTO (the shadow socket never lost a packet).
			 */
			icsk->icsk_backoff = 0;
			inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
						  TCP_TIMEOUT_MIN, TCP_RTO_MAX);
		}
	}
	release_sock(sk);
}

/* What to do with @c at takeover: 1 resume, -1 reset, 0 nothing. */
static int verdict(struct tandem_conn *c)
{
	int v;

	spin_lock_bh(&c->lock);
	if (c->dead || c->state == TANDEM_CONN_STATE_CLOSED)
		v = 0;
	else if ((c->flags & (TANDEM_CONN_F_DIVERGED | TANDEM_CONN_F_UNPROT)) ||
		 !(c->flags & TANDEM_CONN_F_ISN) ||
		 !(c->flags & TANDEM_CONN_F_LOCAL))
		v = -1;
	else
		v = 1;
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
		v = verdict(c);
		sk = v ? tandem_conn_sock(c) : NULL;
		if (!sk)
			continue;
		if (!sk_fullsock(sk)) {
			sock_gen_put(sk);
			continue;
		}
		/* c stays valid: only the GC frees entries, and not while the socket lives. */
		rhashtable_walk_stop(&iter);
		if (v < 0) {
			tcp_abort(sk, ECONNRESET);
			dp_count(g, TANDEM_STAT_TAKEOVER_RESET);
		} else {
			resume(c, sk);
			dp_count(g, TANDEM_STAT_TAKEOVER_RESUMED);
		}
		sock_gen_put(sk);
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	dp->garp_left = rcu_dereference_protected(g->cfg, true)->garp_count;
	mod_delayed_work(system_wq, &dp->garp_work, 0);
}

/*
 * A backup following a new epoch reports every connection's progress again:
 * reports sent under the old epoch may have been dropped as stale by the
 * new primary, which would then clamp its ACKs to what it last heard.
 * A node that was not a backup before (@rejoin: a fenced or demoted
 * primary) missed client bytes of the connections it still holds: it no
 * longer protects them, and resets them if it is ever promoted.
 */
void tandem_follow(struct tandem_group *g, bool rejoin)
{
	struct tandem_dp *dp = g->dp;
	struct rhashtable_iter iter;
	struct tandem_conn *c;
	struct sock *sk;

	lockdep_assert_held(&g->tn->lock);
	if (!dp)
		return;
	rhashtable_walk_enter(&dp->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c))
			continue;
		if (rejoin) {
			spin_lock_bh(&c->lock);
			c->flags |= TANDEM_CONN_F_UNPROT;
			spin_unlock_bh(&c->lock);
			continue;
		}
		sk = tandem_conn_sock(c);
		if (!sk)
			continue;
		if (sk_fullsock(sk) && sk->sk_state != TCP_LISTEN)
			tandem_report_progress(c, sk, true);
		sock_gen_put(sk);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

void tandem_garp_work(struct work_struct *work)
{
	struct tandem_dp *dp = container_of(to_delayed_work(work),
					    struct tandem_dp, garp_work);
	struct tandem_group *g = dp->group;
	struct net_device *dev;
	u32 interval;

	if (!dp->garp_left || !tandem_group_is_live_primary(g) ||
	    g->vip.family != AF_INET)
		return;
	rcu_read_lock();
	interval = rcu_dereference(g->cfg)->garp_interval_ms;
	dev = __ip_dev_find(g->tn->net, g->vip.v4, false);
	if (dev && !(dev->flags & (IFF_NOARP | IFF_LOOPBACK))) {
		arp_send(ARPOP_REQUEST, ETH_P_ARP, g->vip.v4, dev, g->vip.v4,
			 NULL, dev->dev_addr, NULL);
		dp_count(g, TANDEM_STAT_GARP_SENT);
	}
	rcu_read_unlock();
	if (--dp->garp_left)
		schedule_delayed_work(&dp->garp_work,
				      msecs_to_jiffies(interval));
}
