// SPDX-License-Identifier: GPL-2.0
/*
 * The primary's resend queue: a copy of every SEGMENT that carries client
 * bytes, kept until each backup protecting the connection has reported
 * (PROGRESS) that it received them. A backup whose reports stall below the
 * end of the queue gets the SEGMENTs it misses again, unicast, with an
 * exponential backoff: a datagram lost or reordered on the replication link
 * then costs a resend, not a client retransmission (which the primary's
 * clamped ACKs would only obtain after an RTO).
 *
 * The queue is also what the lag bound measures (lag.c): a backup dropped
 * from a connection's protection is told so (CLOSE) and no longer holds
 * the ACKs back.
 *
 * Every backup keeps the same queue of what it received, trimmed by the
 * other backups' PROGRESS (which reaches every member) and by the lag bound
 * (the primary drops a backup that lags more): the backup promoted next
 * then refills the others with what they lack of it, instead of leaving
 * them to the client's next retransmission timeout.
 */

#include <net/tcp.h>

#include "datapath.h"

/*
 * A backup's copy is resent at its second duplicate report (a hole, up to
 * its lowest SACK block), or once its reports have not moved for its
 * report time-out: the time its reports take (from the mirroring of a
 * SEGMENT to the report that covers it, smoothed as TCP does its RTT)
 * plus four deviations or RESEND_BASE (also the period at which the queue
 * is looked at), whichever is more, at most RESEND_RTO_MAX; RESEND_RTO_INIT
 * before the first sample. A fixed time-out below the reports' delay (a
 * loaded host, a long link) resends what is only late: a sixth of all
 * SEGMENTs under emulation, each costing both sides a datagram and the
 * backup a duplicate ACK.
 */
#define RESEND_BASE msecs_to_jiffies(40)
#define RESEND_RTO_INIT msecs_to_jiffies(200)	/* before the first sample */
#define RESEND_RTO_MAX msecs_to_jiffies(1000)
/*
 * Backoff up to 4 x the time-out: a backup's hole delays the primary's
 * ACKs, and the client's RTT estimate (hence its RTO) grows with that delay.
 */
#define RESEND_MAX_SHIFT 2
#define RESEND_DUPS 2			/* duplicate reports that show a hole */
#define RESEND_BUDGET 32		/* datagrams per connection and tick (a u32 mask) */
/*
 * What an old primary far behind lacks is resent as it takes it: up to this much
 * outstanding beyond its rcv_nxt, each of its reports that moves sends the
 * next budget's worth. (The channel's datagrams are taken in softirq, not
 * queued on a socket: the backlog of its device bounds a burst.)
 */
#define RESEND_CLOCK_WINDOW (256U << 10)
#define RESEND_CLOCK_LOW (RESEND_CLOCK_WINDOW - RESEND_BUDGET * 1500U)
/*
 * Memory of all the resend queues of a group: beyond it SEGMENTs are not
 * kept (counted resend_nomem); a datagram lost then costs the client's
 * retransmission instead.
 */
#define RESEND_GROUP_MAX (64U << 20)	/* bytes of skb truesize */

/*
 * On a backup, the primary (the sender of the SEGMENTs) needs no copies,
 * though it may still be listed as the peer it was before its promotion.
 */
static u32 not_a_peer(const struct tandem_conn *c)
{
	return tandem_group_is_live_primary(c->dp->group) ? 0 :
	       READ_ONCE(c->dp->primary_id);
}

/* Whether anyone may need a copy of what comes. */
static bool protected(const struct tandem_conn *c)
{
	const struct tandem_conn_peer *p;
	u32 skip = not_a_peer(c);
	int i;

	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (skip && p->node_id == skip)
			continue;
		if (tandem_peer_protects(p) || tandem_peer_rejoining(p))
			return true;
	}
	return false;
}

static void rq_free(struct tandem_conn *c, struct sk_buff *skb)
{
	atomic_sub(skb->truesize, &c->dp->rq_mem);
	consume_skb(skb);
}

/*
 * A backup's copy that the primary's hard bound makes useless: a backup
 * lacking it would be dropped before a takeover could refill it.
 */
