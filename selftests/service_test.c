// SPDX-License-Identifier: GPL-2.0
/*
 * Services: SERVICE_NEW/SET/DEL/GET, defaults and round trips, uniqueness
 * per group, the per-group limit. (Single malformed attributes are in
 * validate_test.c.)
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

FIXTURE(service) {
	struct tnl t;
};

FIXTURE_SETUP(service)
{
	TNL_SETUP(&self->t);
	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 1, "192.0.2.1", 1));
}

FIXTURE_TEARDOWN(service)
{
	tnl_close(&self->t);
}

static int get_service(struct tnl *t, const char *group, uint16_t port,
		       struct tnl_res *r, const struct nlattr **tb)
{
	return tnl_get(t, TANDEM_CMD_SERVICE_GET, group, TANDEM_A_SERVICE_PORT,
		       port, r, tb);
}

static uint32_t group_services(struct __test_metadata *_metadata,
			       struct tnl *t, const char *group)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;
	uint32_t n;

	ASSERT_EQ(0, tnl_get(t, TANDEM_CMD_GROUP_GET, group, 0, 0, &r, tb));
	ASSERT_NE(NULL, tb[TANDEM_A_GROUP_SERVICES]);
	n = mnl_attr_get_u32(tb[TANDEM_A_GROUP_SERVICES]);
	tnl_res_free(&r);
	return n;
}

static int service_req(struct tnl *t, uint8_t cmd, uint16_t port,
		       int lag_bytes, int lag_ms, struct tnl_res *r)
{
	struct nlmsghdr *nlh = tnl_req(t, cmd, 0);

	tnl_put_sel(nlh, "g");
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, port);
	if (lag_bytes >= 0)
		mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_BYTES, lag_bytes);
	if (lag_ms >= 0)
		mnl_attr_put_u32(nlh, TANDEM_A_SERVICE_MAX_LAG_MS, lag_ms);
	return tnl_do(t, nlh, r);
}

TEST_F(service, new_defaults)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;

	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 443));
	ASSERT_EQ(0, get_service(&self->t, "g", 443, &r, tb));
	ASSERT_EQ(TANDEM_CMD_SERVICE_GET, tnl_cmd(r.msgs[0]));
	ASSERT_STR(tb, TANDEM_A_GROUP_NAME, "g");
	ASSERT_U32(tb, TANDEM_A_GROUP_ID, 1);
	ASSERT_U16(tb, TANDEM_A_SERVICE_PORT, 443);
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_BYTES, 0);
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_MS, 0);
	ASSERT_ABSENT(tb, TANDEM_A_GENERATION);
	tnl_res_free(&r);
	ASSERT_EQ(1, group_services(_metadata, &self->t, "g"));
}

TEST_F(service, new_all_attributes)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;

	ASSERT_EQ(0, service_req(&self->t, TANDEM_CMD_SERVICE_NEW, 65535,
				 1 << 30, 600000, &r));
	tnl_res_free(&r);
	ASSERT_EQ(0, service_req(&self->t, TANDEM_CMD_SERVICE_NEW, 1,
				 4096, 0, &r));
	tnl_res_free(&r);
	ASSERT_EQ(0, service_req(&self->t, TANDEM_CMD_SERVICE_NEW, 2,
				 0, 1, &r));
	tnl_res_free(&r);

	ASSERT_EQ(0, get_service(&self->t, "g", 65535, &r, tb));
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_BYTES, 1 << 30);
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_MS, 600000);
	tnl_res_free(&r);
	ASSERT_EQ(0, get_service(&self->t, "g", 1, &r, tb));
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_BYTES, 4096);
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_MS, 0);
	tnl_res_free(&r);
	ASSERT_EQ(0, get_service(&self->t, "g", 2, &r, tb));
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_BYTES, 0);
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_MS, 1);
	tnl_res_free(&r);
	ASSERT_EQ(3, group_services(_metadata, &self->t, "g"));
}

TEST_F(service, set_round_trip)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;

	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 80));
	ASSERT_EQ(0, service_req(&self->t, TANDEM_CMD_SERVICE_SET, 80,
				 65536, -1, &r));
	tnl_res_free(&r);
	ASSERT_EQ(0, service_req(&self->t, TANDEM_CMD_SERVICE_SET, 80,
				 -1, 250, &r));
	tnl_res_free(&r);
	ASSERT_EQ(0, get_service(&self->t, "g", 80, &r, tb));
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_BYTES, 65536);
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_MS, 250);
	tnl_res_free(&r);

	/* Back to the group's bounds. */
	ASSERT_EQ(0, service_req(&self->t, TANDEM_CMD_SERVICE_SET, 80,
				 0, 0, &r));
	tnl_res_free(&r);
	ASSERT_EQ(0, get_service(&self->t, "g", 80, &r, tb));
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_BYTES, 0);
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_MS, 0);
	tnl_res_free(&r);

	/* A refused SET changes nothing, not even its valid attribute. */
	ASSERT_EQ(-ERANGE, service_req(&self->t, TANDEM_CMD_SERVICE_SET, 80,
				       8192, 600001, &r));
	tnl_res_free(&r);
	ASSERT_EQ(0, get_service(&self->t, "g", 80, &r, tb));
	ASSERT_U32(tb, TANDEM_A_SERVICE_MAX_LAG_BYTES, 0);
	tnl_res_free(&r);
}

