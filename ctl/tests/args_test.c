// SPDX-License-Identifier: GPL-2.0
/* The command line grammar: from words to a request, and usage errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "tandem.h"

#define MAX_WORDS 40

/* Parse a command given as one string of space separated words. */
static int parse(int (*fn)(int, char **, struct tandem_req *),
		 struct tandem_req *req, const char *line)
{
	static char buf[1024];
	char *argv[MAX_WORDS + 1];
	int argc = 0;
	char *tok;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok(buf, " "); tok && argc < MAX_WORDS; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return fn(argc, argv, req);
}

#define BIT(a) (1ULL << (a))

TEST(group_add)
{
	struct tandem_req req;
	const struct tandem_addr *vip = &req.addr[TANDEM_A_GROUP_VIP];

	ASSERT_EQ(0, parse(group_parse, &req,
			   "add g1 id 7 vip 10.0.0.1 node 3"));
	ASSERT_EQ(TANDEM_CMD_GROUP_NEW, req.cmd);
	ASSERT_EQ(TANDEM_OBJ_GROUP, req.obj);
	ASSERT_FALSE(req.dump);
	ASSERT_EQ(BIT(TANDEM_A_GROUP_NAME) | BIT(TANDEM_A_GROUP_ID) |
		  BIT(TANDEM_A_GROUP_VIP) | BIT(TANDEM_A_GROUP_NODE_ID),
		  req.present);
	ASSERT_STREQ("g1", req.name);
	ASSERT_EQ(7, req.num[TANDEM_A_GROUP_ID]);
	ASSERT_EQ(3, req.num[TANDEM_A_GROUP_NODE_ID]);
	ASSERT_EQ(4, vip->len);
	ASSERT_EQ(10, vip->bytes[0]);
	ASSERT_STREQ("cannot add group g1", req.what);
}

TEST(group_add_everything)
{
	struct tandem_req req;

	ASSERT_EQ(0, parse(group_parse, &req,
			   "add name g2 id 2 vip 2001:db8::10 node 1 local 192.0.2.1 "
			   "port 7401 syn-timeout 300 max-lag-bytes 8M max-lag-ms 500 "
			   "max-conns 1000 garp-count 0 garp-interval 50"));
	ASSERT_STREQ("g2", req.name);
	ASSERT_EQ(16, req.addr[TANDEM_A_GROUP_VIP].len);
	ASSERT_EQ(4, req.addr[TANDEM_A_GROUP_REPL_ADDR].len);
	ASSERT_EQ(7401, req.num[TANDEM_A_GROUP_REPL_PORT]);
	ASSERT_EQ(300, req.num[TANDEM_A_GROUP_SYN_TIMEOUT_MS]);
	ASSERT_EQ(8 << 20, req.num[TANDEM_A_GROUP_MAX_LAG_BYTES]);
	ASSERT_EQ(500, req.num[TANDEM_A_GROUP_MAX_LAG_MS]);
	ASSERT_EQ(1000, req.num[TANDEM_A_GROUP_MAX_CONNS]);
	ASSERT_TRUE(req_has(&req, TANDEM_A_GROUP_GARP_COUNT));
	ASSERT_EQ(0, req.num[TANDEM_A_GROUP_GARP_COUNT]);
	ASSERT_EQ(50, req.num[TANDEM_A_GROUP_GARP_INTERVAL_MS]);
	ASSERT_FALSE(req_has(&req, TANDEM_A_GROUP_KEY));
}

