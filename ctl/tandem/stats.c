// SPDX-License-Identifier: GPL-2.0
/*
 * "tandem stats": the counters of the namespace or of one group, decoded by
 * lib/print.c's stats fields.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "query.h"

void stats_help(FILE *f)
{
	fputs("Usage: tandem [ -j [ -p ] ] stats [ show ] [ group NAME | group-id ID ]\n"
	      "The counters of the network namespace (since it was created or the\n"
	      "module loaded), or of one group (since it was created).\n", f);
}

static void print_text(FILE *f, struct json_object *out)
{
	struct json_object *group = NULL, *counters = NULL;
	int width = 0;

	json_object_object_get_ex(out, "counters", &counters);
	if (json_object_object_get_ex(out, "group", &group))
		fprintf(f, "stats: group %s\n", json_object_get_string(group));
	else
		fputs("stats: namespace\n", f);
	json_object_object_foreach(counters, name, v) {
		int len = strlen(name) + 1;

		(void)v;
		if (len > width)
			width = len;
	}
	json_object_object_foreach(counters, key, val) {
		char label[64];

		snprintf(label, sizeof(label), "%s:", key);
		fprintf(f, "  %-*s %" PRIu64 "\n", width, label,
			json_object_get_uint64(val));
	}
}

static bool has_counters(struct json_object *out)
{
	if (json_object_object_get_ex(out, "counters", NULL))
		return true;
	fputs("tandem: stats: the kernel's reply has no counters\n", stderr);
	return false;
}

static const struct group_query query = {
	.obj = "stats",
	.cmd = TANDEM_CMD_STATS_GET,
	.what_group = "cannot read the counters of group %s",
	.what_all = "cannot read the counters",
	.check = has_counters,
	.print_text = print_text,
};

int stats_main(const struct tandem_opts *opts, int argc, char **argv)
{
	return group_query_main(&query, opts, argc, argv);
}
