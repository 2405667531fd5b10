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
	F_ENUM,		/* u8: names[value], "unknown" if it has none */
	F_BITS,		/* u32: the array of names[bit] of the bits set */
	F_NESTED,	/* every attribute of this type: one object of nested,
			 * in an array (empty when there is none)
			 */
	F_COUNTERS,	/* nested u64 counters: an object, names[type] (or
			 * "stat_TYPE") to value; type 0 is padding
			 */
};

#define FL_HEADER	0x1	/* shown in the block's title, not its body */
#define FL_MS		0x2	/* a duration in milliseconds */
#define FL_BYTES	0x4
#define FL_NONE		0x8	/* printed as "(none)" when absent */
#define FL_DEFAULT	0x10	/* 0 means "the group's" */
#define FL_AGO		0x20	/* a time that long ago */
#define FL_EPOCH	0x40	/* an epoch: BALLOT.NODE in text; in JSON the
				 * number, and the text under JSON_epoch_str
				 */

struct object_desc;

struct field {
	uint16_t attr;
	enum field_type type;
	const char *json;
	const char *label;	/* in a block; NULL: never printed in one */
	unsigned int flags;
	const char *const *names;	/* F_ENUM, F_BITS, F_COUNTERS */
	size_t n_names;
	const struct object_desc *nested;	/* F_NESTED */
};

struct object_desc {
	const char *name;
	const struct field *fields;
	size_t count;
};

#define FIELD(a, t, j, l, fl, ...) \
	{ .attr = a, .type = t, .json = j, .label = l, .flags = fl, __VA_ARGS__ }
#define DESC(n, f) { n, f, sizeof(f) / sizeof(f[0]) }
#define NAMES(a) .names = a, .n_names = sizeof(a) / sizeof(a[0])

static const struct field group_fields[] = {
	FIELD(TANDEM_A_GROUP_NAME, F_STRING, "name", "group", FL_HEADER),
	FIELD(TANDEM_A_GROUP_ID, F_U32, "id", "id", 0),
	FIELD(TANDEM_A_GROUP_VIP, F_ADDR, "vip", "vip", 0),
	FIELD(TANDEM_A_GROUP_NODE_ID, F_U32, "node_id", "node id", 0),
	FIELD(TANDEM_A_GROUP_REPL_ADDR, F_ADDR, "repl_addr", "local", FL_NONE),
	FIELD(TANDEM_A_GROUP_REPL_PORT, F_U16, "repl_port", "port", 0),
	FIELD(TANDEM_A_GROUP_HAS_KEY, F_FLAG, "has_key", "key", 0),
	FIELD(TANDEM_A_GROUP_KEY_ALT_REMAINING_MS, F_U32, "key_alt_remaining_ms",
	  "alt key left", FL_MS),
	FIELD(TANDEM_A_GROUP_MAC, F_ENUM, "mac", "mac", 0, NAMES(mac_names)),
	FIELD(TANDEM_A_GROUP_ROLE, F_ROLE, "role", "role", 0),
	FIELD(TANDEM_A_GROUP_EPOCH, F_U64, "epoch", "epoch", FL_EPOCH),
	FIELD(TANDEM_A_GROUP_LEASE_REMAINING_MS, F_U32, "lease_remaining_ms",
	  "lease remaining", FL_MS),
	FIELD(TANDEM_A_GROUP_SUSPENDED_EPOCH, F_U64, "suspended_epoch",
	  "suspended", FL_EPOCH),
	FIELD(TANDEM_A_GROUP_SYN_TIMEOUT_MS, F_U32, "syn_timeout_ms", "syn timeout",
	  FL_MS),
	FIELD(TANDEM_A_GROUP_MAX_LAG_BYTES, F_U32, "max_lag_bytes", "max lag",
	  FL_BYTES),
	FIELD(TANDEM_A_GROUP_MAX_LAG_MS, F_U32, "max_lag_ms", "max lag time", FL_MS),
	FIELD(TANDEM_A_GROUP_MAX_CONNS, F_U32, "max_conns", "max conns", 0),
	FIELD(TANDEM_A_GROUP_GARP_COUNT, F_U8, "garp_count", "garp count", 0),
	FIELD(TANDEM_A_GROUP_GARP_INTERVAL_MS, F_U32, "garp_interval_ms",
	  "garp interval", FL_MS),
	FIELD(TANDEM_A_GROUP_GARP_REFRESH_MS, F_U32, "garp_refresh_ms",
	  "garp refresh", FL_MS),
	FIELD(TANDEM_A_GROUP_MEMBERS, F_U32, "members", "members", 0),
	FIELD(TANDEM_A_GROUP_SERVICES, F_U32, "services", "services", 0),
};