static bool beyond_bound(const struct tandem_conn *c, const struct sk_buff *skb,
			 const struct tandem_lag_bound *hard)
{
	return c->rs.end - tandem_rq_cb(skb)->end > hard->bytes ||
	       time_after(jiffies, tandem_rq_cb(skb)->at + hard->j);
}

static void unlink_head(struct tandem_conn *c, struct sk_buff *skb)
{
	__skb_unlink(skb, &c->rq);
	c->rs.bytes -= tandem_rq_cb(skb)->end - tandem_rq_cb(skb)->seq;
	rq_free(c, skb);
}

/* A backup: what its peers stopped reporting on ages out. */
static void trim_bound(struct tandem_conn *c)
{
	struct tandem_lag_bound lag, hard;
	struct sk_buff *skb;

	lockdep_assert_held(&c->lock);
	tandem_lag_limits(c, &lag, &hard);
	while ((skb = skb_peek(&c->rq)) && beyond_bound(c, skb, &hard))
		unlink_head(c, skb);
}

/* Times the SEGMENT ending at @end to every peer not timing one. */
static void probe_start(struct tandem_conn *c, u32 end)
{
	struct tandem_conn_peer *p;
	int i;

	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (tandem_peer_clamps(p) && !p->probe_at) {
			p->probe_end = end;
			p->probe_at = jiffies | 1;
		}
	}
}

/* @p reported up to @rcv_nxt: a sample, if that covers its timed SEGMENT. */
static void sample(struct tandem_conn_peer *p, u32 rcv_nxt)
{
	long m;

	if (!p->probe_at || before(rcv_nxt, p->probe_end))
		return;
	m = max_t(long, jiffies - p->probe_at, 1);
	p->probe_at = 0;
	if (!p->srtt) {
		p->srtt = m << 3;
		p->rttvar = m << 1;
		return;
	}
	m -= p->srtt >> 3;
	p->srtt += m;
	if (m < 0)
		m = -m;
	m -= p->rttvar >> 2;
	p->rttvar += m;
}

/*
 * @p's report moved while what it lacks is being resent on the clock
 * (note_resent(): an old primary catching up far behind): more at once if
 * little of what was resent is left outstanding. It then takes it at the
 * pace its stack takes it, not a budget per time-out (8 MB behind: over a
 * minute with the client held back). Ends once nothing old enough is left
 * to resend (pick()).
 */
static bool clock_more(struct tandem_conn *c, struct tandem_conn_peer *p)
{
	if (!p->clocked)
		return false;
	if (c->dead || !tandem_group_is_live_primary(c->dp->group)) {
		p->clocked = 0;
		return false;
	}
	if (after(p->resent_to, p->rcv_nxt) &&
	    p->resent_to - p->rcv_nxt >= RESEND_CLOCK_LOW)
		return false;
	p->more = 1;
	return true;
}

/*
 * A peer @p reported @pb (@len bytes: the SACK block is optional), before
 * it is noted. Returns true on the primary if that calls for a resend at
 * once: its second report in a row that moves neither rcv_nxt nor the
 * window edge and has a SACK block beyond rcv_nxt while later bytes were
 * mirrored (duplicate ACKs of its stack: bytes beyond a hole came). A report that moves may time the
 * SEGMENT being timed.
 */
