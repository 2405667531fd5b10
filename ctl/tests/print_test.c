// SPDX-License-Identifier: GPL-2.0
/* Decoding replies and events into JSON, and the human output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "print.h"

static struct nlmsghdr *start(uint8_t *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = 0x1c;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = TANDEM_GENL_VERSION;
	return nlh;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const char *text)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		mnl_attr_put(nlh, type, 4, a);
	else if (inet_pton(AF_INET6, text, a) == 1)
		mnl_attr_put(nlh, type, 16, a);
	else
		abort();
}

/* A GROUP_GET reply as the kernel builds it, plus what must be ignored. */
static struct nlmsghdr *group_msg(uint8_t *buf, uint8_t cmd)
{
	static const uint8_t key[TANDEM_KEY_LEN] = { 0xde, 0xad, 0xbe, 0xef };
	struct nlmsghdr *nlh = start(buf, cmd);

	mnl_attr_put_u32(nlh, TANDEM_A_GENERATION, 41);
	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g1");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 4000000000U);
	put_addr(nlh, TANDEM_A_GROUP_VIP, "10.0.0.1");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_NODE_ID, 1);
	put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "2001:db8::1");
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_REPL_PORT, 7400);
	/* The kernel never sends the key; if it did, it must not show. */
	mnl_attr_put(nlh, TANDEM_A_GROUP_KEY, sizeof(key), key);
	mnl_attr_put(nlh, TANDEM_A_GROUP_HAS_KEY, 0, NULL);
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_PRIMARY);
	mnl_attr_put(nlh, TANDEM_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, UINT64_MAX);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_REMAINING_MS, 1234);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 200);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_BYTES, 4 << 20);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_MS, 2000);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_CONNS, 65536);
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 3);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_GARP_INTERVAL_MS, 100);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MEMBERS, 2);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_SERVICES, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_MAX + 7, 99);	/* from a newer kernel */
	return nlh;
}

static char *decode_json(const struct nlmsghdr *nlh, enum tandem_obj *kind,
			 int *ret)
{
	struct json_object *obj = json_object_new_object();
	char *text;

	*ret = tandem_decode(nlh, kind, obj);
	text = strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	return text;
}

TEST(group_json)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	enum tandem_obj kind = -1;
	char *text;
	int ret;

	text = decode_json(group_msg(buf, TANDEM_CMD_GROUP_GET), &kind, &ret);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(TANDEM_OBJ_GROUP, kind);
	ASSERT_STREQ("{\"name\":\"g1\",\"id\":4000000000,\"vip\":\"10.0.0.1\","
		     "\"node_id\":1,\"repl_addr\":\"2001:db8::1\",\"repl_port\":7400,"
		     "\"has_key\":true,\"role\":\"primary\","
		     "\"epoch\":18446744073709551615,"
		     "\"epoch_str\":\"4294967295.4294967295\",\"lease_remaining_ms\":1234,"
		     "\"syn_timeout_ms\":200,\"max_lag_bytes\":4194304,"
		     "\"max_lag_ms\":2000,\"max_conns\":65536,\"garp_count\":3,"
		     "\"garp_interval_ms\":100,\"members\":2,\"services\":1}", text);
	free(text);
}

TEST(group_json_minimal)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = start(buf, TANDEM_CMD_GROUP_GET);
	char *text;
	int ret;

	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g2");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_FENCED);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 0);
	text = decode_json(nlh, NULL, &ret);
	ASSERT_EQ(0, ret);
	/* No key: has_key is false rather than missing. */
	ASSERT_STREQ("{\"name\":\"g2\",\"has_key\":false,\"role\":\"fenced\",\"epoch\":0,\"epoch_str\":\"0.0\"}",
		     text);
	free(text);
}

TEST(member_json)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = start(buf, TANDEM_CMD_MEMBER_GET);
	enum tandem_obj kind;
	char *text;
	int ret;

	mnl_attr_put_u32(nlh, TANDEM_A_GENERATION, 3);
	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g1");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
	put_addr(nlh, TANDEM_A_MEMBER_ADDR, "192.0.2.2");
	mnl_attr_put_u16(nlh, TANDEM_A_MEMBER_PORT, 7401);
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_PRIORITY, 255);
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_WITNESS, 1);
	text = decode_json(nlh, &kind, &ret);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(TANDEM_OBJ_MEMBER, kind);
	ASSERT_STREQ("{\"group\":\"g1\",\"group_id\":1,\"node_id\":2,"
		     "\"addr\":\"192.0.2.2\",\"port\":7401,\"priority\":255,"
		     "\"witness\":true}", text);
	free(text);
}

