// SPDX-License-Identifier: GPL-2.0
/*
 * tspoof: crafted client segments for the attack tests (issue 9). Run in an
 * attacker's namespace on the client's network; it learns a live connection
 * to ADDR:PORT from the client's own segments, sniffed on --sniff-dev in
 * namespace --sniff-netns (the client's switch port) or on --dev (its ISN,
 * next seq, latest ack, largest TSval, window, the MAC of the VIP), then sends forged IPv4/TCP segments with the
 * client's address and port, each field chosen relative to what it learned,
 * the TCP checksum right or deliberately wrong, from its own MAC.
 *
 * A SPEC is a comma-separated list of KEY=VALUE:
 *   seq=N    seq relative to the client's next seq (may be negative) [0]
 *   ack=N    ack relative to the client's latest ack [0]
 *   ts=N     TSval relative to the client's largest one [0]; ts=none: no
 *            timestamp option (there is none if the client sends none)
 *   opts=HEX raw TCP option bytes instead (malformed ones too), padded
 *            with zeros (EOL) to a multiple of 4, at most 40; with an
 *            explicit ts=N too, the timestamp option follows them (at most
 *            28 bytes then)
 *   flags=F  any of F S R P A U [A; PA with len]
 *   len=N    payload bytes (0xa5 ^ index) [0]
 *   csum=bad a wrong TCP checksum [ok]
 *   count=N  send it N times [1]
 *
 * Learning ends after --sniff-ms, or with --quiet-ms once the client has
 * been silent that long after its last segment (a paused client) and, with
 * --after-off N, has sent N bytes (seen from its SYN on). Prints
 * what it learned and sent as one line of JSON (with TSPOOF_DEBUG set, the
 * head of every frame read on stderr). Exit status: 0 sent, 1
 * nothing of the connection seen, 2 usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define FRAME_MAX 65600	/* GSO frames whole */
#define PAYLOAD_MAX 1400
#define SPECS_MAX 32

struct flow {
	struct in_addr daddr, saddr;
	uint16_t dport, sport;		/* host order; sport 0: not seen yet */
	uint8_t vip_mac[ETH_ALEN];
	bool isn_seen, ack_seen, ts;
	uint32_t isn, snd_nxt, ack, tsval, tsecr;
	uint16_t win;			/* raw, network order */
	unsigned int seen;
	unsigned int frames;		/* every frame read, the connection's or not */
};

struct spec {
	int64_t seq, ack, ts;
	bool no_ts, ts_set, bad_csum;
	uint8_t flags;
	uint8_t opts[40];
	unsigned int opts_len;		/* 0: the timestamp option (or none) */
	unsigned int len, count;
};

static int usage(void)
{
	fputs("Usage: tspoof --dev DEV --to ADDR:PORT [--from ADDR:PORT]\n"
	      "              [--sniff-netns NS] [--sniff-dev DEV] [--ready-file F]\n"
	      "              [--sniff-ms MS] [--quiet-ms MS [--after-off N]] SPEC...\n"
	      "SPEC: seq=N,ack=N,ts=N|none,opts=HEX,flags=FSRPAU,len=N,csum=bad,count=N\n"
	      "(seq, ack and ts relative to the client's; see the source)\n", stderr);
	return 2;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int parse_ep(const char *s, struct in_addr *addr, uint16_t *port)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long p;

	if (!colon || colon - s >= (long)sizeof(host))
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	p = strtol(colon + 1, &end, 10);
	if (*end || p < 1 || p > 65535 || inet_pton(AF_INET, host, addr) != 1)
		return -EINVAL;
	*port = p;
	return 0;
}

static int parse_flags(const char *s, uint8_t *flags)
{
	static const char letters[] = "FSRPAU";

	*flags = 0;
	for (; *s; s++) {
		const char *p = strchr(letters, *s);

		if (!p)
			return -EINVAL;
		*flags |= 1 << (p - letters);	/* TH_FIN .. TH_URG */
	}
	return 0;
}

