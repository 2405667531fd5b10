// SPDX-License-Identifier: GPL-2.0
/*
 * Counters and the replication channel: sockets bound and released with
 * their groups; heartbeats between a primary and a backup in two network
 * namespaces joined by a veth pair; and forged, replayed, stale,
 * truncated and garbage datagrams, each dropped and counted in exactly its
 * counter while the genuine flow goes on. The test knows the group key and
 * builds genuine datagrams itself (HMAC-SHA256 below).
 */
#include <endian.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/tandem_wire.h>

#include "kselftest_harness.h"
#include "tandem_nl.h"
#include "channel_mac.h"

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
	ASSERT_RES(r, -ERANGE, "out of range");	/* the policy's */
	tnl_res_free(&r);

	nlh = tnl_req(&self->t, TANDEM_CMD_STATS_GET, 0);
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -EINVAL, NULL);
	tnl_res_free(&r);
}

/* RFC 4231, test case 2. */
TEST(hmac_sha256_selfcheck)
{
	static const uint8_t want[8] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
	};
	const char *data = "what do ya want for nothing?";
	uint8_t mac[32];

	hmac_sha256((const uint8_t *)"Jefe", 4, data, strlen(data), mac);
	ASSERT_EQ(0, memcmp(mac, want, sizeof(want)));
}

/* RFC 8439 2.5.2, 2.3.2 and draft-irtf-cfrg-xchacha 2.2.1. */
TEST(xchacha_selfcheck)
{
	static const uint8_t poly_key[32] = {
		0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33, 0x7f, 0x44, 0x52,
		0xfe, 0x42, 0xd5, 0x06, 0xa8, 0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d,
		0xb2, 0xfd, 0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b,
	};
	static const uint8_t poly_want[16] = {
		0xa8, 0x06, 0x1d, 0xc1, 0x30, 0x51, 0x36, 0xc6, 0xc2, 0x2b, 0x8b,
		0xaf, 0x0c, 0x01, 0x27, 0xa9,
	};
	static const uint8_t nonce[16] = {
		0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0, 0x31, 0x41, 0x59, 0x27,
	};
	static const uint8_t chacha_want[16] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd,
		0x1f, 0xa3, 0x20, 0x71, 0xc4,
	};
	static const uint8_t hchacha_want[32] = {
		0x82, 0x41, 0x3b, 0x42, 0x27, 0xb2, 0x7b, 0xfe, 0xd3, 0x0e, 0x42,
		0x50, 0x8a, 0x87, 0x7d, 0x73, 0xa0, 0xf9, 0xe4, 0xd5, 0x8a, 0x74,
		0xa8, 0x53, 0xc1, 0x2e, 0xc4, 0x13, 0x26, 0xd3, 0xec, 0xdc,
	};
	const char *msg = "Cryptographic Forum Research Group";
	uint8_t key[32], out[64];
	struct poly1305 p;

	poly1305_init(&p, poly_key);
	poly1305_update(&p, msg, strlen(msg));
	poly1305_final(&p, out);
	EXPECT_EQ(0, memcmp(out, poly_want, sizeof(poly_want)));
	for (int i = 0; i < 32; i++)
		key[i] = i;
	chacha20_block(key, 1, nonce, out);
	EXPECT_EQ(0, memcmp(out, chacha_want, sizeof(chacha_want)));
	hchacha20(key, nonce, out);
	EXPECT_EQ(0, memcmp(out, hchacha_want, sizeof(hchacha_want)));
}

/* The group's MAC: the default, shown; set; an unknown one refused. */
TEST_F(stats, group_mac)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct nlmsghdr *nlh;
	struct tnl_res r;

	ASSERT_EQ(0, tnl_group_add(&self->t, "g", 7, "192.0.2.1", 1));
	ASSERT_EQ(0, tnl_get(&self->t, TANDEM_CMD_GROUP_GET, "g", 0, 0, &r, tb));
	ASSERT_U8(tb, TANDEM_A_GROUP_MAC, TANDEM_MAC_DEFAULT);
	tnl_res_free(&r);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_MAC, TANDEM_MAC_HMAC_SHA256);
	ASSERT_EQ(0, tnl_do_free(&self->t, nlh));
	ASSERT_EQ(0, tnl_get(&self->t, TANDEM_CMD_GROUP_GET, "g", 0, 0, &r, tb));
	ASSERT_U8(tb, TANDEM_A_GROUP_MAC, TANDEM_MAC_HMAC_SHA256);
	tnl_res_free(&r);
	nlh = tnl_req(&self->t, TANDEM_CMD_GROUP_SET, 0);
	tnl_put_sel(nlh, "g");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_MAC, TANDEM_MAC_MAX + 1);
	tnl_do(&self->t, nlh, &r);
	ASSERT_RES(r, -ERANGE, "out of range");
	tnl_res_free(&r);
}

