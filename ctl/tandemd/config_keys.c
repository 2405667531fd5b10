// SPDX-License-Identifier: GPL-2.0
/* The keys of each section, their types and ranges. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_bpf.h"
#include "config_ctx.h"

#define MS 1000000LL
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HOUR (3600LL * 1000 * MS)

enum key_type {
	KT_U8, KT_U16, KT_U32,
	KT_DUR,		/* int64_t ns */
	KT_MS,		/* uint32_t ms, written as a duration */
	KT_SIZE,	/* uint32_t bytes, K/M/G suffixes */
	KT_STR,		/* char[TD_PATH_MAX] */
	KT_ADDR,	/* struct tandem_addr */
	KT_BOOL,	/* bool: yes/no */
	KT_FN,
};

struct key;
typedef void (*key_fn)(struct config_ctx *ctx, void *obj, const char *value);

struct key {
	const char *name;
	enum key_type type;
	size_t off;
	int64_t min, max;
	key_fn fn;
	bool repeat;
	unsigned int tun_attr;	/* group: TANDEM_A_* set in tun.set */
};

static void member_key(struct config_ctx *ctx, void *obj, const char *value);
static void vip_key(struct config_ctx *ctx, void *obj, const char *value);
static void check_key(struct config_ctx *ctx, void *obj, const char *value);
static void log_level_key(struct config_ctx *ctx, void *obj,
			  const char *value);
static void garp_refresh_key(struct config_ctx *ctx, void *obj,
			     const char *value);
static void mac_key(struct config_ctx *ctx, void *obj, const char *value);

#define N(f) offsetof(struct td_config, f)
static const struct key node_keys[] = {
	{ "id", KT_U32, N(node_id), 1, UINT32_MAX, NULL, false, 0 },
	{ "state-dir", KT_STR, N(state_dir), 0, 0, NULL, false, 0 },
	{ "control", KT_STR, N(control), 0, 0, NULL, false, 0 },
	{ "log-level", KT_FN, 0, 0, 0, log_level_key, false, 0 },
	{ "realtime", KT_BOOL, N(realtime), 0, 0, NULL, false, 0 },
	{ "rt-priority", KT_U8, N(rt_priority), 1, 99, NULL, false, 0 },
	{ "lock-memory", KT_BOOL, N(lock_memory), 0, 0, NULL, false, 0 },
	{ "metrics-file", KT_STR, N(metrics_file), 0, 0, NULL, false, 0 },
	{ "metrics-interval", KT_DUR, N(metrics_interval), 100 * MS, HOUR,
	  NULL, false, 0 },
	{ "datapath", KT_FN, 0, 0, 0, config_datapath_key, false, 0 },
	{ "bpf-pin-dir", KT_STR, N(bpf_pin_dir), 0, 0, NULL, false, 0 },
	{ "insecure-transport-for-tests", KT_BOOL, N(insecure_transport), 0, 0,
	  NULL, false, 0 },
};
#undef N

