// SPDX-License-Identifier: GPL-2.0
/*
 * Directed scenarios. Each runs with the default timers (heartbeat 10 ms,
 * miss 3, lease 30 ms, drift bound 1000 ppm, margin 1 ms) on a network with
 * 0.1..0.5 ms of delay and 50 us of timer jitter, over several seeds (which
 * vary delays and clock rates), with every invariant checked throughout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"
#include "sim.h"
#include "wire.h"

#define MS SIM_MS
#define US SIM_US
#define H (10 * MS)
#define BOUND (150 * MS)	/* failover bound with the default timers */

static char why[1024];
static char note[256];

#define CHECK(s, cond, ...)						\
	do {								\
		if ((s)->failed)					\
			return sim_failed(s);				\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			return -1;					\
		}							\
	} while (0)

static int sim_failed(const struct sim *s)
{
	snprintf(why, sizeof(why), "invariant violated at t=%.6f s: %s: %s",
		 s->fail_time / 1e9, sim_prop_name(s->fail_prop), s->fail_msg);
	return -1;
}

struct setup {
	unsigned int n;
	uint32_t witnesses;
	uint8_t priority[AGREE_MAX_MEMBERS];	/* 0: 100 */
	bool no_margin;
	int64_t clock_ppb;			/* 0: the drift bound */
	uint32_t drift_ppm;			/* 0: default */
	int64_t delay;				/* 0: 0.1..0.5 ms; else fixed */
};

static int setup(struct sim *s, const struct setup *u, uint64_t seed,
		 FILE *trace)
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
	p.seed = seed;
	p.trace = trace;
	err = sim_init(s, &p);
	if (err)
		snprintf(why, sizeof(why), "sim_init: %s", s->fail_msg);
	return err;
}

#define SETUP(s, seed, trace, ...)					\
	do {								\
		struct setup u_ = { __VA_ARGS__ };			\
		if (setup(s, &u_, seed, trace))				\
			return -1;					\
	} while (0)

static void run(struct sim *s, int64_t dt)
{
	sim_run_until(s, s->now + dt);
}

/* Wait for a primary other than `not`; its index, or -1. */
static int await_primary(struct sim *s, int64_t limit, int not)
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

static bool follows(const struct sim *s, unsigned int i, int p)
{
	return p >= 0 && s->node[i].up && s->node[i].role == AGREE_ROLE_BACKUP &&
	       s->node[i].epoch == s->node[p].epoch;
}

static int all_follow(struct sim *s, int p)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		CHECK(s, (int)i == p || !s->node[i].up || follows(s, i, p),
		      "n%u does not follow the primary n%d", i + 1, p + 1);
	return 0;
}

/* The primary and its epoch stay as they are for `dt`. */
static int steady(struct sim *s, int p, int64_t dt)
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

static int sc_initial(struct sim *s, uint64_t seed, FILE *tr)
{
	int p;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	snprintf(note, sizeof(note), "first primary %.1f ms after start",
		 s->node[p].p_start / 1e6);
	run(s, 3 * H);
	return steady(s, p, 500 * MS);
}

static int sc_conns(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	sim_set_conns(s, 1, 10);
	sim_set_conns(s, 2, 50);
	run(s, 50 * MS);
	sim_crash(s, 0);
	q = await_primary(s, BOUND, 0);
	CHECK(s, q == 2, "primary n%d, expected n3 (most connections)", q + 1);
	snprintf(note, sizeof(note), "crash to new primary %.1f ms",
		 (s->node[q].p_start - s->node[0].down_at) / 1e6);
	sim_restart(s, 0, true);
	run(s, 100 * MS);
	return steady(s, q, 200 * MS);
}

static int sc_priority(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;

	SETUP(s, seed, tr, .n = 4, .priority = { 100, 50, 150, 100 });
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 2, "primary n%d, expected n3 (priority)", p + 1);
	run(s, 50 * MS);
	sim_crash(s, 2);
	q = await_primary(s, BOUND, 2);
	CHECK(s, q == 0, "primary n%d, expected n1 (priority, then id)", q + 1);
	return 0;
}

