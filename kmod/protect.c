// SPDX-License-Identifier: GPL-2.0
/*
 * Where each backup stands on a connection, as the primary sees it, and
 * how it moves (enum tandem_stand): unconfirmed -> protecting (its CONFIRM;
 * the ACKs wait for it) -> left behind (BEHIND: the lag bound, lag.c; copies
 * resent, the ACKs do not wait) -> catching up (CATCHUP: near what the
 * client was acknowledged, waited for again) -> protecting; or dropped for
 * good (past the hard bound, gone, a timed-out SYN, options that differ).
 * Left behind or dropped, it is *leaving* until one of its reports says it
 * knows (TANDEM_WIRE_PROGRESS_F_UNPROT) or it is gone: a backup that
 * believes it protects would resume the connection if promoted, so the
 * ACKs still wait for it. An old primary after a takeover enters at WAIT
 * (tandem_protect_rejoin_start()). Every transition is made under the
 * connection's lock.
 */

#include <net/tcp.h>

#include "datapath.h"

static bool stands(const struct tandem_conn_peer *p, enum tandem_stand st)
{
	return p->node_id && p->stand == st;
}

bool tandem_peer_protects(const struct tandem_conn_peer *p)
{
	return stands(p, TANDEM_STAND_PROTECTING);
}

/* Protecting, or an old primary catching up: the ACKs wait for it. */
bool tandem_peer_clamps(const struct tandem_conn_peer *p)
{
	return tandem_peer_protects(p) || stands(p, TANDEM_STAND_CATCHUP);
}

/* Lagging behind the best backup: resent to, but the ACKs do not wait for it. */
bool tandem_peer_behind(const struct tandem_conn_peer *p)
{
	return stands(p, TANDEM_STAND_BEHIND);
}

/* Left behind, or an old primary waited for or catching up. */
bool tandem_peer_rejoining(const struct tandem_conn_peer *p)
{
	return stands(p, TANDEM_STAND_WAIT) || stands(p, TANDEM_STAND_CATCHUP) ||
	       stands(p, TANDEM_STAND_BEHIND);
}

/* The old primary, not reported yet: every copy is kept for it. */
bool tandem_peer_unheard(const struct tandem_conn_peer *p)
{
	return stands(p, TANDEM_STAND_WAIT);
}

/* Refilled from the copies, its reports clocking the resends. */
bool tandem_peer_refilled(const struct tandem_conn_peer *p)
{
	return stands(p, TANDEM_STAND_CATCHUP) || stands(p, TANDEM_STAND_BEHIND);
}

/* No CONFIRM yet: a SYN-ACK held waits for it. */
bool tandem_peer_unconfirmed(const struct tandem_conn_peer *p)
{
	return stands(p, TANDEM_STAND_UNCONFIRMED);
}

/* Its CONFIRM: it protects, unless it opened with other options. */
void tandem_protect_confirmed(struct tandem_conn *c, struct tandem_conn_peer *p,
			      bool opts_differ)
{
	lockdep_assert_held(&c->lock);
	if (p->stand != TANDEM_STAND_UNCONFIRMED)
		return;
	p->stand = opts_differ ? TANDEM_STAND_DROPPED : TANDEM_STAND_PROTECTING;
	if (!p->rcv_nxt)
		p->rcv_nxt = c->cl.isn + 1;
}

/* The SYN-ACK hold timed out: no CONFIRM, dropped; whether it was. */
bool tandem_protect_syn_timeout(struct tandem_conn_peer *p)
{
	if (p->stand != TANDEM_STAND_UNCONFIRMED)
		return false;
	p->stand = TANDEM_STAND_DROPPED;
	return true;
}

/*
 * Whether the ACKs wait for @p: it clamps, or it is leaving -- until it is
 * gone.
 */
bool tandem_protect_waits(struct tandem_conn *c, struct tandem_conn_peer *p)
{
	lockdep_assert_held(&c->lock);
	if (p->leaving && tandem_lag_gone(c, p->node_id))
		p->leaving = 0;
	return tandem_peer_clamps(p) || (p->node_id && p->leaving);
}

/*
 * A backup that believes it protects the connection would resume it if
 * promoted, lacking what the ACKs no longer wait for: until its reports
 * say it knows (TANDEM_WIRE_PROGRESS_F_UNPROT), or it is gone, they still
 * do (tandem_protect_waits()).
 */
static void start_leaving(struct tandem_conn *c, struct tandem_conn_peer *p)
{
	if (tandem_peer_protects(p) || p->leaving)
		p->leaving = !tandem_lag_gone(c, p->node_id);
}

void tandem_protect_drop(struct tandem_conn *c, struct tandem_conn_peer *p,
			 struct tandem_lag_notes *t)
{
	start_leaving(c, p);
	p->stand = TANDEM_STAND_DROPPED;
	p->told_at = jiffies | 1;
	t->drop[t->ndrop++] = p->node_id;
	tandem_group_stats_inc(c->dp->group, TANDEM_STAT_LAG_DROPPED);
}

