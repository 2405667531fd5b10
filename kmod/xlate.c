// SPDX-License-Identifier: GPL-2.0
/*
 * Translation of TCP header fields between wire space and local space:
 * sequence and acknowledgment numbers, SACK blocks, TSval and TSecr, and
 * the window. Each changed word updates the checksum incrementally
 * (nothing to do under CHECKSUM_PARTIAL: the device or GSO computes it).
 * The caller made the header writable.
 */
#include <asm/unaligned.h>
#include <net/checksum.h>
#include <net/tcp.h>

#include "datapath.h"

/* Replaces the 32-bit word at byte @off of the TCP header. */
static void put32(struct sk_buff *skb, struct tcphdr *th, unsigned int off,
		  u32 val)
{
	u8 *p = (u8 *)th + off;
	u8 old[6], new[6];
	__wsum diff;

	if (!(off & 1)) {
		__be32 from = cpu_to_be32(get_unaligned_be32(p));
		__be32 to = cpu_to_be32(val);

		put_unaligned_be32(val, p);
		inet_proto_csum_replace4(&th->check, skb, from, to, false);
		return;
	}
	/* Odd offset: the 16-bit words around the field change. */
	memcpy(old, p - 1, 6);
	put_unaligned_be32(val, p);
	memcpy(new, p - 1, 6);
	diff = csum_sub(csum_partial(new, 6, 0), csum_partial(old, 6, 0));
	inet_proto_csum_replace_by_diff(&th->check, skb, diff, false, false);
}

void tandem_xlate_seq(struct sk_buff *skb, struct tcphdr *th, u32 seq)
{
	put32(skb, th, offsetof(struct tcphdr, seq), seq);
}

void tandem_xlate_ack(struct sk_buff *skb, struct tcphdr *th, u32 ack)
{
	put32(skb, th, offsetof(struct tcphdr, ack_seq), ack);
}

void tandem_xlate_win(struct sk_buff *skb, struct tcphdr *th, u16 win)
{
	__be16 old = th->window;

	th->window = htons(win);
	inet_proto_csum_replace2(&th->check, skb, old, th->window, false);
}

/*
 * Calls @fn for each option of @th with its offset from the start of the
 * header and its length; stops when @fn returns true.
 */
static void walk_opts(const struct tcphdr *th,
			 bool (*fn)(const u8 *opt, unsigned int off,
				    unsigned int len, void *arg),
			 void *arg)
{
	unsigned int end = th->doff * 4, off = sizeof(*th), len;
	const u8 *p = (const u8 *)th;

	while (off < end) {
		if (p[off] == TCPOPT_EOL)
			return;
		if (p[off] == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= end)
			return;
		len = p[off + 1];
		if (len < 2 || off + len > end)
			return;
		if (fn(p + off, off, len, arg))
			return;
		off += len;
	}
}

struct opts_arg {
	struct sk_buff *skb;
	struct tcphdr *th;
	u32 sack_delta, tsval_delta, tsecr_delta;
};

static bool xlate_opt(const u8 *opt, unsigned int off, unsigned int len,
		      void *arg)
{
	struct opts_arg *a = arg;
	const u8 *base = (const u8 *)a->th;
	unsigned int o;

	if (opt[0] == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP) {
		if (a->tsval_delta)
			put32(a->skb, a->th, off + 2,
			      get_unaligned_be32(base + off + 2) + a->tsval_delta);
		if (a->tsecr_delta)
			put32(a->skb, a->th, off + 6,
			      get_unaligned_be32(base + off + 6) + a->tsecr_delta);
	} else if (opt[0] == TCPOPT_SACK && a->sack_delta) {
		for (o = off + 2; o + 8 <= off + len; o += 4)
			put32(a->skb, a->th, o,
			      get_unaligned_be32(base + o) + a->sack_delta);
	}
	return false;
}

void tandem_xlate_opts(struct sk_buff *skb, struct tcphdr *th, u32 sack_delta,
		       u32 tsval_delta, u32 tsecr_delta)
{
	struct opts_arg a = { skb, th, sack_delta, tsval_delta, tsecr_delta };

	if (sack_delta || tsval_delta || tsecr_delta)
		walk_opts(th, xlate_opt, &a);
}

struct sack_arg {
	struct sk_buff *skb;
	struct tcphdr *th;
	u32 ack;
	bool stripped;
};

/* Rewrites @len bytes at @off of the TCP header, fixing the checksum. */
static void put_bytes(struct sk_buff *skb, struct tcphdr *th, unsigned int off,
		      const u8 *val, unsigned int len)
{
	unsigned int start = off & ~1U, end = ALIGN(off + len, 2);
	u8 *p = (u8 *)th;
	u8 old[MAX_TCP_OPTION_SPACE + 2];
	__wsum diff;

	memcpy(old, p + start, end - start);
	memcpy(p + off, val, len);
	diff = csum_sub(csum_partial(p + start, end - start, 0),
			csum_partial(old, end - start, 0));
	inet_proto_csum_replace_by_diff(&th->check, skb, diff, false, false);
}

