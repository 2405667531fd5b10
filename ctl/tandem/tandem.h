/* SPDX-License-Identifier: GPL-2.0 */
/* The tandem command line tool: its commands. */
#ifndef TANDEM_CLI_H
#define TANDEM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "request.h"

enum tandem_exit {
	TANDEM_EXIT_OK = 0,
	TANDEM_EXIT_USAGE = 1,	/* syntax error on the command line */
	TANDEM_EXIT_FAIL = 2,	/* the kernel or the system refused */
};

/* Returned by an object's parser after it printed the help asked for. */
#define TANDEM_HELP 1

struct tandem_opts {
	bool json;
	bool pretty;
	const char *netns;
};

/*
 * Each object parses "COMMAND ARGS..." (argv[0] is the command; argc may
 * be 0) into a request: 0, TANDEM_HELP, or -EINVAL after a usage error.
 */
int group_parse(int argc, char **argv, struct tandem_req *req);
int member_parse(int argc, char **argv, struct tandem_req *req);
int service_parse(int argc, char **argv, struct tandem_req *req);
void group_help(FILE *f);
void member_help(FILE *f);
void service_help(FILE *f);

/* "tandem monitor ...": returns an exit status. */
int monitor_main(const struct tandem_opts *opts, int argc, char **argv);
void monitor_help(FILE *f);

/* "tandem stats ...": returns an exit status. */
int stats_main(const struct tandem_opts *opts, int argc, char **argv);
void stats_help(FILE *f);

/* "tandem conn ...": returns an exit status. */
int conn_main(const struct tandem_opts *opts, int argc, char **argv);
void conn_help(FILE *f);

/* "tandem genkey": returns an exit status. */
int genkey_main(int argc, char **argv);
void genkey_help(FILE *f);

#endif /* TANDEM_CLI_H */
