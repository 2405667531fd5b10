// SPDX-License-Identifier: GPL-2.0
/* Entry points of the agreement core: configuration, dispatch, outbox. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agree_int.h"

#define MS 1000000LL
#define HOUR (3600LL * 1000 * MS)

void agree_config_defaults(struct agree_config *cfg)
{
	cfg->hb_interval = 10 * MS;
	cfg->miss_count = 3;
	cfg->lease = 30 * MS;
	cfg->drift_ppm = 1000;
	cfg->margin = 1 * MS;
	cfg->election_timeout = 10 * MS;
	cfg->stagger = 5 * MS;
	cfg->backoff = 10 * MS;
}

static int bad(char *err, unsigned long len, const char *why)
{
	if (err && len)
		snprintf(err, len, "%s", why);
	return -EINVAL;
}

static bool in_range(int64_t t, int64_t lo)
{
	return t >= lo && t <= HOUR;
}

int agree_config_check(const struct agree_config *cfg, char *err,
		       unsigned long len)
{
	unsigned int i, j, standing = 0;
	bool self = false;
	int64_t lease_len;

	if (cfg->n_members < 1 || cfg->n_members > AGREE_MAX_MEMBERS)
		return bad(err, len, "number of members out of range");
	for (i = 0; i < cfg->n_members; i++) {
		if (!cfg->member[i].id)
			return bad(err, len, "member id 0");
		for (j = 0; j < i; j++)
			if (cfg->member[j].id == cfg->member[i].id)
				return bad(err, len, "duplicate member id");
		if (cfg->member[i].id == cfg->self_id)
			self = true;
		if (!cfg->member[i].witness)
			standing++;
	}
	if (!self)
		return bad(err, len, "self_id is not a member");
	if (!standing)
		return bad(err, len, "every member is a witness");
	if (!in_range(cfg->hb_interval, 1) || !in_range(cfg->lease, 1) ||
	    !in_range(cfg->margin, 0) || !in_range(cfg->election_timeout, 1) ||
	    !in_range(cfg->stagger, 0) || !in_range(cfg->backoff, 1))
		return bad(err, len, "timer out of range (up to one hour)");
	if (cfg->miss_count < 1 || cfg->miss_count > 1000)
		return bad(err, len, "miss count out of range 1..1000");
	if (cfg->drift_ppm > 100000)
		return bad(err, len, "drift bound above 100000 ppm");
	lease_len = cfg->lease - cfg->lease * cfg->drift_ppm / 1000000;
	if (lease_len <= cfg->hb_interval)
		return bad(err, len,
			   "lease (less drift) must exceed the heartbeat interval");
	return 0;
}

int member_index(const struct agree_node *n, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < n->cfg.n_members; i++)
		if (n->cfg.member[i].id == id)
			return i;
	return -1;
}

/* xorshift64*: jitter only, never safety. */
uint64_t rng_below(struct agree_node *n, uint64_t bound)
{
	n->rng ^= n->rng >> 12;
	n->rng ^= n->rng << 25;
	n->rng ^= n->rng >> 27;
	return bound ? (n->rng * 0x2545f4914f6cdd1dULL) % bound : 0;
}

static struct agree_out *out_push(struct agree_node *n)
{
	struct agree_out *o;

	if (n->out_head == n->out_len)
		n->out_head = n->out_len = 0;
	if (n->out_len == AGREE_OUTBOX) {
		n->out_dropped++;
		return NULL;
	}
	o = &n->out[n->out_len++];
	memset(o, 0, sizeof(*o));
	return o;
}

/* A message to fill in; a scratch one if the outbox overflowed. */
struct agree_msg *out_msg(struct agree_node *n, uint8_t type, uint32_t to,
			  uint64_t epoch)
{
	struct agree_out *o = out_push(n);

	if (!o) {
		o = &n->scratch;
		memset(o, 0, sizeof(*o));
	}
	o->type = AGREE_OUT_SEND;
	o->msg.type = type;
	o->msg.from = self_id(n);
	o->msg.to = to;
	o->msg.epoch = epoch;
	o->msg.promised = n->persist.promised;
	o->msg.conns = n->conns;
	if (n->healthy)
		o->msg.flags |= AGREE_F_HEALTHY;
	if (n->now < n->quiet_until)
		o->msg.flags |= AGREE_F_QUIET;
	return &o->msg;
}

struct agree_out *out_event(struct agree_node *n, enum agree_out_type type,
			    uint64_t epoch)
{
	struct agree_out *o = out_push(n);

	if (!o) {
		o = &n->scratch;
		memset(o, 0, sizeof(*o));
	}
	o->type = type;
	o->epoch = epoch;
	return o;
}

/*
 * After a (re)start only the highest promise survives: its ballot's owner
 * had it, every other member at most the epoch just below.
 */
static void prior_init(struct agree_node *n)
{
	uint64_t p = n->persist.promised;
	unsigned int i;

	for (i = 0; i < n->cfg.n_members; i++)
		n->promised_by[i] = n->cfg.member[i].id == AGREE_EPOCH_NODE(p) ?
				    p : (p ? p - 1 : 0);
}