bool tandem_resend_report(struct tandem_conn *c, struct tandem_conn_peer *p,
			  const struct tandem_wire_progress *pb, unsigned int len)
{
	u32 rcv_nxt = ntohl(pb->rcv_nxt), edge = ntohl(pb->rcv_edge);

	lockdep_assert_held(&c->lock);
	p->sack_start = p->sack_end = 0;
	if (len >= offsetofend(typeof(*pb), sack_end) &&
	    after(ntohl(pb->sack_start), rcv_nxt) &&
	    after(ntohl(pb->sack_end), ntohl(pb->sack_start))) {
		p->sack_start = ntohl(pb->sack_start);
		p->sack_end = ntohl(pb->sack_end);
	}
	if (!p->rcv_nxt || after(rcv_nxt, p->rcv_nxt)) {
		p->rcv_nxt = rcv_nxt;
		p->dups = 0;
		p->fast = 0;
		p->progress_at = jiffies | 1;
		sample(p, rcv_nxt);
		return clock_more(c, p);
	}
	/*
	 * A window update (the edge moved) is no duplicate, nor is an ACK
	 * without a block beyond rcv_nxt: the answer to a duplicate segment
	 * (a client's retransmission, a resend), not to bytes beyond a hole.
	 */
	if (rcv_nxt != p->rcv_nxt || edge != p->rcv_edge || !p->sack_start ||
	    !tandem_group_is_live_primary(c->dp->group) ||
	    !(c->flags & TANDEM_CONN_F_RQEND) || !after(c->rs.end, rcv_nxt) ||
	    ++p->dups != RESEND_DUPS)
		return false;
	p->fast = 1;
	return !c->dead;
}

/*
 * How old an entry must be to be resent on the clock (add_more()): twice
 * the report delay, uncapped, plus its deviation. A report tells the
 * backup's state one report delay ago; later entries may be on their way
 * (reports delayed by seconds resent everything a second old twice).
 */
static unsigned long clock_age(const struct tandem_conn_peer *p)
{
	if (!p->srtt)
		return RESEND_RTO_INIT;
	return (p->srtt >> 2) + max_t(unsigned long, p->rttvar, RESEND_BASE);
}

static unsigned long report_rto(const struct tandem_conn_peer *p)
{
	unsigned long rto;

	if (!p->srtt)
		return RESEND_RTO_INIT;
	rto = (p->srtt >> 3) + max_t(unsigned long, p->rttvar, RESEND_BASE);
	return min(rto, RESEND_RTO_MAX);
}

void tandem_resend_keep(struct tandem_conn *c, const void *body,
			unsigned int len, u32 seq, u32 end)
{
	struct sk_buff *skb = NULL;

	if (atomic_read(&c->dp->rq_mem) >= RESEND_GROUP_MAX &&
	    !tandem_group_is_live_primary(c->dp->group)) {
		/* Its own stale copies must not keep it from keeping new ones. */
		spin_lock_bh(&c->lock);
		trim_bound(c);
		spin_unlock_bh(&c->lock);
	}
	if (atomic_read(&c->dp->rq_mem) < RESEND_GROUP_MAX)
		skb = alloc_skb(len, GFP_ATOMIC);
	if (!skb) {
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_RESEND_NOMEM);
		return;
	}
	atomic_add(skb->truesize, &c->dp->rq_mem);
	skb_put_data(skb, body, len);
	/*
	 * A resent SEGMENT is reported at once: it may fill a hole, and the
	 * rest of its packet is not on its way behind it.
	 */
	((struct tandem_wire_segment *)skb->data)->flags &= ~TANDEM_WIRE_SEG_F_MORE;
	tandem_group_stats_inc(c->dp->group, TANDEM_STAT_RESEND_KEPT);
	tandem_rq_cb(skb)->seq = seq;
	tandem_rq_cb(skb)->end = end;
	tandem_rq_cb(skb)->at = jiffies;

	spin_lock_bh(&c->lock);
	/*
	 * ack_sent: on the primary the clamped ACK, which every protecting
	 * backup has; on a backup its own rcv_nxt, of which it kept a copy
	 * when it came. Below either, a segment is a duplicate.
	 */
	if (c->dead || !protected(c) ||
	    (c->ack_sent && !after(end, c->ack_sent))) {
		spin_unlock_bh(&c->lock);
		rq_free(c, skb);
		return;
	}
	__skb_queue_tail(&c->rq, skb);
	c->rs.bytes += end - seq;
	if (!(c->flags & TANDEM_CONN_F_RQEND) || after(end, c->rs.end)) {
		c->rs.end = end;
		c->flags |= TANDEM_CONN_F_RQEND;
	}
	if (!tandem_group_is_live_primary(c->dp->group)) {
		trim_bound(c);
	} else {
		probe_start(c, end);
		if (!timer_pending(&c->timer))
			mod_timer(&c->timer, jiffies + RESEND_BASE);
	}
	spin_unlock_bh(&c->lock);
}

