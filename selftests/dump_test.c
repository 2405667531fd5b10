// SPDX-License-Identifier: GPL-2.0
/*
 * Dumps: complete and without duplicates when they span many messages,
 * the generation counter, and NLM_F_DUMP_INTR when something changes
 * while a dump is in progress.
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

#define NGROUPS 300

FIXTURE(dump) {
	struct tnl t;
	struct tnl small;	/* reads 4 KiB at a time: dumps take many */
};

FIXTURE_SETUP(dump)
{
	TNL_SETUP(&self->t);
	ASSERT_EQ(0, tnl_open_small(&self->small, &self->t, 4096));
}

FIXTURE_TEARDOWN(dump)
{
	tnl_close(&self->small);
	tnl_close(&self->t);
}

static void add_groups(struct __test_metadata *_metadata, struct tnl *t,
		       unsigned int n)
{
	char name[16], vip[32];

	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "group%u", i);
		snprintf(vip, sizeof(vip), "10.%u.%u.1", i / 256, i % 256);
		ASSERT_EQ(0, tnl_group_add(t, name, 1000 + i, vip, 1)) {
			TH_LOG("group %u", i);
		}
	}
}

static void add_services(struct __test_metadata *_metadata, struct tnl *t,
			 const char *group, unsigned int n)
{
	for (unsigned int port = 1; port <= n; port++) {
		ASSERT_EQ(0, tnl_service_add(t, group, port))
			TH_LOG("port %u", port);
	}
}

/* The generation of a dump: every message has the same one. */
static uint32_t gen_of(struct __test_metadata *_metadata,
				const struct tnl_res *r)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	uint32_t gen = 0;

	for (size_t i = 0; i < r->n; i++) {
		tnl_parse(r->msgs[i], tb);
		ASSERT_NE(NULL, tb[TANDEM_A_GENERATION])
			TH_LOG("message %zu has no generation", i);
		if (i == 0)
			gen = mnl_attr_get_u32(tb[TANDEM_A_GENERATION]);
		ASSERT_EQ(gen, mnl_attr_get_u32(tb[TANDEM_A_GENERATION]));
	}
	return gen;
}

TEST_F(dump, empty)
{
	struct tnl_res r;

	ASSERT_EQ(0, tnl_dump_cmd(&self->t, TANDEM_CMD_GROUP_GET, NULL, &r));
	ASSERT_EQ(0, r.n);
	ASSERT_EQ(0, tnl_dump_cmd(&self->t, TANDEM_CMD_MEMBER_GET, NULL, &r));
	ASSERT_EQ(0, r.n);
	ASSERT_EQ(0, tnl_dump_cmd(&self->t, TANDEM_CMD_SERVICE_GET, NULL, &r));
	ASSERT_EQ(0, r.n);
	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_dump_cmd(&self->t, TANDEM_CMD_MEMBER_GET, "g", &r));
	ASSERT_EQ(0, r.n);
	ASSERT_EQ(0, tnl_dump_cmd(&self->t, TANDEM_CMD_SERVICE_GET, "g", &r));
	ASSERT_EQ(0, r.n);
}

TEST_F_TIMEOUT(dump, many_groups, 120)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	bool seen[NGROUPS] = { false };
	struct tnl_res r;

	add_groups(_metadata, &self->t, NGROUPS);
	ASSERT_EQ(0, tnl_dump_cmd(&self->small, TANDEM_CMD_GROUP_GET, NULL, &r));
	ASSERT_EQ(NGROUPS, r.n);
	ASSERT_LT(1, r.batches) TH_LOG("the dump fit in one message");
	ASSERT_FALSE(r.intr);
	gen_of(_metadata, &r);
	for (size_t i = 0; i < r.n; i++) {
		char name[16], vip[32];
		uint32_t k;

		ASSERT_EQ(TANDEM_CMD_GROUP_GET, tnl_cmd(r.msgs[i]));
		ASSERT_TRUE(r.msgs[i]->nlmsg_flags & NLM_F_MULTI);
		tnl_parse(r.msgs[i], tb);
		ASSERT_NE(NULL, tb[TANDEM_A_GROUP_ID]);
		k = mnl_attr_get_u32(tb[TANDEM_A_GROUP_ID]) - 1000;
		ASSERT_GT(NGROUPS, k);
		ASSERT_FALSE(seen[k]) TH_LOG("group %u twice", k);
		seen[k] = true;
		snprintf(name, sizeof(name), "group%u", k);
		snprintf(vip, sizeof(vip), "10.%u.%u.1", k / 256, k % 256);
		ASSERT_STR(tb, TANDEM_A_GROUP_NAME, name);
		ASSERT_ADDR(tb, TANDEM_A_GROUP_VIP, vip);
		ASSERT_U8(tb, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_FENCED);
	}
	tnl_res_free(&r);
}

