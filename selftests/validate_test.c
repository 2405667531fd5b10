// SPDX-License-Identifier: GPL-2.0
/*
 * Validation: every command refuses missing, malformed, out-of-range,
 * conflicting and unlisted attributes with the documented errno and an
 * extended ACK message, and a refused message changes nothing (the dumps
 * of the namespace, generation included, are byte for byte the same).
 *
 * Each case starts from a valid request for its command (the "base"
 * attributes below), leaves out one base attribute (omit) and adds one
 * attribute (bad).
 */
#include "kselftest_harness.h"
#include "tandem_nl.h"

FIXTURE(refused) {
	struct tnl t;
};

FIXTURE_VARIANT(refused) {
	uint8_t cmd;
	bool dump;
	uint16_t omit;		/* a base attribute to leave out */
	struct tnl_attr bad;	/* the attribute to add */
	int err;
	const char *msg;	/* must occur in the extended ACK message */
	bool at;		/* the extended ACK must point at bad */
};

/*
 * The namespace every case starts from: group g (id 1, node 1, IPv4
 * replication, a key), members 2 and 3, service 80.
 */
FIXTURE_SETUP(refused)
{
	struct nlmsghdr *nlh;

	TNL_SETUP(&self->t);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_NEW, 0);
	tnl_put_group(nlh, "g", 1, "192.0.2.1", 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, "10.0.0.1");
	tnl_put_key(nlh, 7);
	ASSERT_DO_OK(&self->t, nlh);
	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 2, "10.0.0.2"));
	ASSERT_EQ(0, tnl_member_add(&self->t, "g", 3, "10.0.0.3"));
	ASSERT_EQ(0, tnl_service_add(&self->t, "g", 80));
}

FIXTURE_TEARDOWN(refused)
{
	tnl_close(&self->t);
}

static void put_base(struct nlmsghdr *nlh, uint8_t cmd, bool dump,
		     uint16_t omit)
{
	static const struct tnl_attr group_new[] = {
		TNL_STR(TANDEM_A_GROUP_NAME, "n"),
		TNL_U32(TANDEM_A_GROUP_ID, 2),
		TNL_IP(TANDEM_A_GROUP_VIP, "192.0.2.2"),
		TNL_U32(TANDEM_A_GROUP_NODE_ID, 1),
	}, group[] = {
		TNL_STR(TANDEM_A_GROUP_NAME, "g"),
	}, member_new[] = {
		TNL_STR(TANDEM_A_GROUP_NAME, "g"),
		TNL_U32(TANDEM_A_MEMBER_NODE_ID, 4),
		TNL_IP(TANDEM_A_MEMBER_ADDR, "10.0.0.4"),
	}, member[] = {
		TNL_STR(TANDEM_A_GROUP_NAME, "g"),
		TNL_U32(TANDEM_A_MEMBER_NODE_ID, 2),
	}, service_new[] = {
		TNL_STR(TANDEM_A_GROUP_NAME, "g"),
		TNL_U16(TANDEM_A_SERVICE_PORT, 81),
	}, service[] = {
		TNL_STR(TANDEM_A_GROUP_NAME, "g"),
		TNL_U16(TANDEM_A_SERVICE_PORT, 80),
	};
	const struct tnl_attr *base;
	size_t n;

	if (dump)	/* a group dump takes no selector, the others may */
		cmd = cmd == TANDEM_CMD_GROUP_GET ? 0 : TANDEM_CMD_GROUP_GET;
	switch (cmd) {
	case 0:
		return;
	case TANDEM_CMD_GROUP_NEW:
		base = group_new, n = ARRAY_SIZE(group_new);
		break;
	case TANDEM_CMD_MEMBER_NEW:
		base = member_new, n = ARRAY_SIZE(member_new);
		break;
	case TANDEM_CMD_MEMBER_SET:
	case TANDEM_CMD_MEMBER_DEL:
	case TANDEM_CMD_MEMBER_GET:
		base = member, n = ARRAY_SIZE(member);
		break;
	case TANDEM_CMD_SERVICE_NEW:
		base = service_new, n = ARRAY_SIZE(service_new);
		break;
	case TANDEM_CMD_SERVICE_SET:
	case TANDEM_CMD_SERVICE_DEL:
	case TANDEM_CMD_SERVICE_GET:
		base = service, n = ARRAY_SIZE(service);
		break;
	default:
		base = group, n = ARRAY_SIZE(group);
	}
	for (size_t i = 0; i < n; i++)
		if (base[i].type != omit)
			tnl_put_attr(nlh, &base[i]);
}

