// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tandem's tc programs on crafted segments, run by the
 * build host's kernel with BPF_PROG_TEST_RUN (no VM, no device): sequence
 * translation across the 32-bit wrap, SACK blocks, timestamps (also at odd
 * offsets), ACK and window clamping, stealing and passing, mirroring and
 * what is not mirrored, the handshake's learning, a reused 4-tuple, the
 * backup's clamp to a real socket's snd_nxt. Every rewritten segment's
 * TCP checksum is checked. Each test runs in its own network namespace.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "pkt.h"
#include "tandem_bpf.h"
#include "tandem.skel.h"

#define VIP	htonl(0x0a000064)	/* 10.0.0.100 */
#define CLIENT	htonl(0x0a000001)	/* 10.0.0.1 */
#define OTHER	htonl(0x0a000063)	/* 10.0.0.99: no group */
#define SVC	80
#define CPORT	40000
#define LO	1

struct run {
	int ret;
	uint8_t out[PKT_MAX];
	uint32_t len;
};

FIXTURE(dp) {
	struct tandem_bpf *skel;
	int in, out, repl;
	uint8_t pkt[PKT_MAX];
	uint8_t opts[40];
	struct run r;
};

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	if (fd < 0)
		return -errno;
	err = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!err)
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	err = err ? -errno : 0;
	close(fd);
	return err;
}

/* main() skipped everything already where the kernel cannot run BPF. */
FIXTURE_SETUP(dp)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET)) TH_LOG("unshare: %s", strerror(errno));
	ASSERT_EQ(0, lo_up());
	self->skel = tandem_bpf__open_and_load();
	ASSERT_NE(NULL, self->skel) TH_LOG("tandem_bpf__open_and_load: %s",
					   strerror(errno));
	self->in = bpf_program__fd(self->skel->progs.tandem_client_in);
	self->out = bpf_program__fd(self->skel->progs.tandem_client_out);
	self->repl = bpf_program__fd(self->skel->progs.tandem_repl_in);
}

