// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of a group, through the CLI's own request code
 * (request.c, print.c's decoding): configure it idempotently, apply role
 * decisions and leases, count its protected connections.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

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

/* Run req; on failure log "group G: <what>: <errno>: <kernel's message>". */
static int exec(struct td_daemon *d, const struct tandem_req *req,
		struct json_object *out, const char *group, const char *what)
{
	int ret = req_exec(&d->nl, req, out);

	if (ret)
		td_err("group %s: cannot %s: %s%s%s", group, what, strerror(-ret),
		       d->nl.err.msg[0] ? ": " : "", d->nl.err.msg);
	return ret;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static uint64_t jnum(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       (uint64_t)json_object_get_uint64(v) : 0;
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static const struct td_member *self_member(const struct td_group *g)
{
	return config_member(g, g->agree.self_id);
}

/* The tunables given (and garp-refresh, always); k: only those that differ. */
static void put_tunables(struct tandem_req *req, const struct td_group *g,
			 struct json_object *k)
{
	const struct td_tunables *t = &g->tun;
	static const struct { unsigned int attr; const char *json; } attrs[] = {
		{ TANDEM_A_GROUP_SYN_TIMEOUT_MS, "syn_timeout_ms" },
		{ TANDEM_A_GROUP_MAX_LAG_BYTES, "max_lag_bytes" },
		{ TANDEM_A_GROUP_MAX_LAG_MS, "max_lag_ms" },
		{ TANDEM_A_GROUP_MAX_CONNS, "max_conns" },
		{ TANDEM_A_GROUP_GARP_COUNT, "garp_count" },
		{ TANDEM_A_GROUP_GARP_INTERVAL_MS, "garp_interval_ms" },
		{ TANDEM_A_GROUP_GARP_REFRESH_MS, "garp_refresh_ms" },
	};
	const uint64_t vals[] = { t->syn_timeout_ms, t->max_lag_bytes,
		t->max_lag_ms, t->max_conns, t->garp_count, t->garp_interval_ms,
		t->garp_refresh_ms };
	struct json_object *v;
	unsigned int i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (!(t->set & (1ULL << attrs[i].attr)))
			continue;
		/* unchanged: not sent (a refresh period sent restarts its timer) */
		if (k && json_object_object_get_ex(k, attrs[i].json, &v) &&
		    (uint64_t)json_object_get_uint64(v) == vals[i])
			continue;
		req_num(req, attrs[i].attr, vals[i]);
	}
}

static int group_create(struct td_daemon *d, const struct td_group *g)
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
	memcpy(req.key, g->key, sizeof(req.key));
	req.present |= 1ULL << TANDEM_A_GROUP_KEY;
	put_tunables(&req, g, NULL);
	ret = exec(d, &req, NULL, g->name, "create the kernel group");
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
			struct json_object *k)
{
	const struct td_member *self = self_member(g);
	char vip[TANDEM_ADDR_STRLEN], repl[TANDEM_ADDR_STRLEN];
	struct tandem_req req;
	int ret;

	format_addr(g->vip.bytes, g->vip.len, vip, sizeof(vip));
	format_addr(self->addr.bytes, self->addr.len, repl, sizeof(repl));
	if (jnum(k, "id") != g->id || jnum(k, "node_id") != self->id ||
	    strcmp(jstr(k, "vip"), vip)) {
		td_err("group %s: the kernel group has id %" PRIu64 ", node %" PRIu64 ", vip %s; the configuration says id %u, node %u, vip %s: delete it first (tandem group del %s)",
		       g->name, jnum(k, "id"), jnum(k, "node_id"), jstr(k, "vip"),
		       g->id, self->id, vip, g->name);
		return -EEXIST;
	}
	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_SET, g);
	if (strcmp(jstr(k, "repl_addr"), repl))
		req_addr(&req, TANDEM_A_GROUP_REPL_ADDR, &self->addr);
	if (jnum(k, "repl_port") != config_member_port(g, self))
		req_num(&req, TANDEM_A_GROUP_REPL_PORT, config_member_port(g, self));
	memcpy(req.key, g->key, sizeof(req.key));
	req.present |= 1ULL << TANDEM_A_GROUP_KEY;
	put_tunables(&req, g, k);
	ret = exec(d, &req, NULL, g->name, "update the kernel group");
	req_wipe(&req);
	return ret;
}

