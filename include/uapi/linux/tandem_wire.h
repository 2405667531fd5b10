/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * tandem: the replication datagram.
 *
 * Members of a group exchange UDP datagrams between their replication
 * addresses and ports (TANDEM_A_GROUP_REPL_ADDR/PORT of the sender,
 * TANDEM_A_MEMBER_ADDR/PORT of the receiver). Each datagram is
 *
 *     struct tandem_wire_hdr | body (by type) | tag (TANDEM_WIRE_TAG_LEN)
 *
 * all integers in network byte order. The tag authenticates the header and
 * the body under the group key (TANDEM_A_GROUP_KEY) with the group's MAC
 * (TANDEM_A_GROUP_MAC), which the header names (TANDEM_WIRE_F_MAC):
 *   - TANDEM_MAC_HMAC_SHA256: HMAC-SHA256 under the group key, truncated to
 *     its first 16 bytes;
 *   - TANDEM_MAC_XCHACHA20_POLY1305: the tag of XChaCha20-Poly1305 (RFC 8439
 *     with the 192-bit nonce of draft-irtf-cfrg-xchacha) sealing an empty
 *     plaintext with the header and the body as associated data, under
 *     HMAC-SHA256(group key, "tandem xchacha20-poly1305"), with the nonce
 *     group_id | sender | epoch | seq (24 bytes, as in the header). A
 *     nonce repeats only if a sender repeats a seq within an epoch (below),
 *     which the replay protection rules out too.
 * A receiver drops a datagram naming another MAC than its group's before
 * it checks the tag.
 *
 * Replay protection: a sender numbers its datagrams with seq, which starts
 * at its real-time clock in nanoseconds when its channel opens and grows by
 * one per datagram (the same datagram may go to several receivers), so
 * that it never repeats within an epoch, even across restarts. A receiver
 * keeps, per sender, the highest epoch it accepted and a window of the last
 * TANDEM_WIRE_REPLAY_WINDOW sequence numbers of that epoch; it accepts a
 * datagram once, and only if it is within the window or ahead of it.
 *
 * A receiver checks, in this order, and drops (counting it in the counter
 * named, enum tandem_stat) a datagram that
 *   - is shorter than a header and a tag            CHAN_DROP_SHORT
 *   - has another version                            CHAN_DROP_VERSION
 *   - names no group that replicates on the socket
 *     that received it                               CHAN_DROP_GROUP
 *   - comes from a node id, address and port that
 *     are not those of one member of the group       CHAN_DROP_SENDER
 *   - names another MAC than the group's             CHAN_DROP_MAC
 *   - does not carry the right tag (or the receiver
 *     has no key)                                    CHAN_DROP_TAG
 *   - has an epoch below the group's, or below the
 *     latest the sender used                         CHAN_DROP_STALE
 *   - repeats or precedes the replay window          CHAN_DROP_REPLAY
 *   - does not fit the roles (below)                 CHAN_DROP_ROLE
 *   - has a body too short for its type              CHAN_DROP_SHORT
 *   - is of a type the receiver does not handle      CHAN_DROP_TYPE
 * Nothing beyond the header is read before the tag is verified.
 */
#ifndef _UAPI_LINUX_TANDEM_WIRE_H
#define _UAPI_LINUX_TANDEM_WIRE_H

#include <linux/types.h>

#define TANDEM_WIRE_VERSION 1
#define TANDEM_WIRE_TAG_LEN 16
#define TANDEM_WIRE_REPLAY_WINDOW 1024	/* sequence numbers, at least */

