// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "report.h"

int args_is_help(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "-h") || !strcmp(s, "--help");
}

void args_error(const struct grammar *g, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_usage(g->obj, "%s %s: %s", g->obj, g->cmd, msg);
}

const char *args_keyword(const struct grammar *g, uint16_t attr)
{
	size_t i;

	for (i = 0; i < g->count; i++)
		if (g->kws[i].attr == attr)
			return g->kws[i].name;
	return "?";
}

static const struct kw *find_kw(const struct grammar *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->count; i++)
		if (!strcmp(g->kws[i].name, name))
			return &g->kws[i];
	return NULL;
}

static int number_error(const struct grammar *g, const struct kw *kw,
			const char *val, int ret)
{
	const char *what = ret == -ERANGE ? "out of range" : "not a number";

	if (kw->flags & KW_ZERO_OK)
		args_error(g, "%s \"%s\" is %s: expected 0 or %" PRIu64 "..%" PRIu64,
			   kw->name, val, what, kw->min, kw->max);
	else
		args_error(g, "%s \"%s\" is %s: expected %" PRIu64 "..%" PRIu64,
			   kw->name, val, what, kw->min, kw->max);
	return -EINVAL;
}

static int parse_number(const struct grammar *g, const struct kw *kw,
			const char *val, uint64_t *n)
{
	uint64_t min = kw->flags & KW_ZERO_OK ? 0 : kw->min;
	int ret;

	if (kw->type == KW_SIZE)
		ret = parse_size(val, min, kw->max, n);
	else
		ret = parse_u64(val, min, kw->max, n);
	if (!ret && (kw->flags & KW_ZERO_OK) && *n && *n < kw->min)
		ret = -ERANGE;
	return ret ? number_error(g, kw, val, ret) : 0;
}

static int parse_value(const struct grammar *g, const struct kw *kw,
		       const char *val, struct tandem_req *req)
{
	uint8_t u8;
	int ret;

	switch (kw->type) {
	case KW_NUM:
	case KW_SIZE:
		return parse_number(g, kw, val, &req->num[kw->attr]);
	case KW_ADDR:
		if (parse_addr(val, &req->addr[kw->attr]) == 0)
			return 0;
		args_error(g, "%s \"%s\" is not an IPv4 or IPv6 address",
			   kw->name, val);
		return -EINVAL;
	case KW_NAME:
		ret = parse_group_name(val);
		if (ret == 0) {
			strcpy(req->name, val);
			return 0;
		}
		args_error(g, "invalid group name \"%s\": expected 1 to %d of the characters A-Z a-z 0-9 _ . -",
			   val, TANDEM_GROUP_NAME_MAX - 1);
		return -EINVAL;
	case KW_KEY:
		ret = read_key_file(val, req->key);
		if (ret == 0)
			return 0;
		if (ret == -EINVAL || ret == -EFBIG)
			args_error(g, "key file \"%s\" holds no key: expected %d raw bytes or %d characters of base64 (see \"tandem genkey\")",
				   val, TANDEM_KEY_LEN, TANDEM_KEY_B64_LEN);
		else
			args_error(g, "cannot read key file \"%s\": %s", val,
				   strerror(-ret));
		return -EINVAL;
	case KW_ROLE:
		if (parse_role(val, &u8) == 0) {
			req->num[kw->attr] = u8;
			return 0;
		}
		args_error(g, "role \"%s\" is unknown: expected primary, backup or fenced",
			   val);
		return -EINVAL;
	case KW_MAC:
		if (parse_mac(val, &u8) == 0) {
			req->num[kw->attr] = u8;
			return 0;
		}
		args_error(g, "mac \"%s\" is unknown: expected xchacha20-poly1305 or hmac-sha256",
			   val);
		return -EINVAL;
	case KW_ONOFF:
		if (parse_onoff(val, &u8) == 0) {
			req->num[kw->attr] = u8;
			return 0;
		}
		args_error(g, "%s \"%s\" is invalid: expected on or off",
			   kw->name, val);
		return -EINVAL;
	}
	return -EINVAL;
}

int args_parse(const struct grammar *g, int argc, char **argv,
	       struct tandem_req *req)
{
	int i = 0;

	if (g->positional && argc > 0 && !find_kw(g, argv[0])) {
		const struct kw *kw = NULL;
		size_t k;

		for (k = 0; k < g->count && !kw; k++)
			if (g->kws[k].attr == g->positional)
				kw = &g->kws[k];
		if (!kw || parse_value(g, kw, argv[0], req))
			return -EINVAL;
		req->present |= 1ULL << kw->attr;
		i = 1;
	}
	for (; i < argc; i += 2) {
		const struct kw *kw = find_kw(g, argv[i]);

		if (!kw) {
			args_error(g, "unknown argument \"%s\"", argv[i]);
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			args_error(g, "\"%s\" needs a value", argv[i]);
			return -EINVAL;
		}
		if (req_has(req, kw->attr)) {
			args_error(g, "\"%s\" is given twice", argv[i]);
			return -EINVAL;
		}
		if (parse_value(g, kw, argv[i + 1], req))
			return -EINVAL;
		req->present |= 1ULL << kw->attr;
	}
	return 0;
}

int args_require(const struct grammar *g, const struct tandem_req *req,
		 uint16_t attr)
{
	if (req_has(req, attr))
		return 0;
	args_error(g, "missing \"%s\"", args_keyword(g, attr));
	return -EINVAL;
}

int args_verb(const char *s)
{
	static const struct {
		const char *name;
		enum verb verb;
	} verbs[] = {
		{ "add", VERB_ADD },
		{ "set", VERB_SET }, { "change", VERB_SET },
		{ "del", VERB_DEL }, { "delete", VERB_DEL },
		{ "show", VERB_SHOW }, { "list", VERB_SHOW }, { "ls", VERB_SHOW },
		{ "help", VERB_HELP }, { "-h", VERB_HELP }, { "--help", VERB_HELP },
	};
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(s, verbs[i].name))
			return verbs[i].verb;
	return -EINVAL;
}
