/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafted Ethernet/IPv4/TCP segments for the unit tests: building them with
 * correct checksums, reading the fields the programs rewrite, checking the
 * TCP checksum of what came out.
 */
#ifndef _TANDEM_TEST_PKT_H
#define _TANDEM_TEST_PKT_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX		4096
#define ETH_LEN		14
#define IP_LEN		20
#define TH		(ETH_LEN + IP_LEN)	/* TCP header offset */

#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10
#define F_URG	0x20

/*
 * The urgent pointer of a crafted segment unless it says otherwise: the
 * tag of the fixture's epoch 1 (tandem_bpf_epoch_tag), which mirrored
 * segments and reports carry there.
 */
#define PKT_TAG		1

struct seg {
	uint32_t saddr, daddr;	/* network order */
	uint16_t sport, dport;	/* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opts;	/* a multiple of 4 bytes */
	size_t optlen;
	size_t payload;		/* bytes of a pattern */
	int bad_csum;		/* flip the checksum */
	uint16_t urg;		/* urgent pointer; 0: PKT_TAG */
};

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* One's complement sum of @len bytes, added to @sum (not folded). */
static inline uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The TCP checksum's sum over pseudo-header and segment: 0xffff if right. */
static inline uint16_t tcp_sum(const uint8_t *pkt, size_t len)
{
	size_t tlen = len - TH;
	uint32_t s = 0;

	s = sum16(pkt + ETH_LEN + 12, 8, s);	/* addresses */
	s += 6 + tlen;
	s = sum16(pkt + TH, tlen, s);
	return fold(s);
}

static inline int tcp_csum_ok(const uint8_t *pkt, size_t len)
{
	return tcp_sum(pkt, len) == 0xffff;
}

static inline size_t build(uint8_t *pkt, const struct seg *s)
{
	size_t tlen = 20 + s->optlen + s->payload, i;
	uint8_t *ip = pkt + ETH_LEN, *th = pkt + TH;
	uint16_t c;

	memset(pkt, 0, TH + tlen);
	memcpy(pkt, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00",
	       ETH_LEN);
	ip[0] = 0x45;
	put16(ip + 2, IP_LEN + tlen);
	put16(ip + 4, 1);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &s->saddr, 4);
	memcpy(ip + 16, &s->daddr, 4);
	put16(ip + 10, ~fold(sum16(ip, IP_LEN, 0)));
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put32(th + 4, s->seq);
	put32(th + 8, s->ack);
	th[12] = (uint8_t)((20 + s->optlen) / 4) << 4;
	th[13] = s->flags;
	put16(th + 14, s->win);
	put16(th + 18, s->urg ? s->urg : PKT_TAG);
	if (s->optlen)
		memcpy(th + 20, s->opts, s->optlen);
	for (i = 0; i < s->payload; i++)
		th[20 + s->optlen + i] = (uint8_t)(i * 7 + 3);
	c = ~tcp_sum(pkt, TH + tlen);
	if (s->bad_csum)
		c ^= 0x0100;
	put16(th + 16, c);
	return TH + tlen;
}

/* @pkt as a backup passes it to its stack: its urgent pointer 0 again. */
static inline void untag(uint8_t *pkt, size_t len)
{
	put16(pkt + TH + 18, 0);
	put16(pkt + TH + 16, 0);
	put16(pkt + TH + 16, ~tcp_sum(pkt, len));
}

/* Sets the IP ID (a backup's node id in a report), IP checksum fixed. */
static inline void set_ip_id(uint8_t *pkt, uint16_t id)
{
	uint8_t *ip = pkt + ETH_LEN;

	put16(ip + 4, id);
	put16(ip + 10, 0);
	put16(ip + 10, ~fold(sum16(ip, IP_LEN, 0)));
}

/* Options, each a multiple of 4 bytes. */
static inline size_t opt_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	put32(o + 4, tsval);
	put32(o + 8, tsecr);
	return 12;
}

/* NOP, TS, NOP: TSval and TSecr at odd offsets of the header. */
static inline size_t opt_ts_odd(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = 1;
	o[1] = 8;
	o[2] = 10;
	put32(o + 3, tsval);
	put32(o + 7, tsecr);
	o[11] = 1;
	return 12;
}

static inline size_t opt_sack(uint8_t *o, const uint32_t *edges, int blocks)
{
	int i;

	o[0] = 1;
	o[1] = 1;
	o[2] = 5;
	o[3] = 2 + 8 * blocks;
	for (i = 0; i < 2 * blocks; i++)
		put32(o + 4 + 4 * i, edges[i]);
	return 4 + 8 * blocks;
}

static inline size_t opt_ws(uint8_t *o, uint8_t shift)
{
	o[0] = 1;
	o[1] = 3;
	o[2] = 3;
	o[3] = shift;
	return 4;
}

/* Fields of a segment as it came out. */
static inline uint32_t seg_seq(const uint8_t *p) { return get32(p + TH + 4); }
static inline uint32_t seg_ack(const uint8_t *p) { return get32(p + TH + 8); }
static inline uint16_t seg_win(const uint8_t *p) { return get16(p + TH + 14); }
static inline uint16_t seg_urg(const uint8_t *p) { return get16(p + TH + 18); }
static inline uint16_t seg_ip_id(const uint8_t *p) { return get16(p + ETH_LEN + 4); }

/* Is the IP header checksum of @p right? */
static inline int ip_csum_ok(const uint8_t *p)
{
	return fold(sum16(p + ETH_LEN, IP_LEN, 0)) == 0xffff;
}

/* Offset of option @kind's body in @p (0 if absent). */
static inline size_t seg_opt(const uint8_t *p, uint8_t kind)
{
	size_t end = TH + (p[TH + 12] >> 4) * 4, i = TH + 20;

	while (i < end) {
		if (p[i] == 0)
			return 0;
		if (p[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= end || p[i + 1] < 2)
			return 0;
		if (p[i] == kind)
			return i + 2;
		i += p[i + 1];
	}
	return 0;
}

#endif /* _TANDEM_TEST_PKT_H */
