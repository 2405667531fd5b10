// SPDX-License-Identifier: GPL-2.0
/*
 * tfuzz: malformed input for the fuzz tests (issue 9), deterministic for a
 * seed.
 *
 * tfuzz wire: holding the group key, sends authenticated replication
 * datagrams (include/uapi/linux/tandem_wire.h) of every type, mutated: body
 * lengths short, exact and long, the live connection or wrong ones, TCP
 * sequence numbers, ISNs and block numbers at the 32- and 64-bit wraps,
 * broken client packets inside SEGMENTs (IP and TCP header lengths,
 * options, addresses), flags, unknown types, reserved bits. It speaks as a
 * member of the group (--id, from --from, a UDP socket bound there) with
 * its own sequence numbers, so that the genuine members' replay windows
 * are untouched. The last datagrams go beyond: replays, a sequence number
 * at the 64-bit wrap, newer epochs.
 *
 * tfuzz opts: from an attacker on the client's network, sends TCP segments
 * with the client's 4-tuple and malformed options (zero length, overlong,
 * truncated, duplicate timestamps, SACK with garbage blocks, a data offset
 * beyond the packet) at the VIP; no ACK, RST, SYN or FIN flag (PSH at most:
 * forged acknowledgments and resets are spoof_test's), checksums correct
 * (most) or not.
 *
 * Both print what they sent as one line of JSON. Exit status: 0 sent,
 * 2 usage or setup error.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/tandem.h>
#include <linux/tandem_wire.h>

#include "fuzz_rng.h"
#include "wire.h"

#define DGRAM_MAX 1400


static uint32_t u32_edge(uint32_t near)
{
	static const uint32_t edges[] = {
		0, 1, 2, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe,
		0xffffffff, 0xffff0000, 0x10000,
	};

	switch (below(4)) {
	case 0: return edges[below(sizeof(edges) / sizeof(edges[0]))];
	case 1: return near + below(65536) - 32768;
	case 2: return near + 0x80000000u + below(3) - 1;
	default: return rnd();
	}
}

static uint64_t u64_edge(void)
{
	static const uint64_t edges[] = {
		0, 1, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xfffffffffffffffeULL, 0xffffffffffffffffULL, 0xffffffffULL,
		0x100000000ULL, 1ULL << 40,
	};

	if (chance(50))
		return edges[below(sizeof(edges) / sizeof(edges[0]))];
	return (uint64_t)rnd() << 32 | rnd();
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t n)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

/* TCP checksum over the pseudo header and n bytes of TCP at th (host order
 * result, stored big-endian by the caller).
 */
static uint16_t tcp_csum(const struct iphdr *ip, const void *th, size_t n)
{
	uint32_t sum = 0;
	uint8_t ph[12];

	memcpy(ph, &ip->saddr, 4);
	memcpy(ph + 4, &ip->daddr, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	ph[10] = n >> 8;
	ph[11] = n;
	sum = csum_add(sum, ph, sizeof(ph));
	sum = csum_add(sum, th, n);
	return csum_fold(sum);
}

/*
 * Malformed TCP options into opt (at most 40 bytes); returns their length,
 * a multiple of 4. kinds counts what was put, by kind of damage.
 */
enum opt_kind { O_ZERO, O_OVERLONG, O_TRUNC, O_DUP_TS, O_SACK, O_ODD, O_KINDS };
static const char *const opt_name[O_KINDS] = {
	"zero_len", "overlong", "truncated", "dup_ts", "sack_garbage", "odd",
};

static void put_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = TCPOPT_TIMESTAMP;
	o[1] = TCPOLEN_TIMESTAMP;
	val = htonl(val);
	ecr = htonl(ecr);
	memcpy(o + 2, &val, 4);
	memcpy(o + 6, &ecr, 4);
}

