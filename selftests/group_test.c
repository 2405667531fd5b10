// SPDX-License-Identifier: GPL-2.0
/*
 * Groups: GROUP_NEW/SET/DEL/GET, the documented defaults, round trips of
 * every attribute, the group selector, uniqueness, the per-namespace limit,
 * and that a refused message changes nothing.
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

FIXTURE(group) {
	struct tnl t;
};

FIXTURE_SETUP(group)
{
	TNL_SETUP(&self->t);
}

FIXTURE_TEARDOWN(group)
{
	tnl_close(&self->t);
}

static int get_group(struct tnl *t, const char *name, struct tnl_res *r,
		     const struct nlattr **tb)
{
	return tnl_get(t, TANDEM_CMD_GROUP_GET, name, 0, 0, r, tb);
}

TEST_F(group, new_defaults)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "web", 7, "192.0.2.10", 1));
	ASSERT_EQ(0, get_group(&self->t, "web", &r, tb));
	ASSERT_EQ(TANDEM_CMD_GROUP_GET, tnl_cmd(r.msgs[0]));
	ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "web");
	ASSERT_U32(tb, TANDEM_A_GROUP_ID, 7);
	ASSERT_ADDR(tb, TANDEM_A_GROUP_VIP, "192.0.2.10");
	ASSERT_U32(tb, TANDEM_A_GROUP_NODE_ID, 1);
	ASSERT_U16(tb, TANDEM_A_GROUP_REPL_PORT, TANDEM_DEFAULT_REPL_PORT);
	ASSERT_U8(tb, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_FENCED);
	ASSERT_U64(tb, TANDEM_A_GROUP_EPOCH, 0);
	ASSERT_U32(tb, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 200);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_LAG_BYTES, 4 << 20);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_LAG_MS, 2000);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_CONNS, 65536);
	ASSERT_U8(tb, TANDEM_A_GROUP_GARP_COUNT, 3);
	ASSERT_U32(tb, TANDEM_A_GROUP_GARP_INTERVAL_MS, 100);
	ASSERT_U32(tb, TANDEM_A_GROUP_MEMBERS, 0);
	ASSERT_U32(tb, TANDEM_A_GROUP_SERVICES, 0);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_REPL_ADDR);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_KEY);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_HAS_KEY);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_LEASE_REMAINING_MS);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_LEASE_MS);
	ASSERT_ABSENT(tb, TANDEM_A_GENERATION);
	tnl_res_free(&r);
}

TEST_F(group, new_all_attributes)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "db-1.x_y", 0xfffffffe, "192.0.2.10", 0xffffffff);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.1.0.1");
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_REPL_PORT, 65535);
	tnl_put_key(nlh, 0xab);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 60000);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_BYTES, 1U << 30);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_MS, 600000);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_CONNS, TANDEM_CONNS_MAX);
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 100);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_GARP_INTERVAL_MS, 10000);
	ASSERT_DO_OK(&self->t, nlh);

	ASSERT_EQ(0, get_group(&self->t, "db-1.x_y", &r, tb));
	ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "db-1.x_y");
	ASSERT_U32(tb, TANDEM_A_GROUP_ID, 0xfffffffe);
	ASSERT_ADDR(tb, TANDEM_A_GROUP_VIP, "192.0.2.10");
	ASSERT_U32(tb, TANDEM_A_GROUP_NODE_ID, 0xffffffff);
	ASSERT_ADDR(tb, TANDEM_A_GROUP_REPL_ADDR, "10.1.0.1");
	ASSERT_U16(tb, TANDEM_A_GROUP_REPL_PORT, 65535);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_KEY);
	ASSERT_NE(NULL, tb[TANDEM_A_GROUP_HAS_KEY]);
	ASSERT_EQ(0, mnl_attr_get_payload_len(tb[TANDEM_A_GROUP_HAS_KEY]));
	ASSERT_U8(tb, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_FENCED);
	ASSERT_U64(tb, TANDEM_A_GROUP_EPOCH, 0);
	ASSERT_U32(tb, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 60000);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_LAG_BYTES, 1U << 30);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_LAG_MS, 600000);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_CONNS, TANDEM_CONNS_MAX);
	ASSERT_U8(tb, TANDEM_A_GROUP_GARP_COUNT, 100);
	ASSERT_U32(tb, TANDEM_A_GROUP_GARP_INTERVAL_MS, 10000);
	tnl_res_free(&r);
}

/* The lower bounds of every range, and a 31-byte name. */
TEST_F(group, new_lower_bounds)
{
	const char *name = "abcdefghijklmnopqrstuvwxyz01234";
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, name, 1, "192.0.2.1", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "fd00::1");
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_REPL_PORT, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_BYTES, 4096);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_MS, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_CONNS, 1);
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 0);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_GARP_INTERVAL_MS, 1);
	ASSERT_DO_OK(&self->t, nlh);

	ASSERT_EQ(0, get_group(&self->t, name, &r, tb));
	ASSERT_ADDR(tb, TANDEM_A_GROUP_REPL_ADDR, "fd00::1");
	ASSERT_U16(tb, TANDEM_A_GROUP_REPL_PORT, 1);
	ASSERT_U32(tb, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 1);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_LAG_BYTES, 4096);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_LAG_MS, 1);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_CONNS, 1);
	ASSERT_U8(tb, TANDEM_A_GROUP_GARP_COUNT, 0);
	ASSERT_U32(tb, TANDEM_A_GROUP_GARP_INTERVAL_MS, 1);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_HAS_KEY);
	tnl_res_free(&r);
}