/* A backup: keeps the SEGMENT @body (its client packet @iph) for later. */
void tandem_resend_keep_rx(struct tandem_conn *c, const void *body,
			   unsigned int len, const struct iphdr *iph)
{
	const struct tcphdr *th = (const void *)iph + iph->ihl * 4;
	u32 seq = ntohl(th->seq);
	u32 n = ntohs(iph->tot_len) - iph->ihl * 4 - th->doff * 4;

	/* A hint without the lock: with no other backup there is nobody to refill. */
	if (th->syn || th->rst || (!n && !th->fin) || !protected(c))
		return;
	tandem_resend_keep(c, body, len, seq, seq + n + th->fin);
}

void tandem_resend_purge(struct tandem_conn *c)
{
	struct sk_buff *skb;

	lockdep_assert_held(&c->lock);
	while ((skb = __skb_dequeue(&c->rq)))
		rq_free(c, skb);
	c->rs.bytes = 0;
}

/*
 * At a takeover: this node received up to @rcv_nxt as a backup and holds
 * no copy of it; a backup behind that is refilled by the client's
 * retransmissions only, and the lag bound measures it from now.
 */
void tandem_resend_gap(struct tandem_conn *c, u32 rcv_nxt)
{
	spin_lock_bh(&c->lock);
	c->rs.gap_end = rcv_nxt;
	c->rs.gap_at = jiffies;
	c->flags |= TANDEM_CONN_F_GAP;
	if (!(c->flags & TANDEM_CONN_F_RQEND) || after(rcv_nxt, c->rs.end)) {
		c->rs.end = rcv_nxt;
		c->flags |= TANDEM_CONN_F_RQEND;
	}
	if (!c->dead)
		timer_reduce(&c->timer, jiffies + RESEND_BASE);
	spin_unlock_bh(&c->lock);
}

/* Whether the lag bound still has something to watch. */
bool tandem_resend_pending(struct tandem_conn *c)
{
	return !skb_queue_empty_lockless(&c->rq) ||
	       (READ_ONCE(c->flags) & TANDEM_CONN_F_GAP);
}

/*
 * Judges the backups' lag (those to tell in @t), then frees what every
 * remaining protecting or catching-up backup has.
 */
void tandem_resend_update(struct tandem_conn *c, struct tandem_lag_notes *t)
{
	bool judge = tandem_group_is_live_primary(c->dp->group);
	struct tandem_conn_peer *p;
	unsigned int i;
	struct tandem_lag_bound lag, hard;
	struct sk_buff *skb;
	bool any = false, hold = false;
	u32 best, min = 0, skip = judge ? 0 : not_a_peer(c);

	lockdep_assert_held(&c->lock);
	if (skb_queue_empty(&c->rq) && !(c->flags & TANDEM_CONN_F_GAP))
		return;
	tandem_lag_limits(c, &lag, &hard);
	best = tandem_lag_best(c, skip);
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (skip && p->node_id == skip)
			continue;
		/* An old primary that has not reported yet: keep everything. */
		if (tandem_peer_unheard(p))
			hold = true;
		if (!tandem_peer_clamps(p) && !tandem_peer_behind(p))
			continue;
		if (judge && !tandem_protect_judge(c, p, best, &lag, &hard, t))
			continue;
		if (!any || before(p->rcv_nxt, min))
			min = p->rcv_nxt;
		any = true;
	}
	if ((c->flags & TANDEM_CONN_F_GAP) && (!any || !before(min, c->rs.gap_end)))
		c->flags &= ~TANDEM_CONN_F_GAP;
	if (!any) {
		if (!hold)
			tandem_resend_purge(c);
		return;
	}
	while (!hold && (skb = skb_peek(&c->rq)) &&
	       (!after(tandem_rq_cb(skb)->end, min) ||
		(!judge && beyond_bound(c, skb, &hard))))
		unlink_head(c, skb);
}

struct resend_batch {
	unsigned int n;
	u32 fast;			/* bit i: skb[i] for duplicate reports */
	struct sk_buff *skb[RESEND_BUDGET];
	u32 to[RESEND_BUDGET];
};

