// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "parse.h"
#include "print.h"

enum field_type {
	F_STRING,
	F_U8,
	F_U16,
	F_U32,
	F_U64,
	F_ADDR,
	F_FLAG,		/* NLA_FLAG: a JSON boolean, false when absent */
	F_BOOL,		/* u8 0/1: a JSON boolean */
	F_ROLE,		/* u8 enum tandem_role: its name */
};

#define FL_HEADER	0x1	/* shown in the block's title, not its body */
#define FL_MS		0x2	/* a duration in milliseconds */
#define FL_BYTES	0x4
#define FL_NONE		0x8	/* printed as "(none)" when absent */
#define FL_DEFAULT	0x10	/* 0 means "the group's" */
#define FL_AGO		0x20	/* a time that long ago */

struct field {
	uint16_t attr;
	enum field_type type;
	const char *json;
	const char *label;
	unsigned int flags;
};

static const struct field group_fields[] = {
	{ TANDEM_A_GROUP_NAME, F_STRING, "name", "group", FL_HEADER },
	{ TANDEM_A_GROUP_ID, F_U32, "id", "id", 0 },
	{ TANDEM_A_GROUP_VIP, F_ADDR, "vip", "vip", 0 },
	{ TANDEM_A_GROUP_NODE_ID, F_U32, "node_id", "node id", 0 },
	{ TANDEM_A_GROUP_REPL_ADDR, F_ADDR, "repl_addr", "local", FL_NONE },
	{ TANDEM_A_GROUP_REPL_PORT, F_U16, "repl_port", "port", 0 },
	{ TANDEM_A_GROUP_HAS_KEY, F_FLAG, "has_key", "key", 0 },
	{ TANDEM_A_GROUP_ROLE, F_ROLE, "role", "role", 0 },
	{ TANDEM_A_GROUP_EPOCH, F_U64, "epoch", "epoch", 0 },
	{ TANDEM_A_GROUP_LEASE_REMAINING_MS, F_U32, "lease_remaining_ms",
	  "lease remaining", FL_MS },
	{ TANDEM_A_GROUP_SYN_TIMEOUT_MS, F_U32, "syn_timeout_ms", "syn timeout",
	  FL_MS },
	{ TANDEM_A_GROUP_MAX_LAG_BYTES, F_U32, "max_lag_bytes", "max lag",
	  FL_BYTES },
	{ TANDEM_A_GROUP_MAX_LAG_MS, F_U32, "max_lag_ms", "max lag time", FL_MS },
	{ TANDEM_A_GROUP_MAX_CONNS, F_U32, "max_conns", "max conns", 0 },
	{ TANDEM_A_GROUP_GARP_COUNT, F_U8, "garp_count", "garp count", 0 },
	{ TANDEM_A_GROUP_GARP_INTERVAL_MS, F_U32, "garp_interval_ms",
	  "garp interval", FL_MS },
	{ TANDEM_A_GROUP_GARP_REFRESH_MS, F_U32, "garp_refresh_ms",
	  "garp refresh", FL_MS },
	{ TANDEM_A_GROUP_MEMBERS, F_U32, "members", "members", 0 },
	{ TANDEM_A_GROUP_SERVICES, F_U32, "services", "services", 0 },
};

static const struct field member_fields[] = {
	{ TANDEM_A_GROUP_NAME, F_STRING, "group", "group", FL_HEADER },
	{ TANDEM_A_GROUP_ID, F_U32, "group_id", "group id", 0 },
	{ TANDEM_A_MEMBER_NODE_ID, F_U32, "node_id", "node", FL_HEADER },
	{ TANDEM_A_MEMBER_ADDR, F_ADDR, "addr", "addr", 0 },
	{ TANDEM_A_MEMBER_PORT, F_U16, "port", "port", 0 },
	{ TANDEM_A_MEMBER_PRIORITY, F_U8, "priority", "priority", 0 },
	{ TANDEM_A_MEMBER_WITNESS, F_BOOL, "witness", "witness", 0 },
	{ TANDEM_A_MEMBER_LAST_HEARD_MS, F_U32, "last_heard_ms", "heard",
	  FL_MS | FL_AGO },
};

static const struct field service_fields[] = {
	{ TANDEM_A_GROUP_NAME, F_STRING, "group", "group", FL_HEADER },
	{ TANDEM_A_GROUP_ID, F_U32, "group_id", "group id", 0 },
	{ TANDEM_A_SERVICE_PORT, F_U16, "port", "port", FL_HEADER },
	{ TANDEM_A_SERVICE_MAX_LAG_BYTES, F_U32, "max_lag_bytes", "max lag",
	  FL_BYTES | FL_DEFAULT },
	{ TANDEM_A_SERVICE_MAX_LAG_MS, F_U32, "max_lag_ms", "max lag time",
	  FL_MS | FL_DEFAULT },
};

