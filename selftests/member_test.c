// SPDX-License-Identifier: GPL-2.0
/*
 * Members: MEMBER_NEW/SET/DEL/GET, defaults and round trips, the address
 * family rules, uniqueness of node id and address:port, the per-group
 * limit. (Single malformed attributes are in validate_test.c.)
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

FIXTURE(member) {
	struct tnl t;
};

/* Group g: id 1, node 1, IPv4 replication address 10.0.0.1. */
FIXTURE_SETUP(member)
{
	struct nlmsghdr *nlh;

	TNL_SETUP(&self->t);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "g", 1, "192.0.2.1", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	ASSERT_DO_OK(&self->t, nlh);
}

FIXTURE_TEARDOWN(member)
{
	tnl_close(&self->t);
}

static int get_member(struct tnl *t, uint32_t node, struct tnl_res *r,
		      const struct nlattr **tb)
{
	return tnl_get(t, TANDEM_CMD_MEMBER_GET, "g", TANDEM_A_MEMBER_NODE_ID,
		       node, r, tb);
}

static uint32_t group_members(struct __test_metadata *_metadata,
			      struct tnl *t, const char *group)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;
	uint32_t n;

	ASSERT_EQ(0, tnl_get(t, TANDEM_CMD_GROUP_GET, group, 0, 0, &r, tb));
	ASSERT_NE(NULL, tb[TANDEM_A_GROUP_MEMBERS]);
	n = mnl_attr_get_u32(tb[TANDEM_A_GROUP_MEMBERS]);
	tnl_res_free(&r);
	return n;
}

static struct tnl_res member_set(struct tnl *t, uint32_t node,
				 const struct tnl_attr *a)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_MEMBER_SET, 0);
	struct tnl_res r;

	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, node);
	tnl_put_attr(nlh, a);
	tnl_do(t, nlh, &r);
	return r;
}

TEST_F(member, new_defaults)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;

	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	ASSERT_EQ(0, get_member(&self->t, 2, &r, tb));
	ASSERT_EQ(TANDEM_CMD_MEMBER_GET, tnl_cmd(r.msgs[0]));
	ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "g");
	ASSERT_U32(tb, TANDEM_A_GROUP_ID, 1);
	ASSERT_U32(tb, TANDEM_A_MEMBER_NODE_ID, 2);
	ASSERT_ADDR(tb, TANDEM_A_MEMBER_ADDR, "10.0.0.2");
	ASSERT_U16(tb, TANDEM_A_MEMBER_PORT, TANDEM_DEFAULT_REPL_PORT);
	ASSERT_U8(tb, TANDEM_A_MEMBER_PRIORITY, 100);
	ASSERT_U8(tb, TANDEM_A_MEMBER_WITNESS, 0);
	ASSERT_ABSENT(tb, TANDEM_A_GENERATION);
	tnl_res_free(&r);
	ASSERT_EQ(1, group_members(_metadata, &self->t, "g"));
}

TEST_F(member, new_all_attributes)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_NEW, 0);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 1);	/* select by id */
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 0xffffffff);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.9");
	mnl_attr_put_u16(nlh, TANDEM_A_MEMBER_PORT, 65535);
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_PRIORITY, 255);
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_WITNESS, 1);
	ASSERT_DO_OK(&self->t, nlh);

	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_NEW, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 3);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.3");
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_PRIORITY, 0);
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_WITNESS, 0);
	ASSERT_DO_OK(&self->t, nlh);

	ASSERT_EQ(0, get_member(&self->t, 0xffffffff, &r, tb));
	ASSERT_ADDR(tb, TANDEM_A_MEMBER_ADDR, "10.0.0.9");
	ASSERT_U16(tb, TANDEM_A_MEMBER_PORT, 65535);
	ASSERT_U8(tb, TANDEM_A_MEMBER_PRIORITY, 255);
	ASSERT_U8(tb, TANDEM_A_MEMBER_WITNESS, 1);
	tnl_res_free(&r);
	ASSERT_EQ(0, get_member(&self->t, 3, &r, tb));
	ASSERT_U8(tb, TANDEM_A_MEMBER_PRIORITY, 0);
	ASSERT_U8(tb, TANDEM_A_MEMBER_WITNESS, 0);
	tnl_res_free(&r);
	ASSERT_EQ(2, group_members(_metadata, &self->t, "g"));
}

TEST_F(member, set_round_trip)
{
	static const struct tnl_attr changes[] = {
		TNL_IP(TANDEM_A_MEMBER_ADDR, "10.0.0.22"),
		TNL_U16(TANDEM_A_MEMBER_PORT, 8000),
		TNL_U8(TANDEM_A_MEMBER_PRIORITY, 7),
		TNL_U8(TANDEM_A_MEMBER_WITNESS, 1),
	};
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;

	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	/* One attribute per SET: each leaves the others as they were. */
	for (size_t i = 0; i < ARRAY_SIZE(changes); i++) {
		r = member_set(&self->t, 2, &changes[i]);
		ASSERT_RES(r, 0, NULL);
		tnl_res_free(&r);
	}
	ASSERT_EQ(0, get_member(&self->t, 2, &r, tb));
	ASSERT_ADDR(tb, TANDEM_A_MEMBER_ADDR, "10.0.0.22");
	ASSERT_U16(tb, TANDEM_A_MEMBER_PORT, 8000);
	ASSERT_U8(tb, TANDEM_A_MEMBER_PRIORITY, 7);
	ASSERT_U8(tb, TANDEM_A_MEMBER_WITNESS, 1);
	tnl_res_free(&r);
	ASSERT_EQ(1, group_members(_metadata, &self->t, "g"));
}