FIXTURE_TEARDOWN(dp)
{
	tandem_bpf__destroy(self->skel);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The group of VIP @vip with @role, a lease 10 s ahead (or lapsed). */
static void set_group(struct tandem_bpf *skel, uint32_t vip, uint32_t role,
		      int lapsed, uint32_t flags, uint32_t mirror)
{
	struct tandem_bpf_group g = {
		.role = role,
		.node_id = 1,
		.epoch = 1,
		.lease_expiry_ns = lapsed ? mono_ns() - 1 : mono_ns() + 10000000000ULL,
		.vip = vip,
		.flags = flags | TANDEM_BPF_GROUP_F_INSECURE_TEST,
		.mirror_ifindex = { mirror },
		.mirror_mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		.repl_ifindex = { LO },
	};
	struct tandem_bpf_svc_key k = { .vip = vip, .port = htons(SVC) };
	struct tandem_bpf_service sv = {};

	bpf_map__update_elem(skel->maps.tandem_groups, &vip, sizeof(vip), &g,
			     sizeof(g), BPF_ANY);
	bpf_map__update_elem(skel->maps.tandem_services, &k, sizeof(k), &sv,
			     sizeof(sv), BPF_ANY);
}

static struct tandem_bpf_conn_key conn_key(uint32_t caddr, uint32_t vip,
					   uint16_t cport, uint16_t vport)
{
	struct tandem_bpf_conn_key k = {
		.caddr = caddr, .vip = vip,
		.cport = htons(cport), .vport = htons(vport),
	};
	return k;
}

static int get_conn(struct tandem_bpf *skel, struct tandem_bpf_conn *c)
{
	struct tandem_bpf_conn_key k = conn_key(CLIENT, VIP, CPORT, SVC);

	return bpf_map__lookup_elem(skel->maps.tandem_conns, &k, sizeof(k), c,
				    sizeof(*c), 0);
}

static void put_conn(struct tandem_bpf *skel, const struct tandem_bpf_conn *c)
{
	struct tandem_bpf_conn_key k = conn_key(CLIENT, VIP, CPORT, SVC);

	bpf_map__update_elem(skel->maps.tandem_conns, &k, sizeof(k), c,
			     sizeof(*c), BPF_ANY);
}

static uint64_t stat(struct tandem_bpf *skel, enum tandem_bpf_stat s)
{
	int n = libbpf_num_possible_cpus(), i;
	uint64_t v[n > 0 ? n : 1], sum = 0;
	uint32_t key = s;

	if (bpf_map__lookup_elem(skel->maps.tandem_stats, &key, sizeof(key), v,
				 sizeof(v), 0))
		return ~0ULL;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/* Runs @fd on @len bytes of @pkt arriving on @ifindex. */
static int run(int fd, const uint8_t *pkt, size_t len, uint32_t ifindex,
	       struct run *r)
{
	struct __sk_buff ctx = { .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = pkt, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &o);

	r->ret = o.retval;
	r->len = o.data_size_out;
	return err;
}

/* run() for a GSO skb of @gso_size segments (a TSO or GRO super-segment). */
static int run_gso(int fd, const uint8_t *pkt, size_t len, uint32_t gso_size,
		   struct run *r)
{
	struct __sk_buff ctx = { .ingress_ifindex = LO, .gso_size = gso_size,
				 .gso_segs = (len - TH) / gso_size + 1 };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = pkt, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &o);

	r->ret = o.retval;
	r->len = o.data_size_out;
	return err;
}

/* A segment from the client to VIP:SVC (in) or back (!in). */
static struct seg cseg(int in, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct seg s = {
		.saddr = in ? CLIENT : VIP, .daddr = in ? VIP : CLIENT,
		.sport = in ? CPORT : SVC, .dport = in ? SVC : CPORT,
		.seq = seq, .ack = ack, .flags = flags, .win = 1000,
	};
	return s;
}

/* Segments that are not tandem's pass every program untouched. */
TEST_F(dp, untouched)
{
	struct seg s[3];
	size_t len;
	int i, j, progs[3] = { self->in, self->out, self->repl };

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, 0);
	s[0] = cseg(1, 1, 2, F_ACK);
	s[0].dport = 9999;		/* not a service */
	s[1] = cseg(0, 1, 2, F_ACK);
	s[1].sport = 9999;
	s[2] = cseg(1, 1, 2, F_ACK);
	s[2].daddr = OTHER;		/* not a VIP */
	for (i = 0; i < 3; i++) {
		s[i].payload = 100;
		len = build(self->pkt, &s[i]);
		for (j = 0; j < 3; j++) {
			if (j == 2 && i != 2)
				continue;	/* repl_in drops non-mirror VIP traffic */
			ASSERT_EQ(0, run(progs[j], self->pkt, len, LO, &self->r));
			EXPECT_EQ(TC_ACT_OK, self->r.ret);
			ASSERT_EQ(len, self->r.len);
			EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
		}
	}
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
}

/* Primary: seq and TSval from local to wire space across the wrap. */
TEST_F(dp, primary_translate_wrap)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_TS |
			 TANDEM_BPF_CONN_F_WIRE | TANDEM_BPF_CONN_F_LOCAL,
		.seq_delta = 0x100, .ts_delta = 0x1000, .client_isn = 5000,
	};
	uint32_t edges[2] = { 7000, 7100 };
	struct seg s = cseg(0, 0x50, 6000, F_ACK | F_PSH);
	size_t len, o, odd;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0,
		  TANDEM_BPF_GROUP_F_NOCLAMP, LO);
	put_conn(self->skel, &c);
	for (odd = 0; odd < 2; odd++) {
		s.opts = self->opts;
		s.optlen = odd ? opt_ts_odd(self->opts, 0x800, 0x77) :
				 opt_ts(self->opts, 0x800, 0x77);
		s.optlen += opt_sack(self->opts + s.optlen, edges, 1);
		s.payload = 1000;
		len = build(self->pkt, &s);
		ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
		EXPECT_EQ(TC_ACT_OK, self->r.ret);
		EXPECT_EQ(0xffffff50, seg_seq(self->r.out));
		EXPECT_EQ(6000, seg_ack(self->r.out));
		o = seg_opt(self->r.out, 8);
		ASSERT_NE(0, o);
		EXPECT_EQ(odd, o & 1);
		EXPECT_EQ(0xfffff800, get32(self->r.out + o));
		EXPECT_EQ(0x77, get32(self->r.out + o + 4));	/* client's space */
		o = seg_opt(self->r.out, 5);
		ASSERT_NE(0, o);
		EXPECT_EQ(7000, get32(self->r.out + o));	/* client's space */
		EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
		EXPECT_EQ(0, memcmp(self->pkt + TH + 20 + s.optlen,
				    self->r.out + TH + 20 + s.optlen, 1000));
	}
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_TRANSLATED));
}

