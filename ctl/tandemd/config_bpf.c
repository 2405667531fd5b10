// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration of the bpf data path (docs/tandemd.md, "Data paths"):
 *
 *   [node]
 *   datapath = auto | kmod | bpf      auto: kmod if the module answers
 *   bpf-pin-dir = DIR                 [/sys/fs/bpf/tandem]
 *   insecure-transport-for-tests = yes
 *                                     replication devices that are not
 *                                     WireGuard/xfrm allowed: tests only
 *   [group NAME]
 *   bpf-client-dev = DEV              a client-facing device (repeated)
 *   bpf-repl-dev = ID DEV             the replication device to member ID
 *   bpf-wireguard = ID DEV PORT       the same, a WireGuard device that
 *                                     tandemd creates and keys from the
 *                                     group key (wg.c), PORT the pair's
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_bpf.h"

void config_datapath_key(struct config_ctx *ctx, void *obj, const char *value)
{
	struct td_config *cfg = obj;

	if (!strcmp(value, "auto"))
		cfg->datapath = TD_DATAPATH_AUTO;
	else if (!strcmp(value, "kmod"))
		cfg->datapath = TD_DATAPATH_KMOD;
	else if (!strcmp(value, "bpf"))
		cfg->datapath = TD_DATAPATH_BPF;
	else
		ctx_error(ctx, ctx->line,
			  "datapath: \"%s\" unknown: expected kmod, bpf or auto",
			  value);
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < TD_IFNAME_MAX && !strpbrk(s, " \t/:") &&
	       strcmp(s, ".") && strcmp(s, "..");
}

static void note_line(struct config_ctx *ctx, struct td_group *g)
{
	if (!g->bpf.line)
		g->bpf.line = ctx->line;
}

void config_bpf_client_key(struct config_ctx *ctx, void *obj, const char *value)
{
	struct td_group *g = obj;

	if (!ifname_ok(value)) {
		ctx_error(ctx, ctx->line,
			  "bpf-client-dev: \"%s\" is not a device name (1..%d characters)",
			  value, TD_IFNAME_MAX - 1);
		return;
	}
	if (g->bpf.n_client == TD_BPF_DEVS_MAX) {
		ctx_error(ctx, ctx->line, "bpf-client-dev: more than %d devices",
			  TD_BPF_DEVS_MAX);
		return;
	}
	note_line(ctx, g);
	snprintf(g->bpf.client_dev[g->bpf.n_client++], TD_IFNAME_MAX, "%s", value);
}

/* "ID DEV" (bpf-repl-dev) or "ID DEV PORT" (bpf-wireguard, want_port) */
static void repl_entry(struct config_ctx *ctx, struct td_group *g,
		       const char *key, const char *value, bool want_port)
{
	char id[16], dev[64], port[16], extra[2];
	unsigned long n, p = 0;
	char *end, *pend = NULL;
	int got;

	got = sscanf(value, "%15s %63s %15s %1s", id, dev, port, extra);
	if (got != 2 + want_port) {
		ctx_error(ctx, ctx->line, "%s: expected \"ID DEVICE%s\"", key,
			  want_port ? " PORT" : "");
		return;
	}
	n = strtoul(id, &end, 10);
	if (*end || !n || n > UINT32_MAX || !ifname_ok(dev)) {
		ctx_error(ctx, ctx->line,
			  "%s: \"%s\" is not a member id and a device name%s",
			  key, value, want_port ? " and a port" : "");
		return;
	}
	if (want_port) {
		p = strtoul(port, &pend, 10);
		if (*pend || port[0] == '-' || !p || p > UINT16_MAX) {
			ctx_error(ctx, ctx->line,
				  "%s: port \"%s\" is not 1..65535", key, port);
			return;
		}
	}
	if (g->bpf.n_repl == AGREE_MAX_MEMBERS) {
		ctx_error(ctx, ctx->line, "%s: more than %d devices", key,
			  AGREE_MAX_MEMBERS);
		return;
	}
	note_line(ctx, g);
	g->bpf.repl[g->bpf.n_repl].id = n;
	g->bpf.repl[g->bpf.n_repl].line = ctx->line;
	g->bpf.repl[g->bpf.n_repl].wg_port = p;
	memcpy(g->bpf.repl[g->bpf.n_repl++].dev, dev, strlen(dev) + 1);
}

