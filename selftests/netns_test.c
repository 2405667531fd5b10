// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespaces: objects, generations and events of one namespace are
 * invisible from another, and the same names, ids and VIPs coexist.
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

#define TIMEOUT_MS 5000

/* a and b live in two fresh namespaces; a_ev and b_ev hear their events. */
FIXTURE(netns) {
	struct tnl a, a_ev;
	struct tnl b, b_ev;
};

FIXTURE_SETUP(netns)
{
	struct nlmsghdr *nlh;

	TNL_SETUP(&self->a);
	ASSERT_EQ(0, tnl_open(&self->a_ev));
	ASSERT_EQ(0, tnl_subscribe(&self->a_ev));
	TNL_SETUP(&self->b);
	ASSERT_EQ(0, tnl_open(&self->b_ev));
	ASSERT_EQ(0, tnl_subscribe(&self->b_ev));

	nlh = tnl_req(&self->a, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "g", 1, "192.0.2.1", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	ASSERT_DO_OK(&self->a, nlh);
	ASSERT_EQ(0, tnl_member_add(&self->a, "g", 2, "10.0.0.2"));
	ASSERT_EQ(0, tnl_service_add(&self->a, "g", 80));
}

FIXTURE_TEARDOWN(netns)
{
	tnl_close(&self->b_ev);
	tnl_close(&self->b);
	tnl_close(&self->a_ev);
	tnl_close(&self->a);
}

TEST_F(netns, invisible)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_count(&self->b, TANDEM_CMD_GROUP_GET, NULL));
	ASSERT_EQ(0, tnl_count(&self->b, TANDEM_CMD_MEMBER_GET, NULL));
	ASSERT_EQ(0, tnl_count(&self->b, TANDEM_CMD_SERVICE_GET, NULL));
	ASSERT_EQ(-ENOENT, tnl_count(&self->b, TANDEM_CMD_MEMBER_GET, "g"));

	nlh = tnl_req(&self->b, TANDEM_CMD_GROUP_GET, 0);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 1);
	tnl_do(&self->b, nlh, &r);
	ASSERT_RES(r, -ENOENT, "group");
	tnl_res_free(&r);

	nlh = tnl_req(&self->b, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 1);
	ASSERT_EQ(-ENOENT, tnl_do_free(&self->b, nlh));
	nlh = tnl_req(&self->b, TANDEM_CMD_SERVICE_DEL, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
	ASSERT_EQ(-ENOENT, tnl_do_free(&self->b, nlh));
	nlh = tnl_req(&self->b, TANDEM_CMD_MEMBER_DEL, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
	ASSERT_EQ(-ENOENT, tnl_do_free(&self->b, nlh));
	ASSERT_EQ(-ENOENT, tnl_member_add(&self->b, "g", 3, "10.0.0.3"));
	nlh = tnl_req(&self->b, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g");
	ASSERT_EQ(-ENOENT, tnl_do_free(&self->b, nlh));

	ASSERT_EQ(1, tnl_count(&self->a, TANDEM_CMD_GROUP_GET, NULL));
	ASSERT_EQ(1, tnl_count(&self->a, TANDEM_CMD_MEMBER_GET, NULL));
	ASSERT_EQ(1, tnl_count(&self->a, TANDEM_CMD_SERVICE_GET, NULL));
}

/* The same configuration in both; changing b's leaves a's alone. */
TEST_F(netns, same_names_coexist)
{
	char *before, *after;
	size_t blen, alen;
	struct nlmsghdr *nlh;

	ASSERT_EQ(0, tnl_snapshot(&self->a, &before, &blen));
	nlh = tnl_req(&self->b, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "g", 1, "192.0.2.1", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	ASSERT_DO_OK(&self->b, nlh);
	ASSERT_EQ(0, tnl_member_add(&self->b, "g", 2, "10.0.0.2"));
	ASSERT_EQ(0, tnl_service_add(&self->b, "g", 80));

	nlh = tnl_req(&self->b, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_CONNS, 3);
	ASSERT_DO_OK(&self->b, nlh);
	nlh = tnl_req(&self->b, TANDEM_CMD_SERVICE_DEL, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
	ASSERT_DO_OK(&self->b, nlh);
	nlh = tnl_req(&self->b, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g");
	ASSERT_DO_OK(&self->b, nlh);

	/* a's objects, and a's generation, are as they were. */
	ASSERT_EQ(0, tnl_snapshot(&self->a, &after, &alen));
	ASSERT_EQ(blen, alen);
	ASSERT_EQ(0, memcmp(before, after, blen));
	free(before);
	free(after);
}

/* A subscriber hears its own namespace only. */
TEST_F(netns, events_stay_home)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *e;

	/* Drain a's own setup events. */
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(1, tnl_event(&self->a_ev, TIMEOUT_MS, &e));
		free(e);
	}
	ASSERT_EQ(0, tnl_service_add(&self->a, "g", 81));
	ASSERT_EQ(0, tnl_group_add(&self->b, "only-b", 9, "192.0.2.9", 1));

	/* b hears its group first: nothing of a's came before it. */
	ASSERT_EQ(1, tnl_event(&self->b_ev, TIMEOUT_MS, &e));
	ASSERT_EQ(TANDEM_CMD_GROUP_NEW, tnl_cmd(e));
	tnl_parse(e, tb);
	ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "only-b");
	free(e);
	ASSERT_EQ(1, tnl_event(&self->a_ev, TIMEOUT_MS, &e));
	ASSERT_EQ(TANDEM_CMD_SERVICE_NEW, tnl_cmd(e));
	free(e);

	/* And a never hears b's: its next event is its own. */
	ASSERT_EQ(0, tnl_service_add(&self->a, "g", 82));
	ASSERT_EQ(1, tnl_event(&self->a_ev, TIMEOUT_MS, &e));
	ASSERT_EQ(TANDEM_CMD_SERVICE_NEW, tnl_cmd(e));
	tnl_parse(e, tb);
	ASSERT_U16(tb, TANDEM_A_SERVICE_PORT, 82);
	free(e);
}

/* Sockets opened before entering another namespace keep their own. */
TEST_F(netns, socket_keeps_namespace)
{
	struct tnl late;

	ASSERT_EQ(0, tnl_group_add(&self->a, "from-a", 5, "192.0.2.5", 1));
	ASSERT_EQ(2, tnl_count(&self->a, TANDEM_CMD_GROUP_GET, NULL));
	/* This process is in b's namespace now. */
	ASSERT_EQ(0, tnl_open(&late));
	ASSERT_EQ(0, tnl_count(&late, TANDEM_CMD_GROUP_GET, NULL));
	tnl_close(&late);
}

TEST_HARNESS_MAIN
