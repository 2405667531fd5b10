// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "print.h"
#include "report.h"
#include "request.h"

/* How each attribute that a command can carry goes on the wire. */
enum wire_type {
	W_NONE,
	W_U8,
	W_U16,
	W_U32,
	W_U64,
	W_STRING,
	W_ADDR,
	W_KEY,
};

static const enum wire_type wire_types[TANDEM_A_MAX + 1] = {
	[TANDEM_A_GROUP_NAME] = W_STRING,
	[TANDEM_A_GROUP_ID] = W_U32,
	[TANDEM_A_GROUP_VIP] = W_ADDR,
	[TANDEM_A_GROUP_NODE_ID] = W_U32,
	[TANDEM_A_GROUP_REPL_ADDR] = W_ADDR,
	[TANDEM_A_GROUP_REPL_PORT] = W_U16,
	[TANDEM_A_GROUP_KEY] = W_KEY,
	[TANDEM_A_GROUP_KEY_ALT] = W_KEY,
	[TANDEM_A_GROUP_KEY_ALT_MS] = W_U32,
	[TANDEM_A_GROUP_MAC] = W_U8,
	[TANDEM_A_GROUP_ROLE] = W_U8,
	[TANDEM_A_GROUP_EPOCH] = W_U64,
	[TANDEM_A_GROUP_LEASE_MS] = W_U32,
	[TANDEM_A_GROUP_SYN_TIMEOUT_MS] = W_U32,
	[TANDEM_A_GROUP_MAX_LAG_BYTES] = W_U32,
	[TANDEM_A_GROUP_MAX_LAG_MS] = W_U32,
	[TANDEM_A_GROUP_MAX_CONNS] = W_U32,
	[TANDEM_A_GROUP_GARP_COUNT] = W_U8,
	[TANDEM_A_GROUP_GARP_INTERVAL_MS] = W_U32,
	[TANDEM_A_GROUP_GARP_REFRESH_MS] = W_U32,
	[TANDEM_A_GROUP_LEASE_EXPIRY_NS] = W_U64,
	[TANDEM_A_GROUP_PRIOR_EPOCH] = W_U64,
	[TANDEM_A_MEMBER_NODE_ID] = W_U32,
	[TANDEM_A_MEMBER_ADDR] = W_ADDR,
	[TANDEM_A_MEMBER_PORT] = W_U16,
	[TANDEM_A_MEMBER_PRIORITY] = W_U8,
	[TANDEM_A_MEMBER_WITNESS] = W_U8,
	[TANDEM_A_SERVICE_PORT] = W_U16,
	[TANDEM_A_SERVICE_MAX_LAG_BYTES] = W_U32,
	[TANDEM_A_SERVICE_MAX_LAG_MS] = W_U32,
};

void req_init(struct tandem_req *req, enum tandem_obj obj, uint8_t cmd)
{
	memset(req, 0, sizeof(*req));
	req->obj = obj;
	req->cmd = cmd;
}

void req_wipe(struct tandem_req *req)
{
	explicit_bzero(req->key, sizeof(req->key));
	explicit_bzero(req->key_alt, sizeof(req->key_alt));
}

void req_group_label(const struct tandem_req *req, char *buf, size_t size)
{
	if (req_has(req, TANDEM_A_GROUP_NAME))
		snprintf(buf, size, "%s", req->name);
	else
		snprintf(buf, size, "id %" PRIu64, req->num[TANDEM_A_GROUP_ID]);
}

static bool put_attr(const struct tandem_req *req, struct nlmsghdr *nlh,
		     size_t bufsize, uint16_t attr)
{
	uint64_t n = req->num[attr];

	switch (wire_types[attr]) {
	case W_U8:
		return mnl_attr_put_u8_check(nlh, bufsize, attr, n);
	case W_U16:
		return mnl_attr_put_u16_check(nlh, bufsize, attr, n);
	case W_U32:
		return mnl_attr_put_u32_check(nlh, bufsize, attr, n);
	case W_U64:
		return mnl_attr_put_u64_check(nlh, bufsize, attr, n);
	case W_STRING:
		return mnl_attr_put_strz_check(nlh, bufsize, attr, req->name);
	case W_ADDR:
		return mnl_attr_put_check(nlh, bufsize, attr, req->addr[attr].len,
					  req->addr[attr].bytes);
	case W_KEY:
		return mnl_attr_put_check(nlh, bufsize, attr, sizeof(req->key),
					  attr == TANDEM_A_GROUP_KEY_ALT ?
					  req->key_alt : req->key);
	case W_NONE:
		break;
	}
	return false;
}

int req_put_attrs(const struct tandem_req *req, struct nlmsghdr *nlh,
		  size_t bufsize)
{
	uint16_t attr;

	for (attr = 1; attr <= TANDEM_A_MAX; attr++) {
		if (!req_has(req, attr))
			continue;
		if (wire_types[attr] == W_NONE)
			return -EINVAL;
		if (!put_attr(req, nlh, bufsize, attr))
			return -EMSGSIZE;
	}
	return 0;
}

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct json_object *out = data;
	struct json_object *obj;
	int ret;

	if (!out)
		return 0;
	obj = json_object_new_object();
	if (!obj)
		return -ENOMEM;
	ret = tandem_decode(nlh, NULL, obj);
	if (ret) {
		json_object_put(obj);
		return ret;
	}
	json_object_array_add(out, obj);
	return 0;
}

static void reset_cb(void *data)
{
	struct json_object *out = data;

	if (out && json_object_array_length(out))
		json_object_array_del_idx(out, 0, json_object_array_length(out));
}

int req_exec_cb(struct tandem_nl *nl, const struct tandem_req *req,
		mnl_cb_t cb, void (*reset)(void *data), void *data)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = tandem_nl_msg(nl, buf, req->cmd, 0);
	ret = req_put_attrs(req, nlh, sizeof(buf));
	if (!ret) {
		if (req->dump)
			ret = tandem_nl_dump(nl, nlh, cb, reset, data);
		else
			ret = tandem_nl_request(nl, nlh, cb, data);
	}
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

int req_exec(struct tandem_nl *nl, const struct tandem_req *req,
	     struct json_object *out)
{
	return req_exec_cb(nl, req, collect_cb, reset_cb, out);
}

int req_query(const struct tandem_req *req, mnl_cb_t cb,
	      void (*reset)(void *data), void *data)
{
	struct tandem_nl nl;
	int ret;

	ret = tandem_nl_open(&nl);
	if (ret) {
		report_open_error(stderr, ret);
		return ret;
	}
	ret = req_exec_cb(&nl, req, cb, reset, data);
	if (ret)
		report_error(stderr, req->what, ret, &nl.err);
	tandem_nl_close(&nl);
	return ret;
}