void config_bpf_repl_key(struct config_ctx *ctx, void *obj, const char *value)
{
	repl_entry(ctx, obj, "bpf-repl-dev", value, false);
}

void config_bpf_wg_key(struct config_ctx *ctx, void *obj, const char *value)
{
	repl_entry(ctx, obj, "bpf-wireguard", value, true);
}

static const char *repl_dev(const struct td_group *g, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < g->bpf.n_repl; i++)
		if (g->bpf.repl[i].id == id)
			return g->bpf.repl[i].dev;
	return NULL;
}

/* b, given after a: one device per member, and tandemd's WireGuard devices
 * each of its own (its name, its port: one UDP socket per device) */
static void check_pair(struct config_ctx *ctx, const struct td_bpf_repl *a,
		       const struct td_bpf_repl *b)
{
	const char *key = b->wg_port ? "bpf-wireguard" : "bpf-repl-dev";

	if (a->id == b->id)
		ctx_error(ctx, b->line, "%s: member %u given twice (line %u)",
			  key, b->id, a->line);
	else if ((a->wg_port || b->wg_port) && !strcmp(a->dev, b->dev))
		ctx_error(ctx, b->line,
			  "%s: device %s given for members %u and %u: a WireGuard device has one peer",
			  key, b->dev, a->id, b->id);
	else if (a->wg_port && a->wg_port == b->wg_port)
		ctx_error(ctx, b->line,
			  "%s: port %u given for members %u and %u: one per pair",
			  key, b->wg_port, a->id, b->id);
}

static void check_repl(struct config_ctx *ctx, struct td_group *g,
		       const struct td_member *self)
{
	const struct td_member *m;
	unsigned int i, j;

	for (i = 0; i < g->bpf.n_repl; i++) {
		m = config_member(g, g->bpf.repl[i].id);
		if (!m || m == self || m->witness)
			ctx_error(ctx, g->bpf.repl[i].line,
				  "%s: %u is not another member with a data path",
				  g->bpf.repl[i].wg_port ? "bpf-wireguard" :
				  "bpf-repl-dev", g->bpf.repl[i].id);
		for (j = 0; j < i; j++)
			check_pair(ctx, &g->bpf.repl[j], &g->bpf.repl[i]);
	}
}

void config_bpf_check(struct config_ctx *ctx, struct td_group *g,
		      const struct td_member *self)
{
	unsigned int i, peers = 0;

	if (g->bpf.line)
		check_repl(ctx, g, self);
	if (ctx->cfg->datapath != TD_DATAPATH_BPF || self->witness)
		return;
	if (g->has_vip && g->vip.family != AF_INET)
		ctx_error(ctx, g->line,
			  "[group %s]: datapath bpf: IPv4 VIPs only (IPv6 is not built)",
			  g->name);
	if (!g->bpf.n_client)
		ctx_error(ctx, g->line,
			  "[group %s]: datapath bpf needs bpf-client-dev (the client-facing devices)",
			  g->name);
	for (i = 0; i < g->n_members; i++) {
		const struct td_member *m = &g->member[i];

		if (m == self || m->witness)
			continue;
		if (!repl_dev(g, m->id))
			ctx_error(ctx, g->line,
				  "[group %s]: datapath bpf needs bpf-repl-dev %u DEVICE or bpf-wireguard %u DEVICE PORT (the replication device to member %u)",
				  g->name, m->id, m->id, m->id);
		peers++;
	}
	if (peers > TANDEM_BPF_PEERS_MAX)
		ctx_error(ctx, g->line,
			  "[group %s]: datapath bpf: at most %d other members with a data path",
			  g->name, TANDEM_BPF_PEERS_MAX);
}
