// SPDX-License-Identifier: GPL-2.0
/*
 * tc egress of a client-facing device: what the node's stack sends from the
 * VIP.
 *
 * Primary (live lease): a segment of a protected connection is translated
 * from local to wire space (seq, TSval: after a takeover the deltas are
 * not 0), then its ACK number is clamped to what the backups hold (the
 * minimum of their rcv_nxt), a SACK option reaching beyond it is turned
 * into NOPs, and the window's right edge is lowered to the backups' (never
 * below an edge already advertised): no byte the client sees acknowledged
 * can be lost with the primary.
 * Any other role: segments from VIP:service (and resets from the VIP to
 * any port) are stolen, TC_ACT_STOLEN: the stack believes it sent them (a
 * drop would be returned to TCP as a failed transmission, and the shadow
 * connection would stall). A backup learns its local ISN and timestamp
 * from its own SYN-ACK and its progress from what it acknowledges; its
 * segment becomes its report when it acknowledges more, and the client's
 * pending ACK, given back to its stack, while one is due (pending.bpf.h).
 */
#include "pending.bpf.h"

static __always_inline __u32 wshift(const struct tandem_bpf_conn *c)
{
	return (c->flags & TANDEM_BPF_CONN_F_WS) ? c->wscale : 0;
}

static __always_inline void learn_synack(struct tandem_bpf_conn *c,
					 const struct tandem_pkt *p)
{
	if (c->flags & TANDEM_BPF_CONN_F_LOCAL)
		return;
	c->local_isn = p->seq;
	c->local_ts = p->tsval;
	c->wscale = p->ws ? p->ws - 1 : 0;
	c->flags |= TANDEM_BPF_CONN_F_LOCAL;
}

/*
 * The clamp: the smallest rcv_nxt and right edge over the backups that
 * reported. With none yet, nothing beyond the client's SYN is acknowledged.
 */
static __always_inline void limits(const struct tandem_bpf_conn_key *k,
				   const struct tandem_bpf_conn *c,
				   __u32 *ack, __u32 *edge, int *has_edge)
{
	struct tandem_bpf_progress *pr;
	int i, n = 0;

	*ack = c->client_isn + 1;
	*has_edge = 0;
	pr = bpf_map_lookup_elem(&tandem_progress, k);
	if (!pr)
		return;
	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++) {
		const struct tandem_bpf_peer *pe = &pr->peers[i];

		if (!pe->node_id)
			continue;
		if (!n || tandem_before(pe->rcv_nxt, *ack))
			*ack = pe->rcv_nxt;
		if (!n || tandem_before(pe->rcv_edge, *edge))
			*edge = pe->rcv_edge;
		n++;
	}
	*has_edge = n > 0;
}

/*
 * The right edge advertised is the stack's own (its ACK plus its window),
 * lowered to the backups' smallest, never below one already advertised:
 * the client may have sent up to that one. Taken from the lowered ACK
 * instead (the clamp's ACK plus the stack's window), it went back as the
 * stack's window closed while the clamp lagged (a server that stopped
 * reading): the client's pure ACKs then went out at that edge (Linux sends
 * them at its window's end when it has sent beyond), behind what the
 * stack had received, and the stack dropped them unread as old, their
 * ACK with them (the second stall of docs/datapath-bpf.md).
 */
static __always_inline int clamp(struct __sk_buff *skb,
				 const struct tandem_pkt *p,
				 const struct tandem_bpf_conn_key *k,
				 struct tandem_bpf_conn *c)
{
	__u32 ack = p->ack, lim, elim = 0, shift = wshift(c), nedge, win;
	__u32 edge = p->ack + ((__u32)p->win << shift);
	int has_edge;

