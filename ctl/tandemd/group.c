// SPDX-License-Identifier: GPL-2.0
/*
 * One group's agreement core and the integration contract of
 * docs/agreement.md: the outbox is drained strictly in order, a PERSIST
 * record is on disk (fsync'ed) before anything after it is sent, and a
 * role decision is applied to the kernel before anything after it is sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "tandemd.h"

const char *td_role_name(enum td_role role)
{
	switch (role) {
	case TD_ROLE_NONE:
		return "none";
	case TD_ROLE_FENCED:
		return "fenced";
	case TD_ROLE_BACKUP:
		return "backup";
	case TD_ROLE_PRIMARY:
		return "primary";
	}
	return "?";
}

static void role_changed(struct td_grp *g, enum td_role role, uint64_t epoch)
{
	enum td_role old = g->role;

	g->role = role;
	if (old == role)
		return;
	g->promotions += role == TD_ROLE_PRIMARY;
	td_info("group %s: role %s -> %s, epoch %" PRIu64 " (round %u, node %u)",
		g->cfg->name, td_role_name(old), td_role_name(role), epoch,
		AGREE_EPOCH_ROUND(epoch), AGREE_EPOCH_NODE(epoch));
	hook_role_change(g, old, role, epoch);
}

/*
 * The kernel refused to make or keep this node primary (a lease that
 * lapsed there before the renewal arrived, say). The core must not go on
 * as primary: hand over like a switchover, or, without a backup to hand
 * over to, restart the core (a backup, quiet for a while; its lease counts
 * until it lapses, exactly as after a daemon restart).
 */
static void kernel_lost(struct td_grp *g);

/*
 * A kernel primary fenced (lease, switchover, step-down) suspends its
 * connections: they stay its rank until the agreement shows another
 * node's ballot since (conns_now), and its next promotion resumes them on
 * the quorum's proof (kernel_promote).
 */
static void fenced(struct td_grp *g, uint64_t epoch)
{
	if (g->role == TD_ROLE_PRIMARY)
		g->fenced_epoch = epoch;
}

static void kernel_lost(struct td_grp *g)
{
	int64_t now = td_now();
	int ret;

	kernel_set_role(g->d, g->cfg, TD_ROLE_FENCED, 0, 0);
	if (g->role == TD_ROLE_PRIMARY)
		g->demotions[TD_DEMOTE_KERNEL]++;
	fenced(g, agree_epoch(&g->node));
	role_changed(g, TD_ROLE_FENCED, agree_epoch(&g->node));
	if (agree_role(&g->node) != AGREE_ROLE_PRIMARY)
		return;
	ret = agree_request_switchover(&g->node, now, 0);
	if (!ret) {
		td_warn("group %s: the kernel is not primary: handing over",
			g->cfg->name);
		return;
	}
	td_warn("group %s: the kernel is not primary and no backup can take over (%s): restarting the agreement",
		g->cfg->name, strerror(-ret));
	agree_restart(&g->node, now);
}

/*
 * A renewal leaves about a lease ahead: the core renews every heartbeat,
 * up to L(1 - rho) past the newest heartbeat a majority acked. Less than
 * half a lease left means some part of the path (this daemon, a backup's,
 * the network) was late by as much: said at most every 10 s.
 */
static void check_late(struct td_grp *g, int64_t now, int64_t expiry)
{
	int64_t lease = g->cfg->agree.lease, left = expiry - now;

	if (left >= lease / 2 ||
	    (g->late_warned && now - g->late_warned < 10 * NS_PER_S))
		return;
	g->late_warned = now;
	td_warn("group %s: lease renewed with %lld ms left of %lld: heartbeats or acks were %lld ms late (load, scheduling, network)",
		g->cfg->name, (long long)(left / NS_PER_MS),
		(long long)(lease / NS_PER_MS),
		(long long)((lease - left) / NS_PER_MS));
}

/*
 * The kernel lease is the core's expiry itself, an absolute CLOCK_MONOTONIC
 * instant: however late the request is applied, the kernel's lease ends
 * when the agreed one does. (Capped at the kernel's maximum ahead.)
 */
static void apply_primary(struct td_grp *g, const struct agree_out *o)
{
	int64_t now = td_now(), expiry = o->lease_expiry;
	int ret;

	if (g->witness)
		return;
	if (expiry > now + (int64_t)TANDEM_LEASE_MAX_MS * NS_PER_MS)
		expiry = now + (int64_t)TANDEM_LEASE_MAX_MS * NS_PER_MS;
	if (expiry <= now) {
		/* Lapses before it could be applied: the core fences next. */
		td_debug("group %s: lease already over, not applied", g->cfg->name);
		if (o->type == AGREE_OUT_PRIMARY)
			kernel_lost(g);
		return;
	}
	if (o->type == AGREE_OUT_LEASE && g->role == TD_ROLE_PRIMARY) {
		check_late(g, now, expiry);
		ret = kernel_renew(g->d, g->cfg, expiry);
	}
	else
		ret = kernel_promote(g->d, g->cfg, o->epoch, expiry, o->prior);
	if (ret) {
		kernel_lost(g);
		return;
	}
	if (o->type == AGREE_OUT_PRIMARY && g->fenced_epoch)
		td_info("group %s: primary again after epoch %" PRIu64 ": suspended connections %s (prior epoch %" PRIu64 ")",
			  g->cfg->name, g->fenced_epoch,
			  o->prior < g->fenced_epoch ? "resumed" : "reset",
			  o->prior);
	g->fenced_epoch = 0;
	role_changed(g, TD_ROLE_PRIMARY, o->epoch);
}

