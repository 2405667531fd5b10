// SPDX-License-Identifier: GPL-2.0
/* The configuration file: reading lines, sections, loading and freeing. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#include "config_ctx.h"
#include "ctlsock.h"

void ctx_error(struct config_ctx *ctx, unsigned int line, const char *fmt, ...)
{
	char msg[512], full[TD_PATH_MAX + 600];
	struct ctx_msg *m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(full, sizeof(full), "%s:%u: %s", ctx->path, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", ctx->path, msg);
	m = reallocarray(ctx->msgs, ctx->n_errors + 1, sizeof(*m));
	if (m) {
		ctx->msgs = m;
		m[ctx->n_errors].line = line;
		m[ctx->n_errors].seq = ctx->n_errors;
		m[ctx->n_errors].text = strdup(full);
	}
	ctx->n_errors++;
}

static int msg_cmp(const void *a, const void *b)
{
	const struct ctx_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hand the errors over in the order of the file, then forget them. */
static void flush_errors(struct config_ctx *ctx)
{
	unsigned int i;

	if (!ctx->msgs)
		return;
	qsort(ctx->msgs, ctx->n_errors, sizeof(*ctx->msgs), msg_cmp);
	for (i = 0; i < ctx->n_errors; i++) {
		if (ctx->err)
			ctx->err(ctx->data, ctx->msgs[i].text ?: "out of memory");
		free(ctx->msgs[i].text);
	}
	free(ctx->msgs);
	ctx->msgs = NULL;
}

static void open_section(struct config_ctx *ctx, const char *section);

/* A "[section]" line (text after the '['); inih reports it if malformed. */
static void section_line(struct config_ctx *ctx, char *text)
{
	char *end = strchr(text, ']');

	if (!end) {
		ctx->kind = SEC_BAD;	/* inih reports the line */
		return;
	}
	*end = '\0';
	while (*text == ' ' || *text == '\t')
		text++;
	while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	ctx->section_line = ctx->line;
	open_section(ctx, text);
}

/*
 * inih's line reader: one whole line per call, counted. A line too long
 * for inih's buffer is reported and replaced by an empty line, so that it
 * never goes on as a line of its own.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct config_ctx *ctx = stream;
	char *p;
	ssize_t len;

	len = getline(&ctx->buf, &ctx->buf_size, ctx->f);
	if (len < 0)
		return NULL;
	ctx->line++;
	if (len >= num - 1) {
		ctx_error(ctx, ctx->line, "line longer than %d characters", num - 2);
		snprintf(str, num, "\n");
		return str;
	}
	memcpy(str, ctx->buf, len + 1);
	p = ctx->buf + strspn(ctx->buf, " \t");
	if (*p == '[')
		section_line(ctx, p + 1);
	return str;
}

static struct td_group *find_group(struct td_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->n_groups; i++)
		if (!strcmp(cfg->group[i].name, name))
			return &cfg->group[i];
	return NULL;
}

static void *grow(void *array, unsigned int n, size_t size)
{
	return reallocarray(array, n + 1, size);
}

static void open_node(struct config_ctx *ctx)
{
	if (ctx->node_line) {
		ctx_error(ctx, ctx->section_line,
			  "[node] given twice (first on line %u)", ctx->node_line);
		ctx->kind = SEC_BAD;
		return;
	}
	ctx->node_line = ctx->section_line;
	ctx->kind = SEC_NODE;
}

static void open_group(struct config_ctx *ctx, const char *name)
{
	struct td_config *cfg = ctx->cfg;
	struct td_group *g = find_group(cfg, name);
	void *p;

	ctx->kind = SEC_BAD;
	if (parse_group_name(name)) {
		ctx_error(ctx, ctx->section_line,
			  "bad group name \"%s\": 1 to %d characters of A-Z a-z 0-9 _ . -",
			  name, TANDEM_GROUP_NAME_MAX - 1);
		return;
	}
	if (g) {
		ctx_error(ctx, ctx->section_line,
			  "[group %s] given twice (first on line %u)", name, g->line);
		return;
	}
	p = grow(cfg->group, cfg->n_groups, sizeof(*cfg->group));
	if (!p) {
		ctx_error(ctx, ctx->section_line, "out of memory");
		return;
	}
	cfg->group = p;
	g = &cfg->group[cfg->n_groups++];
	memset(g, 0, sizeof(*g));
	memcpy(g->name, name, strlen(name) + 1);	/* checked above */
	g->line = ctx->section_line;
	group_defaults(g);
	ctx->group = g;
	ctx->kind = SEC_GROUP;
}