static bool strip_sack(const u8 *opt, unsigned int off, unsigned int len,
		       void *arg)
{
	static const u8 nops[MAX_TCP_OPTION_SPACE] = {
		[0 ... MAX_TCP_OPTION_SPACE - 1] = TCPOPT_NOP
	};
	struct sack_arg *a = arg;
	unsigned int o;

	if (opt[0] != TCPOPT_SACK)
		return false;
	for (o = 2; o + 8 <= len; o += 8)
		if (after(get_unaligned_be32(opt + o + 4), a->ack))
			break;
	if (o + 8 > len)
		return false;
	put_bytes(a->skb, a->th, off, nops, len);
	a->stripped = true;
	return false;
}

bool tandem_xlate_strip_sack(struct sk_buff *skb, struct tcphdr *th, u32 ack)
{
	struct sack_arg a = { skb, th, ack, false };

	walk_opts(th, strip_sack, &a);
	return a.stripped;
}

struct ts_arg {
	bool found;
	u32 tsval, tsecr;
	int wscale;
};

static bool find_ts(const u8 *opt, unsigned int off, unsigned int len,
		    void *arg)
{
	struct ts_arg *a = arg;

	/* The last one counts, as for TCP (tcp_parse_options()). */
	if (opt[0] == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP) {
		a->found = true;
		a->tsval = get_unaligned_be32(opt + 2);
		a->tsecr = get_unaligned_be32(opt + 6);
	}
	return false;
}

bool tandem_tcp_ts(const struct tcphdr *th, u32 *tsval, u32 *tsecr)
{
	struct ts_arg a = {};

	walk_opts(th, find_ts, &a);
	*tsval = a.tsval;
	*tsecr = a.tsecr;
	return a.found;
}

struct first_sack_arg {
	u32 above;
	u32 start, end;
	bool found;
};

static bool find_sack(const u8 *opt, unsigned int off, unsigned int len,
		      void *arg)
{
	struct first_sack_arg *a = arg;
	unsigned int o;
	u32 start;

	if (opt[0] != TCPOPT_SACK)
		return false;
	for (o = 2; o + 8 <= len; o += 8) {
		start = get_unaligned_be32(opt + o);
		if (!after(start, a->above) || (a->found && !before(start, a->start)))
			continue;
		a->start = start;
		a->end = get_unaligned_be32(opt + o + 4);
		a->found = true;
	}
	return false;
}

bool tandem_tcp_sack(const struct tcphdr *th, u32 above, u32 *start, u32 *end)
{
	struct first_sack_arg a = { .above = above };

	walk_opts(th, find_sack, &a);
	*start = a.start;
	*end = a.end;
	return a.found;
}

static bool find_wscale(const u8 *opt, unsigned int off, unsigned int len,
			void *arg)
{
	struct ts_arg *a = arg;

	if (opt[0] == TCPOPT_WINDOW && len == TCPOLEN_WINDOW) {
		a->wscale = min_t(int, opt[2], TCP_MAX_WSCALE);
		return true;
	}
	return false;
}

int tandem_tcp_wscale(const struct tcphdr *th)
{
	struct ts_arg a = { .wscale = -1 };

	walk_opts(th, find_wscale, &a);
	return a.wscale;
}

/*
 * Keeps, for a clamped ACK, a pure ACK carrying it (wire space, after the
 * segment's data), to be injected once the local output has caught up.
 */
static void save_tmpl(struct tandem_conn *c, struct sk_buff *skb,
		      const struct tcphdr *th, u32 ack)
{
	unsigned int ihl = ip_hdrlen(skb), hlen = ihl + th->doff * 4;
	u32 end = ntohl(th->seq) + skb->len - hlen + th->syn + th->fin;
	struct tcphdr *t;
	struct iphdr *iph;

	lockdep_assert_held(&c->lock);
	if (hlen > TANDEM_TMPL_MAX || th->syn || th->rst)
		return;
	if ((c->flags & TANDEM_CONN_F_PENDING) && !after(ack, c->tp.pending_ack))
		return;
	memcpy(c->tp.buf, skb_network_header(skb), hlen);
	iph = (struct iphdr *)c->tp.buf;
	iph->tot_len = htons(hlen);
	t = (struct tcphdr *)(c->tp.buf + ihl);
	t->seq = htonl(end);
	t->fin = 0;
	t->psh = 0;
	/* A header of its own now: both checksums are recomputed. */
	ip_send_check(iph);
	t->check = 0;
	t->check = tcp_v4_check(hlen - ihl, iph->saddr, iph->daddr,
				csum_partial(t, hlen - ihl, 0));
	c->tp.len = hlen;
	c->tp.pending_ack = ack;
	c->flags |= TANDEM_CONN_F_PENDING;
}