static const struct field member_fields[] = {
	FIELD(TANDEM_A_GROUP_NAME, F_STRING, "group", "group", FL_HEADER),
	FIELD(TANDEM_A_GROUP_ID, F_U32, "group_id", "group id", 0),
	FIELD(TANDEM_A_MEMBER_NODE_ID, F_U32, "node_id", "node", FL_HEADER),
	FIELD(TANDEM_A_MEMBER_ADDR, F_ADDR, "addr", "addr", 0),
	FIELD(TANDEM_A_MEMBER_PORT, F_U16, "port", "port", 0),
	FIELD(TANDEM_A_MEMBER_PRIORITY, F_U8, "priority", "priority", 0),
	FIELD(TANDEM_A_MEMBER_WITNESS, F_BOOL, "witness", "witness", 0),
	FIELD(TANDEM_A_MEMBER_LAST_HEARD_MS, F_U32, "last_heard_ms", "heard",
	  FL_MS | FL_AGO),
};

static const struct field service_fields[] = {
	FIELD(TANDEM_A_GROUP_NAME, F_STRING, "group", "group", FL_HEADER),
	FIELD(TANDEM_A_GROUP_ID, F_U32, "group_id", "group id", 0),
	FIELD(TANDEM_A_SERVICE_PORT, F_U16, "port", "port", FL_HEADER),
	FIELD(TANDEM_A_SERVICE_MAX_LAG_BYTES, F_U32, "max_lag_bytes", "max lag",
	  FL_BYTES | FL_DEFAULT),
	FIELD(TANDEM_A_SERVICE_MAX_LAG_MS, F_U32, "max_lag_ms", "max lag time",
	  FL_MS | FL_DEFAULT),
};

static const char *const conn_states[] = {
	[TANDEM_CONN_STATE_SYN] = "syn",
	[TANDEM_CONN_STATE_ESTABLISHED] = "established",
	[TANDEM_CONN_STATE_CLOSING] = "closing",
	[TANDEM_CONN_STATE_CLOSED] = "closed",
};

/* By bit number: TANDEM_CONN_DIVERGED is bit 0, ... */
static const char *const conn_flags[] = { "diverged", "unprotected", "held", "suspended" };
_Static_assert(TANDEM_CONN_DIVERGED == 1 << 0 &&
	       TANDEM_CONN_UNPROTECTED == 1 << 1 && TANDEM_CONN_HELD == 1 << 2 &&
	       TANDEM_CONN_SUSPENDED == 1 << 3,
	       "conn_flags[] names the TANDEM_CONN_* bits in order");

static const char *const peer_states[] = {
	[TANDEM_PEER_STATE_PROTECTING] = "protecting",
	[TANDEM_PEER_STATE_UNCONFIRMED] = "unconfirmed",
	[TANDEM_PEER_STATE_DROPPED] = "dropped",
	[TANDEM_PEER_STATE_REJOINING] = "rejoining",
	[TANDEM_PEER_STATE_BEHIND] = "behind",
	[TANDEM_PEER_STATE_LEAVING] = "leaving",
};

static const struct field peer_fields[] = {
	FIELD(TANDEM_A_CONN_PEER_NODE_ID, F_U32, "node", "node", 0),
	FIELD(TANDEM_A_CONN_PEER_STATE, F_ENUM, "state", "state", 0,
	      NAMES(peer_states)),
	FIELD(TANDEM_A_CONN_PEER_LAG_BYTES, F_U32, "lag_bytes", "lag", FL_BYTES),
};

static const struct object_desc peer_desc = DESC("peer", peer_fields);