TEST(service_json)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = start(buf, TANDEM_CMD_SERVICE_DEL);
	enum tandem_obj kind;
	char *text;
	int ret;

	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g1");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 1);
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 443);
	mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_BYTES, 0);
	mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_MS, 250);
	text = decode_json(nlh, &kind, &ret);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(TANDEM_OBJ_SERVICE, kind);
	ASSERT_STREQ("{\"group\":\"g1\",\"group_id\":1,\"port\":443,"
		     "\"max_lag_bytes\":0,\"max_lag_ms\":250}", text);
	free(text);
}

TEST(conn_json)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = start(buf, TANDEM_CMD_CONN_GET);
	static const uint8_t client[4] = { 10, 0, 0, 5 };
	enum tandem_obj kind;
	struct nlattr *nest;
	char *text;
	int ret, i;

	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g1");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 7);	/* not shown */
	mnl_attr_put(nlh, TANDEM_A_CONN_CLIENT_ADDR, 4, client);
	mnl_attr_put_u16(nlh, TANDEM_A_CONN_CLIENT_PORT, 40001);
	mnl_attr_put_u16(nlh, TANDEM_A_CONN_PORT, 80);
	mnl_attr_put_u8(nlh, TANDEM_A_CONN_STATE, TANDEM_CONN_STATE_ESTABLISHED);
	mnl_attr_put_u32(nlh, TANDEM_A_CONN_FLAGS,
			 TANDEM_CONN_DIVERGED | TANDEM_CONN_HELD | 1U << 20);
	mnl_attr_put_u32(nlh, TANDEM_A_CONN_AGE_MS, 1234);
	mnl_attr_put_u32(nlh, TANDEM_A_CONN_QUEUED_BYTES, 99);
	for (i = 0; i < 2; i++) {
		nest = mnl_attr_nest_start(nlh, TANDEM_A_CONN_PEER);
		mnl_attr_put_u32(nlh, TANDEM_A_CONN_PEER_NODE_ID, 2 + i);
		mnl_attr_put_u8(nlh, TANDEM_A_CONN_PEER_STATE,
				i ? 9 : TANDEM_PEER_STATE_PROTECTING);
		mnl_attr_put_u32(nlh, TANDEM_A_CONN_PEER_LAG_BYTES, 4096 * i);
		mnl_attr_nest_end(nlh, nest);
	}
	text = decode_json(nlh, &kind, &ret);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(TANDEM_OBJ_CONN, kind);
	/* Flags of a newer kernel and unknown states are not lost silently. */
	ASSERT_STREQ("{\"group\":\"g1\",\"client\":\"10.0.0.5\",\"client_port\":40001,"
		     "\"port\":80,\"state\":\"established\",\"flags\":[\"diverged\",\"held\"],"
		     "\"age_ms\":1234,\"queued_bytes\":99,\"peers\":["
		     "{\"node\":2,\"state\":\"protecting\",\"lag_bytes\":0},"
		     "{\"node\":3,\"state\":\"unknown\",\"lag_bytes\":4096}]}", text);
	free(text);

	/* No peer: an empty list. */
	nlh = start(buf, TANDEM_CMD_CONN_GET);
	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g1");
	text = decode_json(nlh, NULL, &ret);
	ASSERT_EQ(0, ret);
	ASSERT_STREQ("{\"group\":\"g1\",\"peers\":[]}", text);
	free(text);

	/* A malformed peer fails the whole message. */
	nlh = start(buf, TANDEM_CMD_CONN_GET);
	nest = mnl_attr_nest_start(nlh, TANDEM_A_CONN_PEER);
	mnl_attr_put_u16(nlh, TANDEM_A_CONN_PEER_NODE_ID, 2);
	mnl_attr_nest_end(nlh, nest);
	text = decode_json(nlh, NULL, &ret);
	ASSERT_EQ(-EBADMSG, ret);
	free(text);
}

