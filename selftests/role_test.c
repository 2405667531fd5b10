// SPDX-License-Identifier: GPL-2.0
/*
 * Roles, epochs and the lease (GROUP_SET with TANDEM_A_GROUP_ROLE,
 * TANDEM_A_GROUP_EPOCH and TANDEM_A_GROUP_LEASE_MS): the rules of the
 * header, that a refused change changes nothing, and that a primary whose
 * lease lapses fences itself and says so.
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

#define NONE (-1LL)

FIXTURE(role) {
	struct tnl t;
};

/*
 * g: key and replication address, ready for any role.
 * nokey: replication address only. noaddr: key only.
 */
FIXTURE_SETUP(role)
{
	struct nlmsghdr *nlh;

	TNL_SETUP(&self->t);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "g", 1, "192.0.2.1", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	tnl_put_key(nlh, 1);
	ASSERT_DO_OK(&self->t, nlh);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "nokey", 2, "192.0.2.2", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	ASSERT_DO_OK(&self->t, nlh);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "noaddr", 3, "192.0.2.3", 1);
	tnl_put_key(nlh, 1);
	ASSERT_DO_OK(&self->t, nlh);
}

FIXTURE_TEARDOWN(role)
{
	tnl_close(&self->t);
}

/* GROUP_SET of role, epoch and lease; NONE leaves one out. */
static int set_role(struct tnl *t, const char *group, long long role,
		    long long epoch, long long lease, struct tnl_res *r)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_SET, 0);

	tnl_put_sel(nlh, group);
	if (role != NONE)
		mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, role);
	if (epoch != NONE)
		mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, epoch);
	if (lease != NONE)
		mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, lease);
	tnl_do(t, nlh, r);
	tnl_res_free(r);	/* keeps err and msg */
	return r->err;
}

/* Assert the role and epoch of a group and the lease as the header says. */
static void check_role(struct __test_metadata *_metadata, struct tnl *t,
		       const char *group, uint8_t role, uint64_t epoch,
		       uint32_t max_lease)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;

	ASSERT_EQ(0, tnl_get(t, TANDEM_CMD_GROUP_GET, group, 0, 0, &r, tb));
	ASSERT_U8(tb, TANDEM_A_GROUP_ROLE, role);
	ASSERT_U64(tb, TANDEM_A_GROUP_EPOCH, epoch);
	if (role == TANDEM_ROLE_PRIMARY) {
		const struct nlattr *a = tb[TANDEM_A_GROUP_LEASE_REMAINING_MS];

		ASSERT_NE(NULL, a);
		ASSERT_GE(max_lease, mnl_attr_get_u32(a));
	} else {
		ASSERT_ABSENT(tb, TANDEM_A_GROUP_LEASE_REMAINING_MS);
	}
	tnl_res_free(&r);
}

