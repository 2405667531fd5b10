// SPDX-License-Identifier: GPL-2.0
/*
 * The kmod backend (backend.h): the kernel side of a group, through lib/
 * (request.c; print.c decodes the kernel's objects into struct tandem_req,
 * read by attribute type): configure it idempotently, apply role decisions
 * and leases, count its protected connections.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <stdlib.h>
#include <libmnl/libmnl.h>

#include "print.h"
#include "request.h"
#include "tandemd.h"

static void req_group(struct tandem_req *req, enum tandem_obj obj, uint8_t cmd,
		      const struct td_group *g)
{
	req_init(req, obj, cmd);
	snprintf(req->name, sizeof(req->name), "%s", g->name);
	req->present |= 1ULL << TANDEM_A_GROUP_NAME;
}

static void req_num(struct tandem_req *req, unsigned int attr, uint64_t v)
{
	req->num[attr] = v;
	req->present |= 1ULL << attr;
}

static void req_addr(struct tandem_req *req, unsigned int attr,
		     const struct tandem_addr *a)
{
	req->addr[attr] = *a;
	req->present |= 1ULL << attr;
}

/* The kernel's objects of one kind, decoded. */
struct kobjs {
	struct tandem_req *v;
	size_t n, size;
};

static int kobjs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kobjs *k = data;

	if (k->n == k->size) {
		size_t size = k->size ? 2 * k->size : 8;
		struct tandem_req *v = realloc(k->v, size * sizeof(*v));

		if (!v)
			return -ENOMEM;
		k->v = v;
		k->size = size;
	}
	return tandem_decode_req(nlh, &k->v[k->n++]);
}

static void kobjs_reset(void *data)
{
	((struct kobjs *)data)->n = 0;
}

/* Run req; on failure log "group G: <what>: <errno>: <kernel's message>". */
static int exec_cb(struct td_daemon *d, const struct tandem_req *req,
		   struct kobjs *out, const char *group, const char *what)
{
	int ret = req_exec_cb(&d->nl, req, out ? kobjs_cb : NULL,
			      out ? kobjs_reset : NULL, out);

	if (ret)
		td_err("group %s: cannot %s: %s%s%s", group, what, strerror(-ret),
		       d->nl.err.msg[0] ? ": " : "", d->nl.err.msg);
	return ret;
}

static int exec(struct td_daemon *d, const struct tandem_req *req,
		const char *group, const char *what)
{
	return exec_cb(d, req, NULL, group, what);
}

static bool addr_eq(const struct tandem_req *k, unsigned int attr,
		    const struct tandem_addr *a)
{
	return req_has(k, attr) && k->addr[attr].len == a->len &&
	       !memcmp(k->addr[attr].bytes, a->bytes, a->len);
}

static const struct td_member *self_member(const struct td_group *g)
{
	return config_member(g, g->agree.self_id);
}

/* The tunables given (and garp-refresh, always); k: only those that differ. */
static void put_tunables(struct tandem_req *req, const struct td_group *g,
			 const struct tandem_req *k)
{
	const struct td_tunables *t = &g->tun;
	static const unsigned int attrs[] = {
		TANDEM_A_GROUP_SYN_TIMEOUT_MS, TANDEM_A_GROUP_MAX_LAG_BYTES,
		TANDEM_A_GROUP_MAX_LAG_MS, TANDEM_A_GROUP_MAX_CONNS,
		TANDEM_A_GROUP_GARP_COUNT, TANDEM_A_GROUP_GARP_INTERVAL_MS,
		TANDEM_A_GROUP_GARP_REFRESH_MS, TANDEM_A_GROUP_MAC,
	};
	const uint64_t vals[] = { t->syn_timeout_ms, t->max_lag_bytes,
		t->max_lag_ms, t->max_conns, t->garp_count, t->garp_interval_ms,
		t->garp_refresh_ms, t->mac };
	unsigned int i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (!(t->set & (1ULL << attrs[i])))
			continue;
		/* unchanged: not sent (a refresh period sent restarts its timer) */
		if (k && req_has(k, attrs[i]) && k->num[attrs[i]] == vals[i])
			continue;
		req_num(req, attrs[i], vals[i]);
	}
}

