// SPDX-License-Identifier: GPL-2.0
/*
 * Permissions: every command, dumps included, needs CAP_NET_ADMIN in the
 * user namespace owning the network namespace and, unless the module
 * parameter userns_admin is set, in the initial user namespace as well;
 * without it the answer is -EPERM and nothing changes.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "tandem_nl.h"

/* Raise or drop CAP_NET_ADMIN in the effective set (permitted is kept). */
static int net_admin(bool on)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	unsigned int i = CAP_TO_INDEX(CAP_NET_ADMIN);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	if (on)
		data[i].effective |= CAP_TO_MASK(CAP_NET_ADMIN);
	else
		data[i].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/* One valid request of each command against the fixture's objects. */
static struct nlmsghdr *request(struct tnl *t, uint8_t cmd, bool dump)
{
	struct nlmsghdr *nlh = tnl_req(t, cmd, dump ? NLM_F_DUMP : 0);

	if (dump)
		return nlh;
	if (cmd == TANDEM_CMD_GROUP_NEW) {
		tnl_put_group(nlh, "n", 2, "192.0.2.2", 1);
		return nlh;
	}
	tnl_put_sel(nlh, "g");
	switch (cmd) {
	case TANDEM_CMD_GROUP_SET:
		mnl_attr_put_u8(nlh, TANDEM_A_GROUP_GARP_COUNT, 1);
		break;
	case TANDEM_CMD_MEMBER_NEW:
		mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 3);
		tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, "10.0.0.3");
		break;
	case TANDEM_CMD_MEMBER_SET:
		mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
		mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_PRIORITY, 1);
		break;
	case TANDEM_CMD_MEMBER_DEL:
	case TANDEM_CMD_MEMBER_GET:
		mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
		break;
	case TANDEM_CMD_SERVICE_NEW:
		mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 81);
		break;
	case TANDEM_CMD_SERVICE_SET:
		mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
		mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_MS, 1);
		break;
	case TANDEM_CMD_SERVICE_DEL:
	case TANDEM_CMD_SERVICE_GET:
		mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
		break;
	}
	return nlh;
}

/* Populate: group g with member 2 and service 80. */
static void populate(struct __test_metadata *_metadata, struct tnl *t)
{
	ASSERT_EQ(0, tnl_group_add(t, "g", 1, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_member_add(t, "g", 2, "10.0.0.2"));
	ASSERT_EQ(0, tnl_service_add(t, "g", 80));
}

/* Every command and dump gets -EPERM on t. */
static void all_refused(struct __test_metadata *_metadata, struct tnl *t)
{
	for (uint8_t cmd = 1; cmd <= TANDEM_CMD_MAX; cmd++) {
		for (int dump = 0; dump < 2; dump++) {
			struct tnl_res r;

			if (dump && cmd != TANDEM_CMD_GROUP_GET &&
			    cmd != TANDEM_CMD_MEMBER_GET &&
			    cmd != TANDEM_CMD_SERVICE_GET)
				continue;
			tnl_do(t, request(t, cmd, dump), &r);
			/* CONN_GET has no doit: refused before any check */
			if (!dump && cmd == TANDEM_CMD_CONN_GET &&
			    r.err == -EOPNOTSUPP) {
				tnl_res_free(&r);
				continue;
			}
			EXPECT_EQ(-EPERM, r.err)
				TH_LOG("command %u%s: %d \"%s\"", cmd,
				       dump ? " (dump)" : "", r.err, r.msg);
			if (!r.msg[0])
				TH_LOG("command %u%s: -EPERM without an extended ACK message",
				       cmd, dump ? " (dump)" : "");
			tnl_res_free(&r);
		}
	}
}

FIXTURE(perm) {
	struct tnl t;
};

FIXTURE_SETUP(perm)
{
	TNL_SETUP(&self->t);
	populate(_metadata, &self->t);
}

FIXTURE_TEARDOWN(perm)
{
	tnl_close(&self->t);
}

TEST_F(perm, without_net_admin)
{
	char *before, *after;
	size_t blen, alen;

	ASSERT_EQ(0, tnl_snapshot(&self->t, &before, &blen));
	ASSERT_EQ(0, net_admin(false));
	all_refused(_metadata, &self->t);
	ASSERT_EQ(0, net_admin(true));
	ASSERT_EQ(0, tnl_snapshot(&self->t, &after, &alen));
	ASSERT_EQ(blen, alen);
	ASSERT_EQ(0, memcmp(before, after, blen));
	free(before);
	free(after);
}

/* Events describe the configuration: only an admin may listen. */
TEST_F(perm, events_need_net_admin)
{
	struct tnl ev;

	ASSERT_EQ(0, tnl_open(&ev));
	ASSERT_EQ(0, net_admin(false));
	ASSERT_EQ(-EPERM, tnl_subscribe(&ev));
	ASSERT_EQ(0, net_admin(true));
	ASSERT_EQ(0, tnl_subscribe(&ev));
	tnl_close(&ev);
}

/* With the capability back, the same requests all succeed. */
TEST_F(perm, with_net_admin)
{
	static const uint8_t order[] = {
		TANDEM_CMD_GROUP_NEW, TANDEM_CMD_GROUP_SET, TANDEM_CMD_GROUP_GET,
		TANDEM_CMD_MEMBER_NEW, TANDEM_CMD_MEMBER_SET,
		TANDEM_CMD_MEMBER_GET, TANDEM_CMD_MEMBER_DEL,
		TANDEM_CMD_SERVICE_NEW, TANDEM_CMD_SERVICE_SET,
		TANDEM_CMD_SERVICE_GET, TANDEM_CMD_SERVICE_DEL,
	};

	ASSERT_EQ(0, net_admin(false));
	ASSERT_EQ(0, net_admin(true));
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		struct tnl_res r;

		tnl_do(&self->t, request(&self->t, order[i], false), &r);
		EXPECT_EQ(0, r.err) TH_LOG("command %u: %d \"%s\"", order[i],
					   r.err, r.msg);
		tnl_res_free(&r);
	}
}

