// SPDX-License-Identifier: GPL-2.0
/*
 * A randomized run. Chaos phases (loss, duplication, delay and reordering,
 * symmetric and one-way partitions, crashes, daemon restarts and reboots,
 * stalls, health flaps, switchovers, clock rate changes) alternate with
 * stable phases, in which a random majority is up, healthy, connected
 * without loss and cut off from everybody else. A stable phase must have a
 * primary in that majority within the liveness bound, keep the same one to
 * its end, and have every member of the majority follow it. The group, the
 * timers, the clocks and the schedule all derive from the seed.
 */
#include <string.h>

#include "chaos.h"

#define MS SIM_MS
#define US SIM_US

struct run {
	struct sim s;
	uint64_t rng;
	uint32_t witnesses;		/* mask */
	int64_t inflight;		/* longest a chaos message may linger */
	int64_t dmin, dmax;		/* network of the stable phases */
	struct chaos_result *r;
};

static uint64_t rnd(struct run *u, uint64_t bound)
{
	uint64_t z = (u->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return bound ? z % bound : z;
}

static int64_t pick(struct run *u, const int64_t *v, unsigned int n)
{
	return v[rnd(u, n)];
}

static void layout(struct run *u, struct agree_config *c)
{
	/* members, witnesses; weighted by repetition */
	static const unsigned char shapes[][2] = {
		{ 3, 1 }, { 3, 1 }, { 3, 1 }, { 3, 0 }, { 3, 0 }, { 3, 0 },
		{ 4, 1 }, { 4, 0 }, { 5, 0 }, { 5, 0 }, { 5, 1 }, { 6, 1 },
		{ 7, 1 }, { 2, 0 }, { 1, 0 }, { 7, 0 },
	};
	unsigned int k = rnd(u, sizeof(shapes) / sizeof(shapes[0]));
	unsigned int n = shapes[k][0], w = shapes[k][1], i;

	c->n_members = n;
	u->witnesses = 0;
	while (w) {
		i = rnd(u, n);
		if (!(u->witnesses >> i & 1)) {
			u->witnesses |= 1U << i;
			w--;
		}
	}
	for (i = 0; i < n; i++) {
		c->member[i].id = i + 1;
		c->member[i].priority = rnd(u, 3) * 50;
		c->member[i].witness = u->witnesses >> i & 1;
	}
}

static void params(struct run *u, uint64_t seed, FILE *trace,
		   struct sim_params *p)
{
	static const int64_t hb[] = { 5 * MS, 10 * MS, 10 * MS, 20 * MS };
	static const int64_t ppm[] = { 0, 100, 1000, 1000, 1000, 10000, 50000 };
	static const int64_t jitter[] = { 0, 50 * US, 500 * US };
	static const int64_t spread[] = { 100 * US, 500 * US, 2 * MS };
	static const int64_t stale[] = { 0, 1, 10, 100 };	/* * H */
	struct agree_config *c = &p->cfg;

	memset(p, 0, sizeof(*p));
	layout(u, c);
	c->hb_interval = pick(u, hb, 4);
	c->miss_count = 2 + rnd(u, 3);
	c->lease = c->miss_count * c->hb_interval +
		   rnd(u, c->miss_count * c->hb_interval / US + 1) * US;
	c->drift_ppm = pick(u, ppm, 7);
	c->margin = rnd(u, 2) ? 0 : rnd(u, c->hb_interval / 5);
	c->election_timeout = c->hb_interval * (1 + rnd(u, 2));
	c->stagger = c->hb_interval / 2;
	c->backoff = c->hb_interval;
	p->tick_jitter = pick(u, jitter, 3);
	p->clock_ppb = c->drift_ppm * 1000;
	p->conns_interval = pick(u, stale, 4) * c->hb_interval;
	p->lapse_drops = rnd(u, 2);
	p->seed = seed;
	p->trace = trace;
	u->dmin = 20 * US + rnd(u, 200) * US;
	u->dmax = u->dmin + pick(u, spread, 3);
	if (u->dmax > u->dmin + c->hb_interval / 8)
		u->dmax = u->dmin + c->hb_interval / 8;
	p->delay_min = u->dmin;
	p->delay_max = u->dmax;
	u->inflight = u->dmax;
}

static bool witness(const struct run *u, unsigned int i)
{
	return u->witnesses >> i & 1;
}

static int64_t rate(struct run *u)
{
	int64_t b = u->s.p.clock_ppb;

	switch (rnd(u, 3)) {
	case 0:
		return b;
	case 1:
		return -b;
	}
	return (int64_t)rnd(u, 2 * b + 1) - b;
}

/*
 * The worst clocks for leases: the primary's runs slow (its lease lasts
 * longest in real time), every other runs fast (their grants end soonest).
 */
static void adverse_clocks(struct run *u, int p)
{
	unsigned int i;

	for (i = 0; i < u->s.n; i++)
		sim_set_rate(&u->s, i, (int)i == p ? -u->s.p.clock_ppb :
			     u->s.p.clock_ppb);
}

static void chaos_event(struct run *u)
{
	struct sim *s = &u->s;
	const struct agree_config *c = &s->p.cfg;
	unsigned int n = s->n, i = rnd(u, n), j = rnd(u, n), k = rnd(u, 110);
	int64_t d;
	int p;

	if (k >= 100) {
		/* aimed at the primary: worst clocks, then cut it off */
		p = sim_primary(s);
		if (p < 0)
			return;
		if (k < 105)
			adverse_clocks(u, p);
		else
			sim_isolate(s, p);
	} else if (k < 10) {
		sim_partition(s, rnd(u, 1U << n));
	} else if (k < 20) {
		sim_link(s, i, j, false);
	} else if (k < 25) {
		sim_link(s, i, j, false);
		sim_link(s, j, i, false);
	} else if (k < 35) {
		sim_heal(s);
	} else if (k < 40) {
		sim_link(s, i, j, true);
	} else if (k < 44) {
		sim_isolate(s, i);
	} else if (k < 50) {
		sim_crash(s, i);
	} else if (k < 58) {
		if (!s->node[i].up || !rnd(u, 4))
			sim_restart(s, i, rnd(u, 2));
	} else if (k < 63) {
		d = US + rnd(u, 3 * c->lease);
		u->inflight = d > u->inflight ? d : u->inflight;
		p = sim_primary(s);
		sim_stall(s, p >= 0 && rnd(u, 2) ? (unsigned int)p : i, d);
	} else if (k < 70) {
		if (!witness(u, i))
			sim_set_health(s, i, !s->node[i].healthy);
	} else if (k < 75) {
		sim_set_conns(s, i, rnd(u, 4) * 10);
	} else if (k < 80) {
		p = sim_primary(s);
		if (p >= 0)
			sim_switchover(s, p, rnd(u, 2) ? 0 : c->member[j].id);
	} else if (k < 87) {
		sim_set_rate(s, i, rate(u));
	} else {
		d = u->dmax;
		if (!rnd(u, 3))
			d += rnd(u, 10 * c->hb_interval);
		u->inflight = d > u->inflight ? d : u->inflight;
		sim_set_net(s, rnd(u, 3) ? rnd(u, 300000) : 0,
			    rnd(u, 2) ? rnd(u, 100000) : 0, u->dmin, d);
	}
}

static void chaos_phase(struct run *u, int64_t duration)
{
	int64_t end = u->s.now + duration;

	while (!u->s.failed && u->s.now < end) {
		sim_run_until(&u->s, u->s.now + MS + rnd(u, 60 * MS));
		if (!u->s.failed)
			chaos_event(u);
	}
}

/*
 * From the start of a stable phase: messages of the chaos may still
 * arrive for `inflight`; then grants they made expire and restarted members
 * finish their quiet period; a primary whose lease needed members outside
 * lapses; ranks stagger the candidates; and three attempts may be lost to
 * collisions, each costing an election timeout, a backoff and a grant.
 */
static int64_t bound(const struct run *u)
{
	const struct sim_params *p = &u->s.p;
	const struct agree_config *c = &p->cfg;
	int64_t grant = c->lease + c->lease * c->drift_ppm / 1000000 + 1 +
			c->margin;
	int64_t miss = c->miss_count * c->hb_interval;
	int64_t rtt = 2 * (u->dmax + p->tick_jitter);
	int64_t attempt = c->election_timeout + grant + c->backoff * 5 / 4 +
			  2 * rtt;
	int64_t t = u->inflight + (grant > miss ? grant : miss) + c->lease +
		    (int64_t)(u->s.n - 1) * c->stagger + 3 * attempt;

	return t * 1000000 / (1000000 - c->drift_ppm) + 2 * rtt;
}

static uint32_t pick_majority(struct run *u)
{
	unsigned int n = u->s.n;
	uint32_t all = (1U << n) - 1, m;

	if (!rnd(u, 3))
		return all;
	for (;;) {
		m = rnd(u, all + 1);
		if ((unsigned int)__builtin_popcount(m) >= n / 2 + 1 &&
		    (m & ~u->witnesses))
			return m;
	}
}

static void settle(struct run *u, uint32_t maj)
{
	struct sim *s = &u->s;
	unsigned int i, j;

	for (i = 0; i < s->n; i++) {
		if (!(maj >> i & 1))
			continue;
		if (!s->node[i].up)
			sim_restart(s, i, rnd(u, 2));
		sim_resume(s, i);
		if (!witness(u, i) && !s->node[i].healthy)
			sim_set_health(s, i, true);
	}
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->n; j++)
			if (i != j && ((maj >> i | maj >> j) & 1))
				sim_link(s, i, j, maj >> i & maj >> j & 1);
	sim_set_net(s, 0, rnd(u, 2) ? rnd(u, 50000) : 0, u->dmin, u->dmax);
}