static int parse_spec(char *s, struct spec *sp)
{
	char *tok, *save = NULL, *end;
	bool flags = false;

	memset(sp, 0, sizeof(*sp));
	sp->count = 1;
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *v = strchr(tok, '=');
		long long n;

		if (!v)
			return -EINVAL;
		*v++ = 0;
		if (!strcmp(tok, "flags")) {
			if (parse_flags(v, &sp->flags))
				return -EINVAL;
			flags = true;
			continue;
		}
		if (!strcmp(tok, "csum")) {
			if (strcmp(v, "bad") && strcmp(v, "ok"))
				return -EINVAL;
			sp->bad_csum = !strcmp(v, "bad");
			continue;
		}
		if (!strcmp(tok, "opts")) {
			size_t hl = strlen(v);

			if (!hl || hl % 2 || hl / 2 > sizeof(sp->opts))
				return -EINVAL;
			for (size_t i = 0; i < hl / 2; i++)
				if (sscanf(v + 2 * i, "%2hhx", &sp->opts[i]) != 1)
					return -EINVAL;
			sp->opts_len = (hl / 2 + 3) & ~3u;
			continue;
		}
		if (!strcmp(tok, "ts") && !strcmp(v, "none")) {
			sp->no_ts = true;
			continue;
		}
		n = strtoll(v, &end, 0);
		if (*end || !*v)
			return -EINVAL;
		if (!strcmp(tok, "seq"))
			sp->seq = n;
		else if (!strcmp(tok, "ack"))
			sp->ack = n;
		else if (!strcmp(tok, "ts"))
			sp->ts = n, sp->ts_set = true;
		else if (!strcmp(tok, "len") && n >= 0 && n <= PAYLOAD_MAX)
			sp->len = n;
		else if (!strcmp(tok, "count") && n >= 1 && n <= 1000)
			sp->count = n;
		else
			return -EINVAL;
	}
	if (!flags)
		sp->flags = TH_ACK | (sp->len ? TH_PUSH : 0);
	if (sp->opts_len && sp->ts_set && sp->opts_len + 12 > sizeof(sp->opts))
		return -EINVAL;
	return 0;
}