static const struct field conn_fields[] = {
	FIELD(TANDEM_A_GROUP_NAME, F_STRING, "group", "group", 0),
	FIELD(TANDEM_A_CONN_CLIENT_ADDR, F_ADDR, "client", "client", 0),
	FIELD(TANDEM_A_CONN_CLIENT_PORT, F_U16, "client_port", "client port", 0),
	FIELD(TANDEM_A_CONN_PORT, F_U16, "port", "port", 0),
	FIELD(TANDEM_A_CONN_STATE, F_ENUM, "state", "state", 0, NAMES(conn_states)),
	FIELD(TANDEM_A_CONN_FLAGS, F_BITS, "flags", "flags", 0, NAMES(conn_flags)),
	FIELD(TANDEM_A_CONN_AGE_MS, F_U32, "age_ms", "age", FL_MS),
	FIELD(TANDEM_A_CONN_QUEUED_BYTES, F_U32, "queued_bytes", "queued", FL_BYTES),
	FIELD(TANDEM_A_CONN_PEER, F_NESTED, "peers", "peers", 0,
	      .nested = &peer_desc),
};

/* The JSON (and text) name of each counter; enum tandem_stat documents them. */
static const char *const stat_names[] = {
	[TANDEM_STAT_CHAN_TX] = "chan_tx",
	[TANDEM_STAT_CHAN_TX_ERRORS] = "chan_tx_errors",
	[TANDEM_STAT_CHAN_RX] = "chan_rx",
	[TANDEM_STAT_CHAN_DROP_SHORT] = "chan_drop_short",
	[TANDEM_STAT_CHAN_DROP_VERSION] = "chan_drop_version",
	[TANDEM_STAT_CHAN_DROP_GROUP] = "chan_drop_group",
	[TANDEM_STAT_CHAN_DROP_SENDER] = "chan_drop_sender",
	[TANDEM_STAT_CHAN_DROP_TAG] = "chan_drop_tag",
	[TANDEM_STAT_CHAN_DROP_STALE] = "chan_drop_stale",
	[TANDEM_STAT_CHAN_DROP_REPLAY] = "chan_drop_replay",
	[TANDEM_STAT_CHAN_DROP_ROLE] = "chan_drop_role",
	[TANDEM_STAT_CHAN_DROP_TYPE] = "chan_drop_type",
	[TANDEM_STAT_HEARTBEAT_TX] = "heartbeat_tx",
	[TANDEM_STAT_HEARTBEAT_RX] = "heartbeat_rx",
	[TANDEM_STAT_MIRRORED] = "mirrored",
	[TANDEM_STAT_INJECTED] = "injected",
	[TANDEM_STAT_SUPPRESSED] = "suppressed",
	[TANDEM_STAT_NET_DROPPED] = "net_dropped",
	[TANDEM_STAT_FENCED_DROPPED] = "fenced_dropped",
	[TANDEM_STAT_ARP_DROPPED] = "arp_dropped",
	[TANDEM_STAT_UNPROTECTED] = "unprotected",
	[TANDEM_STAT_SYNACK_HELD] = "synack_held",
	[TANDEM_STAT_SYN_TIMEOUT] = "syn_timeout",
	[TANDEM_STAT_OPTS_MISMATCH] = "opts_mismatch",
	[TANDEM_STAT_CLAMPED] = "clamped",
	[TANDEM_STAT_WINDOW_UPDATES] = "window_updates",
	[TANDEM_STAT_LAG_DROPPED] = "lag_dropped",
	[TANDEM_STAT_ACK_CLAMPED] = "ack_clamped",
	[TANDEM_STAT_INJECT_NO_CONN] = "inject_no_conn",
	[TANDEM_STAT_INJECT_NOT_READY] = "inject_not_ready",
	[TANDEM_STAT_INJECT_MALFORMED] = "inject_malformed",
	[TANDEM_STAT_INJECT_NO_DEV] = "inject_no_dev",
	[TANDEM_STAT_CONFIRM_SENT] = "confirm_sent",
	[TANDEM_STAT_PROGRESS_SENT] = "progress_sent",
	[TANDEM_STAT_TAKEOVER_RESUMED] = "takeover_resumed",
	[TANDEM_STAT_TAKEOVER_RESET] = "takeover_reset",
	[TANDEM_STAT_GARP_SENT] = "garp_sent",
	[TANDEM_STAT_ACK_REAPPLIED] = "ack_reapplied",
	[TANDEM_STAT_RESENT] = "resent",
	[TANDEM_STAT_RESEND_NOMEM] = "resend_nomem",
	[TANDEM_STAT_PROTECTION_LOST] = "protection_lost",
	[TANDEM_STAT_DIGEST_SENT] = "digest_sent",
	[TANDEM_STAT_DIGEST_MATCHED] = "digest_matched",
	[TANDEM_STAT_DIGEST_UNCHECKED] = "digest_unchecked",
	[TANDEM_STAT_DIVERGED] = "diverged",
	[TANDEM_STAT_SILENCED] = "silenced",
	[TANDEM_STAT_ACK_SEQ_RAISED] = "ack_seq_raised",
	[TANDEM_STAT_REJOINED] = "rejoined",
	[TANDEM_STAT_IN_CSUM_BAD] = "in_csum_bad",
	[TANDEM_STAT_IN_REJECTED] = "in_rejected",
	[TANDEM_STAT_REINCARNATED] = "reincarnated",
	[TANDEM_STAT_SERVICE_RESET] = "service_reset",
	[TANDEM_STAT_DIGEST_TAIL_SENT] = "digest_tail_sent",
	[TANDEM_STAT_DIGEST_TAIL_MATCHED] = "digest_tail_matched",
	[TANDEM_STAT_DIVERGED_RESET] = "diverged_reset",
	[TANDEM_STAT_FENCE_RESUMED] = "fence_resumed",
	[TANDEM_STAT_CHAN_AUTH_KEY] = "chan_auth_key",
	[TANDEM_STAT_CHAN_AUTH_KEY_ALT] = "chan_auth_key_alt",
	[TANDEM_STAT_CHAN_DROP_MAC] = "chan_drop_mac",
	[TANDEM_STAT_RESENT_FAST] = "resent_fast",
	[TANDEM_STAT_LAG_BEHIND] = "lag_behind",
	[TANDEM_STAT_CHAN_TAGGED] = "chan_tagged",
	[TANDEM_STAT_CHAN_TX_COPIES] = "chan_tx_copies",
	[TANDEM_STAT_PROGRESS_RX] = "progress_rx",
	[TANDEM_STAT_MIRRORED_PKTS] = "mirrored_pkts",
	[TANDEM_STAT_RESEND_KEPT] = "resend_kept",
	[TANDEM_STAT_PROGRESS_DEFERRED] = "progress_deferred",
	[TANDEM_STAT_PROGRESS_AFTER_INJECT] = "progress_after_inject",
	[TANDEM_STAT_TAKEOVER_DROPPED] = "takeover_dropped",
};