/* Message types. */
enum tandem_wire_type {
	TANDEM_WIRE_UNSPEC,
	TANDEM_WIRE_SEGMENT,	/* primary -> backups: a client segment */
	TANDEM_WIRE_CONFIRM,	/* backup -> members: a connection opened */
	TANDEM_WIRE_PROGRESS,	/* backup -> members: received up to */
	TANDEM_WIRE_DIGEST,	/* primary -> backups: CRC32C of an output block */
	TANDEM_WIRE_CLOSE,	/* any -> members: a connection ended */
	TANDEM_WIRE_HEARTBEAT,	/* primary <-> backups: liveness */
	__TANDEM_WIRE_MAX
};
#define TANDEM_WIRE_MAX (__TANDEM_WIRE_MAX - 1)

/* Header flags. */
#define TANDEM_WIRE_F_PRIMARY	0x0001	/* the sender is the primary of epoch */
#define TANDEM_WIRE_F_REPLY	0x0002	/* HEARTBEAT: an answer */
/* The MAC of the tag (enum tandem_mac, tandem.h): 0 is HMAC-SHA256. */
#define TANDEM_WIRE_F_MAC_SHIFT	8
#define TANDEM_WIRE_F_MAC_MASK	0x0f00
#define TANDEM_WIRE_F_MAC(flags) \
	(((flags) & TANDEM_WIRE_F_MAC_MASK) >> TANDEM_WIRE_F_MAC_SHIFT)

struct tandem_wire_hdr {
	__u8 version;		/* TANDEM_WIRE_VERSION */
	__u8 type;		/* enum tandem_wire_type */
	__be16 flags;		/* TANDEM_WIRE_F_* */
	__be32 group_id;	/* TANDEM_A_GROUP_ID */
	__be32 sender;		/* the sender's TANDEM_A_GROUP_NODE_ID */
	__be32 reserved;	/* 0 */
	__be64 epoch;		/* the sender's TANDEM_A_GROUP_EPOCH */
	__be64 seq;
};

/*
 * Bytes a datagram adds to its body on an IPv4 path: IP and UDP headers,
 * the tandem header and the tag. A body of at most MTU - this fits in one
 * packet (larger datagrams are fragmented).
 */
#define TANDEM_WIRE_OVERHEAD4 (20 + 8 + 32 + TANDEM_WIRE_TAG_LEN)
#define TANDEM_WIRE_OVERHEAD6 (40 + 8 + 32 + TANDEM_WIRE_TAG_LEN)

/*
 * Roles: SEGMENT and DIGEST are accepted only from a sender that claims
 * TANDEM_WIRE_F_PRIMARY, by a backup; a HEARTBEAT request only from such a
 * sender, by a backup, which answers it; a HEARTBEAT answer only by a
 * primary. The other types are accepted in any role; the data path
 * decides what to do with them.
 */

/* HEARTBEAT */
struct tandem_wire_heartbeat {
	__be64 time_ns;		/* the sender's monotonic clock when sent */
	__be64 echo_ns;		/* an answer: time_ns of the request; else 0 */
};

/*
 * The bodies of the data path (docs/datapath.md). The data path may append
 * fields; a receiver accepts a body at least as long as the structure.
 */

/* A connection, as the client sees it: IPv4 addresses in the first word. */
struct tandem_wire_conn {
	__u8 caddr[16];		/* client address */
	__be16 cport;		/* client port */
	__be16 vport;		/* service port on the VIP */
};

/* SEGMENT: then the client's IP packet (IP header, TCP header, payload). */
struct tandem_wire_segment {
	__be32 wire_isn;	/* the server's ISN in wire space */
	__be32 wire_ts;		/* TSval offset of wire space */
	__u8 flags;		/* TANDEM_WIRE_SEG_F_* */
	__u8 pad[3];
	__be32 ts_now;		/* the primary's wire TSval clock at mirroring */
};

#define TANDEM_WIRE_SEG_F_ISN	0x01	/* wire_isn is known */
#define TANDEM_WIRE_SEG_F_TS	0x02	/* wire_ts (timestamps in use) */
/*
 * A SYN reusing the 4-tuple of a connection that is over on the primary:
 * a new connection.
 */
