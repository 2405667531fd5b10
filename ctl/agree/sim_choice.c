// SPDX-License-Identifier: GPL-2.0
/*
 * The choice (PROP_CHOICE): a node that starts a reign ranks above every
 * member that could have won instead at that moment. Ranks are ordered by
 * connection count, then priority, then lowest id (docs/agreement.md,
 * "Election rank"), with the counts of the simulated kernels (what the
 * core reads through cfg.read_conns), not the core's snapshots.
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
 *     higher), and w was not stalled either;
 *   - neither x's nor w's connection count changed: the ranks compared
 *     are those of the moment.
 *
 * Handovers (the primary chose its successor: ELECT_NOW, AGREE_F_NORANK)
 * are not checked.
 */
#include <inttypes.h>

#include "sim_int.h"

static bool ranks_above(const struct sim *s, unsigned int a, unsigned int b)
{
	const struct agree_member *ma = &s->p.cfg.member[a];
	const struct agree_member *mb = &s->p.cfg.member[b];

	if (s->node[a].conns != s->node[b].conns)
		return s->node[a].conns > s->node[b].conns;
	if (ma->priority != mb->priority)
		return ma->priority > mb->priority;
	return ma->id < mb->id;
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
	if (s->net_clean_since >= t || rtt >= s->p.cfg.stagger)
		return false;
	return x->conns_since < t;
}

void check_choice(struct sim *s, unsigned int w)
{
	const struct sim_node *y = &s->node[w];
	int64_t t = y->pv_at;
	unsigned int i;
	bool rival = false;

	if (y->pv_norank || !awake_since(s, w, t) || y->conns_since >= t)
		return;
	s->choices++;
	for (i = 0; i < s->n; i++) {
		if (!could_win(s, w, i, t))
			continue;
		rival = true;
		if (ranks_above(s, i, w))
			sim_violation(s, PROP_CHOICE,
				      "n%u (%u connections, priority %u) elected while n%u (%u connections, priority %u) could have won; election from %.6f s",
				      w + 1, y->conns, s->p.cfg.member[w].priority,
				      i + 1, s->node[i].conns,
				      s->p.cfg.member[i].priority, t / 1e9);
	}
	s->rivals += rival;
}
