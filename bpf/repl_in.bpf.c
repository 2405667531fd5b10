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
 *
 * Primary: the backups' reports (tandem_bpf.h) come the other way, from
 * the VIP; they update tandem_progress, and when they open the clamp the
 * report becomes a kick that makes the primary's stack ACK at once.
 */
#include "xlate_in.bpf.h"

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

static __always_inline int backup(struct __sk_buff *skb,
				  const struct tandem_pkt *p,
				  const struct tandem_bpf_group *g)
{
	struct tandem_bpf_conn_key k;
	struct tandem_bpf_conn *c;

	/* the current primary's; the urgent pointer 0 again (no URG) */
	if (!tandem_epoch_ok(skb, p, g) ||
	    (!(p->flags & TANDEM_TCP_URG) &&
	     tandem_put(skb, p, TANDEM_BPF_TH_URP, 0, 2)))
		return TC_ACT_SHOT;
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
	/* the client's window, for the ACKs given back (pending.bpf.h) */
	c->last_win = p->win;
	return tandem_xlate_in(skb, p, c) ? TC_ACT_SHOT : TC_ACT_OK;
}

/* The smallest rcv_nxt over the backups that reported. */
static __always_inline __u32 min_rcv(const struct tandem_bpf_progress *pr,
				     __u32 dflt)
{
	__u32 m = dflt;
	int i, n = 0;

	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++) {
		if (!pr->peers[i].node_id)
			continue;
		if (!n++ || tandem_before(pr->peers[i].rcv_nxt, m))
			m = pr->peers[i].rcv_nxt;
	}
	return m;
}

/* Records backup @node's report in the connection's progress. */
static __always_inline struct tandem_bpf_progress *
take_report(const struct tandem_bpf_conn_key *k, const struct tandem_pkt *p,
	    __u32 node)
{
	struct tandem_bpf_progress *pr = bpf_map_lookup_elem(&tandem_progress, k);
	struct tandem_bpf_progress zero = {};
	int i, slot = -1;

	if (!pr) {
		bpf_map_update_elem(&tandem_progress, k, &zero, BPF_NOEXIST);
		pr = bpf_map_lookup_elem(&tandem_progress, k);
		if (!pr)
			return NULL;
	}
	/* its own slot, else the first free one */
	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++) {
		if (pr->peers[i].node_id == node) {
			slot = i;
			break;
		}
		if (!pr->peers[i].node_id && slot < 0)
			slot = i;
	}
	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++) {
		struct tandem_bpf_peer *pe = &pr->peers[i];

		if (i != slot)
			continue;
		if (pe->node_id == node && tandem_before(p->ack, pe->rcv_nxt))
			return pr;	/* reordered: older than what it said */
		pe->rcv_nxt = p->ack;
		pe->rcv_edge = p->seq;
		pe->node_id = node;
		pe->sack_start = p->ack;
		pe->sack_end = p->ack;
		if (p->sack_n) {
			__u32 a = tandem_opt32(p, p->sack_off);
			__u32 b = tandem_opt32(p, p->sack_off + 4);

			if (tandem_after(a, p->ack) && tandem_after(b, a)) {
				pe->sack_start = a;
				pe->sack_end = b;
			}
		}
		return pr;
	}
	return NULL;
}

/*
 * The clamp opened: make the primary's own stack send an ACK at once, as
 * the module does. The report becomes a segment from the client that
 * repeats its last received byte (seq rcv_nxt - 1, with the client's last
 * TSval): TCP answers a duplicate with an immediate ACK (not rate-limited
 * like an out-of-window one), which client_out clamps to the new minimum.
 * The stack computes seq, window and timestamps itself.
 * Its ACK is snd_una - 1, an old one: the stack then takes no window from
 * it. At snd_una its seq, after the start of the client's last data
 * segment (snd_wl1), made the stack take its window as the client's: an
 * old one (client_win, learnt from the echo), which either held the
 * primary's output back or sent it past the client's window (the client
 * dropped it: TcpExtBeyondWindow). Before any of the stack's output is
 * acknowledged, an ACK below snd_una is refused (RFC 5961's check,
 * bounded by bytes_acked): snd_una then, and client_win as the window.
 */
static __always_inline int kick(struct __sk_buff *skb,
				const struct tandem_pkt *p,
				struct tandem_bpf_conn *c)
{
	__u32 hdr = p->th_off + p->doff, nxt, una, v[2];
	struct tandem_sock s;
	__be16 w;
	__u8 fl = TANDEM_TCP_ACK, z = 0;

