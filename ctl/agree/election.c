// SPDX-License-Identifier: GPL-2.0
/*
 * The candidate's side: pre-vote (no state changes anywhere, so a member
 * cut off from the majority never disturbs it), then PREPARE of a fresh
 * ballot; a majority of promises makes it primary with a lease counted from
 * the PREPARE. Ranks order the attempts (stagger) and choose the winner (a
 * member that ranks higher refuses, rank.c); safety never depends on them.
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

/* A handover target, or a primary moving its reign, is not ranked. */
static bool unranked(const struct agree_node *n)
{
	return n->role == AGREE_ROLE_PRIMARY || n->cand_norank;
}

static void broadcast(struct agree_node *n, uint8_t type, uint64_t epoch)
{
	struct agree_msg *m = out_msg(n, type, AGREE_BROADCAST, epoch);

	if (unranked(n))
		m->flags |= AGREE_F_NORANK;
}

static void begin_phase(struct agree_node *n, enum agree_phase phase)
{
	n->phase = phase;
	n->ok_mask = 1U << n->self;
	n->nok_mask = 0;
	n->refused_until = 0;
	n->phase_start = n->now;
	n->phase_deadline = n->now + n->cfg.election_timeout;
}

static bool majority_ok(const struct agree_node *n)
{
	return (unsigned int)popcount(n->ok_mask) >= n->majority;
}

/* Every member that could outrank this candidate answered this phase. */
static bool heard_all(const struct agree_node *n)
{
	uint32_t heard = n->ok_mask | n->nok_mask;
	unsigned int i;

	for (i = 0; i < n->cfg.n_members; i++)
		if (!is_witness(n, i) && !(heard >> i & 1))
			return false;
	return true;
}

/*
 * Known to be up: heard from within miss_count * H, or alive in a recent
 * view (backups hear only the primary; its view says who acked it).
 */
static bool alive_hint(const struct agree_node *n, unsigned int i)
{
	int64_t window = (int64_t)n->cfg.miss_count * n->cfg.hb_interval;
	const struct agree_peer *p = &n->peer[i];

	if (p->heard != NO_STAMP && n->now - p->heard < window)
		return true;
	return n->have_view && n->cfg.member[i].id != n->primary &&
	       (p->flags & AGREE_VIEW_ALIVE) &&
	       n->now - n->last_hb < 2 * window +
				     (int64_t)n->cfg.n_members * n->cfg.stagger;
}

/*
 * How long a pre-vote with a majority waits for the members that may
 * stand and have not answered: the whole election timeout for those known
 * to be up (a loaded host answers late), one stagger D for the others (a
 * crashed primary never answers).
 */
static int64_t wait_end(const struct agree_node *n)
{
	uint32_t heard = n->ok_mask | n->nok_mask;
	int64_t end = n->phase_start + min64(n->cfg.stagger,
					     n->cfg.election_timeout);
	unsigned int i;

	for (i = 0; i < n->cfg.n_members; i++)
		if (!is_witness(n, i) && !(heard >> i & 1) && alive_hint(n, i))
			return n->phase_start + n->cfg.election_timeout;
	return end;
}

static bool wait_ranks(const struct agree_node *n)
{
	return n->phase == AGREE_PHASE_PREVOTE && !unranked(n) &&
	       n->now < wait_end(n) && !heard_all(n);
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
	if (majority_ok(n)) {
		if (wait_ranks(n))
			return;
		if (n->phase == AGREE_PHASE_PREVOTE)
			election_prepare(n);
		else
			win(n);
	} else if (n->cfg.n_members - popcount(n->nok_mask) < n->majority) {
		election_stop(n, true);
	}
}

/*
 * The phase deadline passed: a pre-vote with a majority goes on (it was
 * waiting for ranks), anything else is lost. Fewer than a majority
 * answering at all means this node cannot reach one: it stops refusing
 * others by rank for a while (may_veto, rank.c).
 */
void election_expire(struct agree_node *n)
{
	if (n->phase == AGREE_PHASE_NONE || n->now < election_deadline(n))
		return;
	if (n->phase == AGREE_PHASE_PREVOTE && majority_ok(n)) {
		election_prepare(n);
		return;
	}
	if (n->role != AGREE_ROLE_PRIMARY &&
	    (unsigned int)popcount(n->ok_mask | n->nok_mask) < n->majority)
		n->no_quorum_at = n->now;
	election_stop(n, true);
}

/* When the current phase must be looked at again. */
int64_t election_deadline(const struct agree_node *n)
{
	if (n->phase == AGREE_PHASE_NONE)
		return AGREE_NEVER;
	if (majority_ok(n) && n->phase == AGREE_PHASE_PREVOTE)
		return wait_ranks(n) ? wait_end(n) : n->now;
	return n->phase_deadline;
}

/*
 * A pre-vote changes nothing anywhere, so its ballot would repeat until
 * something is promised: a new one for every attempt, so that a late reply
 * to an earlier attempt (a yes given before the voter could stand, say)
 * never counts in this one. Only the PREPARE's ballot is promised.
 */
static uint64_t prevote_epoch(struct agree_node *n)
{
	uint64_t e = next_epoch(n);

	if (e <= n->pv_epoch)
		e = AGREE_EPOCH(AGREE_EPOCH_ROUND(n->pv_epoch) + 1, self_id(n));
	n->pv_epoch = e;
	return e;
}

static void prevote(struct agree_node *n)
{
	n->role = AGREE_ROLE_CANDIDATE;
	n->cand_norank = n->elect_now || n->now < n->elect_until;
	n->elect_now = false;
	n->ho_target = 0;
	n->cand_conns = rank_fresh(n);
	begin_phase(n, AGREE_PHASE_PREVOTE);
	n->cand_epoch = prevote_epoch(n);
	broadcast(n, AGREE_MSG_PREVOTE, n->cand_epoch);
	count(n);
}

/*
 * Also how a primary moves itself to a higher epoch. A ranked candidate
 * whose count fell since its pre-vote (connections lost, or its suspended
 * ones no longer counted once a reply showed another member's ballot)
 * pre-votes again: the yes votes were given to a rank it no longer has,
 * and a PREPARE's refusal can come after the majority that elects it.
 */
void election_prepare(struct agree_node *n)
{
	if (!grant_free_for(n, self_id(n))) {
		election_stop(n, true);
		return;
	}
	if (rank_fresh(n) < n->cand_conns && !unranked(n) &&
	    n->phase == AGREE_PHASE_PREVOTE) {
		prevote(n);
		return;
	}
	n->cand_epoch = next_epoch(n);
	n->cand_prior = agree_prior(n, self_id(n));
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
	if ((m->flags & AGREE_F_BETTER) && !unranked(n)) {
		/* A member that may stand ranks higher: it goes first. */
		n->nok_mask |= 1U << i;
		n->refused_until = 0;
		election_stop(n, true);
		return;
	}
	if (m->flags & AGREE_F_OK) {
		n->ok_mask |= 1U << i;
		if (m->type == AGREE_MSG_PROMISE && m->promised > n->cand_prior)
			n->cand_prior = m->promised;
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
	election_expire(n);
	if (n->phase != AGREE_PHASE_NONE)
		count(n);
	if (n->role == AGREE_ROLE_PRIMARY) {
		if (n->phase == AGREE_PHASE_NONE && n->now >= n->reprepare_at)
			election_prepare(n);
		return;
	}
	if (election_start_time(n) <= n->now)
		prevote(n);
}
