// SPDX-License-Identifier: GPL-2.0
/*
 * Divergence detection: every member digests its own output stream of a
 * connection in blocks of TANDEM_DIGEST_BLOCK bytes at wire offsets (from
 * the wire ISN, whatever the segmentation), CRC-32 per block. The primary
 * sends each digest to the backups (DIGEST); a backup compares it with its
 * own for the same block, whichever comes first, and marks the connection
 * diverged on a mismatch: at a takeover it is reset rather than continued
 * with bytes the client would see differ. Retransmissions (bytes below the
 * digest position) are not digested again.
 *
 * A divergence inside the last, incomplete block before a crash is not
 * detected (docs/datapath.md).
 */
#define pr_fmt(fmt) "tandem: " fmt

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
		dp_count(c->dp->group, TANDEM_STAT_DIGEST_UNCHECKED);
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
		dp_count(g, TANDEM_STAT_DIGEST_MATCHED);
	} else if (!(c->flags & TANDEM_CONN_F_DIVERGED)) {
		c->flags |= TANDEM_CONN_F_DIVERGED;
		dp_count(g, TANDEM_STAT_DIVERGED);
	}
}

/* A block of this node's output is complete. */
static void block_done(struct tandem_conn *c, bool primary)
{
	struct tandem_digest_body db;
	u32 block = c->dg_block++, crc = c->dg_crc;

	c->dg_crc = ~0U;
	if (!primary) {
		check(c, &c->dg_own.r, &c->dg_peer.r, block, crc);
		return;
	}
	memset(&db, 0, sizeof(db));
	db.id.caddr = c->key.caddr;
	db.id.cport = c->key.cport;
	db.id.vport = c->key.vport;
	db.crc = htonl(crc);
	db.block = cpu_to_be64(block);
	dp_send(c->dp->group, NULL, DP_MSG_DIGEST, &db, sizeof(db));
	dp_count(c->dp->group, TANDEM_STAT_DIGEST_SENT);
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
 * byte has wire sequence number @seq.
 */
void tandem_digest_out(struct tandem_conn *c, struct sk_buff *skb,
		       const struct tcphdr *th, u32 seq, bool primary)
{
	unsigned int hlen = skb_network_offset(skb) + ip_hdrlen(skb) +
			    th->doff * 4;
	unsigned int len = skb->len - hlen, off, n;
	u32 pos, room;

	lockdep_assert_held(&c->lock);
	if (!(c->flags & TANDEM_CONN_F_ISN) || th->syn || !len)
		return;
	if (!(c->flags & TANDEM_CONN_F_DGPOS)) {
		c->dg_pos = c->wire_isn + 1;
		c->dg_crc = ~0U;
		c->flags |= TANDEM_CONN_F_DGPOS;
	}
	pos = c->dg_pos;
	if (!after(seq + len, pos))
		return;			/* a retransmission */
	if (after(seq, pos))
		return;			/* a gap: never for one socket's output */
	off = pos - seq;
	while (off < len) {
		room = TANDEM_DIGEST_BLOCK - (pos - c->wire_isn - 1) %
					     TANDEM_DIGEST_BLOCK;
		n = min_t(unsigned int, len - off, room);
		c->dg_crc = crc_bytes(c->dg_crc, skb, hlen + off, n);
		off += n;
		pos += n;
		if (n == room)
			block_done(c, primary);
	}
	c->dg_pos = pos;
}

/* DIGEST from the primary, on a backup. */
void tandem_digest_rx(struct tandem_group *g, u32 from, const void *body,
		      unsigned int len)
{
	const struct tandem_digest_body *db = body;
	struct tandem_conn_key key;
	struct tandem_conn *c;

	if (len < sizeof(*db) || !g->dp)
		return;
	memset(&key, 0, sizeof(key));
	key.caddr = db->id.caddr;
	key.cport = db->id.cport;
	key.vport = db->id.vport;
	c = tandem_conn_lookup(g->dp, &key);
	if (!c)
		return;
	spin_lock_bh(&c->lock);
	check(c, &c->dg_peer.r, &c->dg_own.r, (u32)be64_to_cpu(db->block),
	      ntohl(db->crc));
	spin_unlock_bh(&c->lock);
}