static size_t bad_options(uint8_t *opt, enum opt_kind k, uint32_t near)
{
	static const uint8_t kinds[] = {
		TCPOPT_TIMESTAMP, TCPOPT_SACK, TCPOPT_MAXSEG, TCPOPT_WINDOW,
		TCPOPT_SACK_PERMITTED, 254, 34, 19, 30,
	};
	size_t n = 0, len;

	memset(opt, TCPOPT_NOP, 40);
	switch (k) {
	case O_ZERO:		/* a kind with length 0 or 1 */
		n = below(4);
		opt[n] = kinds[below(sizeof(kinds))];
		opt[n + 1] = below(2);
		n += 2 + below(8);
		break;
	case O_OVERLONG:	/* a length beyond the header */
		n = 4 * below(4);
		opt[n] = kinds[below(sizeof(kinds))];
		opt[n + 1] = 40 - n + 1 + below(200);
		n += 10;
		break;
	case O_TRUNC:		/* a timestamp or SACK cut by the header's end */
		len = 4 + 4 * below(3);
		n = len - 2 - below(2);
		opt[n] = chance(50) ? TCPOPT_TIMESTAMP : TCPOPT_SACK;
		opt[n + 1] = opt[n] == TCPOPT_TIMESTAMP ? TCPOLEN_TIMESTAMP : 10;
		n = len;
		break;
	case O_DUP_TS:		/* two timestamps, the second far off */
		opt[0] = opt[1] = TCPOPT_NOP;
		put_ts(opt + 2, near, near);
		opt[12] = opt[13] = TCPOPT_NOP;
		put_ts(opt + 14, near - below(1000), u32_edge(near));
		n = 24;
		break;
	case O_SACK: {		/* SACK blocks: reversed, huge, wrapping, odd length */
		unsigned int blocks = 1 + below(4);

		opt[0] = opt[1] = TCPOPT_NOP;
		opt[2] = TCPOPT_SACK;
		opt[3] = 2 + 8 * blocks - (chance(20) ? 1 + below(7) : 0);
		for (unsigned int b = 0; b < blocks; b++) {
			uint32_t l = htonl(u32_edge(near)), r = htonl(u32_edge(near));

			memcpy(opt + 4 + 8 * b, &l, 4);
			memcpy(opt + 8 + 8 * b, &r, 4);
		}
		n = 4 + 8 * blocks;
		break;
	}
	default:		/* random bytes */
		n = 4 * (1 + below(10));
		for (size_t i = 0; i < n; i++)
			opt[i] = chance(30) ? kinds[below(sizeof(kinds))] : rnd();
	}
	return (n + 3) & ~3u;
}

/* ---- wire ---- */

struct wire {
	int fd;
	struct ep to[4];
	int nto;
	uint8_t key[KEY_LEN];
	uint32_t group, id;
	uint64_t epoch, seq;
	struct tandem_wire_conn conn;	/* the live connection */
	struct in_addr vip;
	uint32_t sent[TANDEM_WIRE_MAX + 2];
	uint32_t errors;
	uint32_t types;		/* bit per type to send; 0: all */
	uint8_t mac;		/* enum tandem_mac of the group (--mac) */
};

static const char *const type_name[TANDEM_WIRE_MAX + 2] = {
	"unspec", "segment", "confirm", "progress", "digest", "close",
	"heartbeat", "unknown",
};

/* "segment,close": the bits of the types named; -1 if one is unknown */
static int64_t parse_types(const char *list)
{
	char buf[128], *tok, *save;
	int64_t mask = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int t;

		for (t = 0; t <= TANDEM_WIRE_MAX + 1; t++)
			if (!strcmp(tok, type_name[t]))
				break;
		if (t > TANDEM_WIRE_MAX + 1)
			return -1;
		mask |= 1U << t;
	}
	return mask;
}

static bool type_wanted(const struct wire *w, uint8_t type)
{
	unsigned int t = type <= TANDEM_WIRE_MAX ? type : TANDEM_WIRE_MAX + 1;

	return !w->types || (w->types & (1U << t));
}

static void wire_conn(struct wire *w, struct tandem_wire_conn *c)
{
	*c = w->conn;
	switch (below(8)) {
	case 0: c->cport = htons(ntohs(c->cport) + 1); break;
	case 1: c->vport = htons(below(65536)); break;
	case 2: for (int i = 0; i < 16; i++) c->caddr[i] = rnd(); break;
	case 3: memset(c, 0, sizeof(*c)); break;
	default: break;		/* the live one */
	}
}