/* Backups 2 and 3 reported these (0, 0, 0, 0: none reported). */
static void set_peers(struct tandem_bpf *skel, uint32_t rcv0, uint32_t edge0,
		      uint32_t rcv1, uint32_t edge1)
{
	struct tandem_bpf_conn_key k = conn_key(CLIENT, VIP, CPORT, SVC);
	struct tandem_bpf_progress pr = {
		.peers = { { 2, rcv0, edge0, 0 }, { 3, rcv1, edge1, 0 } },
	};

	if (!rcv0 && !edge0 && !rcv1 && !edge1) {
		bpf_map__delete_elem(skel->maps.tandem_progress, &k, sizeof(k), 0);
		return;
	}
	bpf_map__update_elem(skel->maps.tandem_progress, &k, sizeof(k), &pr,
			     sizeof(pr), BPF_ANY);
}

/* Primary: ACK, SACK and window clamped to the backups' progress. */
TEST_F(dp, primary_clamp)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_WIRE |
			 TANDEM_BPF_CONN_F_LOCAL,
		.client_isn = 499,
	};
	uint32_t edges[2] = { 900, 1000 };
	struct seg s = cseg(0, 7, 1200, F_ACK);
	struct tandem_bpf_conn got;
	size_t len;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, LO);

	/* ack lowered to the smallest rcv_nxt, SACK beyond it stripped */
	set_peers(self->skel, 1000, 5000, 800, 6000);
	put_conn(self->skel, &c);
	s.opts = self->opts;
	s.optlen = opt_sack(self->opts, edges, 1);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(800, seg_ack(self->r.out));
	EXPECT_EQ(1000, seg_win(self->r.out));	/* edge 1800: below 5000 */
	EXPECT_EQ(0, seg_opt(self->r.out, 5));
	EXPECT_EQ(0, memcmp(self->r.out + TH + 20, "\1\1\1\1\1\1\1\1\1\1\1\1", 12));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_CLAMPED));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_SACK_STRIPPED));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(800, got.ack_sent);
	EXPECT_EQ(1800, got.edge_sent);

	/* the window's right edge lowered to the smallest edge */
	s.optlen = 0;
	s.win = 10000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(800, seg_ack(self->r.out));
	EXPECT_EQ(5000 - 800, seg_win(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_WIN_CLAMPED));

	/* never below an edge already advertised */
	ASSERT_EQ(0, get_conn(self->skel, &got));
	got.edge_sent = 6000;
	put_conn(self->skel, &got);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(6000 - 800, seg_win(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));

	/* across the wrap: 0xfffffff0 is before 0x10 */
	set_peers(self->skel, 0xfffffff0, 0x5000, 0x20, 0x6000);
	c.flags &= ~TANDEM_BPF_CONN_F_SENT;
	put_conn(self->skel, &c);
	s = cseg(0, 7, 0x10, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(0xfffffff0, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	/* an ACK already below the clamp is left alone */
	s.ack = 0xffffff00;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));

	/* no backup reported yet: nothing beyond the client's SYN */
	set_peers(self->skel, 0, 0, 0, 0);
	put_conn(self->skel, &c);
	s.ack = 1200;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(500, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
}

