// SPDX-License-Identifier: GPL-2.0
/*
 * Events: every successful change is multicast to the "events" group with
 * the command that describes it and the attributes of a GET reply (for a
 * deletion, the state just before it); a refused request sends nothing.
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

#define TIMEOUT_MS 5000

FIXTURE(event) {
	struct tnl t;
	struct tnl ev;
};

FIXTURE_SETUP(event)
{
	TNL_SETUP(&self->t);
	ASSERT_EQ(0, tnl_open(&self->ev));
	ASSERT_EQ(0, tnl_subscribe(&self->ev));
}

FIXTURE_TEARDOWN(event)
{
	tnl_close(&self->ev);
	tnl_close(&self->t);
}

/*
 * The attributes of a and b are the same, TANDEM_A_GENERATION aside (GET
 * replies have none; an event may carry one), and the value of the lease
 * remaining (time passes). Returns the first type that differs, 0 if none.
 */
static int attrs_differ(const struct nlmsghdr *a, const struct nlmsghdr *b)
{
	const struct nlattr *ta[TANDEM_A_MAX + 1], *tb[TANDEM_A_MAX + 1];

	tnl_parse(a, ta);
	tnl_parse(b, tb);
	for (int type = 1; type <= TANDEM_A_MAX; type++) {
		if (type == TANDEM_A_GENERATION)
			continue;
		if (!ta[type] != !tb[type])
			return type;
		if (!ta[type] || type == TANDEM_A_GROUP_LEASE_REMAINING_MS)
			continue;
		if (mnl_attr_get_payload_len(ta[type]) !=
		    mnl_attr_get_payload_len(tb[type]) ||
		    memcmp(mnl_attr_get_payload(ta[type]),
			   mnl_attr_get_payload(tb[type]),
			   mnl_attr_get_payload_len(ta[type])))
			return type;
	}
	return 0;
}

/*
 * The state of one object as a GET reply: cmd a *_GET command, key the
 * member node id or service port (0 for a group). Caller frees.
 */
static struct nlmsghdr *get_state(struct __test_metadata *_metadata,
				  struct tnl *t, uint8_t cmd, uint32_t key)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	uint16_t type = cmd == TANDEM_CMD_MEMBER_GET ? TANDEM_A_MEMBER_NODE_ID :
			cmd == TANDEM_CMD_SERVICE_GET ? TANDEM_A_SERVICE_PORT : 0;
	struct nlmsghdr *copy;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_get(t, cmd, "g", type, key, &r, tb));
	copy = r.msgs[0];
	r.msgs[0] = NULL;
	free(r.msgs);
	return copy;
}

/* The next event is cmd and carries the attributes of state. */
static void expect_event(struct __test_metadata *_metadata, struct tnl *ev,
			 uint8_t cmd, const struct nlmsghdr *state)
{
	struct nlmsghdr *e = NULL;

	ASSERT_EQ(1, tnl_event(ev, TIMEOUT_MS, &e)) TH_LOG("no event %u", cmd);
	ASSERT_EQ(cmd, tnl_cmd(e)) TH_LOG("event %u instead", tnl_cmd(e));
	ASSERT_EQ(0, attrs_differ(state, e))
		TH_LOG("event %u: attribute %d differs from GET", cmd,
		       attrs_differ(state, e));
	free(e);
}

#define GROUP	TANDEM_CMD_GROUP_GET
#define MEMBER	TANDEM_CMD_MEMBER_GET
#define SERVICE	TANDEM_CMD_SERVICE_GET

/* Make a change, then check the next event against the new state. */
#define EXPECT_CHANGE_EVENT(ev_cmd, obj, key) do {			\
	struct nlmsghdr *__s = get_state(_metadata, &self->t, obj, key); \
									\
	expect_event(_metadata, &self->ev, TANDEM_CMD_##ev_cmd, __s);	\
	free(__s);							\
} while (0)

static void do_ok(struct __test_metadata *_metadata, struct tnl *t,
		  struct nlmsghdr *nlh)
{
	ASSERT_DO_OK(t, nlh);
}

TEST_F(event, group)
{
	struct nlmsghdr *nlh, *state;
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *e;

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "g", 1, "192.0.2.1", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	tnl_put_key(nlh, 5);
	do_ok(_metadata, &self->t, nlh);
	EXPECT_CHANGE_EVENT(GROUP_NEW, GROUP, 0);

	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_MAX_CONNS, 17);
	do_ok(_metadata, &self->t, nlh);
	EXPECT_CHANGE_EVENT(GROUP_SET, GROUP, 0);

	/* A role change is a GROUP_SET too. */
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_BACKUP);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 3);
	do_ok(_metadata, &self->t, nlh);
	EXPECT_CHANGE_EVENT(GROUP_SET, GROUP, 0);

	state = get_state(_metadata, &self->t, GROUP, 0);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g");
	do_ok(_metadata, &self->t, nlh);
	expect_event(_metadata, &self->ev, TANDEM_CMD_GROUP_DEL, state);
	free(state);

	/* A new primary's event carries its lease. */
	ASSERT_EQ(0, tnl_group_add(&self->t, "p", 2, "192.0.2.2", 1));
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "p");
	tnl_put_key(nlh, 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_PRIMARY);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, 60000);
	do_ok(_metadata, &self->t, nlh);
	ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
	ASSERT_EQ(TANDEM_CMD_GROUP_NEW, tnl_cmd(e));
	free(e);
	ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
	ASSERT_EQ(TANDEM_CMD_GROUP_SET, tnl_cmd(e));
	tnl_parse(e, tb);
	ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "p");
	ASSERT_U8(tb, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_PRIMARY);
	ASSERT_U64(tb, TANDEM_A_GROUP_EPOCH, 1);
	ASSERT_NE(NULL, tb[TANDEM_A_GROUP_HAS_KEY]);
	ASSERT_ABSENT(tb, TANDEM_A_GROUP_KEY);
	ASSERT_NE(NULL, tb[TANDEM_A_GROUP_LEASE_REMAINING_MS]);
	ASSERT_GE(60000, mnl_attr_get_u32(tb[TANDEM_A_GROUP_LEASE_REMAINING_MS]));
	free(e);
}

