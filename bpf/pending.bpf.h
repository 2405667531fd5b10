/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A backup's pending ACK (docs/datapath-bpf.md, "The bulk stall").
 *
 * A client ACK beyond the shadow socket's snd_nxt is clamped to it on the
 * way in (Linux discards a segment that acknowledges unsent data): the
 * client acknowledged output this backup's stack has not sent yet (its
 * output lags behind the primary's). Once sent, it is acknowledged only
 * by the client's next segment, and there may be none: once the client
 * has everything the primary sent and the clamp holds its window to this
 * backup's, it waits for the backup's window; the backup's server blocks
 * on a send buffer full of output its stack never saw acknowledged, stops
 * reading, and its window stays closed for good (the bulk stall).
 *
 * The rest of the ACK is kept (repl_in: tandem_pending_note) and given
 * back to the stack after its next output (client_out: tandem_reack), as
 * the module re-injects a clamped ACK after the backup's next output
 * (kmod/xlate.c save_tmpl, kmod/suppress.c reapply_check,
 * kmod/inject.c tandem_inject_reapply): the outgoing segment, stolen
 * anyway, becomes a pure ACK from the client at the stack's rcv_nxt,
 * acknowledging what the client acknowledged up to what the stack has
 * sent once this segment is out, and is redirected to the ingress of the
 * device it was leaving by. The stack reads it after this transmission:
 * the socket stays locked until its snd_nxt has moved past the segment.
 * The ACK stays pending until the stack's snd_una reaches it: one the
 * stack dropped is given again at the next output.
 */
#ifndef _TANDEM_PENDING_BPF_H
#define _TANDEM_PENDING_BPF_H

#include "tandem.bpf.h"

/* The client's ACK @ack (local space) in @p does not reach the stack. */
static __always_inline void tandem_pending_note(struct tandem_bpf_conn *c,
						const struct tandem_pkt *p,
						__u32 ack)
{
	if ((c->flags & TANDEM_BPF_CONN_F_PACK) &&
	    !tandem_after(ack, c->pending_ack))
		return;
	c->pending_ack = ack;
	c->pending_tsecr = (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TS)) ?
			   p->tsecr + c->ts_delta : 0;
	c->flags |= TANDEM_BPF_CONN_F_PACK;
}

/* What tandem_reack() needs, read before the segment is rewritten. */
struct tandem_reack {
	__u32 ack;		/* the ACK to give the stack, local space */
	__u32 rcv_nxt;		/* its seq */
	__u8 mac[12];		/* the outgoing segment's destination, source */
};

/*
 * The backup's own segment @p leaves: is a pending ACK due? 1 (and @r
 * filled) if the client acknowledged more of the stack's output than its
 * snd_una, up to what it has sent once @p is out.
 */
static __always_inline int tandem_reack_due(struct __sk_buff *skb,
					    const struct tandem_pkt *p,
					    struct tandem_bpf_conn *c,
					    struct tandem_reack *r)
{
	struct tandem_sock s;
	__u32 una, nxt, end, a;

	if (!(c->flags & TANDEM_BPF_CONN_F_PACK) || p->nh_off != ETH_HLEN ||
	    (p->flags & (TANDEM_TCP_SYN | TANDEM_TCP_RST)) ||
	    !(p->flags & TANDEM_TCP_ACK) || tandem_sock_read(skb, p, 0, &s))
		return 0;
	una = s.snd_una;
	nxt = s.snd_nxt;
	r->rcv_nxt = s.rcv_nxt;
	if (!tandem_after(c->pending_ack, una)) {
		c->flags &= ~TANDEM_BPF_CONN_F_PACK;	/* the stack has it */
		return 0;
	}
	/* snd_nxt moves past new data once it is out: before the ACK is read */
	end = p->seq + p->payload + !!(p->flags & TANDEM_TCP_FIN);
	if (tandem_after(end, nxt))
		nxt = end;
	a = tandem_before(c->pending_ack, nxt) ? c->pending_ack : nxt;
	if (!tandem_after(a, una) || bpf_skb_load_bytes(skb, 0, r->mac, 12))
		return 0;
	r->ack = a;
	return 1;
}

/*
 * The segment (maybe turned into a report and cloned away already)
 * becomes the client's pure ACK of r->ack at the stack's rcv_nxt: trimmed
 * to its headers, addresses, ports and MACs swapped (addressed to the
 * device's own MAC, or the ingress drops it as another host's), the
 * window of the client's last segment (the stack takes the window of an
 * ACK that moves snd_una, and the client may send nothing after it: a
 * window older than the stack's, zero, held it in its persist state for
 * good; a larger one than the client's only lets the stack send more
 * output, stolen anyway), TSval the stack's
 * ts_recent (its TSecr: PAWS passes), TSecr the pending segment's, no SACK
 * (its blocks are the backup's, of the client's data), urgent pointer 0.
 * Its TCP checksum is not maintained, as the kick's (repl_in.bpf.c). It
 * is redirected to the ingress of the device it was leaving by, marked,
 * so that client_in passes it. Returns the verdict, or -1.
 */
static __always_inline int tandem_reack(struct __sk_buff *skb,
					const struct tandem_pkt *p,
					const struct tandem_bpf_conn *c,
					const struct tandem_reack *r)
{
	__u32 hdr = p->th_off + p->doff, v[2];
	__u8 mac[12], fl = TANDEM_TCP_ACK;
	__be16 old, new;

	if (p->payload && bpf_skb_change_tail(skb, hdr, 0))
		return -1;
	if (bpf_skb_load_bytes(skb, p->nh_off + 2, &old, 2))
		return -1;
	new = bpf_htons(hdr - p->nh_off);
	if (bpf_skb_store_bytes(skb, p->nh_off + 2, &new, 2, 0) ||
	    bpf_l3_csum_replace(skb, p->nh_off + 10, old, new, 2))
		return -1;
	/* swapped: neither the IP nor the TCP sum changes */
	v[0] = p->daddr;
	v[1] = p->saddr;
	if (bpf_skb_store_bytes(skb, p->nh_off + 12, v, 8, 0))
		return -1;
	v[0] = (__u32)p->dport | (__u32)p->sport << 16;
	if (bpf_skb_store_bytes(skb, p->th_off, v, 4, 0) ||
	    tandem_put32(skb, p, TANDEM_TH_SEQ, r->rcv_nxt) ||
	    tandem_put32(skb, p, TANDEM_TH_ACK, r->ack) ||
	    bpf_skb_store_bytes(skb, p->th_off + 13, &fl, 1, 0) ||
	    tandem_put(skb, p, TANDEM_TH_WIN, c->last_win, 2) ||
	    tandem_put(skb, p, TANDEM_BPF_TH_URP, 0, 2))
		return -1;
	if (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TS) &&
	    (tandem_put32(skb, p, p->ts_off, p->tsecr) ||
	     tandem_put32(skb, p, p->ts_off + 4, c->pending_tsecr)))
		return -1;
	if (p->sack_n && tandem_strip_sack(skb, p))
		return -1;
	__builtin_memcpy(mac, r->mac + 6, 6);
	__builtin_memcpy(mac + 6, r->mac, 6);
	if (bpf_skb_store_bytes(skb, 0, mac, 12, 0))
		return -1;
	if (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) < 0)
		bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	skb->mark = TANDEM_BPF_MARK;
	tandem_count(TANDEM_BPF_STAT_ACK_REAPPLIED);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

#endif /* _TANDEM_PENDING_BPF_H */
