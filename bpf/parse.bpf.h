/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing of an IPv4 TCP segment in a tc program: where the headers are,
 * the fields tandem reads, and the options it translates (timestamps, SACK,
 * window scale). Everything is read with bpf_skb_load_bytes, so GRO and
 * TSO skbs whose headers are not in the linear part are parsed alike.
 */
#ifndef _TANDEM_PARSE_BPF_H
#define _TANDEM_PARSE_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TANDEM_OPT_MAX		40
/* The options' buffer: indexes are masked with TANDEM_OPT_MASK for the
 * verifier, whatever the checks against the options' length say. */
#define TANDEM_OPT_MASK		63

/* x & TANDEM_OPT_MASK, kept by the compiler even where it "knows" x small */
static __always_inline __u32 tandem_oi(__u32 x)
{
	asm volatile("" : "+r"(x));
	return x & TANDEM_OPT_MASK;
}
#define TANDEM_OPT_EOL		0
#define TANDEM_OPT_NOP		1
#define TANDEM_OPT_WS		3
#define TANDEM_OPT_SACK		5
#define TANDEM_OPT_TS		8

#define TANDEM_IP_MF		0x2000
#define TANDEM_IP_OFFSET	0x1fff

#define TANDEM_TCP_FIN		0x01
#define TANDEM_TCP_SYN		0x02
#define TANDEM_TCP_RST		0x04
#define TANDEM_TCP_ACK		0x10
#define TANDEM_TCP_URG		0x20

/* Sequence space comparisons, modulo 2^32. */
static __always_inline int tandem_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline int tandem_after(__u32 a, __u32 b)
{
	return tandem_before(b, a);
}

struct tandem_pkt {
	__u32 nh_off;		/* IP header, from skb->data */
	__u32 th_off;		/* TCP header, from skb->data */
	__u32 doff;		/* TCP header length in bytes */
	__u32 payload;		/* TCP payload length */
	__be32 saddr, daddr;
	__be16 sport, dport;
	__u32 seq, ack;		/* host order */
	__u16 win;
	__u8 flags;		/* TANDEM_TCP_* */
	__u8 ws;		/* window scale option: shift + 1, 0 if absent */
	__u8 ts_off;		/* TSval's offset in the TCP header, 0 if absent */
	__u8 sack_off;		/* first SACK block's offset, 0 if absent */
	__u8 sack_n;		/* SACK blocks */
	__u8 sack_len;		/* SACK option's length */
	__u32 tsval, tsecr;
	__u8 opts[TANDEM_OPT_MASK + 1 + 4];
};

/*
 * The IP header is right at skb->data on an L3 device (WireGuard) and
 * after the Ethernet header on an L2 one; the tc context does not say
 * which, but bpf_skb_load_bytes_relative() reads from the network header.
 * Returns the offset of the network header from skb->data, or -1.
 */
static __always_inline int tandem_same5(const __u32 *a, const __u32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] &&
	       a[4] == b[4];
}

static __always_inline int tandem_nh_off(struct __sk_buff *skb)
{
	__u32 rel[5], abs[5];

	if (bpf_skb_load_bytes_relative(skb, 0, rel, sizeof(rel),
					BPF_HDR_START_NET))
		return -1;
	if (!bpf_skb_load_bytes(skb, ETH_HLEN, abs, sizeof(abs)) &&
	    tandem_same5(rel, abs))
		return ETH_HLEN;
	if (!bpf_skb_load_bytes(skb, 0, abs, sizeof(abs)) &&
	    tandem_same5(rel, abs))
		return 0;
	return -1;
}

static __always_inline __u32 tandem_get32(const __u8 *opts, __u32 i)
{
	__u32 v = 0;

	if (i + 4 <= TANDEM_OPT_MAX)
		__builtin_memcpy(&v, opts + tandem_oi(i), 4);
	return bpf_ntohl(v);
}

struct tandem_optwalk {
	struct tandem_pkt *p;
	__u32 i;		/* offset of the next option in p->opts */
};

/*
 * bpf_loop() callback: one option. The walk is a callback, verified as
 * one body, rather than an unrolled or bounded loop whose paths the
 * verifier would explore one by one.
 */