/* Stops waiting for @p until it holds what the client was acknowledged. */
void tandem_protect_leave(struct tandem_conn *c, struct tandem_conn_peer *p,
			  struct tandem_lag_notes *t)
{
	start_leaving(c, p);
	p->stand = TANDEM_STAND_BEHIND;
	p->behind_since = 0;
	p->told_at = jiffies | 1;
	p->behind_mark = c->rs.end;
	t->behind[t->nbehind++] = p->node_id;
	tandem_group_stats_inc(c->dp->group, TANDEM_STAT_LAG_BEHIND);
}

/* Judges @p's lag; returns whether the copies it lacks are kept for it. */
bool tandem_protect_judge(struct tandem_conn *c, struct tandem_conn_peer *p,
		       u32 best, const struct tandem_lag_bound *lag,
		       const struct tandem_lag_bound *hard,
		       struct tandem_lag_notes *t)
{
	if (tandem_peer_behind(p)) {
		if (!tandem_lag_past_hard(c, p, lag, hard))
			return true;
		tandem_protect_drop(c, p, t);
		return false;
	}
	switch (tandem_lag_lagging(c, p, best, lag, hard)) {
	case TANDEM_LAG_DROP:
		tandem_protect_drop(c, p, t);
		return false;
	case TANDEM_LAG_BEHIND:
		tandem_protect_leave(c, p, t);
		return true;
	default:
		return true;
	}
}

#define RETELL_EVERY (HZ / 5)

/* Notes in @t that @p is to be told (again) that it protects nothing. */
static void tell(struct tandem_conn_peer *p, struct tandem_lag_notes *t)
{
	if (p->stand == TANDEM_STAND_DROPPED)
		t->drop[t->ndrop++] = p->node_id;
	else if (tandem_peer_behind(p))
		t->behind[t->nbehind++] = p->node_id;
	p->told_at = jiffies | 1;
}

static bool told_long_ago(const struct tandem_conn_peer *p)
{
	return time_after(jiffies, p->told_at + RETELL_EVERY);
}

/*
 * A peer still leaving is told again at most every RETELL_EVERY, whether it
 * reports or not (a silenced shadow socket does not): the CLOSE, or its
 * answer, may have been lost, and the ACKs wait for it meanwhile.
 */
void tandem_protect_retell_leaving(struct tandem_conn *c,
				   struct tandem_lag_notes *t)
{
	struct tandem_conn_peer *p;
	int i;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (p->node_id && p->leaving && told_long_ago(p))
			tell(p, t);
	}
}

/*
 * A backup may have missed the CLOSE that dropped it (a partition) or left
 * it behind: each of its reports that does not say it knows
 * (TANDEM_WIRE_PROGRESS_F_UNPROT, which answers a CLOSE) brings it again
 * (the latter at most every RETELL_EVERY).
 */
static void retell(struct tandem_conn_peer *p, struct tandem_lag_notes *t)
{
	if (stands(p, TANDEM_STAND_DROPPED) ||
	    (tandem_peer_behind(p) && told_long_ago(p)))
		tell(p, t);
}

/*
 * A report of @p: with TANDEM_WIRE_PROGRESS_F_UNPROT (@unprot) it knows it
 * protects nothing (no more telling), and a leave takes effect; without,
 * it may have missed its CLOSE.
 */
void tandem_protect_heard(struct tandem_conn *c, struct tandem_conn_peer *p,
			  bool unprot, struct tandem_lag_notes *t)
{
	lockdep_assert_held(&c->lock);
	p->unprot = unprot;
	if (unprot) {
		if (p->leaving) {
			p->leaving = 0;
			p->behind_mark = c->rs.end;
		}
		return;
	}
	if (tandem_group_is_live_primary(c->dp->group))
		retell(p, t);
}

#define REJOIN_WAIT_MIN msecs_to_jiffies(5000)

/*
 * At a takeover: the old primary @node_id may follow (WAIT). It
 * is waited for as long as a lagging backup is (the hard bound), while its
 * kernel answers the channel's heartbeats: a primary fenced by a stalled
 * daemon learns of the new epoch only once its daemon runs again, and given
 * up on, it never protects the connection again. A crashed one is given up
 * on REJOIN_WAIT_MIN after it was last heard: the copies kept for it hold
 * everything back from trimming.
 */
void tandem_protect_rejoin_start(struct tandem_conn *c, u32 node_id)
{
	struct tandem_conn_peer *p = tandem_conn_peer(c, node_id, true);
	struct tandem_lag_bound lag, hard;

	lockdep_assert_held(&c->lock);
	if (!p)
		return;
	tandem_lag_limits(c, &lag, &hard);
	memset(p, 0, sizeof(*p));
	p->node_id = node_id;
	p->stand = TANDEM_STAND_WAIT;
	p->rejoin_until = jiffies + max(REJOIN_WAIT_MIN, hard.j);
	/* What the old primary acknowledged, it had: only this node's ACKs count. */
	c->flags &= ~TANDEM_CONN_F_AMAX;
}

/*
 * How close to what the client was acknowledged a backup left behind must
 * be for the ACKs to wait for it again (CATCHUP): a few of its round trips.
 */