/* Not the live primary: the VIP's output is stolen, never dropped. */
TEST_F(dp, steal)
{
	struct seg s = cseg(0, 3000, 701, F_SYN | F_ACK);
	struct tandem_bpf_conn c = { .client_isn = 700,
				     .flags = TANDEM_BPF_CONN_F_WS }, got;
	size_t len, o;
	int i;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	put_conn(self->skel, &c);

	/* its SYN-ACK gives the backup its local ISN, TSval, wscale */
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x1234, 0x99);
	s.optlen += opt_ws(self->opts + s.optlen, 7);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(3000, got.local_isn);
	EXPECT_EQ(0x1234, got.local_ts);
	EXPECT_EQ(7, got.wscale);
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_LOCAL);

	/*
	 * Data acknowledging more than it reported: its report to the
	 * primary, trimmed to the headers, node id in the IP ID, the right
	 * edge as seq, redirected to the replication device.
	 */
	s = cseg(0, 3001, 1701, F_ACK | F_PSH);
	s.payload = 500;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	ASSERT_EQ(TH + 20, self->r.len);
	EXPECT_EQ(0, memcmp(self->r.out, "\xff\xff\xff\xff\xff\xff", 6));
	EXPECT_EQ(IP_LEN + 20, get16(self->r.out + ETH_LEN + 2));
	EXPECT_EQ(1, get16(self->r.out + ETH_LEN + 4));		/* node 1 */
	EXPECT_EQ(0xffff, fold(sum16(self->r.out + ETH_LEN, IP_LEN, 0)));
	EXPECT_EQ(1701, seg_ack(self->r.out));
	EXPECT_EQ(1701 + (1000 << 7), seg_seq(self->r.out));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_REPORT_SENT));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(1701, got.rcv_nxt);
	EXPECT_EQ(1701 + (1000 << 7), got.rcv_edge);
	/* nothing new to report: stolen */
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);

	/* a reset from the VIP to any port is stolen; other ports pass */
	s = cseg(0, 1, 0, F_RST);
	s.sport = 9999;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);
	s.flags = F_ACK;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_STOLEN));

	/* fenced, and a primary whose lease lapsed: stolen too */
	s = cseg(0, 3001, 1701, F_ACK);
	len = build(self->pkt, &s);
	for (i = 0; i < 2; i++) {
		set_group(self->skel, VIP, i ? TANDEM_BPF_ROLE_PRIMARY :
				      TANDEM_BPF_ROLE_FENCED, i, 0, 0);
		ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
		EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);
	}
	EXPECT_EQ(3, stat(self->skel, TANDEM_BPF_STAT_FENCED_DROPPED));
	/* and what comes from the network to the VIP is dropped */
	s = cseg(1, 1701, 3001, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	(void)o;
}

/* Backup: ack, SACK blocks and TSecr into local space across the wrap. */
TEST_F(dp, backup_translate_wrap)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_TS |
			 TANDEM_BPF_CONN_F_WIRE | TANDEM_BPF_CONN_F_LOCAL |
			 TANDEM_BPF_CONN_F_ESTAB,
		.seq_delta = 0x200, .ts_delta = 0x30,
	};
	uint32_t edges[4] = { 0xffffff10, 0xffffff80, 0xfffffff0, 0x40 };
	struct seg s = cseg(1, 123456, 0xffffff00, F_ACK | F_PSH);
	size_t len, o;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	put_conn(self->skel, &c);
	s.opts = self->opts;
	s.optlen = opt_ts_odd(self->opts, 0x5555, 0xffffffe0);
	s.optlen += opt_sack(self->opts + s.optlen, edges, 2);
	s.payload = 700;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(123456, seg_seq(self->r.out));	/* the client's space */
	EXPECT_EQ(0x100, seg_ack(self->r.out));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x5555, get32(self->r.out + o));
	EXPECT_EQ(0x10, get32(self->r.out + o + 4));
	o = seg_opt(self->r.out, 5);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x110, get32(self->r.out + o));
	EXPECT_EQ(0x180, get32(self->r.out + o + 4));
	EXPECT_EQ(0x1f0, get32(self->r.out + o + 8));
	EXPECT_EQ(0x240, get32(self->r.out + o + 12));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));

	/* only from a replication device, only to a service, only a backup */
	ASSERT_EQ(0, run(self->repl, self->pkt, len, 77, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	s.dport = 9999;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_FENCED, 0, 0, 0);
	s.dport = SVC;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(3, stat(self->skel, TANDEM_BPF_STAT_NOT_REPL));
}

