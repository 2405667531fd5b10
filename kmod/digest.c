// SPDX-License-Identifier: GPL-2.0
/*
 * Divergence detection: every member digests its own output stream of a
 * connection in blocks of TANDEM_WIRE_DIGEST_BLOCK bytes at wire offsets (from
 * the wire ISN, whatever the segmentation), CRC-32 per block. The primary
 * sends each digest to the backups (DIGEST); a backup compares it with its
 * own for the same block, whichever comes first, and marks the connection
 * diverged on a mismatch: at a takeover it is reset rather than continued
 * with bytes the client would see differ. Retransmissions (bytes below the
 * digest position) are not digested again.
 *
 * The last block is incomplete most of the time: before each output
 * segment leaves it, the primary also sends the digest of its block so far
 * (a tail: block, bytes, CRC). A member keeps the latest tail and compares
 * when its own output reaches that point. Once promoted it goes on
 * comparing what the old primary's digests cover (its output may trail
 * what the client received): a mismatch then stops its output for the
 * connection (stolen, TANDEM_CONN_F_KILL) until the GC resets it, before a
 * byte that differs reaches the client. A tail that a member's output had
 * already passed when it came cannot be compared (digest_unchecked).
 */

#include <linux/crc32.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "datapath.h"

/* The entry of @block in @r, or NULL. */
static struct tandem_digest *find(struct tandem_digest_ring *r, u32 block)
{
	unsigned int i;

	for (i = 0; i < r->size; i++)
		if ((r->valid & BIT(i)) && r->d[i].block == block)
			return &r->d[i];
	return NULL;
}

/* Keeps @block's digest in @r, in place of the oldest if @r is full. */
static void keep(struct tandem_conn *c, struct tandem_digest_ring *r,
		 u32 block, u32 crc)
{
	unsigned int i, at = 0;

	for (i = 0; i < r->size; i++) {
		if (!(r->valid & BIT(i))) {
			at = i;
			break;
		}
		if (before(r->d[i].block, r->d[at].block))
			at = i;
	}
	if (r->valid & BIT(at))
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_DIGEST_UNCHECKED);
	r->d[at].block = block;
	r->d[at].crc = crc;
	r->valid |= BIT(at);
}

/* Matches a digest with the other side's, or keeps it until that comes. */
static void check(struct tandem_conn *c, struct tandem_digest_ring *mine,
		  struct tandem_digest_ring *theirs, u32 block, u32 crc)
{
	struct tandem_group *g = c->dp->group;
	struct tandem_digest *d = find(theirs, block);

	lockdep_assert_held(&c->lock);
	if (!d) {
		keep(c, mine, block, crc);
		return;
	}
	theirs->valid &= ~BIT(d - theirs->d);
	if (d->crc == crc) {
		tandem_group_stats_inc(g, TANDEM_STAT_DIGEST_MATCHED);
	} else if (!(c->flags & TANDEM_CONN_F_DIVERGED)) {
		c->flags |= TANDEM_CONN_F_DIVERGED;
		tandem_group_stats_inc(g, TANDEM_STAT_DIVERGED);
	}
}

static void send_digest(struct tandem_conn *c, u32 block, u32 upto, u32 crc)
{
	struct tandem_wire_digest db;

	memset(&db, 0, sizeof(db));
	db.conn = c->key;
	db.crc = htonl(crc);
	db.block = cpu_to_be64(block);
	db.upto = htonl(upto);
	tandem_channel_send(c->dp->group, NULL, TANDEM_WIRE_DIGEST, &db, sizeof(db));
	tandem_group_stats_inc(c->dp->group, upto ? TANDEM_STAT_DIGEST_TAIL_SENT :
				      TANDEM_STAT_DIGEST_SENT);
}

/* A block of this node's output is complete. */
static void block_done(struct tandem_conn *c, bool primary)
{
	u32 block = c->dg.block++, crc = c->dg.crc;

	c->dg.crc = ~0U;
	/* A new primary checks what the old one digested before it. */
	if (!primary || find(&c->dg.peer.r, block))
		check(c, &c->dg.own.r, &c->dg.peer.r, block, crc);
	if (primary)
		send_digest(c, block, 0, crc);
}

/* Bytes of the current block already digested. */
static u32 in_block(const struct tandem_conn *c, u32 pos)
{
	return (pos - c->wire_isn - 1) % TANDEM_WIRE_DIGEST_BLOCK;
}

/* Bytes from @pos to the pending tail point in the current block, or 0. */
static u32 to_tail(const struct tandem_conn *c, u32 pos)
{
	u32 at = in_block(c, pos);

	if (!(c->flags & TANDEM_CONN_F_TAIL) || c->dg.tail_block != c->dg.block ||
	    c->dg.tail_upto <= at)
		return 0;
	return c->dg.tail_upto - at;
}