TEST(group_add_usage_errors)
{
	static const char *const bad[] = {
		"add",					/* nothing */
		"add id 1 vip 10.0.0.1 node 1",		/* no name */
		"add g1 vip 10.0.0.1 node 1",		/* no id */
		"add g1 id 1 node 1",			/* no vip */
		"add g1 id 1 vip 10.0.0.1",		/* no node */
		"add g1 id 1 vip 10.0.0.1 node",	/* no value */
		"add g1 id 1 vip 10.0.0.1 node 1 colour red",
		"add g1 id 1 id 2 vip 10.0.0.1 node 1",
		"add g1 id 0 vip 10.0.0.1 node 1",
		"add g1 id 4294967296 vip 10.0.0.1 node 1",
		"add g1 id x vip 10.0.0.1 node 1",
		"add g1 id 1 vip 10.0.0.300 node 1",
		"add g1 id 1 vip host.example node 1",
		"add g1 id 1 vip 10.0.0.1 node 1 port 0",
		"add g1 id 1 vip 10.0.0.1 node 1 port 65536",
		"add g1 id 1 vip 10.0.0.1 node 1 local ::1::",
		"add g1 id 1 vip 10.0.0.1 node 1 syn-timeout 60001",
		"add g1 id 1 vip 10.0.0.1 node 1 max-lag-bytes 4095",
		"add g1 id 1 vip 10.0.0.1 node 1 max-lag-bytes 2G",
		"add g1 id 1 vip 10.0.0.1 node 1 garp-count 101",
		"add g1 id 1 vip 10.0.0.1 node 1 max-conns 1048577",
		"add g1 id 1 vip 10.0.0.1 node 1 key /nonexistent/key",
		"add g1 id 1 vip 10.0.0.1 node 1 role primary",	/* set only */
		"add bad/name id 1 vip 10.0.0.1 node 1",
		"add aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa id 1 vip 10.0.0.1 node 1",
		"frobnicate g1",
	};
	struct tandem_req req;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TH_LOG("group %s", bad[i]);
		ASSERT_EQ(-EINVAL, parse(group_parse, &req, bad[i]));
	}
}

TEST(group_set)
{
	struct tandem_req req;

	ASSERT_EQ(0, parse(group_parse, &req,
			   "set g1 role primary epoch 18446744073709551615 lease 1500"));
	ASSERT_EQ(TANDEM_CMD_GROUP_SET, req.cmd);
	ASSERT_EQ(TANDEM_ROLE_PRIMARY, req.num[TANDEM_A_GROUP_ROLE]);
	ASSERT_EQ(UINT64_MAX, req.num[TANDEM_A_GROUP_EPOCH]);
	ASSERT_EQ(1500, req.num[TANDEM_A_GROUP_LEASE_MS]);
	ASSERT_STREQ("cannot change group g1", req.what);

	ASSERT_EQ(0, parse(group_parse, &req, "set id 9 epoch 0"));
	ASSERT_EQ(BIT(TANDEM_A_GROUP_ID) | BIT(TANDEM_A_GROUP_EPOCH), req.present);
	ASSERT_STREQ("cannot change group id 9", req.what);

	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "set g1"));
	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "set role backup"));
	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "set g1 role leader"));
	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "set g1 lease 0"));
	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "set g1 lease 3600001"));
	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "set g1 epoch -1"));
	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "set g1 vip 10.0.0.2"));
}

TEST(group_del_and_show)
{
	struct tandem_req req;

	ASSERT_EQ(0, parse(group_parse, &req, "del g1"));
	ASSERT_EQ(TANDEM_CMD_GROUP_DEL, req.cmd);
	ASSERT_EQ(BIT(TANDEM_A_GROUP_NAME), req.present);
	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "del"));
	ASSERT_EQ(-EINVAL, parse(group_parse, &req, "del g1 g2"));

	ASSERT_EQ(0, parse(group_parse, &req, "show"));
	ASSERT_EQ(TANDEM_CMD_GROUP_GET, req.cmd);
	ASSERT_TRUE(req.dump);
	ASSERT_EQ(0, req.present);
	ASSERT_EQ(0, parse(group_parse, &req, ""));	/* "tandem group" */
	ASSERT_TRUE(req.dump);
	ASSERT_EQ(0, parse(group_parse, &req, "list"));
	ASSERT_TRUE(req.dump);
	ASSERT_EQ(0, parse(group_parse, &req, "show g1"));
	ASSERT_FALSE(req.dump);
	ASSERT_STREQ("g1", req.name);
	ASSERT_EQ(0, parse(group_parse, &req, "show id 4"));
	ASSERT_FALSE(req.dump);
	ASSERT_EQ(4, req.num[TANDEM_A_GROUP_ID]);
	ASSERT_EQ(TANDEM_HELP, parse(group_parse, &req, "help"));
}