static int sc_witness(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;

	SETUP(s, seed, tr, .n = 3, .witnesses = 4);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	run(s, 50 * MS);
	sim_crash(s, 0);
	q = await_primary(s, BOUND, 0);
	CHECK(s, q == 1, "primary n%d, expected n2", q + 1);
	snprintf(note, sizeof(note), "crash to new primary %.1f ms",
		 (s->node[q].p_start - s->node[0].down_at) / 1e6);
	run(s, 50 * MS);
	sim_crash(s, 1);
	run(s, 500 * MS);
	CHECK(s, sim_primary(s) < 0, "a lone witness elected n%d",
	      sim_primary(s) + 1);
	sim_restart(s, 0, false);
	p = await_primary(s, BOUND, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	CHECK(s, !s->node[2].has_period, "the witness was primary");
	return 0;
}

static int sc_partition(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;
	int64_t cut;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	sim_isolate(s, p);
	cut = s->now;
	q = await_primary(s, BOUND, p);
	CHECK(s, q >= 0, "no new primary");
	CHECK(s, s->node[p].role != AGREE_ROLE_PRIMARY &&
	      s->node[p].p_end <= s->node[q].p_start,
	      "n%d had not fenced when n%d took over", p + 1, q + 1);
	snprintf(note, sizeof(note),
		 "cut to fence %.1f ms, to new primary %.1f ms",
		 (s->node[p].p_end - cut) / 1e6,
		 (s->node[q].p_start - cut) / 1e6);
	run(s, 100 * MS);
	sim_heal(s);
	run(s, 3 * H);
	return steady(s, q, 300 * MS);
}

static int sc_oneway(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int j;
	int p, q, r;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	for (j = 0; j < s->n; j++)	/* the primary cannot send */
		sim_link(s, p, j, false);
	q = await_primary(s, BOUND, p);
	CHECK(s, q >= 0, "no new primary when n%d cannot send", p + 1);
	sim_heal(s);
	run(s, 100 * MS);
	for (j = 0; j < s->n; j++)	/* the primary cannot receive */
		sim_link(s, j, q, false);
	r = await_primary(s, BOUND, q);
	CHECK(s, r >= 0, "no new primary when n%d cannot receive", q + 1);
	sim_heal(s);
	run(s, 3 * H);
	return steady(s, r, 300 * MS);
}

static int sc_switchover(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q, rc;
	int64_t t0;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	run(s, 50 * MS);
	rc = sim_switchover(s, p, 3);
	CHECK(s, rc == 0, "switchover refused: %d", rc);
	t0 = s->now;
	q = await_primary(s, 3 * H, p);
	CHECK(s, q == 2, "primary n%d, expected n3", q + 1);
	CHECK(s, s->node[q].p_start - t0 < H,
	      "handover took %.1f ms", (s->node[q].p_start - t0) / 1e6);
	snprintf(note, sizeof(note), "handover %.2f ms",
		 (s->node[q].p_start - t0) / 1e6);
	run(s, 3 * H);
	return steady(s, q, 200 * MS);
}

static int sc_switchover_best(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q, rc;

	SETUP(s, seed, tr, .n = 4, .witnesses = 8);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	sim_set_conns(s, 1, 5);
	sim_set_conns(s, 2, 20);
	run(s, 50 * MS);
	rc = sim_switchover(s, 1, 0);
	CHECK(s, rc == -EPERM, "switchover on a backup: %d", rc);
	rc = sim_switchover(s, p, 4);
	CHECK(s, rc == -EINVAL, "switchover to the witness: %d", rc);
	rc = sim_switchover(s, p, 1);
	CHECK(s, rc == -EINVAL, "switchover to itself: %d", rc);
	rc = sim_switchover(s, p, 99);
	CHECK(s, rc == -EINVAL, "switchover to a stranger: %d", rc);
	sim_crash(s, 1);
	run(s, 50 * MS);
	rc = sim_switchover(s, p, 2);
	CHECK(s, rc == -EAGAIN, "switchover to a dead backup: %d", rc);
	rc = sim_switchover(s, p, 0);
	CHECK(s, rc == 0, "switchover to the best: %d", rc);
	q = await_primary(s, 3 * H, p);
	CHECK(s, q == 2, "primary n%d, expected n3", q + 1);
	return 0;
}

static int sc_health(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	run(s, 50 * MS);
	sim_set_health(s, 0, false);
	q = await_primary(s, 3 * H, 0);
	CHECK(s, q == 1, "primary n%d, expected n2 after n1 failed", q + 1);
	snprintf(note, sizeof(note), "step-down handover %.2f ms",
		 (s->node[q].p_start - s->node[0].p_end) / 1e6);
	run(s, 50 * MS);
	sim_set_health(s, 2, false);
	sim_crash(s, 1);
	run(s, 300 * MS);
	CHECK(s, sim_primary(s) < 0, "unhealthy n%d stood", sim_primary(s) + 1);
	sim_set_health(s, 2, true);
	p = await_primary(s, BOUND, -1);
	CHECK(s, p == 2, "primary n%d, expected n3 once healthy", p + 1);
	run(s, 50 * MS);
	sim_set_health(s, 2, false);	/* no healthy backup: stays */
	return steady(s, 2, 200 * MS);
}

static int sc_restart_backup(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int b;
	int p, err;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	b = (p + 1) % 3;
	sim_restart(s, b, false);
	run(s, 2 * H);
	CHECK(s, follows(s, b, p), "restarted n%u does not follow", b + 1);
	err = steady(s, p, 300 * MS);
	if (err)
		return err;
	sim_restart(s, b, true);
	run(s, 2 * H);
	CHECK(s, follows(s, b, p), "rebooted n%u does not follow", b + 1);
	return steady(s, p, 300 * MS);
}

static int sc_restart_primary(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int i;
	int p, q;

	SETUP(s, seed, tr, .n = 3);
	for (i = 0; i < 3; i++)
		sim_set_conns(s, i, 20);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	sim_restart(s, p, false);	/* the daemon only: the kernel kept 20 */
	q = await_primary(s, BOUND, p);
	CHECK(s, q >= 0, "no new primary");
	run(s, 3 * H);
	CHECK(s, follows(s, p, q), "restarted n%d does not follow", p + 1);
	return steady(s, q, 300 * MS);
}

static int sc_daemon_death(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	sim_crash(s, p);
	q = await_primary(s, BOUND, p);
	CHECK(s, q >= 0, "no new primary");
	CHECK(s, s->node[p].p_end <= s->node[q].p_start,
	      "n%d took over before the lease of n%d ran out", q + 1, p + 1);
	snprintf(note, sizeof(note),
		 "death to lease end %.1f ms, to new primary %.1f ms",
		 (s->node[p].p_end - s->node[p].down_at) / 1e6,
		 (s->node[q].p_start - s->node[p].down_at) / 1e6);
	return 0;
}

static int sc_minority(struct sim *s, uint64_t seed, FILE *tr)
{
	uint32_t side;
	int64_t end;
	int p, q, r;

	SETUP(s, seed, tr, .n = 5);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	side = 1U << p | 1U << (p + 1) % 5;
	sim_partition(s, side);
	q = await_primary(s, BOUND, p);
	CHECK(s, q >= 0 && !(side >> q & 1), "primary n%d, expected one of the majority",
	      q + 1);
	end = s->now + 1000 * MS;
	while (!s->failed && s->now < end) {
		run(s, H);
		r = sim_primary(s);
		CHECK(s, r == q, "primary n%d during the partition", r + 1);
	}
	sim_heal(s);
	run(s, 3 * H);
	return steady(s, q, 300 * MS);
}

static int sc_rejoin(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, err;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	sim_isolate(s, (p + 1) % 3);
	run(s, 1000 * MS);
	CHECK(s, sim_primary(s) == p, "the primary changed");
	sim_heal(s);
	run(s, 3 * H);
	err = steady(s, p, 300 * MS);
	if (err)
		return err;
	sim_free(s);
	SETUP(s, seed, tr, .n = 5);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	sim_partition(s, 1U << (p + 1) % 5 | 1U << (p + 2) % 5);
	run(s, 1000 * MS);
	CHECK(s, sim_primary(s) == p, "the primary changed");
	sim_heal(s);
	run(s, 3 * H);
	return steady(s, p, 300 * MS);
}

static int sc_stall(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	run(s, 100 * MS);
	sim_stall(s, p, 200 * MS);
	q = await_primary(s, BOUND, p);
	CHECK(s, q >= 0, "no new primary while n%d hangs", p + 1);
	run(s, 200 * MS);
	CHECK(s, follows(s, p, q), "n%d does not follow after its stall", p + 1);
	return steady(s, q, 200 * MS);
}

static int sc_single(struct sim *s, uint64_t seed, FILE *tr)
{
	int p;

	SETUP(s, seed, tr, .n = 1);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "no primary");
	return steady(s, p, 1000 * MS);
}

