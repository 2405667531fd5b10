/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The message generators of fuzz_netlink_test.c: seeded random numbers
 * (fuzz_rng.h), values at and beyond the bounds of include/uapi/linux/tandem.h,
 * and attributes (listed or not, at their size or not, nested). Header only,
 * included by that test alone; after tandem_nl.h.
 */
#ifndef TANDEM_FUZZ_NETLINK_H
#define TANDEM_FUZZ_NETLINK_H

#define VIP "10.77.0.1"		/* on lo: traffic stays in the namespace */
#define REPL "10.78.0.1"	/* configured nowhere: members never answer */
#define PORTS 4			/* services 80..83 */
#define NAMES 4			/* groups g0..g3, ids 1..4 */

#include "fuzz_rng.h"

/* ---- values ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t value(unsigned int width)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 80, 81, 100, 101, 255, 256, 4095, 4096,
		7400, 60000, 60001, 65535, 65536, 600000, 600001, 3600000,
		3600001, 1U << 20, (1U << 20) + 1, 1U << 30, (1U << 30) + 1,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0xffffffffffffffffULL,
	};
	uint64_t v;

	switch (below(4)) {
	case 0:
		v = edges[below(sizeof(edges) / sizeof(edges[0]))];
		break;
	case 1:
		v = below(8);
		break;
	case 2:
		v = mono_ns() + (uint64_t)below(7200) * 1000000000ULL - 3600000000000ULL;
		break;
	default:
		v = (uint64_t)rnd() << 32 | rnd();
	}
	if (width < 8)
		v &= (1ULL << (8 * width)) - 1;
	return v;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type)
{
	static const char *const addrs[] = {
		VIP, "10.77.0.2", "10.77.0.3", REPL, "10.78.0.2", "10.78.0.3",
		"10.78.0.4", "0.0.0.0", "255.255.255.255", "224.0.0.1",
		"127.0.0.1", "::", "::1", "ff02::1", "fe80::1", "2001:db8::1",
		"2001:db8::2", "::ffff:10.77.0.1",
	};
	unsigned char raw[20];

	if (chance(85)) {
		tnl_put_addr(nlh, type, addrs[below(sizeof(addrs) / sizeof(addrs[0]))]);
		return;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = rnd();
	mnl_attr_put(nlh, type, below(sizeof(raw) + 1), raw);
}

static void put_name(struct nlmsghdr *nlh, uint16_t type)
{
	char s[48];
	unsigned int n, i;

	switch (below(6)) {
	case 0:
		mnl_attr_put(nlh, type, 0, NULL);
		return;
	case 1:		/* no NUL, or overlong */
		n = below(sizeof(s));
		for (i = 0; i < n; i++)
			s[i] = 'a' + below(26);
		mnl_attr_put(nlh, type, n, s);
		return;
	case 2:		/* any bytes */
		n = 1 + below(sizeof(s) - 1);
		for (i = 0; i < n; i++)
			s[i] = rnd();
		s[n - 1] = 0;
		mnl_attr_put(nlh, type, n, s);
		return;
	default:
		snprintf(s, sizeof(s), "g%u", below(NAMES));
		mnl_attr_put_strz(nlh, type, s);
	}
}

/* The width of an attribute as the policy wants it; 0: binary or other. */
static unsigned int attr_width(uint16_t type)
{
	switch (type) {
	case TANDEM_A_GROUP_ROLE: case TANDEM_A_GROUP_GARP_COUNT:
	case TANDEM_A_MEMBER_PRIORITY: case TANDEM_A_MEMBER_WITNESS:
	case TANDEM_A_CONN_STATE: case TANDEM_A_CONN_PEER_STATE:
		return 1;
	case TANDEM_A_GROUP_REPL_PORT: case TANDEM_A_MEMBER_PORT:
	case TANDEM_A_SERVICE_PORT: case TANDEM_A_CONN_CLIENT_PORT:
	case TANDEM_A_CONN_PORT:
		return 2;
	case TANDEM_A_GROUP_EPOCH: case TANDEM_A_GROUP_LEASE_EXPIRY_NS:
		return 8;
	case TANDEM_A_GROUP_NAME: case TANDEM_A_GROUP_VIP:
	case TANDEM_A_GROUP_REPL_ADDR: case TANDEM_A_MEMBER_ADDR:
	case TANDEM_A_CONN_CLIENT_ADDR: case TANDEM_A_GROUP_KEY:
	case TANDEM_A_GROUP_HAS_KEY: case TANDEM_A_STATS:
	case TANDEM_A_CONN_PEER: case TANDEM_A_PAD: case TANDEM_A_UNSPEC:
		return 0;
	default:
		return type <= TANDEM_A_MAX ? 4 : 0;
	}
}