TEST_F_TIMEOUT(dump, many_services, 120)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	bool seen[TANDEM_SERVICES_MAX + 1] = { false };
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_group_add(&self->t, "h", 2, "192.0.2.2", 1));
	add_services(_metadata, &self->t, "g", TANDEM_SERVICES_MAX);
	ASSERT_EQ(0, tnl_service_add(&self->t, "h", 80));
	ASSERT_EQ(0, tnl_service_add(&self->t, "h", 81));

	ASSERT_EQ(0, tnl_dump_cmd(&self->small, TANDEM_CMD_SERVICE_GET, "g", &r));
	ASSERT_EQ(TANDEM_SERVICES_MAX, r.n);
	ASSERT_LT(1, r.batches) TH_LOG("the dump fit in one message");
	ASSERT_FALSE(r.intr);
	gen_of(_metadata, &r);
	for (size_t i = 0; i < r.n; i++) {
		uint16_t port;

		tnl_parse(r.msgs[i], tb);
		ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "g");
		ASSERT_U32(tb, TANDEM_A_GROUP_ID, 1);
		ASSERT_NE(NULL, tb[TANDEM_A_SERVICE_PORT]);
		port = mnl_attr_get_u16(tb[TANDEM_A_SERVICE_PORT]);
		ASSERT_TRUE(port >= 1 && port <= TANDEM_SERVICES_MAX);
		ASSERT_FALSE(seen[port]) TH_LOG("port %u twice", port);
		seen[port] = true;
	}
	tnl_res_free(&r);

	/* All groups: g's and h's, each once. */
	ASSERT_EQ(TANDEM_SERVICES_MAX + 2,
		  tnl_count(&self->small, TANDEM_CMD_SERVICE_GET, NULL));
	ASSERT_EQ(2, tnl_count(&self->t, TANDEM_CMD_SERVICE_GET, "h"));
}

/* Members of many groups: dumped per group and all at once, each once. */
TEST_F_TIMEOUT(dump, many_members, 120)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	static bool seen[50][TANDEM_MEMBERS_MAX];
	struct tnl_res r;
	char addr[32];

	add_groups(_metadata, &self->t, 50);
	for (unsigned int g = 0; g < 50; g++) {
		char name[16];

		snprintf(name, sizeof(name), "group%u", g);
		for (unsigned int m = 0; m < TANDEM_MEMBERS_MAX; m++) {
			snprintf(addr, sizeof(addr), "172.16.%u.%u", g, m + 2);
			ASSERT_EQ(0, tnl_member_add(&self->t, name, m + 2, addr));
		}
	}
	ASSERT_EQ(TANDEM_MEMBERS_MAX,
		  tnl_count(&self->t, TANDEM_CMD_MEMBER_GET, "group7"));
	ASSERT_EQ(0, tnl_dump_cmd(&self->small, TANDEM_CMD_MEMBER_GET, NULL, &r));
	ASSERT_EQ(50 * TANDEM_MEMBERS_MAX, r.n);
	ASSERT_LT(1, r.batches) TH_LOG("the dump fit in one message");
	gen_of(_metadata, &r);
	for (size_t i = 0; i < r.n; i++) {
		uint32_t g, m;

		tnl_parse(r.msgs[i], tb);
		ASSERT_NE(NULL, tb[TANDEM_A_GROUP_ID]);
		ASSERT_NE(NULL, tb[TANDEM_A_MEMBER_NODE_ID]);
		g = mnl_attr_get_u32(tb[TANDEM_A_GROUP_ID]) - 1000;
		m = mnl_attr_get_u32(tb[TANDEM_A_MEMBER_NODE_ID]) - 2;
		ASSERT_TRUE(g < 50 && m < TANDEM_MEMBERS_MAX);
		ASSERT_FALSE(seen[g][m]) TH_LOG("member %u of group %u twice",
						m, g);
		seen[g][m] = true;
		snprintf(addr, sizeof(addr), "172.16.%u.%u", g, m + 2);
		ASSERT_ADDR(tb, TANDEM_A_MEMBER_ADDR, addr);
	}
	tnl_res_free(&r);
}

/* Every change increments the generation by one; a read does not. */
TEST_F(dump, generation)
{
	struct nlmsghdr *nlh;
	struct tnl_res r;
	uint32_t gen, next;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_dump_cmd(&self->t, TANDEM_CMD_GROUP_GET, NULL, &r));
	gen = gen_of(_metadata, &r);
	tnl_res_free(&r);

