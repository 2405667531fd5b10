// SPDX-License-Identifier: GPL-2.0
/*
 * Candidate ranking: most protected connections, then highest priority,
 * then lowest node id. Backups learn the others' numbers from the view in
 * the primary's heartbeats; the primary learns them from acks.
 */
#include "agree_int.h"

static uint32_t conns_of(const struct agree_node *n, unsigned int i)
{
	return i == n->self ? n->conns : n->peer[i].conns;
}

static bool better(const struct agree_node *n, unsigned int a, unsigned int b)
{
	const struct agree_member *ma = &n->cfg.member[a], *mb = &n->cfg.member[b];

	if (conns_of(n, a) != conns_of(n, b))
		return conns_of(n, a) > conns_of(n, b);
	if (ma->priority != mb->priority)
		return ma->priority > mb->priority;
	return ma->id < mb->id;
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