uint64_t agree_prior(const struct agree_node *n, uint32_t cand)
{
	uint64_t prior = 0;
	unsigned int i;

	for (i = 0; i < n->cfg.n_members; i++)
		if (n->cfg.member[i].id != cand && n->promised_by[i] > prior)
			prior = n->promised_by[i];
	return prior;
}

uint64_t agree_seen_other(const struct agree_node *n)
{
	return maxu64(agree_prior(n, self_id(n)), n->other_seen);
}

/* Epochs of other members that m shows (not a pre-vote's: it is no ballot). */
static void seen_other(struct agree_node *n, const struct agree_msg *m)
{
	if (AGREE_EPOCH_NODE(m->promised) != self_id(n))
		n->other_seen = maxu64(n->other_seen, m->promised);
	if (m->type != AGREE_MSG_PREVOTE && m->type != AGREE_MSG_PREVOTE_REPLY &&
	    AGREE_EPOCH_NODE(m->epoch) != self_id(n))
		n->other_seen = maxu64(n->other_seen, m->epoch);
}

void persist_promise(struct agree_node *n, uint64_t epoch)
{
	int i = member_index(n, AGREE_EPOCH_NODE(epoch));

	if (epoch <= n->persist.promised)
		return;
	if (i >= 0)
		n->promised_by[i] = epoch;
	n->persist.promised = epoch;
	n->max_seen = maxu64(n->max_seen, epoch);
	out_event(n, AGREE_OUT_PERSIST, epoch)->persist = n->persist;
}

uint64_t next_epoch(const struct agree_node *n)
{
	uint64_t top = maxu64(n->max_seen, n->persist.promised);

	return AGREE_EPOCH(AGREE_EPOCH_ROUND(top) + 1, self_id(n));
}

int agree_init(struct agree_node *n, const struct agree_config *cfg,
	       const struct agree_persist *persist, int64_t now)
{
	struct agree_config c = *cfg;	/* cfg may point into *n */
	int err = agree_config_check(&c, NULL, 0);
	unsigned int i;

	if (err)
		return err;
	memset(n, 0, sizeof(*n));
	n->cfg = c;
	if (persist)
		n->persist = *persist;
	n->self = member_index(n, c.self_id);
	n->majority = c.n_members / 2 + 1;
	lease_params(n);
	n->now = now;
	n->quiet_until = now + n->quiet_len;
	n->rng = (c.seed ^ (0x9e3779b97f4a7c15ULL * c.self_id)) | 1;
	n->healthy = true;
	n->max_seen = n->persist.promised;
	prior_init(n);
	n->role = AGREE_ROLE_BACKUP;
	n->last_hb = now;
	n->phase_deadline = AGREE_NEVER;
	n->reprepare_at = AGREE_NEVER;
	n->no_quorum_at = NO_STAMP;
	for (i = 0; i < c.n_members; i++) {
		n->peer[i].last_heard = NO_STAMP;
		n->peer[i].ack_stamp = NO_STAMP;
		n->peer[i].heard = NO_STAMP;
	}
	return 0;
}

void agree_restart(struct agree_node *n, int64_t now)
{
	struct agree_persist p = n->persist;

	agree_init(n, &n->cfg, &p, now);
}

/*
 * Every entry point: time moves on, a lapsed lease fences first, and an
 * election phase past its deadline ends before a late reply can count.
 */
static void enter(struct agree_node *n, int64_t now)
{
	if (now > n->now)
		n->now = now;
	primary_check_lease(n);
	election_expire(n);
}

void agree_tick(struct agree_node *n, int64_t now)
{
	enter(n, now);
	if (n->role == AGREE_ROLE_PRIMARY)
		primary_tick(n);
	election_tick(n);
	handover_tick(n);
}

/*
 * Ballots name their candidate: a sender speaks only of its own epochs, a
 * reply only of ours. Anything else is dropped (authentication is the
 * daemon's, this only keeps a confused peer from confusing us).
 */
static bool well_formed(const struct agree_node *n, const struct agree_msg *m)
{
	uint32_t owner;

	if (m->from == self_id(n) || member_index(n, m->from) < 0)
		return false;
	if (m->to != AGREE_BROADCAST && m->to != self_id(n))
		return false;
	if (!AGREE_EPOCH_ROUND(m->epoch) || m->n_view > AGREE_MAX_MEMBERS)
		return false;
	switch (m->type) {
	case AGREE_MSG_ACK:
	case AGREE_MSG_PREVOTE_REPLY:
	case AGREE_MSG_PROMISE:
		owner = self_id(n);
		break;
	default:
		owner = m->from;
	}
	return AGREE_EPOCH_NODE(m->epoch) == owner;
}