#define CHANGE_BUMPS(req) do {						\
	req;								\
	ASSERT_EQ(0, tnl_dump_cmd(&self->t, TANDEM_CMD_GROUP_GET, NULL, &r)); \
	next = gen_of(_metadata, &r);				\
	tnl_res_free(&r);						\
	ASSERT_EQ(gen + 1, next) TH_LOG("after %s", #req);		\
	gen = next;							\
} while (0)

	CHANGE_BUMPS(ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2")));
	CHANGE_BUMPS(ASSERT_EQ(0, tnl_service_add(&self->t, "g", 80)));
	CHANGE_BUMPS(ASSERT_EQ(0, tnl_group_add(&self->t, "h", 2, "192.0.2.2", 1)));
	CHANGE_BUMPS({
		nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
		tnl_put_sel(nlh, "g");
		mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 1);
		ASSERT_DO_OK(&self->t, nlh);
	});
	CHANGE_BUMPS({
		nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_SET, 0);
		tnl_put_sel(nlh, "g");
		mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
		mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_PRIORITY, 1);
		ASSERT_DO_OK(&self->t, nlh);
	});
	CHANGE_BUMPS({
		nlh = tnl_req(&self->t, TANDEM_CMD_SERVICE_SET, 0);
		tnl_put_sel(nlh, "g");
		mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
		mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_MS, 5);
		ASSERT_DO_OK(&self->t, nlh);
	});
	CHANGE_BUMPS({
		nlh = tnl_req(&self->t, TANDEM_CMD_SERVICE_DEL, 0);
		tnl_put_sel(nlh, "g");
		mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
		ASSERT_DO_OK(&self->t, nlh);
	});
	CHANGE_BUMPS({
		nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_DEL, 0);
		tnl_put_sel(nlh, "g");
		mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
		ASSERT_DO_OK(&self->t, nlh);
	});
	CHANGE_BUMPS({
		nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
		tnl_put_sel(nlh, "h");
		ASSERT_DO_OK(&self->t, nlh);
	});

	/* Reads and refused requests change nothing. */
	ASSERT_EQ(1, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));
	ASSERT_EQ(-EEXIST, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_dump_cmd(&self->t, TANDEM_CMD_GROUP_GET, NULL, &r));
	ASSERT_EQ(gen, gen_of(_metadata, &r));
	tnl_res_free(&r);
}

/*
 * Read one recv() worth of a dump, make a change from another socket, read
 * the rest. The kernel builds the next skb of a dump while the previous
 * one is read, so the change shows from the skb after the next: the dump
 * must span at least three, hence a socket that reads 4 KiB at a time.
 */
static void interrupted(struct __test_metadata *_metadata, struct tnl *t,
			struct tnl *small, uint8_t cmd, const char *group)
{
	struct tnl_res r, again;
	struct nlmsghdr *nlh;
	size_t first;
	int ret;

	nlh = tnl_req(small, cmd, NLM_F_DUMP);
	if (group)
		tnl_put_sel(nlh, group);
	tnl_res_init(&r);
	ASSERT_EQ(0, tnl_send(small, nlh));
	ASSERT_EQ(0, tnl_recv_batch(small, nlh->nlmsg_seq, &r));
	ASSERT_FALSE(r.intr);
	first = r.n;
	ASSERT_LT(0, first);

	ASSERT_EQ(0, tnl_group_add(t, "intruder", 99999, "198.51.100.1", 1));

	while (!(ret = tnl_recv_batch(small, nlh->nlmsg_seq, &r)))
		;
	ASSERT_EQ(1, ret);
	ASSERT_EQ(0, r.err);
	ASSERT_LT(2, r.batches) TH_LOG("the dump took %u reads", r.batches);
	ASSERT_TRUE(r.intr) TH_LOG("no NLM_F_DUMP_INTR in %zu messages", r.n);
	/* It is the later messages that carry it, not the first batch. */
	for (size_t i = 0; i < first; i++) {
		ASSERT_FALSE(r.msgs[i]->nlmsg_flags & NLM_F_DUMP_INTR);
	}
	tnl_res_free(&r);

	/* Restarted, the dump is consistent again. */
	nlh = tnl_req(small, cmd, NLM_F_DUMP);
	if (group)
		tnl_put_sel(nlh, group);
	ASSERT_EQ(0, tnl_dump(small, nlh, &again));
	ASSERT_FALSE(again.intr);
	ASSERT_LT(2, again.batches);
	tnl_res_free(&again);
}

TEST_F_TIMEOUT(dump, interrupted_groups, 120)
{
	add_groups(_metadata, &self->t, NGROUPS);
	interrupted(_metadata, &self->t, &self->small, TANDEM_CMD_GROUP_GET, NULL);
	ASSERT_EQ(NGROUPS + 1, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));
}

TEST_F_TIMEOUT(dump, interrupted_services, 120)
{
	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	add_services(_metadata, &self->t, "g", TANDEM_SERVICES_MAX);
	interrupted(_metadata, &self->t, &self->small, TANDEM_CMD_SERVICE_GET, "g");
}

TEST_F_TIMEOUT(dump, interrupted_members, 120)
{
	char name[16], addr[32];

	add_groups(_metadata, &self->t, 50);
	for (unsigned int g = 0; g < 50; g++) {
		snprintf(name, sizeof(name), "group%u", g);
		for (unsigned int m = 0; m < TANDEM_MEMBERS_MAX; m++) {
			snprintf(addr, sizeof(addr), "172.16.%u.%u", g, m + 2);
			ASSERT_EQ(0, tnl_member_add(&self->t, name, m + 2, addr));
		}
	}
	interrupted(_metadata, &self->t, &self->small, TANDEM_CMD_MEMBER_GET, NULL);
}

TEST_HARNESS_MAIN