static bool after32(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* The TSval and TSecr of a TCP header's options, if any. */
static bool tcp_ts(const struct tcphdr *th, uint32_t *val, uint32_t *ecr)
{
	const uint8_t *p = (const uint8_t *)(th + 1);
	int left = th->doff * 4 - (int)sizeof(*th);

	while (left > 0) {
		if (p[0] == TCPOPT_EOL)
			break;
		if (p[0] == TCPOPT_NOP) {
			p++;
			left--;
			continue;
		}
		if (left < 2 || p[1] < 2 || p[1] > left)
			break;
		if (p[0] == TCPOPT_TIMESTAMP && p[1] == TCPOLEN_TIMESTAMP) {
			memcpy(val, p + 2, 4);
			memcpy(ecr, p + 6, 4);
			*val = ntohl(*val);
			*ecr = ntohl(*ecr);
			return true;
		}
		left -= p[1];
		p += p[1];
	}
	return false;
}

/* Learns from one frame; true if it was the client's, to the flow. */
static bool learn(struct flow *f, const uint8_t *fr, ssize_t n)
{
	const struct ethhdr *eh = (const void *)fr;
	const struct iphdr *ip = (const void *)(eh + 1);
	const struct tcphdr *th;
	uint32_t seq, end, val, ecr;
	int ihl, plen;

	if (n < (ssize_t)(sizeof(*eh) + sizeof(*ip)) || eh->h_proto != htons(ETH_P_IP) ||
	    ip->version != 4 || ip->protocol != IPPROTO_TCP ||
	    ip->daddr != f->daddr.s_addr)
		return false;
	ihl = ip->ihl * 4;
	if (ihl < 20 || n < (ssize_t)sizeof(*eh) + ihl + (ssize_t)sizeof(*th) ||
	    n < (ssize_t)sizeof(*eh) + ntohs(ip->tot_len))
		return false;
	th = (const void *)((const uint8_t *)ip + ihl);
	if (ntohs(th->dest) != f->dport || th->doff < 5 ||
	    ihl + th->doff * 4 > ntohs(ip->tot_len))
		return false;
	if (f->sport && (ip->saddr != f->saddr.s_addr || ntohs(th->source) != f->sport))
		return false;
	if (!f->sport && f->saddr.s_addr && ip->saddr != f->saddr.s_addr)
		return false;
	f->saddr.s_addr = ip->saddr;
	f->sport = ntohs(th->source);
	memcpy(f->vip_mac, eh->h_dest, ETH_ALEN);
	plen = ntohs(ip->tot_len) - ihl - th->doff * 4;
	seq = ntohl(th->seq);
	end = seq + plen + th->syn + th->fin;
	if (th->syn && !th->ack) {
		f->isn = seq;
		f->isn_seen = true;
	}
	if (!f->seen || after32(end, f->snd_nxt))
		f->snd_nxt = end;
	if (th->ack && (!f->ack_seen || after32(ntohl(th->ack_seq), f->ack))) {
		f->ack = ntohl(th->ack_seq);
		f->ack_seen = true;
	}
	if (tcp_ts(th, &val, &ecr) && (!f->ts || !after32(f->tsval, val))) {
		f->ts = true;
		f->tsval = val;
		f->tsecr = ecr;
	}
	f->win = th->window;
	f->seen++;
	return true;
}

/* Sniffs until sniff_ms passed, or quiet_ms after the client's last segment. */
static int sniff(int fd, struct flow *f, int sniff_ms, int quiet_ms, int64_t after_off)
{
	int64_t deadline = now_ms() + sniff_ms, last = 0;
	static uint8_t fr[FRAME_MAX];

	while (now_ms() < deadline) {
		ssize_t n = recv(fd, fr, sizeof(fr), 0);

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			f->frames++;
		if (n > 0 && getenv("TSPOOF_DEBUG")) {
			fprintf(stderr, "frame %zd:", n);
			for (int i = 0; i < 54 && i < n; i++)
				fprintf(stderr, " %02x", fr[i]);
			fputc('\n', stderr);
		}
		if (n > 0 && learn(f, fr, n))
			last = now_ms();
		if (quiet_ms && last && now_ms() - last >= quiet_ms &&
		    (after_off < 0 ||
		     (f->isn_seen && (uint32_t)(f->snd_nxt - f->isn - 1) >= after_off)))
			break;
	}
	return f->seen ? 0 : -ENOENT;
}

static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += b[0] << 8 | b[1];
	if (len)
		sum += b[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* Builds the frame of sp from f into fr; its length. */
static size_t build(const struct flow *f, const struct spec *sp, const uint8_t *own_mac,
		    uint8_t *fr, uint32_t *seq, uint32_t *ack, uint32_t *tsval)
{
	struct ethhdr *eh = (void *)fr;
	struct iphdr *ip = (void *)(eh + 1);
	struct tcphdr *th = (void *)(ip + 1);
	uint8_t *opt = (uint8_t *)(th + 1), *data;
	bool ts = f->ts && !sp->no_ts && (!sp->opts_len || sp->ts_set);
	size_t tcplen;
	uint32_t sum;
	uint16_t id;

	*seq = f->snd_nxt + (uint32_t)sp->seq;
	*ack = f->ack + (uint32_t)sp->ack;
	*tsval = f->tsval + (uint32_t)sp->ts;
	memset(fr, 0, sizeof(*eh) + sizeof(*ip) + sizeof(*th) + 40);
	memcpy(eh->h_dest, f->vip_mac, ETH_ALEN);
	memcpy(eh->h_source, own_mac, ETH_ALEN);
	eh->h_proto = htons(ETH_P_IP);
	th->source = htons(f->sport);
	th->dest = htons(f->dport);
	th->seq = htonl(*seq);
	th->ack_seq = (sp->flags & TH_ACK) ? htonl(*ack) : 0;
	th->doff = (sizeof(*th) + sp->opts_len + (ts ? 12 : 0)) / 4;
	memcpy(opt, sp->opts, sp->opts_len);
	opt += sp->opts_len;
	((uint8_t *)th)[13] = sp->flags;
	th->window = f->win;
	if (ts) {
		uint32_t v = htonl(*tsval), e = htonl(f->tsecr);

		opt[0] = TCPOPT_NOP;
		opt[1] = TCPOPT_NOP;
		opt[2] = TCPOPT_TIMESTAMP;
		opt[3] = TCPOLEN_TIMESTAMP;
		memcpy(opt + 4, &v, 4);
		memcpy(opt + 8, &e, 4);
	}
	data = (uint8_t *)th + th->doff * 4;
	for (unsigned int i = 0; i < sp->len; i++)
		data[i] = 0xa5 ^ i;
	tcplen = th->doff * 4 + sp->len;
	sum = csum_add(0, &f->saddr, 4);
	sum = csum_add(sum, &f->daddr, 4);
	sum += IPPROTO_TCP + tcplen;
	th->check = csum_fold(csum_add(sum, th, tcplen));
	if (sp->bad_csum)
		th->check ^= htons(0x0101);	/* never the same sum (not 0 vs ffff) */
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = now_ms();
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->id = id;
	ip->frag_off = htons(IP_DF);
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(sizeof(*ip) + tcplen);
	ip->saddr = f->saddr.s_addr;
	ip->daddr = f->daddr.s_addr;
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
	return sizeof(*eh) + sizeof(*ip) + tcplen;
}

static void flags_str(uint8_t flags, char *s)
{
	static const char letters[] = "FSRPAU";

	for (int i = 0; i < 6; i++)
		if (flags & (1 << i))
			*s++ = letters[i];
	*s = 0;
}

static int open_dev(const char *dev, struct sockaddr_ll *sll, uint8_t *mac);

/* A packet socket bound to dev in the namespace /var/run/netns/netns. */
static int open_in(const char *netns, const char *dev, struct sockaddr_ll *sll,
		   uint8_t *mac)
{
	char path[256];
	int self, ns, fd, err = 0;

	if (!netns)
		return open_dev(dev, sll, mac);
	snprintf(path, sizeof(path), "/var/run/netns/%s", netns);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET)) {
		fprintf(stderr, "tspoof: namespace %s: %s\n", netns, strerror(errno));
		fd = -1;
		goto out;
	}
	fd = open_dev(dev, sll, mac);
	if (setns(self, CLONE_NEWNET))
		err = errno;
	if (err) {
		fprintf(stderr, "tspoof: back to our namespace: %s\n", strerror(err));
		close(fd);
		fd = -1;
	}
out:
	if (self >= 0)
		close(self);
	if (ns >= 0)
		close(ns);
	return fd;
}