TEST(stats_json)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = start(buf, TANDEM_CMD_STATS_GET);
	enum tandem_obj kind;
	struct nlattr *nest;
	char *text;
	int ret;

	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g1");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 7);
	nest = mnl_attr_nest_start(nlh, TANDEM_A_STATS);
	mnl_attr_put(nlh, TANDEM_STAT_UNSPEC, 0, NULL);	/* padding */
	mnl_attr_put_u64(nlh, TANDEM_STAT_MIRRORED, 5);
	mnl_attr_put_u64(nlh, TANDEM_STAT_CHAN_TX, 18446744073709551615ULL);
	mnl_attr_put_u64(nlh, 1000, 1);	/* a newer kernel's */
	mnl_attr_nest_end(nlh, nest);
	text = decode_json(nlh, &kind, &ret);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(TANDEM_OBJ_STATS, kind);
	ASSERT_STREQ("{\"group\":\"g1\",\"group_id\":7,\"counters\":{\"mirrored\":5,"
		     "\"chan_tx\":18446744073709551615,\"stat_1000\":1}}", text);
	free(text);

	nlh = start(buf, TANDEM_CMD_STATS_GET);
	nest = mnl_attr_nest_start(nlh, TANDEM_A_STATS);
	mnl_attr_put_u32(nlh, TANDEM_STAT_MIRRORED, 5);
	mnl_attr_nest_end(nlh, nest);
	text = decode_json(nlh, NULL, &ret);
	ASSERT_EQ(-EBADMSG, ret);
	free(text);
}

/* The same reply as C values, by attribute type (what tandemd reads). */
TEST(group_values)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	static const uint8_t vip[4] = { 10, 0, 0, 1 };
	struct tandem_req k;

	ASSERT_EQ(0, tandem_decode_req(group_msg(buf, TANDEM_CMD_GROUP_GET), &k));
	ASSERT_EQ(TANDEM_OBJ_GROUP, k.obj);
	ASSERT_EQ(TANDEM_CMD_GROUP_GET, k.cmd);
	ASSERT_STREQ("g1", k.name);
	ASSERT_TRUE(req_has(&k, TANDEM_A_GROUP_NAME));
	ASSERT_EQ(4000000000U, k.num[TANDEM_A_GROUP_ID]);
	ASSERT_EQ(AF_INET, k.addr[TANDEM_A_GROUP_VIP].family);
	ASSERT_EQ(4, k.addr[TANDEM_A_GROUP_VIP].len);
	ASSERT_EQ(0, memcmp(vip, k.addr[TANDEM_A_GROUP_VIP].bytes, 4));
	ASSERT_EQ(16, k.addr[TANDEM_A_GROUP_REPL_ADDR].len);
	ASSERT_EQ(7400, k.num[TANDEM_A_GROUP_REPL_PORT]);
	ASSERT_EQ(1, k.num[TANDEM_A_GROUP_HAS_KEY]);
	ASSERT_EQ(TANDEM_ROLE_PRIMARY, k.num[TANDEM_A_GROUP_ROLE]);
	ASSERT_EQ(UINT64_MAX, k.num[TANDEM_A_GROUP_EPOCH]);
	ASSERT_EQ(3, k.num[TANDEM_A_GROUP_GARP_COUNT]);
	/* not decoded: the key, the generation; absent: not present */
	ASSERT_FALSE(req_has(&k, TANDEM_A_GROUP_KEY));
	ASSERT_FALSE(req_has(&k, TANDEM_A_GENERATION));
	ASSERT_FALSE(req_has(&k, TANDEM_A_GROUP_GARP_REFRESH_MS));
}

TEST(conn_values)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = start(buf, TANDEM_CMD_CONN_GET);
	struct tandem_req k;

	mnl_attr_put_u8(nlh, TANDEM_A_CONN_STATE, TANDEM_CONN_STATE_CLOSED);
	mnl_attr_put_u32(nlh, TANDEM_A_CONN_FLAGS, TANDEM_CONN_UNPROTECTED);
	ASSERT_EQ(0, tandem_decode_req(nlh, &k));
	ASSERT_EQ(TANDEM_OBJ_CONN, k.obj);
	ASSERT_EQ(TANDEM_CONN_STATE_CLOSED, k.num[TANDEM_A_CONN_STATE]);
	ASSERT_EQ(TANDEM_CONN_UNPROTECTED, k.num[TANDEM_A_CONN_FLAGS]);

	nlh = start(buf, TANDEM_CMD_MEMBER_GET);
	mnl_attr_put_u16(nlh, TANDEM_A_MEMBER_NODE_ID, 2);	/* u32 */
	ASSERT_EQ(-EBADMSG, tandem_decode_req(nlh, &k));
}

