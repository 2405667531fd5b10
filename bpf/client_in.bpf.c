// SPDX-License-Identifier: GPL-2.0
/*
 * tc ingress of a client-facing device.
 *
 * Primary (live lease): every client segment of a protected service whose
 * checksum is right is cloned to the replication devices, then accepted.
 * The handshake-completing ACK is mirrored only if it acknowledges this
 * node's SYN-ACK: backups learn the wire ISN from it.
 * A primary that took a connection over (its deltas are not 0) also puts
 * the client's segments in its local space, as a backup does (xlate_in).
 * Any other role: TCP to the VIP from the network is dropped (one
 * writer, one reader: a backup's stack is fed through the mirror only).
 * TCP from VIP:service arriving from the network is forged (a backup's
 * report, say): dropped in any role.
 */
#include "xlate_in.bpf.h"

/* One's complement sum of the IPv4 pseudo-header, folded. */
static __always_inline __u32 pseudo_sum(const struct tandem_pkt *p)
{
	__u64 s = (__u64)p->saddr + p->daddr;

	s += bpf_htons(IPPROTO_TCP) + bpf_htons(p->doff + p->payload);
	return tandem_fold(s);
}

struct csum_walk {
	struct __sk_buff *skb;
	__u64 off, len;		/* the TCP segment */
	__s64 sum;
};

/*
 * bpf_loop() callback: adds chunk @i (512 bytes, the last one shorter) to
 * the sum. Only the sum changes from one call to the next, so that the
 * verifier sees the same state each time.
 */
static long csum_step(__u32 i, void *data)
{
	struct tandem_scratch *s = tandem_scratch_get();
	struct csum_walk *w = data;
	__u64 start = (__u64)i * TANDEM_SCRATCH, n;

	if (!s || start >= w->len || w->sum < 0)
		return 1;
	n = w->len - start;
	if (n > TANDEM_SCRATCH)
		n = TANDEM_SCRATCH;
	n = ((n - 1) & (TANDEM_SCRATCH - 1)) + 1;	/* 1..512, for 6.1 */
	if (bpf_skb_load_bytes(w->skb, w->off + start, s->buf, n)) {
		w->sum = -1;
		return 1;
	}
	if (n < TANDEM_SCRATCH) {
		s->buf[n] = 0;
		s->buf[n + 1] = 0;
		s->buf[n + 2] = 0;
	}
	w->sum = bpf_csum_diff(NULL, 0, (void *)s->buf, (n + 3) & ~3ULL,
			       (__u32)w->sum);
	return 0;
}

/* Software check of the TCP checksum, 512 bytes at a time. */
static __always_inline int csum_sw(struct __sk_buff *skb,
				   const struct tandem_pkt *p)
{
	struct csum_walk w = {
		.skb = skb,
		.off = p->th_off,
		.len = p->doff + p->payload,
		.sum = pseudo_sum(p),
	};

	if (w.len > 65535)
		return 0;
	bpf_loop((w.len + TANDEM_SCRATCH - 1) / TANDEM_SCRATCH, csum_step, &w, 0);
	return w.sum >= 0 && tandem_fold(w.sum) == 0xffff;
}

/*
 * Is the segment's checksum right? CHECKSUM_UNNECESSARY: the device said
 * so. CHECKSUM_NONE (told apart from the others by raising the level and
 * seeing it take): summed here. CHECKSUM_COMPLETE and CHECKSUM_PARTIAL
 * (GRO-merged, or sent by a local stack over a veth) cannot be told apart
 * from BPF on 6.1: summed here, and a PARTIAL one, whose checksum field
 * holds the pseudo-header sum, is believed.
 */
static __always_inline int csum_ok(struct __sk_buff *skb,
				   const struct tandem_pkt *p)
{
	__u16 check;
	int none;

	if (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) >= 0)
		return 1;
	bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	none = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) >= 0;
	if (none)
		bpf_csum_level(skb, BPF_CSUM_LEVEL_DEC);
	if (csum_sw(skb, p))
		return 1;
	if (none)
		return 0;
	if (bpf_skb_load_bytes(skb, p->th_off + TANDEM_TH_CSUM, &check, 2))
		return 0;
	return check == pseudo_sum(p);
}

/*
 * Clones the segment to every replication device, with the tag of the
 * group's epoch (tandem_bpf.h); the original gets its own field back.
 */
static __always_inline void mirror(struct __sk_buff *skb,
				   const struct tandem_pkt *p,
				   const struct tandem_bpf_group *g)
{
	__u8 mac[ETH_ALEN];
	int l2 = p->nh_off == ETH_HLEN, i;
	__u16 old;

	if (tandem_tag_get(skb, p, &old) ||
	    tandem_tag_put(skb, p, tandem_bpf_epoch_tag(g->epoch))) {
		tandem_count(TANDEM_BPF_STAT_MIRROR_ERR);
		return;
	}
	if (l2 && bpf_skb_load_bytes(skb, 0, mac, ETH_ALEN))
		l2 = 0;
	if (l2)
		bpf_skb_store_bytes(skb, 0, g->mirror_mac, ETH_ALEN, 0);
	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++) {
		if (!g->mirror_ifindex[i])
			continue;
		if (bpf_clone_redirect(skb, g->mirror_ifindex[i], 0))
			tandem_count(TANDEM_BPF_STAT_MIRROR_ERR);
		else
			tandem_count(TANDEM_BPF_STAT_MIRRORED);
	}
	if (l2)
		bpf_skb_store_bytes(skb, 0, mac, ETH_ALEN, 0);
	tandem_tag_put(skb, p, old);
}

