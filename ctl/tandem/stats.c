// SPDX-License-Identifier: GPL-2.0
/*
 * "tandem stats": the counters of the namespace or of one group, decoded by
 * lib/print.c's stats fields.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "print.h"
#include "report.h"
#include "tandem.h"

static const struct kw select_kws[] = {
	{ "group", KW_NAME, TANDEM_A_GROUP_NAME, 0, 0, 0 },
	{ "group-id", KW_NUM, TANDEM_A_GROUP_ID, 1, UINT32_MAX, 0 },
};

static const struct grammar grammar = GRAMMAR("stats", "show", select_kws, 0);

void stats_help(FILE *f)
{
	fputs("Usage: tandem [ -j [ -p ] ] stats [ show ] [ group NAME | group-id ID ]\n"
	      "The counters of the network namespace (since it was created or the\n"
	      "module loaded), or of one group (since it was created).\n", f);
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	return tandem_decode(nlh, NULL, data);
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

static int parse(int argc, char **argv, struct tandem_req *req)
{
	char label[64];

	if (argc && !strcmp(argv[0], "show")) {
		argc--;
		argv++;
	}
	req_init(req, TANDEM_OBJ_GROUP, TANDEM_CMD_STATS_GET);
	if (args_parse(&grammar, argc, argv, req))
		return -EINVAL;
	if (req_has(req, TANDEM_A_GROUP_NAME) || req_has(req, TANDEM_A_GROUP_ID)) {
		req_group_label(req, label, sizeof(label));
		snprintf(req->what, sizeof(req->what),
			 "cannot read the counters of group %s", label);
	} else {
		snprintf(req->what, sizeof(req->what), "cannot read the counters");
	}
	return 0;
}

int stats_main(const struct tandem_opts *opts, int argc, char **argv)
{
	struct json_object *out;
	struct tandem_req req;
	int ret;

	if (parse(argc, argv, &req))
		return TANDEM_EXIT_USAGE;
	out = json_object_new_object();
	if (!out)
		return TANDEM_EXIT_FAIL;
	ret = req_query(&req, reply_cb, NULL, out);
	if (!ret && !json_object_object_get_ex(out, "counters", NULL)) {
		fputs("tandem: stats: the kernel's reply has no counters\n", stderr);
		ret = -EBADMSG;
	}
	if (!ret && opts->json)
		tandem_print_json(stdout, out, opts->pretty);
	else if (!ret)
		print_text(stdout, out);
	json_object_put(out);
	if (ret)
		return TANDEM_EXIT_FAIL;
	if (fflush(stdout)) {
		fprintf(stderr, "tandem: cannot write the output: %s\n",
			strerror(errno));
		return TANDEM_EXIT_FAIL;
	}
	return TANDEM_EXIT_OK;
}