struct object_desc {
	const char *name;
	const struct field *fields;
	size_t count;
};

#define DESC(n, f) { n, f, sizeof(f) / sizeof(f[0]) }
static const struct object_desc objects[] = {
	[TANDEM_OBJ_GROUP] = DESC("group", group_fields),
	[TANDEM_OBJ_MEMBER] = DESC("member", member_fields),
	[TANDEM_OBJ_SERVICE] = DESC("service", service_fields),
};

static const char *const event_names[TANDEM_CMD_MAX + 1] = {
	[TANDEM_CMD_GROUP_NEW] = "group_new",
	[TANDEM_CMD_GROUP_SET] = "group_set",
	[TANDEM_CMD_GROUP_DEL] = "group_del",
	[TANDEM_CMD_GROUP_GET] = "group_get",
	[TANDEM_CMD_MEMBER_NEW] = "member_new",
	[TANDEM_CMD_MEMBER_SET] = "member_set",
	[TANDEM_CMD_MEMBER_DEL] = "member_del",
	[TANDEM_CMD_MEMBER_GET] = "member_get",
	[TANDEM_CMD_SERVICE_NEW] = "service_new",
	[TANDEM_CMD_SERVICE_SET] = "service_set",
	[TANDEM_CMD_SERVICE_DEL] = "service_del",
	[TANDEM_CMD_SERVICE_GET] = "service_get",
};

/* The uapi lists the four commands of each object together, in this order. */
_Static_assert(TANDEM_CMD_MEMBER_NEW == TANDEM_CMD_GROUP_NEW + 4 &&
	       TANDEM_CMD_SERVICE_NEW == TANDEM_CMD_GROUP_NEW + 8 &&
	       TANDEM_CMD_SERVICE_GET == TANDEM_CMD_SERVICE_NEW + 3,
	       "tandem commands come in fours: new, set, del, get");

int tandem_cmd_obj(uint8_t cmd, enum tandem_obj *kind)
{
	if (cmd < TANDEM_CMD_GROUP_NEW || cmd > TANDEM_CMD_SERVICE_GET)
		return -EINVAL;
	*kind = (cmd - TANDEM_CMD_GROUP_NEW) / 4;
	return 0;
}

const char *tandem_obj_name(enum tandem_obj kind)
{
	return objects[kind].name;
}