static void stable_phase(struct run *u, int64_t extra)
{
	struct sim *s = &u->s;
	uint32_t maj = pick_majority(u);
	int64_t t0, limit, end, step = MS, ttp = -1;
	double ratio;
	unsigned int i;
	int p = -1;

	sim_trace(s, "# stable phase: majority 0x%x", maj);
	settle(u, maj);
	t0 = s->now;
	limit = t0 + bound(u);
	end = limit + extra;
	while (!s->failed && s->now < limit) {
		sim_run_until(s, s->now + step);
		p = sim_primary(s);
		if (p >= 0 && (maj >> p & 1) && ttp < 0)
			ttp = s->now - t0;
	}
	if (s->failed)
		return;
	p = sim_primary(s);
	if (p < 0 || !(maj >> p & 1)) {
		sim_violation(s, PROP_LIVENESS,
			      "no primary in majority 0x%x %.1f ms into a stable phase",
			      maj, (s->now - t0) / 1e6);
		return;
	}
	while (!s->failed && s->now < end) {
		sim_run_until(s, s->now + s->p.cfg.hb_interval / 2);
		if (!s->failed && sim_primary(s) != p)
			sim_violation(s, PROP_LIVENESS,
				      "primary n%d lost during a stable phase", p + 1);
	}
	for (i = 0; i < s->n && !s->failed; i++)
		if ((maj >> i & 1) && (int)i != p &&
		    s->node[i].epoch != s->node[p].epoch)
			sim_violation(s, PROP_LIVENESS,
				      "n%u does not follow the primary n%d", i + 1,
				      p + 1);
	u->r->stable_phases++;
	if (ttp < 0)
		ttp = limit - t0;
	ratio = (double)ttp / (limit - t0);
	if (ratio > u->r->worst_ratio) {
		u->r->worst_ratio = ratio;
		u->r->worst_ttp = ttp;
		u->r->worst_bound = limit - t0;
	}
}

