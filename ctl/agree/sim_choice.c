// SPDX-License-Identifier: GPL-2.0
/*
 * The choice (PROP_CHOICE): a node that starts a reign ranks above every
 * member that could have won instead at that moment. Ranks are ordered by
 * connection count, then priority, then lowest id (docs/agreement.md,
 * "Election rank"), with the counts each node could really continue
 * (sim_rank_conns: the simulated kernel's, less the suspended connections
 * of a fenced primary once another node has reigned since), not the
 * core's snapshots nor what its daemon believes.
 *
 * The election of w runs from its latest PREVOTE (real time t) to now.
 * A member x could have won instead when, over all of [t, now]:
 *
 *   - x is not w and not a witness, was up and not stalled (since before
 *     t), and was not primary;
 *   (every "since" is strict: events at the instant t itself may have come
 *   after w's PREVOTE was sent)
 *   - x was healthy, past its quiet period, and had not failed to reach a
 *     majority itself within agree_veto_pause before t (such a member
 *     cannot win, and must not keep a reachable majority from electing);
 *   - x was connected both ways to w and to at least a majority of the
 *     members (itself included) that were up and awake: it could gather
 *     a majority;
 *   - the network lost nothing and a round trip took less than the
 *     stagger D (how long a pre-vote waits for the members that may rank
 *     higher), and w was not stalled either.
 *
 * Counts may change during the election (they do every few milliseconds
 * in the chaos's rank phases; a fenced node's count falls when another
 * reign starts): x must not win over w when x's lowest rank over [t, now]
 * is above w's highest. That is what the votes can guarantee: x compares
 * its count of the moment it answers with the one w claimed when it sent
 * its PREVOTE, both within [t, now].
 *
 * Handovers (the primary chose its successor: ELECT_NOW, AGREE_F_NORANK)
 * are not checked.
 */
#include <inttypes.h>

#include "sim_int.h"

/* Does member a with ca connections rank above member b with cb? */
static bool ranks_above(const struct sim *s, unsigned int a, uint32_t ca,
			unsigned int b, uint32_t cb)
{
	const struct agree_member *ma = &s->p.cfg.member[a];
	const struct agree_member *mb = &s->p.cfg.member[b];

	if (ca != cb)
		return ca > cb;
	if (ma->priority != mb->priority)
		return ma->priority > mb->priority;
	return ma->id < mb->id;
}

/*
 * What node i could continue now. A fenced primary's suspended connections
 * resume at its re-election only if its quorum's prior is below its fence
 * epoch (docs/agreement.md, "Resuming after a lapse"): lost for sure once
 * another node has reigned since (every majority then includes a member
 * that promised that reign); `surely`: kept only if no member at all has
 * promised or followed another node's ballot since (whatever the quorum).
 */
uint32_t sim_rank_conns(const struct sim *s, unsigned int i, bool surely)
{
	const struct sim_node *x = &s->node[i];
	uint32_t id = s->p.cfg.member[i].id;
	unsigned int j;

	if (!x->susp)
		return x->conns;
	for (j = 0; j < s->n; j++) {
		if (j != i && s->reign_epoch[j] > x->susp)
			return 0;
		if (surely && agree_prior(&s->node[j].a, id) >= x->susp)
			return 0;
	}
	return x->conns;
}

/* Record sim_rank_conns(i) if it changed. */
void conns_note(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];
	unsigned int k = sizeof(x->hist) / sizeof(x->hist[0]), m;
	uint32_t lo = sim_rank_conns(s, i, true), hi = sim_rank_conns(s, i, false);

	m = (x->n_hist - 1) % k;
	if (x->n_hist && x->hist[m].lo == lo && x->hist[m].hi == hi)
		return;
	m = x->n_hist++ % k;
	x->hist[m].at = s->now;
	x->hist[m].lo = lo;
	x->hist[m].hi = hi;
}