/* A client IPv4/TCP packet for a SEGMENT, mostly broken; its length. */
static size_t wire_packet(struct wire *w, uint8_t *p, size_t room)
{
	struct iphdr *ip = (void *)p;
	struct tcphdr *th = (void *)(p + 20);
	size_t optlen = 0, data = below(600), n;

	if (room < 60 + data)
		data = 0;
	memset(p, 0, 60);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	memcpy(&ip->saddr, w->conn.caddr, 4);
	ip->daddr = chance(90) ? w->vip.s_addr : rnd();
	th->source = w->conn.cport;
	th->dest = w->conn.vport;
	th->seq = htonl(u32_edge(0));
	th->ack_seq = htonl(u32_edge(0));
	th->ack = 1;
	th->window = htons(rnd());
	if (chance(30)) {
		/* a well-formed timestamp, its value anywhere */
		uint8_t *o = (uint8_t *)(th + 1);

		o[0] = o[1] = TCPOPT_NOP;
		put_ts(o + 2, rnd(), rnd());
		optlen = 12;
	} else if (chance(50)) {
		optlen = bad_options((uint8_t *)(th + 1), below(O_KINDS), rnd());
	}
	th->doff = 5 + optlen / 4;
	for (size_t i = 0; i < data; i++)
		p[20 + th->doff * 4 + i] = rnd();
	n = 20 + th->doff * 4 + data;
	ip->tot_len = htons(n);
	switch (below(10)) {
	case 0: ip->ihl = below(16); break;
	case 1: ip->tot_len = htons(below(2 * n + 1)); break;
	case 2: th->doff = below(16); break;
	case 3: ip->protocol = rnd(); break;
	case 4: ip->frag_off = htons(below(2) ? IP_MF : 1 + below(100)); break;
	case 5: p[13 + 20] = rnd(); break;	/* any TCP flags */
	case 6: n = below(n + 1); break;	/* cut */
	case 7: ip->version = below(16); break;
	default: break;
	}
	th->check = 0;
	if (n >= 40 && chance(70))
		th->check = htons(tcp_csum(ip, th, n - 20));
	return n;
}

/* The body of a datagram of type t into b; its length. */
static size_t wire_body(struct wire *w, uint8_t t, uint8_t *b, size_t room)
{
	size_t n = 0;

	switch (t) {
	case TANDEM_WIRE_SEGMENT: {
		struct tandem_wire_segment *s = (void *)b;

		s->wire_isn = htonl(u32_edge(0));
		s->wire_ts = htonl(u32_edge(0));
		s->flags = chance(50) ? below(4) : rnd();
		memset(s->pad, chance(80) ? 0 : rnd(), sizeof(s->pad));
		s->ts_now = htonl(u32_edge(0));
		n = sizeof(*s) + wire_packet(w, b + sizeof(*s), room - sizeof(*s));
		break;
	}
	case TANDEM_WIRE_CONFIRM: {
		struct tandem_wire_confirm *c = (void *)b;

		wire_conn(w, &c->conn);
		c->local_isn = htonl(u32_edge(0));
		c->wscale = chance(70) ? below(15) : rnd();
		c->has_ts = chance(70) ? below(2) : rnd();
		c->flags = chance(50) ? TANDEM_WIRE_CONFIRM_F_AGAIN : rnd();
		c->pad = 0;
		n = sizeof(*c);
		break;
	}
	case TANDEM_WIRE_PROGRESS: {
		struct tandem_wire_progress *p = (void *)b;

		wire_conn(w, &p->conn);
		p->rcv_nxt = htonl(u32_edge(0));
		p->rcv_edge = htonl(u32_edge(ntohl(p->rcv_nxt)));
		p->sack_start = chance(50) ? 0 : htonl(u32_edge(ntohl(p->rcv_nxt)));
		p->sack_end = chance(50) ? 0 : htonl(u32_edge(ntohl(p->sack_start)));
		n = chance(20) ? TANDEM_WIRE_PROGRESS_MIN : sizeof(*p);
		break;
	}
	case TANDEM_WIRE_DIGEST: {
		struct tandem_wire_digest *d = (void *)b;

		wire_conn(w, &d->conn);
		d->crc = htonl(rnd());
		d->block = htobe64(chance(50) ? below(64) : u64_edge());
		n = sizeof(*d);
		break;
	}
	case TANDEM_WIRE_CLOSE: {
		struct tandem_wire_close *c = (void *)b;

		wire_conn(w, &c->conn);
		c->reason = chance(50) ? TANDEM_WIRE_CLOSE_LAG : rnd();
		memset(c->pad, 0, sizeof(c->pad));
		n = sizeof(*c);
		break;
	}
	case TANDEM_WIRE_HEARTBEAT: {
		struct tandem_wire_heartbeat *h = (void *)b;

		h->time_ns = htobe64(u64_edge());
		h->echo_ns = htobe64(chance(50) ? 0 : u64_edge());
		n = sizeof(*h);
		break;
	}
	default:
		n = below(64);
		for (size_t i = 0; i < n; i++)
			b[i] = rnd();
	}
	/* lengths: mostly exact, else short or with a tail */
	switch (below(6)) {
	case 0: n = below(n + 1); break;
	case 1:
		for (size_t i = 0, extra = below(200); i < extra && n < room; i++)
			b[n++] = rnd();
		break;
	default: break;
	}
	return n;
}

