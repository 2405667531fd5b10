/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the directed scenarios. */
#ifndef TANDEM_AGREE_SCENARIO_LIB_H
#define TANDEM_AGREE_SCENARIO_LIB_H

#include <stdio.h>

#include "sim.h"

#define MS SIM_MS
#define US SIM_US
#define H (10 * MS)
#define BOUND (150 * MS)	/* failover bound with the default timers */

extern char why[1024];		/* why a scenario failed */
extern char note[256];		/* a figure worth printing */

/* Fail the scenario on a violated invariant, or when cond is false. */
#define CHECK(s, cond, ...)						\
	do {								\
		if ((s)->failed)					\
			return sim_failed(s);				\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			return -1;					\
		}							\
	} while (0)

struct setup {
	unsigned int n;
	uint32_t witnesses;
	uint8_t priority[AGREE_MAX_MEMBERS];	/* 0: 100 */
	bool no_margin;
	int64_t clock_ppb;			/* 0: the drift bound */
	uint32_t drift_ppm;			/* 0: default */
	int64_t delay;				/* 0: 0.1..0.5 ms; else fixed */
	int64_t conns_interval;			/* sim_params */
	bool lapse_drops;
	bool read_old_prior;
};

#define SETUP(s, seed, trace, ...)					\
	do {								\
		struct setup u_ = { __VA_ARGS__ };			\
		if (setup(s, &u_, seed, trace))				\
			return -1;					\
	} while (0)

int sim_failed(const struct sim *s);
/* The default timers, on a network of 0.1..0.5 ms with 50 us jitter. */
int setup(struct sim *s, const struct setup *u, uint64_t seed, FILE *trace);
void run(struct sim *s, int64_t dt);
/* Wait for a primary other than `not`; its index, or -1. */
int await_primary(struct sim *s, int64_t limit, int not);
bool follows(const struct sim *s, unsigned int i, int p);
int all_follow(struct sim *s, int p);
/* The primary and its epoch stay as they are for dt; all follow it. */
int steady(struct sim *s, int p, int64_t dt);

/* scenario_edge.c */
int sc_config(struct sim *s, uint64_t seed, FILE *tr);
int sc_wire(struct sim *s, uint64_t seed, FILE *tr);
int sc_restart_quiet(struct sim *s, uint64_t seed, FILE *tr);
int sc_lease_start(struct sim *s, uint64_t seed, FILE *tr);
int sc_drift_detect(struct sim *s, uint64_t seed, FILE *tr);

/* scenario_handover.c */
int sc_handover_lost(struct sim *s, uint64_t seed, FILE *tr);
int sc_fenced_rank(struct sim *s, uint64_t seed, FILE *tr);

#endif /* TANDEM_AGREE_SCENARIO_LIB_H */