static int group_create(struct td_daemon *d, const struct td_group *g,
			const uint8_t *key)
{
	const struct td_member *self = self_member(g);
	struct tandem_req req;
	int ret;

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_NEW, g);
	req_num(&req, TANDEM_A_GROUP_ID, g->id);
	req_addr(&req, TANDEM_A_GROUP_VIP, &g->vip);
	req_num(&req, TANDEM_A_GROUP_NODE_ID, self->id);
	req_addr(&req, TANDEM_A_GROUP_REPL_ADDR, &self->addr);
	req_num(&req, TANDEM_A_GROUP_REPL_PORT, config_member_port(g, self));
	memcpy(req.key, key, sizeof(req.key));
	req.present |= 1ULL << TANDEM_A_GROUP_KEY;
	put_tunables(&req, g, NULL);
	ret = exec(d, &req, g->name, "create the kernel group");
	req_wipe(&req);
	if (!ret)
		td_info("group %s: created in the kernel", g->name);
	return ret;
}

/*
 * The group exists: it must be the same group; update what may change. The
 * key is always sent: the kernel shows only whether it has one, and keeps
 * its channel (no new socket, sequence or replay window) when the key sent
 * is the one it holds, so the kernel key follows the file after a reload or
 * a restart with another key.
 */
static int group_update(struct td_daemon *d, const struct td_group *g,
			const uint8_t *key, const struct tandem_req *k)
{
	const struct td_member *self = self_member(g);
	char vip[TANDEM_ADDR_STRLEN], kvip[TANDEM_ADDR_STRLEN] = "";
	struct tandem_req req;
	int ret;

	if (k->num[TANDEM_A_GROUP_ID] != g->id ||
	    k->num[TANDEM_A_GROUP_NODE_ID] != self->id ||
	    !addr_eq(k, TANDEM_A_GROUP_VIP, &g->vip)) {
		format_addr(g->vip.bytes, g->vip.len, vip, sizeof(vip));
		if (req_has(k, TANDEM_A_GROUP_VIP))
			format_addr(k->addr[TANDEM_A_GROUP_VIP].bytes,
				    k->addr[TANDEM_A_GROUP_VIP].len, kvip,
				    sizeof(kvip));
		td_err("group %s: the kernel group has id %" PRIu64 ", node %" PRIu64 ", vip %s; the configuration says id %u, node %u, vip %s: delete it first (tandem group del %s)",
		       g->name, k->num[TANDEM_A_GROUP_ID],
		       k->num[TANDEM_A_GROUP_NODE_ID], kvip, g->id, self->id, vip,
		       g->name);
		return -EEXIST;
	}
	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_SET, g);
	if (!addr_eq(k, TANDEM_A_GROUP_REPL_ADDR, &self->addr))
		req_addr(&req, TANDEM_A_GROUP_REPL_ADDR, &self->addr);
	if (k->num[TANDEM_A_GROUP_REPL_PORT] != config_member_port(g, self))
		req_num(&req, TANDEM_A_GROUP_REPL_PORT, config_member_port(g, self));
	memcpy(req.key, key, sizeof(req.key));
	req.present |= 1ULL << TANDEM_A_GROUP_KEY;
	put_tunables(&req, g, k);
	ret = exec(d, &req, g->name, "update the kernel group");
	req_wipe(&req);
	return ret;
}

static int get_all(struct td_daemon *d, const struct td_group *g,
		   enum tandem_obj obj, uint8_t cmd, struct kobjs *out)
{
	struct tandem_req req;

	req_group(&req, obj, cmd, g);
	req.dump = cmd != TANDEM_CMD_GROUP_GET;
	return exec_cb(d, &req, out, g->name, "read the kernel configuration");
}

