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

#include "print.h"
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

/*
 * Every change of the kernel role, with its cause, at notice level (a
 * fence by lease lapse or a kernel refusal at warning level).
 */
static void role_changed(struct td_grp *g, enum td_role role, uint64_t epoch,
			 const char *cause)
{
	enum td_role old = g->role;
	char e[TANDEM_EPOCH_STRLEN];

	g->role = role;
	if (old == role)
		return;
	g->promotions += role == TD_ROLE_PRIMARY;
	td_log(role == TD_ROLE_FENCED && old == TD_ROLE_PRIMARY &&
	       strcmp(cause, "switchover") && strcmp(cause, "step-down") &&
	       strcmp(cause, "standby") ? TD_LOG_WARNING : TD_LOG_NOTICE,
	       "group %s: role %s -> %s, epoch %s: %s", g->cfg->name,
	       td_role_name(old), td_role_name(role),
	       tandem_epoch_str(epoch, e, sizeof(e)), cause);
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
 * node's ballot since (conns_now, agree_seen_other: promised or followed
 * here, or seen in any member's message, so a node partitioned through
 * another's reign learns it from the first replies), and its next
 * promotion resumes them on the quorum's proof (kernel_promote).
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
	role_changed(g, TD_ROLE_FENCED, agree_epoch(&g->node),
		     "the kernel refused the primary role");
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
	if (o->type == AGREE_OUT_PRIMARY && g->fenced_epoch) {
		char e[32], pr[32];

		td_log(TD_LOG_NOTICE,
		       "group %s: primary again after epoch %s: suspended connections %s (prior epoch %s)",
		       g->cfg->name,
		       tandem_epoch_str(g->fenced_epoch, e, sizeof(e)),
		       o->prior < g->fenced_epoch ? "resumed" : "reset",
		       tandem_epoch_str(o->prior, pr, sizeof(pr)));
	}
	g->fenced_epoch = 0;
	role_changed(g, TD_ROLE_PRIMARY, o->epoch,
		     o->type == AGREE_OUT_PRIMARY ? "elected by a majority" :
		     "lease renewed");
}

static void apply_role(struct td_grp *g, enum td_role role, uint64_t epoch,
		       const char *cause)
{
	if (role == TD_ROLE_FENCED)
		fenced(g, epoch);
	else
		g->fenced_epoch = 0;
	if (!g->witness &&
	    kernel_set_role(g->d, g->cfg, role, role == TD_ROLE_FENCED ? 0 : epoch, 0))
		return;
	role_changed(g, role, epoch, cause);
}

/* Why this node is fenced: the core's reason, standby for a step-down. */
static const char *fence_cause(const struct td_grp *g, enum agree_fence_reason r)
{
	if (r == AGREE_FENCE_STEP_DOWN && g->standby)
		return "standby";
	if (r == AGREE_FENCE_LAPSED)
		return "lease-lapsed: a majority did not renew it in time";
	return agree_fence_name(r);
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
	char e[TANDEM_EPOCH_STRLEN];

	if (o->type == AGREE_OUT_SEND)
		td_debug("group %s: -> %s to %u epoch %s flags %#x",
			 g->cfg->name, agree_msg_name(o->msg.type), o->msg.to,
			 tandem_epoch_str(o->msg.epoch, e, sizeof(e)),
			 o->msg.flags);
	else if (o->type == AGREE_OUT_BACKUP)
		td_info("group %s: following node %u in epoch %s",
			g->cfg->name, o->primary,
			tandem_epoch_str(o->epoch, e, sizeof(e)));
	else if (o->type == AGREE_OUT_FENCED)
		td_log(o->reason == AGREE_FENCE_LAPSED ? TD_LOG_WARNING : TD_LOG_INFO,
		       "group %s: fenced in epoch %s: %s", g->cfg->name,
		       tandem_epoch_str(o->epoch, e, sizeof(e)),
		       fence_cause(g, o->reason));
	else if (o->type == AGREE_OUT_PRIMARY)
		td_info("group %s: primary in epoch %s", g->cfg->name,
			tandem_epoch_str(o->epoch, e, sizeof(e)));
}

void grp_drain(struct td_grp *g)
{
	char cause[64];
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
			snprintf(cause, sizeof(cause), "following node %u",
				 o.primary);
			apply_role(g, TD_ROLE_BACKUP, o.epoch, cause);
			break;
		case AGREE_OUT_FENCED:
			if (g->role == TD_ROLE_PRIMARY && o.reason < TD_DEMOTE_CAUSES)
				g->demotions[o.reason]++;
			apply_role(g, TD_ROLE_FENCED, o.epoch,
				   fence_cause(g, o.reason));
			break;
		}
	}
}

/* The core's health: the checks pass and the node is not in standby. */
static void feed_health(struct td_grp *g)
{
	agree_set_health(&g->node, td_now(), g->healthy && !g->standby);
	grp_drain(g);
}

void grp_set_health(struct td_grp *g, bool healthy)
{
	if (g->healthy == healthy)
		return;
	g->healthy = healthy;
	td_log(healthy ? TD_LOG_NOTICE : TD_LOG_WARNING, "group %s: %s",
	       g->cfg->name,
	       healthy ? "healthy" : "unhealthy: not eligible as primary");
	feed_health(g);
}

/*
 * Standby (maintenance): the core is told the node is unhealthy, which
 * every member sees in its messages (AGREE_F_HEALTHY, the view): it never
 * stands, no member counts it as a better candidate, a switchover never
 * targets it, and a primary hands over to the best eligible backup (as an
 * unhealthy primary does; without one it stays primary). It keeps voting
 * and following. Persisted first, so a restart keeps it.
 */
