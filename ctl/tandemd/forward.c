// SPDX-License-Identifier: GPL-2.0
/*
 * A switchover asked on a node that is not the primary goes to the primary
 * it follows, in an authenticated request datagram (peer.c, "TDRQ"):
 *
 *   0 u8 type    1: switchover, 2: refused, 3: accepted
 *   1 u32 target node id, 0 for the best backup
 *   5 u64 epoch  the reign the requester follows (the primary's, refused)
 *  13 s32 -errno (refused only)
 *  17 u32 id     the request's, the same in its copies and their answers
 *
 * The primary runs it as if asked on its own control socket, but only for
 * the reign the requester follows (a stale request moves nobody), and
 * answers whether it took it. The requester sends the request again every
 * FWD_RESEND until answered (FWD_TRIES copies at most, while it follows
 * the same primary in the same epoch: a datagram is lost at times), and
 * takes an answer for as long as its CLI waits (FWD_ANSWER). The primary
 * keeps each member's last request id and its outcome, and answers a copy
 * with that outcome without running it again (a copy that comes after
 * the handover would otherwise be refused: this node is not the primary).
 * The requester's control socket answers its CLI once it follows a
 * primary of a higher epoch, or with the refusal.
 *
 * A request of 17 bytes, without an id (an older tandemd's), is run at
 * every copy and only a refusal answered, in 17 bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <arpa/inet.h>
#include <endian.h>
#include <sys/random.h>

#include "print.h"
#include "tandemd.h"

enum { FWD_SWITCHOVER = 1, FWD_REFUSED = 2, FWD_ACCEPTED = 3 };
#define FWD_LEN_V1 17
#define FWD_LEN 21
#define FWD_RESEND (250 * NS_PER_MS)
#define FWD_TRIES 15
/* an answer is taken this long (the CLI's wait, control.c) */
#define FWD_ANSWER (4 * NS_PER_S)
#define FWD_SLOTS 8
/* a copy of a request comes within FWD_TRIES * FWD_RESEND */
#define FWD_REMEMBER (10 * NS_PER_S)

struct fwd_msg {
	uint8_t type;
	uint32_t target;
	uint64_t epoch;
	int32_t err;
	uint32_t id;
};

/* A request sent, until answered or given up (requester). */
struct fwd_out {
	uint32_t group_id;	/* 0: a free slot */
	struct fwd_msg m;
	uint32_t to;
	unsigned int tries;
	int64_t next, until;
};

/* A member's last request and its outcome (primary). */
struct fwd_in {
	uint32_t group_id, from, id;
	int32_t ret;
	int64_t at;
};

static struct fwd_out outs[FWD_SLOTS];
static struct fwd_in ins[FWD_SLOTS];
static uint32_t next_id;

static size_t encode(uint8_t *p, const struct fwd_msg *m, size_t len)
{
	uint32_t t = htonl(m->target), e = htonl((uint32_t)m->err);
	uint32_t id = htonl(m->id);
	uint64_t ep = htobe64(m->epoch);

	p[0] = m->type;
	memcpy(p + 1, &t, 4);
	memcpy(p + 5, &ep, 8);
	memcpy(p + 13, &e, 4);
	if (len == FWD_LEN)
		memcpy(p + 17, &id, 4);
	return len;
}

static void decode(const uint8_t *p, size_t len, struct fwd_msg *m)
{
	uint32_t t, e, id = 0;
	uint64_t ep;

	memcpy(&t, p + 1, 4);
	memcpy(&ep, p + 5, 8);
	memcpy(&e, p + 13, 4);
	if (len == FWD_LEN)
		memcpy(&id, p + 17, 4);
	m->type = p[0];
	m->target = ntohl(t);
	m->epoch = be64toh(ep);
	m->err = (int32_t)ntohl(e);
	m->id = ntohl(id);
}

static int send_msg(struct td_grp *g, uint32_t to, const struct fwd_msg *m,
		    size_t len)
{
	uint8_t p[FWD_LEN];

	return peer_send_req(g, to, p, encode(p, m, len));
}

static uint32_t new_id(void)
{
	/* random start: a restarted requester's ids are not its old ones */
	if (!next_id && getrandom(&next_id, sizeof(next_id), 0) != sizeof(next_id))
		next_id = (uint32_t)td_now();
	if (!++next_id)
		++next_id;
	return next_id;
}

static struct fwd_out *out_of(uint32_t group_id)
{
	unsigned int i;

	for (i = 0; i < FWD_SLOTS; i++)
		if (outs[i].group_id == group_id)
			return &outs[i];
	return NULL;
}

int forward_switchover(struct td_grp *g, uint32_t target)
{
	char e[TANDEM_EPOCH_STRLEN];
	uint32_t primary = g->node.primary;
	struct fwd_out *o;
	int ret;

	if (agree_role(&g->node) != AGREE_ROLE_BACKUP || !primary ||
	    primary == g->cfg->agree.self_id)
		return -ENOENT;
	o = out_of(g->cfg->id);
	if (!o)
		o = out_of(0);
	if (!o)
		return -EBUSY;
	*o = (struct fwd_out){
		.group_id = g->cfg->id, .to = primary, .tries = 1,
		.next = td_now() + FWD_RESEND, .until = td_now() + FWD_ANSWER,
		.m = { .type = FWD_SWITCHOVER, .target = target,
		       .epoch = agree_epoch(&g->node), .id = new_id() },
	};
	td_notice("group %s: switchover to %s forwarded to the primary, node %u (epoch %s)",
		  g->cfg->name, target ? "the named node" : "the best backup",
		  primary, tandem_epoch_str(o->m.epoch, e, sizeof(e)));
	ret = send_msg(g, primary, &o->m, FWD_LEN);
	if (ret)
		o->group_id = 0;
	return ret;
}

