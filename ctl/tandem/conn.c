// SPDX-License-Identifier: GPL-2.0
/*
 * "tandem conn show": the connections of the replica groups, as this node
 * sees them (TANDEM_CMD_CONN_GET).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "args.h"
#include "print.h"
#include "report.h"
#include "tandem.h"

static const struct kw select_kws[] = {
	{ "group", KW_NAME, TANDEM_A_GROUP_NAME, 0, 0, 0 },
	{ "group-id", KW_NUM, TANDEM_A_GROUP_ID, 1, UINT32_MAX, 0 },
};

static const struct grammar grammar = GRAMMAR("conn", "show", select_kws, 0);

static const char *const states[] = {
	[TANDEM_CONN_STATE_SYN] = "syn",
	[TANDEM_CONN_STATE_ESTABLISHED] = "established",
	[TANDEM_CONN_STATE_CLOSING] = "closing",
	[TANDEM_CONN_STATE_CLOSED] = "closed",
};

static const char *const peer_states[] = {
	[TANDEM_PEER_STATE_PROTECTING] = "protecting",
	[TANDEM_PEER_STATE_UNCONFIRMED] = "unconfirmed",
	[TANDEM_PEER_STATE_DROPPED] = "dropped",
	[TANDEM_PEER_STATE_REJOINING] = "rejoining",
};

void conn_help(FILE *f)
{
	fputs("Usage: tandem [ -j [ -p ] ] conn [ show ] [ group NAME | group-id ID ]\n"
	      "The protected connections as this node sees them: client, service port,\n"
	      "state, flags (diverged, unprotected, held), and per peer whether it\n"
	      "protects the connection and how many bytes it lags.\n", f);
}

static const char *name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

static int peer_cb(const struct nlattr *attr, void *data)
{
	struct json_object *peer = data;

	switch (mnl_attr_get_type(attr)) {
	case TANDEM_A_CONN_PEER_NODE_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(peer, "node",
				       json_object_new_int64(mnl_attr_get_u32(attr)));
		break;
	case TANDEM_A_CONN_PEER_STATE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(peer, "state", json_object_new_string(
			name_of(peer_states, sizeof(peer_states) / sizeof(peer_states[0]),
				mnl_attr_get_u8(attr))));
		break;
	case TANDEM_A_CONN_PEER_LAG_BYTES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(peer, "lag_bytes",
				       json_object_new_int64(mnl_attr_get_u32(attr)));
		break;
	}
	return MNL_CB_OK;
}

static struct json_object *flag_list(uint32_t flags)
{
	struct json_object *list = json_object_new_array();

	if (flags & TANDEM_CONN_DIVERGED)
		json_object_array_add(list, json_object_new_string("diverged"));
	if (flags & TANDEM_CONN_UNPROTECTED)
		json_object_array_add(list, json_object_new_string("unprotected"));
	if (flags & TANDEM_CONN_HELD)
		json_object_array_add(list, json_object_new_string("held"));
	return list;
}

static int conn_attr_cb(const struct nlattr *attr, void *data)
{
	struct json_object *conn = data, *peers, *peer;
	char addr[INET6_ADDRSTRLEN];

	switch (mnl_attr_get_type(attr)) {
	case TANDEM_A_GROUP_NAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(conn, "group",
				       json_object_new_string(mnl_attr_get_str(attr)));
		break;
	case TANDEM_A_CONN_CLIENT_ADDR:
		if (mnl_attr_get_payload_len(attr) == 4)
			inet_ntop(AF_INET, mnl_attr_get_payload(attr), addr, sizeof(addr));
		else if (mnl_attr_get_payload_len(attr) == 16)
			inet_ntop(AF_INET6, mnl_attr_get_payload(attr), addr, sizeof(addr));
		else
			return MNL_CB_ERROR;
		json_object_object_add(conn, "client", json_object_new_string(addr));
		break;
	case TANDEM_A_CONN_CLIENT_PORT:
	case TANDEM_A_CONN_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(conn, mnl_attr_get_type(attr) == TANDEM_A_CONN_PORT ?
				       "port" : "client_port",
				       json_object_new_int(mnl_attr_get_u16(attr)));
		break;
	case TANDEM_A_CONN_STATE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(conn, "state", json_object_new_string(
			name_of(states, sizeof(states) / sizeof(states[0]),
				mnl_attr_get_u8(attr))));
		break;
	case TANDEM_A_CONN_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(conn, "flags", flag_list(mnl_attr_get_u32(attr)));
		break;
	case TANDEM_A_CONN_AGE_MS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(conn, "age_ms",
				       json_object_new_int64(mnl_attr_get_u32(attr)));
		break;
	case TANDEM_A_CONN_QUEUED_BYTES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(conn, "queued_bytes",
				       json_object_new_int64(mnl_attr_get_u32(attr)));
		break;
	case TANDEM_A_CONN_PEER:
		if (!json_object_object_get_ex(conn, "peers", &peers)) {
			peers = json_object_new_array();
			json_object_object_add(conn, "peers", peers);
		}
		peer = json_object_new_object();
		json_object_array_add(peers, peer);
		if (mnl_attr_parse_nested(attr, peer_cb, peer) != MNL_CB_OK)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct json_object *conn = json_object_new_object();

	if (!conn)
		return -ENOMEM;
	json_object_array_add(data, conn);
	if (mnl_attr_parse(nlh, GENL_HDRLEN, conn_attr_cb, conn) != MNL_CB_OK)
		return -EBADMSG;
	if (!json_object_object_get_ex(conn, "peers", NULL))
		json_object_object_add(conn, "peers", json_object_new_array());
	return 0;
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