TEST_F(group, set_round_trip)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "fd00::9");
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_REPL_PORT, 9000);
	tnl_put_key(nlh, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 333);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_BYTES, 8192);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_MS, 444);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_CONNS, 5);
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 7);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_GARP_INTERVAL_MS, 55);
	ASSERT_DO_OK(&self->t, nlh);

	ASSERT_EQ(0, get_group(&self->t, "g", &r, tb));
	ASSERT_ADDR(tb, TANDEM_A_GROUP_VIP, "192.0.2.1");
	ASSERT_U32(tb, TANDEM_A_GROUP_NODE_ID, 1);
	ASSERT_ADDR(tb, TANDEM_A_GROUP_REPL_ADDR, "fd00::9");
	ASSERT_U16(tb, TANDEM_A_GROUP_REPL_PORT, 9000);
	ASSERT_NE(NULL, tb[TANDEM_A_GROUP_HAS_KEY]);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_KEY);
	ASSERT_U32(tb, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 333);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_LAG_BYTES, 8192);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_LAG_MS, 444);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_CONNS, 5);
	ASSERT_U8(tb, TANDEM_A_GROUP_GARP_COUNT, 7);
	ASSERT_U32(tb, TANDEM_A_GROUP_GARP_INTERVAL_MS, 55);
	ASSERT_U8(tb, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_FENCED);
	tnl_res_free(&r);

	/* A SET with one attribute leaves the others alone. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 0);
	ASSERT_DO_OK(&self->t, nlh);
	ASSERT_EQ(0, get_group(&self->t, "g", &r, tb));
	ASSERT_U8(tb, TANDEM_A_GROUP_GARP_COUNT, 0);
	ASSERT_U32(tb, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 333);
	ASSERT_ADDR(tb, TANDEM_A_GROUP_REPL_ADDR, "fd00::9");
	ASSERT_NE(NULL, tb[TANDEM_A_GROUP_HAS_KEY]);
	tnl_res_free(&r);

	/* A SET with only the selector is a valid no-op. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	ASSERT_DO_OK(&self->t, nlh);
}

TEST_F(group, set_unknown_group)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "nosuch");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 1);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -ENOENT, "group");
	tnl_res_free(&r);
}

/* The name, VIP and node id of a group never change. */
TEST_F(group, set_immutable)
{
	static const struct tnl_attr immutable[] = {
		TNL_IP(TANDEM_A_GROUP_VIP, "192.0.2.2"),
		TNL_U32(TANDEM_A_GROUP_NODE_ID, 2),
	};
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	for (size_t i = 0; i < ARRAY_SIZE(immutable); i++) {
		struct nlattr *bad;

		nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
		tnl_put_sel(nlh, "g");
		bad = tnl_put_attr(nlh, &immutable[i]);
		tnl_do(&self->t, nlh, &r);
		EXPECT_EQ(-EINVAL, r.err) TH_LOG("attribute %u: \"%s\"",
						 immutable[i].type, r.msg);
		EXPECT_NE('\0', r.msg[0]);
		EXPECT_EQ((char *)bad - (char *)nlh, r.bad_off);
		tnl_res_free(&r);
	}
	ASSERT_EQ(0, get_group(&self->t, "g", &r, tb));
	ASSERT_ADDR(tb, TANDEM_A_GROUP_VIP, "192.0.2.1");
	ASSERT_U32(tb, TANDEM_A_GROUP_NODE_ID, 1);
	tnl_res_free(&r);
}

/* All attributes of a SET are validated before any is applied. */
TEST_F(group, set_refused_changes_nothing)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));

	/* A valid role change (with all it needs) and an invalid port. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	tnl_put_key(nlh, 3);
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_BACKUP);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 5);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 999);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_REPL_PORT, 0);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -ERANGE, "out of range");	/* the policy's */
	tnl_res_free(&r);

	/* Valid limits, then one out of range. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_CONNS, 10);
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 9);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_GARP_INTERVAL_MS, 10001);
	tnl_do(&self->t, nlh, &r);
	ASSERT_EQ(-ERANGE, r.err);
	tnl_res_free(&r);

	ASSERT_EQ(0, get_group(&self->t, "g", &r, tb));
	ASSERT_U8(tb, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_FENCED);
	ASSERT_U64(tb, TANDEM_A_GROUP_EPOCH, 0);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_HAS_KEY);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_REPL_ADDR);
	ASSERT_U16(tb, TANDEM_A_GROUP_REPL_PORT, TANDEM_DEFAULT_REPL_PORT);
	ASSERT_U32(tb, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 200);
	ASSERT_U32(tb, TANDEM_A_GROUP_MAX_CONNS, 65536);
	ASSERT_U8(tb, TANDEM_A_GROUP_GARP_COUNT, 3);
	ASSERT_U32(tb, TANDEM_A_GROUP_GARP_INTERVAL_MS, 100);
	tnl_res_free(&r);
}

TEST_F(group, duplicates)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "a", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_group_add(&self->t, "b", 2, "198.51.100.1", 1));

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "a", 3, "192.0.2.3", 1);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EEXIST, "name");
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "c", 1, "192.0.2.3", 1);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EEXIST, "id");
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "c", 3, "192.0.2.1", 1);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EEXIST, "VIP");
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "c", 3, "198.51.100.1", 1);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EEXIST, "VIP");
	tnl_res_free(&r);

	/* None of the refused groups exists. */
	ASSERT_EQ(2, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_GET, 0);
	tnl_put_sel(nlh, "c");
	ASSERT_EQ(-ENOENT, tnl_do_free(&self->t, nlh));
}