static int sc_pair(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;

	SETUP(s, seed, tr, .n = 2);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	run(s, 50 * MS);
	sim_crash(s, 1);
	run(s, 300 * MS);
	CHECK(s, sim_primary(s) < 0, "n1 kept the role alone");
	sim_restart(s, 1, false);
	q = await_primary(s, BOUND, -1);
	CHECK(s, q >= 0, "no primary once both are back");
	return 0;
}

static int sc_config(struct sim *s, uint64_t seed, FILE *tr)
{
	struct agree_config c, bad;
	struct agree_node n;
	char err[128];

	(void)s;
	(void)seed;
	(void)tr;
	memset(&c, 0, sizeof(c));
	agree_config_defaults(&c);
	c.n_members = 3;
	c.member[0].id = 7;
	c.member[1].id = 9;
	c.member[2].id = 11;
	c.member[2].witness = true;
	c.self_id = 9;
	CHECK(s, !agree_config_check(&c, err, sizeof(err)), "valid: %s", err);
	CHECK(s, !agree_init(&n, &c, NULL, 0), "agree_init refused");
#define REFUSE(change, what)						\
	do {								\
		bad = c;						\
		change;							\
		CHECK(s, agree_config_check(&bad, err, sizeof(err)) ==	\
		      -EINVAL && agree_init(&n, &bad, NULL, 0) == -EINVAL,\
		      "accepted: %s", what);				\
	} while (0)
	REFUSE(bad.n_members = 0, "no members");
	REFUSE(bad.n_members = AGREE_MAX_MEMBERS + 1, "too many members");
	REFUSE(bad.member[1].id = 7, "duplicate id");
	REFUSE(bad.member[0].id = 0, "id 0");
	REFUSE(bad.self_id = 8, "self not a member");
	REFUSE((bad.member[0].witness = true, bad.member[1].witness = true),
	       "only witnesses");
	REFUSE(bad.lease = bad.hb_interval, "lease no longer than heartbeat");
	REFUSE(bad.miss_count = 0, "miss count 0");
	REFUSE(bad.drift_ppm = 100001, "drift 10%");
	REFUSE(bad.backoff = 0, "no backoff");
	REFUSE(bad.margin = -1, "negative margin");
#undef REFUSE
	CHECK(s, AGREE_EPOCH(3, 9) == (3ULL << 32 | 9) &&
	      AGREE_EPOCH_ROUND(AGREE_EPOCH(3, 9)) == 3 &&
	      AGREE_EPOCH_NODE(AGREE_EPOCH(3, 9)) == 9, "epoch encoding");
	return 0;
}

