// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: a unix stream socket (a path, or an abstract name
 * "@name", which lives in the network namespace like the groups do). One
 * request line per connection, one JSON reply, then close:
 *
 *   status                      {"node_id":N,"groups":[...]}
 *   switchover GROUP [NODE]     {"ok":true,"primary":N,"epoch":E} once this
 *                               node follows the new primary (or
 *                               {"ok":true,"pending":true} after 1.5 s,
 *                               4 s if forwarded),
 *                               or {"error":"..."}; on a backup, forwarded
 *                               to the primary (forward.c)
 *   standby [GROUP]             every group (or GROUP) in standby; the reply
 *   online [GROUP]              lists them: {"ok":true,"groups":[{"name":..,
 *                               "standby":B,"role":..}]}; a primary that
 *                               goes standby is answered like a switchover
 *
 * Anybody who can connect may ask for the status; the others need the
 * peer to be root or tandemd's own user (SO_PEERCRED). Epochs are numbers,
 * with their BALLOT.NODE text next to them ("epoch_str").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctlsock.h"
#include "parse.h"
#include "print.h"
#include "tandemd.h"

#define CTL_LINE_MAX 512

struct ctl_client {
	struct td_watch w;
	size_t len;
	char buf[CTL_LINE_MAX];
};

static const char *core_role(enum agree_role r)
{
	return r == AGREE_ROLE_PRIMARY ? "primary" :
	       r == AGREE_ROLE_CANDIDATE ? "candidate" : "backup";
}

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

/*
 * Per link (the replication address, then addr2 if configured): ms since
 * the last authenticated datagram from that member on it, null if none.
 */
static struct json_object *links_json(const struct td_grp *g, uint32_t id,
				      int64_t now)
{
	struct json_object *a = json_object_new_array();
	unsigned int i, l;

	for (i = 0; i < g->cfg->n_members; i++) {
		if (g->cfg->member[i].id != id)
			continue;
		for (l = 0; l < (g->cfg->member[i].addr2.len ? 2U : 1U); l++)
			json_object_array_add(a, g->heard[i][l] ?
				json_object_new_int64((now - g->heard[i][l]) / NS_PER_MS) :
				NULL);
	}
	return a;
}

static struct json_object *member_json(const struct td_grp *g,
				       const struct agree_view_entry *v,
				       int64_t now)
{
	const struct td_member *m = config_member(g->cfg, v->id);
	struct json_object *o = json_object_new_object();

	add(o, "node_id", json_object_new_uint64(v->id));
	add(o, "self", json_object_new_boolean(v->id == g->cfg->agree.self_id));
	add(o, "priority", json_object_new_int(m ? m->priority : 0));
	add(o, "witness", json_object_new_boolean(m && m->witness));
	add(o, "alive", json_object_new_boolean(v->flags & AGREE_VIEW_ALIVE));
	add(o, "healthy", json_object_new_boolean(v->flags & AGREE_VIEW_HEALTHY));
	add(o, "quiet", json_object_new_boolean(v->flags & AGREE_VIEW_QUIET));
	add(o, "conns", json_object_new_uint64(v->conns));
	if (v->id != g->cfg->agree.self_id)
		add(o, "links", links_json(g, v->id, now));
	return o;
}

static struct json_object *checks_json(const struct td_grp *g)
{
	struct json_object *a = json_object_new_array();
	unsigned int i;