#define BEHIND_NEAR (256U << 10)

/*
 * Whether a backup left behind is near enough: it holds what was mirrored
 * when the leave took effect (its report that it knew: until then, the
 * client it held back made it look near), lacks no more than BEHIND_NEAR
 * of what the client was acknowledged since, nothing mirrored more than a
 * quarter of the lag bound ago, and its window is open (a slow reader left
 * behind for its window lacks nothing while the client it held back has
 * sent nothing more: waited for again at once, it closes the window again).
 */
static bool behind_near(struct tandem_conn *c, const struct tandem_conn_peer *p,
			const struct tandem_lag_bound *lag)
{
	struct sk_buff *skb;

	if (before(p->rcv_nxt, p->behind_mark) || tandem_lag_peer_closed(c, p) ||
	    (after(c->ack_max, p->rcv_nxt) &&
	     c->ack_max - p->rcv_nxt > BEHIND_NEAR))
		return false;
	skb_queue_walk(&c->rq, skb)
		if (after(tandem_rq_cb(skb)->end, p->rcv_nxt))
			return time_after(tandem_rq_cb(skb)->at + lag->j / 4, jiffies);
	return true;
}

/* Waits for a backup left behind again, for up to the hard bound. */
static void behind_catchup(struct tandem_conn *c, struct tandem_conn_peer *p)
{
	struct tandem_lag_bound lag, hard;

	if (p->leaving)
		return;
	tandem_lag_limits(c, &lag, &hard);
	if (!behind_near(c, p, &lag))
		return;
	p->stand = TANDEM_STAND_CATCHUP;
	p->rejoin_until = jiffies + hard.j;
}

/*
 * Moves the old primary along WAIT, CATCHUP: given up on after
 * rejoin_until or if what it lacks is not here; protecting once it holds
 * everything this node acknowledged to the client (ack_max: what the old
 * primary acknowledged itself, it had). A backup left behind (BEHIND) is
 * waited for again near that point, and given up on past the hard bound
 * only (tandem_resend_update()). Returns how many peers protect again,
 * their node ids in @ids, to be told.
 */
unsigned int tandem_protect_rejoined(struct tandem_conn *c, u32 *ids)
{
	struct tandem_conn_peer *p;
	unsigned int n = 0, i;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (!tandem_peer_rejoining(p))
			continue;
		if ((p->stand != TANDEM_STAND_BEHIND &&
		     time_after(jiffies, p->rejoin_until)) ||
		    (p->stand == TANDEM_STAND_WAIT &&
		     tandem_lag_silent_for(c, p->node_id, REJOIN_WAIT_MIN))) {
			p->stand = TANDEM_STAND_DROPPED;
		} else if (!p->rcv_nxt) {
			continue;
		} else if (p->stand == TANDEM_STAND_BEHIND) {
			/* It had what the clamp waited for: not enough. */
			behind_catchup(c, p);
		} else if (!(c->flags & TANDEM_CONN_F_AMAX) ||
			   !before(p->rcv_nxt, c->ack_max)) {
			p->stand = TANDEM_STAND_PROTECTING;
			p->leaving = 0;
			ids[n++] = p->node_id;
			tandem_group_stats_inc(c->dp->group, TANDEM_STAT_REJOINED);
		} else if (p->stand == TANDEM_STAND_WAIT) {
			p->stand = tandem_resend_holds(c, p->rcv_nxt) ?
				   TANDEM_STAND_CATCHUP : TANDEM_STAND_DROPPED;
		}
	}
	return n;
}

/*
 * At this node's promotion: a peer it counted protecting (or catching up)
 * whose last report said it protects nothing -- the old primary dropped it
 * or left it behind, and a backup hears no CLOSE meant for another -- is
 * dropped at once: waited for, it would hold the client back until the
 * lag bound, for ever with the bound lifted (netem_test: the new primary's
 * ACKs waited for a backup 5.9 MB behind, which no copy could refill).
 */
void tandem_protect_takeover(struct tandem_conn *c)
{
	struct tandem_conn_peer *p;
	int i;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (!p->unprot || !tandem_peer_clamps(p))
			continue;
		p->stand = TANDEM_STAND_DROPPED;
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_TAKEOVER_DROPPED);
	}
}

/* @p's standing as the uapi names it (TANDEM_A_CONN_PEER_STATE). */
u8 tandem_protect_state(const struct tandem_conn_peer *p)
{
	if (p->leaving)
		return TANDEM_PEER_STATE_LEAVING;
	switch (p->stand) {
	case TANDEM_STAND_PROTECTING:
		return TANDEM_PEER_STATE_PROTECTING;
	case TANDEM_STAND_WAIT:
	case TANDEM_STAND_CATCHUP:
		return TANDEM_PEER_STATE_REJOINING;
	case TANDEM_STAND_BEHIND:
		return TANDEM_PEER_STATE_BEHIND;
	case TANDEM_STAND_DROPPED:
		return TANDEM_PEER_STATE_DROPPED;
	default:
		return TANDEM_PEER_STATE_UNCONFIRMED;
	}
}