/* This node's output reached the point of the peer's tail digest. */
static void tail_check(struct tandem_conn *c)
{
	struct tandem_group *g = c->dp->group;

	c->flags &= ~TANDEM_CONN_F_TAIL;
	if (c->dg.crc == c->dg.tail_crc) {
		tandem_group_stats_inc(g, TANDEM_STAT_DIGEST_TAIL_MATCHED);
	} else if (!(c->flags & TANDEM_CONN_F_DIVERGED)) {
		c->flags |= TANDEM_CONN_F_DIVERGED;
		tandem_group_stats_inc(g, TANDEM_STAT_DIVERGED);
	}
}

static u32 crc_bytes(u32 crc, struct sk_buff *skb, unsigned int from,
		     unsigned int len)
{
	struct skb_seq_state st;
	unsigned int done = 0, n;
	const u8 *data;

	skb_prepare_seq_read(skb, from, from + len, &st);
	while (done < len && (n = skb_seq_read(done, &data, &st)) != 0) {
		/* What it returns may run past the upper offset. */
		n = min(n, len - done);
		crc = crc32_le(crc, data, n);
		done += n;
	}
	skb_abort_seq_read(&st);
	return crc;
}

/*
 * Digests the payload of @skb, one of this node's segments, whose first
 * byte has wire sequence number @seq. On a primary, returns whether the
 * connection diverged from what the client received (@skb must not leave).
 */
bool tandem_digest_out(struct tandem_conn *c, struct sk_buff *skb,
		       const struct tcphdr *th, u32 seq, bool primary)
{
	unsigned int hlen = skb_network_offset(skb) + ip_hdrlen(skb) +
			    th->doff * 4;
	unsigned int len = skb->len - hlen, off, n;
	u32 pos, room, tail;

	lockdep_assert_held(&c->lock);
	if (!(c->flags & TANDEM_CONN_F_ISN) || th->syn || !len)
		goto out;
	if (!(c->flags & TANDEM_CONN_F_DGPOS)) {
		c->dg.pos = c->wire_isn + 1;
		c->dg.crc = ~0U;
		c->flags |= TANDEM_CONN_F_DGPOS;
	}
	pos = c->dg.pos;
	if (!after(seq + len, pos))
		goto out;		/* a retransmission */
	if (after(seq, pos))
		goto out;		/* a gap: never for one socket's output */
	off = pos - seq;
	while (off < len) {
		room = TANDEM_WIRE_DIGEST_BLOCK - in_block(c, pos);
		tail = to_tail(c, pos);
		n = min_t(unsigned int, len - off, room);
		if (tail && tail < n)
			n = tail;
		c->dg.crc = crc_bytes(c->dg.crc, skb, hlen + off, n);
		off += n;
		pos += n;
		if (n == tail)
			tail_check(c);
		if (n == room)
			block_done(c, primary);
	}
	c->dg.pos = pos;
	if (primary && in_block(c, pos))
		send_digest(c, c->dg.block, in_block(c, pos), c->dg.crc);
out:
	return primary && (c->flags & TANDEM_CONN_F_DIVERGED);
}

/* A tail digest: kept if it is the peer's latest, else compared at once. */
static void tail_rx(struct tandem_conn *c, u32 block, u32 upto, u32 crc)
{
	lockdep_assert_held(&c->lock);
	if ((c->flags & TANDEM_CONN_F_TAIL) &&
	    (before(block, c->dg.tail_block) ||
	     (block == c->dg.tail_block && upto <= c->dg.tail_upto)))
		return;
	if (!(c->flags & TANDEM_CONN_F_DGPOS) || before(block, c->dg.block) ||
	    (block == c->dg.block && upto < in_block(c, c->dg.pos))) {
		tandem_group_stats_inc(c->dp->group, TANDEM_STAT_DIGEST_UNCHECKED);
		return;
	}
	c->dg.tail_block = block;
	c->dg.tail_upto = upto;
	c->dg.tail_crc = crc;
	c->flags |= TANDEM_CONN_F_TAIL;
	if (block == c->dg.block && upto == in_block(c, c->dg.pos))
		tail_check(c);
}

/* DIGEST from the primary, on a backup. */
void tandem_digest_rx(struct tandem_group *g, u32 from, const void *body,
		      unsigned int len)
{
	const struct tandem_wire_digest *db = body;
	struct tandem_conn *c;
	u32 upto;

	if (len < sizeof(*db) || !g->dp)
		return;
	c = tandem_conn_lookup(g->dp, &db->conn);
	if (!c)
		return;
	upto = ntohl(db->upto);
	spin_lock_bh(&c->lock);
	if (!upto)
		check(c, &c->dg.peer.r, &c->dg.own.r,
		      (u32)be64_to_cpu(db->block), ntohl(db->crc));
	else if (upto < TANDEM_WIRE_DIGEST_BLOCK)
		tail_rx(c, (u32)be64_to_cpu(db->block), upto, ntohl(db->crc));
	spin_unlock_bh(&c->lock);
}