#define G(f) offsetof(struct td_group, f)
#define T(f) G(tun.f)
static const struct key group_keys[] = {
	{ "id", KT_U32, G(id), 1, UINT32_MAX, NULL, false, 0 },
	{ "vip", KT_FN, 0, 0, 0, vip_key, false, 0 },
	{ "key", KT_STR, G(key_file), 0, 0, NULL, false, 0 },
	/* both phases of a rotation within the kernel's alternate key bound */
	{ "key-overlap", KT_DUR, G(key_overlap), 0,
	  TANDEM_KEY_ALT_MAX_MS / 2 * MS, NULL, false, 0 },
	{ "mac", KT_FN, 0, 0, 0, mac_key, false, TANDEM_A_GROUP_MAC },
	{ "port", KT_U16, G(port), 1, UINT16_MAX, NULL, false, 0 },
	{ "agree-port", KT_U16, G(agree_port), 1, UINT16_MAX, NULL, false, 0 },
	{ "member", KT_FN, 0, 0, 0, member_key, true, 0 },
	{ "health-addr", KT_ADDR, G(health_addr), 0, 0, NULL, false, 0 },
	{ "notify", KT_STR, G(notify), 0, 0, NULL, false, 0 },
	{ "notify-timeout", KT_DUR, G(hook_timeout), MS, HOUR, NULL, false, 0 },
	{ "conns-interval", KT_DUR, G(conns_interval), 10 * MS, HOUR, NULL,
	  false, 0 },
	{ "heartbeat", KT_DUR, G(agree.hb_interval), 100000, HOUR, NULL, false, 0 },
	{ "miss", KT_U32, G(agree.miss_count), 1, 1000, NULL, false, 0 },
	{ "lease", KT_DUR, G(agree.lease), MS, HOUR, NULL, false, 0 },
	{ "drift-ppm", KT_U32, G(agree.drift_ppm), 0, 100000, NULL, false, 0 },
	{ "margin", KT_DUR, G(agree.margin), 0, HOUR, NULL, false, 0 },
	{ "election-timeout", KT_DUR, G(agree.election_timeout), MS, HOUR,
	  NULL, false, 0 },
	{ "stagger", KT_DUR, G(agree.stagger), 0, HOUR, NULL, false, 0 },
	{ "backoff", KT_DUR, G(agree.backoff), MS, HOUR, NULL, false, 0 },
	{ "garp-count", KT_U8, T(garp_count), 0, TANDEM_GARP_COUNT_MAX, NULL, false,
	  TANDEM_A_GROUP_GARP_COUNT },
	{ "garp-interval", KT_MS, T(garp_interval_ms), 1,
	  TANDEM_GARP_INTERVAL_MAX_MS, NULL, false,
	  TANDEM_A_GROUP_GARP_INTERVAL_MS },
	{ "garp-refresh", KT_FN, 0, 0, 0, garp_refresh_key, false,
	  TANDEM_A_GROUP_GARP_REFRESH_MS },
	{ "syn-timeout", KT_MS, T(syn_timeout_ms), 1,
	  TANDEM_SYN_TIMEOUT_MAX_MS, NULL, false,
	  TANDEM_A_GROUP_SYN_TIMEOUT_MS },
	{ "max-lag-bytes", KT_SIZE, T(max_lag_bytes),
	  TANDEM_MAX_LAG_BYTES_MIN, TANDEM_MAX_LAG_BYTES_MAX, NULL,
	  false, TANDEM_A_GROUP_MAX_LAG_BYTES },
	{ "max-lag-time", KT_MS, T(max_lag_ms), 1,
	  TANDEM_MAX_LAG_MAX_MS, NULL, false,
	  TANDEM_A_GROUP_MAX_LAG_MS },
	{ "max-conns", KT_U32, T(max_conns), 1, TANDEM_CONNS_MAX, NULL, false,
	  TANDEM_A_GROUP_MAX_CONNS },
	{ "bpf-client-dev", KT_FN, 0, 0, 0, config_bpf_client_key, true, 0 },
	{ "bpf-repl-dev", KT_FN, 0, 0, 0, config_bpf_repl_key, true, 0 },
	{ "bpf-wireguard", KT_FN, 0, 0, 0, config_bpf_wg_key, true, 0 },
};
#undef T
#undef G

#define S(f) offsetof(struct td_service, f)
static const struct key service_keys[] = {
	{ "check", KT_FN, 0, 0, 0, check_key, true, 0 },
	{ "interval", KT_DUR, S(interval), 10 * MS, HOUR, NULL, false, 0 },
	{ "timeout", KT_DUR, S(timeout), MS, HOUR, NULL, false, 0 },
	{ "rise", KT_U32, S(rise), 1, 1000, NULL, false, 0 },
	{ "fall", KT_U32, S(fall), 1, 1000, NULL, false, 0 },
	{ "max-lag-bytes", KT_SIZE, S(max_lag_bytes), 0,
	  TANDEM_MAX_LAG_BYTES_MAX, NULL, false, 0 },
	{ "max-lag-time", KT_MS, S(max_lag_ms), 0, TANDEM_MAX_LAG_MAX_MS,
	  NULL, false, 0 },
};
#undef S

/* yes/no (also true/false, on/off, 1/0) */
static int parse_bool(const char *value, bool *b)
{
	static const char *const words[][2] = {
		{ "no", "yes" }, { "false", "true" }, { "off", "on" }, { "0", "1" },
	};
	unsigned int i, v;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		for (v = 0; v < 2; v++)
			if (!strcmp(value, words[i][v])) {
				*b = v;
				return 0;
			}
	return -EINVAL;
}