TEST_F(member, del)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 3, "10.0.0.3"));
	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_DEL, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
	ASSERT_DO_OK(&self->t, nlh);

	ASSERT_EQ(1, group_members(_metadata, &self->t, "g"));
	ASSERT_EQ(-ENOENT, get_member(&self->t, 2, &r, tb));
	ASSERT_NE(NULL, strcasestr(r.msg, "member")) TH_LOG("\"%s\"", r.msg);
	tnl_res_free(&r);
	ASSERT_EQ(0, get_member(&self->t, 3, &r, tb));
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_DEL, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -ENOENT, "member");
	tnl_res_free(&r);

	/* The node id and the address are free again. */
	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
}

TEST_F(member, members_max)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;
	char addr[32];

	for (int i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%d", 10 + i);
		nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_NEW, 0);
		tnl_put_sel(nlh, "g");
		mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 10 + i);
		tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, addr);
		/* Witnesses count too. */
		mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_WITNESS, i & 1);
		ASSERT_DO_OK(&self->t, nlh);
	}
	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_NEW, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 99);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.99");
	tnl_do(&self->t, nlh, &r);
	ASSERT_EQ(-ENOSPC, r.err) TH_LOG("\"%s\"", r.msg);
	ASSERT_NE(NULL, strcasestr(r.msg, "member")) TH_LOG("\"%s\"", r.msg);
	tnl_res_free(&r);
	ASSERT_EQ(TANDEM_MEMBERS_MAX, group_members(_metadata, &self->t, "g"));
	ASSERT_EQ(TANDEM_MEMBERS_MAX,
		  tnl_count(&self->t, TANDEM_CMD_MEMBER_GET, "g"));
}

/* Address:port is unique in a group; the address alone is not. */
TEST_F(member, address_port_unique)
{
	const struct tnl_attr port_a = TNL_U16(TANDEM_A_MEMBER_PORT, 7400);
	const struct tnl_attr port_b = TNL_U16(TANDEM_A_MEMBER_PORT, 7401);
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_NEW, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 3);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.2");
	tnl_put_attr(nlh, &port_b);
	ASSERT_DO_OK(&self->t, nlh);

	r = member_set(&self->t, 3, &port_a);
	ASSERT_RES(r, -EEXIST, "addr");
	tnl_res_free(&r);

	/* The same address:port in another group is fine. */
	ASSERT_EQ(0, tnl_group_add(&self->t, "h", 2, "192.0.2.2", 1));
	ASSERT_EQ(0, tnl_member_add(&self->t, "h", 2, "10.0.0.2"));
}

/* Without a group replication address, the first member sets the family. */
TEST_F(member, family_follows_members)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "h", 2, "192.0.2.2", 1));
	ASSERT_EQ(0, tnl_member_add(&self->t, "h", 2, "fd00::2"));
	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_NEW, 0);
	tnl_put_sel(nlh, "h");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 3);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.3");
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, "family");
	tnl_res_free(&r);
	ASSERT_EQ(0, tnl_member_add(&self->t, "h", 3, "fd00::3"));

	/* A lone member may change family: no other member constrains it. */
	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_DEL, 0);
	tnl_put_sel(nlh, "h");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 3);
	ASSERT_DO_OK(&self->t, nlh);
	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_SET, 0);
	tnl_put_sel(nlh, "h");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.2");
	ASSERT_DO_OK(&self->t, nlh);
	ASSERT_EQ(0, tnl_member_add(&self->t, "h", 3, "10.0.0.3"));
}

/* With an IPv6 replication address every member is IPv6. */
TEST_F(member, family_follows_group)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "h", 2, "192.0.2.2", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "fd00::1");
	ASSERT_DO_OK(&self->t, nlh);

	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_NEW, 0);
	tnl_put_sel(nlh, "h");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.2");
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, "family");
	tnl_res_free(&r);
	ASSERT_EQ(0, tnl_count(&self->t, TANDEM_CMD_MEMBER_GET, "h"));
	ASSERT_EQ(0, tnl_member_add(&self->t, "h", 2, "fd00::2"));
}

/* The group's replication address may not leave its members behind. */
TEST_F(member, group_family_follows_members)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "fd00::1");
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, "family");
	tnl_res_free(&r);
	ASSERT_EQ(0, tnl_get(&self->t, TANDEM_CMD_GROUP_GET, "g", 0, 0, &r, tb));
	ASSERT_ADDR(tb, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	tnl_res_free(&r);

	/* Same family: fine. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.100");
	ASSERT_DO_OK(&self->t, nlh);
}

/* Members of one group, of all groups, and the group's own node. */
TEST_F(member, per_group)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "h", 2, "192.0.2.2", 5));
	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	ASSERT_EQ(0, tnl_member_add(&self->t, "h", 2, "10.0.0.2"));
	/* Node 1 is g's own node but may be a peer of h. */
	ASSERT_EQ(0, tnl_member_add(&self->t, "h", 1, "10.0.0.1"));
	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_NEW, 0);
	tnl_put_sel(nlh, "h");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 5);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.5");
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, "node");
	tnl_res_free(&r);

	ASSERT_EQ(1, tnl_count(&self->t, TANDEM_CMD_MEMBER_GET, "g"));
	ASSERT_EQ(2, tnl_count(&self->t, TANDEM_CMD_MEMBER_GET, "h"));
	ASSERT_EQ(3, tnl_count(&self->t, TANDEM_CMD_MEMBER_GET, NULL));
}

TEST_HARNESS_MAIN
