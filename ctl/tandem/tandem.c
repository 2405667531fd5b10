// SPDX-License-Identifier: GPL-2.0
/*
 * tandem: configure and watch the replica groups of tandem.ko.
 *
 *   tandem [ OPTIONS ] OBJECT { COMMAND | help } ...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "daemon.h"
#include "print.h"
#include "report.h"
#include "tandem.h"

#ifndef TANDEM_VERSION_STRING
#define TANDEM_VERSION_STRING "0.1"
#endif

struct object {
	const char *name;
	int (*parse)(int argc, char **argv, struct tandem_req *req);
	void (*help)(FILE *f);
};

static const struct object objects[] = {
	{ "group", group_parse, group_help },
	{ "member", member_parse, member_help },
	{ "service", service_parse, service_help },
};

static void usage(FILE *f)
{
	fputs("Usage: tandem [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "       tandem genkey\n"
	      "       tandem switchover GROUP [ to NODE_ID ]\n"
	      "OBJECT := { group | member | service | monitor | stats | conn }\n"
	      "COMMAND := { add | set | del | show }\n"
	      "OPTIONS := { -j[son] | -p[retty] | -n[etns] NAME | -V[ersion] }\n"
	      "  -j, --json        JSON output\n"
	      "  -p, --pretty      indented JSON (with -j)\n"
	      "  -n, --netns NAME  act in network namespace NAME (ip netns)\n"
	      "Exit status: 0 success, 1 usage error, 2 refused by the kernel or the system.\n",
	      f);
}

static void help_all(FILE *f)
{
	size_t i;

	usage(f);
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		fputc('\n', f);
		objects[i].help(f);
	}
	fputc('\n', f);
	monitor_help(f);
	fputc('\n', f);
	stats_help(f);
	fputc('\n', f);
	conn_help(f);
	fputc('\n', f);
	switchover_help(f);
}

/* Move to the network namespace called name by ip netns, or at a path. */
static int enter_netns(const char *name)
{
	static const char *const dirs[] = { "/run/netns", "/var/run/netns" };
	char path[PATH_MAX];
	int fd = -1, ret;
	size_t i;

	if (strchr(name, '/')) {
		fd = open(name, O_RDONLY | O_CLOEXEC);
	} else {
		for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && fd < 0; i++) {
			snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
	}
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}

static int switch_netns(const struct tandem_opts *opts)
{
	int ret;

	if (!opts->netns)
		return 0;
	ret = enter_netns(opts->netns);
	if (ret)
		fprintf(stderr, "tandem: cannot enter network namespace \"%s\": %s\n",
			opts->netns, strerror(-ret));
	return ret;
}

static int open_session(const struct tandem_opts *opts, struct tandem_nl *nl)
{
	int ret;

	ret = switch_netns(opts);
	if (ret)
		return ret;
	ret = tandem_nl_open(nl);
	if (ret)
		report_open_error(stderr, ret);
	return ret;
}

static int run(const struct tandem_opts *opts, const struct tandem_req *req)
{
	bool show = req->cmd == TANDEM_CMD_GROUP_GET ||
		    req->cmd == TANDEM_CMD_MEMBER_GET ||
		    req->cmd == TANDEM_CMD_SERVICE_GET;
	struct json_object *out = NULL;
	struct tandem_nl nl;
	int ret;

	if (open_session(opts, &nl))
		return TANDEM_EXIT_FAIL;
	if (show) {
		out = json_object_new_array();
		if (!out) {
			tandem_nl_close(&nl);
			return TANDEM_EXIT_FAIL;
		}
	}
	ret = req_exec(&nl, req, out);
	if (!ret && show && req->obj == TANDEM_OBJ_GROUP)
		tandemd_annotate(out);
	if (ret) {
		report_error(stderr, req->what, ret, &nl.err);
	} else if (show && opts->json) {
		tandem_print_json(stdout, out, opts->pretty);
	} else if (show && req->obj == TANDEM_OBJ_GROUP) {
		tandemd_print_groups(stdout, out);
	} else if (show) {
		tandem_print_blocks(stdout, req->obj, out);
	}
	json_object_put(out);
	tandem_nl_close(&nl);
	if (fflush(stdout)) {
		fprintf(stderr, "tandem: cannot write the output: %s\n",
			strerror(errno));
		return TANDEM_EXIT_FAIL;
	}
	return ret ? TANDEM_EXIT_FAIL : TANDEM_EXIT_OK;
}

static int run_object(const struct tandem_opts *opts, const struct object *o,
		      int argc, char **argv)
{
	struct tandem_req req;
	int ret;

	ret = o->parse(argc, argv, &req);
	if (ret == TANDEM_HELP)
		return TANDEM_EXIT_OK;
	if (ret) {
		req_wipe(&req);
		return TANDEM_EXIT_USAGE;
	}
	ret = run(opts, &req);
	req_wipe(&req);
	return ret;
}

/* Global options; returns the index of the object, or -1 after an error. */
static int parse_options(int argc, char **argv, struct tandem_opts *opts)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jpn:hV", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts->json = true;
			break;
		case 'p':
			opts->pretty = true;
			break;
		case 'n':
			opts->netns = optarg;
			break;
		case 'h':
			help_all(stdout);
			exit(TANDEM_EXIT_OK);
		case 'V':
			printf("tandem %s\n", TANDEM_VERSION_STRING);
			exit(TANDEM_EXIT_OK);
		default:
			if (optopt == 'n')
				report_usage(NULL, "option \"%s\" needs a network namespace name",
					     argv[optind - 1]);
			else
				report_usage(NULL, "unknown option \"%s\"",
					     argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	struct tandem_opts opts = { 0 };
	const char *name;
	int first;
	size_t i;

	first = parse_options(argc, argv, &opts);
	if (first < 0)
		return TANDEM_EXIT_USAGE;
	if (first >= argc) {
		usage(stderr);
		return TANDEM_EXIT_USAGE;
	}
	name = argv[first];
	argc -= first + 1;
	argv += first + 1;
	if (args_is_help(name)) {
		help_all(stdout);
		return TANDEM_EXIT_OK;
	}
	if (!strcmp(name, "genkey"))
		return genkey_main(argc, argv);
	if (!strcmp(name, "monitor")) {
		if (switch_netns(&opts))
			return TANDEM_EXIT_FAIL;
		return monitor_main(&opts, argc, argv);
	}
	if (!strcmp(name, "stats")) {
		if (switch_netns(&opts))
			return TANDEM_EXIT_FAIL;
		return stats_main(&opts, argc, argv);
	}
	if (!strcmp(name, "switchover")) {
		if (switch_netns(&opts))
			return TANDEM_EXIT_FAIL;
		return switchover_main(&opts, argc, argv);
	}
	if (!strcmp(name, "conn")) {
		if (switch_netns(&opts))
			return TANDEM_EXIT_FAIL;
		return conn_main(&opts, argc, argv);
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(name, objects[i].name))
			return run_object(&opts, &objects[i], argc, argv);
	report_usage(NULL, "unknown object \"%s\"", name);
	return TANDEM_EXIT_USAGE;
}