static void apply_role(struct td_grp *g, enum td_role role, uint64_t epoch)
{
	if (role == TD_ROLE_FENCED)
		fenced(g, epoch);
	else
		g->fenced_epoch = 0;
	if (!g->witness &&
	    kernel_set_role(g->d, g->cfg, role, role == TD_ROLE_FENCED ? 0 : epoch, 0))
		return;
	role_changed(g, role, epoch);
}

static int persist(struct td_grp *g, const struct agree_persist *p)
{
	int ret = state_write(g->state_path, p, g->incarnation);

	if (ret) {
		td_err("group %s: cannot write the promised epoch to %s: %s; stopping (the kernel lease fences this node)",
		       g->cfg->name, g->state_path, strerror(-ret));
		g->d->stop = true;
		g->d->failed = true;
		return ret;
	}
	g->persisted = *p;
	return 0;
}

static void log_out(const struct td_grp *g, const struct agree_out *o)
{
	if (o->type == AGREE_OUT_SEND)
		td_debug("group %s: -> %s to %u epoch %#" PRIx64 " flags %#x",
			 g->cfg->name, agree_msg_name(o->msg.type), o->msg.to,
			 o->msg.epoch, o->msg.flags);
	else if (o->type == AGREE_OUT_BACKUP)
		td_info("group %s: following node %u in epoch %" PRIu64,
			g->cfg->name, o->primary, o->epoch);
	else if (o->type == AGREE_OUT_FENCED)
		td_info("group %s: fenced in epoch %" PRIu64 ": %s", g->cfg->name,
			o->epoch, agree_fence_name(o->reason));
	else if (o->type == AGREE_OUT_PRIMARY)
		td_info("group %s: primary in epoch %" PRIu64, g->cfg->name,
			o->epoch);
}

void grp_drain(struct td_grp *g)
{
	struct agree_out o;

	while (!g->d->failed && agree_pop(&g->node, &o)) {
		log_out(g, &o);
		switch (o.type) {
		case AGREE_OUT_SEND:
			peer_send(g, &o.msg);
			break;
		case AGREE_OUT_PERSIST:
			persist(g, &o.persist);
			break;
		case AGREE_OUT_PRIMARY:
		case AGREE_OUT_LEASE:
			apply_primary(g, &o);
			break;
		case AGREE_OUT_BACKUP:
			apply_role(g, TD_ROLE_BACKUP, o.epoch);
			break;
		case AGREE_OUT_FENCED:
			if (g->role == TD_ROLE_PRIMARY && o.reason < TD_DEMOTE_CAUSES)
				g->demotions[o.reason]++;
			apply_role(g, TD_ROLE_FENCED, o.epoch);
			break;
		}
	}
}

void grp_set_health(struct td_grp *g, bool healthy)
{
	if (g->healthy == healthy)
		return;
	g->healthy = healthy;
	td_info("group %s: %s", g->cfg->name,
		healthy ? "healthy" : "unhealthy: not eligible as primary");
	agree_set_health(&g->node, td_now(), healthy);
	grp_drain(g);
}

bool grp_hand_over(struct td_grp *g)
{
	int ret;

	if (agree_role(&g->node) != AGREE_ROLE_PRIMARY)
		return false;
	ret = agree_request_switchover(&g->node, td_now(), 0);
	if (ret) {
		td_warn("group %s: no backup to hand over to (%s): the kernel lease fences this node when it lapses",
			g->cfg->name, strerror(-ret));
		return false;
	}
	td_info("group %s: handing over to the best backup before exiting",
		g->cfg->name);
	g->handing_over = true;
	g->handover_epoch = agree_epoch(&g->node);
	grp_drain(g);
	return true;
}

bool grp_handed_over(const struct td_grp *g)
{
	return !g->handing_over ||
	       (agree_role(&g->node) != AGREE_ROLE_PRIMARY && g->node.primary &&
		agree_epoch(&g->node) > g->handover_epoch);
}

/*
 * The core's rank, read when it stands and when it votes: the kernel's
 * count at that moment, not the periodic one (a primary whose lease just
 * lapsed may have lost every connection since). A count that cannot be
 * read ranks as 0: a node must not claim connections it cannot show.
 */