/* ---- datagrams ---- */

#define KEY_FILL 0x42		/* the group key: 32 bytes of it */
#define EPOCH 5
#define PORT 7400
#define ADDR_A "10.99.0.1"	/* the primary, node 1 */
#define ADDR_B "10.99.0.2"	/* the backup, node 2 */
#define ADDR_T "10.99.0.3"	/* node 3: played by this test, on A's side */
#define DGRAM_MAX 512
#define WAIT_MS 20000		/* for anything to arrive or be counted */

struct dgram {
	uint8_t type;
	uint16_t flags;
	uint32_t group, sender;
	uint64_t epoch, seq;
	const void *body;
	size_t len;
	uint8_t key_fill;	/* the key the tag is made with */
};

/* Encode d into buf, tagged; returns the length. */
static size_t dgram_build(const struct dgram *d, uint8_t *buf)
{
	struct tandem_wire_hdr h = {
		.version = TANDEM_WIRE_VERSION,
		.type = d->type,
		.flags = htons(d->flags),
		.group_id = htonl(d->group),
		.sender = htonl(d->sender),
		.epoch = htobe64(d->epoch),
		.seq = htobe64(d->seq),
	};
	uint8_t key[TANDEM_KEY_LEN];
	size_t n = sizeof(h) + d->len;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), d->body, d->len);
	memset(key, d->key_fill, sizeof(key));
	channel_tag(key, buf, n, buf + n);	/* with the MAC of d->flags */
	return n + TANDEM_WIRE_TAG_LEN;
}

/* Is buf a datagram tagged with the group key? */
static bool dgram_authentic(const uint8_t *buf, size_t n)
{
	uint8_t key[TANDEM_KEY_LEN], mac[TANDEM_WIRE_TAG_LEN];

	if (n < sizeof(struct tandem_wire_hdr) + TANDEM_WIRE_TAG_LEN)
		return false;
	n -= TANDEM_WIRE_TAG_LEN;
	memset(key, KEY_FILL, sizeof(key));
	channel_tag(key, buf, n, mac);
	return !memcmp(mac, buf + n, TANDEM_WIRE_TAG_LEN);
}

/* Send payload as UDP from src:sport to dst:dport through raw socket fd. */
static int raw_udp(int fd, const char *src, uint16_t sport, const char *dst,
		   uint16_t dport, const void *payload, size_t n)
{
	uint8_t pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + DGRAM_MAX];
	struct iphdr *ip = (void *)pkt;
	struct udphdr *uh = (void *)(ip + 1);
	struct sockaddr_in to = { .sin_family = AF_INET };

	memset(pkt, 0, sizeof(*ip) + sizeof(*uh));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*uh) + n);
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons(sizeof(*uh) + n);
	memcpy(uh + 1, payload, n);
	to.sin_addr.s_addr = ip->daddr;
	if (sendto(fd, pkt, sizeof(*ip) + sizeof(*uh) + n, 0,
		   (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* ---- rtnetlink: the veth pair ---- */

static int rtnl_do(struct nlmsghdr *nlh)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret = -EIO;
	ssize_t n;

	if (!nl)
		return -errno;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0 &&
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n > 0)
			ret = mnl_cb_run(buf, n, 1, 0, NULL, NULL) < 0 ? -errno : 0;
	}
	mnl_socket_close(nl);
	return ret;
}

/* veth "ta" here, its peer "tb" in the namespace of ns_fd. */
static int veth_add(int ns_fd)
{
	char buf[1024] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "ta");
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "tb");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, ns_fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return rtnl_do(nlh);
}

static int link_up(const char *dev)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = if_nametoindex(dev);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return ifi->ifi_index ? rtnl_do(nlh) : -ENODEV;
}

static int addr_add(const char *dev, const char *addr)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct in_addr a;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = if_nametoindex(dev);
	inet_pton(AF_INET, addr, &a);
	mnl_attr_put(nlh, IFA_LOCAL, 4, &a);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &a);
	return ifa->ifa_index ? rtnl_do(nlh) : -ENODEV;
}

/* ---- the two nodes ---- */

/* GROUP_SET g: role, epoch, and a lease for a primary. */
static int set_role(struct tnl *t, uint8_t role, uint64_t epoch)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_SET, 0);

	tnl_put_sel(nlh, "g");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, role);
	mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, epoch);
	if (role == TANDEM_ROLE_PRIMARY)
		mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, 600000);
	return tnl_do_free(t, nlh);
}

/* Group "g" (id 1) replicating on addr, with the key and mac (-1: default). */
static int node_group(struct tnl *t, uint32_t node, const char *addr, int mac)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_NEW, 0);

	tnl_put_group(nlh, "g", 1, "192.0.2.1", node);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, addr);
	tnl_put_key(nlh, KEY_FILL);
	if (mac >= 0)
		mnl_attr_put_u8(nlh, TANDEM_A_GROUP_MAC, mac);
	return tnl_do_free(t, nlh);
}