TEST(members)
{
	struct tandem_req req;

	ASSERT_EQ(0, parse(member_parse, &req,
			   "add group g1 node 2 addr 192.0.2.2 port 7402 priority 200 witness on"));
	ASSERT_EQ(TANDEM_CMD_MEMBER_NEW, req.cmd);
	ASSERT_EQ(2, req.num[TANDEM_A_MEMBER_NODE_ID]);
	ASSERT_EQ(7402, req.num[TANDEM_A_MEMBER_PORT]);
	ASSERT_EQ(200, req.num[TANDEM_A_MEMBER_PRIORITY]);
	ASSERT_EQ(1, req.num[TANDEM_A_MEMBER_WITNESS]);
	ASSERT_STREQ("cannot add member 2 to group g1", req.what);

	ASSERT_EQ(0, parse(member_parse, &req, "set group g1 node 2 witness off"));
	ASSERT_EQ(TANDEM_CMD_MEMBER_SET, req.cmd);
	ASSERT_EQ(0, req.num[TANDEM_A_MEMBER_WITNESS]);
	ASSERT_TRUE(req_has(&req, TANDEM_A_MEMBER_WITNESS));

	ASSERT_EQ(0, parse(member_parse, &req, "del group-id 5 node 2"));
	ASSERT_EQ(BIT(TANDEM_A_GROUP_ID) | BIT(TANDEM_A_MEMBER_NODE_ID), req.present);
	ASSERT_STREQ("cannot delete member 2 of group id 5", req.what);

	ASSERT_EQ(0, parse(member_parse, &req, "show"));
	ASSERT_TRUE(req.dump);
	ASSERT_EQ(0, parse(member_parse, &req, "show group g1"));
	ASSERT_TRUE(req.dump);
	ASSERT_EQ(BIT(TANDEM_A_GROUP_NAME), req.present);
	ASSERT_EQ(0, parse(member_parse, &req, "show group g1 node 2"));
	ASSERT_FALSE(req.dump);

	ASSERT_EQ(-EINVAL, parse(member_parse, &req, "show node 2"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req, "add group g1 node 2"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req, "add node 2 addr 10.0.0.2"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req, "add group g1 addr 10.0.0.2"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req,
				 "add group g1 node 2 addr 10.0.0.2 priority 256"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req,
				 "add group g1 node 2 addr 10.0.0.2 witness maybe"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req,
				 "add group g1 node 0 addr 10.0.0.2"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req, "set group g1 node 2"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req, "del group g1"));
	ASSERT_EQ(-EINVAL, parse(member_parse, &req, "remove group g1 node 2"));
}

TEST(services)
{
	struct tandem_req req;

	ASSERT_EQ(0, parse(service_parse, &req, "add group g1 port 80"));
	ASSERT_EQ(TANDEM_CMD_SERVICE_NEW, req.cmd);
	ASSERT_EQ(80, req.num[TANDEM_A_SERVICE_PORT]);
	ASSERT_STREQ("cannot add service port 80 to group g1", req.what);

	ASSERT_EQ(0, parse(service_parse, &req,
			   "set group g1 port 80 max-lag-bytes 0 max-lag-ms 0"));
	ASSERT_TRUE(req_has(&req, TANDEM_A_SERVICE_MAX_LAG_BYTES));
	ASSERT_EQ(0, req.num[TANDEM_A_SERVICE_MAX_LAG_BYTES]);
	ASSERT_EQ(0, parse(service_parse, &req,
			   "set group g1 port 80 max-lag-bytes 64K"));
	ASSERT_EQ(65536, req.num[TANDEM_A_SERVICE_MAX_LAG_BYTES]);

	ASSERT_EQ(0, parse(service_parse, &req, "show group g1 port 80"));
	ASSERT_FALSE(req.dump);
	ASSERT_EQ(0, parse(service_parse, &req, "ls group g1"));
	ASSERT_TRUE(req.dump);

	ASSERT_EQ(-EINVAL, parse(service_parse, &req, "add group g1 port 0"));
	ASSERT_EQ(-EINVAL, parse(service_parse, &req, "add group g1"));
	ASSERT_EQ(-EINVAL, parse(service_parse, &req, "add port 80"));
	ASSERT_EQ(-EINVAL, parse(service_parse, &req,
				 "add group g1 port 80 max-lag-bytes 100"));
	ASSERT_EQ(-EINVAL, parse(service_parse, &req,
				 "add group g1 port 80 max-lag-ms 600001"));
	ASSERT_EQ(-EINVAL, parse(service_parse, &req, "set group g1 port 80"));
	ASSERT_EQ(-EINVAL, parse(service_parse, &req, "show port 80"));
}

