// SPDX-License-Identifier: GPL-2.0
/*
 * SIGHUP: load the configuration again and apply it without disturbing a
 * group whose agreement is unchanged: same id, VIP, members and timers
 * keep their core (and so their role and lease); their kernel
 * configuration (services, tunables), health checks and hook follow the
 * new file, and a new key is rotated to with overlap (rotate.c). A group
 * whose agreement changed restarts it (a restart of that
 * group: quiet period, new election if it was primary); a new group
 * starts; a group no longer configured is left in the kernel as it is. An
 * invalid file changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandemd.h"

static void log_error(void *data, const char *msg)
{
	(void)data;
	td_err("%s", msg);
}

static bool same_members(const struct td_group *a, const struct td_group *b)
{
	unsigned int i;

	if (a->n_members != b->n_members)
		return false;
	for (i = 0; i < a->n_members; i++) {
		const struct td_member *x = &a->member[i], *y = &b->member[i];

		if (x->id != y->id || x->port != y->port ||
		    x->priority != y->priority || x->witness != y->witness ||
		    x->addr.len != y->addr.len ||
		    memcmp(x->addr.bytes, y->addr.bytes, x->addr.len) ||
		    x->addr2.len != y->addr2.len ||
		    memcmp(x->addr2.bytes, y->addr2.bytes, x->addr2.len))
			return false;
	}
	return true;
}

/* Can the running core of a go on under b? */
static bool same_agreement(const struct td_group *a, const struct td_group *b)
{
	return a->id == b->id && a->agree_port == b->agree_port &&
	       a->port == b->port && same_members(a, b) &&
	       a->vip.len == b->vip.len &&
	       !memcmp(a->vip.bytes, b->vip.bytes, a->vip.len) &&
	       !memcmp(&a->agree, &b->agree, sizeof(a->agree));
}

/* Take the running group called name out of d->grps (NULL: none). */
static struct td_grp *take_grp(struct td_daemon *d, const char *name)
{
	struct td_grp *g;
	unsigned int i;

	for (i = 0; i < d->n_grps; i++) {
		g = d->grps[i];
		if (g && !strcmp(g->cfg->name, name)) {
			d->grps[i] = NULL;
			return g;
		}
	}
	return NULL;
}

static void keep(struct td_daemon *d, struct td_grp *g, const struct td_group *cfg)
{
	struct td_check_state *old;
	unsigned int n_old;

	health_detach(g, &old, &n_old);
	if (memcmp(g->cfg->key, cfg->key, sizeof(cfg->key)))
		rotate_begin(g, g->cfg, cfg);
	g->cfg = cfg;
	if (!g->witness && !kernel_setup_key(d, cfg, rotate_send_key(g)))
		rotate_kernel(g);
	if (health_start(g, old, n_old))
		td_err("group %s: cannot restart the health checks", cfg->name);
	free(old);
	td_info("group %s: reloaded, agreement unchanged", cfg->name);
}

static struct td_grp *restart(struct td_daemon *d, struct td_grp *old,
			      const struct td_group *cfg)
{
	struct td_grp *g = calloc(1, sizeof(*g));

	if (old) {
		td_warn("group %s: its agreement changed: restarting it", cfg->name);
		grp_stop(old);
		free(old);
	}
	if (g && grp_start(d, g, cfg)) {
		grp_stop(g);
		free(g);
		g = NULL;
	}
	if (!g)
		td_err("group %s: cannot start it: not managed until the next reload",
		       cfg->name);
	return g;
}

int reload_config(struct td_daemon *d)
{
	struct td_config cfg;
	struct td_grp **grps;
	unsigned int i, n = 0;

	if (config_load(d->config_path, &cfg, log_error, NULL)) {
		td_err("reload: %s has errors: configuration unchanged",
		       d->config_path);
		return -EINVAL;
	}
	if (cfg.node_id != d->cfg.node_id || strcmp(cfg.control, d->cfg.control) ||
	    strcmp(cfg.state_dir, d->cfg.state_dir) ||
	    cfg.datapath != d->cfg.datapath ||
	    strcmp(cfg.bpf_pin_dir, d->cfg.bpf_pin_dir)) {
		td_err("reload: the node id, state-dir, control socket, datapath and bpf-pin-dir need a restart: configuration unchanged");
		config_free(&cfg);
		return -EINVAL;
	}
	grps = calloc(cfg.n_groups, sizeof(*grps));
	if (!grps) {
		config_free(&cfg);
		return -ENOMEM;
	}
	for (i = 0; i < cfg.n_groups; i++) {
		struct td_grp *g = take_grp(d, cfg.group[i].name);

		if (g && same_agreement(g->cfg, &cfg.group[i]))
			keep(d, g, &cfg.group[i]);
		else
			g = restart(d, g, &cfg.group[i]);
		if (g)
			grps[n++] = g;
	}
	for (i = 0; i < d->n_grps; i++) {
		if (!d->grps[i])
			continue;
		td_warn("group %s: no longer configured: left in the kernel as it is",
			d->grps[i]->cfg->name);
		grp_stop(d->grps[i]);
		free(d->grps[i]);
	}
	free(d->grps);
	d->grps = grps;
	d->n_grps = n;
	config_free(&d->cfg);
	d->cfg = cfg;
	td_log_set_level(cfg.log_level);
	sched_apply(&d->cfg);
	return 0;
}