_Static_assert(sizeof(stat_names) / sizeof(stat_names[0]) == __TANDEM_STAT_MAX,
	       "every enum tandem_stat counter needs its name in ctl/lib/print.c");

static const struct field stats_fields[] = {
	FIELD(TANDEM_A_GROUP_NAME, F_STRING, "group", "group", FL_HEADER),
	FIELD(TANDEM_A_GROUP_ID, F_U32, "group_id", "group id", 0),
	FIELD(TANDEM_A_STATS, F_COUNTERS, "counters", "counters", 0,
	      NAMES(stat_names)),
};

static const struct object_desc objects[] = {
	[TANDEM_OBJ_GROUP] = DESC("group", group_fields),
	[TANDEM_OBJ_MEMBER] = DESC("member", member_fields),
	[TANDEM_OBJ_SERVICE] = DESC("service", service_fields),
	[TANDEM_OBJ_STATS] = DESC("stats", stats_fields),
	[TANDEM_OBJ_CONN] = DESC("conn", conn_fields),
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
	if (cmd == TANDEM_CMD_STATS_GET)
		*kind = TANDEM_OBJ_STATS;
	else if (cmd == TANDEM_CMD_CONN_GET)
		*kind = TANDEM_OBJ_CONN;
	else if (cmd >= TANDEM_CMD_GROUP_NEW && cmd <= TANDEM_CMD_SERVICE_GET)
		*kind = (cmd - TANDEM_CMD_GROUP_NEW) / 4;
	else
		return -EINVAL;
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
	[F_ENUM] = MNL_TYPE_U8,
	[F_BITS] = MNL_TYPE_U32,
	[F_NESTED] = MNL_TYPE_NESTED,
	[F_COUNTERS] = MNL_TYPE_NESTED,
};

static int decode_attrs(const struct object_desc *desc,
			const struct nlattr *const *tb,
			const struct nlattr *first, const void *end,
			struct json_object *obj);