/*
 * Backup: the handshake. The mirrored SYN opens an entry, the local SYN-ACK
 * gives the local ISN and TSval, the client's ACK the wire ones; a new SYN
 * on the same 4-tuple starts over.
 */
TEST_F(dp, backup_handshake)
{
	struct seg s = cseg(1, 0xfffffff0, 0, F_SYN);
	struct tandem_bpf_conn got;
	size_t len, o;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 100, 0);
	s.optlen += opt_ws(self->opts + s.optlen, 7);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0xfffffff0, got.client_isn);
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_TS);
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_WS);

	/* a segment before the deltas are known cannot be translated */
	s = cseg(1, 0xfffffff1, 0x1001, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_NO_DELTA));

	s = cseg(0, 0x80000000, 0xfffffff1, F_SYN | F_ACK);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x7000, 100);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_STOLEN, self->r.ret);

	/* the client's ACK of the primary's SYN-ACK (ISN 0x1000, TSval 0x50) */
	s = cseg(1, 0xfffffff1, 0x1001, F_ACK);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 101, 0x50);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0x80000001, seg_ack(self->r.out));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x7000, get32(self->r.out + o + 4));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0x1000, got.wire_isn);
	EXPECT_EQ(0x80000000 - 0x1000, got.seq_delta);
	EXPECT_EQ(0x7000 - 0x50, got.ts_delta);

	/* a new SYN on the reused 4-tuple: a fresh entry, no old deltas */
	s = cseg(1, 0x12345678, 0, F_SYN);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0x12345678, got.client_isn);
	EXPECT_EQ(0, got.flags & (TANDEM_BPF_CONN_F_DELTA |
				  TANDEM_BPF_CONN_F_LOCAL));
	EXPECT_EQ(0, got.seq_delta);
	/* its retransmission keeps the entry */
	got.local_isn = 42;
	got.flags |= TANDEM_BPF_CONN_F_LOCAL;
	put_conn(self->skel, &got);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(42, got.local_isn);
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_NEW_CONN));
}

/* GSO super-segments, FIN and RST through each program. */
TEST_F(dp, gso_fin_rst)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_WIRE |
			 TANDEM_BPF_CONN_F_LOCAL | TANDEM_BPF_CONN_F_ESTAB,
		.seq_delta = 0x10, .client_isn = 99,
	}, got;
	struct seg s = cseg(0, 0x1000, 500, F_ACK | F_FIN);
	size_t len;

	/* primary: a TSO skb of 3 segments with a FIN, translated whole */
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0,
		  TANDEM_BPF_GROUP_F_NOCLAMP, LO);
	put_conn(self->skel, &c);
	s.payload = 3000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run_gso(self->out, self->pkt, len, 1000, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(len, self->r.len);
	EXPECT_EQ(0x1000 - 0x10, seg_seq(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(0, memcmp(self->pkt + TH + 20, self->r.out + TH + 20, 3000));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_FIN);

	/*
	 * The client's FIN and RST: mirrored like any segment. (Not as a GSO
	 * skb here: BPF_PROG_TEST_RUN's have no gso_type, which
	 * bpf_clone_redirect refuses; bpf_stream_test mirrors real ones.)
	 */
	s = cseg(1, 100, 0x1000 - 0x10, F_ACK | F_FIN);
	s.payload = 1400;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	s = cseg(1, 1501, 0, F_RST);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_RST);

	/* backup: a report from a TSO skb is trimmed to its headers */
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	c.flags = TANDEM_BPF_CONN_F_LOCAL;
	put_conn(self->skel, &c);
	s = cseg(0, 0x1000, 500, F_ACK);
	s.payload = 3000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run_gso(self->out, self->pkt, len, 1000, &self->r));
	EXPECT_EQ(TC_ACT_REDIRECT, self->r.ret);
	EXPECT_EQ(TH + 20, self->r.len);

	/* a client's RST before the deltas are known: passed as it is */
	s = cseg(1, 100, 0, F_RST);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
	/* with them, a RST|ACK has its ack translated */
	c.flags |= TANDEM_BPF_CONN_F_DELTA;
	put_conn(self->skel, &c);
	s = cseg(1, 100, 0xfffffff8, F_RST | F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0x8, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_TRUE(got.flags & TANDEM_BPF_CONN_F_RST);
}