#define USERNS_PARAM "/sys/module/tandem/parameters/userns_admin"

/*
 * A network namespace owned by a new user namespace: its owner holds
 * CAP_NET_ADMIN there, not in the initial one: refused by default.
 */
TEST(userns_owner_refused_by_default)
{
	char val[4] = "";
	struct tnl t;
	int fd, err;

	fd = open(USERNS_PARAM, O_RDONLY);
	if (fd < 0)
		SKIP(return, "the tandem module is not loaded");
	ASSERT_LT(0, read(fd, val, sizeof(val) - 1));
	close(fd);
	ASSERT_EQ('N', val[0]);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		SKIP(return, "no user namespaces: %s", strerror(errno));
	err = tnl_open(&t);
	ASSERT_EQ(0, err);
	all_refused(_metadata, &t);
	tnl_close(&t);
}

/* The same with userns_admin set: its owner may configure it. */
FIXTURE(userns) {
	int param;	/* opened before the user namespace: still writable */
};

FIXTURE_SETUP(userns)
{
	self->param = open(USERNS_PARAM, O_WRONLY);
	if (self->param < 0)
		SKIP(return, "cannot open %s: %s", USERNS_PARAM, strerror(errno));
	ASSERT_EQ(1, write(self->param, "Y", 1));
}

FIXTURE_TEARDOWN(userns)
{
	if (self->param >= 0) {
		EXPECT_EQ(1, write(self->param, "N", 1));
		close(self->param);
	}
}

TEST_F(userns, owner_allowed_with_param)
{
	struct tnl t;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		SKIP(return, "no user namespaces: %s", strerror(errno));
	ASSERT_EQ(0, tnl_open(&t));
	populate(_metadata, &t);
	ASSERT_EQ(1, tnl_count(&t, TANDEM_CMD_GROUP_GET, NULL));
	tnl_close(&t);
}

/*
 * A network namespace owned by the initial user namespace, configured from
 * a child user namespace: CAP_NET_ADMIN there is not enough.
 */
TEST(userns_not_owner_refused)
{
	struct tnl t;
	int err;

	if (unshare(CLONE_NEWNET))
		SKIP(return, "no network namespaces: %s", strerror(errno));
	err = tnl_open(&t);
	if (err == -ENOENT)
		SKIP(return, "the tandem module is not loaded");
	ASSERT_EQ(0, err);
	populate(_metadata, &t);
	tnl_close(&t);
	if (unshare(CLONE_NEWUSER))
		SKIP(return, "no user namespaces: %s", strerror(errno));
	ASSERT_EQ(0, tnl_open(&t));
	all_refused(_metadata, &t);
	tnl_close(&t);
}

TEST_HARNESS_MAIN