static void put_int(struct nlmsghdr *nlh, uint16_t type, unsigned int width)
{
	uint64_t v = value(width);

	if (type == TANDEM_A_GROUP_ID || type == TANDEM_A_GROUP_NODE_ID ||
	    type == TANDEM_A_MEMBER_NODE_ID)
		v = chance(70) ? 1 + below(NAMES + 4) : v;
	if (type == TANDEM_A_SERVICE_PORT && chance(70))
		v = 80 + below(PORTS + 1);
	switch (width) {
	case 1: mnl_attr_put_u8(nlh, type, v); break;
	case 2: mnl_attr_put_u16(nlh, type, v); break;
	case 4: mnl_attr_put_u32(nlh, type, v); break;
	default: mnl_attr_put_u64(nlh, type, v); break;
	}
}

static void put_random_attr(struct nlmsghdr *nlh, int depth);

static void put_nest(struct nlmsghdr *nlh, uint16_t type, int depth)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int n = below(4);

	while (n--)
		put_random_attr(nlh, depth + 1);
	mnl_attr_nest_end(nlh, nest);
}

/* One attribute: mostly of a listed type, at its size, else anything. */
static void put_random_attr(struct nlmsghdr *nlh, int depth)
{
	static const unsigned int widths[] = { 0, 1, 2, 3, 4, 5, 8, 12, 16, 32, 33 };
	uint16_t type = chance(90) ? below(TANDEM_A_MAX + 1) : below(1 << 14);
	unsigned char raw[40];
	unsigned int w;

	if (mnl_nlmsg_get_payload_len(nlh) > TNL_REQ_SIZE - 256)
		return;
	if (chance(3))
		type |= NLA_F_NET_BYTEORDER;
	if (depth < 3 && (chance(5) || ((type == TANDEM_A_STATS ||
					 type == TANDEM_A_CONN_PEER) && chance(60)))) {
		put_nest(nlh, type | (chance(80) ? NLA_F_NESTED : 0), depth);
		return;
	}
	switch (type & NLA_TYPE_MASK) {
	case TANDEM_A_GROUP_NAME:
		put_name(nlh, type);
		return;
	case TANDEM_A_GROUP_VIP: case TANDEM_A_GROUP_REPL_ADDR:
	case TANDEM_A_MEMBER_ADDR: case TANDEM_A_CONN_CLIENT_ADDR:
		put_addr(nlh, type);
		return;
	case TANDEM_A_GROUP_KEY:
		if (chance(70)) {
			tnl_put_key(nlh, below(3));
			return;
		}
		break;
	case TANDEM_A_GROUP_HAS_KEY:
		if (chance(70)) {
			mnl_attr_put(nlh, type, 0, NULL);
			return;
		}
		break;
	}
	w = attr_width(type & NLA_TYPE_MASK);
	if (w && chance(75)) {
		put_int(nlh, type, w);
		return;
	}
	w = widths[below(sizeof(widths) / sizeof(widths[0]))];
	for (unsigned int i = 0; i < w; i++)
		raw[i] = chance(50) ? 0 : rnd();
	mnl_attr_put(nlh, type, w, raw);
}

/* The attributes each command takes (tandem.h), for structured messages. */
#define G_SEL TANDEM_A_GROUP_NAME, TANDEM_A_GROUP_ID
#define G_TUNE TANDEM_A_GROUP_REPL_ADDR, TANDEM_A_GROUP_REPL_PORT, TANDEM_A_GROUP_KEY, \
	TANDEM_A_GROUP_SYN_TIMEOUT_MS, TANDEM_A_GROUP_MAX_LAG_BYTES,		\
	TANDEM_A_GROUP_MAX_LAG_MS, TANDEM_A_GROUP_MAX_CONNS,			\
	TANDEM_A_GROUP_GARP_COUNT, TANDEM_A_GROUP_GARP_INTERVAL_MS,		\
	TANDEM_A_GROUP_GARP_REFRESH_MS
