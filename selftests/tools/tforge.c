// SPDX-License-Identifier: GPL-2.0
/*
 * tforge: bad replication datagrams for the data-path tests. Run on the
 * replication net with the group key (as an attacker who stole it would be,
 * or as a stale primary): it captures a genuine SEGMENT the local node sends
 * to each target, then sends each target, from the local node's address
 * and port, COUNT of each of
 *
 *   garbage    64 bytes of another version            chan_drop_version
 *   truncated  the first 20 bytes of the capture       chan_drop_short
 *   sender     the capture, sender id 42 (no member)   chan_drop_sender
 *   wrong-key  the capture, fresh seq, tag under
 *              another key                             chan_drop_tag
 *   altered    the capture, one body byte flipped      chan_drop_tag
 *   stale      the capture, epoch - 1, fresh seq,
 *              tagged with the group key               chan_drop_stale
 *   replay     the capture as it was                   chan_drop_replay
 *
 * and prints what it sent as one line of JSON. Exit status: 0 sent, 1 no
 * genuine datagram captured, 2 usage or setup error.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/tandem_wire.h>

#include "wire.h"

#define DGRAM_MAX 2048
#define TARGETS_MAX 8
#define CAPTURE_S 20

struct target {
	struct ep ep;
	uint8_t cap[DGRAM_MAX];	/* a genuine datagram to it */
	size_t cap_len;
};

static int usage(void)
{
	fputs("Usage: tforge --key FILE --from ADDR:PORT --to ADDR:PORT [--to ...]\n"
	      "              --dev DEV [--count N]\n"
	      "Captures on DEV a genuine SEGMENT from ADDR:PORT to each target, then\n"
	      "sends each target N [1] garbage, truncated, wrong-sender, wrong-key,\n"
	      "altered, stale-epoch and replayed datagrams from ADDR:PORT.\n", stderr);
	return 2;
}

/* Re-tags d (header and body, len bytes with the tag) under key. */
static void retag(uint8_t *d, size_t len, const uint8_t *key)
{
	wire_seal(d, len - TANDEM_WIRE_TAG_LEN, key);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Captures, on the packet socket, a SEGMENT from src to each target; 0 once
 * every target has one, -ETIMEDOUT.
 */
static int capture(int pfd, const struct ep *src, struct target *t,
		   int nt)
{
	double deadline = now_s() + CAPTURE_S;
	uint8_t pkt[DGRAM_MAX + 64];
	int missing = nt;

	while (missing && now_s() < deadline) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		const struct iphdr *ip = (void *)pkt;
		const struct udphdr *uh;
		const uint8_t *d;
		ssize_t n = recvfrom(pfd, pkt, sizeof(pkt), 0,
				     (struct sockaddr *)&sll, &sl);
		size_t dl;

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (sll.sll_pkttype != PACKET_OUTGOING ||
		    sll.sll_protocol != htons(ETH_P_IP) || n < (ssize_t)sizeof(*ip) ||
		    ip->protocol != IPPROTO_UDP || ip->saddr != src->addr.s_addr ||
		    n < ip->ihl * 4 + (ssize_t)sizeof(*uh))
			continue;
		uh = (const void *)(pkt + ip->ihl * 4);
		if (ntohs(uh->source) != src->port || ntohs(uh->len) < sizeof(*uh) ||
		    ip->ihl * 4 + ntohs(uh->len) > n)
			continue;
		d = (const uint8_t *)(uh + 1);
		dl = ntohs(uh->len) - sizeof(*uh);
		if (dl < sizeof(struct tandem_wire_hdr) + TANDEM_WIRE_TAG_LEN ||
		    dl > DGRAM_MAX || d[1] != TANDEM_WIRE_SEGMENT)
			continue;
		for (int i = 0; i < nt; i++) {
			if (t[i].cap_len || t[i].ep.addr.s_addr != ip->daddr ||
			    t[i].ep.port != ntohs(uh->dest))
				continue;
			memcpy(t[i].cap, d, dl);
			t[i].cap_len = dl;
			missing--;
		}
	}
	return missing ? -ETIMEDOUT : 0;
}