TEST(malformed_attributes)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	char *text;
	int ret;

	nlh = start(buf, TANDEM_CMD_GROUP_GET);
	mnl_attr_put(nlh, TANDEM_A_GROUP_VIP, 5, "abcde");
	free(decode_json(nlh, NULL, &ret));
	ASSERT_EQ(-EBADMSG, ret);

	nlh = start(buf, TANDEM_CMD_GROUP_GET);
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_ID, 1);
	free(decode_json(nlh, NULL, &ret));
	ASSERT_EQ(-EBADMSG, ret);

	nlh = start(buf, TANDEM_CMD_GROUP_GET);
	mnl_attr_put(nlh, TANDEM_A_GROUP_NAME, 2, "g1");	/* no NUL */
	free(decode_json(nlh, NULL, &ret));
	ASSERT_EQ(-EBADMSG, ret);

	nlh = start(buf, TANDEM_CMD_MAX + 1);
	text = decode_json(nlh, NULL, &ret);
	ASSERT_EQ(-EBADMSG, ret);
	free(text);

	nlh = mnl_nlmsg_put_header(buf);	/* no genetlink header */
	free(decode_json(nlh, NULL, &ret));
	ASSERT_EQ(-EBADMSG, ret);
}

TEST(event_names)
{
	ASSERT_STREQ("group_new", tandem_event_name(TANDEM_CMD_GROUP_NEW));
	ASSERT_STREQ("group_set", tandem_event_name(TANDEM_CMD_GROUP_SET));
	ASSERT_STREQ("group_del", tandem_event_name(TANDEM_CMD_GROUP_DEL));
	ASSERT_STREQ("member_new", tandem_event_name(TANDEM_CMD_MEMBER_NEW));
	ASSERT_STREQ("member_set", tandem_event_name(TANDEM_CMD_MEMBER_SET));
	ASSERT_STREQ("member_del", tandem_event_name(TANDEM_CMD_MEMBER_DEL));
	ASSERT_STREQ("service_new", tandem_event_name(TANDEM_CMD_SERVICE_NEW));
	ASSERT_STREQ("service_set", tandem_event_name(TANDEM_CMD_SERVICE_SET));
	ASSERT_STREQ("service_del", tandem_event_name(TANDEM_CMD_SERVICE_DEL));
	ASSERT_EQ(NULL, tandem_event_name(TANDEM_CMD_UNSPEC));
	ASSERT_EQ(NULL, tandem_event_name(TANDEM_CMD_MAX + 1));
}

/* Run a printer into a string. */
#define CAPTURE(text, call) do {					\
	size_t __len;							\
	FILE *f = open_memstream(&(text), &__len);			\
	ASSERT_NE(NULL, f);						\
	call;								\
	fclose(f);							\
} while (0)

TEST(group_block)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct json_object *obj = json_object_new_object();
	char *text = NULL;

	ASSERT_EQ(0, tandem_decode(group_msg(buf, TANDEM_CMD_GROUP_GET), NULL, obj));
	CAPTURE(text, tandem_print_block(f, TANDEM_OBJ_GROUP, obj));
	ASSERT_STREQ("group: g1\n"
		     "  id:              4000000000\n"
		     "  vip:             10.0.0.1\n"
		     "  node id:         1\n"
		     "  local:           2001:db8::1\n"
		     "  port:            7400\n"
		     "  key:             (set)\n"
		     "  role:            primary\n"
		     "  epoch:           4294967295.4294967295\n"
		     "  lease remaining: 1234 ms\n"
		     "  syn timeout:     200 ms\n"
		     "  max lag:         4194304 bytes\n"
		     "  max lag time:    2000 ms\n"
		     "  max conns:       65536\n"
		     "  garp count:      3\n"
		     "  garp interval:   100 ms\n"
		     "  members:         2\n"
		     "  services:        1\n", text);
	ASSERT_EQ(NULL, strstr(text, "dead"));
	free(text);
	json_object_put(obj);
}

