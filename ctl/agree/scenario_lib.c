// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the directed scenarios. */
#include <inttypes.h>
#include <string.h>

#include "scenario_lib.h"

char why[1024];
char note[256];

int sim_failed(const struct sim *s)
{
	snprintf(why, sizeof(why), "invariant violated at t=%.6f s: %s: %s",
		 s->fail_time / 1e9, sim_prop_name(s->fail_prop), s->fail_msg);
	return -1;
}

int setup(struct sim *s, const struct setup *u, uint64_t seed, FILE *trace)
{
	struct sim_params p;
	unsigned int i;
	int err;

	memset(&p, 0, sizeof(p));
	agree_config_defaults(&p.cfg);
	p.cfg.n_members = u->n;
	for (i = 0; i < u->n; i++) {
		p.cfg.member[i].id = i + 1;
		p.cfg.member[i].priority = u->priority[i] ? u->priority[i] : 100;
		p.cfg.member[i].witness = u->witnesses >> i & 1;
	}
	if (u->no_margin)
		p.cfg.margin = 0;
	if (u->drift_ppm)
		p.cfg.drift_ppm = u->drift_ppm;
	p.delay_min = u->delay ? u->delay : 100 * US;
	p.delay_max = u->delay ? u->delay : 500 * US;
	p.tick_jitter = u->delay ? 0 : 50 * US;
	p.clock_ppb = u->clock_ppb ? u->clock_ppb : p.cfg.drift_ppm * 1000;
	p.conns_interval = u->conns_interval;
	p.lapse_drops = u->lapse_drops;
	p.read_old_prior = u->read_old_prior;
	p.seed = seed;
	p.trace = trace;
	err = sim_init(s, &p);
	if (err)
		snprintf(why, sizeof(why), "sim_init: %s", s->fail_msg);
	return err;
}

void run(struct sim *s, int64_t dt)
{
	sim_run_until(s, s->now + dt);
}

int await_primary(struct sim *s, int64_t limit, int not)
{
	int64_t end = s->now + limit;
	int p;

	while (!s->failed && s->now < end) {
		run(s, 100 * US);
		p = sim_primary(s);
		if (p >= 0 && p != not)
			return p;
	}
	return -1;
}

bool follows(const struct sim *s, unsigned int i, int p)
{
	return p >= 0 && s->node[i].up && s->node[i].role == AGREE_ROLE_BACKUP &&
	       s->node[i].epoch == s->node[p].epoch;
}

int all_follow(struct sim *s, int p)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		CHECK(s, (int)i == p || !s->node[i].up || follows(s, i, p),
		      "n%u does not follow the primary n%d", i + 1, p + 1);
	return 0;
}

int steady(struct sim *s, int p, int64_t dt)
{
	uint64_t e = s->node[p].epoch;
	int64_t end = s->now + dt;

	while (!s->failed && s->now < end) {
		run(s, H / 2);
		CHECK(s, sim_primary(s) == p && s->node[p].epoch == e,
		      "the primary n%d (epoch %" PRIx64 ") was disturbed", p + 1,
		      e);
	}
	return all_follow(s, p);
}