/*
 * A member restarted right after granting a lease must grant nothing else
 * until that lease is over, although it forgot the grant. Worst case on
 * purpose: drift bound 5%, no margin, the primary's clock slow, the
 * others' fast, the restarted member needed by both majorities.
 */
static int sc_restart_quiet(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int i, b, c;
	int64_t e0;
	int p, q;

	SETUP(s, seed, tr, .n = 3, .no_margin = true, .drift_ppm = 50000,
	      .delay = 100 * US);
	p = await_primary(s, 200 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	for (i = 0; i < 3; i++)
		sim_set_rate(s, i, (int)i == p ? -50000000 : 50000000);
	b = (p + 1) % 3;
	c = (p + 2) % 3;
	sim_link(s, p, c, false);
	sim_link(s, c, p, false);
	run(s, 60 * MS + (int64_t)(seed * 1237 % 10000) * US);
	e0 = s->node[b].a.grant.expiry;
	while (!s->failed && s->node[b].a.grant.expiry == e0)
		run(s, US);
	sim_restart(s, b, false);	/* its ack to the primary is on its way */
	q = await_primary(s, BOUND, p);
	CHECK(s, q == (int)c, "primary n%d, expected n%u", q + 1, c + 1);
	snprintf(note, sizeof(note),
		 "old lease end to new primary %.3f ms",
		 (s->node[q].p_start - s->node[p].p_end) / 1e6);
	return 0;
}

/*
 * A new primary's lease counts from its PREPARE, not from its win: with the
 * promises slow to come back and the winner cut off at once, the members
 * elect again as soon as the grants they made with their promises run out.
 */
static int sc_lease_start(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int j;
	int p, q;

	SETUP(s, seed, tr, .n = 5);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	sim_set_conns(s, 2, 100);		/* n3 ranks first later */
	run(s, 50 * MS);
	for (j = 2; j < 5; j++) {
		sim_link_delay(s, j, 1, 8 * MS);	/* replies to n2 */
		sim_set_health(s, j, false);		/* only n2 stands */
	}
	sim_crash(s, 0);
	while (!s->failed && s->node[1].a.phase != AGREE_PHASE_PREPARE &&
	       s->now < 1000 * MS)
		run(s, 10 * US);
	run(s, 1 * MS);			/* PREPARE delivered, promises slow */
	for (j = 0; j < 5; j++)		/* no heartbeat of n2 gets out */
		sim_link(s, 1, j, false);
	while (!s->failed && !sim_is_primary(s, 1) && s->now < 1000 * MS)
		run(s, 10 * US);
	CHECK(s, sim_is_primary(s, 1), "n2 did not take over");
	sim_isolate(s, 1);
	sim_set_health(s, 2, true);
	q = await_primary(s, BOUND, 1);
	CHECK(s, q >= 2, "no primary after n2 was cut off");
	snprintf(note, sizeof(note), "old lease end to new primary %.3f ms",
		 (s->node[q].p_start - s->node[1].p_end) / 1e6);
	return 0;
}

/*
 * The checker itself: with clocks drifting 50 times past the bound the
 * core assumes, and no margin, cutting off the primary makes leases overlap
 * (the old primary's slow clock stretches its lease, the backups' fast
 * clocks shorten their grants), and the simulator must see it.
 */
static bool overlap_caught(struct sim *s, uint64_t seed, FILE *tr)
{
	struct setup u = { .n = 3, .no_margin = true, .clock_ppb = 50000000 };
	unsigned int i;
	bool caught;
	int p;

	if (setup(s, &u, seed, tr))
		return false;
	p = await_primary(s, 200 * MS, -1);
	if (p >= 0) {
		for (i = 0; i < 3; i++)
			sim_set_rate(s, i, (int)i == p ? -50000000 : 50000000);
		run(s, 100 * MS);
		sim_isolate(s, p);
		run(s, 300 * MS);
	}
	caught = s->failed && s->fail_prop == PROP_OVERLAP;
	sim_free(s);
	return caught;
}

static int sc_drift_detect(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int k, caught = 0, runs = 20;

	for (k = 0; k < runs; k++)
		caught += overlap_caught(s, seed * 1000 + k, tr);
	memset(s, 0, sizeof(*s));
	snprintf(note, sizeof(note), "overlap caught in %u of %u runs",
		 caught, runs);
	CHECK(s, caught > 0, "no overlap caught in %u runs", runs);
	return 0;
}

static uint64_t wrand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random messages survive a round trip; damaged datagrams are refused. */
static int sc_wire(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned char buf[AGREE_WIRE_MAX + 8], junk[AGREE_WIRE_MAX + 8];
	struct agree_msg m, d;
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL | 1;
	unsigned int k, i;
	int len, rc;

	(void)tr;
	memset(s, 0, sizeof(*s));
	for (k = 0; k < 100000; k++) {
		memset(&m, 0, sizeof(m));
		m.type = 1 + wrand(&x) % (__AGREE_MSG_MAX - 1);
		m.flags = wrand(&x);
		m.n_view = wrand(&x) % (AGREE_MAX_MEMBERS + 1);
		m.from = wrand(&x);
		m.to = wrand(&x);
		m.epoch = wrand(&x);
		m.promised = wrand(&x);
		m.stamp = (int64_t)wrand(&x);
		m.conns = wrand(&x);
		for (i = 0; i < m.n_view; i++) {
			m.view[i].id = wrand(&x);
			m.view[i].conns = wrand(&x);
			m.view[i].flags = wrand(&x);
		}
		len = agree_wire_encode(&m, buf, sizeof(buf));
		CHECK(s, len == AGREE_WIRE_HDR + m.n_view * AGREE_WIRE_ENTRY,
		      "encoded %d bytes", len);
		rc = agree_wire_decode(buf, len, &d);
		CHECK(s, !rc && !memcmp(&m, &d, sizeof(m)), "round trip %u", k);
		CHECK(s, agree_wire_decode(buf, len - 1, &d) == -EINVAL &&
		      agree_wire_decode(buf, len + 1, &d) == -EINVAL,
		      "wrong length accepted");
		CHECK(s, agree_wire_encode(&m, buf, len - 1) == -EMSGSIZE,
		      "short buffer accepted");
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = wrand(&x);
		rc = agree_wire_decode(junk, wrand(&x) % sizeof(junk), &d);
		CHECK(s, rc == 0 || rc == -EINVAL || rc == -EPROTONOSUPPORT,
		      "junk gave %d", rc);
	}
	buf[0] = AGREE_WIRE_VERSION + 1;
	CHECK(s, agree_wire_decode(buf, AGREE_WIRE_HDR, &d) == -EPROTONOSUPPORT,
	      "other version accepted");
	return 0;
}

struct scenario {
	const char *name;
	const char *desc;
	int (*run)(struct sim *s, uint64_t seed, FILE *trace);
	unsigned int seeds;
};

static const struct scenario scenarios[] = {
	{ "initial", "three members elect one primary (lowest id when all else is equal), all follow it, it stays", sc_initial, 20 },
	{ "conns", "failover picks the backup protecting the most connections; the old primary rejoins as backup", sc_conns, 20 },
	{ "priority", "then the highest priority, then the lowest node id", sc_priority, 20 },
	{ "witness", "two nodes and a witness: failover works, the witness never leads, a lone witness elects nobody", sc_witness, 20 },
	{ "partition", "a primary cut off from its backups fences itself before a new primary is elected, and rejoins as a backup", sc_partition, 20 },
	{ "oneway", "a primary that cannot send, or cannot receive, is replaced without overlap", sc_oneway, 20 },
	{ "switchover", "switchover to a named backup hands over within a heartbeat interval", sc_switchover, 20 },
	{ "switchover-best", "switchover without a target picks the best backup; impossible requests are refused", sc_switchover_best, 20 },
	{ "health", "an unhealthy primary steps down to a healthy backup; unhealthy backups never stand", sc_health, 20 },
	{ "restart-backup", "a restarted or rebooted backup rejoins without disturbing the primary", sc_restart_backup, 20 },
	{ "restart-primary", "a restarted primary rejoins as a backup once another has taken over", sc_restart_primary, 20 },
	{ "restart-quiet", "a member restarted right after granting a lease grants nothing until that lease is over", sc_restart_quiet, 20 },
	{ "lease-start", "a new primary's lease counts from its PREPARE, so slow promises cannot stretch it", sc_lease_start, 20 },
	{ "daemon-death", "daemon death on the primary: its lease runs out, then a backup takes over", sc_daemon_death, 20 },
	{ "minority", "a minority partition never elects, the majority does, healing changes nothing", sc_minority, 20 },
	{ "rejoin", "partitioned backups rejoin without changing the primary or its epoch (pre-vote)", sc_rejoin, 20 },
	{ "stall", "a primary hung past its lease fences itself on resume; a backup took over meanwhile", sc_stall, 20 },
	{ "single", "a one-member group elects itself and keeps the role", sc_single, 5 },
	{ "pair", "two members without a witness need both to elect", sc_pair, 10 },
	{ "wire", "messages survive the wire encoding; damaged datagrams are refused", sc_wire, 1 },
	{ "config", "invalid configurations are refused; epochs encode round and node", sc_config, 1 },
	{ "drift-detect", "the checker catches overlapping leases when clocks drift beyond the stated bound", sc_drift_detect, 1 },
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

unsigned int scenario_count(void)
{
	return N_SCENARIOS;
}

static struct sim sim;

static int once(const struct scenario *sc, uint64_t seed, FILE *trace)
{
	int err;

	why[0] = 0;
	note[0] = 0;
	err = sc->run(&sim, seed, trace);
	if (!err && sim.failed)
		err = sim_failed(&sim);
	sim_free(&sim);
	return err;
}

int scenario_all(unsigned int *t)
{
	const struct scenario *sc;
	char first_note[256];
	uint64_t seed;
	int failed = 0, err;

	for (sc = scenarios; sc < scenarios + N_SCENARIOS; sc++) {
		err = 0;
		first_note[0] = 0;
		for (seed = 1; seed <= sc->seeds && !err; seed++) {
			err = once(sc, seed, NULL);
			if (seed == 1)
				memcpy(first_note, note, sizeof(note));
		}
		seed--;
		printf("%s %u - %s: %s\n", err ? "not ok" : "ok", ++*t, sc->name,
		       sc->desc);
		if (first_note[0])
			printf("# %s: %s (seed 1)\n", sc->name, first_note);
		if (!err)
			continue;
		failed = 1;
		printf("# seed %" PRIu64 ": %s\n", seed, why);
		printf("# replay: ctl/agree/sim_test --scenario %s --seed %" PRIu64
		       " --trace\n", sc->name, seed);
	}
	return failed;
}

int scenario_replay(const char *name, uint64_t seed, bool trace)
{
	const struct scenario *sc;
	int err;

	for (sc = scenarios; sc < scenarios + N_SCENARIOS; sc++) {
		if (strcmp(sc->name, name))
			continue;
		err = once(sc, seed, trace ? stdout : NULL);
		printf("%s seed %" PRIu64 ": %s%s%s\n", name, seed,
		       err ? "FAILED" : "ok", err ? ": " : "", err ? why : "");
		if (note[0])
			printf("%s: %s\n", name, note);
		return !!err;
	}
	fprintf(stderr, "sim_test: no scenario %s; scenarios:", name);
	for (sc = scenarios; sc < scenarios + N_SCENARIOS; sc++)
		fprintf(stderr, " %s", sc->name);
	fputc('\n', stderr);
	return 2;
}
