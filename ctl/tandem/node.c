// SPDX-License-Identifier: GPL-2.0
/*
 * tandem node { standby | online } [ GROUP ]: maintenance mode of this
 * node, kept by its tandemd (ctl/tandemd/control.c) across restarts. In
 * standby the node is never elected primary, hands the primary role over
 * if it holds it, and keeps following as a backup.
 * tandem node show: this node's tandemd, one line per group.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "daemon.h"
#include "parse.h"
#include "print.h"
#include "report.h"

void node_help(FILE *f)
{
	fputs("Usage: tandem node { standby | online } [ GROUP ]\n"
	      "       tandem node show\n"
	      "standby: this node is never elected primary of GROUP (of every\n"
	      "group of its tandemd without one), hands the primary role over to\n"
	      "the best backup if it holds it (it stays primary when no backup can\n"
	      "take over), and keeps following as a backup; kept across tandemd\n"
	      "restarts (STATE_DIR/GROUP.standby). online: eligible again.\n"
	      "show: the role, epoch and standby state of each group of tandemd.\n",
	      f);
}

static struct json_object *field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static int show(const struct tandem_opts *opts)
{
	struct json_object *reply, *groups;
	size_t i;
	int ret;

	ret = tandemd_request("status", &reply);
	if (ret) {
		fprintf(stderr, "tandem: no tandemd answers here: %s\n", strerror(-ret));
		return TANDEM_EXIT_FAIL;
	}
	if (opts->json) {
		tandem_print_json(stdout, reply, opts->pretty);
		json_object_put(reply);
		return TANDEM_EXIT_OK;
	}
	printf("node %s\n", json_object_get_string(field(reply, "node_id")));
	groups = field(reply, "groups");
	for (i = 0; groups && i < json_object_array_length(groups); i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);

		printf("  group %s: %s, epoch %s, primary %s%s\n",
		       json_object_get_string(field(g, "name")),
		       json_object_get_string(field(g, "role")),
		       json_object_get_string(field(g, "epoch_str")),
		       json_object_get_uint64(field(g, "primary")) ?
		       json_object_get_string(field(g, "primary")) : "unknown",
		       json_object_get_boolean(field(g, "standby")) ?
		       ", standby" : "");
	}
	json_object_put(reply);
	return TANDEM_EXIT_OK;
}

int node_main(const struct tandem_opts *opts, int argc, char **argv)
{
	struct json_object *reply, *err;
	const char *cmd = argc ? argv[0] : "";
	char line[128];
	int ret;

	if (argc == 1 && !strcmp(cmd, "show"))
		return show(opts);
	if (argc < 1 || argc > 2 ||
	    (strcmp(cmd, "standby") && strcmp(cmd, "online"))) {
		report_usage("node", "node: expected { standby | online } [ GROUP ] or show");
		return TANDEM_EXIT_USAGE;
	}
	if (argc == 2 && parse_group_name(argv[1])) {
		report_usage("node", "node: bad group name \"%s\"", argv[1]);
		return TANDEM_EXIT_USAGE;
	}
	snprintf(line, sizeof(line), "%s%s%s", cmd, argc == 2 ? " " : "",
		 argc == 2 ? argv[1] : "");
	ret = tandemd_request(line, &reply);
	if (ret) {
		fprintf(stderr, "tandem: cannot set %s: no tandemd answers here: %s\n",
			cmd, strerror(-ret));
		return TANDEM_EXIT_FAIL;
	}
	if (opts->json)
		tandem_print_json(stdout, reply, opts->pretty);
	ret = json_object_object_get_ex(reply, "error", &err);
	if (ret)
		fprintf(stderr, "tandem: cannot set %s: %s\n", cmd,
			json_object_get_string(err));
	json_object_put(reply);
	return ret ? TANDEM_EXIT_FAIL : TANDEM_EXIT_OK;
}