/* The attributes on the wire: types and sizes the kernel's policy wants. */
TEST(wire_format)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlattr *attr;
	struct tandem_req req;
	struct nlmsghdr *nlh;
	int count = 0;

	ASSERT_EQ(0, parse(group_parse, &req,
			   "set g1 role backup epoch 4294967297 port 7400 garp-count 5"));
	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	ASSERT_EQ(0, req_put_attrs(&req, nlh, sizeof(buf)));
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		count++;
		switch (mnl_attr_get_type(attr)) {
		case TANDEM_A_GROUP_NAME:
			ASSERT_EQ(0, mnl_attr_validate(attr, MNL_TYPE_NUL_STRING));
			ASSERT_EQ(3, mnl_attr_get_payload_len(attr));
			ASSERT_STREQ("g1", mnl_attr_get_str(attr));
			break;
		case TANDEM_A_GROUP_ROLE:
			ASSERT_EQ(1, mnl_attr_get_payload_len(attr));
			ASSERT_EQ(TANDEM_ROLE_BACKUP, mnl_attr_get_u8(attr));
			break;
		case TANDEM_A_GROUP_EPOCH:
			ASSERT_EQ(8, mnl_attr_get_payload_len(attr));
			ASSERT_EQ(4294967297ULL, mnl_attr_get_u64(attr));
			break;
		case TANDEM_A_GROUP_REPL_PORT:
			ASSERT_EQ(2, mnl_attr_get_payload_len(attr));
			ASSERT_EQ(7400, mnl_attr_get_u16(attr));
			break;
		case TANDEM_A_GROUP_GARP_COUNT:
			ASSERT_EQ(1, mnl_attr_get_payload_len(attr));
			ASSERT_EQ(5, mnl_attr_get_u8(attr));
			break;
		default:
			TH_LOG("unexpected attribute %d", mnl_attr_get_type(attr));
			ASSERT_TRUE(0);
		}
	}
	ASSERT_EQ(5, count);

	ASSERT_EQ(0, parse(member_parse, &req,
			   "add group-id 3 node 2 addr 2001:db8::2 witness on"));
	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	ASSERT_EQ(0, req_put_attrs(&req, nlh, sizeof(buf)));
	count = 0;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		count++;
		switch (mnl_attr_get_type(attr)) {
		case TANDEM_A_GROUP_ID:
		case TANDEM_A_MEMBER_NODE_ID:
			ASSERT_EQ(4, mnl_attr_get_payload_len(attr));
			break;
		case TANDEM_A_MEMBER_ADDR:
			ASSERT_EQ(16, mnl_attr_get_payload_len(attr));
			break;
		case TANDEM_A_MEMBER_WITNESS:
			ASSERT_EQ(1, mnl_attr_get_payload_len(attr));
			ASSERT_EQ(1, mnl_attr_get_u8(attr));
			break;
		default:
			ASSERT_TRUE(0);
		}
	}
	ASSERT_EQ(4, count);
}

TEST(key_on_the_wire)
{
	char path[] = "/tmp/tandem-args-key.XXXXXX";
	const char *b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlattr *attr;
	struct tandem_req req;
	struct nlmsghdr *nlh;
	char line[128];
	bool seen = false;
	int fd, i;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(b64), write(fd, b64, strlen(b64)));
	close(fd);
	snprintf(line, sizeof(line), "set g1 key %s", path);
	ASSERT_EQ(0, parse(group_parse, &req, line));
	unlink(path);
	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
	ASSERT_EQ(0, req_put_attrs(&req, nlh, sizeof(buf)));
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		const uint8_t *key = mnl_attr_get_payload(attr);

		if (mnl_attr_get_type(attr) != TANDEM_A_GROUP_KEY)
			continue;
		seen = true;
		ASSERT_EQ(TANDEM_KEY_LEN, mnl_attr_get_payload_len(attr));
		for (i = 0; i < TANDEM_KEY_LEN; i++)
			ASSERT_EQ(i, key[i]);
	}
	ASSERT_TRUE(seen);
	req_wipe(&req);
	for (i = 0; i < TANDEM_KEY_LEN; i++)
		ASSERT_EQ(0, req.key[i]);
}

TEST_HARNESS_MAIN