/* GROUP_SET g on t: the MAC. */
static int set_mac(struct tnl *t, uint8_t mac)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_SET, 0);

	tnl_put_sel(nlh, "g");
	mnl_attr_put_u8(nlh, TANDEM_A_GROUP_MAC, mac);
	return tnl_do_free(t, nlh);
}

/* Milliseconds since member node of g was heard from; -1 never, -2 error. */
static long long heard_ms(struct tnl *t, uint32_t node)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;
	long long ms = -2;

	if (!tnl_get(t, TANDEM_CMD_MEMBER_GET, "g", TANDEM_A_MEMBER_NODE_ID,
		     node, &r, tb))
		ms = tb[TANDEM_A_MEMBER_LAST_HEARD_MS] ?
		     (long long)mnl_attr_get_u32(tb[TANDEM_A_MEMBER_LAST_HEARD_MS]) : -1;
	tnl_res_free(&r);
	return ms;
}

static uint64_t stat_of(struct tnl *t, int id)
{
	struct tnl_res r;
	struct stats s;

	stats_get(t, NULL, &s, &r);
	tnl_res_free(&r);
	return s.v[id];
}

/* Poll until counter id of t's namespace reaches at least want. */
static bool wait_stat(struct tnl *t, int id, uint64_t want)
{
	long long end = tnl_now_ms() + WAIT_MS;

	while (stat_of(t, id) < want) {
		if (tnl_now_ms() > end)
			return false;
		usleep(20000);
	}
	return true;
}

/*
 * A: the primary (node 1) with member 2. B: the backup (node 2) with
 * members 1 and 3. The test plays node 3 from A's side: raw sends from
 * ADDR_T, and sock_t receives what B sends to node 3. pkt_b sees B's
 * incoming packets.
 */
FIXTURE(chan) {
	int ns_a, ns_b;
	struct tnl a, b;
	int raw, sock_t, pkt_b;
	uint64_t seq_t;		/* node 3's last sequence number */
	uint8_t mac;		/* the group's, enum tandem_mac */
};

/* Every test of the channel runs with each MAC. */
FIXTURE_VARIANT(chan) {
	int mac;		/* TANDEM_A_GROUP_MAC given; -1: none */
};

FIXTURE_VARIANT_ADD(chan, default_mac) {
	.mac = -1,
};

FIXTURE_VARIANT_ADD(chan, hmac_sha256) {
	.mac = TANDEM_MAC_HMAC_SHA256,
};

FIXTURE_SETUP(chan)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
	};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
	};
	struct timeval tv = { .tv_sec = WAIT_MS / 1000 };

	TNL_SETUP(&self->a);
	self->ns_a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ns_a);
	TNL_SETUP(&self->b);
	self->ns_b = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ns_b);
	ASSERT_EQ(0, link_up("lo"));
	self->pkt_b = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	ASSERT_LE(0, self->pkt_b);
	ASSERT_EQ(0, setns(self->ns_a, CLONE_NEWNET));
	ASSERT_EQ(0, link_up("lo"));
	ASSERT_EQ(0, veth_add(self->ns_b)) TH_LOG("veth: %s", strerror(errno));
	ASSERT_EQ(0, addr_add("ta", ADDR_A));
	ASSERT_EQ(0, addr_add("ta", ADDR_T));
	ASSERT_EQ(0, link_up("ta"));
	self->raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	ASSERT_LE(0, self->raw);
	self->sock_t = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, ADDR_T, &sin.sin_addr);
	ASSERT_EQ(0, bind(self->sock_t, (struct sockaddr *)&sin, sizeof(sin)));
	setsockopt(self->sock_t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ASSERT_EQ(0, setns(self->ns_b, CLONE_NEWNET));
	ASSERT_EQ(0, addr_add("tb", ADDR_B));
	ASSERT_EQ(0, link_up("tb"));
	sll.sll_ifindex = if_nametoindex("tb");
	ASSERT_EQ(0, bind(self->pkt_b, (struct sockaddr *)&sll, sizeof(sll)));
	setsockopt(self->pkt_b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	/* The backup first: nothing of the primary's is dropped for want of it. */
	self->mac = variant->mac < 0 ? TANDEM_MAC_DEFAULT : variant->mac;
	ASSERT_EQ(0, node_group(&self->b, 2, ADDR_B, variant->mac));
	ASSERT_EQ(0, tnl_member_add(&self->b, "g", 1, ADDR_A));
	ASSERT_EQ(0, tnl_member_add(&self->b, "g", 3, ADDR_T));
	ASSERT_EQ(0, set_role(&self->b, TANDEM_ROLE_BACKUP, EPOCH));
	ASSERT_EQ(0, node_group(&self->a, 1, ADDR_A, variant->mac));
	ASSERT_EQ(0, tnl_member_add(&self->a, "g", 2, ADDR_B));
	ASSERT_EQ(0, set_role(&self->a, TANDEM_ROLE_PRIMARY, EPOCH));
	self->seq_t = 1000000;
}

FIXTURE_TEARDOWN(chan)
{
	close(self->pkt_b);
	close(self->sock_t);
	close(self->raw);
	tnl_close(&self->b);
	tnl_close(&self->a);
	close(self->ns_b);
	close(self->ns_a);
}

/* Heartbeats flow both ways; each side hears the other. */
TEST_F(chan, heartbeats)
{
	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_HEARTBEAT_RX, 3));
	ASSERT_TRUE(wait_stat(&self->a, TANDEM_STAT_HEARTBEAT_RX, 3));
	EXPECT_LE(3, stat_of(&self->a, TANDEM_STAT_HEARTBEAT_TX));
	EXPECT_LE(3, stat_of(&self->b, TANDEM_STAT_CHAN_TX));
	EXPECT_LE(0, heard_ms(&self->a, 2));
	EXPECT_LE(0, heard_ms(&self->b, 1));
	EXPECT_EQ(-1, heard_ms(&self->b, 3));
	for (int i = TANDEM_STAT_CHAN_DROP_SHORT; i <= TANDEM_STAT_CHAN_DROP_TYPE; i++) {
		EXPECT_EQ(0, stat_of(&self->a, i)) TH_LOG("A: counter %d", i);
		EXPECT_EQ(0, stat_of(&self->b, i)) TH_LOG("B: counter %d", i);
	}
}

