// SPDX-License-Identifier: GPL-2.0
/* The primary: heartbeats, lease renewal, fencing, handing over. */
#include "agree_int.h"

static void emit_lease(struct agree_node *n, enum agree_out_type type)
{
	out_event(n, type, n->epoch)->lease_expiry = n->lease_expiry;
}

/*
 * The lease reaches lease_len past the newest stamp that a majority has
 * granted (each member's newest granted stamp, the majority-th highest).
 */
static void lease_update(struct agree_node *n)
{
	int64_t s[AGREE_MAX_MEMBERS], t, until;
	unsigned int i, j, k = n->cfg.n_members;

	for (i = 0; i < k; i++) {
		t = n->peer[i].ack_stamp;
		for (j = i; j > 0 && s[j - 1] < t; j--)
			s[j] = s[j - 1];
		s[j] = t;
	}
	t = s[n->majority - 1];
	if (t == NO_STAMP)
		return;
	until = t + n->lease_len;
	if (until <= n->lease_expiry)
		return;
	n->lease_expiry = until;
	emit_lease(n, AGREE_OUT_LEASE);
}

static void heartbeat(struct agree_node *n)
{
	struct agree_msg *m;

	n->peer[n->self].ack_stamp = n->now;
	grant_give(n, self_id(n), n->epoch);
	m = out_msg(n, AGREE_MSG_HEARTBEAT, AGREE_BROADCAST, n->epoch);
	m->stamp = n->now;
	m->n_view = agree_view(n, m->view);
	n->next_hb = n->now + n->cfg.hb_interval;
	lease_update(n);
}

/* Won cand_epoch; promises in ok_mask count as grants at cand_start. */
void primary_become(struct agree_node *n)
{
	int64_t lease = n->cand_start + n->lease_len;
	bool again = n->role == AGREE_ROLE_PRIMARY;
	struct agree_out *o;
	unsigned int i;

	if (again)
		lease = max64(lease, n->lease_expiry);
	n->role = AGREE_ROLE_PRIMARY;
	n->epoch = n->cand_epoch;
	n->primary = self_id(n);
	n->lease_expiry = lease;
	n->reprepare_at = AGREE_NEVER;
	for (i = 0; i < n->cfg.n_members; i++) {
		bool ok = n->ok_mask & (1U << i);

		n->peer[i].ack_stamp = ok ? n->cand_start : NO_STAMP;
		if (ok)
			n->peer[i].last_heard = n->now;
		else if (!again)
			n->peer[i].last_heard = NO_STAMP;
	}
	o = out_event(n, AGREE_OUT_PRIMARY, n->epoch);
	o->lease_expiry = n->lease_expiry;
	o->prior = n->cand_prior;
	heartbeat(n);
}

void primary_check_lease(struct agree_node *n)
{
	if (n->role == AGREE_ROLE_PRIMARY && n->now >= n->lease_expiry)
		primary_fence(n, AGREE_FENCE_LAPSED);
}

/*
 * Stop acting as primary, then tell the grantors they may drop our grants:
 * the FENCED record precedes the RELEASE in the outbox, and the caller
 * applies it to the kernel before sending on.
 */
uint64_t primary_fence(struct agree_node *n, enum agree_fence_reason reason)
{
	uint64_t upto = n->epoch;

	if (n->phase == AGREE_PHASE_PREPARE)
		upto = maxu64(upto, n->cand_epoch);
	n->phase = AGREE_PHASE_NONE;
	n->phase_deadline = AGREE_NEVER;
	n->role = AGREE_ROLE_BACKUP;
	n->primary = 0;
	n->lease_expiry = 0;
	n->reprepare_at = AGREE_NEVER;
	n->last_hb = n->now;
	n->retry_at = 0;
	out_event(n, AGREE_OUT_FENCED, n->epoch)->reason = reason;
	grant_drop(n, self_id(n), upto);
	out_msg(n, AGREE_MSG_RELEASE, AGREE_BROADCAST, upto);
	n->ho_target = 0;
	return upto;
}

