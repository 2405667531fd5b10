// SPDX-License-Identifier: GPL-2.0
/* Every member's side: follow, grant, promise, vote, release. */
#include "agree_int.h"

static struct agree_msg *reply(struct agree_node *n, const struct agree_msg *m,
			       uint8_t type, bool ok)
{
	struct agree_msg *r = out_msg(n, type, m->from, m->epoch);

	if (ok)
		r->flags |= AGREE_F_OK;
	else
		r->stamp = grant_left(n);
	return r;
}

static void take_view(struct agree_node *n, const struct agree_msg *m)
{
	unsigned int k;
	int i;

	for (k = 0; k < m->n_view && k < AGREE_MAX_MEMBERS; k++) {
		i = member_index(n, m->view[k].id);
		if (i < 0 || (unsigned int)i == n->self)
			continue;
		n->peer[i].conns = m->view[k].conns;
		n->peer[i].flags = m->view[k].flags;
	}
	n->have_view = true;
}

void voter_heartbeat(struct agree_node *n, const struct agree_msg *m)
{
	struct agree_msg *r;
	bool ok;

	if (released(n, m->from, m->epoch))
		return;
	if (n->role == AGREE_ROLE_PRIMARY && m->epoch > n->epoch)
		primary_fence(n, AGREE_FENCE_SUPERSEDED);
	if (m->epoch < n->persist.promised) {
		/* A stale primary, or one that must re-run at a higher epoch. */
		r = reply(n, m, AGREE_MSG_ACK, false);
		r->stamp = m->stamp;
		return;
	}
	persist_promise(n, m->epoch);
	if (n->role == AGREE_ROLE_CANDIDATE)
		election_stop(n, false);
	if (n->epoch != m->epoch || n->primary != m->from) {
		n->epoch = m->epoch;
		n->primary = m->from;
		out_event(n, AGREE_OUT_BACKUP, m->epoch)->primary = m->from;
	}
	n->last_hb = n->now;
	n->retry_at = 0;
	n->elect_now = false;
	n->elect_until = 0;
	take_view(n, m);
	ok = grant_free_for(n, m->from);
	if (ok)
		grant_give(n, m->from, m->epoch);
	r = reply(n, m, AGREE_MSG_ACK, ok);
	r->stamp = m->stamp;
}

/* Refused: this node ranks above the candidate and may stand itself. */
static void veto(struct agree_node *n, const struct agree_msg *m, uint8_t type)
{
	struct agree_msg *r = reply(n, m, type, false);

	r->flags |= AGREE_F_BETTER;
	r->stamp = 0;
}

void voter_prevote(struct agree_node *n, const struct agree_msg *m)
{
	int c = member_index(n, m->from);
	bool ok;

	if (rank_outranks(n, m)) {
		veto(n, m, AGREE_MSG_PREVOTE_REPLY);
		return;
	}
	ok = n->role != AGREE_ROLE_PRIMARY && !is_witness(n, c) &&
	     grant_free_for(n, m->from);
	reply(n, m, AGREE_MSG_PREVOTE_REPLY, ok);
}

void voter_prepare(struct agree_node *n, const struct agree_msg *m)
{
	int c = member_index(n, m->from);
	uint64_t prior;

	if (n->role == AGREE_ROLE_PRIMARY || is_witness(n, c) ||
	    released(n, m->from, m->epoch) || m->epoch <= n->persist.promised) {
		reply(n, m, AGREE_MSG_PROMISE, false)->stamp = 0;
		return;
	}
	if (rank_outranks(n, m)) {
		veto(n, m, AGREE_MSG_PROMISE);
		return;
	}
	/* A higher ballot than our own: yield to it if we can promise it. */
	if (n->role == AGREE_ROLE_CANDIDATE && n->now >= n->quiet_until &&
	    (!n->grant.holder || n->grant.holder == self_id(n) ||
	     n->now >= n->grant.expiry))
		election_stop(n, true);
	if (!grant_free_for(n, m->from)) {
		reply(n, m, AGREE_MSG_PROMISE, false);
		return;
	}
	prior = agree_prior(n, m->from);
	persist_promise(n, m->epoch);
	grant_give(n, m->from, m->epoch);
	reply(n, m, AGREE_MSG_PROMISE, true)->promised = prior;
}

void voter_release(struct agree_node *n, const struct agree_msg *m)
{
	grant_drop(n, m->from, m->epoch);
	if (n->released_id != m->from || m->epoch > n->released_epoch) {
		n->released_id = m->from;
		n->released_epoch = m->epoch;
	}
}

/*
 * Our primary fenced itself and hands over to us. It sends the request
 * again until it sees us stand: each handover (its epoch) is taken once,
 * and the attempts it starts stay unranked for a grant's length (one lost
 * to loss is retried after the backoff as the same handover). A ranked
 * attempt of our own (we missed its heartbeats meanwhile) gives way to it.
 */
void voter_elect_now(struct agree_node *n, const struct agree_msg *m)
{
	voter_release(n, m);
	if (m->from != n->primary || m->epoch < n->epoch ||
	    m->epoch <= n->elect_epoch || n->role == AGREE_ROLE_PRIMARY ||
	    is_witness(n, n->self) || !n->healthy)
		return;
	if (n->role == AGREE_ROLE_CANDIDATE)
		election_stop(n, false);
	n->elect_now = true;
	n->elect_epoch = m->epoch;
	n->elect_until = n->now + n->grant_len;
	n->retry_at = 0;
}
