/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the three programs share: group and service lookups, the lease,
 * connection entries.
 */
#ifndef _TANDEM_BPF_COMMON_H
#define _TANDEM_BPF_COMMON_H

#include "maps.bpf.h"
#include "xlate.bpf.h"

/* The segment in @skb, parsed (in the per-CPU scratch), or NULL. */
static __always_inline struct tandem_pkt *tandem_parse(struct __sk_buff *skb)
{
	struct tandem_scratch *s = tandem_scratch_get();

	if (!s || tandem_parse_into(skb, &s->pkt))
		return NULL;
	return &s->pkt;
}

static __always_inline struct tandem_bpf_group *tandem_group(__be32 vip)
{
	return bpf_map_lookup_elem(&tandem_groups, &vip);
}

static __always_inline int tandem_is_service(__be32 vip, __be16 port)
{
	struct tandem_bpf_svc_key k = { .vip = vip, .port = port };

	return bpf_map_lookup_elem(&tandem_services, &k) != NULL;
}

/* The primary of the current epoch holding a valid lease. */
static __always_inline int tandem_live_primary(const struct tandem_bpf_group *g)
{
	return g->role == TANDEM_BPF_ROLE_PRIMARY &&
	       bpf_ktime_get_ns() < g->lease_expiry_ns;
}

/* The key of a segment from the client (@in) or to it. */
static __always_inline void tandem_key(struct tandem_bpf_conn_key *k,
				       const struct tandem_pkt *p, int in)
{
	k->caddr = in ? p->saddr : p->daddr;
	k->vip = in ? p->daddr : p->saddr;
	k->cport = in ? p->sport : p->dport;
	k->vport = in ? p->dport : p->sport;
}

/*
 * The entry of the connection a client's SYN opens. A retransmitted SYN
 * (same ISN) keeps its entry; a new SYN on a reused 4-tuple gets a fresh
 * one, never the old deltas.
 */
static __always_inline struct tandem_bpf_conn *
tandem_conn_syn(const struct tandem_bpf_conn_key *k, const struct tandem_pkt *p)
{
	struct tandem_bpf_conn *c = bpf_map_lookup_elem(&tandem_conns, k);
	struct tandem_scratch *s;

	if (c && c->client_isn == p->seq &&
	    !(c->flags & (TANDEM_BPF_CONN_F_RST | TANDEM_BPF_CONN_F_ESTAB)))
		return c;
	s = tandem_scratch_get();
	if (!s)
		return NULL;
	__builtin_memset(&s->conn, 0, sizeof(s->conn));
	s->conn.client_isn = p->seq;
	s->conn.created_ns = bpf_ktime_get_ns();
	if (p->ws)
		s->conn.flags |= TANDEM_BPF_CONN_F_WS;
	if (p->ts_off) {
		s->conn.flags |= TANDEM_BPF_CONN_F_TS | TANDEM_BPF_CONN_F_CTS;
		s->conn.max_tsval = p->tsval;
	}
	if (bpf_map_update_elem(&tandem_conns, k, &s->conn, BPF_ANY)) {
		tandem_count(TANDEM_BPF_STAT_CONN_FULL);
		return NULL;
	}
	/* nor the old connection's progress: it would open the clamp */
	bpf_map_delete_elem(&tandem_progress, k);
	tandem_count(TANDEM_BPF_STAT_NEW_CONN);
	return bpf_map_lookup_elem(&tandem_conns, k);
}

/* What the programs read of this node's own socket of a connection. */
struct tandem_sock {
	__u32 snd_una;
	__u32 snd_nxt;
	__u32 rcv_nxt;
	__u64 bytes_acked;
};

/*
 * Reads this node's socket of the connection of @p, a segment from the
 * client (@in) or to it (a report is addressed as one). 0, or -1 without
 * a full socket (a request socket is found as its listener).
 */
static __always_inline int tandem_sock_read(struct __sk_buff *skb,
					    const struct tandem_pkt *p, int in,
					    struct tandem_sock *s)
{
	struct bpf_sock_tuple t = {};
	struct bpf_tcp_sock *tp;
	struct bpf_sock *sk;
	int err = -1;

	t.ipv4.saddr = in ? p->saddr : p->daddr;
	t.ipv4.daddr = in ? p->daddr : p->saddr;
	t.ipv4.sport = in ? p->sport : p->dport;
	t.ipv4.dport = in ? p->dport : p->sport;
	sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return -1;
	tp = sk->state == BPF_TCP_LISTEN ? NULL : bpf_tcp_sock(sk);
	if (tp) {
		s->snd_una = tp->snd_una;
		s->snd_nxt = tp->snd_nxt;
		s->rcv_nxt = tp->rcv_nxt;
		s->bytes_acked = tp->bytes_acked;
		err = 0;
	}
	bpf_sk_release(sk);
	return err;
}

