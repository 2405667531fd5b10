/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The read-only commands about the namespace or one group, "tandem [ -j ]
 * OBJ [ show ] [ group NAME | group-id ID ]" (stats, conn): one request,
 * its replies decoded by lib/print.c's tables, printed as JSON or as text.
 */
#ifndef TANDEM_QUERY_H
#define TANDEM_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "tandem.h"

struct group_query {
	const char *obj;	/* "stats": the command, for messages */
	uint8_t cmd;		/* TANDEM_CMD_STATS_GET */
	bool dump;		/* replies: an array; else one object */
	const char *what_group;	/* "cannot read the counters of group %s" */
	const char *what_all;	/* "cannot read the counters" */
	/* The replies make sense (else a message on stderr), or NULL. */
	bool (*check)(struct json_object *out);
	void (*print_text)(FILE *f, struct json_object *out);
};

/* Parse, query, print: returns an exit status. */
int group_query_main(const struct group_query *q, const struct tandem_opts *opts,
		     int argc, char **argv);

/* Flush stdout: TANDEM_EXIT_OK, or TANDEM_EXIT_FAIL after a message. */
int output_done(void);

#endif /* TANDEM_QUERY_H */