void agree_recv(struct agree_node *n, int64_t now, const struct agree_msg *m)
{
	enter(n, now);
	if (!well_formed(n, m))
		return;
	n->peer[member_index(n, m->from)].heard = n->now;
	n->max_seen = maxu64(n->max_seen, m->promised);
	seen_other(n, m);
	handover_heard(n, m);
	if (m->type != AGREE_MSG_PREVOTE && m->type != AGREE_MSG_PREVOTE_REPLY)
		n->max_seen = maxu64(n->max_seen, m->epoch);
	switch (m->type) {
	case AGREE_MSG_HEARTBEAT:
		voter_heartbeat(n, m);
		break;
	case AGREE_MSG_ACK:
		primary_ack(n, m);
		break;
	case AGREE_MSG_PREVOTE:
		voter_prevote(n, m);
		break;
	case AGREE_MSG_PREVOTE_REPLY:
	case AGREE_MSG_PROMISE:
		election_reply(n, m);
		break;
	case AGREE_MSG_PREPARE:
		voter_prepare(n, m);
		break;
	case AGREE_MSG_RELEASE:
		voter_release(n, m);
		break;
	case AGREE_MSG_ELECT_NOW:
		voter_elect_now(n, m);
		break;
	}
	election_tick(n);
}

void agree_set_health(struct agree_node *n, int64_t now, bool healthy)
{
	enter(n, now);
	n->healthy = healthy;
	if (!healthy && n->role == AGREE_ROLE_CANDIDATE)
		election_stop(n, false);
	if (n->role == AGREE_ROLE_PRIMARY)
		primary_health(n);
	election_tick(n);
}

void agree_set_conns(struct agree_node *n, int64_t now, uint32_t conns)
{
	enter(n, now);
	n->conns = conns;
}

int agree_request_switchover(struct agree_node *n, int64_t now,
			     uint32_t target)
{
	int t;

	enter(n, now);
	if (n->role != AGREE_ROLE_PRIMARY)
		return -EPERM;
	if (!target) {
		t = rank_best_backup(n);
		if (t < 0)
			return -EAGAIN;
	} else {
		t = member_index(n, target);
		if (t < 0 || (unsigned int)t == n->self || is_witness(n, t))
			return -EINVAL;
		if (!peer_alive(n, t) ||
		    (n->peer[t].flags & (AGREE_VIEW_HEALTHY | AGREE_VIEW_QUIET))
		    != AGREE_VIEW_HEALTHY)
			return -EAGAIN;
	}
	primary_hand_over(n, t, AGREE_FENCE_SWITCHOVER);
	return 0;
}

unsigned int agree_view(const struct agree_node *n,
			struct agree_view_entry view[AGREE_MAX_MEMBERS])
{
	unsigned int i;

	for (i = 0; i < n->cfg.n_members; i++) {
		view[i].id = n->cfg.member[i].id;
		view[i].conns = n->peer[i].conns;
		view[i].flags = n->peer[i].flags;
		if (n->role == AGREE_ROLE_PRIMARY)
			view[i].flags = (view[i].flags & ~AGREE_VIEW_ALIVE) |
				(peer_alive(n, i) ? AGREE_VIEW_ALIVE : 0);
		if (i == n->self) {
			view[i].conns = n->conns;
			view[i].flags = AGREE_VIEW_ALIVE |
				(n->healthy ? AGREE_VIEW_HEALTHY : 0) |
				(n->now < n->quiet_until ? AGREE_VIEW_QUIET : 0);
		}
	}
	return n->cfg.n_members;
}

int64_t agree_next_deadline(const struct agree_node *n)
{
	int64_t d = election_start_time(n);

	if (n->role == AGREE_ROLE_PRIMARY) {
		d = min64(d, n->next_hb);
		d = min64(d, n->lease_expiry);
		d = min64(d, n->reprepare_at);
	}
	d = min64(d, handover_deadline(n));
	return min64(d, election_deadline(n));
}

bool agree_pop(struct agree_node *n, struct agree_out *out)
{
	if (n->out_head == n->out_len) {
		n->out_head = n->out_len = 0;
		return false;
	}
	*out = n->out[n->out_head++];
	return true;
}

const char *agree_msg_name(unsigned int type)
{
	static const char *const names[__AGREE_MSG_MAX] = {
		[AGREE_MSG_HEARTBEAT] = "HEARTBEAT",
		[AGREE_MSG_ACK] = "ACK",
		[AGREE_MSG_PREVOTE] = "PREVOTE",
		[AGREE_MSG_PREVOTE_REPLY] = "PREVOTE_REPLY",
		[AGREE_MSG_PREPARE] = "PREPARE",
		[AGREE_MSG_PROMISE] = "PROMISE",
		[AGREE_MSG_RELEASE] = "RELEASE",
		[AGREE_MSG_ELECT_NOW] = "ELECT_NOW",
	};

	return type < __AGREE_MSG_MAX && names[type] ? names[type] : "?";
}

const char *agree_fence_name(enum agree_fence_reason reason)
{
	switch (reason) {
	case AGREE_FENCE_LAPSED:
		return "lease-lapsed";
	case AGREE_FENCE_STEP_DOWN:
		return "step-down";
	case AGREE_FENCE_SWITCHOVER:
		return "switchover";
	case AGREE_FENCE_SUPERSEDED:
		return "superseded";
	}
	return "?";
}
