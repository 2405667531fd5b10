// SPDX-License-Identifier: GPL-2.0
/*
 * The lag policy: when a backup that holds a connection's ACKs back is
 * dropped from its protection. Dropping is the last resort (it resets the
 * connection at a takeover instead of resuming it): a backup more than
 * max_lag_bytes behind the best other backup, or missing bytes mirrored
 * more than max_lag_ms ago that another backup has, or whose receive
 * window stays closed while another's is open; a host-wide slowdown
 * delays every backup alike and drops none of them before the hard bound,
 * TANDEM_LAG_HARD times the lag bound, which applies to every backup (the
 * best one, a single one, included). A backup not heard at all
 * (LAG_SILENT) is gone, not slow: the lag bound applies. The bounds are
 * measured on the resend queue (resend.c).
 */

#include <net/tcp.h>

#include "datapath.h"

/* The lag bound of @c's service, or of its group, and the hard bound. */
void tandem_lag_limits(struct tandem_conn *c, struct tandem_lag_bound *lag,
		       struct tandem_lag_bound *hard)
{
	struct tandem_group *g = c->dp->group;
	const struct tandem_group_cfg *cfg;
	const struct tandem_service *s;
	u32 ms;

	rcu_read_lock();
	cfg = rcu_dereference(g->cfg);
	s = tandem_service_lookup(g, ntohs(c->key.vport));
	lag->bytes = s && s->max_lag_bytes ? s->max_lag_bytes : cfg->max_lag_bytes;
	ms = s && s->max_lag_ms ? s->max_lag_ms : cfg->max_lag_ms;
	rcu_read_unlock();
	lag->j = msecs_to_jiffies(ms);
	hard->bytes = min_t(u64, (u64)lag->bytes * TANDEM_LAG_HARD, U32_MAX / 2);
	hard->j = lag->j * TANDEM_LAG_HARD;
}

/* Whether a backup at @rcv_nxt lags past the hard bound @b (absolute). */
static bool past_hard(struct tandem_conn *c, u32 rcv_nxt,
		      const struct tandem_lag_bound *b)
{
	const struct sk_buff *head = skb_peek(&c->rq);

	if (c->rs.end - rcv_nxt > b->bytes)
		return true;
	/* Behind what this node had when it took over, for too long. */
	if ((c->flags & TANDEM_CONN_F_GAP) && before(rcv_nxt, c->rs.gap_end) &&
	    time_after(jiffies, c->rs.gap_at + b->j))
		return true;
	/* After trimming, the head is the oldest entry the slowest lacks. */
	return head && before(rcv_nxt, tandem_rq_cb(head)->end) &&
	       time_after(jiffies, tandem_rq_cb(head)->at + b->j);
}

#define LAG_WALK_MAX 512	/* entries looked at to compare two backups */

/*
 * How much longer a backup at @rcv_nxt has lacked bytes than the best one
 * at @best, in jiffies: the arrival of the oldest entry each lacks (the
 * queue is in arrival order). Backups whose reports are late alike (a
 * loaded host) lack their oldest entries for about as long.
 */
static unsigned long lacked_longer(struct tandem_conn *c, u32 rcv_nxt, u32 best)
{
	unsigned long since = 0, best_since = jiffies;
	unsigned int n = 0;
	struct sk_buff *skb;

	skb_queue_walk(&c->rq, skb) {
		if (!since && after(tandem_rq_cb(skb)->end, rcv_nxt))
			since = tandem_rq_cb(skb)->at;
		if (after(tandem_rq_cb(skb)->end, best)) {
			best_since = tandem_rq_cb(skb)->at;
			break;
		}
		if (++n == LAG_WALK_MAX)
			break;
	}
	return since && time_after(best_since, since) ? best_since - since : 0;
}

/*
 * Whether @p lags past the lag bound @b behind @best: in bytes, or in time
 * -- it has lacked bytes for longer than the best backup by more than the
 * bound, and without a break for as long again. (A client held back by
 * late reports sends in bursts, a window at a time: right after one
 * backup's report of a burst arrives, the other lacks the burst's tail,
 * which came a whole burst period before anything the first lacks, until
 * its own report arrives.)
 */
static bool behind_best(struct tandem_conn *c, struct tandem_conn_peer *p,
			u32 best, const struct tandem_lag_bound *b)
{
	u32 rcv_nxt = p->rcv_nxt;

	if (!after(best, rcv_nxt) || lacked_longer(c, rcv_nxt, best) <= b->j) {
		p->behind_since = 0;
		if (!after(best, rcv_nxt))
			return false;
	} else if (!p->behind_since) {
		p->behind_since = jiffies | 1;
	}
	if (best - rcv_nxt > b->bytes)
		return true;
	/* Behind what this node had when it took over, which best has. */
	if ((c->flags & TANDEM_CONN_F_GAP) && before(rcv_nxt, c->rs.gap_end) &&
	    !before(best, c->rs.gap_end) && time_after(jiffies, c->rs.gap_at + b->j))
		return true;
	return p->behind_since && time_after(jiffies, p->behind_since + b->j);
}

/*
 * A backup that sends nothing at all, not even its answers to the
 * channel's heartbeats, for LAG_SILENT times the lag bound is gone rather
 * than slow: it is measured against the lag bound, not the hard one, so
 * that a single backup's crash holds the client back that long only.
 */
#define LAG_SILENT 4