static void handover_send(struct agree_node *n)
{
	out_msg(n, AGREE_MSG_ELECT_NOW, n->cfg.member[n->ho_target - 1].id,
		n->ho_epoch);
	n->ho_next = n->now + n->cfg.hb_interval;
}

/*
 * Fence, then ask the target to stand at once. A lost ELECT_NOW would
 * leave the group to wait for the missed heartbeats (and let another node
 * win), a lost RELEASE for our grants to run out: both are sent again
 * every H until the target shows it acted (its unranked PREVOTE or
 * PREPARE, or any HEARTBEAT of a higher epoch: a newer primary), this node
 * stands itself, or a grant's length has passed (every grant to us has
 * run out by then: an ordinary election takes over). The target takes
 * one handover once (elect_epoch), so the copies are idempotent.
 */
void primary_hand_over(struct agree_node *n, unsigned int target,
		       enum agree_fence_reason reason)
{
	uint64_t epoch = n->epoch;

	n->ho_release = primary_fence(n, reason);
	n->ho_target = target + 1;
	n->ho_epoch = epoch;
	n->ho_until = n->now + n->grant_len;
	handover_send(n);
}

void handover_tick(struct agree_node *n)
{
	if (!n->ho_target || n->now < n->ho_next)
		return;
	if (n->role != AGREE_ROLE_BACKUP || n->now >= n->ho_until) {
		n->ho_target = 0;
		return;
	}
	out_msg(n, AGREE_MSG_RELEASE, AGREE_BROADCAST, n->ho_release);
	handover_send(n);
}

/* Did m show that the handover took (or no longer matters)? */
void handover_heard(struct agree_node *n, const struct agree_msg *m)
{
	bool target;

	if (!n->ho_target || m->epoch <= n->ho_epoch)
		return;
	/* A ranked candidacy of the target is its own: it did not hear us. */
	target = m->from == n->cfg.member[n->ho_target - 1].id &&
		 (m->flags & AGREE_F_NORANK);
	if (m->type == AGREE_MSG_HEARTBEAT ||
	    (target && (m->type == AGREE_MSG_PREVOTE ||
			m->type == AGREE_MSG_PREPARE)))
		n->ho_target = 0;
}

int64_t handover_deadline(const struct agree_node *n)
{
	return n->ho_target ? n->ho_next : AGREE_NEVER;
}

/* An unhealthy primary hands over when a healthy backup can take it. */
void primary_health(struct agree_node *n)
{
	int t;

	if (n->healthy || n->role != AGREE_ROLE_PRIMARY)
		return;
	t = rank_best_backup(n);
	if (t >= 0)
		primary_hand_over(n, t, AGREE_FENCE_STEP_DOWN);
}

void primary_tick(struct agree_node *n)
{
	if (n->now >= n->next_hb)
		heartbeat(n);
	primary_health(n);
}

void primary_ack(struct agree_node *n, const struct agree_msg *m)
{
	int i = member_index(n, m->from);
	struct agree_peer *p = &n->peer[i];

	if (n->role != AGREE_ROLE_PRIMARY)
		return;
	p->last_heard = n->now;
	p->conns = m->conns;
	p->flags = (m->flags & AGREE_F_HEALTHY ? AGREE_VIEW_HEALTHY : 0) |
		   (m->flags & AGREE_F_QUIET ? AGREE_VIEW_QUIET : 0);
	/* A member promised a higher ballot: move above it, keeping our reign. */
	if (m->promised > n->epoch && n->phase == AGREE_PHASE_NONE &&
	    n->reprepare_at == AGREE_NEVER)
		n->reprepare_at = n->now;
	if (m->epoch != n->epoch || !(m->flags & AGREE_F_OK) ||
	    m->stamp > n->now || m->stamp <= p->ack_stamp)
		return;
	p->ack_stamp = m->stamp;
	lease_update(n);
}