TEST_F(refused, changes_nothing)
{
	char *before, *after;
	size_t blen, alen;
	struct nlmsghdr *nlh;
	struct nlattr *bad;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_snapshot(&self->t, &before, &blen));
	nlh = tnl_req(&self->t, variant->cmd, variant->dump ? NLM_F_DUMP : 0);
	put_base(nlh, variant->cmd, variant->dump, variant->omit);
	bad = tnl_put_attr(nlh, &variant->bad);
	tnl_do(&self->t, nlh, &r);

	ASSERT_RES(r, variant->err, variant->msg);
	ASSERT_NE('\0', r.msg[0]) TH_LOG("no extended ACK message");
	if (bad && (variant->at || r.bad_off >= 0)) {
		ASSERT_EQ((char *)bad - (char *)nlh, r.bad_off)
			TH_LOG("the extended ACK points elsewhere");
	}
	if (variant->omit && r.miss_type >= 0) {
		ASSERT_EQ(variant->omit, r.miss_type);
	}
	tnl_res_free(&r);

	ASSERT_EQ(0, tnl_snapshot(&self->t, &after, &alen));
	ASSERT_EQ(blen, alen) TH_LOG("the refused request changed something");
	ASSERT_EQ(0, memcmp(before, after, blen))
		TH_LOG("the refused request changed something");
	free(before);
	free(after);
}

#define NONE { .kind = TNL_NONE }
#define CASE(name, c, o, b, e, m, a)					\
	FIXTURE_VARIANT_ADD(refused, name) {				\
		.cmd = TANDEM_CMD_##c, .omit = (o), .bad = b,		\
		.err = (e), .msg = (m), .at = (a),			\
	}
#define DUMP_CASE(name, c, o, b, e, m, a)				\
	FIXTURE_VARIANT_ADD(refused, name) {				\
		.cmd = TANDEM_CMD_##c, .dump = true, .omit = (o),	\
		.bad = b, .err = (e), .msg = (m), .at = (a),		\
	}

/* Attribute types named short. */
#define NAME	TANDEM_A_GROUP_NAME
#define ID	TANDEM_A_GROUP_ID
#define VIP	TANDEM_A_GROUP_VIP
#define NODE	TANDEM_A_GROUP_NODE_ID
#define RADDR	TANDEM_A_GROUP_REPL_ADDR
#define RPORT	TANDEM_A_GROUP_REPL_PORT
#define KEY	TANDEM_A_GROUP_KEY
#define KEYALT	TANDEM_A_GROUP_KEY_ALT
#define KEYALTMS TANDEM_A_GROUP_KEY_ALT_MS
#define ROLE	TANDEM_A_GROUP_ROLE
#define LEASE	TANDEM_A_GROUP_LEASE_MS
#define M_NODE	TANDEM_A_MEMBER_NODE_ID
#define M_ADDR	TANDEM_A_MEMBER_ADDR
#define M_PORT	TANDEM_A_MEMBER_PORT
#define S_PORT	TANDEM_A_SERVICE_PORT
#define EPOCH	TANDEM_A_GROUP_EPOCH
#define SYN	TANDEM_A_GROUP_SYN_TIMEOUT_MS
#define LAGB	TANDEM_A_GROUP_MAX_LAG_BYTES
#define LAGMS	TANDEM_A_GROUP_MAX_LAG_MS
#define CONNS	TANDEM_A_GROUP_MAX_CONNS
#define GARP	TANDEM_A_GROUP_GARP_COUNT
#define GARPMS	TANDEM_A_GROUP_GARP_INTERVAL_MS
#define WITNESS	TANDEM_A_MEMBER_WITNESS
#define S_LAGB	TANDEM_A_SERVICE_MAX_LAG_BYTES
#define S_LAGMS	TANDEM_A_SERVICE_MAX_LAG_MS
#define GIB	(1U << 30)