const char *tandem_event_name(uint8_t cmd)
{
	return cmd <= TANDEM_CMD_MAX ? event_names[cmd] : NULL;
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* Attributes of a newer kernel are ignored. */
	if (type <= TANDEM_A_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static const enum mnl_attr_data_type mnl_types[] = {
	[F_STRING] = MNL_TYPE_NUL_STRING,
	[F_U8] = MNL_TYPE_U8,
	[F_U16] = MNL_TYPE_U16,
	[F_U32] = MNL_TYPE_U32,
	[F_U64] = MNL_TYPE_U64,
	[F_ADDR] = MNL_TYPE_BINARY,
	[F_FLAG] = MNL_TYPE_FLAG,
	[F_BOOL] = MNL_TYPE_U8,
	[F_ROLE] = MNL_TYPE_U8,
};

static struct json_object *decode_field(const struct field *f,
					const struct nlattr *attr)
{
	char addr[TANDEM_ADDR_STRLEN];

	if (!attr)
		return f->type == F_FLAG ? json_object_new_boolean(0) : NULL;
	if (mnl_attr_validate(attr, mnl_types[f->type]) < 0)
		return NULL;
	switch (f->type) {
	case F_STRING:
		return json_object_new_string(mnl_attr_get_str(attr));
	case F_U8:
		return json_object_new_int(mnl_attr_get_u8(attr));
	case F_U16:
		return json_object_new_int(mnl_attr_get_u16(attr));
	case F_U32:
		return json_object_new_int64(mnl_attr_get_u32(attr));
	case F_U64:
		return json_object_new_uint64(mnl_attr_get_u64(attr));
	case F_ADDR:
		if (format_addr(mnl_attr_get_payload(attr),
				mnl_attr_get_payload_len(attr), addr,
				sizeof(addr)))
			return NULL;
		return json_object_new_string(addr);
	case F_FLAG:
		return json_object_new_boolean(1);
	case F_BOOL:
		return json_object_new_boolean(mnl_attr_get_u8(attr) != 0);
	case F_ROLE:
		return json_object_new_string(role_name(mnl_attr_get_u8(attr)));
	}
	return NULL;
}

int tandem_decode(const struct nlmsghdr *nlh, enum tandem_obj *kind,
		  struct json_object *obj)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1] = { NULL };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct object_desc *desc;
	enum tandem_obj k;
	size_t i;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	if (tandem_cmd_obj(genl->cmd, &k))
		return -EBADMSG;
	if (mnl_attr_parse(nlh, GENL_HDRLEN, attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;
	desc = &objects[k];
	for (i = 0; i < desc->count; i++) {
		const struct field *f = &desc->fields[i];
		struct json_object *val = decode_field(f, tb[f->attr]);

		if (!val && tb[f->attr])
			return -EBADMSG;
		if (val)
			json_object_object_add(obj, f->json, val);
	}
	if (kind)
		*kind = k;
	return 0;
}

void tandem_print_json(FILE *f, struct json_object *obj, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			  JSON_C_TO_STRING_PLAIN;
	fprintf(f, "%s\n", json_object_to_json_string_ext(obj, flags));
}

/* The human text of a field's value; NULL when it has none to show. */
static const char *format_value(const struct field *f, struct json_object *val,
				char *buf, size_t size)
{
	if (!val)
		return f->flags & FL_NONE ? "(none)" : NULL;
	switch (f->type) {
	case F_FLAG:
		return json_object_get_boolean(val) ? "(set)" : "(none)";
	case F_BOOL:
		return json_object_get_boolean(val) ? "on" : "off";
	case F_STRING:
	case F_ADDR:
	case F_ROLE:
		return json_object_get_string(val);
	default:
		break;
	}
	if ((f->flags & FL_DEFAULT) && json_object_get_uint64(val) == 0)
		return "group's";
	snprintf(buf, size, "%" PRIu64 "%s", json_object_get_uint64(val),
		 f->flags & FL_AGO ? " ms ago" : f->flags & FL_MS ? " ms" :
		 f->flags & FL_BYTES ? " bytes" : "");
	return buf;
}

static struct json_object *get(struct json_object *obj, const char *key)
{
	struct json_object *val = NULL;

	json_object_object_get_ex(obj, key, &val);
	return val;
}

static void print_title(FILE *f, enum tandem_obj kind, struct json_object *obj)
{
	switch (kind) {
	case TANDEM_OBJ_GROUP:
		fprintf(f, "group: %s\n", json_object_get_string(get(obj, "name")));
		break;
	case TANDEM_OBJ_MEMBER:
		fprintf(f, "member: %s node %s\n",
			json_object_get_string(get(obj, "group")),
			json_object_get_string(get(obj, "node_id")));
		break;
	case TANDEM_OBJ_SERVICE:
		fprintf(f, "service: %s port %s\n",
			json_object_get_string(get(obj, "group")),
			json_object_get_string(get(obj, "port")));
		break;
	}
}

void tandem_print_block(FILE *f, enum tandem_obj kind, struct json_object *obj)
{
	const struct object_desc *desc = &objects[kind];
	int width = 0;
	size_t i;

	for (i = 0; i < desc->count; i++) {
		int len = strlen(desc->fields[i].label) + 1;

		if (len > width)
			width = len;
	}
	print_title(f, kind, obj);
	for (i = 0; i < desc->count; i++) {
		const struct field *fl = &desc->fields[i];
		char label[64], buf[64];
		const char *text;

		if (fl->flags & FL_HEADER)
			continue;
		text = format_value(fl, get(obj, fl->json), buf, sizeof(buf));
		if (!text)
			continue;
		snprintf(label, sizeof(label), "%s:", fl->label);
		fprintf(f, "  %-*s %s\n", width, label, text);
	}
}

void tandem_print_blocks(FILE *f, enum tandem_obj kind,
			 struct json_object *array)
{
	size_t i, n = json_object_array_length(array);

	for (i = 0; i < n; i++) {
		if (i)
			fputc('\n', f);
		tandem_print_block(f, kind, json_object_array_get_idx(array, i));
	}
}

void tandem_print_event(FILE *f, enum tandem_obj kind, const char *event,
			struct json_object *obj)
{
	const struct object_desc *desc = &objects[kind];
	size_t i;

	fputs(event, f);
	for (i = 0; i < desc->count; i++) {
		const struct field *fl = &desc->fields[i];
		struct json_object *val = get(obj, fl->json);
		char buf[64];
		const char *text;

		if (!val)
			continue;
		if (fl->type == F_FLAG || fl->type == F_BOOL)
			text = json_object_get_boolean(val) ? "yes" : "no";
		else if (fl->type == F_STRING || fl->type == F_ADDR ||
			 fl->type == F_ROLE)
			text = json_object_get_string(val);
		else {
			snprintf(buf, sizeof(buf), "%" PRIu64,
				 json_object_get_uint64(val));
			text = buf;
		}
		fprintf(f, " %s %s", fl->json, text);
	}
	fputc('\n', f);
}
