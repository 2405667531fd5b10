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
#include "scenario_lib.h"

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
	sim_restart(s, p, false);	/* the daemon only ... */
	sim_set_conns(s, p, 0);		/* ... its lease lapsed, conns lost */
	q = await_primary(s, BOUND, p);
	CHECK(s, q >= 0, "no new primary");
	run(s, 3 * H);
	CHECK(s, follows(s, p, q), "restarted n%d does not follow", p + 1);
	return steady(s, q, 300 * MS);
}

/*
 * Issue 10, finding 2: the primary's acks stop arriving, its lease lapses
 * and its kernel marks every connection unprotected, while every daemon's
 * periodic count still says 7 (the backups protect 5 and 4 by now). All
 * stand at about the same time, the old primary among the first. The
 * counts read at candidacy and in the votes decide: the backup with 5.
 */
static int sc_lapse_rank(struct sim *s, uint64_t seed, FILE *tr)
{
	unsigned int i, b, c;
	int p, q;

	SETUP(s, seed, tr, .n = 3, .conns_interval = 10000 * MS,
	      .lapse_drops = true);
	for (i = 0; i < 3; i++)
		sim_set_conns(s, i, 7);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p >= 0, "no primary");
	b = (p + 1) % 3;
	c = (p + 2) % 3;
	run(s, 50 * MS);
	sim_set_conns(s, b, 5);
	sim_set_conns(s, c, 4);
	sim_link(s, b, p, false);	/* acks lost, heartbeats arrive */
	sim_link(s, c, p, false);
	while (!s->failed && s->node[p].role == AGREE_ROLE_PRIMARY &&
	       s->now < 1000 * MS)
		run(s, 100 * US);
	sim_heal(s);
	CHECK(s, s->node[p].conns == 0, "the lapse kept n%d's connections",
	      p + 1);
	q = await_primary(s, BOUND, -1);
	CHECK(s, q == (int)b, "primary n%d, expected n%u (5 connections)",
	      q + 1, b + 1);
	return steady(s, q, 200 * MS);
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
	{ "handover-lost", "a switchover whose ELECT_NOW (and RELEASE) is lost still hands over to its target within 2 H", sc_handover_lost, 20 },
	{ "switchover-best", "switchover without a target picks the best backup; impossible requests are refused", sc_switchover_best, 20 },
	{ "health", "an unhealthy primary steps down to a healthy backup; unhealthy backups never stand", sc_health, 20 },
	{ "restart-backup", "a restarted or rebooted backup rejoins without disturbing the primary", sc_restart_backup, 20 },
	{ "restart-primary", "a restarted primary rejoins as a backup once another has taken over", sc_restart_primary, 20 },
	{ "restart-quiet", "a member restarted right after granting a lease grants nothing until that lease is over", sc_restart_quiet, 20 },
	{ "lease-start", "a new primary's lease counts from its PREPARE, so slow promises cannot stretch it", sc_lease_start, 20 },
	{ "lapse-rank", "a primary whose lease lapsed (its connections lost) loses to the backup protecting the most, whatever the periodic counts say", sc_lapse_rank, 20 },
	{ "fenced-rank", "a fenced primary cut off through another's reign ranks without its suspended connections", sc_fenced_rank, 20 },
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
		printf("%s %u %s: %s\n", err ? "not ok" : "ok", ++*t, sc->name,
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
