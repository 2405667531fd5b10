/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between the data path and the replication channel and counters:
 * the data path's message types under its own names, and its counters.
 */
#ifndef _TANDEM_DPGLUE_H
#define _TANDEM_DPGLUE_H

#include "tandem.h"

#include <linux/tandem_wire.h>

enum dp_msg {
	DP_MSG_SEGMENT = TANDEM_WIRE_SEGMENT,
	DP_MSG_CONFIRM = TANDEM_WIRE_CONFIRM,
	DP_MSG_PROGRESS = TANDEM_WIRE_PROGRESS,
	DP_MSG_CLOSE = TANDEM_WIRE_CLOSE,
	DP_MSG_DIGEST = TANDEM_WIRE_DIGEST,
};

/* To every non-witness member (@to is always NULL so far). */
static inline void dp_send(struct tandem_group *g, void *to, enum dp_msg type,
			   const void *body, unsigned int len)
{
	tandem_channel_send(g, NULL, type, body, len);
}

/* The data path's counters are in enum tandem_stat (uapi), per group. */
#define dp_count(g, stat) tandem_group_stats_inc(g, stat)

#endif /* _TANDEM_DPGLUE_H */