#define CHECK_ROLE(group, role, epoch, lease) \
	check_role(_metadata, &self->t, group, TANDEM_ROLE_##role, epoch, lease)
#define FENCED TANDEM_ROLE_FENCED
#define BACKUP TANDEM_ROLE_BACKUP
#define PRIMARY TANDEM_ROLE_PRIMARY

TEST_F(role, fenced_at_any_time)
{
	struct tnl_res r;

	ASSERT_EQ(0, set_role(&self->t, "nokey", FENCED, NONE, NONE, &r));
	CHECK_ROLE("nokey", FENCED, 0, 0);
	ASSERT_EQ(0, set_role(&self->t, "nokey", FENCED, 5, NONE, &r));
	CHECK_ROLE("nokey", FENCED, 5, 0);
	ASSERT_EQ(0, set_role(&self->t, "g", PRIMARY, 6, 60000, &r));
	ASSERT_EQ(0, set_role(&self->t, "g", FENCED, NONE, NONE, &r));
	CHECK_ROLE("g", FENCED, 6, 0);
	ASSERT_EQ(0, set_role(&self->t, "g", BACKUP, 7, NONE, &r));
	ASSERT_EQ(0, set_role(&self->t, "g", FENCED, 8, NONE, &r));
	CHECK_ROLE("g", FENCED, 8, 0);
}

TEST_F(role, epoch_never_decreases)
{
	struct tnl_res r;

	/* An epoch alone moves it forward and keeps the role. */
	ASSERT_EQ(0, set_role(&self->t, "g", NONE, 3, NONE, &r));
	CHECK_ROLE("g", FENCED, 3, 0);
	ASSERT_EQ(0, set_role(&self->t, "g", NONE, 3, NONE, &r));
	ASSERT_EQ(-ESTALE, set_role(&self->t, "g", NONE, 2, NONE, &r));
	ASSERT_RES(r, -ESTALE, "epoch");
	ASSERT_EQ(-ESTALE, set_role(&self->t, "g", FENCED, 0, NONE, &r));
	ASSERT_RES(r, -ESTALE, "epoch");
	CHECK_ROLE("g", FENCED, 3, 0);

	ASSERT_EQ(0, set_role(&self->t, "g", BACKUP, 4, NONE, &r));
	ASSERT_EQ(0, set_role(&self->t, "g", NONE, 0xffffffffffULL, NONE, &r));
	CHECK_ROLE("g", BACKUP, 0xffffffffffULL, 0);
	ASSERT_EQ(-ESTALE, set_role(&self->t, "g", BACKUP, 4, NONE, &r));
	ASSERT_RES(r, -ESTALE, "epoch");
	CHECK_ROLE("g", BACKUP, 0xffffffffffULL, 0);
}

TEST_F(role, backup_rules)
{
	struct tnl_res r;

	set_role(&self->t, "g", BACKUP, NONE, NONE, &r);
	ASSERT_RES(r, -EINVAL, "epoch");
	set_role(&self->t, "nokey", BACKUP, 1, NONE, &r);
	ASSERT_RES(r, -EINVAL, "key");
	set_role(&self->t, "g", BACKUP, 1, 1000, &r);
	ASSERT_RES(r, -EINVAL, "lease");
	CHECK_ROLE("g", FENCED, 0, 0);
	CHECK_ROLE("nokey", FENCED, 0, 0);

	/* A backup needs no replication address of its own. */
	ASSERT_EQ(0, set_role(&self->t, "noaddr", BACKUP, 1, NONE, &r));
	CHECK_ROLE("noaddr", BACKUP, 1, 0);
	ASSERT_EQ(0, set_role(&self->t, "g", BACKUP, 2, NONE, &r));
	CHECK_ROLE("g", BACKUP, 2, 0);
	/* Following the same primary again, or a newer one. */
	ASSERT_EQ(0, set_role(&self->t, "g", BACKUP, 2, NONE, &r));
	ASSERT_EQ(0, set_role(&self->t, "g", BACKUP, 9, NONE, &r));
	CHECK_ROLE("g", BACKUP, 9, 0);
	set_role(&self->t, "g", NONE, NONE, 1000, &r);
	ASSERT_RES(r, -EINVAL, "lease");
	CHECK_ROLE("g", BACKUP, 9, 0);
}

TEST_F(role, primary_rules)
{
	struct tnl_res r;

	set_role(&self->t, "g", PRIMARY, 1, NONE, &r);
	ASSERT_RES(r, -EINVAL, "lease");
	set_role(&self->t, "g", PRIMARY, NONE, 1000, &r);
	ASSERT_RES(r, -EINVAL, "epoch");
	set_role(&self->t, "nokey", PRIMARY, 1, 1000, &r);
	ASSERT_RES(r, -EINVAL, "key");
	set_role(&self->t, "noaddr", PRIMARY, 1, 1000, &r);
	ASSERT_RES(r, -EINVAL, "address");
	CHECK_ROLE("g", FENCED, 0, 0);
	CHECK_ROLE("nokey", FENCED, 0, 0);
	CHECK_ROLE("noaddr", FENCED, 0, 0);

	/* Not primary yet: the epoch must grow. */
	ASSERT_EQ(0, set_role(&self->t, "g", NONE, 5, NONE, &r));
	set_role(&self->t, "g", PRIMARY, 5, 60000, &r);
	ASSERT_TRUE(r.err == -ESTALE || r.err == -EINVAL)
		TH_LOG("got %d \"%s\"", r.err, r.msg);
	ASSERT_NE(NULL, strcasestr(r.msg, "epoch")) TH_LOG("\"%s\"", r.msg);
	set_role(&self->t, "g", PRIMARY, 4, 60000, &r);
	ASSERT_RES(r, -ESTALE, "epoch");
	CHECK_ROLE("g", FENCED, 5, 0);

	ASSERT_EQ(0, set_role(&self->t, "g", PRIMARY, 6, 60000, &r));
	CHECK_ROLE("g", PRIMARY, 6, 60000);
	/* Primary in that epoch already: the same epoch is fine. */
	ASSERT_EQ(0, set_role(&self->t, "g", PRIMARY, 6, 60000, &r));
	CHECK_ROLE("g", PRIMARY, 6, 60000);
	set_role(&self->t, "g", PRIMARY, 5, 60000, &r);
	ASSERT_RES(r, -ESTALE, "epoch");
	CHECK_ROLE("g", PRIMARY, 6, 60000);

	/* Stepping down to follow a newer primary. */
	ASSERT_EQ(0, set_role(&self->t, "g", BACKUP, 7, NONE, &r));
	CHECK_ROLE("g", BACKUP, 7, 0);
	/* And back: a primary again needs a newer epoch. */
	set_role(&self->t, "g", PRIMARY, 7, 60000, &r);
	ASSERT_NE(0, r.err);
	ASSERT_EQ(0, set_role(&self->t, "g", PRIMARY, 8, 60000, &r));
	CHECK_ROLE("g", PRIMARY, 8, 60000);
}

TEST_F(role, lease_renewal)
{
	struct tnl_res r;

	set_role(&self->t, "g", NONE, NONE, 1000, &r);
	ASSERT_RES(r, -EINVAL, "lease");
	ASSERT_EQ(0, set_role(&self->t, "g", PRIMARY, 1, 60000, &r));
	/* The lease alone renews it, to any length in range. */
	ASSERT_EQ(0, set_role(&self->t, "g", NONE, NONE, 50000, &r));
	CHECK_ROLE("g", PRIMARY, 1, 50000);
	ASSERT_EQ(0, set_role(&self->t, "g", NONE, NONE,
			      TANDEM_LEASE_MAX_MS, &r));
	CHECK_ROLE("g", PRIMARY, 1, TANDEM_LEASE_MAX_MS);
}

/* A refused role change leaves the other attributes of the message too. */
TEST_F(role, refused_changes_nothing)
{
	char *before, *after;
	size_t blen, alen;
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, set_role(&self->t, "g", BACKUP, 4, NONE, &r));
	ASSERT_EQ(0, tnl_snapshot(&self->t, &before, &blen));

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 50);
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_REPL_PORT, 1234);
	tnl_put_key(nlh, 9);
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_PRIMARY);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 3);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, 1000);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -ESTALE, "epoch");
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_LAG_MS, 77);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 10);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, 1000);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, "lease");
	tnl_res_free(&r);

	ASSERT_EQ(0, tnl_snapshot(&self->t, &after, &alen));
	ASSERT_EQ(blen, alen);
	ASSERT_EQ(0, memcmp(before, after, blen));
	free(before);
	free(after);
}

