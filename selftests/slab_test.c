// SPDX-License-Identifier: GPL-2.0
/*
 * Object accounting in bulk: thousands of groups, members and services are
 * all freed when deleted one by one, with their group, or with their
 * network namespace. Counted in the slab caches tandem_group,
 * tandem_member and tandem_service (lifecycle_test.sh does the same
 * through the CLI, and around module unload).
 *
 * SLUB counts the free objects of per-CPU slabs as active, so every count
 * is read after shrinking the cache, which flushes them.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tandem_nl.h"

#define NGROUPS 100
#define NSERVICES 16
#define TIMEOUT_MS 60000

static const char *const caches[3] = {
	"tandem_group", "tandem_member", "tandem_service",
};

/* Objects in use in the three caches; -errno if one is missing. */
static int slab_counts(long n[3])
{
	char line[512], path[128];
	FILE *f;

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 caches[i]);
		f = fopen(path, "w");
		if (f) {
			fputs("1", f);
			fclose(f);
		}
		n[i] = -1;
	}
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		long active;

		if (sscanf(line, "%63s %ld", name, &active) != 2)
			continue;
		for (int i = 0; i < 3; i++)
			if (!strcmp(name, caches[i]))
				n[i] = active;
	}
	fclose(f);
	for (int i = 0; i < 3; i++)
		if (n[i] < 0)
			return -ENOENT;
	return 0;
}

/* Poll until the counts equal want; false after timeout_ms. */
static bool wait_counts(const long want[3], int timeout_ms, long got[3])
{
	long long end = tnl_now_ms() + timeout_ms;
	struct timespec pause = { .tv_nsec = 50 * 1000000 };

	for (;;) {
		if (!slab_counts(got) && got[0] == want[0] &&
		    got[1] == want[1] && got[2] == want[2])
			return true;
		if (tnl_now_ms() > end)
			return false;
		nanosleep(&pause, NULL);
	}
}

FIXTURE(slab) {
	struct tnl t;
	long base[3];
	int members;	/* per group */
};

/*
 * The baseline: objects of namespaces that earlier tests left behind are
 * freed asynchronously, so wait for none (and make do with what remains).
 */
FIXTURE_SETUP(slab)
{
	static const long none[3];
	long n[3];
	int err;

	TNL_SETUP(&self->t);
	err = slab_counts(n);
	if (err == -EACCES || err == -ENOENT)
		SKIP(_exit(255), "no slab counts (/proc/slabinfo): %s",
		     strerror(-err));
	ASSERT_EQ(0, err);
	if (!wait_counts(none, 10000, self->base))
		TH_LOG("baseline: %ld %ld %ld objects outside this test",
		       self->base[0], self->base[1], self->base[2]);
	self->members = TANDEM_MEMBERS_MAX;
}

FIXTURE_TEARDOWN(slab)
{
	tnl_close(&self->t);
}