#define BAD_TYPE (TANDEM_A_MAX + 1)

/*
 * An integer outside its range is refused by the policy: -ERANGE, with
 * the kernel's message ("integer out of range") pointing at it.
 */

/* GROUP_NEW: required attributes. */
CASE(gnew_no_name, GROUP_NEW, NAME, NONE, -EINVAL, "name", false);
CASE(gnew_no_id, GROUP_NEW, ID, NONE, -EINVAL, "id", false);
CASE(gnew_no_vip, GROUP_NEW, VIP, NONE, -EINVAL, "VIP", false);
CASE(gnew_no_node, GROUP_NEW, NODE, NONE, -EINVAL, "node", false);
/* GROUP_NEW: malformed values. */
CASE(gnew_name_empty, GROUP_NEW, NAME, TNL_STR(NAME, ""), -EINVAL, "name", true);
CASE(gnew_name_long, GROUP_NEW, NAME, TNL_STR(NAME, "abcdefghijklmnopqrstuvwxyz012345"), -EINVAL, NULL, true);
CASE(gnew_name_space, GROUP_NEW, NAME, TNL_STR(NAME, "a b"), -EINVAL, "name", true);
CASE(gnew_name_slash, GROUP_NEW, NAME, TNL_STR(NAME, "a/b"), -EINVAL, "name", true);
CASE(gnew_name_nonascii, GROUP_NEW, NAME, TNL_STR(NAME, "caf\xc3\xa9"), -EINVAL, "name", true);
CASE(gnew_name_no_nul, GROUP_NEW, NAME, TNL_BIN(NAME, 4), -EINVAL, NULL, true);
CASE(gnew_id_zero, GROUP_NEW, ID, TNL_U32(ID, 0), -ERANGE, "out of range", true);
CASE(gnew_id_u16, GROUP_NEW, ID, TNL_U16(ID, 2), -EINVAL, NULL, true);
CASE(gnew_id_u64, GROUP_NEW, ID, TNL_U64(ID, 2), -EINVAL, NULL, true);
CASE(gnew_node_zero, GROUP_NEW, NODE, TNL_U32(NODE, 0), -ERANGE, "out of range", true);
CASE(gnew_vip_len0, GROUP_NEW, VIP, TNL_BIN(VIP, 0), -EINVAL, NULL, true);
CASE(gnew_vip_len5, GROUP_NEW, VIP, TNL_BIN(VIP, 5), -EINVAL, NULL, true);
CASE(gnew_vip_len17, GROUP_NEW, VIP, TNL_BIN(VIP, 17), -EINVAL, NULL, true);
CASE(gnew_vip_multicast4, GROUP_NEW, VIP, TNL_IP(VIP, "224.0.0.1"), -EINVAL, "multicast", true);
CASE(gnew_vip_broadcast, GROUP_NEW, VIP, TNL_IP(VIP, "255.255.255.255"), -EINVAL, "broadcast", true);
CASE(gnew_vip_loopback4, GROUP_NEW, VIP, TNL_IP(VIP, "127.0.0.1"), -EINVAL, "loopback", true);
CASE(gnew_vip_zero4, GROUP_NEW, VIP, TNL_IP(VIP, "0.0.0.0"), -EINVAL, "unspecified", true);
CASE(gnew_vip_multicast6, GROUP_NEW, VIP, TNL_IP(VIP, "ff02::1"), -EINVAL, "multicast", true);
CASE(gnew_vip_loopback6, GROUP_NEW, VIP, TNL_IP(VIP, "::1"), -EINVAL, "loopback", true);
CASE(gnew_vip_zero6, GROUP_NEW, VIP, TNL_IP(VIP, "::"), -EINVAL, "unspecified", true);
CASE(gnew_raddr_len5, GROUP_NEW, 0, TNL_BIN(RADDR, 5), -EINVAL, NULL, true);
CASE(gnew_raddr_multicast4, GROUP_NEW, 0, TNL_IP(RADDR, "239.1.1.1"), -EINVAL, "multicast", true);
CASE(gnew_raddr_loopback4, GROUP_NEW, 0, TNL_IP(RADDR, "127.0.0.2"), -EINVAL, "loopback", true);
CASE(gnew_raddr_zero4, GROUP_NEW, 0, TNL_IP(RADDR, "0.0.0.0"), -EINVAL, "unspecified", true);
CASE(gnew_raddr_broadcast, GROUP_NEW, 0, TNL_IP(RADDR, "255.255.255.255"), -EINVAL, "broadcast", true);
CASE(gnew_raddr_multicast6, GROUP_NEW, 0, TNL_IP(RADDR, "ff05::2"), -EINVAL, "multicast", true);
CASE(gnew_raddr_loopback6, GROUP_NEW, 0, TNL_IP(RADDR, "::1"), -EINVAL, "loopback", true);
CASE(gnew_raddr_zero6, GROUP_NEW, 0, TNL_IP(RADDR, "::"), -EINVAL, "unspecified", true);
CASE(gnew_rport_zero, GROUP_NEW, 0, TNL_U16(RPORT, 0), -ERANGE, "out of range", true);
CASE(gnew_key_short, GROUP_NEW, 0, TNL_BIN(KEY, TANDEM_KEY_LEN - 1), -EINVAL, NULL, true);
CASE(gnew_key_long, GROUP_NEW, 0, TNL_BIN(KEY, TANDEM_KEY_LEN + 1), -EINVAL, NULL, true);
CASE(gnew_key_empty, GROUP_NEW, 0, TNL_BIN(KEY, 0), -EINVAL, NULL, true);
CASE(gnew_syn_zero, GROUP_NEW, 0, TNL_U32(SYN, 0), -ERANGE, NULL, true);
CASE(gnew_syn_high, GROUP_NEW, 0, TNL_U32(SYN, 60001), -ERANGE, NULL, true);
CASE(gnew_lagb_low, GROUP_NEW, 0, TNL_U32(LAGB, 4095), -ERANGE, NULL, true);
CASE(gnew_lagb_high, GROUP_NEW, 0, TNL_U32(LAGB, GIB + 1), -ERANGE, NULL, true);
CASE(gnew_lagms_zero, GROUP_NEW, 0, TNL_U32(LAGMS, 0), -ERANGE, NULL, true);
CASE(gnew_lagms_high, GROUP_NEW, 0, TNL_U32(LAGMS, 600001), -ERANGE, NULL, true);
CASE(gnew_conns_zero, GROUP_NEW, 0, TNL_U32(CONNS, 0), -ERANGE, NULL, true);
CASE(gnew_conns_high, GROUP_NEW, 0, TNL_U32(CONNS, TANDEM_CONNS_MAX + 1), -ERANGE, NULL, true);
CASE(gnew_garp_high, GROUP_NEW, 0, TNL_U8(GARP, 101), -ERANGE, NULL, true);
CASE(gnew_garpms_zero, GROUP_NEW, 0, TNL_U32(GARPMS, 0), -ERANGE, NULL, true);
CASE(gnew_garpms_high, GROUP_NEW, 0, TNL_U32(GARPMS, 10001), -ERANGE, NULL, true);
/* GROUP_NEW: conflicts. */
CASE(gnew_dup_name, GROUP_NEW, NAME, TNL_STR(NAME, "g"), -EEXIST, "name", false);
CASE(gnew_dup_id, GROUP_NEW, ID, TNL_U32(ID, 1), -EEXIST, "id", false);
CASE(gnew_dup_vip, GROUP_NEW, VIP, TNL_IP(VIP, "192.0.2.1"), -EEXIST, "VIP", false);
/* GROUP_NEW: attributes it does not take. */
CASE(gnew_role, GROUP_NEW, 0, TNL_U8(ROLE, TANDEM_ROLE_FENCED), -EINVAL, NULL, true);
CASE(gnew_epoch, GROUP_NEW, 0, TNL_U64(EPOCH, 1), -EINVAL, NULL, true);
CASE(gnew_lease, GROUP_NEW, 0, TNL_U32(LEASE, 100), -EINVAL, NULL, true);
CASE(gnew_lease_remaining, GROUP_NEW, 0, TNL_U32(TANDEM_A_GROUP_LEASE_REMAINING_MS, 1), -EINVAL, NULL, true);
CASE(gnew_has_key, GROUP_NEW, 0, TNL_FLG(TANDEM_A_GROUP_HAS_KEY), -EINVAL, NULL, true);
CASE(gnew_generation, GROUP_NEW, 0, TNL_U32(TANDEM_A_GENERATION, 1), -EINVAL, NULL, true);
CASE(gnew_members, GROUP_NEW, 0, TNL_U32(TANDEM_A_GROUP_MEMBERS, 1), -EINVAL, NULL, true);
CASE(gnew_member_node, GROUP_NEW, 0, TNL_U32(M_NODE, 5), -EINVAL, NULL, true);
CASE(gnew_service_port, GROUP_NEW, 0, TNL_U16(S_PORT, 80), -EINVAL, NULL, true);
CASE(gnew_type0, GROUP_NEW, 0, TNL_U32(0, 1), -EINVAL, NULL, true);
CASE(gnew_type_max, GROUP_NEW, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);
CASE(gnew_type_1000, GROUP_NEW, 0, TNL_U32(1000, 1), -EINVAL, NULL, true);

