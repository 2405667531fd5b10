/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client's segment into this node's local space: ack and SACK blocks +
 * seq_delta, TSecr + ts_delta, the ack clamped to the local socket's
 * snd_nxt (Linux discards a segment that acknowledges unsent data, payload
 * included) and raised to its snd_una. What a backup does to every
 * mirrored segment (repl_in), and a primary that took the connection over
 * to every segment from the client (client_in). What the stack does not
 * see of the ACK a backup gives it later (pending.bpf.h).
 */
#ifndef _TANDEM_XLATE_IN_BPF_H
#define _TANDEM_XLATE_IN_BPF_H

#include "pending.bpf.h"

/*
 * Clamps @ack (local space) to the shadow socket's snd_nxt, raises it to
 * its snd_una. The part beyond snd_nxt is kept pending (pending.bpf.h).
 */
static __always_inline __u32 tandem_clamp_snd(struct __sk_buff *skb,
				       const struct tandem_pkt *p,
				       struct tandem_bpf_conn *c, __u32 ack)
{
	struct tandem_sock s;

	/* a request socket is found as its listener: nothing to clamp to */
	if (tandem_sock_read(skb, p, 1, &s))
		return ack;
	if (tandem_after(ack, s.snd_nxt)) {
		tandem_pending_note(c, p, ack);
		ack = s.snd_nxt;
		tandem_count(TANDEM_BPF_STAT_ACK_CLAMPED);
	} else if (tandem_before(ack, s.snd_una)) {
		ack = s.snd_una;
	} else if ((c->flags & TANDEM_BPF_CONN_F_PACK) &&
		   !tandem_before(ack, c->pending_ack)) {
		c->flags &= ~TANDEM_BPF_CONN_F_PACK;	/* the stack sees it all */
	}
	return ack;
}

/* The largest TSecr (wire) is kept: a new primary's TSval goes past it. */
static __always_inline int tandem_xlate_in(struct __sk_buff *skb,
					   const struct tandem_pkt *p,
					   struct tandem_bpf_conn *c)
{
	__u32 ack;

	if (p->flags & TANDEM_TCP_ACK) {
		if (!(c->flags & TANDEM_BPF_CONN_F_CACK) ||
		    tandem_after(p->ack, c->max_cack)) {
			c->max_cack = p->ack;
			c->flags |= TANDEM_BPF_CONN_F_CACK;
		}
		ack = tandem_clamp_snd(skb, p, c, p->ack + c->seq_delta);
		if (tandem_put32(skb, p, TANDEM_TH_ACK, ack))
			return -1;
	}
	if (p->sack_n && tandem_xlate_sack(skb, p, c->seq_delta))
		return -1;
	if (p->ts_off && (c->flags & TANDEM_BPF_CONN_F_TS)) {
		if (!(c->flags & TANDEM_BPF_CONN_F_TSECR) ||
		    tandem_after(p->tsecr, c->max_tsecr)) {
			c->max_tsecr = p->tsecr;
			c->flags |= TANDEM_BPF_CONN_F_TSECR;
		}
		if (tandem_xlate_ts(skb, p, 0, c->ts_delta))
			return -1;
	}
	tandem_count(TANDEM_BPF_STAT_TRANSLATED);
	return 0;
}

#endif /* _TANDEM_XLATE_IN_BPF_H */