#define TANDEM_WIRE_SEG_F_NEW	0x04
/*
 * More SEGMENTs of the same client packet follow this one (the primary
 * splits a client packet larger than a datagram into several). A backup
 * may then leave its report (PROGRESS) of what this SEGMENT moved to its
 * report after the packet's last SEGMENT, which never has the flag: a
 * sender that never sets it (an older primary) is reported to after every
 * SEGMENT, as before. Never set in a resent SEGMENT (docs/datapath.md).
 */
#define TANDEM_WIRE_SEG_F_MORE	0x08

/* CONFIRM */
struct tandem_wire_confirm {
	struct tandem_wire_conn conn;
	__be32 local_isn;	/* the backup's own ISN */
	__u8 wscale;		/* its window scale */
	__u8 has_ts;		/* it uses timestamps */
	__u8 flags;		/* TANDEM_WIRE_CONFIRM_F_* */
	__u8 pad;
};

/*
 * From the primary to a backup that rejoined after a takeover (the old
 * primary, following): it holds every client byte the client was
 * acknowledged, and protects the connection again.
 */
#define TANDEM_WIRE_CONFIRM_F_AGAIN	0x01

/* PROGRESS */
struct tandem_wire_progress {
	struct tandem_wire_conn conn;
	__be32 rcv_nxt;		/* client space: received up to */
	__be32 rcv_edge;	/* client space: right edge of the window */
	/*
	 * Optional (a shorter body has none): in a report of a duplicate
	 * ACK, the sender's lowest SACK block beyond rcv_nxt, client space:
	 * the hole is rcv_nxt to sack_start. Both 0: none.
	 */
	__be32 sack_start;
	__be32 sack_end;
	/* Optional (a shorter body has none): TANDEM_WIRE_PROGRESS_F_*. */
	__u8 flags;
	__u8 pad[3];
};
/*
 * The sender counts the connection unprotected (it would reset it if
 * promoted): told by a CLOSE, or never able to continue it. A primary that
 * left the sender behind or dropped it waits for this before its ACKs stop
 * waiting for the sender (docs/datapath.md, "Lag bound").
 */
#define TANDEM_WIRE_PROGRESS_F_UNPROT	0x01
#define TANDEM_WIRE_PROGRESS_MIN	(sizeof(struct tandem_wire_conn) + 8)

/* DIGEST: a block of the primary's output */
#define TANDEM_WIRE_DIGEST_BLOCK 32768	/* bytes, from the wire ISN + 1 */

struct tandem_wire_digest {
	struct tandem_wire_conn conn;
	__be32 crc;		/* CRC-32 (IEEE 802.3, as crc32_le) of the block */
	__be64 block;		/* block number, at wire offsets */
	/*
	 * 0: the whole block; else a partial digest of its first upto
	 * bytes, sent before the output segment ending there leaves the
	 * primary (the CRC as accumulated so far, not finalised).
	 */
	__be32 upto;
	__u8 pad[4];
};

/* CLOSE: why the sender tells the members about the connection */
enum tandem_wire_close_reason {
	TANDEM_WIRE_CLOSE_UNSPEC,
	/*
	 * primary -> backup: dropped from protection (lag bound); reset it
	 * at a takeover.
	 */
	TANDEM_WIRE_CLOSE_LAG,
	/*
	 * primary -> backup: lagging behind the best backup, the ACKs no
	 * longer wait for it: it protects nothing (reset at a takeover) until
	 * the primary has resent what it lacks and confirms it again
	 * (CONFIRM with TANDEM_WIRE_CONFIRM_F_AGAIN). Repeated while it
	 * reports.
	 */
	TANDEM_WIRE_CLOSE_BEHIND,
};

struct tandem_wire_close {
	struct tandem_wire_conn conn;
	__u8 reason;		/* data path */
	__u8 pad[3];
};

#endif /* _UAPI_LINUX_TANDEM_WIRE_H */