/*
 * A primary that took a connection over (deltas not 0): the client's own
 * segments into its space, its output into the wire's, its TSval moved
 * past the largest the client echoed (PAWS).
 */
TEST_F(dp, takeover)
{
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_WIRE |
			 TANDEM_BPF_CONN_F_LOCAL | TANDEM_BPF_CONN_F_ESTAB |
			 TANDEM_BPF_CONN_F_TS | TANDEM_BPF_CONN_F_TSECR,
		.seq_delta = 0x1000, .ts_delta = 0x500, .max_tsecr = 0x2000,
	}, got;
	struct seg s = cseg(1, 777, 0xfffff800, F_ACK);
	size_t len, o;

	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, 0);
	put_conn(self->skel, &c);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x3333, 0x1f00);
	s.payload = 10;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0x800, seg_ack(self->r.out));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x1f00 + 0x500, get32(self->r.out + o + 4));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(0, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));

	/* its own TSval 0x2000 would be 0x1b00 on the wire: behind 0x2000 */
	s = cseg(0, 0x1100, 778, F_ACK);
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x2000, 0x3333);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0x100, seg_seq(self->r.out));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x2000, get32(self->r.out + o));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(0, got.ts_delta);
}

/* A raw socket that sees what leaves on lo. */
static int lo_sniffer(void)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = LO,
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Clones seen leaving on lo since the last call; the last one in @buf. */
static int clones(int fd, uint8_t *buf)
{
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	uint8_t tmp[PKT_MAX];
	int n = 0;

	while (recvfrom(fd, tmp, sizeof(tmp), 0, (struct sockaddr *)&from,
			&fl) > 0) {
		if (from.sll_pkttype == PACKET_OUTGOING) {
			memcpy(buf, tmp, sizeof(tmp));
			n++;
		}
		fl = sizeof(from);
	}
	return n;
}

/* Primary: what is cloned to the replication device, and what is not. */
TEST_F(dp, primary_mirror)
{
	struct seg s = cseg(1, 700, 0, F_SYN);
	struct tandem_bpf_conn got;
	uint8_t clone[PKT_MAX];
	int sn = lo_sniffer();
	size_t len;

	ASSERT_LE(0, sn);
	set_group(self->skel, VIP, TANDEM_BPF_ROLE_PRIMARY, 0, 0, LO);

	/* the SYN: mirrored to the broadcast MAC, the original unchanged */
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
	EXPECT_EQ(1, clones(sn, clone));
	EXPECT_EQ(0, memcmp(clone, "\xff\xff\xff\xff\xff\xff", 6));
	EXPECT_EQ(0, memcmp(clone + 6, self->pkt + 6, len - 6));

	/* the primary's SYN-ACK fixes the wire space */
	s = cseg(0, 5000, 701, F_SYN | F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->out, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	ASSERT_EQ(0, get_conn(self->skel, &got));
	EXPECT_EQ(5000, got.wire_isn);
	EXPECT_EQ(0, got.seq_delta);

	/* a handshake ACK of another ISN: passed, not mirrored */
	s = cseg(1, 701, 9999, F_ACK);
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, clones(sn, clone));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_HANDSHAKE_BAD));

	/* the right one, then data over several checksum chunks */
	s.ack = 5001;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(1, clones(sn, clone));
	s.flags |= F_PSH;
	s.payload = 1401;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(1, clones(sn, clone));
	EXPECT_EQ(0, memcmp(clone + 6, self->pkt + 6, len - 6));

	/* a bad checksum: passed (the stack drops it), not mirrored */
	s.bad_csum = 1;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, clones(sn, clone));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_CSUM_BAD));

	/* a connection that was not opened through the mirror */
	s = cseg(1, 1, 1, F_ACK);
	s.sport = CPORT + 1;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->in, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(0, clones(sn, clone));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_NO_CONN));
	EXPECT_EQ(3, stat(self->skel, TANDEM_BPF_STAT_MIRRORED));
	close(sn);
}