/* Whether @node_id was heard once, and not for @j since. */
bool tandem_lag_silent_for(struct tandem_conn *c, u32 node_id, unsigned long j)
{
	struct tandem_member *m;
	unsigned long heard = 0;

	rcu_read_lock();
	m = tandem_member_lookup_rcu(c->dp->group, node_id);
	if (m)
		heard = tandem_peer_last_heard(m->peer);
	rcu_read_unlock();
	return heard && time_after(jiffies, heard + j);
}

static bool silent(struct tandem_conn *c, u32 node_id, unsigned long j)
{
	return tandem_lag_silent_for(c, node_id, LAG_SILENT * j);
}

/* Whether @node_id is gone (silent past LAG_SILENT times the lag bound). */
bool tandem_lag_gone(struct tandem_conn *c, u32 node_id)
{
	struct tandem_lag_bound lag, hard;

	tandem_lag_limits(c, &lag, &hard);
	return silent(c, node_id, lag.j);
}

static bool lacks(const struct tandem_conn *c, const struct tandem_conn_peer *p)
{
	return (c->flags & TANDEM_CONN_F_RQEND) && after(c->rs.end, p->rcv_nxt);
}

bool tandem_lag_past_hard(struct tandem_conn *c, const struct tandem_conn_peer *p,
			  const struct tandem_lag_bound *lag,
			  const struct tandem_lag_bound *hard)
{
	return lacks(c, p) &&
	       past_hard(c, p->rcv_nxt, silent(c, p->node_id, lag->j) ? lag : hard);
}

/*
 * Past the hard bound (or gone), a backup is dropped; behind the best one
 * by more than the lag bound, the ACKs stop waiting for it, and it catches
 * up from the copies (TANDEM_REJOIN_BEHIND): a backup slowed for a while
 * (a loaded host's scheduling) costs the connection no protection for good.
 */
enum tandem_lag_verdict tandem_lag_lagging(struct tandem_conn *c,
					   struct tandem_conn_peer *p, u32 best,
					   const struct tandem_lag_bound *lag,
					   const struct tandem_lag_bound *hard)
{
	if (!lacks(c, p))
		return TANDEM_LAG_OK;
	if (tandem_lag_past_hard(c, p, lag, hard))
		return TANDEM_LAG_DROP;
	return behind_best(c, p, best, lag) ? TANDEM_LAG_BEHIND : TANDEM_LAG_OK;
}

/* The most advanced of the backups that hold the ACKs back, but @skip. */
u32 tandem_lag_best(const struct tandem_conn *c, u32 skip)
{
	const struct tandem_conn_peer *p;
	bool any = false;
	u32 best = 0;
	int i;

	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if ((skip && p->node_id == skip) || !tandem_peer_clamps(p))
			continue;
		if (!any || after(p->rcv_nxt, best))
			best = p->rcv_nxt;
		any = true;
	}
	return best;
}

/*
 * A slow reader's full receive buffer does not make it trail what it
 * received: its window edge holds the client back instead (the primary
 * advertises the smallest edge). A backup whose window (what its stack
 * would accept past what it received, as it last reported) is less than
 * an eighth of the primary's own (@ack to @edge) for more than the lag
 * bound in time, or whose edge trails the best backup's by more than it
 * in bytes, is left behind too (those to tell in @t) -- if another
 * protecting backup's window is open; if every backup's is closed alike,
 * it is dropped past the hard bound, against the primary's own edge. Sizes, not
 * edges, are compared: reports late alike (a loaded host) leave the
 * edges behind, not the windows small. A healthy backup's window stays
 * open; a slow reader's closes.
 */
static bool window_closed(const struct tandem_conn_peer *p, u32 own)
{
	return p->rcv_edge && (!after(p->rcv_edge, p->rcv_nxt) ||
			       p->rcv_edge - p->rcv_nxt < own / 8);
}

/* Whether @p's window is closed, against what this node advertised last. */
bool tandem_lag_peer_closed(const struct tandem_conn *c,
			    const struct tandem_conn_peer *p)
{
	return window_closed(p, c->edge_sent - c->ack_sent);
}

/*
 * The best window edge of the protecting backups whose window is open, if
 * any. Not of one catching up: its window is open because it lacks what
 * the others' applications are slow to read.
 */
static bool best_open_edge(const struct tandem_conn *c, u32 own, u32 *best)
{
	const struct tandem_conn_peer *p;
	bool any = false;
	int i;

	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (!tandem_peer_protects(p) || !p->rcv_edge || window_closed(p, own))
			continue;
		if (!any || after(p->rcv_edge, *best))
			*best = p->rcv_edge;
		any = true;
	}
	return any;
}

void tandem_lag_window(struct tandem_conn *c, u32 ack, u32 edge,
		       struct tandem_lag_notes *t)
{
	u32 own = edge - ack, best = edge;
	struct tandem_conn_peer *p;
	unsigned int i;
	struct tandem_lag_bound lag, hard;
	const struct tandem_lag_bound *b = &lag;

	lockdep_assert_held(&c->lock);
	tandem_lag_limits(c, &lag, &hard);
	if (!best_open_edge(c, own, &best))
		b = &hard;
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (!tandem_peer_clamps(p))
			continue;
		if (!after(edge, ack) || !window_closed(p, own)) {
			p->held_since = 0;
			continue;
		}
		if (!p->held_since)
			p->held_since = jiffies | 1;
		if ((!after(best, p->rcv_edge) || best - p->rcv_edge <= b->bytes) &&
		    !time_after(jiffies, p->held_since + b->j))
			continue;
		p->held_since = 0;
		if (b == &hard)
			tandem_protect_drop(c, p, t);
		else
			tandem_protect_leave(c, p, t);
	}
}