/* The entry holding @p's next byte: entries are in arrival order, not seq order. */
static struct sk_buff *covering(struct tandem_conn *c, u32 rcv_nxt)
{
	struct sk_buff *skb;

	skb_queue_walk(&c->rq, skb)
		if (!after(tandem_rq_cb(skb)->seq, rcv_nxt) &&
		    after(tandem_rq_cb(skb)->end, rcv_nxt))
			return skb;
	return NULL;
}

/* Whether a copy of @seq is held (an old primary can catch up from it). */
bool tandem_resend_holds(struct tandem_conn *c, u32 seq)
{
	lockdep_assert_held(&c->lock);
	return covering(c, seq);
}

static void batch_add(struct resend_batch *b, struct sk_buff *skb, u32 to)
{
	b->skb[b->n] = skb_get(skb);
	b->to[b->n++] = to;
}

/*
 * Resent up to @hi. An old primary catching up far behind (more than the
 * clock's window), or a backup left behind, has its reports clock the rest
 * (add_more()); a datagram
 * lost here and there is the fast and timed resends' (the clock for every
 * hole resent twice as much under 3% loss, and for every far-behind
 * backup it dropped one of two backups delayed alike more often in
 * lag_alike_test: 2 of 4 runs, against 1 of 3 before).
 */
static void note_resent(struct tandem_conn *c, struct tandem_conn_peer *p,
			u32 hi)
{
	if (!p->clocked || after(hi, p->resent_to))
		p->resent_to = hi;
	if (tandem_peer_refilled(p) &&
	    c->rs.end - p->rcv_nxt > RESEND_CLOCK_WINDOW)
		p->clocked = 1;
}

/*
 * Adds @next (the entry with @p's next byte) and what follows of its hole:
 * up to @p's lowest SACK block if it reported one, else, for a fast resend,
 * nothing more, or everything that follows, up to the budget.
 */
static void add_hole(struct tandem_conn *c, struct tandem_conn_peer *p,
		     struct sk_buff *next, bool all, struct resend_batch *b)
{
	bool sack = after(p->sack_start, p->rcv_nxt);
	u32 hi = tandem_rq_cb(next)->end;
	struct sk_buff *skb;

	batch_add(b, next, p->node_id);
	if (!sack && !all) {
		note_resent(c, p, hi);
		return;
	}
	/*
	 * The queue is in arrival order: a client's retransmissions, mirrored
	 * and kept again, follow what they repeat. Each byte is sent once.
	 */
	skb_queue_walk(&c->rq, skb) {
		if (b->n == RESEND_BUDGET)
			break;
		if (!after(tandem_rq_cb(skb)->end, hi) ||
		    (sack && !before(tandem_rq_cb(skb)->seq, p->sack_start)))
			continue;
		batch_add(b, skb, p->node_id);
		hi = tandem_rq_cb(skb)->end;
	}
	note_resent(c, p, hi);
}

/*
 * The next part of what @p lacks, from where the last resend ended, up to
 * its lowest SACK block or else its window's edge, of the entries mirrored
 * longer than @age ago (later ones may be on their way).
 * Entries are in arrival order: the oldest come first, and the budget ends
 * the walk. Returns false if there was nothing to resend.
 */
static bool add_more(struct tandem_conn *c, struct tandem_conn_peer *p,
		     unsigned long age, struct resend_batch *b)
{
	u32 from = after(p->resent_to, p->rcv_nxt) ? p->resent_to : p->rcv_nxt;
	u32 lim = after(p->sack_start, from) ? p->sack_start : p->rcv_edge;
	unsigned int n = b->n;
	u32 hi = from;
	struct sk_buff *skb;

	skb_queue_walk(&c->rq, skb) {
		if (b->n == RESEND_BUDGET ||
		    time_after(tandem_rq_cb(skb)->at + age, jiffies))
			break;
		if (!after(tandem_rq_cb(skb)->end, hi) ||
		    !before(tandem_rq_cb(skb)->seq, lim) ||
		    after(tandem_rq_cb(skb)->seq, hi))
			continue;
		batch_add(b, skb, p->node_id);
		hi = tandem_rq_cb(skb)->end;
	}
	if (b->n == n)
		return false;
	note_resent(c, p, hi);
	return true;
}

