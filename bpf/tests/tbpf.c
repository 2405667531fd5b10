// SPDX-License-Identifier: GPL-2.0
/*
 * tbpf: loads, attaches and configures tandem's tc programs for the host
 * tests, through the loader tandemd's bpf backend uses (bpf/loader.c). Maps
 * and programs are pinned under DIR (a bpffs mount); the commands that name
 * devices run inside the node's network namespace.
 *
 *   tbpf load DIR
 *   tbpf attach DIR DEV in|out|repl
 *   tbpf group DIR VIP ROLE LEASE_MS [mirror DEV]... [repl DEV]... [noclamp]
 *                [backups N] [hold MS] [node ID] [epoch E (1)] [insecure]
 *   tbpf service DIR VIP PORT
 *   tbpf show DIR VIP                   the group entry: "role=R epoch=E
 *       lease_ms=L node=N [insecure] mirrors=M repls=R" (L: ms left, negative once
 *       lapsed; M, R: device names, comma-separated, "-" for none)
 *   tbpf stats DIR                      "name value" per counter
 *   tbpf insns DIR                      "program N": instructions the verifier
 *       processed for each program
 *   tbpf conns DIR                      one line per connection entry:
 *       CLIENT:PORT flags=F received=N (client bytes and FIN its stack
 *       acknowledged, from rcv_nxt) rcv_nxt=N local_isn=I seq_delta=D
 *       pending=N (backup: where the last clamped client ACK points, in
 *       bytes of its stack's output; 0 if none is pending)
 *   tbpf lossy DEV LOSS_PCT DUP_PCT
 *       attaches lossy.bpf.o (next to tbpf) on DEV's egress: a bad link
 *       where the kernel has no netem
 *   tbpf forge DEV DSTMAC SRC:PORT DST:PORT SEQ ACK COUNT [IPID]
 *       sends COUNT consecutive TCP segments (ACK|PSH, 100 bytes of 'X'
 *       each, from SEQ on, checksums right) out of DEV to DSTMAC:
 *       forgeries for the tests
 *
 * A replication device (repl) must be an authenticated transport, a
 * WireGuard device, unless the group is marked `insecure`
 * (TANDEM_BPF_GROUP_F_INSECURE_TEST: the tests' veths), as tandemd's
 * backend checks too (tbpf_group_set): the programs cannot see a device's
 * kind. The first
 * repl device is where a backup sends its reports (the primary's).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"

static int fail(const char *what, int err)
{
	fprintf(stderr, "tbpf: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static int maps_open(const char *dir, struct tbpf_maps *m)
{
	int err = tbpf_open(dir, m);

	if (err)
		fprintf(stderr, "tbpf: %s: %s\n", dir, strerror(-err));
	return err;
}

static int cmd_load(const char *dir)
{
	int err = tbpf_load(dir, NULL);

	return err ? fail("loading and pinning the programs", err) : 0;
}

static int cmd_attach(const char *dir, const char *dev, const char *where)
{
	enum tbpf_hook hook = !strcmp(where, "in") ? TBPF_CLIENT_IN :
			      !strcmp(where, "out") ? TBPF_CLIENT_OUT :
			      TBPF_REPL_IN;
	int ifindex = if_nametoindex(dev), err;

	if (!ifindex)
		return fail(dev, errno);
	err = tbpf_attach(dir, ifindex, hook);
	return err ? fail("attaching", err) : 0;
}

static int group_args(struct tandem_bpf_group *g, int argc, char **argv)
{
	int i, nm = 0, nr = 0;

	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "noclamp")) {
			g->flags |= TANDEM_BPF_GROUP_F_NOCLAMP;
		} else if (!strcmp(argv[i], "insecure")) {
			g->flags |= TANDEM_BPF_GROUP_F_INSECURE_TEST;
		} else if (i + 1 < argc && !strcmp(argv[i], "backups")) {
			g->nbackups = atoi(argv[++i]);
		} else if (i + 1 < argc && !strcmp(argv[i], "hold")) {
			g->syn_hold_ms = strtoul(argv[++i], NULL, 0);
		} else if (i + 1 < argc && !strcmp(argv[i], "epoch")) {
			g->epoch = strtoull(argv[++i], NULL, 0);
		} else if (i + 1 < argc && !strcmp(argv[i], "node")) {
			g->node_id = strtoul(argv[++i], NULL, 0);
		} else if (i + 1 < argc && !strcmp(argv[i], "mirror") &&
			   nm < TANDEM_BPF_MAX_PEERS) {
			g->mirror_ifindex[nm] = if_nametoindex(argv[++i]);
			if (!g->mirror_ifindex[nm++])
				return fail(argv[i], errno);
		} else if (i + 1 < argc && !strcmp(argv[i], "repl") &&
			   nr < TANDEM_BPF_MAX_PEERS) {
			g->repl_ifindex[nr] = if_nametoindex(argv[++i]);
			if (!g->repl_ifindex[nr++])
				return fail(argv[i], errno);
		} else {
			return fail(argv[i], EINVAL);
		}
	}
	return 0;
}

static int cmd_group(const char *dir, int argc, char **argv)
{
	struct tandem_bpf_group g = {
		.node_id = 1, .epoch = 1,
		.mirror_mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	char name[IF_NAMESIZE];
	struct tbpf_maps m;
	int err, bad = 0;

	if (argc < 3 || inet_pton(AF_INET, argv[0], &g.vip) != 1)
		return fail("group: VIP ROLE LEASE_MS ...", EINVAL);
	g.role = !strcmp(argv[1], "primary") ? TANDEM_BPF_ROLE_PRIMARY :
		 !strcmp(argv[1], "backup") ? TANDEM_BPF_ROLE_BACKUP :
		 TANDEM_BPF_ROLE_FENCED;
	g.lease_expiry_ns = tbpf_mono_ns() + strtoull(argv[2], NULL, 0) * 1000000ULL;
	if (group_args(&g, argc, argv) || maps_open(dir, &m))
		return 1;
	err = tbpf_group_set(&m, &g, &bad);
	tbpf_close(&m);
	if (err == -EPERM) {
		fprintf(stderr, "tbpf: replication device %s is not an authenticated transport (WireGuard); only a group marked insecure may use it\n",
			if_indextoname(bad, name) ? name : "?");
		return 1;
	}
	return err ? fail("updating the group", err) : 0;
}

static void print_devs(const char *what, const __u32 *ifindex)
{
	char name[IF_NAMESIZE];
	int i, n = 0;

	printf(" %s=", what);
	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++)
		if (ifindex[i])
			printf("%s%s", n++ ? "," : "",
			       if_indextoname(ifindex[i], name) ? name : "?");
	printf("%s", n ? "" : "-");
}

static int cmd_show(const char *dir, const char *vip)
{
	struct tandem_bpf_group g;
	struct tbpf_maps m;
	struct in_addr a;
	int err;

	if (inet_pton(AF_INET, vip, &a) != 1)
		return fail(vip, EINVAL);
	if (maps_open(dir, &m))
		return 1;
	err = tbpf_group_get(&m, a.s_addr, &g);
	tbpf_close(&m);
	if (err)
		return fail("reading the group", err);
	printf("role=%s epoch=%llu lease_ms=%lld node=%u",
	       g.role == TANDEM_BPF_ROLE_PRIMARY ? "primary" :
	       g.role == TANDEM_BPF_ROLE_BACKUP ? "backup" : "fenced",
	       (unsigned long long)g.epoch,
	       g.lease_expiry_ns ? ((long long)g.lease_expiry_ns -
				    (long long)tbpf_mono_ns()) / 1000000 : 0,
	       g.node_id);
	if (g.flags & TANDEM_BPF_GROUP_F_INSECURE_TEST)
		printf(" insecure");
	print_devs("mirrors", g.mirror_ifindex);
	print_devs("repls", g.repl_ifindex);
	printf("\n");
	return 0;
}

static int cmd_service(const char *dir, const char *vip, const char *port)
{
	struct tbpf_maps m;
	struct in_addr a;
	int err;

	if (inet_pton(AF_INET, vip, &a) != 1)
		return fail(vip, EINVAL);
	if (maps_open(dir, &m))
		return 1;
	err = tbpf_service_set(&m, a.s_addr, atoi(port));
	tbpf_close(&m);
	return err ? fail("updating the service", err) : 0;
}

static int cmd_stats(const char *dir)
{
	uint64_t v[__TANDEM_BPF_STAT_MAX];
	struct tbpf_maps m;
	unsigned int k;
	int err;

	if (maps_open(dir, &m))
		return 1;
	err = tbpf_stats(&m, v);
	tbpf_close(&m);
	if (err)
		return fail("reading the counters", err);
	for (k = 0; k < __TANDEM_BPF_STAT_MAX; k++)
		printf("%s %llu\n", tbpf_stat_name(k), (unsigned long long)v[k]);
	return 0;
}

static int print_conn(const struct tandem_bpf_conn_key *k,
		      const struct tandem_bpf_conn *c, void *arg)
{
	char a[INET_ADDRSTRLEN];

	(void)arg;
	inet_ntop(AF_INET, &k->caddr, a, sizeof(a));
	printf("%s:%u flags=%#x received=%u rcv_nxt=%u local_isn=%u seq_delta=%u pending=%u\n",
	       a, ntohs(k->cport), c->flags,
	       (c->flags & TANDEM_BPF_CONN_F_REPORTED) ?
	       c->rcv_nxt - c->client_isn - 1 : 0, c->rcv_nxt, c->local_isn,
	       c->seq_delta, c->pending_ack ? c->pending_ack - c->local_isn - 1 : 0);
	return 0;
}

static int cmd_conns(const char *dir)
{
	struct tbpf_maps m;
	int err;

	if (maps_open(dir, &m))
		return 1;
	err = tbpf_conn_each(&m, print_conn, NULL);
	tbpf_close(&m);
	return err ? fail("reading the connections", err) : 0;
}

static int cmd_lossy(const char *self, const char *dev, uint32_t loss,
		     uint32_t dup)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = if_nametoindex(dev),
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 2, .priority = 2);
	uint32_t ro[2] = { loss, dup };
	char path[PATH_MAX], *slash;
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	int err;

	if (!hook.ifindex)
		return fail(dev, errno);
	if (!realpath(self, path))
		return fail(self, errno);
	slash = strrchr(path, '/');
	snprintf(slash + 1, sizeof(path) - (slash + 1 - path), "lossy.bpf.o");
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return fail(path, errno);
	map = bpf_object__find_map_by_name(obj, ".rodata");
	err = map ? bpf_map__set_initial_value(map, ro, sizeof(ro)) : -ENOENT;
	if (!err)
		err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		return fail("loading lossy.bpf.o", err);
	}
	prog = bpf_object__find_program_by_name(obj, "tandem_test_lossy");
	if (!prog) {
		bpf_object__close(obj);
		return fail("lossy.bpf.o: no tandem_test_lossy", ENOENT);
	}
	opts.prog_fd = bpf_program__fd(prog);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		bpf_object__close(obj);
		return fail("creating the clsact qdisc", err);
	}
	err = bpf_tc_attach(&hook, &opts);
	bpf_object__close(obj);
	return err ? fail("attaching", err) : 0;
}

static uint16_t csum16(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static int addr_port(const char *s, struct in_addr *a, uint16_t *port)
{
	char buf[64], *c;

	snprintf(buf, sizeof(buf), "%s", s);
	c = strchr(buf, ':');
	if (!c)
		return -1;
	*c = 0;
	*port = atoi(c + 1);
	return inet_pton(AF_INET, buf, a) == 1 ? 0 : -1;
}

static int cmd_forge(char **argv, int argc)
{
	uint8_t f[14 + 20 + 20 + 100] = {}, *ip = f + 14, *th = ip + 20, ph[12];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct in_addr sa, da;
	uint16_t sp, dp, c, id = argc > 7 ? atoi(argv[7]) : 1;
	uint32_t seq = strtoul(argv[4], NULL, 0), ack = strtoul(argv[5], NULL, 0);
	unsigned int m[6];
	int fd, i, n = atoi(argv[6]);

	if (sscanf(argv[1], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5]) != 6 || addr_port(argv[2], &sa, &sp) ||
	    addr_port(argv[3], &da, &dp))
		return fail("forge: DEV DSTMAC SRC:PORT DST:PORT SEQ ACK COUNT [IPID]", EINVAL);
	sll.sll_ifindex = if_nametoindex(argv[0]);
	if (!sll.sll_ifindex)
		return fail(argv[0], errno);
	for (i = 0; i < 6; i++)
		f[i] = sll.sll_addr[i] = m[i];
	f[6] = 0x02;			/* a made-up source MAC */
	f[11] = 0x42;
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (40 + 100) >> 8;
	ip[3] = 40 + 100;
	ip[4] = id >> 8;
	ip[5] = id;
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &sa, 4);
	memcpy(ip + 16, &da, 4);
	c = ~csum16(ip, 20, 0);
	ip[10] = c >> 8;
	ip[11] = c;
	th[0] = sp >> 8;
	th[1] = sp;
	th[2] = dp >> 8;
	th[3] = dp;
	for (i = 0; i < 4; i++) {
		th[4 + i] = seq >> (24 - 8 * i);
		th[8 + i] = ack >> (24 - 8 * i);
	}
	th[12] = 5 << 4;
	th[13] = 0x18;			/* ACK|PSH */
	th[14] = 0xff;
	th[15] = 0xff;
	memset(th + 20, 'X', 100);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	ph[10] = 0;
	ph[11] = 120;
	c = ~csum16(th, 120, csum16(ph, 12, 0));
	th[16] = c >> 8;
	th[17] = c;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (fd < 0)
		return fail("packet socket", errno);
	for (i = 0; i < n; i++) {
		if (sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll,
			   sizeof(sll)) < 0) {
			close(fd);
			return fail("sending", errno);
		}
		/* the next 100 bytes: seq + 100, checksum - 100 */
		seq += 100;
		th[4] = seq >> 24;
		th[5] = seq >> 16;
		th[6] = seq >> 8;
		th[7] = seq;
		th[16] = th[17] = 0;
		c = ~csum16(th, 120, csum16(ph, 12, 0));
		th[16] = c >> 8;
		th[17] = c;
	}
	close(fd);
	return 0;
}

