/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between the data path and the replication channel and counters:
 * the data path's message types and counters under its own names, mapped
 * here onto channel.c and stats.c as those land.
 */
#ifndef _TANDEM_DPGLUE_H
#define _TANDEM_DPGLUE_H

#include "tandem.h"

enum dp_msg {
	DP_MSG_SEGMENT = 1,	/* primary -> backups: a client segment */
	DP_MSG_CONFIRM,		/* backup -> all: connection opened locally */
	DP_MSG_PROGRESS,	/* backup -> all: received up to, window edge */
};

enum dp_stat {
	DP_STAT_MIRRORED,	/* SEGMENT datagrams sent */
	DP_STAT_INJECTED,	/* mirrored segments fed to the local stack */
	DP_STAT_SUPPRESSED,	/* own VIP output stolen on a backup */
	DP_STAT_NET_DROPPED,	/* VIP traffic from the network on a non-primary */
	DP_STAT_FENCED_DROPPED,	/* own VIP output on a fenced node */
	DP_STAT_ARP_DROPPED,	/* ARP for/from the VIP on a non-primary */
	DP_STAT_UNPROTECTED,	/* connections beyond the group's limit */
	DP_STAT_SYNACK_HELD,	/* SYN-ACKs held for CONFIRMs */
	DP_STAT_SYN_TIMEOUT,	/* backups that missed a connection's opening */
	DP_STAT_OPTS_MISMATCH,	/* backups whose TCP options differ */
	DP_STAT_CLAMPED,	/* primary ACKs clamped to the backups */
	DP_STAT_WINDOW_UPDATES,	/* ACKs the primary sent when they advanced */
	DP_STAT_LAG_DROPPED,	/* backups dropped from a connection (lag) */
	DP_STAT_ACK_CLAMPED,	/* mirrored ACKs clamped to a backup's snd_nxt */
	DP_STAT_INJECT_NO_CONN,	/* mirrored segments of unknown connections */
	DP_STAT_INJECT_NOT_READY, /* ... before the local SYN-ACK */
	DP_STAT_INJECT_MALFORMED, /* ... not a valid IPv4/TCP packet to a service */
	DP_STAT_INJECT_NO_DEV,	/* ... with the VIP on no local device */
	DP_STAT_CONFIRM_SENT,
	DP_STAT_PROGRESS_SENT,
	DP_STAT_TAKEOVER_RESUMED, /* connections resumed at takeover */
	DP_STAT_TAKEOVER_RESET,	/* connections reset at takeover */
	DP_STAT_GARP_SENT,
	DP_STAT_MAX
};

/* Until the channel lands, nothing is sent: the data path runs alone. */
static inline void dp_send(struct tandem_group *g, void *to, enum dp_msg type,
			   const void *body, unsigned int len)
{
}

static inline void dp_count(struct net *net, enum dp_stat stat)
{
}

#endif /* _TANDEM_DPGLUE_H */