	if (tandem_sock_read(skb, p, 0, &s))
		return TC_ACT_SHOT;
	nxt = s.rcv_nxt;
	una = s.bytes_acked ? s.snd_una - 1 : s.snd_una;
	if (!tandem_after(nxt, c->ack_sent) || !(c->flags & TANDEM_BPF_CONN_F_CWIN))
		return TC_ACT_SHOT;
	if (bpf_skb_change_tail(skb, hdr + 1, 0))
		return TC_ACT_SHOT;
	/* from the client: addresses and ports swapped (sums unchanged) */
	v[0] = p->daddr;
	v[1] = p->saddr;
	w = bpf_htons(hdr + 1 - p->nh_off);
	if (bpf_skb_store_bytes(skb, p->nh_off + 12, v, 8, 0) ||
	    bpf_skb_store_bytes(skb, p->nh_off + 2, &w, 2, 0) ||
	    bpf_l3_csum_replace(skb, p->nh_off + 10, bpf_htons(p->payload +
				p->th_off - p->nh_off + p->doff), w, 2))
		return TC_ACT_SHOT;
	v[0] = (__u32)p->dport | (__u32)p->sport << 16;
	w = bpf_htons(c->client_win);
	if (bpf_skb_store_bytes(skb, p->th_off, v, 4, 0) ||
	    tandem_put32(skb, p, TANDEM_TH_SEQ, nxt - 1) ||
	    tandem_put32(skb, p, TANDEM_TH_ACK, una) ||
	    bpf_skb_store_bytes(skb, p->th_off + 13, &fl, 1, 0) ||
	    bpf_skb_store_bytes(skb, p->th_off + TANDEM_TH_WIN, &w, 2, 0) ||
	    bpf_skb_store_bytes(skb, hdr, &z, 1, 0))
		return TC_ACT_SHOT;
	if (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TS) &&
	    (tandem_put32(skb, p, p->ts_off, c->max_tsval) ||
	     tandem_put32(skb, p, p->ts_off + 4, c->last_tsval + c->ts_delta)))
		return TC_ACT_SHOT;
	if (p->sack_n && tandem_strip_sack(skb, p))
		return TC_ACT_SHOT;
	/*
	 * Its checksum is not maintained: a CHECKSUM_PARTIAL skb (a veth) is
	 * not checked by TCP, an UNNECESSARY one (WireGuard) neither, a NONE
	 * one is made UNNECESSARY (it came over the authenticated transport).
	 */
	if (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) < 0)
		bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	bpf_skb_change_type(skb, TANDEM_PACKET_HOST);
	skb->mark = TANDEM_BPF_MARK;
	tandem_count(TANDEM_BPF_STAT_KICKED);
	return TC_ACT_OK;
}

/*
 * A backup confirmed the SYN (its report is its own SYN-ACK) and the hold
 * is over: the primary's SYN-ACK, held by client_out, must go now. The
 * report becomes the client's SYN again (seq = its ISN, its TSval); the
 * stack answers a retransmitted SYN on a pending connection by sending
 * its SYN-ACK again (at most twice a second), which client_out now lets
 * through. The options (MSS, SACK, window scale) stay the backup's: a
 * retransmitted SYN's are not read. Checksum: as the kick's.
 */
static __always_inline int replay_syn(struct __sk_buff *skb,
				      const struct tandem_pkt *p,
				      struct tandem_bpf_conn *c)
{
	__u32 v[2];
	__u8 fl = TANDEM_TCP_SYN;

	v[0] = p->daddr;
	v[1] = p->saddr;
	if (bpf_skb_store_bytes(skb, p->nh_off + 12, v, 8, 0))
		return TC_ACT_SHOT;
	v[0] = (__u32)p->dport | (__u32)p->sport << 16;
	if (bpf_skb_store_bytes(skb, p->th_off, v, 4, 0) ||
	    tandem_put32(skb, p, TANDEM_TH_SEQ, c->client_isn) ||
	    tandem_put32(skb, p, TANDEM_TH_ACK, 0) ||
	    bpf_skb_store_bytes(skb, p->th_off + 13, &fl, 1, 0))
		return TC_ACT_SHOT;
	if (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TS) &&
	    (tandem_put32(skb, p, p->ts_off, c->max_tsval) ||
	     tandem_put32(skb, p, p->ts_off + 4, 0)))
		return TC_ACT_SHOT;
	if (bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY) < 0)
		bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	bpf_skb_change_type(skb, TANDEM_PACKET_HOST);
	skb->mark = TANDEM_BPF_MARK;
	tandem_count(TANDEM_BPF_STAT_SYN_REPLAYED);
	return TC_ACT_OK;
}

/*
 * [*a, *b) cut to what backup slot @pe holds: everything below its
 * rcv_nxt, and its last SACK block. One block stays (the lower part where
 * two would).
 */