/* Node 3's next datagram of type, genuine unless changed after. */
static struct dgram from_t(FIXTURE_DATA(chan) *self, uint8_t type,
			   uint16_t flags, const void *body, size_t len)
{
	struct dgram d = {
		.type = type, .group = 1, .sender = 3,
		.flags = flags | self->mac << TANDEM_WIRE_F_MAC_SHIFT,
		.epoch = EPOCH, .seq = ++self->seq_t, .body = body, .len = len,
		.key_fill = KEY_FILL,
	};

	return d;
}

static void all_drops(struct tnl *t, uint64_t *v)
{
	struct tnl_res r;
	struct stats s;

	stats_get(t, NULL, &s, &r);
	tnl_res_free(&r);
	memcpy(v, s.v, sizeof(s.v));
}

/*
 * Sends buf to B from src:sport and checks that B dropped it in counter
 * id, and in no other.
 */
static void check_drop(struct __test_metadata *_metadata,
		       FIXTURE_DATA(chan) *self, int id, const char *src,
		       uint16_t sport, const void *buf, size_t n,
		       const char *what)
{
	uint64_t before[__TANDEM_STAT_MAX], after[__TANDEM_STAT_MAX];

	all_drops(&self->b, before);
	ASSERT_EQ(0, raw_udp(self->raw, src, sport, ADDR_B, PORT, buf, n));
	ASSERT_TRUE(wait_stat(&self->b, id, before[id] + 1))
		TH_LOG("%s: not counted in counter %d", what, id);
	all_drops(&self->b, after);
	for (int i = TANDEM_STAT_CHAN_DROP_SHORT; i <= TANDEM_STAT_CHAN_DROP_TYPE; i++) {
		EXPECT_EQ(before[i] + (i == id), after[i])
			TH_LOG("%s: counter %d", what, i);
	}
	EXPECT_EQ(before[TANDEM_STAT_CHAN_DROP_MAC] +
		  (id == TANDEM_STAT_CHAN_DROP_MAC),
		  after[TANDEM_STAT_CHAN_DROP_MAC]) TH_LOG("%s: chan_drop_mac", what);
	EXPECT_LT(before[TANDEM_STAT_CHAN_RX], after[TANDEM_STAT_CHAN_RX]);
}

static void check_dgram(struct __test_metadata *_metadata,
			FIXTURE_DATA(chan) *self, int id, const char *src,
			uint16_t sport, const struct dgram *d, const char *what)
{
	uint8_t buf[DGRAM_MAX];

	check_drop(_metadata, self, id, src, sport, buf, dgram_build(d, buf),
		   what);
}

