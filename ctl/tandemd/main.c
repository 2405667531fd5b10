// SPDX-License-Identifier: GPL-2.0
/*
 * tandemd [-c FILE] [-t] [-V]
 *
 * The per-node controller of tandem replica groups (docs/tandemd.md).
 * -t checks the configuration and exits: 0 if valid, 1 with every error
 * as FILE:LINE: message otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "tandemd.h"

#define DEFAULT_CONFIG "/etc/tandem/tandemd.conf"

/* scripts/version.sh, through ctl/Makefile */
#ifndef TANDEM_VERSION_STRING
#define TANDEM_VERSION_STRING "0.1"
#endif

static void print_error(void *data, const char *msg)
{
	(void)data;
	fprintf(stderr, "%s\n", msg);
}

static void usage(FILE *f)
{
	fputs("Usage: tandemd [ -c FILE ] [ -t ] [ -V ]\n"
	      "  -c, --config FILE  the configuration [" DEFAULT_CONFIG "]\n"
	      "  -t, --test         check the configuration and exit\n"
	      "  -V, --version      print the version and exit\n"
	      "Signals: SIGHUP reloads the configuration, SIGTERM exits (a\n"
	      "primary hands over to the best backup first; the kernel groups\n"
	      "stay; a second SIGTERM exits at once).\n",
	      f);
}

static bool groups_need_kernel(const struct td_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_groups; i++)
		if (!config_member(&cfg->group[i], cfg->node_id)->witness)
			return true;
	return false;
}

static int open_kernel(struct td_daemon *d)
{
	if (d->be)
		return 0;
	return backend_open(d, groups_need_kernel(&d->cfg));
}

static int make_state_dir(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST) {
		td_err("cannot create the state directory %s: %s", dir,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

static struct td_grp *start_group(struct td_daemon *d, const struct td_group *cfg)
{
	struct td_grp *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	if (grp_start(d, g, cfg)) {
		grp_stop(g);
		free(g);
		return NULL;
	}
	return g;
}

static int start(struct td_daemon *d)
{
	unsigned int i;
	int ret;

	ret = loop_init(d);
	if (!ret)
		ret = open_kernel(d);
	if (!ret)
		ret = make_state_dir(d->cfg.state_dir);
	if (ret)
		return ret;
	d->grps = calloc(d->cfg.n_groups, sizeof(*d->grps));
	if (!d->grps)
		return -ENOMEM;
	for (i = 0; i < d->cfg.n_groups; i++) {
		d->grps[i] = start_group(d, &d->cfg.group[i]);
		if (!d->grps[i])
			return -EIO;
		d->n_grps++;
	}
	return control_open(d);
}

static void finish(struct td_daemon *d)
{
	unsigned int i;

	for (i = 0; i < d->n_grps; i++) {
		grp_stop(d->grps[i]);
		free(d->grps[i]);
	}
	free(d->grps);
	control_close(d);
	hook_kill_all();
	backend_close(d);
	config_free(&d->cfg);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct td_daemon d = { .config_path = DEFAULT_CONFIG,
			       .control.fd = -1 };
	bool check = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "c:thV", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tandemd %s\n", TANDEM_VERSION_STRING);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (config_load(d.config_path, &d.cfg, print_error, NULL))
		return 1;
	if (check) {
		printf("%s: ok\n", d.config_path);
		config_free(&d.cfg);
		return 0;
	}
	td_log_set_level(d.cfg.log_level);
	sched_apply(&d.cfg);
	ret = start(&d);
	if (!ret) {
		notify_systemd("READY=1");
		td_info("ready: node %u, %u group(s), control socket %s",
			d.cfg.node_id, d.n_grps, d.cfg.control);
		ret = loop_run(&d);
	}
	notify_systemd("STOPPING=1");
	finish(&d);
	return ret || d.failed ? 1 : 0;
}
