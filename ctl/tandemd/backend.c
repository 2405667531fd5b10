// SPDX-License-Identifier: GPL-2.0
/* Choosing and opening the data path backend (backend.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "tandemd.h"

static int open_kmod(struct td_daemon *d, bool quiet)
{
	int ret = td_backend_kmod.open(d);

	if (ret && !quiet)
		report_open_error(stderr, ret);
	if (!ret)
		d->be = &td_backend_kmod;
	return ret;
}

static int open_bpf(struct td_daemon *d)
{
	int ret = td_backend_bpf.open(d);

	if (!ret)
		d->be = &td_backend_bpf;
	return ret;
}

/* Every group with a data path here has its bpf devices. */
static bool bpf_configured(const struct td_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_groups; i++) {
		const struct td_group *g = &cfg->group[i];

		if (!config_member(g, cfg->node_id)->witness && !g->bpf.n_client)
			return false;
	}
	return true;
}

int backend_open(struct td_daemon *d, bool needed)
{
	int ret;

	if (!needed) {
		d->be = &td_backend_none;
		return 0;
	}
	switch (d->cfg.datapath) {
	case TD_DATAPATH_KMOD:
		return open_kmod(d, false);
	case TD_DATAPATH_BPF:
		return open_bpf(d);
	case TD_DATAPATH_AUTO:
		break;
	}
	ret = open_kmod(d, true);
	if (!ret)
		return 0;
	if (!bpf_configured(&d->cfg)) {
		/* no bpf devices given: the module was meant */
		report_open_error(stderr, ret);
		return ret;
	}
	td_info("datapath auto: the module does not answer (%s): using bpf",
		strerror(-ret));
	return open_bpf(d);
}

void backend_close(struct td_daemon *d)
{
	if (d->be)
		d->be->close(d);
	d->be = NULL;
}

const char *backend_name(const struct td_daemon *d)
{
	return d->be ? d->be->name : "none";
}

/* No group had a data path at start (witness only): a reload that adds one
 * is told to restart, instead of calling into nothing. */
static int none_refuse(struct td_daemon *d, const struct td_group *g)
{
	(void)d;
	td_err("group %s: no data path was opened at start (every group was a witness): restart tandemd",
	       g->name);
	return -ENODEV;
}

static int none_open(struct td_daemon *d)
{
	(void)d;
	return 0;
}

static void none_close(struct td_daemon *d)
{
	(void)d;
}

static int none_epoch(struct td_daemon *d, const struct td_group *g,
		      uint64_t *epoch, uint8_t *role)
{
	(void)epoch;
	(void)role;
	return none_refuse(d, g);
}

static int none_role(struct td_daemon *d, const struct td_group *g,
		     enum td_role role, uint64_t epoch, int64_t lease_expiry)
{
	(void)role;
	(void)epoch;
	(void)lease_expiry;
	return none_refuse(d, g);
}

static int none_renew(struct td_daemon *d, const struct td_group *g,
		      int64_t lease_expiry)
{
	(void)lease_expiry;
	return none_refuse(d, g);
}

static int none_conns(struct td_daemon *d, const struct td_group *g,
		      uint32_t except, uint32_t *count)
{
	(void)except;
	(void)count;
	return none_refuse(d, g);
}

static int none_setup(struct td_daemon *d, const struct td_group *g,
		      const uint8_t *key)
{
	(void)key;
	return none_refuse(d, g);
}

static int none_keys(struct td_daemon *d, const struct td_group *g,
		     const uint8_t *key, const uint8_t *alt, uint32_t ms)
{
	(void)key;
	(void)alt;
	(void)ms;
	return none_refuse(d, g);
}

static int none_promote(struct td_daemon *d, const struct td_group *g,
			uint64_t epoch, int64_t lease_expiry, uint64_t prior)
{
	(void)epoch;
	(void)lease_expiry;
	(void)prior;
	return none_refuse(d, g);
}

const struct td_backend_ops td_backend_none = {
	.name = "none",
	.open = none_open,
	.close = none_close,
	.setup = none_setup,
	.set_keys = none_keys,
	.group_epoch = none_epoch,
	.set_role = none_role,
	.promote = none_promote,
	.renew = none_renew,
	.conns = none_conns,
};
