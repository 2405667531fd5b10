/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the unit tests of tandem's tc programs share: the fixture (a
 * network namespace of its own and the programs loaded), the group,
 * connection and counter helpers, running a program on a crafted segment
 * with BPF_PROG_TEST_RUN, and main() (TANDEM_TEST_MAIN).
 */
#ifndef _TANDEM_TEST_COMMON_H
#define _TANDEM_TEST_COMMON_H

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

static inline int lo_up(void)
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

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The group of VIP @vip with @role, a lease 10 s ahead (or lapsed). */
static inline void set_group(struct tandem_bpf *skel, uint32_t vip, uint32_t role,
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

/* The group of VIP @vip moved to @epoch. */
static inline void set_epoch(struct tandem_bpf *skel, uint32_t vip, uint64_t epoch)
{
	struct tandem_bpf_group g;

	if (bpf_map__lookup_elem(skel->maps.tandem_groups, &vip, sizeof(vip), &g,
				 sizeof(g), 0))
		return;
	g.epoch = epoch;
	bpf_map__update_elem(skel->maps.tandem_groups, &vip, sizeof(vip), &g,
			     sizeof(g), BPF_ANY);
}

static inline struct tandem_bpf_conn_key conn_key(uint32_t caddr, uint32_t vip,
					   uint16_t cport, uint16_t vport)
{
	struct tandem_bpf_conn_key k = {
		.caddr = caddr, .vip = vip,
		.cport = htons(cport), .vport = htons(vport),
	};
	return k;
}

static inline int get_conn(struct tandem_bpf *skel, struct tandem_bpf_conn *c)
{
	struct tandem_bpf_conn_key k = conn_key(CLIENT, VIP, CPORT, SVC);

	return bpf_map__lookup_elem(skel->maps.tandem_conns, &k, sizeof(k), c,
				    sizeof(*c), 0);
}

static inline void put_conn(struct tandem_bpf *skel, const struct tandem_bpf_conn *c)
{
	struct tandem_bpf_conn_key k = conn_key(CLIENT, VIP, CPORT, SVC);

	bpf_map__update_elem(skel->maps.tandem_conns, &k, sizeof(k), c,
			     sizeof(*c), BPF_ANY);
}

/* The test connection's progress: backup @node alone, at @rcv, @edge. */
static inline void put_progress(struct tandem_bpf *skel, uint32_t node,
				uint32_t rcv, uint32_t edge)
{
	struct tandem_bpf_conn_key k = conn_key(CLIENT, VIP, CPORT, SVC);
	struct tandem_bpf_progress pr = { .peers = { {
		.node_id = node, .rcv_nxt = rcv, .rcv_edge = edge,
		.sack_start = rcv, .sack_end = rcv,
	} } };

	bpf_map__update_elem(skel->maps.tandem_progress, &k, sizeof(k), &pr,
			     sizeof(pr), BPF_ANY);
}

static inline int get_progress(struct tandem_bpf *skel,
			       struct tandem_bpf_progress *pr)
{
	struct tandem_bpf_conn_key k = conn_key(CLIENT, VIP, CPORT, SVC);

	return bpf_map__lookup_elem(skel->maps.tandem_progress, &k, sizeof(k),
				    pr, sizeof(*pr), 0);
}

static inline uint64_t stat(struct tandem_bpf *skel, enum tandem_bpf_stat s)
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
static inline int run(int fd, const uint8_t *pkt, size_t len, uint32_t ifindex,
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
static inline int run_gso(int fd, const uint8_t *pkt, size_t len, uint32_t gso_size,
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

/* A queue's sequence through TCP_REPAIR: snd_nxt or rcv_nxt when idle. */
static inline int queue_seq(int fd, int q, uint32_t *seq)
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

/* A connection on 127.0.0.1: the listener, the client, the server side. */
struct lconn {
	int lfd, cfd, sfd;
	uint16_t sport, cport;
};

static inline int lconn_open(struct lconn *l)
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
 * The programs serve connection @l as @role on 127.0.0.1 (a primary
 * mirroring to lo): its group, its service port, entry @c. Its key.
 */
static inline struct tandem_bpf_conn_key
lconn_dp(struct tandem_bpf *skel, const struct lconn *l, uint32_t role,
	 const struct tandem_bpf_conn *c)
{
	uint32_t lo = htonl(INADDR_LOOPBACK);
	struct tandem_bpf_svc_key sk = { .vip = lo, .port = htons(l->sport) };
	struct tandem_bpf_conn_key k = conn_key(lo, lo, l->cport, l->sport);
	struct tandem_bpf_service sv = {};

	set_group(skel, lo, role, 0, 0, role == TANDEM_BPF_ROLE_PRIMARY ? LO : 0);
	bpf_map__update_elem(skel->maps.tandem_services, &sk, sizeof(sk), &sv,
			     sizeof(sv), BPF_ANY);
	bpf_map__update_elem(skel->maps.tandem_conns, &k, sizeof(k), c,
			     sizeof(*c), BPF_ANY);
	return k;
}

/* A segment from the client to VIP:SVC (in) or back (!in). */
static inline struct seg cseg(int in, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct seg s = {
		.saddr = in ? CLIENT : VIP, .daddr = in ? VIP : CLIENT,
		.sport = in ? CPORT : SVC, .dport = in ? SVC : CPORT,
		.seq = seq, .ack = ack, .flags = flags, .win = 1000,
	};
	return s;
}

/*
 * Everything skips (exit 4) only where BPF cannot run: without root, or
 * on a kernel that cannot load a tc program at all. A program of ours the
 * verifier rejects is a failure.
 */
#define TANDEM_TEST_MAIN							\
int main(int argc, char **argv)	\
{	\
	if (geteuid() != 0)	\
		ksft_exit_skip("needs root (BPF programs, network namespaces)\n");	\
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) <= 0)	\
		ksft_exit_skip("the kernel cannot load tc BPF programs\n");	\
	return test_harness_run(argc, argv);	\
}

#endif /* _TANDEM_TEST_COMMON_H */