/* Wait up to timeout_ms for a GROUP_SET event of group saying FENCED. */
static int wait_fenced(struct tnl *t, const char *group, int timeout_ms,
		       uint64_t *epoch)
{
	long long end = tnl_now_ms() + timeout_ms;
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *ev;
	int ret;

	while ((ret = tnl_event(t, end - tnl_now_ms(), &ev)) == 1) {
		bool fenced;

		tnl_parse(ev, tb);
		fenced = tnl_cmd(ev) == TANDEM_CMD_GROUP_SET &&
			 tb[TANDEM_A_GROUP_NAME] && tb[TANDEM_A_GROUP_ROLE] &&
			 !strcmp(mnl_attr_get_str(tb[TANDEM_A_GROUP_NAME]), group) &&
			 mnl_attr_get_u8(tb[TANDEM_A_GROUP_ROLE]) == FENCED;
		if (fenced && tb[TANDEM_A_GROUP_EPOCH])
			*epoch = mnl_attr_get_u64(tb[TANDEM_A_GROUP_EPOCH]);
		fenced = fenced && !tb[TANDEM_A_GROUP_LEASE_REMAINING_MS];
		free(ev);
		if (fenced)
			return 1;
	}
	return ret;
}

TEST_F_TIMEOUT(role, lease_lapses, 60)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl ev;
	struct tnl_res r;
	uint64_t epoch = 0;

	ASSERT_EQ(0, tnl_open(&ev));
	ASSERT_EQ(0, tnl_subscribe(&ev));
	ASSERT_EQ(0, set_role(&self->t, "g", PRIMARY, 1, 300, &r));

	/* Still primary (unless the lease already lapsed): at most 300 ms. */
	ASSERT_EQ(0, tnl_get(&self->t, TANDEM_CMD_GROUP_GET, "g", 0, 0, &r, tb));
	ASSERT_NE(NULL, tb[TANDEM_A_GROUP_ROLE]);
	if (mnl_attr_get_u8(tb[TANDEM_A_GROUP_ROLE]) == PRIMARY) {
		ASSERT_NE(NULL, tb[TANDEM_A_GROUP_LEASE_REMAINING_MS]);
		ASSERT_GE(300, mnl_attr_get_u32(tb[TANDEM_A_GROUP_LEASE_REMAINING_MS]));
	} else {
		ASSERT_U8(tb, TANDEM_A_GROUP_ROLE, FENCED);
	}
	tnl_res_free(&r);

	ASSERT_EQ(1, wait_fenced(&ev, "g", 10000, &epoch))
		TH_LOG("no event reported the lapse of the lease");
	ASSERT_EQ(1, epoch);
	CHECK_ROLE("g", FENCED, 1, 0);
	tnl_close(&ev);

	/* A lapsed primary may not renew; it must be made primary again. */
	set_role(&self->t, "g", NONE, NONE, 1000, &r);
	ASSERT_RES(r, -EINVAL, "lease");
	ASSERT_EQ(0, set_role(&self->t, "g", PRIMARY, 2, 60000, &r));
	CHECK_ROLE("g", PRIMARY, 2, 60000);
}

TEST_HARNESS_MAIN
