// SPDX-License-Identifier: GPL-2.0
/* Defaults, value syntax, and the checks that need the whole file. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config_bpf.h"
#include "config_ctx.h"

#define MS 1000000LL

/*
 * tandemd's timers: ten times the core's reference timers (which the
 * simulator runs with), a lease of 1 s. Survives 9 lost heartbeats in a
 * row or a daemon stalled for 0.9 s; a crash is taken over in about 1 s
 * (docs/tandemd.md, "Measured").
 */
static void timer_defaults(struct agree_config *a)
{
	agree_config_defaults(a);
	a->hb_interval = 100 * MS;
	a->miss_count = 3;
	a->lease = 1000 * MS;
	a->margin = 10 * MS;
	a->election_timeout = 100 * MS;
	a->stagger = 50 * MS;
	a->backoff = 100 * MS;
}

void group_defaults(struct td_group *g)
{
	timer_defaults(&g->agree);
	g->port = TANDEM_DEFAULT_REPL_PORT;
	g->agree_port = TANDEM_DEFAULT_REPL_PORT + 1;
	parse_addr("127.0.0.1", &g->health_addr);
	g->hook_timeout = 30000 * MS;
	g->key_overlap = 300000 * MS;
	g->conns_interval = 1000 * MS;
	g->tun.garp_refresh_ms = 10000;
	g->tun.set |= 1ULL << TANDEM_A_GROUP_GARP_REFRESH_MS;
}

void service_defaults(struct td_service *s)
{
	s->interval = 1000 * MS;
	s->timeout = 1000 * MS;
	s->rise = 2;
	s->fall = 3;
}

const char *config_log_level_name(enum td_log_level level)
{
	switch (level) {
	case TD_LOG_ERR:
		return "err";
	case TD_LOG_WARNING:
		return "warning";
	case TD_LOG_NOTICE:
		return "notice";
	case TD_LOG_INFO:
		return "info";
	case TD_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

int config_duration(const char *s, int64_t min, int64_t max, int64_t *ns)
{
	static const struct { const char *unit; int64_t mul; } units[] = {
		{ "", MS }, { "ms", MS }, { "s", 1000 * MS }, { "us", 1000 },
		{ "ns", 1 }, { "m", 60000 * MS }, { "h", 3600000 * MS },
	};
	size_t digits = strspn(s, "0123456789");
	unsigned int i;
	uint64_t n;
	char num[24];

	if (!digits || digits >= sizeof(num))
		return digits ? -ERANGE : -EINVAL;
	memcpy(num, s, digits);
	num[digits] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + digits, units[i].unit))
			continue;
		if (parse_u64(num, 0, INT64_MAX / units[i].mul, &n))
			return -ERANGE;
		n *= units[i].mul;
		if ((int64_t)n < min || (int64_t)n > max)
			return -ERANGE;
		*ns = n;
		return 0;
	}
	return -EINVAL;
}

static void check_node(struct config_ctx *ctx)
{
	struct td_config *cfg = ctx->cfg;

	if (!ctx->node_line)
		ctx_error(ctx, 0, "no [node] section");
	else if (!cfg->node_id)
		ctx_error(ctx, ctx->node_line, "[node]: missing id");
	if (!cfg->n_groups)
		ctx_error(ctx, 0, "no [group NAME] section");
}

static bool same_addr(const struct tandem_addr *a, const struct tandem_addr *b)
{
	return a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
}

/*
 * The second heartbeat link: every member has an addr2 or none does, of
 * one family, used by nobody else on either link.
 */
static void check_addr2(struct config_ctx *ctx, const struct td_group *g,
			const struct td_member *m)
{
	const struct td_member *first = &g->member[0];
	unsigned int j;

	if (!m->addr2.len != !first->addr2.len) {
		ctx_error(ctx, m->line,
			  "member %u: %s addr2 but member %u %s: give every member a second address or none",
			  m->id, m->addr2.len ? "has an" : "has no",
			  first->id, first->addr2.len ? "has one" : "has none");
		return;
	}
	if (!m->addr2.len)
		return;
	if (m->addr2.family != first->addr2.family)
		ctx_error(ctx, m->line,
			  "member %u: addr2 family differs from member %u's",
			  m->id, first->id);
	for (j = 0; j < g->n_members; j++) {
		const struct td_member *o = &g->member[j];

		if (same_addr(&o->addr, &m->addr2) ||
		    (o != m && same_addr(&o->addr2, &m->addr2))) {
			ctx_error(ctx, m->line,
				  "member %u: addr2 is an address of member %u (line %u)",
				  m->id, o->id, o->line);
			return;
		}
	}
}