/*
 * The lowest count node i surely held and the highest it may have held
 * over [t, now] (a change at t itself may have come before or after: both
 * values count); false when the history no longer reaches back to t.
 */
static bool conns_range(const struct sim *s, unsigned int i, int64_t t,
			uint32_t *lo, uint32_t *hi)
{
	const struct sim_node *x = &s->node[i];
	unsigned int k = sizeof(x->hist) / sizeof(x->hist[0]), m;

	*lo = UINT32_MAX;
	*hi = 0;
	for (m = x->n_hist; m > 0 && x->n_hist - m < k; m--) {
		*lo = x->hist[(m - 1) % k].lo < *lo ? x->hist[(m - 1) % k].lo : *lo;
		*hi = x->hist[(m - 1) % k].hi > *hi ? x->hist[(m - 1) % k].hi : *hi;
		if (x->hist[(m - 1) % k].at < t)
			return true;
	}
	return m == 0 && x->n_hist;
}

static bool awake_since(const struct sim *s, unsigned int i, int64_t t)
{
	const struct sim_node *x = &s->node[i];

	return x->up && x->up_since < t && x->stall_end < t;
}

static bool linked_since(const struct sim *s, unsigned int a, unsigned int b,
			 int64_t t)
{
	return s->link_up[a][b] && s->link_since[a][b] < t &&
	       s->link_up[b][a] && s->link_since[b][a] < t;
}

/* x could gather a majority: linked both ways to enough awake members. */
static bool reaches_majority(const struct sim *s, unsigned int x, int64_t t)
{
	unsigned int j, k = 1;

	for (j = 0; j < s->n; j++)
		if (j != x && awake_since(s, j, t) && linked_since(s, x, j, t))
			k++;
	return k >= s->n / 2 + 1;
}

static bool could_win(const struct sim *s, unsigned int w, unsigned int i,
		      int64_t t)
{
	const struct sim_node *x = &s->node[i];
	const struct agree_node *a = &x->a;
	int64_t rtt = 2 * s->p.delay_max + s->link_delay[w][i] +
		      s->link_delay[i][w] + s->p.tick_jitter;

	if (i == w || s->p.cfg.member[i].witness || !awake_since(s, i, t))
		return false;
	if (x->role == AGREE_ROLE_PRIMARY || (x->has_period && x->p_end > t))
		return false;
	if (!x->healthy || x->health_since >= t ||
	    clock_real(x, a->quiet_until) > t)
		return false;
	if (a->no_quorum_at != INT64_MIN &&
	    clock_real(x, a->no_quorum_at + agree_veto_pause(&a->cfg)) > t)
		return false;
	if (!linked_since(s, w, i, t) || !reaches_majority(s, i, t))
		return false;
	return s->net_clean_since < t && rtt < s->p.cfg.stagger;
}

void check_choice(struct sim *s, unsigned int w)
{
	const struct sim_node *y = &s->node[w];
	int64_t t = y->pv_at;
	uint32_t wlo, whi, lo, hi;
	bool rival = false, moving;
	unsigned int i;

	if (y->pv_norank || !awake_since(s, w, t) ||
	    !conns_range(s, w, t, &wlo, &whi))
		return;
	s->choices++;
	moving = wlo != whi;	/* w is judged by whi, the most it may have had */
	for (i = 0; i < s->n; i++) {
		if (!could_win(s, w, i, t) || !conns_range(s, i, t, &lo, &hi))
			continue;
		rival = true;
		moving |= lo != hi;	/* x by lo, the least it surely had */
		if (ranks_above(s, i, lo, w, whi))
			sim_violation(s, PROP_CHOICE,
				      "n%u (%u..%u connections, priority %u) elected while n%u (%u..%u connections, priority %u) could have won; election from %.6f s",
				      w + 1, wlo, whi, s->p.cfg.member[w].priority,
				      i + 1, lo, hi, s->p.cfg.member[i].priority,
				      t / 1e9);
	}
	s->rivals += rival;
	s->choices_moving += rival && moving;
}