static void set_num(void *p, enum key_type type, uint64_t n)
{
	switch (type) {
	case KT_U8:
		*(uint8_t *)p = n;
		break;
	case KT_U16:
		*(uint16_t *)p = n;
		break;
	default:
		*(uint32_t *)p = n;
		break;
	}
}

static void format_dur(int64_t ns, char *buf, size_t size)
{
	if (ns >= 1000 * MS && ns % (1000 * MS) == 0)
		snprintf(buf, size, "%llds", (long long)(ns / (1000 * MS)));
	else if (ns % MS == 0)
		snprintf(buf, size, "%lldms", (long long)(ns / MS));
	else
		snprintf(buf, size, "%lldus", (long long)(ns / 1000));
}

static void report_value(struct config_ctx *ctx, const struct key *k,
			 const char *value, int ret)
{
	const char *why = ret == -ERANGE ? "out of range" : "malformed";
	char lo[32], hi[32];

	switch (k->type) {
	case KT_DUR:
	case KT_MS:
		format_dur(k->type == KT_MS ? k->min * MS : k->min, lo, sizeof(lo));
		format_dur(k->type == KT_MS ? k->max * MS : k->max, hi, sizeof(hi));
		ctx_error(ctx, ctx->line,
			  "%s: \"%s\" %s: expected a duration %s..%s%s (e.g. 100ms, 2s; a bare number is ms)",
			  k->name, value, why, lo, hi,
			  k->type == KT_MS ? " in whole ms" : "");
		break;
	case KT_SIZE:
		ctx_error(ctx, ctx->line,
			  "%s: \"%s\" %s: expected %sbytes %lld..%lld (suffixes K, M, G)",
			  k->name, value, why, k->min ? "" : "0 or ",
			  (long long)(k->min ? k->min : TANDEM_MAX_LAG_BYTES_MIN), (long long)k->max);
		break;
	case KT_STR:
		ctx_error(ctx, ctx->line, "%s: must be 1..%d characters",
			  k->name, TD_PATH_MAX - 1);
		break;
	case KT_ADDR:
		ctx_error(ctx, ctx->line,
			  "%s: \"%s\" is not a numeric IPv4 or IPv6 address",
			  k->name, value);
		break;
	case KT_BOOL:
		ctx_error(ctx, ctx->line, "%s: \"%s\" malformed: expected yes or no",
			  k->name, value);
		break;
	default:
		ctx_error(ctx, ctx->line,
			  "%s: \"%s\" %s: expected an integer %lld..%lld",
			  k->name, value, why, (long long)k->min,
			  (long long)k->max);
		break;
	}
}

/* Parse value as k's type into obj; -EINVAL/-ERANGE after reporting. */
static int set_value(struct config_ctx *ctx, const struct key *k, void *obj,
		     const char *value)
{
	void *p = (char *)obj + k->off;
	uint64_t n;
	int64_t ns;
	int ret = 0;

	switch (k->type) {
	case KT_U8:
	case KT_U16:
	case KT_U32:
		ret = parse_u64(value, k->min, k->max, &n);
		if (!ret)
			set_num(p, k->type, n);
		break;
	case KT_SIZE:
		ret = parse_size(value, k->min, k->max, &n);
		if (!ret && n && n < TANDEM_MAX_LAG_BYTES_MIN)
			ret = -ERANGE;
		if (!ret)
			set_num(p, k->type, n);
		break;
	case KT_DUR:
		ret = config_duration(value, k->min, k->max, p);
		break;
	case KT_MS:
		ret = config_duration(value, k->min * MS, k->max * MS, &ns);
		if (!ret && ns % MS)
			ret = -EINVAL;
		if (!ret)
			*(uint32_t *)p = ns / MS;
		break;
	case KT_STR:
		if (!*value || strlen(value) >= TD_PATH_MAX)
			ret = -ERANGE;
		else
			strcpy(p, value);
		break;
	case KT_ADDR:
		ret = parse_addr(value, p);
		break;
	case KT_BOOL:
		ret = parse_bool(value, p);
		break;
	case KT_FN:
		k->fn(ctx, obj, value);
		return 0;
	}
	if (ret)
		report_value(ctx, k, value, ret);
	return ret;
}

