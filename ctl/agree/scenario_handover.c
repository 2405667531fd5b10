// SPDX-License-Identifier: GPL-2.0
/* Directed scenarios: handovers under loss, the rank of a fenced primary. */
#include <errno.h>
#include <string.h>

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

/*
 * The target receives nothing from a moment before the switchover until it
 * has stood by itself (ranked: it missed the heartbeats), as in
 * tandemd_forward_loss_test.sh. Its own candidacy must not end the
 * handover (the old primary once took it for the target acting on it): the
 * ELECT_NOW sent again reaches it, it gives up its ranked attempt and
 * stands unranked, and wins over the backup that ranks above it.
 */
static int handover_cut(struct sim *s, uint64_t seed, FILE *tr)
{
	int64_t cut;
	int p, q, rc;
	unsigned int j;

	SETUP(s, seed, tr, .n = 3);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1", p + 1);
	run(s, 50 * MS);
	cut = s->now;
	for (j = 0; j < 2; j++)
		sim_link(s, j, 2, false);
	run(s, 2 * H);
	rc = sim_switchover(s, p, 3);
	CHECK(s, rc == 0, "switchover refused: %d", rc);
	while (!s->failed && s->node[2].pv_at <= cut && s->now < cut + 20 * H)
		run(s, 100 * US);
	CHECK(s, s->node[2].pv_at > cut, "n3 never stood while cut off");
	sim_heal(s);
	cut = s->now;
	q = await_primary(s, 6 * H, p);
	CHECK(s, q == 2, "primary n%d after the target stood on its own, expected n3",
	      q + 1);
	snprintf(note, sizeof(note), "target cut off until it stood: primary %.2f ms after the heal",
		 (s->node[q].p_start - cut) / 1e6);
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
	if (err)
		return err;
	snprintf(second, sizeof(second), "%s", note);
	sim_free(s);
	err = handover_cut(s, seed, tr);
	snprintf(first + strlen(first), sizeof(first) - strlen(first),
		 "; 5 members, %.80s", second);
	snprintf(second, sizeof(second), "%s", note);
	snprintf(note, sizeof(note), "3 members, %.160s; %.80s", first, second);
	return err;
}

/*
 * Issue 10: a primary fenced by a lapse keeps its connections suspended
 * (they count in its rank: re-elected before anybody else reigned, it
 * resumes them). Here it is cut off while n2 reigns, so it can continue
 * none of them. Back in contact with n3 only (n2 and its heartbeats stay
 * out of its reach), then n2 crashes: n1 has seen n2's epoch only in the
 * refusals and pre-votes n3 sends it, and must rank with 0 (not its 30
 * suspended ones), so n3 (20) wins and nothing is reset. Before
 * agree_seen_other the daemon counted them until its own agreement had
 * promised or followed n2's epoch: n1 won and reset all 30.
 */
int sc_fenced_rank(struct sim *s, uint64_t seed, FILE *tr)
{
	int p, q;

	SETUP(s, seed, tr, .n = 3);
	sim_set_conns(s, 0, 30);
	sim_set_conns(s, 1, 20);
	sim_set_conns(s, 2, 20);
	p = await_primary(s, 100 * MS, -1);
	CHECK(s, p == 0, "primary n%d, expected n1 (30 connections)", p + 1);
	run(s, 50 * MS);
	sim_isolate(s, 0);
	q = await_primary(s, BOUND, 0);
	CHECK(s, q == 1, "primary n%d while n1 is cut off, expected n2", q + 1);
	CHECK(s, s->node[0].susp && s->node[0].conns == 30,
	      "n1 fenced without suspending its 30 connections");
	run(s, 100 * MS);
	sim_link(s, 0, 2, true);
	sim_link(s, 2, 0, true);
	run(s, 100 * MS);
	CHECK(s, sim_primary(s) == 1, "n1's return disturbed the primary n2");
	sim_crash(s, 1);
	q = await_primary(s, BOUND, 1);
	CHECK(s, q == 2,
	      "primary n%d after n2's crash, expected n3 (20 connections; n1's 30 were lost to n2's reign)",
	      q + 1);
	CHECK(s, !s->resets, "%lu re-elections reset suspended connections",
	      s->resets);
	return steady(s, q, 200 * MS);
}