/*
 * The connection's entry if the segment is to be mirrored, else NULL: every
 * segment of a connection opened through the mirror, the handshake's ACK
 * only if it acknowledges this node's SYN-ACK.
 */
static __always_inline struct tandem_bpf_conn *admit(const struct tandem_pkt *p)
{
	struct tandem_bpf_conn_key k;
	struct tandem_bpf_conn *c;

	tandem_key(&k, p, 1);
	if ((p->flags & (TANDEM_TCP_SYN | TANDEM_TCP_ACK)) == TANDEM_TCP_SYN)
		return tandem_conn_syn(&k, p);
	c = bpf_map_lookup_elem(&tandem_conns, &k);
	if (!c) {
		tandem_count(TANDEM_BPF_STAT_NO_CONN);
		return NULL;
	}
	if (!(c->flags & TANDEM_BPF_CONN_F_ESTAB) &&
	    (p->flags & TANDEM_TCP_ACK) && !(p->flags & TANDEM_TCP_RST)) {
		if (!(c->flags & TANDEM_BPF_CONN_F_WIRE) ||
		    p->ack != c->wire_isn + 1) {
			tandem_count(TANDEM_BPF_STAT_HANDSHAKE_BAD);
			return NULL;
		}
		c->flags |= TANDEM_BPF_CONN_F_ESTAB;
	}
	tandem_conn_flags(c, p);
	/* what a segment built for the stack (repl_in's kick) repeats */
	tandem_learn_pending(c, p);
	return c;
}

/*
 * Where a duplicate ACK built from a backup's report goes (repl_in): the
 * device of the connection's segments, back to the MAC they came from.
 * Learnt from the first segment seen on a device (a promoted backup
 * learns it from the first one after its promotion).
 */
static __always_inline void learn_l2(struct __sk_buff *skb,
				     const struct tandem_pkt *p,
				     struct tandem_bpf_conn *c)
{
	__u8 mac[12];

	if (p->nh_off != ETH_HLEN ||
	    ((c->flags & TANDEM_BPF_CONN_F_L2) && c->cdev == skb->ingress_ifindex) ||
	    bpf_skb_load_bytes(skb, 0, mac, 12))
		return;
	__builtin_memcpy(c->lmac, mac, 6);
	__builtin_memcpy(c->cmac, mac + 6, 6);
	c->cdev = skb->ingress_ifindex;
	c->flags |= TANDEM_BPF_CONN_F_L2;
}

SEC("tc")
int tandem_client_in(struct __sk_buff *skb)
{
	struct tandem_bpf_conn *c;
	struct tandem_bpf_group *g;
	struct tandem_pkt *p;

	/*
	 * A backup's pending ACK, given back to its stack by client_out
	 * (pending.bpf.h). No segment from the network is marked: the mark
	 * is cleared when an skb crosses into another namespace, and a
	 * device sets none.
	 */
	if (skb->mark == TANDEM_BPF_MARK)
		return TC_ACT_OK;
	p = tandem_parse(skb);
	if (!p)
		return TC_ACT_OK;
	g = tandem_group(p->daddr);
	if (!g) {
		/*
		 * From a VIP, from the network: forged (a report comes over
		 * the replication transport, never a client-facing device).
		 */
		if (!tandem_group(p->saddr) ||
		    !tandem_is_service(p->saddr, p->sport))
			return TC_ACT_OK;
		tandem_count(TANDEM_BPF_STAT_NET_DROPPED);
		return TC_ACT_SHOT;
	}
	if (!tandem_live_primary(g)) {
		tandem_count(TANDEM_BPF_STAT_NET_DROPPED);
		return TC_ACT_SHOT;
	}
	if (!tandem_is_service(p->daddr, p->dport))
		return TC_ACT_OK;
	if (!csum_ok(skb, p)) {
		tandem_count(TANDEM_BPF_STAT_CSUM_BAD);
		return TC_ACT_OK;	/* the stack drops it */
	}
	c = admit(p);
	if (!c)
		return TC_ACT_OK;
	learn_l2(skb, p, c);
	mirror(skb, p, g);
	/*
	 * A connection this node took over is in another local space than
	 * the wire's: the client's segment is translated like a mirrored one
	 * (after the clones, which the backups translate themselves).
	 */
	if ((c->flags & TANDEM_BPF_CONN_F_DELTA) &&
	    (c->seq_delta || c->ts_delta) && (p->flags & TANDEM_TCP_ACK))
		return tandem_xlate_in(skb, p, c) ? TC_ACT_SHOT : TC_ACT_OK;
	return TC_ACT_OK;
}
