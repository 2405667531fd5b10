/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to config*.c: the parser's state and its error reporting. */
#ifndef TANDEMD_CONFIG_CTX_H
#define TANDEMD_CONFIG_CTX_H

#include "config.h"

enum td_section { SEC_NONE, SEC_NODE, SEC_GROUP, SEC_SERVICE, SEC_BAD };

#define CTX_KEYS_MAX 64

struct ctx_msg {
	unsigned int line, seq;
	char *text;
};

struct config_ctx {
	struct td_config *cfg;
	const char *path;
	FILE *f;
	char *buf;			/* the current line (getline) */
	size_t buf_size;
	unsigned int line;		/* of the line inih is handling */
	unsigned int section_line;	/* of the current [section] header */
	unsigned int node_line;		/* of [node], 0 if none */
	unsigned int n_errors;
	struct ctx_msg *msgs;		/* reported sorted by line at the end */
	td_config_err_fn err;
	void *data;
	char section[256];		/* the current section's text */
	enum td_section kind;
	struct td_group *group;		/* of [group] or [service] */
	struct td_service *service;
	unsigned int seen[CTX_KEYS_MAX];	/* key index -> line given on */
};

/* Report "FILE:LINE: msg" (line 0: "FILE: msg"); counts the error. */
void ctx_error(struct config_ctx *ctx, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse one "name = value" of the current section (config_keys.c). */
void ctx_node_key(struct config_ctx *ctx, const char *name, const char *value);
void ctx_group_key(struct config_ctx *ctx, const char *name,
		   const char *value);
void ctx_service_key(struct config_ctx *ctx, const char *name,
		     const char *value);

/* Whole-file checks after parsing (config_check.c). */
void ctx_check(struct config_ctx *ctx);

/* Defaults of a new group and service. */
void group_defaults(struct td_group *g);
void service_defaults(struct td_service *s);

#endif /* TANDEMD_CONFIG_CTX_H */