static const uint16_t cmd_attrs[TANDEM_CMD_MAX + 1][20] = {
	[TANDEM_CMD_GROUP_NEW] = { G_SEL, TANDEM_A_GROUP_VIP, TANDEM_A_GROUP_NODE_ID, G_TUNE },
	[TANDEM_CMD_GROUP_SET] = { G_SEL, G_TUNE, TANDEM_A_GROUP_ROLE, TANDEM_A_GROUP_EPOCH,
				   TANDEM_A_GROUP_LEASE_MS, TANDEM_A_GROUP_LEASE_EXPIRY_NS },
	[TANDEM_CMD_GROUP_DEL] = { G_SEL },
	[TANDEM_CMD_GROUP_GET] = { G_SEL },
	[TANDEM_CMD_MEMBER_NEW] = { G_SEL, TANDEM_A_MEMBER_NODE_ID, TANDEM_A_MEMBER_ADDR,
				    TANDEM_A_MEMBER_PORT, TANDEM_A_MEMBER_PRIORITY,
				    TANDEM_A_MEMBER_WITNESS },
	[TANDEM_CMD_MEMBER_SET] = { G_SEL, TANDEM_A_MEMBER_NODE_ID, TANDEM_A_MEMBER_ADDR,
				    TANDEM_A_MEMBER_PORT, TANDEM_A_MEMBER_PRIORITY,
				    TANDEM_A_MEMBER_WITNESS },
	[TANDEM_CMD_MEMBER_DEL] = { G_SEL, TANDEM_A_MEMBER_NODE_ID },
	[TANDEM_CMD_MEMBER_GET] = { G_SEL, TANDEM_A_MEMBER_NODE_ID },
	[TANDEM_CMD_SERVICE_NEW] = { G_SEL, TANDEM_A_SERVICE_PORT,
				     TANDEM_A_SERVICE_MAX_LAG_BYTES, TANDEM_A_SERVICE_MAX_LAG_MS },
	[TANDEM_CMD_SERVICE_SET] = { G_SEL, TANDEM_A_SERVICE_PORT,
				     TANDEM_A_SERVICE_MAX_LAG_BYTES, TANDEM_A_SERVICE_MAX_LAG_MS },
	[TANDEM_CMD_SERVICE_DEL] = { G_SEL, TANDEM_A_SERVICE_PORT },
	[TANDEM_CMD_SERVICE_GET] = { G_SEL, TANDEM_A_SERVICE_PORT },
	[TANDEM_CMD_STATS_GET] = { G_SEL },
	[TANDEM_CMD_CONN_GET] = { G_SEL },
};

/* One attribute of a listed type, at its size, its value near its range. */
static void put_listed_attr(struct nlmsghdr *nlh, uint16_t type)
{
	switch (type) {
	case TANDEM_A_GROUP_NAME:
		if (chance(80)) {
			char name[8];

			snprintf(name, sizeof(name), "g%u", below(NAMES));
			mnl_attr_put_strz(nlh, type, name);
		} else {
			put_name(nlh, type);
		}
		return;
	case TANDEM_A_GROUP_VIP: case TANDEM_A_GROUP_REPL_ADDR: case TANDEM_A_MEMBER_ADDR:
		put_addr(nlh, type);
		return;
	case TANDEM_A_GROUP_KEY:
		tnl_put_key(nlh, below(3));
		return;
	case TANDEM_A_GROUP_ROLE:
		mnl_attr_put_u8(nlh, type, below(TANDEM_ROLE_MAX + 2));
		return;
	case TANDEM_A_GROUP_EPOCH:
		mnl_attr_put_u64(nlh, type, chance(80) ? below(20) : value(8));
		return;
	case TANDEM_A_GROUP_LEASE_MS:
		mnl_attr_put_u32(nlh, type, chance(80) ? 1 + below(10000) : value(4));
		return;
	case TANDEM_A_MEMBER_WITNESS:
		mnl_attr_put_u8(nlh, type, chance(80) ? below(2) : value(1));
		return;
	}
	put_int(nlh, type, attr_width(type));
}

#endif /* TANDEM_FUZZ_NETLINK_H */