/*
 * A rank phase: a random majority up, healthy and connected as in a stable
 * phase, whose members' connection counts change every few milliseconds
 * (a few levels: ties too), whose primary now and then stalls past its
 * lease (it fences itself when it resumes, losing its connections if
 * lapse_drops) or restarts, and whose members' health flaps. The choice
 * rule (sim_choice.c) checks every election; liveness is left to the
 * stable phases.
 */
static void rank_phase(struct run *u, int64_t duration)
{
	struct sim *s = &u->s;
	const struct agree_config *c = &s->p.cfg;
	uint32_t maj = pick_majority(u);
	int64_t end, d;
	unsigned int i, k;
	int p;

	sim_trace(s, "# rank phase: majority 0x%x", maj);
	settle(u, maj);
	end = s->now + duration;
	while (!s->failed && s->now < end) {
		sim_run_until(s, s->now + 200 * US + rnd(u, 6 * MS));
		if (s->failed)
			break;
		do
			i = rnd(u, s->n);
		while (!(maj >> i & 1));
		k = rnd(u, 100);
		p = sim_primary(s);
		if (k < 70) {
			sim_set_conns(s, i, rnd(u, 5) * 10);
		} else if (k < 78 && p >= 0) {
			d = c->lease + rnd(u, c->lease);
			u->inflight = d > u->inflight ? d : u->inflight;
			sim_stall(s, p, d);
		} else if (k < 81 && p >= 0) {
			sim_restart(s, p, rnd(u, 2));
		} else if (k < 90 && !witness(u, i)) {
			sim_set_health(s, i, !s->node[i].healthy);
		}
	}
}