static void dispatch(struct config_ctx *ctx, const struct key *keys,
		     unsigned int n, void *obj, const char *name,
		     const char *value)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(keys[i].name, name))
			break;
	if (i == n) {
		ctx_error(ctx, ctx->line, "unknown key \"%s\" in [%s]", name,
			  ctx->section);
		return;
	}
	if (ctx->seen[i] && !keys[i].repeat) {
		ctx_error(ctx, ctx->line, "%s given twice in [%s] (first on line %u)",
			  name, ctx->section, ctx->seen[i]);
		return;
	}
	ctx->seen[i] = ctx->line;
	if (!set_value(ctx, &keys[i], obj, value) && keys[i].tun_attr)
		ctx->group->tun.set |= 1ULL << keys[i].tun_attr;
}

void ctx_node_key(struct config_ctx *ctx, const char *name, const char *value)
{
	dispatch(ctx, node_keys, ARRAY_SIZE(node_keys), ctx->cfg, name, value);
}

void ctx_group_key(struct config_ctx *ctx, const char *name, const char *value)
{
	dispatch(ctx, group_keys, ARRAY_SIZE(group_keys), ctx->group, name,
		 value);
}

void ctx_service_key(struct config_ctx *ctx, const char *name,
		     const char *value)
{
	dispatch(ctx, service_keys, ARRAY_SIZE(service_keys), ctx->service,
		 name, value);
}

static void log_level_key(struct config_ctx *ctx, void *obj, const char *value)
{
	static const enum td_log_level levels[] = { TD_LOG_ERR, TD_LOG_WARNING,
		TD_LOG_INFO, TD_LOG_DEBUG };
	struct td_config *cfg = obj;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		if (!strcmp(value, config_log_level_name(levels[i]))) {
			cfg->log_level = levels[i];
			return;
		}
	}
	ctx_error(ctx, ctx->line,
		  "log-level: \"%s\" unknown: expected err, warning, info or debug",
		  value);
}

/* The kernel's MAC of the group's datagrams (TANDEM_A_GROUP_MAC). */
static void mac_key(struct config_ctx *ctx, void *obj, const char *value)
{
	struct td_group *g = obj;

	if (parse_mac(value, &g->tun.mac))
		ctx_error(ctx, ctx->line,
			  "mac: \"%s\" unknown: expected xchacha20-poly1305 or hmac-sha256",
			  value);
}

/* 0 (off) or 100ms..1h in whole ms: the kernel's range. */
static void garp_refresh_key(struct config_ctx *ctx, void *obj,
			     const char *value)
{
	struct td_group *g = obj;
	int64_t ns;
	int ret;

	ret = config_duration(value, 0, TANDEM_GARP_REFRESH_MAX_MS * MS, &ns);
	if (!ret && ((ns && ns < TANDEM_GARP_REFRESH_MIN_MS * MS) || ns % MS))
		ret = -ERANGE;
	if (ret) {
		ctx_error(ctx, ctx->line,
			  "garp-refresh: \"%s\" %s: expected 0 (off) or a duration 100ms..1h in whole ms",
			  value, ret == -ERANGE ? "out of range" : "malformed");
		return;
	}
	g->tun.garp_refresh_ms = ns / MS;
}

static void vip_key(struct config_ctx *ctx, void *obj, const char *value)
{
	struct td_group *g = obj;

	if (parse_addr(value, &g->vip)) {
		ctx_error(ctx, ctx->line,
			  "vip: \"%s\" is not a numeric IPv4 or IPv6 address",
			  value);
		return;
	}
	g->has_vip = true;
}

