// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "args.h"
#include "print.h"
#include "query.h"

static const struct kw select_kws[] = {
	{ "group", KW_NAME, TANDEM_A_GROUP_NAME, 0, 0, 0 },
	{ "group-id", KW_NUM, TANDEM_A_GROUP_ID, 1, UINT32_MAX, 0 },
};

int output_done(void)
{
	if (fflush(stdout)) {
		fprintf(stderr, "tandem: cannot write the output: %s\n",
			strerror(errno));
		return TANDEM_EXIT_FAIL;
	}
	return TANDEM_EXIT_OK;
}

static int parse(const struct group_query *q, int argc, char **argv,
		 struct tandem_req *req)
{
	const struct grammar g = GRAMMAR(q->obj, "show", select_kws, 0);
	char label[64];

	if (argc && !strcmp(argv[0], "show")) {
		argc--;
		argv++;
	}
	req_init(req, TANDEM_OBJ_GROUP, q->cmd);
	req->dump = q->dump;
	if (args_parse(&g, argc, argv, req))
		return -EINVAL;
	if (req_has(req, TANDEM_A_GROUP_NAME) || req_has(req, TANDEM_A_GROUP_ID)) {
		req_group_label(req, label, sizeof(label));
		snprintf(req->what, sizeof(req->what), q->what_group, label);
	} else {
		snprintf(req->what, sizeof(req->what), "%s", q->what_all);
	}
	return 0;
}

/* A reply of a dump: one more object of the array. */
static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct json_object *obj = json_object_new_object();

	if (!obj)
		return -ENOMEM;
	json_object_array_add(data, obj);
	return tandem_decode(nlh, NULL, obj);
}

static void dump_reset(void *data)
{
	struct json_object *out = data;

	json_object_array_del_idx(out, 0, json_object_array_length(out));
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	return tandem_decode(nlh, NULL, data);
}

int group_query_main(const struct group_query *q, const struct tandem_opts *opts,
		     int argc, char **argv)
{
	struct json_object *out;
	struct tandem_req req;
	int ret;

	if (parse(q, argc, argv, &req))
		return TANDEM_EXIT_USAGE;
	out = q->dump ? json_object_new_array() : json_object_new_object();
	if (!out)
		return TANDEM_EXIT_FAIL;
	ret = req_query(&req, q->dump ? dump_cb : reply_cb,
			q->dump ? dump_reset : NULL, out);
	if (!ret && q->check && !q->check(out))
		ret = -EBADMSG;
	if (!ret && opts->json)
		tandem_print_json(stdout, out, opts->pretty);
	else if (!ret)
		q->print_text(stdout, out);
	json_object_put(out);
	return ret ? TANDEM_EXIT_FAIL : output_done();
}