/*
 * A probe of the tail (as TCP's tail loss probe): the newest entry @p lacks
 * mirrored at least RESEND_BASE ago. Without a SACK block, @p's reports
 * stalled either on a lost last SEGMENT of a client packet (the reports of
 * the others wait for it: TANDEM_WIRE_SEG_F_MORE, suppress.c), which the
 * probe fills, or on a hole its stack has not seen a byte beyond, which the
 * probe opens to its SACK report and the fast resend. Resending all that
 * follows its last report instead sent, under 5% loss, about as many
 * datagrams as were mirrored (report_defer_test). Returns false if there
 * is no such entry.
 */
static bool add_tail(struct tandem_conn *c, struct tandem_conn_peer *p,
		     struct resend_batch *b)
{
	struct sk_buff *skb;

	skb_queue_reverse_walk(&c->rq, skb) {
		if (!after(tandem_rq_cb(skb)->end, p->rcv_nxt) ||
		    time_after(tandem_rq_cb(skb)->at + RESEND_BASE, jiffies))
			continue;
		batch_add(b, skb, p->node_id);
		return true;
	}
	return false;
}

/*
 * Picks what @p lacks. At its second duplicate report (a hole: its stack
 * got bytes beyond it), the hole at once, once per hole. Once its reports
 * have not moved for its report time-out, counted from the mirroring of
 * the entry with its next byte if that is later (after a resend: once the
 * backed-off time-out passed again), the hole; without a SACK block, the
 * tail first (add_tail()), then, its reports still stalled, all that
 * follows, up to the budget. If its next byte is not here (not kept:
 * memory, or beyond the copies' bound), nothing: the client's
 * retransmission must fill it, and the rest would only wait in @p's
 * out-of-order queue.
 */
static void pick(struct tandem_conn *c, struct tandem_conn_peer *p,
		 struct resend_batch *b)
{
	unsigned long rto = report_rto(p), from;
	struct sk_buff *next;
	unsigned int n;

	if (!(c->flags & TANDEM_CONN_F_RQEND) || !after(c->rs.end, p->rcv_nxt) ||
	    b->n == RESEND_BUDGET)
		return;
	if (p->rcv_nxt != p->checked) {
		p->checked = p->rcv_nxt;
		p->shift = 0;
		p->resend_at = 0;
	}
	if (p->more) {
		p->more = 0;
		if (add_more(c, p, clock_age(p), b))
			return;
		if (!after(p->resent_to, p->rcv_nxt))
			p->clocked = 0;
	}
	/* Before walking the queue: what the timed path would wait for anyway. */
	if (!p->fast && ((p->resend_at && time_before(jiffies, p->resend_at)) ||
			 (p->progress_at && time_before(jiffies, p->progress_at + rto))))
		return;
	next = covering(c, p->rcv_nxt);
	if (!next)
		return;
	if (p->fast) {
		/*
		 * A reordering window: datagrams taken on two CPUs of the
		 * backup reach its stack out of order.
		 */
		if (time_before(jiffies, tandem_rq_cb(next)->at + RESEND_BASE))
			return;
		n = b->n;
		p->fast = 0;
		add_hole(c, p, next, false, b);
		b->fast |= GENMASK(b->n - 1, n);
	} else {
		from = tandem_rq_cb(next)->at;
		if (p->progress_at && time_after(p->progress_at, from))
			from = p->progress_at;
		if (time_before(jiffies, from + rto) ||
		    (p->resend_at && time_before(jiffies, p->resend_at)))
			return;
		if (p->shift || after(p->sack_start, p->rcv_nxt) ||
		    !add_tail(c, p, b))
			add_hole(c, p, next, true, b);
		if (p->shift < RESEND_MAX_SHIFT)
			p->shift++;
	}
	p->resend_at = (jiffies + (rto << p->shift)) | 1;
	/* Karn: a report after a resend times neither. */
	p->probe_at = 0;
}