/* A genuine heartbeat request from node 3: B accepts it and answers. */
static void t_heartbeat(struct __test_metadata *_metadata,
			FIXTURE_DATA(chan) *self, uint64_t epoch,
			uint8_t *buf, size_t *n)
{
	struct tandem_wire_heartbeat hb = { .time_ns = htobe64(0x1234567890ULL) };
	struct dgram d = from_t(self, TANDEM_WIRE_HEARTBEAT,
				TANDEM_WIRE_F_PRIMARY, &hb, sizeof(hb));
	uint64_t rx = stat_of(&self->b, TANDEM_STAT_HEARTBEAT_RX);
	struct tandem_wire_heartbeat *ans;
	struct tandem_wire_hdr *h;
	uint8_t reply[DGRAM_MAX];
	ssize_t got;

	d.epoch = epoch;
	*n = dgram_build(&d, buf);
	ASSERT_EQ(0, raw_udp(self->raw, ADDR_T, PORT, ADDR_B, PORT, buf, *n));
	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_HEARTBEAT_RX, rx + 1));
	got = recv(self->sock_t, reply, sizeof(reply), 0);
	ASSERT_EQ(sizeof(*h) + sizeof(*ans) + TANDEM_WIRE_TAG_LEN, got)
		TH_LOG("no answer from B to node 3: %s", strerror(errno));
	ASSERT_TRUE(dgram_authentic(reply, got)) TH_LOG("B's tag is wrong");
	h = (void *)reply;
	ans = (void *)(h + 1);
	EXPECT_EQ(TANDEM_WIRE_HEARTBEAT, h->type);
	EXPECT_EQ(TANDEM_WIRE_F_REPLY | self->mac << TANDEM_WIRE_F_MAC_SHIFT,
		  ntohs(h->flags));
	EXPECT_EQ(1, ntohl(h->group_id));
	EXPECT_EQ(2, ntohl(h->sender));
	EXPECT_EQ(EPOCH, be64toh(h->epoch));
	EXPECT_EQ(hb.time_ns, ans->echo_ns);
}

/* A datagram node 1 (the primary) sent to B, as B received it. */
static size_t captured(struct __test_metadata *_metadata,
		       FIXTURE_DATA(chan) *self, uint8_t *buf)
{
	uint8_t pkt[2048];
	struct iphdr *ip = (void *)pkt;
	struct udphdr *uh;
	struct in_addr a;
	ssize_t n;

	inet_pton(AF_INET, ADDR_A, &a);
	for (;;) {
		n = recv(self->pkt_b, pkt, sizeof(pkt), 0);
		if (n < 0)
			break;
		uh = (void *)(pkt + ip->ihl * 4);
		if (ip->protocol != IPPROTO_UDP || ip->saddr != a.s_addr ||
		    uh->dest != htons(PORT) || ntohs(uh->len) > DGRAM_MAX)
			continue;
		memcpy(buf, uh + 1, ntohs(uh->len) - sizeof(*uh));
		return ntohs(uh->len) - sizeof(*uh);
	}
	EXPECT_TRUE(false) TH_LOG("no datagram of node 1 captured");
	return 0;
}

