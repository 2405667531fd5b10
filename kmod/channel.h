/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replication channel's own structures (channel.c, auth.c). The data
 * path uses only the API in tandem.h.
 */
#ifndef _TANDEM_CHANNEL_H
#define _TANDEM_CHANNEL_H

#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/tandem_wire.h>

#include "tandem.h"

/*
 * A UDP socket bound to a local replication address and port, shared by
 * the groups of the namespace that replicate on it; the group id in each
 * datagram selects the group. In tandem_net.endpoints, under its lock.
 */
struct tandem_endpoint {
	struct list_head list;
	struct rcu_head rcu;
	struct tandem_net *tn;
	struct socket *sock;
	struct tandem_addr addr;
	u16 port;
	unsigned int refs;		/* channels on it, under tn->lock */
};

/* How datagrams are authenticated under one key (auth.c). */
struct tandem_auth {
	u8 mac;				/* enum tandem_mac */
	struct crypto_shash *tfm;	/* hmac(sha256) keyed: HMAC_SHA256 */
	u8 key[TANDEM_KEY_LEN];		/* derived: XCHACHA20_POLY1305 */
};

/*
 * What a group replicates with: its socket and its key. Replaced as a
 * whole, under RCU, when the group's replication address, port or key
 * changes; the sequence numbers go on in tandem_group.tx_seq.
 */
struct tandem_channel {
	struct rcu_head rcu;
	struct tandem_group *group;
	struct tandem_endpoint *ep;
	struct tandem_auth *auth;	/* the group key's; NULL: no key */
	struct tandem_auth *alt;	/* the alternate key's; NULL: none */
	unsigned long alt_until;	/* jiffies: alt accepted until */
	u8 mac;				/* enum tandem_mac, of both */
	struct timer_list heartbeat;
	bool closing;			/* the heartbeat must not re-arm */
};

/* Ring of 64-bit words; the window is at least 31 words wide. */
#define TANDEM_REPLAY_WORDS 32

/*
 * A member's side of the channel: when it was last heard from, and the
 * replay window of the datagrams it sends. Shared by the successive
 * versions of a member object, freed with the member.
 */
struct tandem_peer {
	spinlock_t lock;		/* the replay window */
	unsigned long last_heard;	/* jiffies, 0: never */
	u64 epoch;			/* of the window */
	u64 top;			/* highest seq accepted, 0: none */
	u64 bits[TANDEM_REPLAY_WORDS];
	struct rcu_head rcu;
};

enum tandem_replay {
	TANDEM_REPLAY_OK,
	TANDEM_REPLAY_STALE,		/* epoch older than the sender's latest */
	TANDEM_REPLAY_DUP,		/* seen, or older than the window */
};

/* auth.c */
struct tandem_auth *tandem_auth_new(u8 mac, const u8 *key);
void tandem_auth_free(struct tandem_auth *a);
int tandem_auth_tag(const struct tandem_auth *a, const void *data,
		    size_t len, u8 *tag);
bool tandem_auth_verify(const struct tandem_auth *a, const void *data,
			size_t len, const u8 *tag);
enum tandem_replay tandem_replay_check(struct tandem_peer *p, u64 epoch,
				       u64 seq);

#endif /* _TANDEM_CHANNEL_H */