/* The object whose attribute attr is v; NULL if none. */
static const struct tandem_req *find_num(const struct kobjs *k,
					 unsigned int attr, uint64_t v)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->v[i].num[attr] == v)
			return &k->v[i];
	return NULL;
}

static bool member_differs(const struct td_group *g, const struct td_member *m,
			   const struct tandem_req *k)
{
	return !addr_eq(k, TANDEM_A_MEMBER_ADDR, &m->addr) ||
	       k->num[TANDEM_A_MEMBER_PORT] != config_member_port(g, m) ||
	       k->num[TANDEM_A_MEMBER_PRIORITY] != m->priority ||
	       (k->num[TANDEM_A_MEMBER_WITNESS] != 0) != m->witness;
}

static int sync_member(struct td_daemon *d, const struct td_group *g,
		       const struct td_member *m, const struct tandem_req *k)
{
	struct tandem_req req;

	if (k && !member_differs(g, m, k))
		return 0;
	req_group(&req, TANDEM_OBJ_MEMBER,
		  k ? TANDEM_CMD_MEMBER_SET : TANDEM_CMD_MEMBER_NEW, g);
	req_num(&req, TANDEM_A_MEMBER_NODE_ID, m->id);
	req_addr(&req, TANDEM_A_MEMBER_ADDR, &m->addr);
	req_num(&req, TANDEM_A_MEMBER_PORT, config_member_port(g, m));
	req_num(&req, TANDEM_A_MEMBER_PRIORITY, m->priority);
	req_num(&req, TANDEM_A_MEMBER_WITNESS, m->witness);
	return exec(d, &req, g->name, k ? "update a member" : "add a member");
}

static int del_one(struct td_daemon *d, const struct td_group *g,
		   enum tandem_obj obj, uint8_t cmd, unsigned int attr,
		   uint64_t v)
{
	struct tandem_req req;

	req_group(&req, obj, cmd, g);
	req_num(&req, attr, v);
	td_info("group %s: removing %s %" PRIu64 " (not in the configuration)",
		g->name, tandem_obj_name(obj), v);
	return exec(d, &req, g->name, "remove a kernel object");
}

static int sync_members(struct td_daemon *d, const struct td_group *g)
{
	struct kobjs k = { 0 };
	unsigned int i;
	size_t j;
	int ret;

	ret = get_all(d, g, TANDEM_OBJ_MEMBER, TANDEM_CMD_MEMBER_GET, &k);
	for (i = 0; !ret && i < g->n_members; i++)
		if (g->member[i].id != g->agree.self_id)
			ret = sync_member(d, g, &g->member[i],
					  find_num(&k, TANDEM_A_MEMBER_NODE_ID,
						   g->member[i].id));
	for (j = 0; !ret && j < k.n; j++) {
		uint64_t id = k.v[j].num[TANDEM_A_MEMBER_NODE_ID];

		if (!config_member(g, id) || id == g->agree.self_id)
			ret = del_one(d, g, TANDEM_OBJ_MEMBER,
				      TANDEM_CMD_MEMBER_DEL,
				      TANDEM_A_MEMBER_NODE_ID, id);
	}
	free(k.v);
	return ret;
}

static int sync_service(struct td_daemon *d, const struct td_group *g,
			const struct td_service *s, const struct tandem_req *k)
{
	struct tandem_req req;

	if (k && k->num[TANDEM_A_SERVICE_MAX_LAG_BYTES] == s->max_lag_bytes &&
	    k->num[TANDEM_A_SERVICE_MAX_LAG_MS] == s->max_lag_ms)
		return 0;
	req_group(&req, TANDEM_OBJ_SERVICE,
		  k ? TANDEM_CMD_SERVICE_SET : TANDEM_CMD_SERVICE_NEW, g);
	req_num(&req, TANDEM_A_SERVICE_PORT, s->port);
	req_num(&req, TANDEM_A_SERVICE_MAX_LAG_BYTES, s->max_lag_bytes);
	req_num(&req, TANDEM_A_SERVICE_MAX_LAG_MS, s->max_lag_ms);
	return exec(d, &req, g->name, k ? "update a service" : "add a service");
}