static int get_all(struct td_daemon *d, const struct td_group *g,
		   enum tandem_obj obj, uint8_t cmd, struct json_object *out)
{
	struct tandem_req req;

	req_group(&req, obj, cmd, g);
	req.dump = cmd != TANDEM_CMD_GROUP_GET;
	return exec(d, &req, out, g->name, "read the kernel configuration");
}

static json_object *find_num(struct json_object *arr, const char *key,
			     uint64_t v)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++)
		if (jnum(json_object_array_get_idx(arr, i), key) == v)
			return json_object_array_get_idx(arr, i);
	return NULL;
}

static bool member_differs(const struct td_group *g, const struct td_member *m,
			   struct json_object *k)
{
	char addr[TANDEM_ADDR_STRLEN];

	format_addr(m->addr.bytes, m->addr.len, addr, sizeof(addr));
	return strcmp(jstr(k, "addr"), addr) ||
	       jnum(k, "port") != config_member_port(g, m) ||
	       jnum(k, "priority") != m->priority ||
	       jbool(k, "witness") != m->witness;
}

static int sync_member(struct td_daemon *d, const struct td_group *g,
		       const struct td_member *m, struct json_object *k)
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
	return exec(d, &req, NULL, g->name, k ? "update a member" : "add a member");
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
	return exec(d, &req, NULL, g->name, "remove a kernel object");
}

static int sync_members(struct td_daemon *d, const struct td_group *g)
{
	struct json_object *k = json_object_new_array();
	unsigned int i;
	size_t j;
	int ret;

	if (!k)
		return -ENOMEM;
	ret = get_all(d, g, TANDEM_OBJ_MEMBER, TANDEM_CMD_MEMBER_GET, k);
	for (i = 0; !ret && i < g->n_members; i++)
		if (g->member[i].id != g->agree.self_id)
			ret = sync_member(d, g, &g->member[i],
					  find_num(k, "node_id", g->member[i].id));
	for (j = 0; !ret && j < json_object_array_length(k); j++) {
		uint64_t id = jnum(json_object_array_get_idx(k, j), "node_id");

		if (!config_member(g, id) || id == g->agree.self_id)
			ret = del_one(d, g, TANDEM_OBJ_MEMBER,
				      TANDEM_CMD_MEMBER_DEL,
				      TANDEM_A_MEMBER_NODE_ID, id);
	}
	json_object_put(k);
	return ret;
}

static int sync_service(struct td_daemon *d, const struct td_group *g,
			const struct td_service *s, struct json_object *k)
{
	struct tandem_req req;

	if (k && jnum(k, "max_lag_bytes") == s->max_lag_bytes &&
	    jnum(k, "max_lag_ms") == s->max_lag_ms)
		return 0;
	req_group(&req, TANDEM_OBJ_SERVICE,
		  k ? TANDEM_CMD_SERVICE_SET : TANDEM_CMD_SERVICE_NEW, g);
	req_num(&req, TANDEM_A_SERVICE_PORT, s->port);
	req_num(&req, TANDEM_A_SERVICE_MAX_LAG_BYTES, s->max_lag_bytes);
	req_num(&req, TANDEM_A_SERVICE_MAX_LAG_MS, s->max_lag_ms);
	return exec(d, &req, NULL, g->name,
		    k ? "update a service" : "add a service");
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
	struct json_object *k = json_object_new_array();
	unsigned int i;
	size_t j;
	int ret;

	if (!k)
		return -ENOMEM;
	ret = get_all(d, g, TANDEM_OBJ_SERVICE, TANDEM_CMD_SERVICE_GET, k);
	for (i = 0; !ret && i < g->n_services; i++)
		ret = sync_service(d, g, &g->service[i],
				   find_num(k, "port", g->service[i].port));
	for (j = 0; !ret && j < json_object_array_length(k); j++) {
		uint64_t port = jnum(json_object_array_get_idx(k, j), "port");

		if (!has_service(g, port))
			ret = del_one(d, g, TANDEM_OBJ_SERVICE,
				      TANDEM_CMD_SERVICE_DEL,
				      TANDEM_A_SERVICE_PORT, port);
	}
	json_object_put(k);
	return ret;
}