/* What the verifier processed for each program (its complexity against the
 * limit of 1 000 000, per kernel). */
static int cmd_insns(const char *dir)
{
	static const char *const progs[] = {
		"tandem_client_in", "tandem_client_out", "tandem_repl_in",
	};
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd, err;

		snprintf(path, sizeof(path), "%s/%s", dir, progs[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			return fail(path, errno);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (err)
			return fail(path, errno);
		printf("%s %u\n", progs[i], info.verified_insns);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "load"))
		return cmd_load(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "attach"))
		return cmd_attach(argv[2], argv[3], argv[4]);
	if (argc >= 6 && !strcmp(argv[1], "group"))
		return cmd_group(argv[2], argc - 3, argv + 3);
	if (argc == 5 && !strcmp(argv[1], "service"))
		return cmd_service(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "show"))
		return cmd_show(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "stats"))
		return cmd_stats(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "lossy"))
		return cmd_lossy(argv[0], argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc >= 9 && !strcmp(argv[1], "forge"))
		return cmd_forge(argv + 2, argc - 2);
	if (argc == 3 && !strcmp(argv[1], "conns"))
		return cmd_conns(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "insns"))
		return cmd_insns(argv[2]);
	fprintf(stderr, "usage: see the head of bpf/tests/tbpf.c\n");
	return 2;
}