int grp_set_standby(struct td_grp *g, bool standby)
{
	int ret;

	if (g->standby == standby)
		return 0;
	ret = state_standby_write(g, standby);
	if (ret) {
		td_err("group %s: cannot persist the standby state in %s: %s",
		       g->cfg->name, g->d->cfg.state_dir, strerror(-ret));
		return ret;
	}
	g->standby = standby;
	td_notice("group %s: %s", g->cfg->name, standby ?
		  "standby: never elected, hands the primary role over" :
		  "online: eligible as primary again");
	feed_health(g);
	return 0;
}

/* Heard from member i on link l within span. */
static bool heard_within(const struct td_grp *g, unsigned int i,
			 unsigned int l, int64_t now, int64_t span)
{
	return g->heard[i][l] && now - g->heard[i][l] <= span;
}

/* Whether the view's entry of id says alive. */
static bool view_alive(const struct agree_view_entry *v, unsigned int n,
		       uint32_t id)
{
	unsigned int j;

	for (j = 0; j < n; j++)
		if (v[j].id == id)
			return v[j].flags & AGREE_VIEW_ALIVE;
	return false;
}

/*
 * Who should be heard directly: the primary hears every member (acks), a
 * backup only the primary it follows (heartbeats). A backup knows the
 * others from the primary's view, when that view is fresh (the primary
 * heard), and keeps what it knew otherwise, so that a failover does not
 * report every member lost.
 */
static bool member_alive(struct td_grp *g, unsigned int i, int64_t now,
			 int64_t span, const struct agree_view_entry *v,
			 unsigned int nv, bool *direct)
{
	const struct td_member *m = &g->cfg->member[i];
	bool heard = heard_within(g, i, 0, now, span) ||
		     heard_within(g, i, 1, now, span);
	bool primary = agree_role(&g->node) == AGREE_ROLE_PRIMARY;
	int p = -1;
	unsigned int k;

	*direct = primary || m->id == g->node.primary;
	if (*direct || heard)
		return heard;
	for (k = 0; k < g->cfg->n_members; k++)
		if (g->cfg->member[k].id == g->node.primary)
			p = k;
	if (p >= 0 && (heard_within(g, p, 0, now, span) ||
		       heard_within(g, p, 1, now, span)))
		return view_alive(v, nv, m->id);
	return g->known[i] && !g->lost[i];	/* no news: as it was */
}

/*
 * A member is lost when nothing was heard from it for a lease (or
 * miss_count heartbeats if longer), directly or, for a backup, in the
 * primary's view (alive there: heard within miss_count heartbeats); a
 * link (with addr2) when nothing came on it from a member that should be
 * heard directly. Each change is logged once.
 */
void grp_watch_members(struct td_grp *g, int64_t now)
{
	int64_t span = g->cfg->agree.miss_count * g->cfg->agree.hb_interval;
	/* no less than a lease: late acks on a loaded host are not news */
	if (span < g->cfg->agree.lease)
		span = g->cfg->agree.lease;
	struct agree_view_entry v[AGREE_MAX_MEMBERS];
	unsigned int i, l, nv = agree_view(&g->node, v);

	for (i = 0; i < g->cfg->n_members; i++) {
		const struct td_member *m = &g->cfg->member[i];
		unsigned int links = m->addr2.len ? 2 : 1;
		bool direct, alive;

		if (m->id == g->cfg->agree.self_id)
			continue;
		alive = member_alive(g, i, now, span, v, nv, &direct);
		if (alive && !g->known[i])
			td_info("group %s: member %u heard", g->cfg->name, m->id);
		else if (alive && g->lost[i])
			td_notice("group %s: member %u regained", g->cfg->name,
				  m->id);
		else if (!alive && g->known[i] && !g->lost[i])
			td_warn("group %s: member %u lost: nothing heard from it on any link",
				g->cfg->name, m->id);
		g->known[i] |= alive;
		g->lost[i] = g->known[i] && !alive;
		for (l = 0; l < links; l++) {
			bool up = heard_within(g, i, l, now, span);

			if (links > 1 && direct && alive && up != g->alive[i][l])
				td_log(up ? TD_LOG_NOTICE : TD_LOG_WARNING,
				       "group %s: node %u link %u %s", g->cfg->name,
				       m->id, l + 1, up ? "up" : "down: nothing heard on it");
			g->alive[i][l] = up;
		}
	}
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

	if (g->fenced_epoch && agree_seen_other(&g->node) >= g->fenced_epoch)
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
	grp_watch_members(g, now);
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
		char k[TANDEM_EPOCH_STRLEN], f[TANDEM_EPOCH_STRLEN];

		td_info("group %s: the kernel's epoch %s is above the state file's %s: promised from it",
			g->cfg->name, tandem_epoch_str(epoch, k, sizeof(k)),
			tandem_epoch_str(g->persisted.promised, f, sizeof(f)));
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
	if (!ret)
		ret = state_standby_read(g, &g->standby);
	return ret;
}

int grp_start(struct td_daemon *d, struct td_grp *g, const struct td_group *cfg)
{
	struct agree_config c = cfg->agree;
	char e[TANDEM_EPOCH_STRLEN];
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
	td_notice("group %s: started as node %u%s, promised epoch %s, kernel role %s%s",
		  cfg->name, c.self_id, g->witness ? " (witness)" : "",
		  tandem_epoch_str(g->persisted.promised, e, sizeof(e)),
		  g->witness ? "none" : td_role_name(g->role),
		  g->standby ? ", in standby (tandem node online ends it)" : "");
	if (g->standby)
		agree_set_health(&g->node, now, false);
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