/* Split value into at most max words (modified in place); the count. */
static int split(char *text, char **word, int max)
{
	int n = 0;
	char *save, *w;

	for (w = strtok_r(text, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		word[n++] = w;
	}
	return n;
}

/*
 * "addr2 ADDRESS", "port P", "priority P" or "witness" after a member's id
 * and address.
 */
static int member_option(struct config_ctx *ctx, struct td_member *m,
			 char **word, int n, int *i)
{
	uint64_t v;

	if (!strcmp(word[*i], "witness")) {
		m->witness = true;
		return 0;
	}
	if (*i + 1 >= n || (strcmp(word[*i], "port") && strcmp(word[*i], "priority") &&
			    strcmp(word[*i], "addr2"))) {
		ctx_error(ctx, ctx->line,
			  "member: unexpected \"%s\": expected addr2 ADDRESS, port PORT, priority 0..255 or witness",
			  word[*i]);
		return -EINVAL;
	}
	if (!strcmp(word[*i], "addr2")) {
		if (parse_addr(word[*i + 1], &m->addr2)) {
			ctx_error(ctx, ctx->line,
				  "member %u: addr2 \"%s\" is not a numeric IPv4 or IPv6 address",
				  m->id, word[*i + 1]);
			return -EINVAL;
		}
	} else if (!strcmp(word[*i], "port")) {
		if (parse_u64(word[*i + 1], 1, UINT16_MAX, &v))
			goto bad;
		m->port = v;
	} else {
		if (parse_u64(word[*i + 1], 0, UINT8_MAX, &v))
			goto bad;
		m->priority = v;
	}
	(*i)++;
	return 0;
bad:
	ctx_error(ctx, ctx->line, "member: %s \"%s\" out of range", word[*i],
		  word[*i + 1]);
	return -EINVAL;
}

static void member_key(struct config_ctx *ctx, void *obj, const char *value)
{
	struct td_group *g = obj;
	struct td_member m = { .priority = 100, .line = ctx->line };
	char text[512], *word[16];
	uint64_t id;
	int n, i;

	snprintf(text, sizeof(text), "%s", value);
	n = split(text, word, 15);
	if (n < 2 || n > 15) {
		ctx_error(ctx, ctx->line,
			  "member: expected \"ID ADDRESS [addr2 ADDRESS] [port PORT] [priority N] [witness]\"");
		return;
	}
	if (parse_u64(word[0], 1, UINT32_MAX, &id)) {
		ctx_error(ctx, ctx->line, "member: node id \"%s\" is not 1..%u",
			  word[0], UINT32_MAX);
		return;
	}
	m.id = id;
	if (parse_addr(word[1], &m.addr)) {
		ctx_error(ctx, ctx->line,
			  "member %u: \"%s\" is not a numeric IPv4 or IPv6 address",
			  m.id, word[1]);
		return;
	}
	for (i = 2; i < n; i++)
		if (member_option(ctx, &m, word, n, &i))
			return;
	if (g->n_members == AGREE_MAX_MEMBERS) {
		ctx_error(ctx, ctx->line, "member: more than %d members",
			  AGREE_MAX_MEMBERS);
		return;
	}
	g->member[g->n_members++] = m;
}

static int http_check(struct config_ctx *ctx, struct td_check *c, char **word,
		      int n)
{
	uint64_t status = 200;

	snprintf(c->path, sizeof(c->path), "/");
	if (n > 3)
		goto usage;
	if (n >= 2) {
		if (word[1][0] != '/' || strlen(word[1]) >= sizeof(c->path))
			goto usage;
		snprintf(c->path, sizeof(c->path), "%s", word[1]);
	}
	if (n == 3 && parse_u64(word[2], 100, 599, &status))
		goto usage;
	c->status = status;
	return 0;
usage:
	ctx_error(ctx, ctx->line,
		  "check: expected \"http [/PATH [STATUS]]\" (a path of up to %zu characters starting with /, a status 100..599)",
		  sizeof(c->path) - 1);
	return -EINVAL;
}

static void check_key(struct config_ctx *ctx, void *obj, const char *value)
{
	struct td_service *s = obj;
	struct td_check c = { .line = ctx->line };
	char text[512], *word[8];
	int n;

	snprintf(text, sizeof(text), "%s", value);
	n = split(text, word, 7);
	if (n >= 1 && !strcmp(word[0], "tcp") && n == 1) {
		c.type = TD_CHECK_TCP;
	} else if (n >= 1 && !strcmp(word[0], "http")) {
		c.type = TD_CHECK_HTTP;
		if (http_check(ctx, &c, word, n))
			return;
	} else if (n >= 2 && !strcmp(word[0], "exec")) {
		c.type = TD_CHECK_EXEC;
		c.command = strdup(value + strspn(value + 4, " \t") + 4);
		if (!c.command) {
			ctx_error(ctx, ctx->line, "out of memory");
			return;
		}
	} else {
		ctx_error(ctx, ctx->line,
			  "check: expected \"tcp\", \"http [/PATH [STATUS]]\" or \"exec COMMAND...\"");
		return;
	}
	if (s->n_checks == TD_CHECKS_MAX) {
		free(c.command);
		ctx_error(ctx, ctx->line, "more than %d checks for one service",
			  TD_CHECKS_MAX);
		return;
	}
	s->check[s->n_checks++] = c;
}