static struct td_grp *grp_of(struct td_daemon *d, uint32_t group_id)
{
	unsigned int i;

	for (i = 0; i < d->n_grps; i++)
		if (d->grps[i] && d->grps[i]->cfg->id == group_id)
			return d->grps[i];
	return NULL;
}

/* Send the requests again that are due; forget those the primary no
 * longer is asked for (another epoch, another primary) or too old. */
void forward_timers(struct td_daemon *d, int64_t now)
{
	unsigned int i;

	for (i = 0; i < FWD_SLOTS; i++) {
		struct fwd_out *o = &outs[i];
		struct td_grp *g;

		if (!o->group_id || now < o->next)
			continue;
		g = grp_of(d, o->group_id);
		if (!g || now >= o->until ||
		    agree_epoch(&g->node) != o->m.epoch ||
		    g->node.primary != o->to) {
			o->group_id = 0;
			continue;
		}
		if (o->tries >= FWD_TRIES) {
			o->next = o->until;	/* still waiting for an answer */
			continue;
		}
		td_debug("group %s: switchover request %08x sent again (%u)",
			 g->cfg->name, o->m.id, o->tries);
		send_msg(g, o->to, &o->m, FWD_LEN);
		o->tries++;
		o->next = now + FWD_RESEND;
	}
}

int64_t forward_deadline(void)
{
	int64_t t = AGREE_NEVER;
	unsigned int i;

	for (i = 0; i < FWD_SLOTS; i++)
		if (outs[i].group_id && outs[i].next < t)
			t = outs[i].next;
	return t;
}

/* The slot of from's requests in g (its last one), or the oldest slot. */
static struct fwd_in *in_of(struct td_grp *g, uint32_t from)
{
	struct fwd_in *oldest = &ins[0];
	unsigned int i;

	for (i = 0; i < FWD_SLOTS; i++) {
		if (ins[i].group_id == g->cfg->id && ins[i].from == from)
			return &ins[i];
		if (ins[i].at < oldest->at)
			oldest = &ins[i];
	}
	*oldest = (struct fwd_in){ .group_id = g->cfg->id, .from = from };
	return oldest;
}

static int run(struct td_grp *g, uint32_t from, const struct fwd_msg *m)
{
	char msg[256], e[TANDEM_EPOCH_STRLEN];
	int ret;

	if (agree_role(&g->node) != AGREE_ROLE_PRIMARY)
		ret = -EPERM;
	else if (m->epoch != agree_epoch(&g->node))
		ret = -ESTALE;
	else
		ret = control_switchover(g, m->target, msg, sizeof(msg));
	if (!ret)
		td_notice("group %s: switchover asked on node %u", g->cfg->name,
			  from);
	else
		td_warn("group %s: switchover asked on node %u in epoch %s refused: %s",
			g->cfg->name, from,
			tandem_epoch_str(m->epoch, e, sizeof(e)),
			ret == -EXDEV ? msg : control_switchover_error(ret));
	return ret;
}

/* A request from member from: run once, answer every copy alike. */
static void asked(struct td_grp *g, uint32_t from, struct fwd_msg *m,
		  size_t len)
{
	int64_t now = td_now();
	struct fwd_in *in = NULL;

	if (m->id) {
		in = in_of(g, from);
		if (in->id == m->id && now - in->at < FWD_REMEMBER) {
			td_debug("group %s: switchover request %08x of node %u again: answered as before",
				 g->cfg->name, m->id, from);
			goto answer;
		}
	}
	m->err = run(g, from, m);
	if (in)
		*in = (struct fwd_in){ .group_id = g->cfg->id, .from = from,
				       .id = m->id, .ret = m->err, .at = now };
answer:
	if (in)
		m->err = in->ret;
	if (!m->err && !m->id)
		return;
	m->type = m->err ? FWD_REFUSED : FWD_ACCEPTED;
	send_msg(g, from, m, len);
}

/* An answer from the primary to this node's request m->id. */
static void answered(struct td_grp *g, const struct fwd_msg *m)
{
	struct fwd_out *o = out_of(g->cfg->id);

	if (!o || o->m.id != m->id)
		return;		/* a copy's answer, or too late */
	o->group_id = 0;
	if (m->type == FWD_REFUSED)
		control_forward_failed(g->d, g, m->err);
}

void forward_recv(struct td_grp *g, uint32_t from, const uint8_t *p, size_t len)
{
	struct fwd_msg m;

	if (len != FWD_LEN && len != FWD_LEN_V1) {
		g->rx_bad++;
		return;
	}
	decode(p, len, &m);
	if (m.type == FWD_SWITCHOVER)
		asked(g, from, &m, len);
	else if ((m.type == FWD_REFUSED && m.err < 0) ||
		 (m.type == FWD_ACCEPTED && len == FWD_LEN))
		answered(g, &m);
	else
		g->rx_bad++;
}
