// SPDX-License-Identifier: GPL-2.0
/*
 * The candidate's side: pre-vote (no state changes anywhere, so a member
 * cut off from the majority never disturbs it), then PREPARE of a fresh
 * ballot; a majority of promises makes it primary with a lease counted from
 * the PREPARE. Ranks only order the attempts; safety never depends on them.
 */
#include "agree_int.h"

static unsigned int popcount(uint32_t x)
{
	return __builtin_popcount(x);
}

static bool can_stand(const struct agree_node *n)
{
	return !is_witness(n, n->self) && n->healthy &&
	       n->role == AGREE_ROLE_BACKUP && n->phase == AGREE_PHASE_NONE;
}

/* When this backup may next stand; AGREE_NEVER if it may not. */
int64_t election_start_time(const struct agree_node *n)
{
	const struct agree_grant *g = &n->grant;
	int64_t t;

	if (!can_stand(n))
		return AGREE_NEVER;
	if (n->elect_now) {
		t = n->now;
		if (g->holder && g->holder != self_id(n))
			t = max64(t, g->expiry);
	} else {
		t = n->last_hb + (int64_t)n->cfg.miss_count * n->cfg.hb_interval;
		if (g->holder && g->holder != self_id(n))
			t = max64(t, g->expiry);
		t += (int64_t)rank_self(n) * n->cfg.stagger;
	}
	t = max64(t, n->quiet_until);
	return max64(t, n->retry_at);
}

static void broadcast(struct agree_node *n, uint8_t type, uint64_t epoch)
{
	out_msg(n, type, AGREE_BROADCAST, epoch);
}

static void begin_phase(struct agree_node *n, enum agree_phase phase)
{
	n->phase = phase;
	n->ok_mask = 1U << n->self;
	n->nok_mask = 0;
	n->refused_until = 0;
	n->phase_deadline = n->now + n->cfg.election_timeout;
}

static void win(struct agree_node *n)
{
	if (n->now >= n->cand_start + n->lease_len) {
		election_stop(n, true);
		return;
	}
	n->phase = AGREE_PHASE_NONE;
	n->phase_deadline = AGREE_NEVER;
	primary_become(n);
}

/* Both phases end the same way: a majority, or no way to reach one. */
static void count(struct agree_node *n)
{
	if (popcount(n->ok_mask) >= n->majority) {
		if (n->phase == AGREE_PHASE_PREVOTE)
			election_prepare(n);
		else
			win(n);
	} else if (n->cfg.n_members - popcount(n->nok_mask) < n->majority) {
		election_stop(n, true);
	}
}

static void prevote(struct agree_node *n)
{
	n->role = AGREE_ROLE_CANDIDATE;
	n->elect_now = false;
	begin_phase(n, AGREE_PHASE_PREVOTE);
	n->cand_epoch = next_epoch(n);
	broadcast(n, AGREE_MSG_PREVOTE, n->cand_epoch);
	count(n);
}

/* Also how a primary moves itself to a higher epoch. */
void election_prepare(struct agree_node *n)
{
	if (!grant_free_for(n, self_id(n))) {
		election_stop(n, true);
		return;
	}
	n->cand_epoch = next_epoch(n);
	persist_promise(n, n->cand_epoch);
	grant_give(n, self_id(n), n->cand_epoch);
	begin_phase(n, AGREE_PHASE_PREPARE);
	n->cand_start = n->now;
	n->phase_deadline = min64(n->phase_deadline, n->now + n->lease_len);
	n->reprepare_at = AGREE_NEVER;
	broadcast(n, AGREE_MSG_PREPARE, n->cand_epoch);
	count(n);
}

/*
 * A pre-vote refused because of grants that run out soon is retried right
 * then; anything else backs off a random time (a lost PREPARE released its
 * grants, so the grants that refused it say nothing of the next attempt).
 */
static int64_t retry_delay(struct agree_node *n, bool prevote)
{
	int64_t b = n->cfg.backoff, jitter = rng_below(n, b / 8 + 1);

	if (prevote && n->refused_until)
		return max64(n->refused_until - n->now, 0) + 1 + jitter;
	return b / 2 + rng_below(n, b + 1);
}

/*
 * Give up the current attempt. A candidate that had sent PREPARE will never
 * count those promises again: it tells the members to drop the grants.
 * A primary that failed to move to a higher epoch keeps its reign.
 */
void election_stop(struct agree_node *n, bool retry)
{
	bool prepared = n->phase == AGREE_PHASE_PREPARE;
	bool prevote = n->phase == AGREE_PHASE_PREVOTE;

	if (n->phase == AGREE_PHASE_NONE && n->role != AGREE_ROLE_CANDIDATE)
		return;
	n->phase = AGREE_PHASE_NONE;
	n->phase_deadline = AGREE_NEVER;
	if (n->role == AGREE_ROLE_PRIMARY) {
		n->reprepare_at = n->now + retry_delay(n, false);
		return;
	}
	n->role = AGREE_ROLE_BACKUP;
	if (prepared) {
		grant_drop(n, self_id(n), n->cand_epoch);
		broadcast(n, AGREE_MSG_RELEASE, n->cand_epoch);
	}
	if (retry)
		n->retry_at = n->now + retry_delay(n, prevote);
}

void election_reply(struct agree_node *n, const struct agree_msg *m)
{
	int i = member_index(n, m->from);
	uint8_t want = n->phase == AGREE_PHASE_PREVOTE ?
		       AGREE_MSG_PREVOTE_REPLY : AGREE_MSG_PROMISE;

	if (n->phase == AGREE_PHASE_NONE || m->type != want ||
	    m->epoch != n->cand_epoch)
		return;
	if (m->flags & AGREE_F_OK) {
		n->ok_mask |= 1U << i;
		if (n->role == AGREE_ROLE_PRIMARY)
			n->peer[i].last_heard = n->now;
	} else {
		n->nok_mask |= 1U << i;
		/* Ask again as soon as that grant has run out. */
		if (n->phase == AGREE_PHASE_PREVOTE && m->stamp > 0) {
			n->refused_until = max64(n->refused_until,
						 n->now + m->stamp);
			n->phase_deadline = min64(n->phase_deadline,
						  n->refused_until);
		}
	}
	count(n);
}

void election_tick(struct agree_node *n)
{
	if (n->phase != AGREE_PHASE_NONE && n->now >= n->phase_deadline)
		election_stop(n, true);
	if (n->role == AGREE_ROLE_PRIMARY) {
		if (n->phase == AGREE_PHASE_NONE && n->now >= n->reprepare_at)
			election_prepare(n);
		return;
	}
	if (election_start_time(n) <= n->now)
		prevote(n);
}
