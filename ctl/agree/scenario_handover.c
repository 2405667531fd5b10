// SPDX-License-Identifier: GPL-2.0
/* Directed scenarios of handovers (switchover, step-down) under loss. */
#include <errno.h>

#include "scenario_lib.h"

/*
 * A switchover whose ELECT_NOW is lost (n members; with `release`, every
 * copy of the RELEASE too): the old primary sends both again every H, so
 * the named target still takes over, within two heartbeat intervals, not
 * after the missed heartbeats (when the best-ranked backup would win) or
 * once the grants to the old primary have run out.
 */
static int handover_lost(struct sim *s, uint64_t seed, FILE *tr,
			 unsigned int n, bool release)
{
	unsigned int t = n - 1;
	int p, q, rc;
	int64_t t0;

	SETUP(s, seed, tr, .n = n);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	run(s, 50 * MS);
	sim_drop(s, AGREE_MSG_ELECT_NOW, 1);
	if (release)
		sim_drop(s, AGREE_MSG_RELEASE, n - 1);
	rc = sim_switchover(s, p, t + 1);
	CHECK(s, rc == 0, "switchover refused: %d", rc);
	t0 = s->now;
	q = await_primary(s, 6 * H, p);
	CHECK(s, q >= 0, "no primary %.0f ms after the lost handover",
	      (s->now - t0) / 1e6);
	CHECK(s, q == (int)t, "primary n%d after the lost handover, expected n%u",
	      q + 1, t + 1);
	CHECK(s, s->node[q].p_start - t0 < 2 * H,
	      "lost handover took %.1f ms", (s->node[q].p_start - t0) / 1e6);
	snprintf(note, sizeof(note), "handover with ELECT_NOW%s lost: %.2f ms",
		 release ? " and RELEASE" : "", (s->node[q].p_start - t0) / 1e6);
	run(s, 3 * H);
	return steady(s, q, 200 * MS);
}

int sc_handover_lost(struct sim *s, uint64_t seed, FILE *tr)
{
	char first[sizeof(note)], second[sizeof(note)];
	int err = handover_lost(s, seed, tr, 3, false);

	if (err)
		return err;
	snprintf(first, sizeof(first), "%s", note);
	sim_free(s);
	err = handover_lost(s, seed, tr, 5, true);
	snprintf(second, sizeof(second), "%s", note);
	snprintf(note, sizeof(note), "3 members, %.100s; 5 members, %.100s",
		 first, second);
	return err;
}