static bool has_service(const struct td_group *g, uint64_t port)
{
	unsigned int i;

	for (i = 0; i < g->n_services; i++)
		if (g->service[i].port == port)
			return true;
	return false;
}

static int sync_services(struct td_daemon *d, const struct td_group *g)
{
	struct kobjs k = { 0 };
	unsigned int i;
	size_t j;
	int ret;

	ret = get_all(d, g, TANDEM_OBJ_SERVICE, TANDEM_CMD_SERVICE_GET, &k);
	for (i = 0; !ret && i < g->n_services; i++)
		ret = sync_service(d, g, &g->service[i],
				   find_num(&k, TANDEM_A_SERVICE_PORT,
					    g->service[i].port));
	for (j = 0; !ret && j < k.n; j++) {
		uint64_t port = k.v[j].num[TANDEM_A_SERVICE_PORT];

		if (!has_service(g, port))
			ret = del_one(d, g, TANDEM_OBJ_SERVICE,
				      TANDEM_CMD_SERVICE_DEL,
				      TANDEM_A_SERVICE_PORT, port);
	}
	free(k.v);
	return ret;
}

/*
 * Key rotation (rotate.c): the key to send under and an alternate key
 * accepted for ms. The kernel keeps its channel if they are the ones it has.
 */
static int kmod_set_keys(struct td_daemon *d, const struct td_group *g,
			 const uint8_t *key, const uint8_t *alt, uint32_t ms)
{
	struct tandem_req req;
	int ret;

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_SET, g);
	memcpy(req.key, key, sizeof(req.key));
	memcpy(req.key_alt, alt, sizeof(req.key_alt));
	req.present |= 1ULL << TANDEM_A_GROUP_KEY | 1ULL << TANDEM_A_GROUP_KEY_ALT;
	req_num(&req, TANDEM_A_GROUP_KEY_ALT_MS, ms);
	ret = exec(d, &req, g->name, "set the kernel group's keys");
	req_wipe(&req);
	return ret;
}

/* The group, members and services, @key the one the kernel sends under. */
static int kmod_setup(struct td_daemon *d, const struct td_group *g,
		      const uint8_t *key)
{
	struct kobjs k = { 0 };
	struct tandem_req req;
	int ret;

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_GET, g);
	ret = req_exec_cb(&d->nl, &req, kobjs_cb, kobjs_reset, &k);
	if (ret == -ENOENT)
		ret = group_create(d, g, key);
	else if (!ret && k.n == 1)
		ret = group_update(d, g, key, &k.v[0]);
	else if (!ret)
		ret = -EBADMSG;
	else
		td_err("group %s: cannot read the kernel group: %s%s%s", g->name,
		       strerror(-ret), d->nl.err.msg[0] ? ": " : "",
		       d->nl.err.msg);
	free(k.v);
	if (!ret)
		ret = sync_members(d, g);
	if (!ret)
		ret = sync_services(d, g);
	return ret;
}

static int kmod_group_epoch(struct td_daemon *d, const struct td_group *g,
			    uint64_t *epoch, uint8_t *role)
{
	struct kobjs k = { 0 };
	struct tandem_req req;
	int ret;

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_GET, g);
	ret = exec_cb(d, &req, &k, g->name, "read the kernel group");
	if (!ret && k.n == 1) {
		uint64_t r = k.v[0].num[TANDEM_A_GROUP_ROLE];

		*epoch = k.v[0].num[TANDEM_A_GROUP_EPOCH];
		if (r >= TANDEM_ROLE_FENCED && r < __TANDEM_ROLE_MAX)
			*role = r;
	}
	free(k.v);
	return ret;
}

static const uint8_t kernel_roles[] = {
	[TD_ROLE_FENCED] = TANDEM_ROLE_FENCED,
	[TD_ROLE_BACKUP] = TANDEM_ROLE_BACKUP,
	[TD_ROLE_PRIMARY] = TANDEM_ROLE_PRIMARY,
};