	for (i = 0; i < g->n_checks; i++) {
		const struct td_check_state *cs = &g->checks[i];
		struct json_object *o = json_object_new_object();
		static const char *const types[] = { "?", "tcp", "http", "exec" };

		add(o, "port", json_object_new_int(cs->svc->port));
		add(o, "type", json_object_new_string(types[cs->cfg->type]));
		add(o, "healthy", json_object_new_boolean(cs->healthy));
		if (cs->last[0])
			add(o, "last_error", json_object_new_string(cs->last));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *group_json(const struct td_grp *g, int64_t now)
{
	struct agree_view_entry view[AGREE_MAX_MEMBERS];
	struct json_object *o = json_object_new_object();
	struct json_object *members = json_object_new_array();
	const struct agree_node *n = &g->node;
	unsigned int i, cnt = agree_view(n, view);

	add(o, "name", json_object_new_string(g->cfg->name));
	add(o, "node_id", json_object_new_uint64(g->cfg->agree.self_id));
	add(o, "witness", json_object_new_boolean(g->witness));
	add(o, "role", json_object_new_string(core_role(agree_role(n))));
	add(o, "kernel_role", json_object_new_string(td_role_name(g->role)));
	add(o, "datapath", json_object_new_string(g->witness ? "none" :
						   backend_name(g->d)));
	add(o, "standby", json_object_new_boolean(g->standby));
	add(o, "epoch", json_object_new_uint64(agree_epoch(n)));
	tandem_add_epoch_str(o, "epoch", agree_epoch(n));
	add(o, "promised", json_object_new_uint64(g->persisted.promised));
	tandem_add_epoch_str(o, "promised", g->persisted.promised);
	add(o, "primary", json_object_new_uint64(agree_role(n) == AGREE_ROLE_PRIMARY ?
			g->cfg->agree.self_id : n->primary));
	if (agree_role(n) == AGREE_ROLE_PRIMARY)
		add(o, "lease_remaining_ms", json_object_new_int64(
			(agree_lease_expiry(n) - now) / NS_PER_MS));
	add(o, "healthy", json_object_new_boolean(g->healthy));
	add(o, "conns", json_object_new_uint64(g->conns));
	add(o, "rx_dropped", json_object_new_uint64(g->rx_bad));
	add(o, "rx_replayed", json_object_new_uint64(g->rx_replay));
	add(o, "rx_duplicates", json_object_new_uint64(g->rx_dup));
	for (i = 0; i < cnt; i++)
		json_object_array_add(members, member_json(g, &view[i], now));
	add(o, "members", members);
	add(o, "checks", checks_json(g));
	return o;
}

static struct json_object *status(struct td_daemon *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *groups = json_object_new_array();
	int64_t now = td_now();
	unsigned int i;

	add(o, "node_id", json_object_new_uint64(d->cfg.node_id));
	for (i = 0; i < d->n_grps; i++)
		json_object_array_add(groups, group_json(d->grps[i], now));
	add(o, "groups", groups);
	return o;
}

static struct json_object *error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static struct json_object *error(const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add(o, "error", json_object_new_string(msg));
	return o;
}

static bool privileged(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

/*
 * A named target must protect every connection this primary serves (as
 * the kernels last counted them: the target's count from its acks, ours
 * now); the others would be reset at its takeover. The best backup is
 * chosen by that count already.
 */
static bool target_short(struct td_grp *g, uint32_t target, uint32_t *has,
			 uint32_t *want)
{
	struct agree_view_entry v[AGREE_MAX_MEMBERS];
	unsigned int i, n = agree_view(&g->node, v);

	*want = g->conns;
	if (!g->witness && agree_role(&g->node) == AGREE_ROLE_PRIMARY)
		kernel_conns(g->d, g->cfg, want);
	for (i = 0; i < n; i++)
		if (v[i].id == target) {
			*has = v[i].conns;
			return *has < *want;
		}
	return false;
}

/*
 * An accepted switchover is answered once the old primary (this node)
 * follows a primary of a higher epoch, or after CTL_WAIT_NS
 * (CTL_WAIT_FWD_NS for one forwarded from a backup: the request's copies
 * and, under loss, the election's retries take longer; the CLI waits 5 s
 * for a reply): {"ok":true,"primary":N,"epoch":E}, or
 * {"ok":true,"pending":true} if the new primary was not heard by then.
 */
#define CTL_WAITS_MAX 8
#define CTL_WAIT_NS (1500 * NS_PER_MS)
#define CTL_WAIT_FWD_NS (4000 * NS_PER_MS)

struct ctl_wait {
	int fd;
	char group[TANDEM_GROUP_NAME_MAX];
	uint64_t epoch;			/* of the old reign */
	int64_t deadline;
	bool forwarded;			/* asked of the primary (forward.c) */
};

static struct ctl_wait waits[CTL_WAITS_MAX];
static unsigned int n_waits;

static void send_reply(int fd, struct json_object *reply)
{
	const char *text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);

	if (send(fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ||
	    send(fd, "\n", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		td_debug("control: cannot send a reply: %s", strerror(errno));
	json_object_put(reply);
}

static struct td_grp *find_grp(struct td_daemon *d, const char *name)
{
	unsigned int i;

	for (i = 0; i < d->n_grps; i++)
		if (d->grps[i] && !strcmp(d->grps[i]->cfg->name, name))
			return d->grps[i];
	return NULL;
}

/* Answer wait i if its switchover is done, or now if force; true if done. */
static bool wait_done(struct td_daemon *d, unsigned int i, int64_t now, bool force)
{
	struct ctl_wait *w = &waits[i];
	struct td_grp *g = find_grp(d, w->group);
	struct json_object *o;
	uint32_t primary = !g ? 0 : agree_role(&g->node) == AGREE_ROLE_PRIMARY ?
			   g->cfg->agree.self_id : g->node.primary;
	bool done = g && primary && agree_epoch(&g->node) > w->epoch &&
		    agree_role(&g->node) != AGREE_ROLE_CANDIDATE;

	if (!done && !force && g && now < w->deadline)
		return false;
	o = json_object_new_object();
	add(o, "ok", json_object_new_boolean(true));
	if (done) {
		add(o, "primary", json_object_new_uint64(primary));
		add(o, "epoch", json_object_new_uint64(agree_epoch(&g->node)));
		tandem_add_epoch_str(o, "epoch", agree_epoch(&g->node));
	} else {
		add(o, "pending", json_object_new_boolean(true));
	}
	send_reply(w->fd, o);
	close(w->fd);
	waits[i] = waits[--n_waits];
	return true;
}

void control_timers(struct td_daemon *d, int64_t now)
{
	unsigned int i = 0;

	while (i < n_waits)
		if (!wait_done(d, i, now, false))
			i++;
	forward_timers(d, now);
}

int64_t control_deadline(void)
{
	int64_t t = forward_deadline();
	unsigned int i;

	for (i = 0; i < n_waits; i++)
		if (waits[i].deadline < t)
			t = waits[i].deadline;
	return t;
}

const char *control_switchover_error(int err)
{
	switch (err) {
	case -EPERM:
		return "this node is not the primary";
	case -ESTALE:
		return "the primary moved on to another epoch meanwhile";
	case -EINVAL:
		return "the target cannot stand (a witness, the primary itself, or not a member)";
	case -EAGAIN:
		return "no target alive, healthy, not in standby and past its quiet period";
	case -EXDEV:
		return "the target does not protect every connection of the primary: the others would be reset at its takeover";
	case -ENOENT:
		return "this node is not the primary and follows none to forward the switchover to";
	}
	return strerror(-err);
}

int control_switchover(struct td_grp *g, uint64_t target, char *msg, size_t size)
{
	uint32_t has, want;
	int ret;

	msg[0] = '\0';
	if (target && agree_role(&g->node) == AGREE_ROLE_PRIMARY &&
	    target_short(g, target, &has, &want)) {
		snprintf(msg, size, "node %" PRIu64 " protects %u of the %u connections of this primary: the others would be reset at its takeover (switch over to the best backup, or wait until it protects them)",
			 target, has, want);
		return -EXDEV;
	}
	ret = agree_request_switchover(&g->node, td_now(), target);
	if (ret) {
		snprintf(msg, size, "%s", control_switchover_error(ret));
		return ret;
	}
	if (target)
		td_notice("group %s: switchover to node %" PRIu64 " requested",
			  g->cfg->name, target);
	else
		td_notice("group %s: switchover to the best backup requested",
			  g->cfg->name);
	grp_drain(g);
	return 0;
}

static void wait_for(struct ctl_wait *wait, struct td_grp *g, bool forwarded)
{
	wait->epoch = agree_epoch(&g->node);
	snprintf(wait->group, sizeof(wait->group), "%s", g->cfg->name);
	wait->deadline = td_now() + (forwarded ? CTL_WAIT_FWD_NS : CTL_WAIT_NS);
	wait->forwarded = forwarded;
}

static struct json_object *switchover(struct td_daemon *d, int fd, char *args,
				      struct ctl_wait *wait)
{
	char *save, *name = strtok_r(args, " \t", &save);
	char *node = strtok_r(NULL, " \t", &save);
	struct td_grp *g;
	uint64_t target = 0;
	char msg[256];
	int ret;

	if (!privileged(fd))
		return error("%s", "permission denied (root only)");
	if (!name || (node && parse_u64(node, 1, UINT32_MAX, &target)))
		return error("%s", "expected GROUP [NODE_ID]");
	g = find_grp(d, name);
	if (!g)
		return error("no group %s here", name);
	ret = control_switchover(g, target, msg, sizeof(msg));
	if (ret == -EPERM) {
		/* a backup: the primary it follows decides (forward.c) */
		ret = forward_switchover(g, target);
		if (ret)
			return error("%s: %s", name, control_switchover_error(ret));
		wait_for(wait, g, true);
		return json_object_new_object();
	}
	if (ret)
		return error("%s: %s", name, msg);
	wait_for(wait, g, false);
	return json_object_new_object();
}

void control_forward_failed(struct td_daemon *d, struct td_grp *g, int err)
{
	unsigned int i = 0;

	(void)d;
	while (i < n_waits) {
		struct ctl_wait *w = &waits[i];

		if (!w->forwarded || strcmp(w->group, g->cfg->name)) {
			i++;
			continue;
		}
		send_reply(w->fd, error("%s: the primary, node %u, refused: %s",
					w->group, g->node.primary,
					control_switchover_error(err)));
		close(w->fd);
		waits[i] = waits[--n_waits];
	}
}

/*
 * standby|online [GROUP]: for each group (or GROUP). Answered at once,
 * unless a single group was primary and handed over: then like a
 * switchover, once the new primary is followed.
 */
static struct json_object *standby(struct td_daemon *d, int fd, char *args,
				   bool on, struct ctl_wait *wait)
{
	char *save, *name = strtok_r(args, " \t", &save);
	struct json_object *o, *groups;
	struct td_grp *one = NULL;
	unsigned int i, n = 0;
	bool was_primary = false;
	uint64_t reign = 0;
	int ret;

	if (!privileged(fd))
		return error("%s", "permission denied (root only)");
	if (name && !find_grp(d, name))
		return error("no group %s here", name);
	groups = json_object_new_array();
	for (i = 0; i < d->n_grps; i++) {
		struct td_grp *g = d->grps[i];
		struct json_object *x;

		if (name && strcmp(g->cfg->name, name))
			continue;
		one = g;
		n++;
		was_primary = agree_role(&g->node) == AGREE_ROLE_PRIMARY;
		reign = agree_epoch(&g->node);
		ret = grp_set_standby(g, on);
		if (ret) {
			json_object_put(groups);
			return error("%s: cannot persist the standby state: %s",
				     g->cfg->name, strerror(-ret));
		}
		x = json_object_new_object();
		add(x, "name", json_object_new_string(g->cfg->name));
		add(x, "standby", json_object_new_boolean(g->standby));
		add(x, "role", json_object_new_string(core_role(agree_role(&g->node))));
		json_object_array_add(groups, x);
	}
	if (on && n == 1 && was_primary &&
	    agree_role(&one->node) != AGREE_ROLE_PRIMARY) {
		json_object_put(groups);
		wait_for(wait, one, false);
		wait->epoch = reign;	/* the reign handed over */
		return json_object_new_object();
	}
	o = json_object_new_object();
	add(o, "ok", json_object_new_boolean(true));
	add(o, "groups", groups);
	return o;
}

/* The reply to line; NULL: an accepted switchover, answered later (*wait). */
static struct json_object *handle(struct td_daemon *d, int fd, char *line,
				  struct ctl_wait *wait)
{
	line[strcspn(line, "\r\n")] = '\0';
	if (!strcmp(line, "status"))
		return status(d);
	if (!strncmp(line, "switchover ", 11) || !strcmp(line, "standby") ||
	    !strncmp(line, "standby ", 8) || !strcmp(line, "online") ||
	    !strncmp(line, "online ", 7)) {
		struct json_object *o = line[1] == 'w' ?
			switchover(d, fd, line + 11, wait) :
			standby(d, fd, line + (line[1] == 't' ? 7 : 6),
				line[1] == 't', wait);

		if (json_object_object_get_ex(o, "error", NULL) || !wait->group[0])
			return o;
		if (n_waits < CTL_WAITS_MAX) {
			json_object_put(o);
			return NULL;
		}
		add(o, "ok", json_object_new_boolean(true));
		return o;
	}
	return error("unknown request \"%.64s\": expected status, switchover, standby or online", line);
}

static void client_close(struct td_daemon *d, struct ctl_client *c)
{
	loop_del(d, &c->w);
	close(c->w.fd);
	free(c);
}

static void client_ready(struct td_daemon *d, struct td_watch *w, uint32_t events)
{
	struct ctl_client *c = (struct ctl_client *)w;
	struct json_object *reply;
	struct ctl_wait wait = { .fd = -1 };
	ssize_t n;

	(void)events;
	n = recv(w->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0)
		c->len += n;
	c->buf[c->len] = '\0';
	if (n > 0 && !strchr(c->buf, '\n') && c->len < sizeof(c->buf) - 1)
		return;
	if (c->len) {
		reply = handle(d, w->fd, c->buf, &wait);
		if (!reply) {
			/* keep the connection, unpolled, until wait_done() */
			loop_del(d, &c->w);
			wait.fd = c->w.fd;
			waits[n_waits++] = wait;
			free(c);
			control_timers(d, td_now());
			return;
		}
		send_reply(w->fd, reply);
	}
	client_close(d, c);
}

static void control_accept(struct td_daemon *d, struct td_watch *w, uint32_t events)
{
	struct ctl_client *c;
	int fd;

	(void)events;
	fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->w.fd = fd;
	c->w.fn = client_ready;
	if (loop_add(d, &c->w, EPOLLIN)) {
		close(fd);
		free(c);
	}
}

int control_open(struct td_daemon *d)
{
	const char *path = d->cfg.control;
	struct sockaddr_un sun;
	socklen_t len = tandem_ctlsock_addr(path, &sun);
	struct stat st;
	int fd, ret;

	if (!len) {
		td_err("control socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	if (path[0] != '@' && !lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, len) ||
	    (path[0] != '@' && chmod(path, 0600)) || listen(fd, 16)) {
		ret = -errno;
		td_err("cannot open the control socket %s: %s", path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	d->control.fd = fd;
	d->control.fn = control_accept;
	return loop_add(d, &d->control, EPOLLIN);
}

void control_close(struct td_daemon *d)
{
	while (n_waits)
		wait_done(d, 0, 0, true);
	if (d->control.fd < 0)
		return;
	loop_del(d, &d->control);
	close(d->control.fd);
	d->control.fd = -1;
	if (d->cfg.control[0] != '@')
		unlink(d->cfg.control);
}
