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

int backend_open(struct td_daemon *d)
{
	int ret;

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