static long tandem_opt_step(__u32 n, void *data)
{
	struct tandem_optwalk *w = data;
	struct tandem_pkt *p = w->p;
	__u32 i = w->i, optlen = p->doff - sizeof(struct tcphdr), len;
	__u8 kind;

	if (i >= optlen || i >= TANDEM_OPT_MAX)
		return 1;
	kind = p->opts[tandem_oi(i)];
	if (kind == TANDEM_OPT_EOL)
		return 1;
	if (kind == TANDEM_OPT_NOP) {
		w->i = i + 1;
		return 0;
	}
	if (i + 1 >= optlen)
		return 1;
	len = p->opts[tandem_oi(i + 1)];
	if (len < 2 || i + len > optlen)
		return 1;
	if (kind == TANDEM_OPT_TS && len == 10) {
		p->ts_off = sizeof(struct tcphdr) + i + 2;
		p->tsval = tandem_get32(p->opts, i + 2);
		p->tsecr = tandem_get32(p->opts, i + 6);
	} else if (kind == TANDEM_OPT_SACK && len >= 10 && (len - 2) % 8 == 0) {
		p->sack_off = sizeof(struct tcphdr) + i + 2;
		p->sack_n = (len - 2) / 8;
		p->sack_len = len;
	} else if (kind == TANDEM_OPT_WS && len == 3) {
		kind = p->opts[tandem_oi(i + 2)];
		p->ws = (kind > 14 ? 14 : kind) + 1;
	}
	w->i = i + len;
	return 0;
}

/* Finds the options tandem rewrites; a malformed list ends the walk. */
static __always_inline void tandem_parse_opts(struct tandem_pkt *p)
{
	struct tandem_optwalk w = { .p = p };

	bpf_loop(TANDEM_OPT_MAX, tandem_opt_step, &w, 0);
}

/*
 * Parses an IPv4 TCP segment into @p. Returns 0, or -1 if the skb is not
 * one (not IPv4, not TCP, a fragment, truncated): the caller leaves it
 * alone.
 */
static __always_inline int tandem_parse_into(struct __sk_buff *skb,
					     struct tandem_pkt *p)
{
	struct iphdr ip;
	struct tcphdr th;
	__u32 ihl, tot, optlen;
	int nh;

	__builtin_memset(p, 0, sizeof(*p));
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return -1;
	nh = tandem_nh_off(skb);
	if (nh < 0)
		return -1;
	p->nh_off = nh;
	if (bpf_skb_load_bytes(skb, nh, &ip, sizeof(ip)))
		return -1;
	if (ip.version != 4 || ip.ihl < 5 || ip.protocol != IPPROTO_TCP)
		return -1;
	if (ip.frag_off & bpf_htons(TANDEM_IP_MF | TANDEM_IP_OFFSET))
		return -1;
	ihl = ip.ihl * 4;
	tot = bpf_ntohs(ip.tot_len);
	p->th_off = nh + ihl;
	if (bpf_skb_load_bytes(skb, p->th_off, &th, sizeof(th)))
		return -1;
	p->doff = th.doff * 4;
	if (p->doff < sizeof(th) || tot < ihl + p->doff)
		return -1;
	p->payload = tot - ihl - p->doff;
	p->saddr = ip.saddr;
	p->daddr = ip.daddr;
	p->sport = th.source;
	p->dport = th.dest;
	p->seq = bpf_ntohl(th.seq);
	p->ack = bpf_ntohl(th.ack_seq);
	p->win = bpf_ntohs(th.window);
	p->flags = ((__u8 *)&th)[13];
	optlen = p->doff - sizeof(th);
	if (optlen > TANDEM_OPT_MAX)
		return -1;
	/* ((x - 1) & mask) + 1 == x for 1 <= x <= 40: a size the 6.1
	 * verifier knows is not 0 (it does not learn that from x != 0) */
	if (optlen && bpf_skb_load_bytes(skb, p->th_off + sizeof(th), p->opts,
					 ((optlen - 1) & TANDEM_OPT_MASK) + 1))
		return -1;
	tandem_parse_opts(p);
	return 0;
}

#endif /* _TANDEM_PARSE_BPF_H */