static const char *name_of(const struct field *f, unsigned int v)
{
	return v < f->n_names && f->names[v] ? f->names[v] : NULL;
}

static struct json_object *decode_bits(const struct field *f, uint32_t bits)
{
	struct json_object *list = json_object_new_array();
	unsigned int bit;

	for (bit = 0; list && bit < 32; bit++)
		if ((bits & (1U << bit)) && name_of(f, bit))
			json_object_array_add(list,
					      json_object_new_string(f->names[bit]));
	return list;
}

static struct json_object *decode_counters(const struct field *f,
					   const struct nlattr *nest)
{
	struct json_object *obj = json_object_new_object();
	const struct nlattr *attr;
	char buf[32];

	if (!obj)
		return NULL;
	mnl_attr_for_each_nested(attr, nest) {
		uint16_t type = mnl_attr_get_type(attr);
		const char *name = name_of(f, type);

		if (type == 0)
			continue;	/* padding */
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
			json_object_put(obj);
			return NULL;
		}
		if (!name) {	/* a counter of a newer kernel */
			snprintf(buf, sizeof(buf), "stat_%u", type);
			name = buf;
		}
		json_object_object_add(obj, name,
				       json_object_new_uint64(mnl_attr_get_u64(attr)));
	}
	return obj;
}

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
	case F_ENUM:
		return json_object_new_string(
			name_of(f, mnl_attr_get_u8(attr)) ?: "unknown");
	case F_BITS:
		return decode_bits(f, mnl_attr_get_u32(attr));
	case F_COUNTERS:
		return decode_counters(f, attr);
	case F_NESTED:
		break;	/* decode_list() */
	}
	return NULL;
}

/* Every attribute f->attr between first and end: an array of objects. */
static struct json_object *decode_list(const struct field *f,
				       const struct nlattr *first,
				       const void *end)
{
	struct json_object *list = json_object_new_array();
	const struct nlattr *attr;

	for (attr = first; list && mnl_attr_ok(attr, (const char *)end -
					       (const char *)attr);
	     attr = mnl_attr_next(attr)) {
		const struct nlattr *tb[TANDEM_A_MAX + 1] = { NULL };
		struct json_object *obj;

		if (mnl_attr_get_type(attr) != f->attr)
			continue;
		obj = json_object_new_object();
		if (!obj || json_object_array_add(list, obj) ||
		    mnl_attr_parse_nested(attr, attr_cb, tb) != MNL_CB_OK ||
		    decode_attrs(f->nested, tb, mnl_attr_get_payload(attr),
				 (const char *)attr + mnl_attr_get_len(attr),
				 obj)) {
			json_object_put(list);
			return NULL;
		}
	}
	return list;
}

/*
 * The fields of desc from tb (the last attribute of each type), or from
 * all of them between first and end for an F_NESTED list.
 */
static int decode_attrs(const struct object_desc *desc,
			const struct nlattr *const *tb,
			const struct nlattr *first, const void *end,
			struct json_object *obj)
{
	size_t i;

	for (i = 0; i < desc->count; i++) {
		const struct field *f = &desc->fields[i];
		struct json_object *val;

		if (f->type == F_NESTED) {
			val = decode_list(f, first, end);
			if (!val)
				return -EBADMSG;
		} else {
			val = decode_field(f, tb[f->attr]);
			if (!val && tb[f->attr])
				return -EBADMSG;
		}
		if (val)
			json_object_object_add(obj, f->json, val);
		if (val && (f->flags & FL_EPOCH))
			tandem_add_epoch_str(obj, f->json,
					     json_object_get_uint64(val));
	}
	return 0;
}

const char *tandem_epoch_str(uint64_t epoch, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 ".%" PRIu64, epoch >> 32,
		 epoch & (uint64_t)UINT32_MAX);
	return buf;
}

void tandem_add_epoch_str(struct json_object *obj, const char *key,
			  uint64_t epoch)
{
	char name[64], buf[TANDEM_EPOCH_STRLEN];

	snprintf(name, sizeof(name), "%s_str", key);
	json_object_object_add(obj, name, json_object_new_string(
		tandem_epoch_str(epoch, buf, sizeof(buf))));
}

