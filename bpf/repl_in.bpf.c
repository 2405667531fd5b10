// SPDX-License-Identifier: GPL-2.0
/*
 * tc ingress of a replication device (the authenticated transport from the
 * primary: WireGuard; a veth or bridge only in a group marked as a test).
 *
 * Backup: a mirrored client segment is put in this node's local space and
 * passed to its stack: ack and SACK blocks + seq_delta, TSecr + ts_delta,
 * the ack clamped to the shadow socket's snd_nxt (Linux discards a segment
 * that acknowledges unsent data, payload included) and raised to its
 * snd_una. The deltas are learnt from the client's handshake ACK: its ack
 * is the wire ISN + 1 (the primary mirrors it only then) and its TSecr the
 * wire SYN-ACK's TSval; the local ones come from this node's own SYN-ACK
 * (client_out). A wrong guess cannot corrupt: the shadow socket would not
 * accept the handshake, and the connection stays unprotected here.
 * The segment arrived addressed to another MAC (or broadcast): it is made
 * PACKET_HOST, or TCP would drop it.
 * Any other role: mirrored segments to the VIP are dropped.
 */
#include "tandem.bpf.h"

#define TANDEM_PACKET_HOST	0

static __always_inline int from_repl(const struct tandem_bpf_group *g,
				     __u32 ifindex)
{
	int i;

	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++)
		if (g->repl_ifindex[i] && g->repl_ifindex[i] == ifindex)
			return 1;
	return 0;
}

/* Clamps @ack (local space) to the shadow socket's snd_nxt. */
static __always_inline __u32 clamp_snd(struct __sk_buff *skb,
				       const struct tandem_pkt *p,
				       struct tandem_bpf_conn *c, __u32 ack)
{
	struct bpf_sock_tuple t = {};
	struct bpf_tcp_sock *tp;
	struct bpf_sock *sk;

	t.ipv4.saddr = p->saddr;
	t.ipv4.daddr = p->daddr;
	t.ipv4.sport = p->sport;
	t.ipv4.dport = p->dport;
	sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return ack;
	/* a request socket is found as its listener: nothing to clamp to */
	if (sk->state != BPF_TCP_LISTEN) {
		tp = bpf_tcp_sock(sk);
		if (tp && tandem_after(ack, tp->snd_nxt)) {
			c->pending_ack = ack;
			ack = tp->snd_nxt;
			tandem_count(TANDEM_BPF_STAT_ACK_CLAMPED);
		} else if (tp && tandem_before(ack, tp->snd_una)) {
			ack = tp->snd_una;
		}
	}
	bpf_sk_release(sk);
	return ack;
}

/* The deltas, from the handshake-completing ACK. 0, or -1 if unknown. */
static __always_inline int learn(struct tandem_bpf_conn *c,
				 const struct tandem_pkt *p)
{
	if (c->flags & TANDEM_BPF_CONN_F_DELTA)
		return 0;
	if (!(p->flags & TANDEM_TCP_ACK) || (p->flags & TANDEM_TCP_RST) ||
	    !(c->flags & TANDEM_BPF_CONN_F_LOCAL))
		return -1;
	c->wire_isn = p->ack - 1;
	c->seq_delta = c->local_isn - c->wire_isn;
	if ((c->flags & TANDEM_BPF_CONN_F_TS) && p->ts_off) {
		c->wire_ts = p->tsecr;
		c->ts_delta = c->local_ts - c->wire_ts;
	}
	c->flags |= TANDEM_BPF_CONN_F_WIRE | TANDEM_BPF_CONN_F_DELTA |
		    TANDEM_BPF_CONN_F_ESTAB;
	return 0;
}

static __always_inline int translate(struct __sk_buff *skb,
				     const struct tandem_pkt *p,
				     struct tandem_bpf_conn *c)
{
	__u32 ack;

	if (p->flags & TANDEM_TCP_ACK) {
		if (tandem_after(p->ack, c->max_cack))
			c->max_cack = p->ack;
		ack = clamp_snd(skb, p, c, p->ack + c->seq_delta);
		if (tandem_put32(skb, p, TANDEM_TH_ACK, ack))
			return -1;
	}
	if (p->sack_n && tandem_xlate_sack(skb, p, c->seq_delta))
		return -1;
	if (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TS)) {
		if (tandem_xlate_ts(skb, p, 0, c->ts_delta))
			return -1;
		if (tandem_after(p->tsval, c->max_tsval))
			c->max_tsval = p->tsval;
	}
	tandem_count(TANDEM_BPF_STAT_TRANSLATED);
	return 0;
}

static __always_inline int backup(struct __sk_buff *skb,
				  const struct tandem_pkt *p)
{
	struct tandem_bpf_conn_key k;
	struct tandem_bpf_conn *c;

	bpf_skb_change_type(skb, TANDEM_PACKET_HOST);
	tandem_key(&k, p, 1);
	if ((p->flags & (TANDEM_TCP_SYN | TANDEM_TCP_ACK)) == TANDEM_TCP_SYN)
		return tandem_conn_syn(&k, p) ? TC_ACT_OK : TC_ACT_SHOT;
	c = bpf_map_lookup_elem(&tandem_conns, &k);
	if (!c) {
		tandem_count(TANDEM_BPF_STAT_NO_CONN);
		return TC_ACT_SHOT;
	}
	tandem_conn_flags(c, p);
	if (learn(c, p)) {
		if ((p->flags & TANDEM_TCP_RST) && !(p->flags & TANDEM_TCP_ACK))
			return TC_ACT_OK;	/* no field to translate */
		tandem_count(TANDEM_BPF_STAT_NO_DELTA);
		return TC_ACT_SHOT;
	}
	return translate(skb, p, c) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int tandem_repl_in(struct __sk_buff *skb)
{
	struct tandem_bpf_group *g;
	struct tandem_pkt *p = tandem_parse(skb);

	if (!p)
		return TC_ACT_OK;
	g = tandem_group(p->daddr);
	if (!g)
		return TC_ACT_OK;	/* not for a VIP: the transport's own */
	if (g->role != TANDEM_BPF_ROLE_BACKUP ||
	    !from_repl(g, skb->ingress_ifindex) ||
	    !tandem_is_service(p->daddr, p->dport)) {
		tandem_count(TANDEM_BPF_STAT_NOT_REPL);
		return TC_ACT_SHOT;
	}
	return backup(skb, p);
}