/* Flags every segment records on its connection. */
static __always_inline void tandem_conn_flags(struct tandem_bpf_conn *c,
					      const struct tandem_pkt *p)
{
	if (p->flags & TANDEM_TCP_FIN)
		c->flags |= TANDEM_BPF_CONN_F_FIN;
	if (p->flags & TANDEM_TCP_RST)
		c->flags |= TANDEM_BPF_CONN_F_RST;
}

/*
 * The epoch's tag a mirrored segment or a report carries (tandem_bpf.h):
 * in the urgent pointer, in the IP ID of a segment with URG.
 */
static __always_inline int tandem_tag_get(struct __sk_buff *skb,
					  const struct tandem_pkt *p, __u16 *tag)
{
	__u32 at = (p->flags & TANDEM_TCP_URG) ? p->nh_off + 4 :
		   p->th_off + TANDEM_BPF_TH_URP;
	__be16 v;

	if (bpf_skb_load_bytes(skb, at, &v, 2))
		return -1;
	*tag = bpf_ntohs(v);
	return 0;
}

/* Writes @tag where @p carries it, checksums kept right. 0 or -1. */
static __always_inline int tandem_tag_put(struct __sk_buff *skb,
					  const struct tandem_pkt *p, __u16 tag)
{
	__be16 old, new = bpf_htons(tag);

	if (!(p->flags & TANDEM_TCP_URG))
		return tandem_put(skb, p, TANDEM_BPF_TH_URP, tag, 2);
	if (bpf_skb_load_bytes(skb, p->nh_off + 4, &old, 2) ||
	    bpf_skb_store_bytes(skb, p->nh_off + 4, &new, 2, 0) ||
	    bpf_l3_csum_replace(skb, p->nh_off + 10, old, new, 2))
		return -1;
	return 0;
}

/*
 * Does @p carry the tag of @g's epoch? A mirrored segment or report of
 * another epoch (a stale primary's, a backup's that did not follow yet)
 * is counted and dropped.
 */
static __always_inline int tandem_epoch_ok(struct __sk_buff *skb,
					   const struct tandem_pkt *p,
					   const struct tandem_bpf_group *g)
{
	__u16 tag;

	if (!tandem_tag_get(skb, p, &tag) && tag == tandem_bpf_epoch_tag(g->epoch))
		return 1;
	tandem_count(TANDEM_BPF_STAT_STALE_EPOCH);
	return 0;
}

/* Backups that must confirm a SYN before the primary's SYN-ACK goes out. */
static __always_inline __u32 tandem_backups(const struct tandem_bpf_group *g)
{
	__u32 n = 0;
	int i;

	if (g->nbackups)
		return g->nbackups;
	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++)
		if (g->mirror_ifindex[i])
			n++;
	return n;
}

/* Backups with a slot in a connection's progress (they confirmed it). */
static __always_inline __u32 tandem_confirmed(const struct tandem_bpf_progress *pr)
{
	__u32 n = 0;
	int i;

	if (!pr)
		return 0;
	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++)
		if (pr->peers[i].node_id)
			n++;
	return n;
}

/*
 * The client's segment @p arrives: its TSval and window are only pending
 * (the stack may still refuse it: out of window, PAWS, a forgery). One
 * segment is pending at a time, the oldest since the last commit (the
 * stack's echo lags behind the newest segment while the client sends),
 * unless this one is older still (a pending TSval from the future was not
 * the client's). A TSval older than one the stack accepted fails PAWS
 * there: not even pending. Without timestamps nothing can tell, and the
 * window is taken as it comes.
 */
static __always_inline void tandem_learn_pending(struct tandem_bpf_conn *c,
						 const struct tandem_pkt *p)
{
	if (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TS)) {
		if (tandem_before(p->tsval, c->max_tsval))
			return;
		if ((c->flags & TANDEM_BPF_CONN_F_PEND) &&
		    !tandem_before(p->tsval, c->pend_tsval))
			return;
		c->pend_tsval = p->tsval;
		c->pend_win = p->win;
		c->flags |= TANDEM_BPF_CONN_F_PEND;
		return;
	}
	c->client_win = p->win;
	c->flags |= TANDEM_BPF_CONN_F_CWIN;
}

/*
 * This node's stack sends @p: its TSecr is the last client TSval the stack
 * accepted (ts_recent). Once it reaches the pending one, the stack took
 * that segment or a newer one: the pending window is the client's.
 */
static __always_inline void tandem_learn_echo(struct tandem_bpf_conn *c,
					      const struct tandem_pkt *p)
{
	if (!p->ts_off || !(c->flags & TANDEM_BPF_CONN_F_TS) ||
	    (p->flags & TANDEM_TCP_RST))
		return;
	if (tandem_after(p->tsecr, c->max_tsval))
		c->max_tsval = p->tsecr;
	if ((c->flags & TANDEM_BPF_CONN_F_PEND) &&
	    !tandem_before(p->tsecr, c->pend_tsval)) {
		c->client_win = c->pend_win;
		c->flags = (c->flags | TANDEM_BPF_CONN_F_CWIN) &
			   ~TANDEM_BPF_CONN_F_PEND;
	}
}

#endif /* _TANDEM_BPF_COMMON_H */