TEST_F(chan, forged)
{
	struct tandem_wire_heartbeat hb = { 0 };
	uint8_t buf[DGRAM_MAX], garbage[64];
	struct dgram d;
	size_t n;

	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_HEARTBEAT_RX, 2));

	/* Before the tag: length, version, group, sender. */
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_PRIMARY, &hb,
		   sizeof(hb));
	n = dgram_build(&d, buf);
	check_drop(_metadata, self, TANDEM_STAT_CHAN_DROP_SHORT, ADDR_T, PORT,
		   buf, sizeof(struct tandem_wire_hdr) + 4, "truncated");
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = 0xa5 ^ (i * 37);
	check_drop(_metadata, self, TANDEM_STAT_CHAN_DROP_VERSION, ADDR_T,
		   PORT, garbage, sizeof(garbage), "garbage");
	d.group = 99;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_GROUP, ADDR_T, PORT,
		    &d, "unknown group");
	d.group = 1;
	d.sender = 42;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_SENDER, ADDR_T,
		    PORT, &d, "unknown node id");
	d.sender = 1;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_SENDER, ADDR_T,
		    PORT, &d, "node 1 from node 3's address");
	d.sender = 3;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_SENDER, ADDR_T,
		    PORT + 1, &d, "node 3 from another port");
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_SENDER, "10.99.0.7",
		    PORT, &d, "node 3 from an address of no member");

	/* The MAC the header names, the tag, then freshness. */
	d.flags ^= (TANDEM_MAC_HMAC_SHA256 ^ TANDEM_MAC_XCHACHA20_POLY1305) <<
		   TANDEM_WIRE_F_MAC_SHIFT;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_MAC, ADDR_T, PORT,
		    &d, "tagged with the other MAC, under the group key");
	d.flags |= TANDEM_WIRE_F_MAC_MASK;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_MAC, ADDR_T, PORT,
		    &d, "an unknown MAC");
	d.flags = TANDEM_WIRE_F_PRIMARY | self->mac << TANDEM_WIRE_F_MAC_SHIFT;
	d.key_fill = KEY_FILL + 1;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_TAG, ADDR_T, PORT,
		    &d, "wrong key");
	d.key_fill = KEY_FILL;
	n = dgram_build(&d, buf);
	buf[sizeof(struct tandem_wire_hdr)] ^= 1;
	check_drop(_metadata, self, TANDEM_STAT_CHAN_DROP_TAG, ADDR_T, PORT,
		   buf, n, "altered body");
	d.epoch = EPOCH - 1;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_STALE, ADDR_T, PORT,
		    &d, "stale epoch");

	t_heartbeat(_metadata, self, EPOCH, buf, &n);
	check_drop(_metadata, self, TANDEM_STAT_CHAN_DROP_REPLAY, ADDR_T, PORT,
		   buf, n, "node 3's datagram again");
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_PRIMARY, &hb,
		   sizeof(hb));
	d.seq -= 5000;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_REPLAY, ADDR_T, PORT,
		    &d, "older than the window");
	n = captured(_metadata, self, buf);
	ASSERT_TRUE(dgram_authentic(buf, n));
	EXPECT_EQ(self->mac, TANDEM_WIRE_F_MAC(ntohs(((struct tandem_wire_hdr *)buf)->flags)));
	check_drop(_metadata, self, TANDEM_STAT_CHAN_DROP_REPLAY, ADDR_A, PORT,
		   buf, n, "the primary's datagram again");

	/* After freshness: roles, body, type. */
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, 0, &hb, sizeof(hb));
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_ROLE, ADDR_T, PORT,
		    &d, "heartbeat from no primary");
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_REPLY, &hb,
		   sizeof(hb));
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_ROLE, ADDR_T, PORT,
		    &d, "heartbeat answer to a backup");
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_PRIMARY, &hb, 4);
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_SHORT, ADDR_T, PORT,
		    &d, "heartbeat body too short");
	d = from_t(self, 200, TANDEM_WIRE_F_PRIMARY, &hb, sizeof(hb));
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_TYPE, ADDR_T, PORT,
		    &d, "unknown type");

	/* A newer epoch moves node 3's window on: the older one is stale. */
	t_heartbeat(_metadata, self, EPOCH + 1, buf, &n);
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_PRIMARY, &hb,
		   sizeof(hb));
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_STALE, ADDR_T, PORT,
		    &d, "epoch older than node 3's latest");

	/* The genuine flow went on. */
	n = stat_of(&self->b, TANDEM_STAT_HEARTBEAT_RX);
	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_HEARTBEAT_RX, n + 3));
	n = stat_of(&self->a, TANDEM_STAT_HEARTBEAT_RX);
	ASSERT_TRUE(wait_stat(&self->a, TANDEM_STAT_HEARTBEAT_RX, n + 3));
	EXPECT_EQ(0, stat_of(&self->a, TANDEM_STAT_CHAN_DROP_REPLAY));
}

/*
 * A with the other MAC: B refuses all A sends (counted, not tag failures),
 * under the very same key; with the group's MAC again, B hears A.
 */
TEST_F(chan, mac_mismatch)
{
	uint8_t other = self->mac ^ (TANDEM_MAC_HMAC_SHA256 ^
				     TANDEM_MAC_XCHACHA20_POLY1305);
	uint64_t drop, tag, rx;

	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_HEARTBEAT_RX, 2));
	ASSERT_EQ(0, set_mac(&self->a, other));
	drop = stat_of(&self->b, TANDEM_STAT_CHAN_DROP_MAC);
	tag = stat_of(&self->b, TANDEM_STAT_CHAN_DROP_TAG);
	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_CHAN_DROP_MAC, drop + 3));
	rx = stat_of(&self->b, TANDEM_STAT_HEARTBEAT_RX);
	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_CHAN_DROP_MAC, drop + 6));
	EXPECT_EQ(rx, stat_of(&self->b, TANDEM_STAT_HEARTBEAT_RX));
	EXPECT_EQ(tag, stat_of(&self->b, TANDEM_STAT_CHAN_DROP_TAG));

	ASSERT_EQ(0, set_mac(&self->a, self->mac));
	rx = stat_of(&self->b, TANDEM_STAT_HEARTBEAT_RX);
	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_HEARTBEAT_RX, rx + 3));
	EXPECT_EQ(tag, stat_of(&self->b, TANDEM_STAT_CHAN_DROP_TAG));
}

/* ---- key rotation ---- */

/* GROUP_SET g on t: the key, and an alternate key for ms (alt 0: none). */
static int set_keys(struct tnl *t, uint8_t key, uint8_t alt, uint32_t ms)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_SET, 0);
	uint8_t k[TANDEM_KEY_LEN];

	tnl_put_sel(nlh, "g");
	tnl_put_key(nlh, key);
	if (alt) {
		memset(k, alt, sizeof(k));
		mnl_attr_put(nlh, TANDEM_A_GROUP_KEY_ALT, sizeof(k), k);
		mnl_attr_put_u32(nlh, TANDEM_A_GROUP_KEY_ALT_MS, ms);
	}
	return tnl_do_free(t, nlh);
}