/* Sends a datagram of @type with @body to each of the members in @ids. */
static void send_to(struct tandem_group *g, const u32 *ids, unsigned int n,
		    u8 type, const void *body, size_t len)
{
	struct tandem_member *m;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < n; i++) {
		m = tandem_member_lookup_rcu(g, ids[i]);
		if (m)
			tandem_channel_send(g, m, type, body, len);
	}
	rcu_read_unlock();
}

/* Tells the peers in @ids that they protect @c again. */
void tandem_resend_confirm(struct tandem_conn *c, const u32 *ids,
			   unsigned int n)
{
	struct tandem_wire_confirm cb;

	if (!n)
		return;
	tandem_conn_confirm_body(c, &cb, TANDEM_WIRE_CONFIRM_F_AGAIN);
	send_to(c->dp->group, ids, n, TANDEM_WIRE_CONFIRM, &cb, sizeof(cb));
}

static void send_batch(struct tandem_group *g, struct resend_batch *b)
{
	struct tandem_member *m;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < b->n; i++) {
		m = tandem_member_lookup_rcu(g, b->to[i]);
		if (m && !tandem_channel_send(g, m, TANDEM_WIRE_SEGMENT,
					      b->skb[i]->data, b->skb[i]->len)) {
			tandem_group_stats_inc(g, TANDEM_STAT_RESENT);
			if (b->fast & BIT(i))
				tandem_group_stats_inc(g, TANDEM_STAT_RESENT_FAST);
		}
		consume_skb(b->skb[i]);
	}
	rcu_read_unlock();
}

static void send_close(struct tandem_conn *c, const u32 *ids, unsigned int n,
		       u8 reason)
{
	struct tandem_wire_close cb;

	if (!n)
		return;
	memset(&cb, 0, sizeof(cb));
	cb.conn = c->key;
	cb.reason = reason;
	send_to(c->dp->group, ids, n, TANDEM_WIRE_CLOSE, &cb, sizeof(cb));
}

/* Tells the backups in @t that they no longer protect @c (for now). */
void tandem_resend_notify(struct tandem_conn *c,
			  const struct tandem_lag_notes *t, bool kick)
{
	send_close(c, t->drop, t->ndrop, TANDEM_WIRE_CLOSE_LAG);
	send_close(c, t->behind, t->nbehind, TANDEM_WIRE_CLOSE_BEHIND);
	/* The clamp may have been that backup's: tell the client. */
	if (kick && (t->ndrop || t->nbehind) &&
	    tandem_group_is_live_primary(c->dp->group))
		tandem_kick_ack(c);
}

/* From the connection's timer: resends on the primary, frees elsewhere. */
void tandem_resend_tick(struct tandem_conn *c)
{
	struct tandem_group *g = c->dp->group;
	struct resend_batch b = { .n = 0 };
	struct tandem_lag_notes t = { .ndrop = 0 };
	u32 back[TANDEM_MEMBERS_MAX];
	unsigned int nb, i;
	struct tandem_conn_peer *p;

	spin_lock_bh(&c->lock);
	if (!tandem_group_is_live_primary(g)) {
		/* A fenced primary's copies serve again if it is promoted. */
		if (tandem_group_role(g) != TANDEM_ROLE_BACKUP &&
		    !READ_ONCE(g->suspended))
			tandem_resend_purge(c);
		c->flags &= ~TANDEM_CONN_F_GAP;
		spin_unlock_bh(&c->lock);
		return;
	}
	nb = tandem_protect_rejoined(c, back);
	tandem_resend_update(c, &t);
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		p = &c->peers[i];
		if (tandem_peer_clamps(p) || tandem_peer_behind(p))
			pick(c, p, &b);
	}
	if ((!skb_queue_empty(&c->rq) || (c->flags & TANDEM_CONN_F_GAP)) &&
	    !c->dead)
		timer_reduce(&c->timer, jiffies + RESEND_BASE);
	spin_unlock_bh(&c->lock);
	send_batch(g, &b);
	tandem_resend_confirm(c, back, nb);
	tandem_resend_notify(c, &t, true);
}