int tandem_decode(const struct nlmsghdr *nlh, enum tandem_obj *kind,
		  struct json_object *obj)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1] = { NULL };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	enum tandem_obj k;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	if (tandem_cmd_obj(genl->cmd, &k))
		return -EBADMSG;
	if (mnl_attr_parse(nlh, GENL_HDRLEN, attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;
	if (decode_attrs(&objects[k], tb,
			 mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			 mnl_nlmsg_get_payload_tail(nlh), obj))
		return -EBADMSG;
	if (kind)
		*kind = k;
	return 0;
}

/* One field's value into out: num[], addr[] or name by its type. */
static int decode_value(const struct field *f, const struct nlattr *attr,
			struct tandem_req *out)
{
	const uint8_t *p = mnl_attr_get_payload(attr);
	struct tandem_addr *a = &out->addr[f->attr];

	if (mnl_attr_validate(attr, mnl_types[f->type]) < 0)
		return -EBADMSG;
	switch (f->type) {
	case F_STRING:
		if (f->attr != TANDEM_A_GROUP_NAME ||
		    mnl_attr_get_payload_len(attr) > sizeof(out->name))
			return -EBADMSG;
		memcpy(out->name, p, mnl_attr_get_payload_len(attr));
		break;
	case F_ADDR:
		a->len = mnl_attr_get_payload_len(attr);
		if (a->len != 4 && a->len != 16)
			return -EBADMSG;
		a->family = a->len == 4 ? AF_INET : AF_INET6;
		memcpy(a->bytes, p, a->len);
		break;
	case F_U8:
	case F_BOOL:
	case F_ROLE:
	case F_ENUM:
		out->num[f->attr] = mnl_attr_get_u8(attr);
		break;
	case F_U16:
		out->num[f->attr] = mnl_attr_get_u16(attr);
		break;
	case F_U32:
	case F_BITS:
		out->num[f->attr] = mnl_attr_get_u32(attr);
		break;
	case F_U64:
		out->num[f->attr] = mnl_attr_get_u64(attr);
		break;
	case F_FLAG:
		out->num[f->attr] = 1;
		break;
	case F_NESTED:
	case F_COUNTERS:
		return 0;	/* no single value */
	}
	out->present |= 1ULL << f->attr;
	return 0;
}

int tandem_decode_req(const struct nlmsghdr *nlh, struct tandem_req *out)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1] = { NULL };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct object_desc *desc;
	enum tandem_obj k;
	size_t i;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    tandem_cmd_obj(genl->cmd, &k) ||
	    mnl_attr_parse(nlh, GENL_HDRLEN, attr_cb, tb) != MNL_CB_OK)
		return -EBADMSG;
	req_init(out, k, genl->cmd);
	desc = &objects[k];
	for (i = 0; i < desc->count; i++) {
		const struct field *f = &desc->fields[i];

		if (tb[f->attr] && decode_value(f, tb[f->attr], out))
			return -EBADMSG;
	}
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
	case F_ENUM:
		return json_object_get_string(val);
	case F_BITS:
	case F_NESTED:
	case F_COUNTERS:
		return NULL;	/* no single line */
	default:
		break;
	}
	if ((f->flags & FL_DEFAULT) && json_object_get_uint64(val) == 0)
		return "group's";
	if (f->flags & FL_EPOCH)
		return tandem_epoch_str(json_object_get_uint64(val), buf, size);
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
	case TANDEM_OBJ_STATS:
	case TANDEM_OBJ_CONN:
		fprintf(f, "%s:\n", tandem_obj_name(kind));
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

		if (!val || fl->type == F_BITS || fl->type == F_NESTED ||
		    fl->type == F_COUNTERS)
			continue;
		if (fl->type == F_FLAG || fl->type == F_BOOL)
			text = json_object_get_boolean(val) ? "yes" : "no";
		else if (fl->type == F_STRING || fl->type == F_ADDR ||
			 fl->type == F_ROLE || fl->type == F_ENUM)
			text = json_object_get_string(val);
		else if (fl->flags & FL_EPOCH)
			text = tandem_epoch_str(json_object_get_uint64(val),
						buf, sizeof(buf));
		else {
			snprintf(buf, sizeof(buf), "%" PRIu64,
				 json_object_get_uint64(val));
			text = buf;
		}
		fprintf(f, " %s %s", fl->json, text);
	}
	fputc('\n', f);
}