TEST(blocks_and_absent_fields)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct json_object *arr = json_object_new_array();
	struct json_object *obj;
	struct nlmsghdr *nlh;
	char *text = NULL;
	int port;

	for (port = 80; port <= 81; port++) {
		nlh = start(buf, TANDEM_CMD_SERVICE_GET);
		mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "web");
		mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 5);
		mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, port);
		mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_BYTES, port == 80 ? 0 : 8192);
		mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_MS, 0);
		obj = json_object_new_object();
		ASSERT_EQ(0, tandem_decode(nlh, NULL, obj));
		json_object_array_add(arr, obj);
	}
	CAPTURE(text, tandem_print_blocks(f, TANDEM_OBJ_SERVICE, arr));
	ASSERT_STREQ("service: web port 80\n"
		     "  group id:     5\n"
		     "  max lag:      group's\n"
		     "  max lag time: group's\n"
		     "\n"
		     "service: web port 81\n"
		     "  group id:     5\n"
		     "  max lag:      8192 bytes\n"
		     "  max lag time: group's\n", text);
	free(text);
	json_object_put(arr);

	/* A group without key or replication address says so. */
	nlh = start(buf, TANDEM_CMD_GROUP_GET);
	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g2");
	obj = json_object_new_object();
	ASSERT_EQ(0, tandem_decode(nlh, NULL, obj));
	CAPTURE(text, tandem_print_block(f, TANDEM_OBJ_GROUP, obj));
	ASSERT_STREQ("group: g2\n"
		     "  local:           (none)\n"
		     "  key:             (none)\n", text);
	free(text);
	json_object_put(obj);
}

TEST(member_block)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = start(buf, TANDEM_CMD_MEMBER_GET);
	struct json_object *obj = json_object_new_object();
	char *text = NULL;

	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g1");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 3);
	put_addr(nlh, TANDEM_A_MEMBER_ADDR, "fd00::3");
	mnl_attr_put_u16(nlh, TANDEM_A_MEMBER_PORT, 7400);
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_PRIORITY, 100);
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_WITNESS, 0);
	ASSERT_EQ(0, tandem_decode(nlh, NULL, obj));
	CAPTURE(text, tandem_print_block(f, TANDEM_OBJ_MEMBER, obj));
	ASSERT_STREQ("member: g1 node 3\n"
		     "  group id: 1\n"
		     "  addr:     fd00::3\n"
		     "  port:     7400\n"
		     "  priority: 100\n"
		     "  witness:  off\n", text);
	free(text);
	json_object_put(obj);
}

TEST(json_output)
{
	struct json_object *arr = json_object_new_array();
	struct json_object *obj = json_object_new_object();
	char *text = NULL;

	json_object_object_add(obj, "name", json_object_new_string("a/b"));
	json_object_array_add(arr, obj);
	CAPTURE(text, tandem_print_json(f, arr, false));
	ASSERT_STREQ("[{\"name\":\"a/b\"}]\n", text);
	free(text);
	CAPTURE(text, tandem_print_json(f, arr, true));
	ASSERT_STREQ("[\n  {\n    \"name\": \"a/b\"\n  }\n]\n", text);
	free(text);
	json_object_put(arr);
}

TEST(event_line)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct json_object *obj = json_object_new_object();
	enum tandem_obj kind;
	char *text = NULL;

	json_object_object_add(obj, "event", json_object_new_string("group_set"));
	ASSERT_EQ(0, tandem_decode(group_msg(buf, TANDEM_CMD_GROUP_SET), &kind, obj));
	CAPTURE(text, tandem_print_event(f, kind, "group_set", obj));
	ASSERT_STREQ("group_set name g1 id 4000000000 vip 10.0.0.1 node_id 1 "
		     "repl_addr 2001:db8::1 repl_port 7400 has_key yes role primary "
		     "epoch 4294967295.4294967295 lease_remaining_ms 1234 "
		     "syn_timeout_ms 200 max_lag_bytes 4194304 max_lag_ms 2000 "
		     "max_conns 65536 garp_count 3 garp_interval_ms 100 members 2 "
		     "services 1\n", text);
	free(text);
	CAPTURE(text, tandem_print_json(f, obj, false));
	ASSERT_EQ(0, strncmp("{\"event\":\"group_set\",\"name\":\"g1\",", text, 32));
	ASSERT_EQ(NULL, strstr(text, "\"key\""));
	free(text);
	json_object_put(obj);
}

TEST_HARNESS_MAIN