/*
 * Whether the stack will refuse @th's segment unseen, its ACK with it: it
 * starts beyond the receive window (a backup's application that stopped
 * reading: its window closes).
 */
static bool beyond_window(const struct sock *sk, const struct tcphdr *th)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 rcv_nxt = READ_ONCE(tp->rcv_nxt);
	u32 edge = READ_ONCE(tp->rcv_wup) + READ_ONCE(tp->rcv_wnd);

	return after(ntohl(th->seq), after(edge, rcv_nxt) ? edge : rcv_nxt);
}

/*
 * An ACK the stack would not see: kept, and injected from the timer as a
 * pure ACK at the stack's rcv_nxt (tandem_inject_reapply()). Otherwise a
 * backup whose window closed because its application waits for its own
 * output to be acknowledged would wait for an RTO, its window closed,
 * while the ACKs it needs come in segments it refuses. A new primary too:
 * the client may have sent past its stack's window (the window advertised
 * is never shrunk), and every ACK then comes in a segment beyond it (seen:
 * netem_test, the client's ACKs of the hole the takeover retransmitted
 * refused for a minute, the application blocked, its window closed).
 */
static void refused_ack(struct tandem_conn *c, struct sk_buff *skb,
			const struct tcphdr *th, u32 ack)
{
	lockdep_assert_held(&c->lock);
	save_tmpl(c, skb, th, ack);
	/* A connection being torn down must not have its timer armed again. */
	if ((c->flags & TANDEM_CONN_F_PENDING) && !c->dead) {
		c->flags |= TANDEM_CONN_F_REAPPLY;
		timer_reduce(&c->timer, jiffies);
	}
}

/* Translates a client segment for the local stack; @sk may be NULL. */
void tandem_xlate_in(struct tandem_conn *c, struct sk_buff *skb,
		     struct sock *sk)
{
	unsigned int thoff = ip_hdrlen(skb);
	u32 ack, local, snd_nxt, snd_una, delta, tsd;
	bool backup = tandem_group_role(c->dp->group) ==
		      TANDEM_ROLE_BACKUP;
	struct tcphdr *th;
	bool clamped = false;

	th = (struct tcphdr *)(skb_network_header(skb) + thoff);
	if (!th->ack)
		return;
	if (skb_ensure_writable(skb, thoff + th->doff * 4))
		return;
	th = (struct tcphdr *)(skb_network_header(skb) + thoff);
	spin_lock_bh(&c->lock);
	delta = c->seq_delta;
	tsd = (c->flags & TANDEM_CONN_F_TS) ? c->ts_delta : 0;
	ack = ntohl(th->ack_seq);
	local = ack + delta;
	if (sk && sk_fullsock(sk) && sk->sk_state != TCP_LISTEN) {
		snd_nxt = READ_ONCE(tcp_sk(sk)->snd_nxt);
		snd_una = READ_ONCE(tcp_sk(sk)->snd_una);
		if (backup && before(local, snd_una)) {
			/* Re-sent or reordered: the stack could drop it as too old. */
			local = snd_una;
		} else if (after(local, snd_nxt)) {
			local = snd_nxt;
			clamped = true;
			if (beyond_window(sk, th))
				refused_ack(c, skb, th, ack);
			else
				save_tmpl(c, skb, th, ack);
		} else if (after(local, snd_una) && beyond_window(sk, th)) {
			refused_ack(c, skb, th, ack);
		} else if ((c->flags & TANDEM_CONN_F_PENDING) &&
			   !before(ack, c->tp.pending_ack)) {
			c->flags &= ~TANDEM_CONN_F_PENDING;
		}
	}
	spin_unlock_bh(&c->lock);
	if (clamped)
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_ACK_CLAMPED);
	if (local != ack)
		tandem_xlate_ack(skb, th, local);
	tandem_xlate_opts(skb, th, delta, 0, tsd);
}

void tandem_conn_deltas(struct tandem_conn *c)
{
	lockdep_assert_held(&c->lock);
	if ((c->flags & TANDEM_CONN_F_ISN) && (c->flags & TANDEM_CONN_F_LOCAL))
		c->seq_delta = c->local_isn - c->wire_isn;
	if ((c->flags & TANDEM_CONN_F_TS) && (c->flags & TANDEM_CONN_F_LTS))
		c->ts_delta = c->local_ts - c->wire_ts;
}
