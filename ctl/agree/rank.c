// SPDX-License-Identifier: GPL-2.0
/*
 * Candidate ranking: most protected connections, then highest priority,
 * then lowest node id (a total order: no two members tie). Backups learn
 * the others' numbers from the view in the primary's heartbeats, the
 * primary from acks: good enough to order the attempts (the stagger). The
 * votes compare counts read at that moment (cfg.read_conns): a candidate
 * sends its own, read at candidacy, and a member that may stand and ranks
 * higher with its own count read on receipt refuses it (AGREE_F_BETTER),
 * which ends the attempt (docs/agreement.md, "Election rank").
 */
#include "agree_int.h"

static uint32_t conns_of(const struct agree_node *n, unsigned int i)
{
	return i == n->self ? n->conns : n->peer[i].conns;
}

/* Does member a with ca connections rank above member b with cb? */
static bool above(const struct agree_node *n, unsigned int a, uint32_t ca,
		  unsigned int b, uint32_t cb)
{
	const struct agree_member *ma = &n->cfg.member[a], *mb = &n->cfg.member[b];

	if (ca != cb)
		return ca > cb;
	if (ma->priority != mb->priority)
		return ma->priority > mb->priority;
	return ma->id < mb->id;
}

static bool better(const struct agree_node *n, unsigned int a, unsigned int b)
{
	return above(n, a, conns_of(n, a), b, conns_of(n, b));
}

/* This node's connection count, read now when the daemon can. */
uint32_t rank_fresh(struct agree_node *n)
{
	if (n->cfg.read_conns)
		n->conns = n->cfg.read_conns(n->cfg.read_conns_arg);
	return n->conns;
}

/*
 * Could this node stand instead of a candidate? Healthy, not a witness,
 * not primary, past its quiet period, and not just failed to reach a
 * majority itself (it would only keep a reachable majority from electing).
 */
static bool may_veto(const struct agree_node *n)
{
	return !is_witness(n, n->self) && n->healthy &&
	       n->role != AGREE_ROLE_PRIMARY && n->now >= n->quiet_until &&
	       (n->no_quorum_at == NO_STAMP ||
		n->now - n->no_quorum_at >= agree_veto_pause(&n->cfg));
}

/*
 * Voter: a PREVOTE or PREPARE from member c (its count read at its
 * candidacy in m->conns). Reads this node's count now (the reply carries
 * it) and says whether this node ranks above the candidate and may stand.
 */
bool rank_outranks(struct agree_node *n, const struct agree_msg *m)
{
	int c = member_index(n, m->from);
	uint32_t own = rank_fresh(n);

	if (c < 0 || (m->flags & AGREE_F_NORANK) || !may_veto(n))
		return false;
	return above(n, n->self, own, c, m->conns);
}

/* Primary: acked within miss_count heartbeats. */
bool peer_alive(const struct agree_node *n, unsigned int i)
{
	int64_t window = (int64_t)n->cfg.miss_count * n->cfg.hb_interval;

	return n->peer[i].last_heard != NO_STAMP &&
	       n->now - n->peer[i].last_heard < window;
}

/* Backup: could member i stand now, as far as the last view tells? */
static bool may_stand(const struct agree_node *n, unsigned int i)
{
	uint8_t f = n->peer[i].flags;

	if (is_witness(n, i) || n->cfg.member[i].id == n->primary)
		return false;
	if (!n->have_view)
		return true;
	return (f & (AGREE_VIEW_ALIVE | AGREE_VIEW_HEALTHY | AGREE_VIEW_QUIET)) ==
	       (AGREE_VIEW_ALIVE | AGREE_VIEW_HEALTHY);
}

/*
 * How many members should stand before this one. A member that has never
 * seen a view (it just started) goes after every member that may have one.
 */
unsigned int rank_self(const struct agree_node *n)
{
	unsigned int i, rank = 0;

	for (i = 0; i < n->cfg.n_members; i++) {
		if (i == n->self || !may_stand(n, i))
			continue;
		if (!n->have_view)
			rank++;
		if (better(n, i, n->self))
			rank++;
	}
	return rank;
}

/* Primary: the backup to hand over to, or -1. */
int rank_best_backup(const struct agree_node *n)
{
	unsigned int i;
	int best = -1;

	for (i = 0; i < n->cfg.n_members; i++) {
		if (i == n->self || is_witness(n, i) || !peer_alive(n, i) ||
		    (n->peer[i].flags & (AGREE_VIEW_HEALTHY | AGREE_VIEW_QUIET))
		    != AGREE_VIEW_HEALTHY)
			continue;
		if (best < 0 || better(n, i, best))
			best = i;
	}
	return best;
}