static int populate(struct tnl *t, int members)
{
	char name[16], vip[32], addr[32];
	struct nlmsghdr *nlh;
	int err;

	for (int g = 0; g < NGROUPS; g++) {
		snprintf(name, sizeof(name), "g%d", g);
		snprintf(vip, sizeof(vip), "10.99.%d.1", g);
		nlh = tnl_req(t, TANDEM_CMD_GROUP_NEW, 0);
		tnl_put_group(nlh, name, g + 1, vip, 1);
		tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.98.0.1");
		tnl_put_key(nlh, g);
		err = tnl_do_free(t, nlh);
		for (int m = 0; m < members && !err; m++) {
			snprintf(addr, sizeof(addr), "10.98.%d.%d", g, m + 2);
			err = tnl_member_add(t, name, m + 2, addr);
		}
		for (int p = 1; p <= NSERVICES && !err; p++)
			err = tnl_service_add(t, name, p);
		if (err)
			return err;
	}
	/* A primary: its lease timer is pending when everything goes. */
	nlh = tnl_req(t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g0");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_PRIMARY);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 1);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, 600000);
	return tnl_do_free(t, nlh);
}

/* Do the caches hold at least what populate() made? */
static bool populated(const long base[3], int members)
{
	long n[3];

	if (slab_counts(n))
		return false;
	if (n[0] >= base[0] + NGROUPS &&
	    n[1] >= base[1] + NGROUPS * members &&
	    n[2] >= base[2] + NGROUPS * NSERVICES)
		return true;
	fprintf(stderr, "# in use: %ld groups, %ld members, %ld services\n",
		n[0], n[1], n[2]);
	return false;
}

static void expect_freed(struct __test_metadata *_metadata, const long base[3])
{
	long n[3];

	ASSERT_TRUE(wait_counts(base, TIMEOUT_MS, n))
		TH_LOG("in use: %ld groups, %ld members, %ld services; "
		       "before: %ld, %ld, %ld", n[0], n[1], n[2],
		       base[0], base[1], base[2]);
}

static int del(struct tnl *t, uint8_t cmd, const char *group, uint16_t type,
	       uint32_t key)
{
	struct nlmsghdr *nlh = tnl_req(t, cmd, 0);

	tnl_put_sel(nlh, group);
	if (type == TANDEM_A_SERVICE_PORT)
		mnl_attr_put_u16(nlh, type, key);
	else if (type)
		mnl_attr_put_u32(nlh, type, key);
	return tnl_do_free(t, nlh);
}

TEST_F_TIMEOUT(slab, namespace_teardown, 300)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct tnl t;

		if (unshare(CLONE_NEWNET) || tnl_open(&t) ||
		    populate(&t, self->members))
			_exit(1);
		_exit(populated(self->base, self->members) ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 1)
		TH_LOG("populating a namespace failed");
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("objects not counted");
	/* The child is gone, and its namespace with it. */
	expect_freed(_metadata, self->base);
}

TEST_F_TIMEOUT(slab, deleted_one_by_one, 300)
{
	char name[16];

	ASSERT_EQ(0, populate(&self->t, self->members));
	ASSERT_TRUE(populated(self->base, self->members));
	for (int g = 0; g < NGROUPS; g++) {
		snprintf(name, sizeof(name), "g%d", g);
		for (int p = 1; p <= NSERVICES; p++) {
			ASSERT_EQ(0, del(&self->t, TANDEM_CMD_SERVICE_DEL, name,
					 TANDEM_A_SERVICE_PORT, p));
		}
		for (int m = 0; m < self->members; m++) {
			ASSERT_EQ(0, del(&self->t, TANDEM_CMD_MEMBER_DEL, name,
					 TANDEM_A_MEMBER_NODE_ID, m + 2));
		}
		ASSERT_EQ(0, del(&self->t, TANDEM_CMD_GROUP_DEL, name, 0, 0));
	}
	ASSERT_EQ(0, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));
	expect_freed(_metadata, self->base);
}

/* Members go with their group; replaced members (SET) are freed too. */
TEST_F_TIMEOUT(slab, deleted_with_group, 300)
{
	char name[16];

	ASSERT_EQ(0, populate(&self->t, self->members));
	ASSERT_TRUE(populated(self->base, self->members));
	for (int g = 0; g < NGROUPS; g++) {
		struct nlmsghdr *nlh;

		snprintf(name, sizeof(name), "g%d", g);
		nlh = tnl_req(&self->t, TANDEM_CMD_MEMBER_SET, 0);
		tnl_put_sel(nlh, name);
		mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2);
		mnl_attr_put_u8(nlh, TANDEM_A_MEMBER_PRIORITY, 1);
		ASSERT_EQ(0, tnl_do_free(&self->t, nlh));
		for (int p = 1; p <= NSERVICES; p++) {
			ASSERT_EQ(0, del(&self->t, TANDEM_CMD_SERVICE_DEL, name,
					 TANDEM_A_SERVICE_PORT, p));
		}
		ASSERT_EQ(0, del(&self->t, TANDEM_CMD_GROUP_DEL, name, 0, 0));
	}
	expect_freed(_metadata, self->base);
}

TEST_HARNESS_MAIN
