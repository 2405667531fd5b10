/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between the data path and the replication channel and counters:
 * the data path's message types under its own names, mapped here onto
 * channel.c as it lands, and its counters.
 */
#ifndef _TANDEM_DPGLUE_H
#define _TANDEM_DPGLUE_H

#include "tandem.h"

enum dp_msg {
	DP_MSG_SEGMENT = 1,	/* primary -> backups: a client segment */
	DP_MSG_CONFIRM,		/* backup -> all: connection opened locally */
	DP_MSG_PROGRESS,	/* backup -> all: received up to, window edge */
};

/* Until the channel lands, nothing is sent: the data path runs alone. */
static inline void dp_send(struct tandem_group *g, void *to, enum dp_msg type,
			   const void *body, unsigned int len)
{
}

/* The data path's counters are in enum tandem_stat (uapi), per group. */
#define dp_count(g, stat) tandem_group_stats_inc(g, stat)

#endif /* _TANDEM_DPGLUE_H */