static int read_conns(struct td_grp *g, uint32_t *n)
{
	uint32_t except = 0;

	if (g->fenced_epoch &&
	    agree_prior(&g->node, g->cfg->agree.self_id) >= g->fenced_epoch)
		except = TANDEM_CONN_SUSPENDED;
	return kernel_conns_except(g->d, g->cfg, except, n);
}

static uint32_t conns_now(void *arg)
{
	struct td_grp *g = arg;
	uint32_t n;

	if (g->witness)
		return 0;
	if (read_conns(g, &n)) {
		td_warn("group %s: cannot count the protected connections: ranking with 0",
			g->cfg->name);
		n = 0;
	}
	if (n != g->conns)
		td_debug("group %s: %u protected connections (was %u)",
			 g->cfg->name, n, g->conns);
	g->conns = n;
	return n;
}

static void count_conns(struct td_grp *g, int64_t now)
{
	uint32_t n;

	g->next_conns = now + g->cfg->conns_interval;
	if (g->witness || read_conns(g, &n) || n == g->conns)
		return;
	g->conns = n;
	agree_set_conns(&g->node, now, n);
	grp_drain(g);
}

void grp_timers(struct td_grp *g, int64_t now)
{
	if (now >= agree_next_deadline(&g->node)) {
		agree_tick(&g->node, now);
		grp_drain(g);
	}
	if (now >= g->next_conns)
		count_conns(g, now);
}

int64_t grp_deadline(const struct td_grp *g)
{
	int64_t t = agree_next_deadline(&g->node);

	if (!g->witness && g->next_conns < t)
		t = g->next_conns;
	return t;
}

static enum td_role from_kernel(uint8_t role)
{
	switch (role) {
	case TANDEM_ROLE_PRIMARY:
		return TD_ROLE_PRIMARY;
	case TANDEM_ROLE_BACKUP:
		return TD_ROLE_BACKUP;
	default:
		return TD_ROLE_FENCED;
	}
}

/* The kernel group as configured, and its epoch in the promise. */
static int start_kernel(struct td_grp *g)
{
	uint64_t epoch = 0;
	uint8_t role = 0;
	int ret;

	ret = kernel_setup(g->d, g->cfg);
	if (!ret)
		ret = kernel_group_epoch(g->d, g->cfg, &epoch, &role);
	if (ret)
		return ret;
	g->role = from_kernel(role);
	/* A primary or fenced kernel group is (or will be) a fenced primary. */
	if (g->role != TD_ROLE_BACKUP)
		g->fenced_epoch = epoch;
	if (epoch > g->persisted.promised) {
		td_info("group %s: the kernel's epoch %" PRIu64 " is above the state file's %" PRIu64 ": promised from it",
			g->cfg->name, epoch, g->persisted.promised);
		g->persisted.promised = epoch;
	}
	return 0;
}

static int start_state(struct td_grp *g)
{
	int ret;

	snprintf(g->state_path, sizeof(g->state_path), "%s/%s.state",
		 g->d->cfg.state_dir, g->cfg->name);
	ret = state_read(g->state_path, &g->persisted, &g->incarnation);
	if (ret)
		td_err("group %s: cannot read %s: %s", g->cfg->name,
		       g->state_path, ret == -EINVAL ? "malformed" : strerror(-ret));
	return ret;
}

int grp_start(struct td_daemon *d, struct td_grp *g, const struct td_group *cfg)
{
	struct agree_config c = cfg->agree;
	int64_t now;
	int ret;

	memset(g, 0, sizeof(*g));
	g->d = d;
	g->cfg = cfg;
	g->sock.fd = -1;
	g->sock2.fd = -1;
	g->healthy = true;
	g->witness = config_member(cfg, cfg->agree.self_id)->witness;
	ret = start_state(g);
	if (!ret && !g->witness)
		ret = start_kernel(g);
	if (ret)
		return ret;
	g->incarnation++;
	ret = state_write(g->state_path, &g->persisted, g->incarnation);
	if (ret) {
		td_err("group %s: cannot write %s: %s", cfg->name, g->state_path,
		       strerror(-ret));
		return ret;
	}
	ret = peer_open(g);
	if (ret)
		return ret;
	if (getrandom(&c.seed, sizeof(c.seed), 0) != sizeof(c.seed))
		c.seed = td_now();
	c.read_conns = conns_now;
	c.read_conns_arg = g;
	now = td_now();
	ret = agree_init(&g->node, &c, &g->persisted, now);
	if (ret) {
		td_err("group %s: cannot start the agreement: %s", cfg->name,
		       strerror(-ret));
		return ret;
	}
	td_info("group %s: started as node %u%s, promised epoch %" PRIu64 ", kernel role %s",
		cfg->name, c.self_id, g->witness ? " (witness)" : "",
		g->persisted.promised, g->witness ? "none" : td_role_name(g->role));
	g->next_conns = now;
	ret = health_start(g, NULL, 0);
	if (ret)
		return ret;
	grp_drain(g);
	return 0;
}

void grp_stop(struct td_grp *g)
{
	health_stop(g);
	peer_close(g);
}