static __always_inline void cut_to(const struct tandem_bpf_peer *pe,
				   __u32 *a, __u32 *b)
{
	__u32 n = pe->rcv_nxt, ss = pe->sack_start, se = pe->sack_end;
	int sack = tandem_after(se, n) && tandem_after(se, ss);

	if (!tandem_before(n, *b))
		return;				/* it holds all of it */
	if (sack && !tandem_after(ss, n))
		n = se;				/* contiguous up to se */
	if (tandem_after(n, *a)) {
		if (tandem_before(n, *b))
			*b = n;
		return;
	}
	if (!sack || !tandem_after(se, *a) || !tandem_before(ss, *b)) {
		*b = *a;			/* nothing of it */
		return;
	}
	if (tandem_after(ss, *a))
		*a = ss;
	if (tandem_before(se, *b))
		*b = se;
}

/* NOPs from TCP header offset @from (even) to @to. */
static __always_inline int nops(struct __sk_buff *skb, const struct tandem_pkt *p,
				__u32 from, __u32 to)
{
	__u32 i;

	for (i = 0; i < 3 * 8; i += 2) {
		if (from + i >= to)
			break;
		if (tandem_put(skb, p, from + i, 0x0101, 2))
			return -1;
	}
	return 0;
}

/*
 * Resends without a copy (docs/datapath-bpf.md, "Resends"): a backup's
 * duplicate ACK with SACK, at the ACK the client last received, says that
 * it lacks the bytes at the clamp and holds a block beyond. It becomes a
 * duplicate ACK to the client, built in place: the primary's own wire
 * seq (its socket's snd_nxt), the ACK and window the client last got, the
 * primary's last TSval, and one SACK block, the report's first cut to
 * what every other backup holds. The client's loss recovery (RACK, or
 * three of them) resends the hole at once instead of after its
 * retransmission timeout; client_in mirrors the resend like any segment.
 * SACK is advisory (RFC 2018): the client drops nothing it was told of
 * before a cumulative ACK covers it. It leaves by the client device the
 * connection's segments came in on, to the MAC they came from (a report
 * from an L3 transport gets an Ethernet header pushed).
 */
static __always_inline int dupack(struct __sk_buff *skb,
				  const struct tandem_pkt *p,
				  struct tandem_bpf_conn *c,
				  const struct tandem_bpf_progress *pr, __u32 node)
{
	__u32 a, b, a0, b0, seq, shift, win, i;
	struct tandem_sock s;
	__u8 mac[ETH_HLEN];

	if (!p->sack_n || p->ack != c->ack_sent ||
	    (p->nh_off != ETH_HLEN && p->nh_off) ||
	    !(c->flags & TANDEM_BPF_CONN_F_L2) || !c->cdev)
		return TC_ACT_SHOT;
	a = tandem_opt32(p, p->sack_off);
	b = tandem_opt32(p, p->sack_off + 4);
	if (!tandem_after(a, p->ack) || !tandem_after(b, a))
		return TC_ACT_SHOT;
	a0 = a;
	b0 = b;
	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++) {
		if (!pr->peers[i].node_id || pr->peers[i].node_id == node)
			continue;
		cut_to(&pr->peers[i], &a, &b);
	}
	if (!tandem_after(b, a))
		return TC_ACT_SHOT;		/* no backup holds anything more */
	if (tandem_sock_read(skb, p, 0, &s))
		return TC_ACT_SHOT;
	seq = s.snd_nxt - c->seq_delta;
	if ((c->flags & TANDEM_BPF_CONN_F_CACK) && tandem_after(c->max_cack, seq))
		seq = c->max_cack;
	shift = (c->flags & TANDEM_BPF_CONN_F_WS) ? c->wscale & 15 : 0;
	win = (c->edge_sent - c->ack_sent) >> shift;
	if (win > 0xffff)
		win = 0xffff;
	if (tandem_put32(skb, p, TANDEM_TH_SEQ, seq) ||
	    tandem_put(skb, p, TANDEM_TH_WIN, win, 2))
		return TC_ACT_SHOT;
	if (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TS) &&
	    (tandem_put32(skb, p, p->ts_off, c->last_tsval) ||
	     tandem_put32(skb, p, p->ts_off + 4, c->max_tsval)))
		return TC_ACT_SHOT;
	/* one block: [a, b), the option's length 10, the rest NOPs */
	if ((a != a0 && tandem_put32(skb, p, p->sack_off, a)) ||
	    (b != b0 && tandem_put32(skb, p, p->sack_off + 4, b)))
		return TC_ACT_SHOT;
	if (p->sack_n > 1 &&
	    (tandem_put(skb, p, p->sack_off - 2, TANDEM_OPT_SACK << 8 | 10, 2) ||
	     nops(skb, p, p->sack_off + 8, p->sack_off - 2 + p->sack_len)))
		return TC_ACT_SHOT;
	if (a != a0 || b != b0)
		tandem_count(TANDEM_BPF_STAT_SACK_CUT);
	/* from an L3 transport (WireGuard): an Ethernet header pushed */
	if (!p->nh_off && bpf_skb_change_head(skb, ETH_HLEN, 0))
		return TC_ACT_SHOT;
	__builtin_memcpy(mac, c->cmac, 6);
	__builtin_memcpy(mac + 6, c->lmac, 6);
	*(__be16 *)&mac[12] = bpf_htons(ETH_P_IP);
	if (bpf_skb_store_bytes(skb, 0, mac, ETH_HLEN, 0))
		return TC_ACT_SHOT;
	skb->mark = TANDEM_BPF_MARK;
	tandem_count(TANDEM_BPF_STAT_DUPACK_SENT);
	return bpf_redirect(c->cdev, 0);
}