/*
 * An IPv6 VIP is refused, with a message saying why, until the data path
 * handles IPv6 (it would protect nothing); IPv6 replication is fine.
 */
TEST_F(group, vip6_refused)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "v6", 6, "2001:db8::10", 1);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, "VIP: IPv6 is not supported yet");
	tnl_res_free(&r);
	ASSERT_EQ(0, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "v4", 4, "192.0.2.4", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "2001:db8::1");
	ASSERT_DO_OK(&self->t, nlh);
}

TEST_F(group, selector)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "a", 10, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_group_add(&self->t, "b", 20, "192.0.2.2", 1));

	/* By id alone. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 20);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, 0, NULL);
	ASSERT_EQ(1, r.n);
	tnl_parse(r.msgs[0], tb);
	ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "b");
	tnl_res_free(&r);

	/* By both, naming the same group. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_GET, 0);
	tnl_put_sel(nlh, "a");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 10);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, 0, NULL);
	ASSERT_EQ(1, r.n);
	tnl_parse(r.msgs[0], tb);
	ASSERT_U32(tb, TANDEM_A_GROUP_ID, 10);
	tnl_res_free(&r);

	/* By both, naming different groups: refused, and nothing deleted. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "a");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 20);
	tnl_do(&self->t, nlh, &r);
	ASSERT_TRUE(r.err == -EINVAL || r.err == -ENOENT)
		TH_LOG("got %d \"%s\"", r.err, r.msg);
	ASSERT_NE('\0', r.msg[0]);
	tnl_res_free(&r);
	ASSERT_EQ(2, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));

	/* No selector at all. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_do(&self->t, nlh, &r);
	ASSERT_EQ(-EINVAL, r.err);
	ASSERT_NE('\0', r.msg[0]);
	tnl_res_free(&r);

	/* Unknown name, unknown id. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_GET, 0);
	tnl_put_sel(nlh, "c");
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -ENOENT, "group");
	tnl_res_free(&r);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 30);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -ENOENT, "group");
	tnl_res_free(&r);
}

TEST_F(group, del)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g");
	ASSERT_DO_OK(&self->t, nlh);

	ASSERT_EQ(0, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));
	ASSERT_EQ(0, tnl_count(&self->t, TANDEM_CMD_MEMBER_GET, NULL));
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g");
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -ENOENT, "group");
	tnl_res_free(&r);

	/* Name, id and VIP are free again. */
	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_count(&self->t, TANDEM_CMD_MEMBER_GET, "g"));
}

TEST_F(group, del_with_services_is_busy)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 80));
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g");
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EBUSY, "service");
	tnl_res_free(&r);

	ASSERT_EQ(0, get_group(&self->t, "g", &r, tb));
	ASSERT_U32(tb, TANDEM_A_GROUP_SERVICES, 1);
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_SERVICE_DEL, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
	ASSERT_DO_OK(&self->t, nlh);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g");
	ASSERT_DO_OK(&self->t, nlh);
}

TEST_F_TIMEOUT(group, groups_max, 300)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;
	char name[16];

	for (unsigned int i = 0; i < TANDEM_GROUPS_MAX; i++) {
		char vip[32];

		snprintf(name, sizeof(name), "g%u", i);
		snprintf(vip, sizeof(vip), "10.%u.%u.1", i / 256, i % 256);
		ASSERT_EQ(0, tnl_group_add(&self->t, name, i + 1, vip, 1))
			TH_LOG("group %u", i);
	}
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "one-too-many", 100000, "192.0.2.1", 1);
	tnl_do(&self->t, nlh, &r);
	ASSERT_EQ(-ENOSPC, r.err);
	ASSERT_NE('\0', r.msg[0]);
	tnl_res_free(&r);

	/* Deleting one makes room again. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g0");
	ASSERT_DO_OK(&self->t, nlh);
	ASSERT_EQ(0, tnl_group_add(&self->t, "one-more", 100000, "192.0.2.1", 1));
}

TEST_HARNESS_MAIN
