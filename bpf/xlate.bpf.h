/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rewriting of TCP header fields with an incremental checksum update:
 * sequence and acknowledgment numbers, the window, SACK blocks, TSval and
 * TSecr. bpf_l4_csum_replace() does nothing to the checksum of a
 * CHECKSUM_PARTIAL skb (what the stack sends: the device or GSO sums it
 * later) and keeps a CHECKSUM_COMPLETE one right, because the data and the
 * checksum field change by opposite amounts. Fields of options may sit at
 * an odd offset: their difference is then byte-swapped (one's complement
 * sums commute with a byte rotation).
 */
#ifndef _TANDEM_XLATE_BPF_H
#define _TANDEM_XLATE_BPF_H

#include "parse.bpf.h"

#define TANDEM_TH_SEQ		4
#define TANDEM_TH_ACK		8
#define TANDEM_TH_WIN		14
#define TANDEM_TH_CSUM		16

static __always_inline __u32 tandem_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Folds a checksum difference for a field at odd offset @off. */
static __always_inline __u32 tandem_diff_at(__u64 d, __u32 off)
{
	__u32 f = tandem_fold(d);

	if (off & 1)
		f = ((f & 0xff) << 8) | (f >> 8);
	return f;
}

/* Writes @len (2 or 4) bytes at @off of the TCP header. 0 or -1. */
static __always_inline int tandem_put(struct __sk_buff *skb,
				      const struct tandem_pkt *p, __u32 off,
				      __u32 val, __u32 len)
{
	__u32 at = p->th_off + off, csum = p->th_off + TANDEM_TH_CSUM;
	__u32 old = 0, new;
	__s64 d;

	if (len == 4)
		new = bpf_htonl(val);
	else
		new = bpf_htons(val);
	if (bpf_skb_load_bytes(skb, at, &old, len))
		return -1;
	if (old == new)
		return 0;
	if (bpf_skb_store_bytes(skb, at, &new, len, 0))
		return -1;
	if (!(off & 1))
		return bpf_l4_csum_replace(skb, csum, old, new, len) ? -1 : 0;
	/* bpf_csum_diff() wants multiples of 4: the 2-byte case pads with 0 */
	d = bpf_csum_diff(&old, 4, &new, 4, 0);
	if (d < 0)
		return -1;
	return bpf_l4_csum_replace(skb, csum, 0, tandem_diff_at(d, off), 0) ?
	       -1 : 0;
}

static __always_inline int tandem_put32(struct __sk_buff *skb,
					const struct tandem_pkt *p, __u32 off,
					__u32 val)
{
	return tandem_put(skb, p, off, val, 4);
}

/* The TCP header's 32-bit word at @off as parsed (options included). */
static __always_inline __u32 tandem_opt32(const struct tandem_pkt *p,
					  __u32 off)
{
	return tandem_get32(p->opts, off - sizeof(struct tcphdr));
}

/* Adds @delta to every SACK block edge. */
static __always_inline int tandem_xlate_sack(struct __sk_buff *skb,
					     const struct tandem_pkt *p,
					     __u32 delta)
{
	__u32 i, off;

	for (i = 0; i < 4; i++) {
		if (i >= p->sack_n)
			break;
		off = p->sack_off + 8 * i;
		if (tandem_put32(skb, p, off, tandem_opt32(p, off) + delta) ||
		    tandem_put32(skb, p, off + 4,
				 tandem_opt32(p, off + 4) + delta))
			return -1;
	}
	return 0;
}

/* Adds the deltas to TSval and TSecr (the option must be present). */
static __always_inline int tandem_xlate_ts(struct __sk_buff *skb,
					   const struct tandem_pkt *p,
					   __u32 tsval_delta, __u32 tsecr_delta)
{
	if (tsval_delta &&
	    tandem_put32(skb, p, p->ts_off, p->tsval + tsval_delta))
		return -1;
	if (tsecr_delta &&
	    tandem_put32(skb, p, p->ts_off + 4, p->tsecr + tsecr_delta))
		return -1;
	return 0;
}

/* True if a SACK block of @p reaches beyond @ack. */
static __always_inline int tandem_sack_beyond(const struct tandem_pkt *p,
					      __u32 ack)
{
	__u32 i;

	for (i = 0; i < 4; i++) {
		if (i >= p->sack_n)
			break;
		if (tandem_after(tandem_opt32(p, p->sack_off + 8 * i + 4), ack))
			return 1;
	}
	return 0;
}

/* Turns the whole SACK option (kind and length too) into NOPs. */
static __always_inline int tandem_strip_sack(struct __sk_buff *skb,
					     const struct tandem_pkt *p)
{
	__u32 i, start = p->sack_off - 2;

	for (i = 0; i < TANDEM_OPT_MAX; i += 2) {
		if (i >= p->sack_len)
			break;
		if (tandem_put(skb, p, start + i, 0x0101, 2))
			return -1;
	}
	return 0;
}

#endif /* _TANDEM_XLATE_BPF_H */