/* A queue's sequence through TCP_REPAIR: snd_nxt or rcv_nxt when idle. */
static int queue_seq(int fd, int q, uint32_t *seq)
{
	int on = 1, off = -1; /* TCP_REPAIR_OFF_NO_WP */
	socklen_t l = sizeof(*seq);
	int err;

	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)))
		return -errno;
	err = getsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, seq, &l) ? -errno : 0;
	setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off));
	return err;
}

/* Backup: a client ACK beyond the shadow socket's snd_nxt is clamped to it. */
TEST_F(dp, backup_clamp_snd_nxt)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_ESTAB,
	};
	struct tandem_bpf_conn_key k;
	socklen_t al = sizeof(a);
	uint16_t sport, cport;
	int lfd, cfd, sfd;
	uint32_t nxt;
	struct seg s;
	size_t len;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&a, &al));
	sport = ntohs(a.sin_port);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&a, sizeof(a)));
	sfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, getsockname(cfd, (struct sockaddr *)&a, &al));
	cport = ntohs(a.sin_port);
	ASSERT_EQ(0, queue_seq(sfd, TCP_SEND_QUEUE, &nxt));

	set_group(self->skel, htonl(INADDR_LOOPBACK), TANDEM_BPF_ROLE_BACKUP,
		  0, 0, 0);
	k = conn_key(htonl(INADDR_LOOPBACK), htonl(INADDR_LOOPBACK), cport, SVC);
	k.vport = htons(sport);
	{
		struct tandem_bpf_svc_key sk = { .vip = htonl(INADDR_LOOPBACK),
						 .port = htons(sport) };
		struct tandem_bpf_service sv = {};

		bpf_map__update_elem(self->skel->maps.tandem_services, &sk,
				     sizeof(sk), &sv, sizeof(sv), BPF_ANY);
	}
	bpf_map__update_elem(self->skel->maps.tandem_conns, &k, sizeof(k), &c,
			     sizeof(c), BPF_ANY);
	s = (struct seg){ .saddr = htonl(INADDR_LOOPBACK),
			  .daddr = htonl(INADDR_LOOPBACK), .sport = cport,
			  .dport = sport, .seq = 1, .ack = nxt + 1000,
			  .flags = F_ACK, .win = 100 };
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(nxt, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_CLAMPED));
	/* far below snd_una: raised to it */
	s.ack = nxt - 100000;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(nxt, seg_ack(self->r.out));
	EXPECT_TRUE(tcp_csum_ok(self->r.out, self->r.len));
	/* right at snd_nxt: untouched */
	s.ack = nxt;
	len = build(self->pkt, &s);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(0, memcmp(self->pkt, self->r.out, len));
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_ACK_CLAMPED));
	close(sfd);
	close(cfd);
	close(lfd);
}

/* A connection on 127.0.0.1: the listener, the client, the server side. */
struct lconn {
	int lfd, cfd, sfd;
	uint16_t sport, cport;
};

