/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line grammar: "keyword value" pairs, described by tables,
 * parsed into the attribute values of a request. Errors are reported on
 * stderr, naming the offending argument; functions return 0 or -EINVAL.
 */
#ifndef TANDEM_ARGS_H
#define TANDEM_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"

enum kw_type {
	KW_NUM,		/* decimal number in min..max */
	KW_SIZE,	/* the same, with an optional K/M/G suffix */
	KW_ADDR,	/* IPv4 or IPv6 address */
	KW_NAME,	/* group name */
	KW_KEY,		/* key file, or "-" for standard input */
	KW_ROLE,	/* primary|backup|fenced */
	KW_ONOFF,	/* on|off */
	KW_MAC,		/* hmac-sha256|xchacha20-poly1305 */
};

#define KW_ZERO_OK	0x1	/* 0 is also accepted, outside min..max */

struct kw {
	const char *name;
	enum kw_type type;
	uint16_t attr;
	uint64_t min, max;
	unsigned int flags;
};

struct grammar {
	const char *obj;	/* "group": for messages and the help hint */
	const char *cmd;	/* "add" */
	const struct kw *kws;
	size_t count;
	/* When nonzero: a first argument that is no keyword is this value. */
	uint16_t positional;
};

#define GRAMMAR(o, c, k, p) \
	{ .obj = o, .cmd = c, .kws = k, .count = sizeof(k) / sizeof(k[0]), \
	  .positional = p }

/* Parse argv into req. */
int args_parse(const struct grammar *g, int argc, char **argv,
	       struct tandem_req *req);

/* Report and fail unless req has a value for attr. */
int args_require(const struct grammar *g, const struct tandem_req *req,
		 uint16_t attr);

/* Report a usage error of the command g describes. */
void args_error(const struct grammar *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The keyword that sets attr, for messages. */
const char *args_keyword(const struct grammar *g, uint16_t attr);

/* Whether s is "help", "-h" or "--help". */
int args_is_help(const char *s);

enum verb {
	VERB_ADD,
	VERB_SET,
	VERB_DEL,
	VERB_SHOW,
	VERB_HELP,
};

/* The verb named by s (with its aliases), or -EINVAL. */
int args_verb(const char *s);

#endif /* TANDEM_ARGS_H */