/* GROUP_SET. */
CASE(gset_no_selector, GROUP_SET, NAME, NONE, -EINVAL, NULL, false);
CASE(gset_unknown, GROUP_SET, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
CASE(gset_unknown_id, GROUP_SET, NAME, TNL_U32(ID, 9), -ENOENT, "group", false);
CASE(gset_rport_zero, GROUP_SET, 0, TNL_U16(RPORT, 0), -ERANGE, "out of range", true);
CASE(gset_raddr_multicast, GROUP_SET, 0, TNL_IP(RADDR, "224.1.2.3"), -EINVAL, "multicast", true);
CASE(gset_raddr_len5, GROUP_SET, 0, TNL_BIN(RADDR, 5), -EINVAL, NULL, true);
CASE(gset_key_short, GROUP_SET, 0, TNL_BIN(KEY, 16), -EINVAL, NULL, true);
CASE(gset_syn_high, GROUP_SET, 0, TNL_U32(SYN, 60001), -ERANGE, NULL, true);
CASE(gset_garp_high, GROUP_SET, 0, TNL_U8(GARP, 255), -ERANGE, NULL, true);
CASE(gset_role_unspec, GROUP_SET, 0, TNL_U8(ROLE, TANDEM_ROLE_UNSPEC), -ERANGE, "out of range", true);
CASE(gset_role_high, GROUP_SET, 0, TNL_U8(ROLE, TANDEM_ROLE_MAX + 1), -ERANGE, NULL, true);
CASE(gset_role_u32, GROUP_SET, 0, TNL_U32(ROLE, TANDEM_ROLE_FENCED), -EINVAL, NULL, true);
CASE(gset_epoch_u32, GROUP_SET, 0, TNL_U32(EPOCH, 1), -EINVAL, NULL, true);
CASE(gset_lease_zero, GROUP_SET, 0, TNL_U32(LEASE, 0), -ERANGE, NULL, true);
CASE(gset_lease_high, GROUP_SET, 0, TNL_U32(LEASE, TANDEM_LEASE_MAX_MS + 1), -ERANGE, NULL, true);
CASE(gset_lease_not_primary, GROUP_SET, 0, TNL_U32(LEASE, 1000), -EINVAL, "lease", false);
CASE(gset_vip, GROUP_SET, 0, TNL_IP(VIP, "192.0.2.9"), -EINVAL, NULL, true);
CASE(gset_node, GROUP_SET, 0, TNL_U32(NODE, 9), -EINVAL, NULL, true);
CASE(gset_has_key, GROUP_SET, 0, TNL_FLG(TANDEM_A_GROUP_HAS_KEY), -EINVAL, NULL, true);
CASE(gset_member_addr, GROUP_SET, 0, TNL_IP(M_ADDR, "10.0.0.9"), -EINVAL, NULL, true);
CASE(gset_service_port, GROUP_SET, 0, TNL_U16(S_PORT, 80), -EINVAL, NULL, true);
CASE(gset_type_max, GROUP_SET, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);
/* The alternate key (rotation): its length, its duration, both or none. */
CASE(gnew_key_alt_short, GROUP_NEW, 0, TNL_BIN(KEYALT, TANDEM_KEY_LEN - 1), -EINVAL, "key must be exactly", true);
CASE(gnew_key_alt_alone, GROUP_NEW, 0, TNL_BIN(KEYALT, TANDEM_KEY_LEN), -EINVAL, "alternate key and its duration", true);
CASE(gset_key_alt_long, GROUP_SET, 0, TNL_BIN(KEYALT, TANDEM_KEY_LEN + 1), -EINVAL, "key must be exactly", true);
CASE(gset_key_alt_alone, GROUP_SET, 0, TNL_BIN(KEYALT, TANDEM_KEY_LEN), -EINVAL, "alternate key and its duration", true);
CASE(gset_key_alt_ms_alone, GROUP_SET, 0, TNL_U32(KEYALTMS, 1000), -EINVAL, "alternate key and its duration", true);
CASE(gset_key_alt_ms_zero, GROUP_SET, 0, TNL_U32(KEYALTMS, 0), -ERANGE, "out of range", true);
CASE(gset_key_alt_ms_high, GROUP_SET, 0, TNL_U32(KEYALTMS, TANDEM_KEY_ALT_MAX_MS + 1), -ERANGE, "out of range", true);
CASE(gset_key_alt_ms_u16, GROUP_SET, 0, TNL_U16(KEYALTMS, 1000), -EINVAL, NULL, true);
CASE(gset_key_alt_remaining, GROUP_SET, 0, TNL_U32(TANDEM_A_GROUP_KEY_ALT_REMAINING_MS, 1), -EINVAL, NULL, true);
CASE(mnew_key_alt, MEMBER_NEW, 0, TNL_BIN(KEYALT, TANDEM_KEY_LEN), -EINVAL, NULL, true);

/* GROUP_DEL and GROUP_GET. */
CASE(gdel_no_selector, GROUP_DEL, NAME, NONE, -EINVAL, NULL, false);
CASE(gdel_unknown, GROUP_DEL, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
CASE(gdel_busy, GROUP_DEL, 0, NONE, -EBUSY, "service", false);
CASE(gdel_garp, GROUP_DEL, 0, TNL_U8(GARP, 1), -EINVAL, NULL, true);
CASE(gdel_type_max, GROUP_DEL, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);
CASE(gget_no_selector, GROUP_GET, NAME, NONE, -EINVAL, NULL, false);
CASE(gget_unknown, GROUP_GET, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
CASE(gget_key, GROUP_GET, 0, TNL_BIN(KEY, TANDEM_KEY_LEN), -EINVAL, NULL, true);
CASE(gget_type_max, GROUP_GET, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);
DUMP_CASE(gdump_service_port, GROUP_GET, 0, TNL_U16(S_PORT, 80), -EINVAL, NULL, true);
DUMP_CASE(gdump_type_max, GROUP_GET, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);

/* MEMBER_NEW. */
CASE(mnew_no_selector, MEMBER_NEW, NAME, NONE, -EINVAL, NULL, false);
CASE(mnew_unknown_group, MEMBER_NEW, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
CASE(mnew_no_node, MEMBER_NEW, M_NODE, NONE, -EINVAL, "node", false);
CASE(mnew_no_addr, MEMBER_NEW, M_ADDR, NONE, -EINVAL, "addr", false);
CASE(mnew_node_zero, MEMBER_NEW, M_NODE, TNL_U32(M_NODE, 0), -ERANGE, "out of range", true);
CASE(mnew_node_self, MEMBER_NEW, M_NODE, TNL_U32(M_NODE, 1), -EINVAL, "node", false);
CASE(mnew_node_dup, MEMBER_NEW, M_NODE, TNL_U32(M_NODE, 2), -EEXIST, "node", false);
CASE(mnew_addr_dup, MEMBER_NEW, M_ADDR, TNL_IP(M_ADDR, "10.0.0.2"), -EEXIST, "addr", false);
CASE(mnew_addr_len5, MEMBER_NEW, M_ADDR, TNL_BIN(M_ADDR, 5), -EINVAL, NULL, true);
CASE(mnew_addr_multicast, MEMBER_NEW, M_ADDR, TNL_IP(M_ADDR, "224.0.0.5"), -EINVAL, "multicast", true);
CASE(mnew_addr_broadcast, MEMBER_NEW, M_ADDR, TNL_IP(M_ADDR, "255.255.255.255"), -EINVAL, "broadcast", true);
CASE(mnew_addr_loopback, MEMBER_NEW, M_ADDR, TNL_IP(M_ADDR, "127.0.0.1"), -EINVAL, "loopback", true);
CASE(mnew_addr_zero, MEMBER_NEW, M_ADDR, TNL_IP(M_ADDR, "0.0.0.0"), -EINVAL, "unspecified", true);
CASE(mnew_addr_family, MEMBER_NEW, M_ADDR, TNL_IP(M_ADDR, "fd00::4"), -EINVAL, "family", false);
CASE(mnew_port_zero, MEMBER_NEW, 0, TNL_U16(M_PORT, 0), -ERANGE, "out of range", true);
CASE(mnew_port_u32, MEMBER_NEW, 0, TNL_U32(M_PORT, 7400), -EINVAL, NULL, true);
CASE(mnew_witness_two, MEMBER_NEW, 0, TNL_U8(WITNESS, 2), -ERANGE, NULL, true);
CASE(mnew_service_port, MEMBER_NEW, 0, TNL_U16(S_PORT, 80), -EINVAL, NULL, true);
CASE(mnew_group_key, MEMBER_NEW, 0, TNL_BIN(KEY, TANDEM_KEY_LEN), -EINVAL, NULL, true);
CASE(mnew_group_vip, MEMBER_NEW, 0, TNL_IP(VIP, "192.0.2.1"), -EINVAL, NULL, true);
CASE(mnew_type_max, MEMBER_NEW, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);

/* MEMBER_SET, MEMBER_DEL, MEMBER_GET. */
CASE(mset_no_node, MEMBER_SET, M_NODE, NONE, -EINVAL, "node", false);
CASE(mset_unknown_node, MEMBER_SET, M_NODE, TNL_U32(M_NODE, 9), -ENOENT, "member", false);
CASE(mset_unknown_group, MEMBER_SET, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
CASE(mset_port_zero, MEMBER_SET, 0, TNL_U16(M_PORT, 0), -ERANGE, "out of range", true);
CASE(mset_witness_two, MEMBER_SET, 0, TNL_U8(WITNESS, 2), -ERANGE, NULL, true);
CASE(mset_addr_multicast, MEMBER_SET, 0, TNL_IP(M_ADDR, "224.0.0.5"), -EINVAL, "multicast", true);
CASE(mset_addr_family, MEMBER_SET, 0, TNL_IP(M_ADDR, "fd00::2"), -EINVAL, "family", false);
CASE(mset_addr_dup, MEMBER_SET, 0, TNL_IP(M_ADDR, "10.0.0.3"), -EEXIST, "addr", false);
CASE(mset_group_role, MEMBER_SET, 0, TNL_U8(ROLE, TANDEM_ROLE_FENCED), -EINVAL, NULL, true);
CASE(mset_type_max, MEMBER_SET, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);
CASE(mdel_no_node, MEMBER_DEL, M_NODE, NONE, -EINVAL, "node", false);
CASE(mdel_unknown_node, MEMBER_DEL, M_NODE, TNL_U32(M_NODE, 9), -ENOENT, "member", false);
CASE(mdel_addr, MEMBER_DEL, 0, TNL_IP(M_ADDR, "10.0.0.2"), -EINVAL, NULL, true);
CASE(mget_unknown_node, MEMBER_GET, M_NODE, TNL_U32(M_NODE, 9), -ENOENT, "member", false);
CASE(mget_unknown_group, MEMBER_GET, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
CASE(mget_vip, MEMBER_GET, 0, TNL_IP(VIP, "192.0.2.1"), -EINVAL, NULL, true);
DUMP_CASE(mdump_unknown_group, MEMBER_GET, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
DUMP_CASE(mdump_type_max, MEMBER_GET, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);

/* SERVICE_NEW. */
CASE(snew_no_selector, SERVICE_NEW, NAME, NONE, -EINVAL, NULL, false);
CASE(snew_unknown_group, SERVICE_NEW, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
CASE(snew_no_port, SERVICE_NEW, S_PORT, NONE, -EINVAL, "port", false);
CASE(snew_port_zero, SERVICE_NEW, S_PORT, TNL_U16(S_PORT, 0), -ERANGE, "out of range", true);
CASE(snew_port_u32, SERVICE_NEW, S_PORT, TNL_U32(S_PORT, 81), -EINVAL, NULL, true);
CASE(snew_dup, SERVICE_NEW, S_PORT, TNL_U16(S_PORT, 80), -EEXIST, "service", false);
CASE(snew_lagb_one, SERVICE_NEW, 0, TNL_U32(S_LAGB, 1), -EINVAL, NULL, true);
CASE(snew_lagb_low, SERVICE_NEW, 0, TNL_U32(S_LAGB, 4095), -EINVAL, NULL, true);
CASE(snew_lagb_high, SERVICE_NEW, 0, TNL_U32(S_LAGB, GIB + 1), -ERANGE, NULL, true);
CASE(snew_lagms_high, SERVICE_NEW, 0, TNL_U32(S_LAGMS, 600001), -ERANGE, NULL, true);
CASE(snew_member_node, SERVICE_NEW, 0, TNL_U32(M_NODE, 2), -EINVAL, NULL, true);
CASE(snew_group_syn, SERVICE_NEW, 0, TNL_U32(SYN, 100), -EINVAL, NULL, true);
CASE(snew_type_max, SERVICE_NEW, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);

/* SERVICE_SET, SERVICE_DEL, SERVICE_GET. */
CASE(sset_no_port, SERVICE_SET, S_PORT, NONE, -EINVAL, "port", false);
CASE(sset_unknown, SERVICE_SET, S_PORT, TNL_U16(S_PORT, 81), -ENOENT, "service", false);
CASE(sset_lagb_low, SERVICE_SET, 0, TNL_U32(S_LAGB, 4095), -EINVAL, NULL, true);
CASE(sset_lagms_high, SERVICE_SET, 0, TNL_U32(S_LAGMS, 600001), -ERANGE, NULL, true);
CASE(sset_group_key, SERVICE_SET, 0, TNL_BIN(KEY, TANDEM_KEY_LEN), -EINVAL, NULL, true);
CASE(sset_type_max, SERVICE_SET, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);
CASE(sdel_no_port, SERVICE_DEL, S_PORT, NONE, -EINVAL, "port", false);
CASE(sdel_unknown, SERVICE_DEL, S_PORT, TNL_U16(S_PORT, 81), -ENOENT, "service", false);
CASE(sdel_lagms, SERVICE_DEL, 0, TNL_U32(S_LAGMS, 1), -EINVAL, NULL, true);
CASE(sget_unknown, SERVICE_GET, S_PORT, TNL_U16(S_PORT, 81), -ENOENT, "service", false);
CASE(sget_member_port, SERVICE_GET, 0, TNL_U16(M_PORT, 1), -EINVAL, NULL, true);
DUMP_CASE(sdump_unknown_group, SERVICE_GET, NAME, TNL_STR(NAME, "x"), -ENOENT, "group", false);
DUMP_CASE(sdump_type_max, SERVICE_GET, 0, TNL_U32(BAD_TYPE, 1), -EINVAL, NULL, true);

TEST_HARNESS_MAIN