	limits(k, c, &lim, &elim, &has_edge);
	if (tandem_after(ack, lim)) {
		if (tandem_put32(skb, p, TANDEM_TH_ACK, lim))
			return -1;
		ack = lim;
		tandem_count(TANDEM_BPF_STAT_CLAMPED);
	}
	if (p->sack_n && tandem_sack_beyond(p, ack)) {
		if (tandem_strip_sack(skb, p))
			return -1;
		tandem_count(TANDEM_BPF_STAT_SACK_STRIPPED);
	}
	nedge = edge;
	if (has_edge && tandem_after(edge, elim)) {
		nedge = elim;
		if ((c->flags & TANDEM_BPF_CONN_F_SENT) &&
		    tandem_after(c->edge_sent, nedge))
			nedge = c->edge_sent;
		if (tandem_after(nedge, edge))
			nedge = edge;
		if (nedge != edge)
			tandem_count(TANDEM_BPF_STAT_WIN_CLAMPED);
	}
	if (tandem_before(nedge, ack))
		nedge = ack;
	/* relative to the ACK sent, rounded down: never past the stack's edge */
	win = (nedge - ack) >> shift;
	if (win > 0xffff)
		win = 0xffff;
	if (win != p->win && tandem_put(skb, p, TANDEM_TH_WIN, win, 2))
		return -1;
	nedge = ack + (win << shift);
	c->ack_sent = ack;
	if (!(c->flags & TANDEM_BPF_CONN_F_SENT) ||
	    tandem_after(nedge, c->edge_sent))
		c->edge_sent = nedge;
	c->flags |= TANDEM_BPF_CONN_F_SENT;
	return 0;
}

/*
 * The SYN-ACK hold: the primary's SYN-ACK does not leave before every
 * backup has the SYN (their confirmations are slots in tandem_progress;
 * repl_in then makes the stack send it again). After the group's hold
 * time it leaves anyway, the connection unprotected by the backups that
 * never confirmed. 1: hold it.
 */
static __always_inline int hold(const struct tandem_bpf_conn_key *k,
				struct tandem_bpf_conn *c,
				const struct tandem_bpf_group *g)
{
	__u64 t = g->syn_hold_ms ? g->syn_hold_ms : 10000;

	if ((g->flags & TANDEM_BPF_GROUP_F_NOCLAMP) || !g->mirror_ifindex[0] ||
	    (c->flags & TANDEM_BPF_CONN_F_ESTAB) ||
	    tandem_confirmed(bpf_map_lookup_elem(&tandem_progress, k)) >=
	    tandem_backups(g))
		return 0;
	if (bpf_ktime_get_ns() - c->created_ns < t * 1000000) {
		tandem_count(TANDEM_BPF_STAT_SYNACK_HELD);
		return 1;
	}
	if (!(c->flags & TANDEM_BPF_CONN_F_UNPROT))
		tandem_count(TANDEM_BPF_STAT_HOLD_TIMEOUT);
	c->flags |= TANDEM_BPF_CONN_F_UNPROT;
	return 0;
}

/*
 * The wire seq of a segment of a connection taken over. Its server may be
 * behind the old primary's, whose output the client already has (it read
 * input the backup lost while the replication link was down, say): a pure
 * ACK from before the client's rcv_nxt would be dropped by the client
 * unread (out of window), and the ACK it carries, which the client needs
 * to resend what this node lacks, with it. A pure ACK is sent at the
 * client's rcv_nxt instead (its largest ACK, max_cack).
 */
static __always_inline __u32 wire_seq(const struct tandem_pkt *p,
				      const struct tandem_bpf_conn *c)
{
	__u32 seq = p->seq - c->seq_delta;

	if (!p->payload &&
	    !(p->flags & (TANDEM_TCP_SYN | TANDEM_TCP_FIN | TANDEM_TCP_RST)) &&
	    (c->flags & TANDEM_BPF_CONN_F_CACK) && tandem_after(c->max_cack, seq)) {
		tandem_count(TANDEM_BPF_STAT_ACK_RESEQ);
		return c->max_cack;
	}
	return seq;
}

