// SPDX-License-Identifier: GPL-2.0
/*
 * tandem switchover GROUP [ to NODE ]: ask this node's tandemd to have the
 * primary of GROUP hand over to NODE (or to the best backup): itself if it
 * is the primary, else the primary it follows (forwarded).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "daemon.h"
#include "parse.h"
#include "print.h"
#include "report.h"

void switchover_help(FILE *f)
{
	fputs("Usage: tandem switchover GROUP [ to NODE_ID ]\n"
	      "Asks the primary of GROUP (through this node's tandemd, which\n"
	      "forwards it to the primary it follows if it is a backup) to hand\n"
	      "over to NODE_ID, or to the best backup: healthy, not in standby,\n"
	      "most protected connections, then priority, then lowest node id.\n", f);
}

static int parse(int argc, char **argv, char *line, size_t size)
{
	uint64_t node = 0;

	if (argc < 1 || argc == 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[1], "to"))) {
		report_usage("switchover", "switchover: expected GROUP [ to NODE_ID ]");
		return -EINVAL;
	}
	if (parse_group_name(argv[0])) {
		report_usage("switchover", "switchover: bad group name \"%s\"", argv[0]);
		return -EINVAL;
	}
	if (argc == 3 && parse_u64(argv[2], 1, UINT32_MAX, &node)) {
		report_usage("switchover", "switchover: bad node id \"%s\"", argv[2]);
		return -EINVAL;
	}
	if (node)
		snprintf(line, size, "switchover %s %llu", argv[0],
			 (unsigned long long)node);
	else
		snprintf(line, size, "switchover %s", argv[0]);
	return 0;
}

int switchover_main(const struct tandem_opts *opts, int argc, char **argv)
{
	struct json_object *reply, *err;
	char line[128];
	int ret;

	if (parse(argc, argv, line, sizeof(line)))
		return TANDEM_EXIT_USAGE;
	ret = tandemd_request(line, &reply);
	if (ret) {
		fprintf(stderr, "tandem: cannot switch %s over: no tandemd answers here: %s\n",
			argv[0], strerror(-ret));
		return TANDEM_EXIT_FAIL;
	}
	if (opts->json)
		tandem_print_json(stdout, reply, opts->pretty);
	ret = json_object_object_get_ex(reply, "error", &err);
	if (ret)
		fprintf(stderr, "tandem: cannot switch %s over: %s\n", argv[0],
			json_object_get_string(err));
	json_object_put(reply);
	return ret ? TANDEM_EXIT_FAIL : TANDEM_EXIT_OK;
}