/* TANDEM_A_GROUP_KEY_ALT_REMAINING_MS of g: -1 absent, -2 error. */
static long long alt_remaining(struct tnl *t)
{
	const struct nlattr *tb[TANDEM_A_MAX + 1];
	struct tnl_res r;
	long long ms = -2;

	if (!tnl_get(t, TANDEM_CMD_GROUP_GET, "g", 0, 0, &r, tb))
		ms = tb[TANDEM_A_GROUP_KEY_ALT_REMAINING_MS] ?
		     (long long)mnl_attr_get_u32(tb[TANDEM_A_GROUP_KEY_ALT_REMAINING_MS]) : -1;
	tnl_res_free(&r);
	return ms;
}

/* Node 3's heartbeat tagged with key fill: B accepts it under the alternate key. */
static void t_heartbeat_alt(struct __test_metadata *_metadata,
			    FIXTURE_DATA(chan) *self, uint8_t fill)
{
	struct tandem_wire_heartbeat hb = { 0 };
	struct dgram d = from_t(self, TANDEM_WIRE_HEARTBEAT,
				TANDEM_WIRE_F_PRIMARY, &hb, sizeof(hb));
	uint64_t rx = stat_of(&self->b, TANDEM_STAT_HEARTBEAT_RX);
	uint64_t alt = stat_of(&self->b, TANDEM_STAT_CHAN_AUTH_KEY_ALT);
	uint64_t tag = stat_of(&self->b, TANDEM_STAT_CHAN_DROP_TAG);
	uint8_t buf[DGRAM_MAX];

	d.key_fill = fill;
	ASSERT_EQ(0, raw_udp(self->raw, ADDR_T, PORT, ADDR_B, PORT, buf,
			     dgram_build(&d, buf)));
	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_HEARTBEAT_RX, rx + 1));
	/* A's heartbeats are under the group key: only node 3's count here. */
	EXPECT_EQ(alt + 1, stat_of(&self->b, TANDEM_STAT_CHAN_AUTH_KEY_ALT));
	EXPECT_EQ(tag, stat_of(&self->b, TANDEM_STAT_CHAN_DROP_TAG));
}

/*
 * B accepts an alternate key beside its own until the deadline, keeps it
 * while the same key is set again, and drops it with a new key; A's flow
 * under the group key goes on throughout.
 */
TEST_F(chan, key_alt)
{
	struct tandem_wire_heartbeat hb = { 0 };
	long long end, ms;
	uint64_t key0;
	struct dgram d;

	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_HEARTBEAT_RX, 2));
	key0 = stat_of(&self->b, TANDEM_STAT_CHAN_AUTH_KEY);
	EXPECT_LE(2, key0);
	EXPECT_EQ(0, stat_of(&self->b, TANDEM_STAT_CHAN_AUTH_KEY_ALT));
	EXPECT_EQ(-1, alt_remaining(&self->b));
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_PRIMARY, &hb,
		   sizeof(hb));
	d.key_fill = KEY_FILL + 1;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_TAG, ADDR_T, PORT,
		    &d, "another key, before it is the alternate key");

	ASSERT_EQ(0, set_keys(&self->b, KEY_FILL, KEY_FILL + 1, 2000));
	ms = alt_remaining(&self->b);
	EXPECT_TRUE(ms >= 1 && ms <= 2000) TH_LOG("remaining %lld ms", ms);
	t_heartbeat_alt(_metadata, self, KEY_FILL + 1);
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_PRIMARY, &hb,
		   sizeof(hb));
	d.key_fill = KEY_FILL + 2;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_TAG, ADDR_T, PORT,
		    &d, "a third key");
	/* The same key again (tandemd's reload) keeps the alternate key. */
	ASSERT_EQ(0, set_keys(&self->b, KEY_FILL, 0, 0));
	EXPECT_LE(1, alt_remaining(&self->b));
	t_heartbeat_alt(_metadata, self, KEY_FILL + 1);

	/* Past the deadline it is refused and no longer reported. */
	end = tnl_now_ms() + WAIT_MS;
	while (alt_remaining(&self->b) != -1 && tnl_now_ms() < end)
		usleep(50000);
	ASSERT_EQ(-1, alt_remaining(&self->b));
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_PRIMARY, &hb,
		   sizeof(hb));
	d.key_fill = KEY_FILL + 1;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_TAG, ADDR_T, PORT,
		    &d, "the alternate key past its deadline");

	/* A new key without an alternate one drops the alternate key. */
	ASSERT_EQ(0, set_keys(&self->b, KEY_FILL, KEY_FILL + 1, 600000));
	t_heartbeat_alt(_metadata, self, KEY_FILL + 1);
	ASSERT_EQ(0, set_keys(&self->b, KEY_FILL + 3, 0, 0));
	EXPECT_EQ(-1, alt_remaining(&self->b));
	/* Back to A's key (A's datagrams meanwhile failed the tag check). */
	ASSERT_EQ(0, set_keys(&self->b, KEY_FILL, 0, 0));
	EXPECT_EQ(-1, alt_remaining(&self->b));
	d = from_t(self, TANDEM_WIRE_HEARTBEAT, TANDEM_WIRE_F_PRIMARY, &hb,
		   sizeof(hb));
	d.key_fill = KEY_FILL + 1;
	check_dgram(_metadata, self, TANDEM_STAT_CHAN_DROP_TAG, ADDR_T, PORT,
		    &d, "the alternate key after a new key");
	key0 = stat_of(&self->b, TANDEM_STAT_CHAN_AUTH_KEY);
	ASSERT_TRUE(wait_stat(&self->b, TANDEM_STAT_CHAN_AUTH_KEY, key0 + 2))
		TH_LOG("A's flow under the group key stopped");
}