static int lconn_open(struct lconn *l)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	l->lfd = socket(AF_INET, SOCK_STREAM, 0);
	l->cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(l->lfd, (struct sockaddr *)&a, sizeof(a)) || listen(l->lfd, 1) ||
	    getsockname(l->lfd, (struct sockaddr *)&a, &al))
		return -1;
	l->sport = ntohs(a.sin_port);
	if (connect(l->cfd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	l->sfd = accept(l->lfd, NULL, NULL);
	if (l->sfd < 0 || getsockname(l->cfd, (struct sockaddr *)&a, &al))
		return -1;
	l->cport = ntohs(a.sin_port);
	return 0;
}

/*
 * Primary: a backup's report updates the connection's progress; when it
 * opens the clamp, it becomes a segment from the client repeating its last
 * byte, which makes the primary's stack ACK at once.
 */
TEST_F(dp, primary_report_kick)
{
	uint32_t lo = htonl(INADDR_LOOPBACK), rnxt, una;
	struct tandem_bpf_conn c = {
		.flags = TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_SENT |
			 TANDEM_BPF_CONN_F_CWIN | TANDEM_BPF_CONN_F_TS,
		.client_win = 777, .max_tsval = 0x4444, .last_tsval = 0x100,
		.ts_delta = 0x10,
	};
	struct tandem_bpf_svc_key sk = { .vip = lo };
	struct tandem_bpf_service sv = {};
	struct tandem_bpf_progress pr;
	struct tandem_bpf_conn_key k;
	struct lconn l;
	struct seg s;
	size_t len, o;

	ASSERT_EQ(0, lconn_open(&l));
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_RECV_QUEUE, &rnxt));
	ASSERT_EQ(0, queue_seq(l.sfd, TCP_SEND_QUEUE, &una));
	set_group(self->skel, lo, TANDEM_BPF_ROLE_PRIMARY, 0, 0, LO);
	sk.port = htons(l.sport);
	bpf_map__update_elem(self->skel->maps.tandem_services, &sk, sizeof(sk),
			     &sv, sizeof(sv), BPF_ANY);
	k = conn_key(lo, lo, l.cport, l.sport);
	c.ack_sent = rnxt - 10;
	bpf_map__update_elem(self->skel->maps.tandem_conns, &k, sizeof(k), &c,
			     sizeof(c), BPF_ANY);

	/* backup 2 has rnxt - 20: taken, the clamp does not open */
	s = (struct seg){ .saddr = lo, .daddr = lo, .sport = l.sport,
			  .dport = l.cport, .seq = rnxt + 5000, .ack = rnxt - 20,
			  .flags = F_ACK, .win = 1 };
	s.opts = self->opts;
	s.optlen = opt_ts(self->opts, 0x9999, 0x4440);
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);			/* node 2 */
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);		/* consumed */
	ASSERT_EQ(0, bpf_map__lookup_elem(self->skel->maps.tandem_progress, &k,
					  sizeof(k), &pr, sizeof(pr), 0));
	EXPECT_EQ(2, pr.peers[0].node_id);
	EXPECT_EQ(rnxt - 20, pr.peers[0].rcv_nxt);
	EXPECT_EQ(rnxt + 5000, pr.peers[0].rcv_edge);

	/* now rnxt: the kick */
	s.ack = rnxt;
	len = build(self->pkt, &s);
	set_ip_id(self->pkt, 2);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_OK, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_KICKED));
	EXPECT_EQ(2, stat(self->skel, TANDEM_BPF_STAT_REPORT_RECV));
	ASSERT_EQ(len + 1, self->r.len);
	EXPECT_EQ(l.cport, get16(self->r.out + TH));	/* from the client */
	EXPECT_EQ(l.sport, get16(self->r.out + TH + 2));
	EXPECT_EQ(rnxt - 1, seg_seq(self->r.out));	/* its last byte again */
	EXPECT_EQ(una, seg_ack(self->r.out));
	EXPECT_EQ(777, seg_win(self->r.out));
	EXPECT_EQ(F_ACK, self->r.out[TH + 13]);
	EXPECT_EQ(IP_LEN + 20 + s.optlen + 1, get16(self->r.out + ETH_LEN + 2));
	EXPECT_EQ(0xffff, fold(sum16(self->r.out + ETH_LEN, IP_LEN, 0)));
	o = seg_opt(self->r.out, 8);
	ASSERT_NE(0, o);
	EXPECT_EQ(0x4444, get32(self->r.out + o));	/* the client's TSval */
	EXPECT_EQ(0x110, get32(self->r.out + o + 4));	/* ours, local */

	/* a report from a node that is not the live primary's backup */
	set_group(self->skel, lo, TANDEM_BPF_ROLE_BACKUP, 0, 0, 0);
	ASSERT_EQ(0, run(self->repl, self->pkt, len, LO, &self->r));
	EXPECT_EQ(TC_ACT_SHOT, self->r.ret);
	EXPECT_EQ(1, stat(self->skel, TANDEM_BPF_STAT_NOT_REPL));
	close(l.sfd);
	close(l.cfd);
	close(l.lfd);
}

/*
 * Everything skips (exit 4) only where BPF cannot run: without root, or
 * on a kernel that cannot load a tc program at all. A program of ours the
 * verifier rejects is a failure.
 */
int main(int argc, char **argv)
{
	if (geteuid() != 0)
		ksft_exit_skip("needs root (BPF programs, network namespaces)\n");
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) <= 0)
		ksft_exit_skip("the kernel cannot load tc BPF programs\n");
	return test_harness_run(argc, argv);
}