TEST_F(event, member)
{
	struct nlmsghdr *nlh, *state, *e;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
	free(e);

	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "fd00::2"));
	EXPECT_CHANGE_EVENT(MEMBER_NEW, MEMBER, 2);

	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
	mnl_attr_put_u16(nlh, TANDEM_A_MEMBER_PORT, 9);
	mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_WITNESS, 1);
	do_ok(_metadata, &self->t, nlh);
	EXPECT_CHANGE_EVENT(MEMBER_SET, MEMBER, 2);

	state = get_state(_metadata, &self->t, MEMBER, 2);
	nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_DEL, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
	do_ok(_metadata, &self->t, nlh);
	expect_event(_metadata, &self->ev, TANDEM_CMD_MEMBER_DEL, state);
	free(state);
}

TEST_F(event, service)
{
	struct nlmsghdr *nlh, *state, *e;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
	free(e);

	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 443));
	EXPECT_CHANGE_EVENT(SERVICE_NEW, SERVICE, 443);

	nlh = tnl_req(&self->t, TANDEM_CMD_SERVICE_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 443);
	mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_BYTES, 1 << 20);
	do_ok(_metadata, &self->t, nlh);
	EXPECT_CHANGE_EVENT(SERVICE_SET, SERVICE, 443);

	state = get_state(_metadata, &self->t, SERVICE, 443);
	nlh = tnl_req(&self->t, TANDEM_CMD_SERVICE_DEL, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 443);
	do_ok(_metadata, &self->t, nlh);
	expect_event(_metadata, &self->ev, TANDEM_CMD_SERVICE_DEL, state);
	free(state);
}

/*
 * Deleting a group with members: its GROUP_DEL event comes, after at most
 * one MEMBER_DEL per member (the members go with it).
 */
TEST_F(event, group_del_with_members)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh, *e;
	bool gone[2] = { false, false };

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 3, "10.0.0.3"));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
		free(e);
	}
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
	tnl_put_sel(nlh, "g");
	do_ok(_metadata, &self->t, nlh);
	for (;;) {
		uint32_t node;

		ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
		tnl_parse(e, tb);
		ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "g");
		if (tnl_cmd(e) == TANDEM_CMD_GROUP_DEL) {
			ASSERT_U32(tb, TANDEM_A_GROUP_MEMBERS, 2);
			free(e);
			break;
		}
		ASSERT_EQ(TANDEM_CMD_MEMBER_DEL, tnl_cmd(e));
		ASSERT_NE(NULL, tb[TANDEM_A_MEMBER_NODE_ID]);
		node = mnl_attr_get_u32(tb[TANDEM_A_MEMBER_NODE_ID]);
		ASSERT_TRUE(node == 2 || node == 3);
		ASSERT_FALSE(gone[node - 2]);
		gone[node - 2] = true;
		free(e);
	}
}

/* Refused requests and reads send nothing: the next event is the next change. */
TEST_F(event, none_for_refused_or_reads)
{
	struct nlmsghdr *nlh, *e;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
	free(e);

	ASSERT_EQ(-EEXIST, tnl_group_add(&self->t, "g", 2, "192.0.2.2", 1));
	ASSERT_EQ(-EINVAL, tnl_member_add(&self->t, "g", 1, "10.0.0.1"));
	ASSERT_EQ(-ENOENT, tnl_service_add(&self->t, "x", 80));
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 5);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, 100);
	ASSERT_EQ(-EINVAL, tnl_do_free(&self->t, nlh));
	ASSERT_EQ(1, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));

	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 80));
	ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
	ASSERT_EQ(TANDEM_CMD_SERVICE_NEW, tnl_cmd(e)) TH_LOG("event %u", tnl_cmd(e));
	free(e);
}

/* Events follow the order of the changes, one per change. */
TEST_F(event, order)
{
	struct nlmsghdr *e;
	char name[16];

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		ASSERT_EQ(0, tnl_group_add(&self->t, name, i + 1, "192.0.2.1", 1));
		if (i < 19) {
			struct nlmsghdr *nlh;

			nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_DEL, 0);
			tnl_put_sel(nlh, name);
			ASSERT_EQ(0, tnl_do_free(&self->t, nlh));
		}
	}
	for (int i = 0; i < 20; i++) {
		const struct nlattr *tb[TANDEM_A_MAX + 1];

		snprintf(name, sizeof(name), "g%d", i);
		ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
		ASSERT_EQ(TANDEM_CMD_GROUP_NEW, tnl_cmd(e));
		tnl_parse(e, tb);
		ASSERT_STR(tb, TANDEM_A_GROUP_NAME, name);
		free(e);
		if (i == 19)
			break;
		ASSERT_EQ(1, tnl_event(&self->ev, TIMEOUT_MS, &e));
		ASSERT_EQ(TANDEM_CMD_GROUP_DEL, tnl_cmd(e));
		tnl_parse(e, tb);
		ASSERT_STR(tb, TANDEM_A_GROUP_NAME, name);
		free(e);
	}
}

TEST_HARNESS_MAIN
