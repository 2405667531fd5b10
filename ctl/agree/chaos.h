/* SPDX-License-Identifier: GPL-2.0 */
/* One randomized run of the simulator, fully determined by its seed. */
#ifndef TANDEM_AGREE_CHAOS_H
#define TANDEM_AGREE_CHAOS_H

#include <stdio.h>

#include "sim.h"

struct chaos_result {
	bool failed;
	enum sim_prop prop;
	int64_t time;
	char msg[512];
	unsigned int members, witnesses;
	unsigned long events, elections, fences, stable_phases, reprepares;
	unsigned long choices, rivals;	/* elections checked, with a rival */
	unsigned long choices_moving;	/* ... a compared count changing */
	unsigned long resets;		/* suspended connections reset */
	unsigned long resumable;	/* re-elections a fenced primary resumes on */
	unsigned long sent[__AGREE_MSG_MAX];
	unsigned long fenced[AGREE_FENCE_SUPERSEDED + 1];
	int64_t worst_ttp;		/* slowest time to a primary ... */
	int64_t worst_bound;		/* ... and the bound it had */
	double worst_ratio;		/* max over stable phases of ttp/bound */
};

/* Run seed; trace every event to `trace` when it is not NULL. */
void chaos_run(uint64_t seed, FILE *trace, struct chaos_result *r);

#endif /* TANDEM_AGREE_CHAOS_H */
