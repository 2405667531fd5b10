// SPDX-License-Identifier: GPL-2.0
/*
 * tandem: configure and watch the replica groups of tandem.ko.
 *
 *   tandem [ OPTIONS ] COMMAND { ARGS | help }
 *
 * Every command is a row of commands[]: dispatch, the usage and "tandem
 * help" come from it.
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
#include "query.h"
#include "report.h"
#include "tandem.h"

#ifndef TANDEM_VERSION_STRING
#define TANDEM_VERSION_STRING "0.1"
#endif

/* A command of the CLI: "tandem [ OPTIONS ] NAME ARGS...". */
struct command {
	const char *name;
	/* Runs the command (argv[0] is its first argument); an exit status. */
	int (*run)(const struct tandem_opts *opts, int argc, char **argv);
	const char *summary;	/* one line in the usage */
	void (*help)(FILE *f);	/* "tandem NAME help" */
	/*
	 * Entered into the namespace of -n before it runs (group, member and
	 * service enter it themselves, once their arguments parse).
	 */
	bool netns;
};

static int group_main(const struct tandem_opts *opts, int argc, char **argv);
static int member_main(const struct tandem_opts *opts, int argc, char **argv);
static int service_main(const struct tandem_opts *opts, int argc, char **argv);
static int genkey_run(const struct tandem_opts *opts, int argc, char **argv);

static const struct command commands[] = {
	{ "group", group_main, "replica groups: add, set, del, show",
	  group_help, false },
	{ "member", member_main, "the peer nodes of a group: add, set, del, show",
	  member_help, false },
	{ "service", service_main,
	  "the protected ports of a group: add, set, del, show",
	  service_help, false },
	{ "monitor", monitor_main, "print the changes as they happen",
	  monitor_help, true },
	{ "stats", stats_main, "the counters of the namespace or of a group",
	  stats_help, true },
	{ "conn", conn_main, "the protected connections", conn_help, true },
	{ "switchover", switchover_main,
	  "move the primary role to another node (through tandemd)",
	  switchover_help, true },
	{ "node", node_main,
	  "this node's tandemd: standby (maintenance), online, show",
	  node_help, true },
	{ "genkey", genkey_run, "print a new random group key", genkey_help,
	  false },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: tandem [ OPTIONS ] COMMAND { ARGS | help }\n"
	      "COMMAND := {", f);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "%s %s", i ? " |" : "", commands[i].name);
	fputs(" }\n"
	      "OPTIONS := { -j[son] | -p[retty] | -n[etns] NAME | -V[ersion] }\n"
	      "  -j, --json        JSON output\n"
	      "  -p, --pretty      indented JSON (with -j)\n"
	      "  -n, --netns NAME  act in network namespace NAME (ip netns)\n"
	      "Commands:\n", f);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fputs("Exit status: 0 success, 1 usage error, 2 refused by the kernel or the system.\n",
	      f);
}

static void help_all(FILE *f)
{
	size_t i;

	usage(f);
	for (i = 0; i < N_COMMANDS; i++) {
		fputc('\n', f);
		commands[i].help(f);
	}
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

/* quiet: no message when the module's family is missing (-ENOENT). */
static int open_session(const struct tandem_opts *opts, struct tandem_nl *nl,
			bool quiet)
{
	int ret;

	ret = switch_netns(opts);
	if (ret)
		return ret;
	ret = tandem_nl_open(nl);
	if (ret && !(quiet && ret == -ENOENT))
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

	ret = open_session(opts, &nl, show && req->obj == TANDEM_OBJ_GROUP);
	/* no module: a bpf node's groups are tandemd's alone */
	if (ret == -ENOENT && show && req->obj == TANDEM_OBJ_GROUP)
		return tandemd_show_groups(opts, req_has(req, TANDEM_A_GROUP_NAME) ?
					   req->name : NULL);
	if (ret)
		return TANDEM_EXIT_FAIL;
	if (show) {
		out = json_object_new_array();
		if (!out) {
			tandem_nl_close(&nl);
			return TANDEM_EXIT_FAIL;
		}
	}
	ret = req_exec(&nl, req, out);
	/* the module loaded, the group tandemd's on the bpf data path */
	if (ret == -ENOENT && req->cmd == TANDEM_CMD_GROUP_GET &&
	    req_has(req, TANDEM_A_GROUP_NAME) && tandemd_has_group(req->name)) {
		json_object_put(out);
		tandem_nl_close(&nl);
		return tandemd_show_groups(opts, req->name);
	}
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
	if (output_done())
		return TANDEM_EXIT_FAIL;
	return ret ? TANDEM_EXIT_FAIL : TANDEM_EXIT_OK;
}

static int run_object(const struct tandem_opts *opts,
		      int (*parse)(int argc, char **argv, struct tandem_req *req),
		      int argc, char **argv)
{
	struct tandem_req req;
	int ret;

	ret = parse(argc, argv, &req);
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

static int group_main(const struct tandem_opts *opts, int argc, char **argv)
{
	return run_object(opts, group_parse, argc, argv);
}

static int member_main(const struct tandem_opts *opts, int argc, char **argv)
{
	return run_object(opts, member_parse, argc, argv);
}

static int service_main(const struct tandem_opts *opts, int argc, char **argv)
{
	return run_object(opts, service_parse, argc, argv);
}

static int genkey_run(const struct tandem_opts *opts, int argc, char **argv)
{
	(void)opts;
	return genkey_main(argc, argv);
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

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct tandem_opts opts = { 0 };
	const struct command *cmd;
	const char *name;
	int first;

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
	cmd = find_command(name);
	if (!cmd) {
		report_usage(NULL, "unknown object \"%s\"", name);
		return TANDEM_EXIT_USAGE;
	}
	if (argc && args_is_help(argv[0])) {
		cmd->help(stdout);
		return TANDEM_EXIT_OK;
	}
	if (cmd->netns && switch_netns(&opts))
		return TANDEM_EXIT_FAIL;
	return cmd->run(&opts, argc, argv);
}