static int kmod_set_role(struct td_daemon *d, const struct td_group *g,
			 enum td_role role, uint64_t epoch, int64_t lease_expiry)
{
	struct tandem_req req;
	char what[64];

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_SET, g);
	req_num(&req, TANDEM_A_GROUP_ROLE, kernel_roles[role]);
	if (role != TD_ROLE_FENCED || epoch)
		req_num(&req, TANDEM_A_GROUP_EPOCH, epoch);
	if (role == TD_ROLE_PRIMARY)
		req_num(&req, TANDEM_A_GROUP_LEASE_EXPIRY_NS, lease_expiry);
	snprintf(what, sizeof(what), "set the kernel role %s", td_role_name(role));
	return exec(d, &req, g->name, what);
}

static int kmod_promote(struct td_daemon *d, const struct td_group *g,
			uint64_t epoch, int64_t lease_expiry, uint64_t prior)
{
	struct tandem_req req;

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_SET, g);
	req_num(&req, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_PRIMARY);
	req_num(&req, TANDEM_A_GROUP_EPOCH, epoch);
	req_num(&req, TANDEM_A_GROUP_LEASE_EXPIRY_NS, lease_expiry);
	req_num(&req, TANDEM_A_GROUP_PRIOR_EPOCH, prior);
	return exec(d, &req, g->name, "set the kernel role primary");
}

static int kmod_renew(struct td_daemon *d, const struct td_group *g,
		      int64_t lease_expiry)
{
	struct tandem_req req;

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_SET, g);
	req_num(&req, TANDEM_A_GROUP_LEASE_EXPIRY_NS, lease_expiry);
	return exec(d, &req, g->name, "renew the kernel lease");
}

struct conn_count {
	uint32_t n;
	uint32_t except;		/* TANDEM_CONN_* not to count */
};

/*
 * A connection this node could take over: not closed, not unprotected,
 * not diverged, and not flagged @except.
 */
static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct conn_count *c = data;
	struct tandem_req conn;
	int ret;

	ret = tandem_decode_req(nlh, &conn);
	if (ret)
		return ret;
	if (conn.num[TANDEM_A_CONN_STATE] == TANDEM_CONN_STATE_CLOSED ||
	    (conn.num[TANDEM_A_CONN_FLAGS] &
	     (TANDEM_CONN_UNPROTECTED | TANDEM_CONN_DIVERGED | c->except)))
		return 0;
	c->n++;
	return 0;
}

static void conn_reset(void *data)
{
	((struct conn_count *)data)->n = 0;
}

static int kmod_conns(struct td_daemon *d, const struct td_group *g,
		      uint32_t except, uint32_t *count)
{
	struct conn_count c = { .except = except };
	struct tandem_req req;
	int ret;

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_CONN_GET, g);
	req.dump = true;
	ret = req_exec_cb(&d->nl, &req, conn_cb, conn_reset, &c);
	if (ret)
		td_debug("group %s: cannot count connections: %s", g->name,
			 strerror(-ret));
	else
		*count = c.n;
	return ret;
}

static int kmod_open(struct td_daemon *d)
{
	int ret = tandem_nl_open(&d->nl);

	if (ret)
		return ret;
	d->nl_open = true;
	/* not for the hooks and exec checks we fork */
	fcntl(tandem_nl_fd(&d->nl), F_SETFD, FD_CLOEXEC);
	return 0;
}

static void kmod_close(struct td_daemon *d)
{
	if (d->nl_open)
		tandem_nl_close(&d->nl);
	d->nl_open = false;
}

const struct td_backend_ops td_backend_kmod = {
	.name = "kmod",
	.open = kmod_open,
	.close = kmod_close,
	.setup = kmod_setup,
	.set_keys = kmod_set_keys,
	.group_epoch = kmod_group_epoch,
	.set_role = kmod_set_role,
	.promote = kmod_promote,
	.renew = kmod_renew,
	.conns = kmod_conns,
};
