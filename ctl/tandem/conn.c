// SPDX-License-Identifier: GPL-2.0
/*
 * "tandem conn show": the connections of the replica groups, as this node
 * sees them (TANDEM_CMD_CONN_GET), decoded by lib/print.c's conn fields.
 */
#include <errno.h>
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

static const struct grammar grammar = GRAMMAR("conn", "show", select_kws, 0);

void conn_help(FILE *f)
{
	fputs("Usage: tandem [ -j [ -p ] ] conn [ show ] [ group NAME | group-id ID ]\n"
	      "The protected connections as this node sees them: client, service port,\n"
	      "state, flags (diverged, unprotected, held), and per peer whether it\n"
	      "protects the connection and how many bytes it lags.\n", f);
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct json_object *conn = json_object_new_object();

	if (!conn)
		return -ENOMEM;
	json_object_array_add(data, conn);
	return tandem_decode(nlh, NULL, conn);
}

static void reset_cb(void *data)
{
	struct json_object *out = data;

	json_object_array_del_idx(out, 0, json_object_array_length(out));
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "?";
}

static void print_text(FILE *f, struct json_object *out)
{
	size_t i, j, n = json_object_array_length(out);
	struct json_object *c, *peers, *p, *flags;

	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(out, i);
		fprintf(f, "conn %s:%s -> port %s group %s state %s age %sms queued %s",
			str(c, "client"), str(c, "client_port"), str(c, "port"),
			str(c, "group"), str(c, "state"), str(c, "age_ms"),
			str(c, "queued_bytes"));
		if (json_object_object_get_ex(c, "flags", &flags))
			for (j = 0; j < json_object_array_length(flags); j++)
				fprintf(f, " %s", json_object_get_string(
					json_object_array_get_idx(flags, j)));
		fputc('\n', f);
		json_object_object_get_ex(c, "peers", &peers);
		for (j = 0; j < json_object_array_length(peers); j++) {
			p = json_object_array_get_idx(peers, j);
			fprintf(f, "  peer %s %s lag %s bytes\n", str(p, "node"),
				str(p, "state"), str(p, "lag_bytes"));
		}
	}
}

static int parse(int argc, char **argv, struct tandem_req *req)
{
	char label[64];

	if (argc && !strcmp(argv[0], "show")) {
		argc--;
		argv++;
	}
	req_init(req, TANDEM_OBJ_GROUP, TANDEM_CMD_CONN_GET);
	req->dump = true;
	if (args_parse(&grammar, argc, argv, req))
		return -EINVAL;
	if (req_has(req, TANDEM_A_GROUP_NAME) || req_has(req, TANDEM_A_GROUP_ID)) {
		req_group_label(req, label, sizeof(label));
		snprintf(req->what, sizeof(req->what),
			 "cannot list the connections of group %s", label);
	} else {
		snprintf(req->what, sizeof(req->what), "cannot list connections");
	}
	return 0;
}

int conn_main(const struct tandem_opts *opts, int argc, char **argv)
{
	struct json_object *out;
	struct tandem_req req;
	int ret;

	if (parse(argc, argv, &req))
		return TANDEM_EXIT_USAGE;
	out = json_object_new_array();
	if (!out)
		return TANDEM_EXIT_FAIL;
	ret = req_query(&req, reply_cb, reset_cb, out);
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