static __always_inline int primary(struct __sk_buff *skb,
				   const struct tandem_pkt *p,
				   const struct tandem_bpf_group *g)
{
	struct tandem_bpf_conn_key k;
	struct tandem_bpf_conn *c;
	int synack = (p->flags & (TANDEM_TCP_SYN | TANDEM_TCP_ACK)) ==
		     (TANDEM_TCP_SYN | TANDEM_TCP_ACK);

	tandem_key(&k, p, 0);
	c = bpf_map_lookup_elem(&tandem_conns, &k);
	if (!c)
		return TC_ACT_OK;	/* not protected: as it is */
	if (synack && !(c->flags & TANDEM_BPF_CONN_F_DELTA)) {
		/* the connection opens here: its wire space is ours */
		learn_synack(c, p);
		c->wire_isn = c->local_isn;
		c->wire_ts = c->local_ts;
		c->seq_delta = 0;
		c->ts_delta = 0;
		c->flags |= TANDEM_BPF_CONN_F_WIRE | TANDEM_BPF_CONN_F_DELTA;
	}
	if (!(c->flags & TANDEM_BPF_CONN_F_DELTA))	/* no wire space */
		return (p->flags & TANDEM_TCP_RST) ? TC_ACT_OK : TC_ACT_STOLEN;
	tandem_learn_echo(c, p);
	if (synack && hold(&k, c, g))
		return TC_ACT_STOLEN;
	/*
	 * PAWS after a takeover: the client drops a segment whose TSval is
	 * older than what it saw from the old primary; its largest echo
	 * (TSecr) tells how far that went.
	 */
	if (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TSECR) &&
	    tandem_before(p->tsval - c->ts_delta, c->max_tsecr))
		c->ts_delta = p->tsval - c->max_tsecr;
	if (c->seq_delta || (p->ts_off && c->ts_delta)) {
		if (tandem_put32(skb, p, TANDEM_TH_SEQ, wire_seq(p, c)))
			return TC_ACT_SHOT;
		if (p->ts_off && tandem_xlate_ts(skb, p, -c->ts_delta, 0))
			return TC_ACT_SHOT;
		tandem_count(TANDEM_BPF_STAT_TRANSLATED);
	}
	if (p->ts_off)
		c->last_tsval = p->tsval - c->ts_delta;
	tandem_conn_flags(c, p);
	if (synack || !(p->flags & TANDEM_TCP_ACK) ||
	    (g->flags & TANDEM_BPF_GROUP_F_NOCLAMP) || !g->mirror_ifindex[0])
		return TC_ACT_OK;
	/* no backup confirmed it: served unprotected, not clamped */
	if ((c->flags & TANDEM_BPF_CONN_F_UNPROT) &&
	    !bpf_map_lookup_elem(&tandem_progress, &k))
		return TC_ACT_OK;
	if (clamp(skb, p, &k, c))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/*
 * A backup's segment that acknowledges more, or opens its window further,
 * than it last reported becomes its report to the primary (tandem_bpf.h):
 * trimmed to its headers, its urgent pointer the tag of its epoch (a
 * segment with URG is stolen instead), redirected to the replication device
 * (the stack sees a transmission, as with a stolen one). Returns the verdict, or -1
 * to steal it instead. @clone: a clone of it is the report, sent now, and
 * the segment is left for a pending ACK (0 then).
 */
static __always_inline int report(struct __sk_buff *skb,
				  const struct tandem_pkt *p,
				  const struct tandem_bpf_group *g, __u32 edge,
				  int clone)
{
	__u32 hdr = p->th_off + p->doff, ip = p->nh_off;
	__be16 old, new;

	if (!g->repl_ifindex[0] || p->nh_off != ETH_HLEN ||
	    (p->flags & TANDEM_TCP_URG))
		return -1;
	if (p->payload && bpf_skb_change_tail(skb, hdr, 0))
		return -1;
	if (bpf_skb_load_bytes(skb, ip + 2, &old, 2))
		return -1;
	new = bpf_htons(hdr - ip);
	if (bpf_skb_store_bytes(skb, ip + 2, &new, 2, 0) ||
	    bpf_l3_csum_replace(skb, ip + 10, old, new, 2))
		return -1;
	if (bpf_skb_load_bytes(skb, ip + 4, &old, 2))
		return -1;
	new = bpf_htons(g->node_id);
	if (bpf_skb_store_bytes(skb, ip + 4, &new, 2, 0) ||
	    bpf_l3_csum_replace(skb, ip + 10, old, new, 2) ||
	    tandem_put32(skb, p, TANDEM_TH_SEQ, edge) ||
	    tandem_put(skb, p, TANDEM_BPF_TH_URP, tandem_bpf_epoch_tag(g->epoch), 2) ||
	    bpf_skb_store_bytes(skb, 0, g->mirror_mac, ETH_ALEN, 0))
		return -1;
	if (clone && bpf_clone_redirect(skb, g->repl_ifindex[0], 0))
		return -1;
	tandem_count(TANDEM_BPF_STAT_REPORT_SENT);
	return clone ? 0 : bpf_redirect(g->repl_ifindex[0], 0);
}

