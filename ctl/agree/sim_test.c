// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the agreement core (TAP): directed scenarios, then randomized
 * runs over many seeds, one TAP line per property.
 *
 *   sim_test [--seeds N] [--base B]     the whole suite
 *   sim_test --seed N [--trace]         replay one randomized seed
 *   sim_test --scenario NAME [--seed N] [--trace]   one directed scenario
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chaos.h"
#include "scenario.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int replay(uint64_t seed, bool trace)
{
	struct chaos_result r;

	chaos_run(seed, trace ? stdout : NULL, &r);
	printf("seed %" PRIu64 ": %u members (%u witnesses), %lu events, "
	       "%lu elections, %lu fences, %lu stable phases\n", seed,
	       r.members, r.witnesses, r.events, r.elections, r.fences,
	       r.stable_phases);
	if (!r.failed) {
		printf("seed %" PRIu64 ": ok\n", seed);
		return 0;
	}
	printf("seed %" PRIu64 ": VIOLATION at t=%.6f s: %s: %s\n", seed,
	       r.time / 1e9, sim_prop_name(r.prop), r.msg);
	return 1;
}

struct prop_tally {
	unsigned long failures;
	uint64_t first_seed;
	char first_msg[600];
};

static int randomized(unsigned int *t, uint64_t base, unsigned long seeds)
{
	struct prop_tally tally[PROP_MAX] = { 0 };
	unsigned long events = 0, elections = 0, fences = 0, phases = 0;
	struct chaos_result r, worst = { 0 };
	uint64_t worst_seed = 0, seed;
	double start = now_s();
	int failed = 0;
	unsigned int p;

	for (seed = base; seed < base + seeds; seed++) {
		chaos_run(seed, NULL, &r);
		events += r.events;
		elections += r.elections;
		fences += r.fences;
		phases += r.stable_phases;
		if (r.worst_ratio > worst.worst_ratio) {
			worst = r;
			worst_seed = seed;
		}
		if (!r.failed)
			continue;
		if (!tally[r.prop].failures++) {
			tally[r.prop].first_seed = seed;
			snprintf(tally[r.prop].first_msg,
				 sizeof(tally[r.prop].first_msg),
				 "t=%.6f s: %.500s", r.time / 1e9, r.msg);
		}
	}
	for (p = 0; p < PROP_MAX; p++) {
		struct prop_tally *x = &tally[p];

		printf("%s %u - random: %s (%lu seeds)\n",
		       x->failures ? "not ok" : "ok", ++*t, sim_prop_name(p),
		       seeds);
		if (!x->failures)
			continue;
		failed = 1;
		printf("# %lu seeds violate it; first: seed %" PRIu64 " %s\n",
		       x->failures, x->first_seed, x->first_msg);
		printf("# replay: ctl/agree/sim_test --seed %" PRIu64 " --trace\n",
		       x->first_seed);
	}
	printf("# seeds %" PRIu64 "..%" PRIu64 ": %lu events, %lu elections, "
	       "%lu fences, %lu stable phases checked, %.2f s\n", base,
	       base + seeds - 1, events, elections, fences, phases,
	       now_s() - start);
	printf("# slowest election in a stable phase: %.1f ms of a %.1f ms "
	       "bound (seed %" PRIu64 ")\n", worst.worst_ttp / 1e6,
	       worst.worst_bound / 1e6, worst_seed);
	return failed;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sim_test [--seeds N] [--base B]\n"
		"       sim_test --seed N [--trace]\n"
		"       sim_test --scenario NAME [--seed N] [--trace]\n");
	exit(2);
}

static unsigned long long number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	unsigned long seeds = 10000;
	uint64_t base = 1, seed = 0;
	const char *scenario = NULL;
	bool trace = false, one = false;
	unsigned int t = 0;
	int i, failed;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trace")) {
			trace = true;
		} else if (!strcmp(argv[i], "--seeds") && i + 1 < argc) {
			seeds = number(argv[++i]);
		} else if (!strcmp(argv[i], "--base") && i + 1 < argc) {
			base = number(argv[++i]);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = number(argv[++i]);
			one = true;
		} else if (!strcmp(argv[i], "--scenario") && i + 1 < argc) {
			scenario = argv[++i];
		} else {
			usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (scenario)
		return scenario_replay(scenario, one ? seed : 1, trace);
	if (one)
		return replay(seed, trace);
	printf("TAP version 13\n1..%u\n", scenario_count() + PROP_MAX);
	failed = scenario_all(&t);
	failed |= randomized(&t, base, seeds);
	return failed;
}