static int open_dev(const char *dev, struct sockaddr_ll *sll, uint8_t *mac)
{
	struct timeval tv = { .tv_usec = 20000 };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_ALL);
	sll->sll_ifindex = if_nametoindex(dev);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (fd < 0 || !sll->sll_ifindex || bind(fd, (struct sockaddr *)sll, sizeof(*sll)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		fprintf(stderr, "tspoof: packet socket on %s: %s\n", dev, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "sniff-ms", required_argument, NULL, 's' },
		{ "quiet-ms", required_argument, NULL, 'q' },
		{ "after-off", required_argument, NULL, 'a' },
		{ "sniff-netns", required_argument, NULL, 'N' },
		{ "sniff-dev", required_argument, NULL, 'D' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct flow f = { .dport = 0 };
	struct spec specs[SPECS_MAX];
	struct sockaddr_ll sll = { 0 };
	static uint8_t fr[FRAME_MAX];
	uint8_t mac[ETH_ALEN];
	int sniff_ms = 1000, quiet_ms = 0, nspecs = 0, c, fd, err;
	int64_t after_off = -1;
	const char *dev = NULL, *sniff_netns = NULL, *sniff_dev = NULL, *ready = NULL;
	struct sockaddr_ll sniff_sll = { 0 };
	uint8_t sniff_mac[ETH_ALEN];
	int sfd;
	uint16_t from_port = 0;
	const char *sep = "";

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 't':
			if (parse_ep(optarg, &f.daddr, &f.dport))
				return usage();
			break;
		case 'f':
			if (parse_ep(optarg, &f.saddr, &from_port))
				return usage();
			f.sport = from_port;
			break;
		case 's': sniff_ms = atoi(optarg); break;
		case 'q': quiet_ms = atoi(optarg); break;
		case 'a': after_off = strtoll(optarg, NULL, 0); break;
		case 'N': sniff_netns = optarg; break;
		case 'D': sniff_dev = optarg; break;
		case 'r': ready = optarg; break;
		default: return usage();
		}
	}
	if (!dev || !f.dport || sniff_ms <= 0 || quiet_ms < 0 || optind == argc ||
	    argc - optind > SPECS_MAX)
		return usage();
	for (int i = optind; i < argc; i++)
		if (parse_spec(argv[i], &specs[nspecs++]))
			return usage();
	fd = open_dev(dev, &sll, mac);
	if (fd < 0)
		return 2;
	sfd = sniff_netns || sniff_dev ?
	      open_in(sniff_netns, sniff_dev ? sniff_dev : dev, &sniff_sll, sniff_mac) : fd;
	if (sfd < 0)
		return 2;
	if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (rfd < 0) {
			fprintf(stderr, "tspoof: %s: %s\n", ready, strerror(errno));
			return 2;
		}
		close(rfd);
	}
	err = sniff(sfd, &f, sniff_ms, quiet_ms, after_off);
	if (sfd != fd)
		close(sfd);
	if (err) {
		fprintf(stderr, "tspoof: no segment to %s:%u seen on %s (%u other frames): %s\n",
			inet_ntoa(f.daddr), f.dport, dev, f.frames, strerror(-err));
		close(fd);
		return 1;
	}
	printf("{\"client\":\"%s:%u\",\"seen\":%u,\"isn\":%s%u,\"snd_nxt\":%u,"
	       "\"ack\":%u,\"ts\":%d,\"tsval\":%u,\"sent\":[", inet_ntoa(f.saddr), f.sport,
	       f.seen, f.isn_seen ? "" : "-", f.isn_seen ? f.isn : 1, f.snd_nxt, f.ack,
	       f.ts, f.tsval);
	for (int i = 0; i < nspecs; i++) {
		uint32_t seq, ack, tsval;
		size_t n = build(&f, &specs[i], mac, fr, &seq, &ack, &tsval);
		char fl[8];

		for (unsigned int j = 0; j < specs[i].count; j++) {
			if (sendto(fd, fr, n, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
				fprintf(stderr, "tspoof: send: %s\n", strerror(errno));
				close(fd);
				return 2;
			}
		}
		flags_str(specs[i].flags, fl);
		printf("%s{\"seq\":%u,\"off\":%lld,\"ack\":%u,\"tsval\":%u,\"flags\":\"%s\","
		       "\"len\":%u,\"csum\":\"%s\",\"count\":%u}", sep, seq,
		       f.isn_seen ? (long long)(uint32_t)(seq - f.isn - 1) : -1LL, ack,
		       tsval, fl, specs[i].len, specs[i].bad_csum ? "bad" : "ok",
		       specs[i].count);
		sep = ",";
	}
	printf("]}\n");
	close(fd);
	return 0;
}