static int wire_send(struct wire *w, uint8_t type, uint16_t flags, uint64_t epoch,
		     uint64_t seq, bool fuzz_body)
{
	uint8_t d[DGRAM_MAX + 64];
	struct tandem_wire_hdr *h = (void *)d;
	size_t n;

	if (!type_wanted(w, type))
		return 0;
	memset(h, 0, sizeof(*h));
	h->version = TANDEM_WIRE_VERSION;
	h->type = type;
	/* the group's MAC, but now and then whatever the flags say */
	if (!chance(5))
		flags = (flags & ~TANDEM_WIRE_F_MAC_MASK) |
			w->mac << TANDEM_WIRE_F_MAC_SHIFT;
	h->flags = htons(flags);
	h->group_id = htonl(w->group);
	h->sender = htonl(w->id);
	h->reserved = chance(5) ? htonl(rnd()) : 0;
	h->epoch = htobe64(epoch);
	h->seq = htobe64(seq);
	n = sizeof(*h);
	if (fuzz_body)
		n += wire_body(w, type, d + n, DGRAM_MAX - n);
	n = wire_seal(d, n, w->key);
	for (int i = 0; i < w->nto; i++) {
		struct sockaddr_in to = {
			.sin_family = AF_INET,
			.sin_addr = w->to[i].addr,
			.sin_port = htons(w->to[i].port),
		};

		if (sendto(w->fd, d, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			w->errors++;
	}
	w->sent[type <= TANDEM_WIRE_MAX ? type : TANDEM_WIRE_MAX + 1]++;
	return 0;
}

static void pace(unsigned int i)
{
	/* a burst of 32, then 5 ms: the receivers' socket buffers keep up */
	if (i % 32 == 31)
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
}

static int wire_main(struct wire *w, unsigned int count)
{
	unsigned int i;
	uint8_t type;
	uint16_t flags;

	for (i = 0; i < count; i++) {
		do
			type = chance(95) ? 1 + below(TANDEM_WIRE_MAX) : (chance(50) ? 0 : rnd());
		while (!type_wanted(w, type));
		flags = chance(60) ? TANDEM_WIRE_F_PRIMARY : (chance(50) ? 0 : rnd());
		if (type == TANDEM_WIRE_HEARTBEAT && chance(50))
			flags = TANDEM_WIRE_F_REPLY;
		/* fresh sequence numbers, sometimes skipping ahead in the window */
		w->seq += chance(90) ? 1 : 1 + below(TANDEM_WIRE_REPLAY_WINDOW / 2);
		wire_send(w, type, flags, w->epoch, w->seq, true);
		pace(i);
	}
	/* the end: replays, an old sequence number, the 64-bit wrap, newer epochs */
	for (i = 0; i < 8; i++)
		wire_send(w, 1 + below(TANDEM_WIRE_MAX), TANDEM_WIRE_F_PRIMARY, w->epoch,
			  w->seq - below(4), true);
	wire_send(w, TANDEM_WIRE_HEARTBEAT, 0, w->epoch, w->seq - 5000, true);
	wire_send(w, TANDEM_WIRE_PROGRESS, 0, w->epoch, UINT64_MAX, true);
	wire_send(w, TANDEM_WIRE_PROGRESS, 0, w->epoch, 0, true);
	wire_send(w, TANDEM_WIRE_CONFIRM, 0, w->epoch + 1, 1, true);
	wire_send(w, TANDEM_WIRE_CLOSE, 0, UINT64_MAX, 2, true);
	count = 0;
	for (i = 0; i <= TANDEM_WIRE_MAX + 1; i++)
		count += w->sent[i];
	printf("{\"sent\":%u", count);
	for (i = 0; i <= TANDEM_WIRE_MAX + 1; i++)
		printf(",\"%s\":%u", type_name[i], w->sent[i]);
	printf(",\"targets\":%d,\"send_errors\":%u}\n", w->nto, w->errors);
	return 0;
}

/* ---- opts ---- */

static int opts_main(const struct ep *client, const struct ep *vip, unsigned int count,
		     uint32_t seq_near, uint32_t ack_near)
{
	uint8_t pkt[20 + 60 + 64];
	struct iphdr *ip = (void *)pkt;
	struct tcphdr *th = (void *)(pkt + 20);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = vip->addr };
	unsigned int sent[O_KINDS] = { 0 }, bad_csum = 0, errors = 0;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

	if (fd < 0) {
		perror("tfuzz: raw socket");
		return 2;
	}
	for (unsigned int i = 0; i < count; i++) {
		enum opt_kind k = i % O_KINDS;
		size_t optlen, data = chance(30) ? below(64) : 0, n;

		memset(pkt, 0, sizeof(pkt));
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->id = htons(rnd());
		ip->saddr = client->addr.s_addr;
		ip->daddr = vip->addr.s_addr;
		th->source = htons(client->port);
		th->dest = htons(vip->port);
		/* near the connection's numbers, mostly behind: stale, not harmful */
		th->seq = htonl(seq_near - below(65536));
		th->ack_seq = htonl(ack_near - below(65536));
		th->psh = chance(30);
		th->window = htons(512 + below(65000));
		optlen = bad_options((uint8_t *)(th + 1), k, seq_near);
		th->doff = 5 + optlen / 4;
		for (size_t j = 0; j < data; j++)
			pkt[20 + th->doff * 4 + j] = rnd();
		n = 20 + th->doff * 4 + data;
		if (chance(10)) {	/* a data offset beyond the packet */
			th->doff = 15;
			n = 20 + 20 + below(optlen + 1);
		}
		ip->tot_len = htons(n);
		th->check = htons(tcp_csum(ip, th, n - 20));
		if (chance(10)) {
			th->check ^= htons(1 + below(0xfffe));
			bad_csum++;
		}
		if (sendto(fd, pkt, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			errors++;
		sent[k]++;
		pace(i);
	}
	close(fd);
	printf("{\"sent\":%u", count);
	for (int k = 0; k < O_KINDS; k++)
		printf(",\"%s\":%u", opt_name[k], sent[k]);
	printf(",\"bad_csum\":%u,\"send_errors\":%u}\n", bad_csum, errors);
	return 0;
}

static int usage(void)
{
	fputs("Usage: tfuzz wire --key FILE --from ADDR:PORT --id NODE --group ID\n"
	      "                  --epoch E --conn CADDR:CPORT:VPORT --vip ADDR:PORT\n"
	      "                  --to ADDR:PORT [--to ...]\n"
	      "                  [--count N] [--seed S] [--types segment,confirm,...]\n"
	      "                  [--mac xchacha20-poly1305|hmac-sha256] (the group's)\n"
	      "       tfuzz opts --client ADDR:PORT --vip ADDR:PORT [--seq S] [--ack A]\n"
	      "                  [--count N] [--seed S]\n", stderr);
	return 2;
}

static int parse_conn(const char *s, struct tandem_wire_conn *c)
{
	char buf[64], *p1, *p2;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", s);
	p2 = strrchr(buf, ':');
	if (!p2)
		return -EINVAL;
	*p2++ = 0;
	p1 = strrchr(buf, ':');
	if (!p1)
		return -EINVAL;
	*p1++ = 0;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	memcpy(c->caddr, &a, 4);
	c->cport = htons(atoi(p1));
	c->vport = htons(atoi(p2));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "from", required_argument, NULL, 'f' },
		{ "id", required_argument, NULL, 'i' },
		{ "group", required_argument, NULL, 'g' },
		{ "epoch", required_argument, NULL, 'e' },
		{ "conn", required_argument, NULL, 'c' },
		{ "to", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'C' },
		{ "vip", required_argument, NULL, 'V' },
		{ "seq", required_argument, NULL, 'S' },
		{ "ack", required_argument, NULL, 'A' },
		{ "types", required_argument, NULL, 'T' },
		{ "mac", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	static struct wire w = { .mac = TANDEM_MAC_DEFAULT };
	struct ep from = { .port = 0 }, client = { .port = 0 }, vip = { .port = 0 };
	const char *keyfile = NULL, *mode = argc > 1 ? argv[1] : "";
	unsigned int count = 1000;
	uint32_t seq = 0, ack = 0;
	uint64_t seed = 1;
	bool have_conn = false;
	int c;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'f': if (parse_ep(optarg, &from)) return usage(); break;
		case 'i': w.id = strtoul(optarg, NULL, 0); break;
		case 'g': w.group = strtoul(optarg, NULL, 0); break;
		case 'e': w.epoch = strtoull(optarg, NULL, 0); break;
		case 'c': if (parse_conn(optarg, &w.conn)) return usage(); have_conn = true; break;
		case 't':
			if (w.nto == 4 || parse_ep(optarg, &w.to[w.nto++]))
				return usage();
			break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'C': if (parse_ep(optarg, &client)) return usage(); break;
		case 'V': if (parse_ep(optarg, &vip)) return usage(); break;
		case 'S': seq = strtoul(optarg, NULL, 0); break;
		case 'A': ack = strtoul(optarg, NULL, 0); break;
		case 'M':
			if (!strcmp(optarg, "hmac-sha256"))
				w.mac = TANDEM_MAC_HMAC_SHA256;
			else if (!strcmp(optarg, "xchacha20-poly1305"))
				w.mac = TANDEM_MAC_XCHACHA20_POLY1305;
			else
				return usage();
			break;
		case 'T': {
			int64_t m = parse_types(optarg);

			if (m <= 0)
				return usage();
			w.types = m;
			break;
		}
		default: return usage();
		}
	}
	if (optind != argc || count < 1 || count > 1000000)
		return usage();
	rng = seed * 0x9e3779b97f4a7c15ULL | 1;
	if (!strcmp(mode, "opts")) {
		if (!client.port || !vip.port)
			return usage();
		return opts_main(&client, &vip, count, seq ?: rnd(), ack ?: rnd());
	}
	w.vip = vip.addr;
	if (strcmp(mode, "wire") || !keyfile || !from.port || !w.id || !w.group ||
	    !w.epoch || !have_conn || !w.nto || !vip.port)
		return usage();
	if (read_key(keyfile, w.key)) {
		fprintf(stderr, "tfuzz: bad key file %s\n", keyfile);
		return 2;
	}
	{
		struct sockaddr_in a = {
			.sin_family = AF_INET, .sin_addr = from.addr,
			.sin_port = htons(from.port),
		};
		struct timespec ts;

		w.fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (w.fd < 0 || bind(w.fd, (struct sockaddr *)&a, sizeof(a))) {
			perror("tfuzz: UDP socket");
			return 2;
		}
		/* like a member: sequence numbers from the real-time clock */
		clock_gettime(CLOCK_REALTIME, &ts);
		w.seq = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	}
	return wire_main(&w, count);
}