static int send_udp(int fd, const struct ep *src, const struct ep *dst,
		    const void *payload, size_t n)
{
	uint8_t pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + DGRAM_MAX];
	struct iphdr *ip = (void *)pkt;
	struct udphdr *uh = (void *)(ip + 1);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst->addr };

	memset(pkt, 0, sizeof(*ip) + sizeof(*uh));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*uh) + n);
	ip->saddr = src->addr.s_addr;
	ip->daddr = dst->addr.s_addr;
	uh->source = htons(src->port);
	uh->dest = htons(dst->port);
	uh->len = htons(sizeof(*uh) + n);	/* checksum 0: none */
	memcpy(uh + 1, payload, n);
	if (sendto(fd, pkt, sizeof(*ip) + sizeof(*uh) + n, 0,
		   (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

enum kind { GARBAGE, TRUNCATED, SENDER, WRONG_KEY, ALTERED, STALE, REPLAY, KINDS };

static const char *const kind_name[KINDS] = {
	"garbage", "truncated", "sender", "wrong_key", "altered", "stale", "replay",
};

/* Builds datagram kind k (the i-th) from t's capture into buf; its length. */
static size_t forge(enum kind k, unsigned int i, const struct target *t,
		    const uint8_t *key, uint8_t *buf)
{
	struct tandem_wire_hdr *h = (void *)buf;
	uint8_t bad_key[KEY_LEN];
	size_t n = t->cap_len;

	memcpy(buf, t->cap, n);
	switch (k) {
	case GARBAGE:
		for (n = 0; n < 64; n++)
			buf[n] = 0xa5 ^ (n * 37) ^ i;
		buf[0] = 0xa5;	/* never TANDEM_WIRE_VERSION */
		return 64;
	case TRUNCATED:
		return 20;
	case SENDER:
		h->sender = htonl(42);
		break;
	case WRONG_KEY:
		h->seq = htobe64(be64toh(h->seq) + 1000000 + i);
		for (int j = 0; j < KEY_LEN; j++)
			bad_key[j] = key[j] ^ 0x5a;
		retag(buf, n, bad_key);
		break;
	case ALTERED:
		buf[sizeof(*h) + (i % (n - sizeof(*h) - TANDEM_WIRE_TAG_LEN))] ^= 0x01;
		break;
	case STALE:
		h->epoch = htobe64(be64toh(h->epoch) - 1);
		h->seq = htobe64(be64toh(h->seq) + 2000000 + i);
		retag(buf, n, key);
		break;
	case REPLAY:
	case KINDS:
		break;
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "dev", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	/* ETH_P_ALL: a socket of one protocol never sees outgoing packets. */
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct timeval tv = { .tv_sec = 1 };
	static struct target t[TARGETS_MAX];
	const char *keyfile = NULL, *dev = NULL;
	uint8_t key[KEY_LEN], buf[DGRAM_MAX];
	struct ep src = { .port = 0 };
	unsigned int count = 1, sent[KINDS] = { 0 };
	int nt = 0, c, pfd, rfd, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'd': dev = optarg; break;
		case 'f':
			if (parse_ep(optarg, &src))
				return usage();
			break;
		case 't':
			if (nt == TARGETS_MAX || parse_ep(optarg, &t[nt++].ep))
				return usage();
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			if (count < 1 || count > 1000)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (!keyfile || !dev || !src.port || !nt || optind != argc)
		return usage();
	err = read_key(keyfile, key);
	if (err) {
		fprintf(stderr, "tforge: key %s: %s\n", keyfile, strerror(-err));
		return 2;
	}
	pfd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	rfd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	sll.sll_ifindex = if_nametoindex(dev);
	if (pfd < 0 || rfd < 0 || !sll.sll_ifindex ||
	    bind(pfd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(pfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		fprintf(stderr, "tforge: sockets on %s: %s\n", dev, strerror(errno));
		return 2;
	}
	err = capture(pfd, &src, t, nt);
	close(pfd);
	if (err) {
		fprintf(stderr, "tforge: no SEGMENT captured to every target: %s\n",
			strerror(-err));
		return 1;
	}
	for (int i = 0; i < nt; i++) {
		const struct tandem_wire_hdr *h = (const void *)t[i].cap;

		if (t[i].cap_len <= sizeof(*h) + TANDEM_WIRE_TAG_LEN || !h->epoch) {
			fprintf(stderr, "tforge: captured datagram unusable (no body or epoch 0)\n");
			return 1;
		}
	}
	/* Kind by kind, so that each target gets the replays last. */
	for (int k = 0; k < KINDS; k++) {
		for (unsigned int j = 0; j < count; j++) {
			for (int i = 0; i < nt; i++) {
				size_t n = forge(k, j, &t[i], key, buf);

				err = send_udp(rfd, &src, &t[i].ep, buf, n);
				if (err) {
					fprintf(stderr, "tforge: send %s: %s\n",
						kind_name[k], strerror(-err));
					return 2;
				}
			}
			sent[k]++;
		}
	}
	close(rfd);
	printf("{\"targets\":%d", nt);
	for (int k = 0; k < KINDS; k++)
		printf(",\"%s\":%u", kind_name[k], sent[k]);
	printf("}\n");
	return 0;
}
