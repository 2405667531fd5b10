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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* What a range of seeds found; workers send it whole through a pipe. */
struct batch {
	struct prop_tally tally[PROP_MAX];
	struct chaos_result sum;	/* counters summed */
	struct chaos_result worst;	/* slowest election vs its bound */
	uint64_t worst_seed;
};

static void run_batch(uint64_t first, uint64_t end, struct batch *b)
{
	struct chaos_result r;
	struct prop_tally *x;
	uint64_t seed;
	unsigned int k;

	memset(b, 0, sizeof(*b));
	for (seed = first; seed < end; seed++) {
		chaos_run(seed, NULL, &r);
		b->sum.events += r.events;
		b->sum.elections += r.elections;
		b->sum.fences += r.fences;
		b->sum.stable_phases += r.stable_phases;
		b->sum.reprepares += r.reprepares;
		b->sum.choices += r.choices;
		b->sum.rivals += r.rivals;
		b->sum.choices_moving += r.choices_moving;
		b->sum.resets += r.resets;
		b->sum.resumable += r.resumable;
		for (k = 0; k < __AGREE_MSG_MAX; k++)
			b->sum.sent[k] += r.sent[k];
		for (k = 0; k <= AGREE_FENCE_SUPERSEDED; k++)
			b->sum.fenced[k] += r.fenced[k];
		if (r.worst_ratio > b->worst.worst_ratio) {
			b->worst = r;
			b->worst_seed = seed;
		}
		if (!r.failed)
			continue;
		x = &b->tally[r.prop];
		if (!x->failures++) {
			x->first_seed = seed;
			snprintf(x->first_msg, sizeof(x->first_msg),
				 "t=%.6f s: %.500s", r.time / 1e9, r.msg);
		}
	}
}

static void merge(struct batch *into, const struct batch *b)
{
	unsigned int k;

	into->sum.events += b->sum.events;
	into->sum.elections += b->sum.elections;
	into->sum.fences += b->sum.fences;
	into->sum.stable_phases += b->sum.stable_phases;
	into->sum.reprepares += b->sum.reprepares;
	into->sum.choices += b->sum.choices;
	into->sum.rivals += b->sum.rivals;
	into->sum.choices_moving += b->sum.choices_moving;
	into->sum.resets += b->sum.resets;
	into->sum.resumable += b->sum.resumable;
	for (k = 0; k < __AGREE_MSG_MAX; k++)
		into->sum.sent[k] += b->sum.sent[k];
	for (k = 0; k <= AGREE_FENCE_SUPERSEDED; k++)
		into->sum.fenced[k] += b->sum.fenced[k];
	if (b->worst.worst_ratio > into->worst.worst_ratio) {
		into->worst = b->worst;
		into->worst_seed = b->worst_seed;
	}
	for (k = 0; k < PROP_MAX; k++) {
		const struct prop_tally *x = &b->tally[k];
		struct prop_tally *y = &into->tally[k];

		if (x->failures && (!y->failures || x->first_seed < y->first_seed)) {
			y->first_seed = x->first_seed;
			memcpy(y->first_msg, x->first_msg, sizeof(y->first_msg));
		}
		y->failures += x->failures;
	}
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* Seeds [base, base + seeds) over `jobs` processes. */
static int run_parallel(uint64_t base, unsigned long seeds, unsigned int jobs,
			struct batch *all)
{
	static struct batch b;
	uint64_t first, end;
	unsigned int j;
	int fd[64], status;
	pid_t pid[64];
	ssize_t n;

	memset(all, 0, sizeof(*all));
	for (j = 0; j < jobs; j++) {
		int p[2];

		first = base + seeds * j / jobs;
		end = base + seeds * (j + 1) / jobs;
		if (pipe(p))
			return -errno;
		pid[j] = fork();
		if (pid[j] < 0)
			return -errno;
		if (!pid[j]) {
			close(p[0]);
			run_batch(first, end, &b);
			n = write(p[1], &b, sizeof(b));
			_exit(n == (ssize_t)sizeof(b) ? 0 : 1);
		}
		close(p[1]);
		fd[j] = p[0];
	}
	for (j = 0; j < jobs; j++) {
		if (read_full(fd[j], &b, sizeof(b)))
			return -EIO;
		close(fd[j]);
		waitpid(pid[j], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			return -ECHILD;
		merge(all, &b);
	}
	return 0;
}

static int randomized(unsigned int *t, uint64_t base, unsigned long seeds,
		      unsigned int jobs)
{
	static struct batch all;
	double start = now_s();
	const struct chaos_result *c = &all.sum;
	int failed = 0, err;
	unsigned int p;

	err = run_parallel(base, seeds, jobs, &all);
	if (err) {
		fprintf(stderr, "sim_test: workers failed: %s\n", strerror(-err));
		return 1;
	}
	for (p = 0; p < PROP_MAX; p++) {
		struct prop_tally *x = &all.tally[p];

		printf("%s %u random: %s (%lu seeds)\n",
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
	printf("# seeds %" PRIu64 "..%" PRIu64 " in %u processes: %.2f s; "
	       "%lu events, %lu elections, %lu epoch moves, %lu stable phases\n",
	       base, base + seeds - 1, jobs, now_s() - start, c->events,
	       c->elections, c->reprepares, c->stable_phases);
	printf("# choice: %lu elections checked, %lu with a member that could "
	       "have won instead, %lu of them while a compared count changed; "
	       "%lu re-elections reset suspended connections\n", c->choices,
	       c->rivals, c->choices_moving, c->resets);
	printf("# prior: %lu re-elections of a node whose previous reign was the "
	       "latest by its quorum's prior (a fenced primary resumes there)\n",
	       c->resumable);
	printf("# fences: %lu lease lapsed, %lu step-down, %lu switchover, "
	       "%lu superseded\n", c->fenced[AGREE_FENCE_LAPSED],
	       c->fenced[AGREE_FENCE_STEP_DOWN],
	       c->fenced[AGREE_FENCE_SWITCHOVER],
	       c->fenced[AGREE_FENCE_SUPERSEDED]);
	printf("# sent:");
	for (p = 1; p < __AGREE_MSG_MAX; p++)
		printf(" %s %lu", agree_msg_name(p), c->sent[p]);
	printf("\n# slowest election in a stable phase: %.1f ms of a %.1f ms "
	       "bound (seed %" PRIu64 ")\n", all.worst.worst_ttp / 1e6,
	       all.worst.worst_bound / 1e6, all.worst_seed);
	return failed;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sim_test [--seeds N] [--base B] [--jobs J]\n"
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
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
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
		} else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) {
			jobs = number(argv[++i]);
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
	if (jobs < 1)
		jobs = 1;
	if (jobs > 64)
		jobs = 64;
	if ((unsigned long)jobs > seeds)
		jobs = seeds ? seeds : 1;
	failed |= randomized(&t, base, seeds, jobs);
	return failed;
}