TEST_F(service, del)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;

	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 80));
	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 81));
	ASSERT_EQ(0, service_req(&self->t, TANDEM_CMD_SERVICE_DEL, 80,
				 -1, -1, &r));
	tnl_res_free(&r);
	ASSERT_EQ(1, group_services(_metadata, &self->t, "g"));
	ASSERT_EQ(-ENOENT, get_service(&self->t, "g", 80, &r, tb));
	ASSERT_NE(NULL, strcasestr(r.msg, "service")) TH_LOG("\"%s\"", r.msg);
	tnl_res_free(&r);
	ASSERT_EQ(0, get_service(&self->t, "g", 81, &r, tb));
	tnl_res_free(&r);

	service_req(&self->t, TANDEM_CMD_SERVICE_DEL, 80, -1, -1, &r);
	ASSERT_RES(r, -ENOENT, "service");
	tnl_res_free(&r);
	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 80));
}

/* A port is unique in its group, not across groups. */
TEST_F(service, per_group)
{
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "h", 2, "192.0.2.2", 1));
	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 80));
	ASSERT_EQ(0, tnl_service_add(&self->t, "h", 80));
	service_req(&self->t, TANDEM_CMD_SERVICE_NEW, 80, -1, -1, &r);
	ASSERT_RES(r, -EEXIST, "service");
	tnl_res_free(&r);
	ASSERT_EQ(1, tnl_count(&self->t, TANDEM_CMD_SERVICE_GET, "g"));
	ASSERT_EQ(1, tnl_count(&self->t, TANDEM_CMD_SERVICE_GET, "h"));
	ASSERT_EQ(2, tnl_count(&self->t, TANDEM_CMD_SERVICE_GET, NULL));
}

TEST_F_TIMEOUT(service, services_max, 120)
{
	struct tnl_res r;

	for (int port = 1; port <= TANDEM_SERVICES_MAX; port++) {
		ASSERT_EQ(0, tnl_service_add(&self->t, "g", port))
			TH_LOG("port %d", port);
	}
	service_req(&self->t, TANDEM_CMD_SERVICE_NEW, 60000, -1, -1, &r);
	ASSERT_EQ(-ENOSPC, r.err) TH_LOG("\"%s\"", r.msg);
	ASSERT_NE(NULL, strcasestr(r.msg, "service")) TH_LOG("\"%s\"", r.msg);
	tnl_res_free(&r);
	ASSERT_EQ(TANDEM_SERVICES_MAX,
		  group_services(_metadata, &self->t, "g"));

	/* The limit is per group. */
	ASSERT_EQ(0, tnl_group_add(&self->t, "h", 2, "192.0.2.2", 1));
	ASSERT_EQ(0, tnl_service_add(&self->t, "h", 60000));
}

TEST_HARNESS_MAIN