static void open_service(struct config_ctx *ctx, const char *name,
			 const char *port_text)
{
	struct td_group *g = find_group(ctx->cfg, name);
	struct td_service *s;
	uint64_t port;
	unsigned int i;
	void *p;

	ctx->kind = SEC_BAD;
	if (!g) {
		ctx_error(ctx, ctx->section_line,
			  "[service %s %s]: no [group %s] before it", name,
			  port_text, name);
		return;
	}
	if (parse_u64(port_text, 1, UINT16_MAX, &port)) {
		ctx_error(ctx, ctx->section_line,
			  "[service %s %s]: the port must be 1..65535", name,
			  port_text);
		return;
	}
	for (i = 0; i < g->n_services; i++) {
		if (g->service[i].port != port)
			continue;
		ctx_error(ctx, ctx->section_line,
			  "[service %s %s] given twice (first on line %u)",
			  name, port_text, g->service[i].line);
		return;
	}
	p = grow(g->service, g->n_services, sizeof(*g->service));
	if (!p) {
		ctx_error(ctx, ctx->section_line, "out of memory");
		return;
	}
	g->service = p;
	s = &g->service[g->n_services++];
	memset(s, 0, sizeof(*s));
	s->port = port;
	s->line = ctx->section_line;
	service_defaults(s);
	ctx->group = g;
	ctx->service = s;
	ctx->kind = SEC_SERVICE;
}

/* A new section: "node", "group NAME" or "service NAME PORT". */
static void open_section(struct config_ctx *ctx, const char *section)
{
	char word[3][256];
	int n;

	snprintf(ctx->section, sizeof(ctx->section), "%s", section);
	memset(ctx->seen, 0, sizeof(ctx->seen));
	ctx->group = NULL;
	ctx->service = NULL;
	n = sscanf(section, "%255s %255s %255s %*s", word[0], word[1], word[2]);
	if (n == 1 && !strcmp(word[0], "node"))
		return open_node(ctx);
	if (n == 2 && !strcmp(word[0], "group"))
		return open_group(ctx, word[1]);
	if (n == 3 && !strcmp(word[0], "service") &&
	    !strchr(section + strlen("service"), '\t'))
		return open_service(ctx, word[1], word[2]);
	ctx->kind = SEC_BAD;
	ctx_error(ctx, ctx->section_line,
		  "unknown section [%s]: expected [node], [group NAME] or [service GROUP PORT]",
		  section);
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct config_ctx *ctx = user;

	if (!*section) {
		ctx_error(ctx, ctx->line, "\"%s\" outside of any section", name);
		return 1;
	}
	switch (ctx->kind) {
	case SEC_NODE:
		ctx_node_key(ctx, name, value);
		break;
	case SEC_GROUP:
		ctx_group_key(ctx, name, value);
		break;
	case SEC_SERVICE:
		ctx_service_key(ctx, name, value);
		break;
	case SEC_NONE:
	case SEC_BAD:
		break;
	}
	return 1;
}

static void config_defaults(struct td_config *cfg, const char *path)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "%s", path);
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "/var/lib/tandemd");
	snprintf(cfg->control, sizeof(cfg->control), "%s",
		 TANDEMD_CONTROL_DEFAULT);
	cfg->log_level = TD_LOG_INFO;
	cfg->realtime = true;
	cfg->rt_priority = TD_RT_PRIORITY;
	cfg->lock_memory = true;
	cfg->metrics_interval = 15000000000LL;	/* 15 s */
}

int config_load(const char *path, struct td_config *cfg,
		td_config_err_fn err, void *data)
{
	struct config_ctx ctx = { .cfg = cfg, .path = path, .err = err,
				  .data = data };
	int ret;

	config_defaults(cfg, path);
	ctx.f = fopen(path, "re");
	if (!ctx.f) {
		ret = -errno;
		ctx_error(&ctx, 0, "cannot open the configuration: %s",
			  strerror(-ret));
		flush_errors(&ctx);
		return ret;
	}
	ret = ini_parse_stream(read_line, &ctx, handler, &ctx);
	if (ret > 0)
		ctx_error(&ctx, ret, "syntax error: expected [section], name = value, or a comment");
	else if (ret < 0)
		ctx_error(&ctx, 0, "cannot parse: out of memory");
	if (ferror(ctx.f))
		ctx_error(&ctx, ctx.line, "read error");
	fclose(ctx.f);
	free(ctx.buf);
	if (!ctx.n_errors)
		ctx_check(&ctx);
	flush_errors(&ctx);
	if (ctx.n_errors) {
		config_free(cfg);
		return -EINVAL;
	}
	return 0;
}

void config_free(struct td_config *cfg)
{
	unsigned int i, j, k;

	for (i = 0; i < cfg->n_groups; i++) {
		struct td_group *g = &cfg->group[i];

		explicit_bzero(g->key, sizeof(g->key));
		for (j = 0; j < g->n_services; j++)
			for (k = 0; k < g->service[j].n_checks; k++)
				free(g->service[j].check[k].command);
		free(g->service);
	}
	free(cfg->group);
	cfg->group = NULL;
	cfg->n_groups = 0;
}

const struct td_member *config_member(const struct td_group *g, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < g->n_members; i++)
		if (g->member[i].id == id)
			return &g->member[i];
	return NULL;
}

uint16_t config_member_port(const struct td_group *g, const struct td_member *m)
{
	return m->port ? m->port : g->port;
}