/*
 * A backup's segment other than its SYN-ACK: maybe its report, maybe a
 * pending ACK given back to its stack (pending.bpf.h), maybe both (the
 * report a clone); else stolen (-1).
 */
static __always_inline int shadow_ack(struct __sk_buff *skb,
				      const struct tandem_pkt *p,
				      const struct tandem_bpf_group *g,
				      struct tandem_bpf_conn *c)
{
	__u32 edge = p->ack + ((__u32)p->win << wshift(c));
	struct tandem_reack r;
	int adv, due, v;

	/*
	 * A pure ACK that repeats what it reported is a duplicate (data it
	 * had, a hole): reported too, so that a new primary learns where
	 * this backup is.
	 */
	adv = !(c->flags & TANDEM_BPF_CONN_F_REPORTED) ||
	      tandem_after(p->ack, c->rcv_nxt) ||
	      tandem_after(edge, c->rcv_edge) ||
	      (!p->payload && !(p->flags & TANDEM_TCP_FIN));
	c->rcv_nxt = p->ack;
	c->rcv_edge = edge;
	c->flags |= TANDEM_BPF_CONN_F_REPORTED;
	due = tandem_reack_due(skb, p, c, &r);
	if (adv) {
		v = report(skb, p, g, edge, due);
		if (v >= 0 && !due)
			return v;
	}
	if (!due)
		return -1;
	v = tandem_reack(skb, p, c, &r);
	return v >= 0 ? v : TC_ACT_STOLEN;
}

/* A node that is not the live primary: its stack's output is stolen. */
static __always_inline int shadow(struct __sk_buff *skb,
				  const struct tandem_pkt *p,
				  const struct tandem_bpf_group *g)
{
	struct tandem_bpf_conn_key k;
	struct tandem_bpf_conn *c;
	int v;

	if (!tandem_is_service(p->saddr, p->sport)) {
		if (!(p->flags & TANDEM_TCP_RST))
			return TC_ACT_OK;
		tandem_count(TANDEM_BPF_STAT_FENCED_DROPPED);
		return TC_ACT_STOLEN;
	}
	tandem_key(&k, p, 0);
	c = bpf_map_lookup_elem(&tandem_conns, &k);
	if (c && g->role == TANDEM_BPF_ROLE_BACKUP) {
		tandem_learn_echo(c, p);
		if ((p->flags & (TANDEM_TCP_SYN | TANDEM_TCP_ACK)) ==
		    (TANDEM_TCP_SYN | TANDEM_TCP_ACK)) {
			/* its confirmation of the SYN (unscaled window) */
			learn_synack(c, p);
			c->rcv_nxt = p->ack;
			c->rcv_edge = p->ack + p->win;
			c->flags |= TANDEM_BPF_CONN_F_REPORTED;
			v = report(skb, p, g, c->rcv_edge, 0);
			if (v >= 0)
				return v;
		} else if ((p->flags & TANDEM_TCP_ACK) &&
			   !(p->flags & TANDEM_TCP_RST)) {
			v = shadow_ack(skb, p, g, c);
			if (v >= 0)
				return v;
		}
	}
	tandem_count(g->role == TANDEM_BPF_ROLE_BACKUP ?
		     TANDEM_BPF_STAT_STOLEN : TANDEM_BPF_STAT_FENCED_DROPPED);
	return TC_ACT_STOLEN;
}

SEC("tc")
int tandem_client_out(struct __sk_buff *skb)
{
	struct tandem_bpf_group *g;
	struct tandem_pkt *p;

	if (skb->mark == TANDEM_BPF_MARK)
		return TC_ACT_OK;	/* built by tandem, already in wire space */
	p = tandem_parse(skb);
	if (!p)
		return TC_ACT_OK;
	g = tandem_group(p->saddr);
	if (!g)
		return TC_ACT_OK;
	if (!tandem_live_primary(g))
		return shadow(skb, p, g);
	if (!tandem_is_service(p->saddr, p->sport))
		return TC_ACT_OK;
	return primary(skb, p, g);
}