/* ---- sockets ---- */

/* Binds a UDP socket to addr:port (addr need not be local); fd or -errno. */
static int udp_bind(const char *addr, uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1, err;

	if (fd < 0)
		return -errno;
	inet_pton(AF_INET, addr, &sin.sin_addr);
	setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Is addr:port free for a socket of ours? */
static bool port_free(const char *addr, uint16_t port)
{
	int fd = udp_bind(addr, port);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static int repl_group(struct tnl *t, const char *name, uint32_t id,
		      const char *vip, const char *addr, uint16_t port,
		      struct tnl_res *r)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_NEW, 0);

	tnl_put_group(nlh, name, id, vip, 1);
	tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, addr);
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_REPL_PORT, port);
	return tnl_do(t, nlh, r);
}

static int set_port(struct tnl *t, const char *name, uint16_t port,
		    struct tnl_res *r)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_SET, 0);

	tnl_put_sel(nlh, name);
	mnl_attr_put_u16(nlh, TANDEM_A_GROUP_REPL_PORT, port);
	tnl_put_key(nlh, 7);
	return tnl_do(t, nlh, r);
}

static int del_group(struct tnl *t, const char *name)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_DEL, 0);

	tnl_put_sel(nlh, name);
	return tnl_do_free(t, nlh);
}

/* A group holds its address and port; changes and deletion free them. */
TEST_F(stats, socket_follows_group)
{
	struct tnl_res r;
	int fd;

	ASSERT_TRUE(port_free("10.77.0.1", 7600));
	ASSERT_EQ(0, repl_group(&self->t, "g", 1, "192.0.2.1", "10.77.0.1",
				7600, &r));
	tnl_res_free(&r);
	ASSERT_FALSE(port_free("10.77.0.1", 7600));
	ASSERT_EQ(0, set_port(&self->t, "g", 7601, &r));
	tnl_res_free(&r);
	ASSERT_TRUE(port_free("10.77.0.1", 7600));
	ASSERT_FALSE(port_free("10.77.0.1", 7601));

	/* Taken: the change is refused and changes nothing. */
	fd = udp_bind("10.77.0.1", 7602);
	ASSERT_LE(0, fd);
	set_port(&self->t, "g", 7602, &r);
	ASSERT_RES(r, -EADDRINUSE, "in use");
	tnl_res_free(&r);
	ASSERT_FALSE(port_free("10.77.0.1", 7601));
	repl_group(&self->t, "h", 2, "192.0.2.2", "10.77.0.1", 7602, &r);
	ASSERT_RES(r, -EADDRINUSE, "in use");
	tnl_res_free(&r);
	ASSERT_EQ(1, tnl_count(&self->t, TANDEM_CMD_GROUP_GET, NULL));
	close(fd);

	ASSERT_EQ(0, del_group(&self->t, "g"));
	ASSERT_TRUE(port_free("10.77.0.1", 7601));
}

/* Groups on the same address and port share a socket. */
TEST_F(stats, shared_socket)
{
	struct tnl_res r;

	ASSERT_EQ(0, repl_group(&self->t, "g", 1, "192.0.2.1", "10.77.0.1",
				7600, &r));
	tnl_res_free(&r);
	ASSERT_EQ(0, repl_group(&self->t, "h", 2, "192.0.2.2", "10.77.0.1",
				7600, &r));
	tnl_res_free(&r);
	ASSERT_EQ(0, del_group(&self->t, "g"));
	ASSERT_FALSE(port_free("10.77.0.1", 7600));
	ASSERT_EQ(0, del_group(&self->t, "h"));
	ASSERT_TRUE(port_free("10.77.0.1", 7600));
}

TEST_HARNESS_MAIN
