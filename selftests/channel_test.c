// SPDX-License-Identifier: GPL-2.0
/*
 * Counters and the replication channel.
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

/* ---- counters ---- */

struct stats {
	bool present[__TANDEM_STAT_MAX];
	uint64_t v[__TANDEM_STAT_MAX];
};

/*
 * TANDEM_CMD_STATS_GET of the namespace (group NULL) or of a group, into
 * s. Returns the errno; r keeps the outcome (extack message).
 */
static int stats_get(struct tnl *t, const char *group, struct stats *s,
		     struct tnl_res *r)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1], *a;
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_STATS_GET, 0);

	memset(s, 0, sizeof(*s));
	if (group)
		tnl_put_sel(nlh, group);
	if (tnl_do(t, nlh, r))
		return r->err;
	if (r->n != 1 || tnl_cmd(r->msgs[0]) != TANDEM_CMD_STATS_GET)
		return -EBADMSG;
	tnl_parse(r->msgs[0], tb);
	if (!tb[TANDEM_A_STATS])
		return -EBADMSG;
	mnl_attr_for_each_nested(a, tb[TANDEM_A_STATS]) {
		uint16_t type = mnl_attr_get_type(a);

		if (type == TANDEM_STAT_UNSPEC)
			continue;
		if (type >= __TANDEM_STAT_MAX ||
		    mnl_attr_get_payload_len(a) != sizeof(uint64_t))
			return -EBADMSG;
		s->present[type] = true;
		s->v[type] = mnl_attr_get_u64(a);
	}
	return 0;
}

FIXTURE(stats) {
	struct tnl t;
};

FIXTURE_SETUP(stats)
{
	TNL_SETUP(&self->t);
}

FIXTURE_TEARDOWN(stats)
{
	tnl_close(&self->t);
}

/* A fresh namespace has every counter, all zero. */
TEST_F(stats, fresh_netns_zero)
{
	struct tnl_res r;
	struct stats s;

	ASSERT_EQ(0, stats_get(&self->t, NULL, &s, &r)) TH_LOG("%s", r.msg);
	tnl_res_free(&r);
	for (int i = TANDEM_STAT_UNSPEC + 1; i < __TANDEM_STAT_MAX; i++) {
		EXPECT_TRUE(s.present[i]) TH_LOG("counter %d absent", i);
		EXPECT_EQ(0, s.v[i]) TH_LOG("counter %d", i);
	}
}

/* A group's counters come with its name and id, all zero at first. */
TEST_F(stats, group_zero)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;
	struct stats s;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 7, "192.0.2.1", 1));
	ASSERT_EQ(0, stats_get(&self->t, "g", &s, &r)) TH_LOG("%s", r.msg);
	tnl_parse(r.msgs[0], tb);
	ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "g");
	ASSERT_U32(tb, TANDEM_A_GROUP_ID, 7);
	tnl_res_free(&r);
	for (int i = TANDEM_STAT_UNSPEC + 1; i < __TANDEM_STAT_MAX; i++) {
		EXPECT_TRUE(s.present[i]) TH_LOG("counter %d absent", i);
		EXPECT_EQ(0, s.v[i]) TH_LOG("counter %d", i);
	}
}

TEST_F(stats, no_such_group)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;
	struct stats s;

	stats_get(&self->t, "nope", &s, &r);
	ASSERT_RES(r, -ENOENT, "no such group");
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_STATS_GET, 0);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 0);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, "nonzero");
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_STATS_GET, 0);
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, NULL);
	tnl_res_free(&r);
}

TEST_HARNESS_MAIN
