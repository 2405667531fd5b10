// SPDX-License-Identifier: GPL-2.0
/*
 * A switchover asked on a node that is not the primary goes to the primary
 * it follows, in an authenticated request datagram (peer.c, "TDRQ"):
 *
 *   0 u8 type    1: switchover, 2: refused
 *   1 u32 target node id, 0 for the best backup
 *   5 u64 epoch  the reign the requester follows (the primary's, refused)
 *  13 s32 -errno (refused only)
 *
 * The primary runs it as if asked on its own control socket, but only for
 * the reign the requester follows (a stale request moves nobody), and
 * answers a refusal; the requester's control socket answers its CLI once
 * it follows a primary of a higher epoch, or with the refusal. A lost
 * datagram means no switchover: the CLI says "pending", and may ask again.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <arpa/inet.h>
#include <endian.h>

#include "print.h"
#include "tandemd.h"

enum { FWD_SWITCHOVER = 1, FWD_REFUSED = 2 };
#define FWD_LEN 17

static void encode(uint8_t *p, uint8_t type, uint32_t target, uint64_t epoch,
		   int32_t err)
{
	uint32_t t = htonl(target), e = htonl((uint32_t)err);
	uint64_t ep = htobe64(epoch);

	p[0] = type;
	memcpy(p + 1, &t, 4);
	memcpy(p + 5, &ep, 8);
	memcpy(p + 13, &e, 4);
}

int forward_switchover(struct td_grp *g, uint32_t target)
{
	uint8_t p[FWD_LEN];
	char e[TANDEM_EPOCH_STRLEN];
	uint32_t primary = g->node.primary;

	if (agree_role(&g->node) != AGREE_ROLE_BACKUP || !primary ||
	    primary == g->cfg->agree.self_id)
		return -ENOENT;
	encode(p, FWD_SWITCHOVER, target, agree_epoch(&g->node), 0);
	td_notice("group %s: switchover to %s forwarded to the primary, node %u (epoch %s)",
		  g->cfg->name, target ? "the named node" : "the best backup",
		  primary, tandem_epoch_str(agree_epoch(&g->node), e, sizeof(e)));
	return peer_send_req(g, primary, p, sizeof(p));
}

static void run(struct td_grp *g, uint32_t from, uint32_t target,
		uint64_t epoch)
{
	char msg[256], e[TANDEM_EPOCH_STRLEN];
	uint8_t p[FWD_LEN];
	int ret;

	if (agree_role(&g->node) != AGREE_ROLE_PRIMARY)
		ret = -EPERM;
	else if (epoch != agree_epoch(&g->node))
		ret = -ESTALE;
	else
		ret = control_switchover(g, target, msg, sizeof(msg));
	if (!ret) {
		td_notice("group %s: switchover asked on node %u", g->cfg->name,
			  from);
		return;
	}
	td_warn("group %s: switchover asked on node %u in epoch %s refused: %s",
		g->cfg->name, from, tandem_epoch_str(epoch, e, sizeof(e)),
		ret == -EXDEV ? msg : control_switchover_error(ret));
	encode(p, FWD_REFUSED, target, epoch, ret);
	peer_send_req(g, from, p, sizeof(p));
}

void forward_recv(struct td_grp *g, uint32_t from, const uint8_t *p, size_t len)
{
	uint32_t target, err;
	uint64_t epoch;

	if (len != FWD_LEN) {
		g->rx_bad++;
		return;
	}
	memcpy(&target, p + 1, 4);
	memcpy(&epoch, p + 5, 8);
	memcpy(&err, p + 13, 4);
	target = ntohl(target);
	epoch = be64toh(epoch);
	err = ntohl(err);
	if (p[0] == FWD_SWITCHOVER)
		run(g, from, target, epoch);
	else if (p[0] == FWD_REFUSED && (int32_t)err < 0)
		control_forward_failed(g->d, g, (int32_t)err);
	else
		g->rx_bad++;
}