int kernel_setup(struct td_daemon *d, const struct td_group *g)
{
	struct json_object *k = json_object_new_array();
	struct tandem_req req;
	int ret;

	if (!k)
		return -ENOMEM;
	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_GET, g);
	ret = req_exec(&d->nl, &req, k);
	if (ret == -ENOENT)
		ret = group_create(d, g);
	else if (!ret && json_object_array_length(k) == 1)
		ret = group_update(d, g, json_object_array_get_idx(k, 0));
	else if (!ret)
		ret = -EBADMSG;
	else
		td_err("group %s: cannot read the kernel group: %s%s%s", g->name,
		       strerror(-ret), d->nl.err.msg[0] ? ": " : "",
		       d->nl.err.msg);
	json_object_put(k);
	if (!ret)
		ret = sync_members(d, g);
	if (!ret)
		ret = sync_services(d, g);
	return ret;
}

int kernel_group_epoch(struct td_daemon *d, const struct td_group *g,
		       uint64_t *epoch, uint8_t *role)
{
	struct json_object *k = json_object_new_array();
	struct tandem_req req;
	int ret;

	if (!k)
		return -ENOMEM;
	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_GET, g);
	ret = exec(d, &req, k, g->name, "read the kernel group");
	if (!ret && json_object_array_length(k) == 1) {
		struct json_object *o = json_object_array_get_idx(k, 0);

		*epoch = jnum(o, "epoch");
		parse_role(jstr(o, "role"), role);
	}
	json_object_put(k);
	return ret;
}

static const uint8_t kernel_roles[] = {
	[TD_ROLE_FENCED] = TANDEM_ROLE_FENCED,
	[TD_ROLE_BACKUP] = TANDEM_ROLE_BACKUP,
	[TD_ROLE_PRIMARY] = TANDEM_ROLE_PRIMARY,
};

int kernel_set_role(struct td_daemon *d, const struct td_group *g,
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
	return exec(d, &req, NULL, g->name, what);
}

int kernel_renew(struct td_daemon *d, const struct td_group *g,
		 int64_t lease_expiry)
{
	struct tandem_req req;

	req_group(&req, TANDEM_OBJ_GROUP, TANDEM_CMD_GROUP_SET, g);
	req_num(&req, TANDEM_A_GROUP_LEASE_EXPIRY_NS, lease_expiry);
	return exec(d, &req, NULL, g->name, "renew the kernel lease");
}

struct conn_count {
	uint32_t n;
};

static int conn_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == TANDEM_A_CONN_FLAGS || type == TANDEM_A_CONN_STATE)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* A connection this node could take over: not closed, not unprotected. */
static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1] = { NULL };
	struct conn_count *c = data;

	if (mnl_attr_parse(nlh, GENL_HDRLEN, conn_attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;
	if (tb[TANDEM_A_CONN_STATE] &&
	    mnl_attr_get_u8(tb[TANDEM_A_CONN_STATE]) == TANDEM_CONN_STATE_CLOSED)
		return 0;
	if (tb[TANDEM_A_CONN_FLAGS] && (mnl_attr_get_u32(tb[TANDEM_A_CONN_FLAGS]) &
	    (TANDEM_CONN_UNPROTECTED | TANDEM_CONN_DIVERGED)))
		return 0;
	c->n++;
	return 0;
}

static void conn_reset(void *data)
{
	((struct conn_count *)data)->n = 0;
}

int kernel_conns(struct td_daemon *d, const struct td_group *g, uint32_t *count)
{
	struct conn_count c = { 0 };
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