void chaos_run(uint64_t seed, FILE *trace, struct chaos_result *r)
{
	static struct run u;	/* large; one run at a time */
	struct sim_params p;
	unsigned int phases, k;
	int err;

	memset(r, 0, sizeof(*r));
	memset(&u, 0, sizeof(u));
	u.rng = seed ^ 0x7a6e64656d616772ULL;
	u.r = r;
	params(&u, seed, trace, &p);
	r->members = p.cfg.n_members;
	r->witnesses = __builtin_popcount(u.witnesses);
	err = sim_init(&u.s, &p);
	if (err) {
		r->failed = true;
		r->prop = PROP_CONSISTENT;
		snprintf(r->msg, sizeof(r->msg), "bad parameters: %.400s",
			 u.s.fail_msg);
		sim_free(&u.s);
		return;
	}
	sim_trace(&u.s, "# seed %llu: %u members, witnesses 0x%x, H %.1f ms, "
		  "miss %u, lease %.3f ms, drift %u ppm, margin %.3f ms, "
		  "election timeout %.1f ms, timer jitter %.3f ms, delay "
		  "%.3f..%.3f ms", (unsigned long long)seed, p.cfg.n_members,
		  u.witnesses, p.cfg.hb_interval / 1e6, p.cfg.miss_count,
		  p.cfg.lease / 1e6, p.cfg.drift_ppm, p.cfg.margin / 1e6,
		  p.cfg.election_timeout / 1e6, p.tick_jitter / 1e6,
		  u.dmin / 1e6, u.dmax / 1e6);
	phases = 4 + rnd(&u, 5);
	for (k = 0; k < phases && !u.s.failed; k++) {
		if ((k + (seed & 1)) % 2 && rnd(&u, 3))
			chaos_phase(&u, 100 * MS + rnd(&u, 900 * MS));
		else if ((k + (seed & 1)) % 2)
			rank_phase(&u, 100 * MS + rnd(&u, 400 * MS));
		else
			stable_phase(&u, 50 * MS + rnd(&u, 300 * MS));
	}
	r->failed = u.s.failed;
	r->prop = u.s.fail_prop;
	r->time = u.s.fail_time;
	memcpy(r->msg, u.s.fail_msg, sizeof(r->msg));
	r->events = u.s.events;
	r->elections = u.s.elections;
	r->fences = u.s.fences;
	r->reprepares = u.s.reprepares;
	r->choices = u.s.choices;
	r->rivals = u.s.rivals;
	r->choices_moving = u.s.choices_moving;
	r->resets = u.s.resets;
	r->resumable = u.s.resumable;
	memcpy(r->sent, u.s.sent, sizeof(r->sent));
	memcpy(r->fenced, u.s.fenced, sizeof(r->fenced));
	sim_free(&u.s);
}