/* Primary: a backup's report (tandem_bpf.h), then maybe the kick. */
static __always_inline int primary(struct __sk_buff *skb,
				   const struct tandem_pkt *p,
				   const struct tandem_bpf_group *g)
{
	struct tandem_bpf_progress *pr;
	struct tandem_bpf_conn_key k;
	struct tandem_bpf_conn *c;
	__u16 id;

	if (bpf_skb_load_bytes(skb, p->nh_off + 4, &id, 2) || !id)
		return TC_ACT_SHOT;
	/* a report of this epoch; what it becomes carries no tag */
	if (!tandem_epoch_ok(skb, p, g) ||
	    tandem_put(skb, p, TANDEM_BPF_TH_URP, 0, 2))
		return TC_ACT_SHOT;
	tandem_key(&k, p, 0);
	c = bpf_map_lookup_elem(&tandem_conns, &k);
	if (!c) {
		tandem_count(TANDEM_BPF_STAT_NO_CONN);
		return TC_ACT_SHOT;
	}
	pr = take_report(&k, p, bpf_ntohs(id));
	if (!pr)
		return TC_ACT_SHOT;
	tandem_count(TANDEM_BPF_STAT_REPORT_RECV);
	if (p->flags & TANDEM_TCP_SYN) {
		tandem_count(TANDEM_BPF_STAT_CONFIRMED);
		if ((c->flags & (TANDEM_BPF_CONN_F_DELTA | TANDEM_BPF_CONN_F_ESTAB)) !=
		    TANDEM_BPF_CONN_F_DELTA || (c->flags & TANDEM_BPF_CONN_F_UNPROT) ||
		    tandem_confirmed(pr) < tandem_backups(g))
			return TC_ACT_SHOT;
		return replay_syn(skb, p, c);
	}
	if (!(c->flags & TANDEM_BPF_CONN_F_SENT))
		return TC_ACT_SHOT;
	if (!tandem_after(min_rcv(pr, c->ack_sent), c->ack_sent))
		return dupack(skb, p, c, pr, bpf_ntohs(id));	/* or taken */
	return kick(skb, p, c);
}

static __always_inline int from_mirror(const struct tandem_bpf_group *g,
				       __u32 ifindex)
{
	int i;

	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++)
		if (g->mirror_ifindex[i] && g->mirror_ifindex[i] == ifindex)
			return 1;
	return 0;
}

SEC("tc")
int tandem_repl_in(struct __sk_buff *skb)
{
	struct tandem_bpf_group *g, *gs;
	struct tandem_pkt *p = tandem_parse(skb);

	if (!p)
		return TC_ACT_OK;
	/* to VIP:service: a mirrored segment, for a backup only */
	g = tandem_group(p->daddr);
	if (g && tandem_is_service(p->daddr, p->dport)) {
		if (g->role != TANDEM_BPF_ROLE_BACKUP ||
		    !from_repl(g, skb->ingress_ifindex))
			goto refuse;
		return backup(skb, p, g);
	}
	/* from VIP:service: a backup's report, for the live primary only */
	gs = tandem_group(p->saddr);
	if (gs && tandem_is_service(p->saddr, p->sport)) {
		if (!tandem_live_primary(gs) ||
		    !(from_repl(gs, skb->ingress_ifindex) ||
		      from_mirror(gs, skb->ingress_ifindex)))
			goto refuse;
		return primary(skb, p, gs);
	}
	if (!g)
		return TC_ACT_OK;	/* the transport's own */
refuse:
	tandem_count(TANDEM_BPF_STAT_NOT_REPL);
	return TC_ACT_SHOT;
}