static void check_members(struct config_ctx *ctx, struct td_group *g)
{
	unsigned int i, j;

	for (i = 0; i < g->n_members; i++) {
		struct td_member *m = &g->member[i];

		for (j = 0; j < i; j++) {
			struct td_member *o = &g->member[j];

			if (o->id == m->id)
				ctx_error(ctx, m->line,
					  "member %u given twice in [group %s] (first on line %u)",
					  m->id, g->name, o->line);
			else if (same_addr(&o->addr, &m->addr))
				ctx_error(ctx, m->line,
					  "member %u has the address of member %u (line %u)",
					  m->id, o->id, o->line);
		}
		if (m->addr.family != g->member[0].addr.family)
			ctx_error(ctx, m->line,
				  "member %u: address family differs from member %u's",
				  m->id, g->member[0].id);
		check_addr2(ctx, g, m);
	}
}

static void check_timers(struct config_ctx *ctx, struct td_group *g)
{
	char err[128];
	unsigned int i;

	g->agree.self_id = ctx->cfg->node_id;
	g->agree.n_members = g->n_members;
	for (i = 0; i < g->n_members; i++) {
		g->agree.member[i].id = g->member[i].id;
		g->agree.member[i].priority = g->member[i].priority;
		g->agree.member[i].witness = g->member[i].witness;
	}
	if (agree_config_check(&g->agree, err, sizeof(err)))
		ctx_error(ctx, g->line, "[group %s]: %s", g->name, err);
}

/* The key file must exist, be readable by its owner only, and hold a key. */
static void check_key_file(struct config_ctx *ctx, struct td_group *g)
{
	struct stat st;
	int ret;

	if (!*g->key_file) {
		ctx_error(ctx, g->line, "[group %s]: missing key (a key file, see tandem genkey)",
			  g->name);
		return;
	}
	if (!stat(g->key_file, &st) && (st.st_mode & (S_IRGRP | S_IROTH))) {
		ctx_error(ctx, g->line, "[group %s]: the key file %s is readable by %s (mode %04o): chmod 600 it, or create it with umask 077",
			  g->name, g->key_file,
			  st.st_mode & S_IROTH ? "others" : "its group",
			  (unsigned int)(st.st_mode & 07777));
		return;
	}
	ret = read_key_file(g->key_file, g->key);
	if (ret)
		ctx_error(ctx, g->line, "[group %s]: cannot read the key file %s: %s",
			  g->name, g->key_file,
			  ret == -EINVAL ? "not 32 bytes, raw or base64" : strerror(-ret));
}

static void check_group(struct config_ctx *ctx, struct td_group *g)
{
	const struct td_member *self;

	if (!g->id)
		ctx_error(ctx, g->line, "[group %s]: missing id", g->name);
	if (!g->has_vip)
		ctx_error(ctx, g->line, "[group %s]: missing vip", g->name);
	else if (g->vip.family == AF_INET6)
		ctx_error(ctx, g->line,
			  "[group %s]: vip: IPv6 is not supported yet (the data path protects IPv4 connections only)",
			  g->name);
	check_key_file(ctx, g);
	if (!g->n_members) {
		ctx_error(ctx, g->line, "[group %s]: no member", g->name);
		return;
	}
	check_members(ctx, g);
	self = config_member(g, ctx->cfg->node_id);
	if (!self && ctx->cfg->node_id)
		ctx_error(ctx, g->line,
			  "[group %s]: this node (id %u) is not one of its members",
			  g->name, ctx->cfg->node_id);
	if (g->n_members > TANDEM_MEMBERS_MAX + 1)
		ctx_error(ctx, g->line, "[group %s]: more than %d members",
			  g->name, TANDEM_MEMBERS_MAX + 1);
	if (g->agree_port == g->port)
		ctx_error(ctx, g->line,
			  "[group %s]: agree-port must differ from port (%u), the kernel's",
			  g->name, g->port);
	if (self)
		config_bpf_check(ctx, g, self);
	if (self && ctx->n_errors == 0)
		check_timers(ctx, g);
}

static void check_groups(struct config_ctx *ctx)
{
	struct td_config *cfg = ctx->cfg;
	unsigned int i, j;

	for (i = 0; i < cfg->n_groups; i++) {
		struct td_group *g = &cfg->group[i];

		check_group(ctx, g);
		for (j = 0; j < i; j++) {
			struct td_group *o = &cfg->group[j];

			if (g->id && g->id == o->id)
				ctx_error(ctx, g->line,
					  "[group %s]: id %u already used by [group %s] (line %u)",
					  g->name, g->id, o->name, o->line);
			if (g->has_vip && o->has_vip && same_addr(&g->vip, &o->vip))
				ctx_error(ctx, g->line,
					  "[group %s]: vip already used by [group %s] (line %u)",
					  g->name, o->name, o->line);
		}
	}
}

static void check_services(struct config_ctx *ctx)
{
	unsigned int i, j;

	for (i = 0; i < ctx->cfg->n_groups; i++) {
		struct td_group *g = &ctx->cfg->group[i];

		for (j = 0; j < g->n_services; j++) {
			struct td_service *s = &g->service[j];

			if (s->timeout > s->interval)
				ctx_error(ctx, s->line,
					  "[service %s %u]: timeout longer than interval",
					  g->name, s->port);
		}
	}
}

void ctx_check(struct config_ctx *ctx)
{
	check_node(ctx);
	check_groups(ctx);
	check_services(ctx);
}
