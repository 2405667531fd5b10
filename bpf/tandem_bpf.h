/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tandem's eBPF data path: the map ABI shared by the tc programs (the bpf/ program files)
 * and the user space that loads them (tandemd's bpf backend, the tests).
 * docs/datapath-bpf.md describes the design.
 *
 * Maps (names as in the skeleton, pinned by the loader under
 * /sys/fs/bpf/tandem/ when it wants them to outlive it):
 *   tandem_groups    HASH   key __be32 VIP        -> struct tandem_bpf_group
 *   tandem_services  HASH   struct tandem_bpf_svc_key -> struct tandem_bpf_service
 *   tandem_conns     HASH   struct tandem_bpf_conn_key -> struct tandem_bpf_conn
 *   tandem_progress  HASH   struct tandem_bpf_conn_key -> struct tandem_bpf_progress
 *   tandem_stats     PERCPU_ARRAY  enum tandem_bpf_stat -> __u64
 *
 * Byte order: addresses and ports in network order (as on the wire, they
 * are compared with header fields), everything else in host order. Sequence
 * numbers and timestamps are host-order __u32 compared modulo 2^32.
 *
 * One writer per map: user space writes groups and services; the programs
 * create and update connection entries (user space only reads them, and
 * deletes those of closed sockets) and the backups' progress from their
 * reports (a user space that carries the reports itself writes
 * tandem_progress instead, never both for one group). A value written with
 * bpf_map_update_elem() replaces the whole entry, so no map has two writers.
 *
 * Reports: a backup's segment that acknowledges more than it reported, or
 * widens its window, goes to the primary over the replication device
 * instead of being stolen: trimmed to its headers, IP ID = the backup's
 * node id, TCP seq = its right window edge, TCP ack = its rcv_nxt (both in
 * the client's space), TCP urgent pointer = the epoch's tag (below).
 *
 * The epoch on the wire: every mirrored segment and every report carries
 * the 16-bit tag of its sender's epoch (tandem_bpf_epoch_tag) in its TCP
 * urgent pointer, which TCP reads only with the URG flag (a mirrored
 * segment with URG carries it in its IP ID instead; a backup's segment
 * with URG is not a report). A backup takes a mirrored segment, a primary
 * a report, only with the tag of its own epoch (stale_epoch otherwise).
 */
#ifndef _TANDEM_BPF_H
#define _TANDEM_BPF_H

#include <linux/types.h>

#define TANDEM_BPF_MAX_PEERS	4	/* backups of a group */

/*
 * The tag of an epoch: tandemd's epochs are round << 32 | node id
 * (ctl/agree), the tag the low 12 bits of the round and the low 4 of the
 * node id. Two epochs share a tag only if their rounds differ by a
 * multiple of 4096 (and their node ids by one of 16): a primary that many
 * elections behind has seen its lease lapse long before.
 */
static inline __u16 tandem_bpf_epoch_tag(__u64 epoch)
{
	return (__u16)(((epoch >> 32) & 0xfff) << 4 | (epoch & 0xf));
}

#define TANDEM_BPF_TH_URP	18	/* the urgent pointer in the TCP header */

/* struct tandem_bpf_group.role: the values of enum tandem_role (uapi). */
#define TANDEM_BPF_ROLE_FENCED	1	/* emits nothing from the VIP, accepts nothing */
#define TANDEM_BPF_ROLE_BACKUP	2	/* runs shadow connections from the mirror */
#define TANDEM_BPF_ROLE_PRIMARY	3	/* owns the VIP while its lease is valid */

/*
 * struct tandem_bpf_group.flags
 * INSECURE_TEST: the replication devices are not authenticated (a veth or
 *   bridge in a test). The loader refuses a replication device that is not
 *   an authenticated transport (WireGuard, xfrm) unless this flag is set;
 *   the programs cannot see a device's kind, so the check is the loader's.
 * NOCLAMP: the primary does not clamp ACKs and windows to its backups'
 *   progress (no backup, or a test of translation alone).
 */
#define TANDEM_BPF_GROUP_F_INSECURE_TEST	(1U << 0)
#define TANDEM_BPF_GROUP_F_NOCLAMP		(1U << 1)

/* The mark of an skb the programs built or re-emitted themselves. */
#define TANDEM_BPF_MARK		0x7a6e0001

struct tandem_bpf_group {
	__u32 role;			/* TANDEM_BPF_ROLE_* */
	__u32 node_id;			/* this node */
	__u64 epoch;			/* never goes backwards */
	__u64 lease_expiry_ns;		/* primary: CLOCK_MONOTONIC, bpf_ktime_get_ns() */
	__be32 vip;
	__u32 flags;			/* TANDEM_BPF_GROUP_F_* */
	/*
	 * Primary: each client segment of a service is cloned to the egress
	 * of every non-zero mirror_ifindex (one device per backup on a point
	 * to point transport such as WireGuard; one with a broadcast
	 * mirror_mac on a shared L2 network). mirror_mac replaces the
	 * Ethernet destination of the clones on an L2 device.
	 */
	__u32 mirror_ifindex[TANDEM_BPF_MAX_PEERS];
	__u8 mirror_mac[6];
	__u8 pad[2];
	/*
	 * Backup: mirrored segments are accepted only on these devices (the
	 * authenticated replication transport); the same traffic arriving on
	 * any other device is dropped.
	 */
	__u32 repl_ifindex[TANDEM_BPF_MAX_PEERS];
	/*
	 * Primary: a connection's SYN-ACK is held (stolen) until nbackups
	 * backups confirmed the SYN (their own SYN-ACK, sent as a report),
	 * then the stack is made to send it again; after syn_hold_ms
	 * (0: 10 s) without them it goes out and the connection is served
	 * unprotected by the missing ones (clamped to those that confirmed).
	 * nbackups 0: one per mirror device. Group flag NOCLAMP: no hold.
	 */
	__u32 syn_hold_ms;
	__u8 nbackups;
	__u8 pad2[3];
};

struct tandem_bpf_svc_key {
	__be32 vip;
	__be16 port;
	__u16 pad;			/* 0 */
};

struct tandem_bpf_service {
	__u32 flags;			/* none yet: 0 */
};

struct tandem_bpf_conn_key {
	__be32 caddr;			/* client */
	__be32 vip;
	__be16 cport;
	__be16 vport;			/* the service's port */
};

/* struct tandem_bpf_conn.flags */
#define TANDEM_BPF_CONN_F_WIRE		(1U << 0)	/* wire_isn, wire_ts known */
#define TANDEM_BPF_CONN_F_LOCAL		(1U << 1)	/* local_isn, local_ts known */
#define TANDEM_BPF_CONN_F_DELTA		(1U << 2)	/* seq_delta, ts_delta valid */
#define TANDEM_BPF_CONN_F_TS		(1U << 3)	/* timestamps in use */
#define TANDEM_BPF_CONN_F_WS		(1U << 4)	/* the client offered window scaling */
#define TANDEM_BPF_CONN_F_CTS		(1U << 5)	/* max_tsval valid */
#define TANDEM_BPF_CONN_F_SENT		(1U << 6)	/* primary: ack_sent, edge_sent valid */
#define TANDEM_BPF_CONN_F_FIN		(1U << 7)	/* a FIN was seen */
#define TANDEM_BPF_CONN_F_RST		(1U << 8)	/* a RST was seen */
#define TANDEM_BPF_CONN_F_UNPROT	(1U << 9)	/* primary: a backup never confirmed it */
#define TANDEM_BPF_CONN_F_ESTAB		(1U << 10)	/* the client's handshake ACK seen */
#define TANDEM_BPF_CONN_F_REPORTED	(1U << 11)	/* backup: rcv_nxt, rcv_edge valid */
#define TANDEM_BPF_CONN_F_CWIN		(1U << 12)	/* primary: client_win valid */
#define TANDEM_BPF_CONN_F_TSECR		(1U << 13)	/* max_tsecr valid */
#define TANDEM_BPF_CONN_F_PEND		(1U << 14)	/* pend_tsval, pend_win valid */
#define TANDEM_BPF_CONN_F_CACK		(1U << 15)	/* max_cack valid */
#define TANDEM_BPF_CONN_F_L2		(1U << 16)	/* primary: cdev, cmac, lmac valid */
#define TANDEM_BPF_CONN_F_PACK		(1U << 17)	/* backup: pending_ack, pending_tsecr valid */

/*
 * One backup's progress on a connection, as the primary knows it: what its
 * stack received (rcv_nxt) and its right window edge, both in the client's
 * sequence space. A slot with node_id 0 is free. The primary clamps to the
 * minimum over the slots in use; without an entry in tandem_progress, no
 * backup has reported and nothing beyond the client's SYN is acknowledged.
 */
struct tandem_bpf_peer {
	__u32 node_id;
	__u32 rcv_nxt;
	__u32 rcv_edge;
	/*
	 * The first SACK block of its last report (what it holds beyond a
	 * hole, client space); sack_end == rcv_nxt when it reported none.
	 */
	__u32 sack_start;
	__u32 sack_end;
	__u32 pad;
};

struct tandem_bpf_progress {
	struct tandem_bpf_peer peers[TANDEM_BPF_MAX_PEERS];
};

struct tandem_bpf_conn {
	__u32 flags;			/* TANDEM_BPF_CONN_F_* */
	__u32 client_isn;		/* ISN of the client's SYN */
	__u32 wire_isn;			/* server ISN in wire space */
	__u32 wire_ts;			/* TSval of the wire SYN-ACK (primary: its own) */
	__u32 local_isn;		/* server ISN of this node's stack */
	__u32 local_ts;			/* TSval of this node's SYN-ACK */
	__u32 seq_delta;		/* local seq = wire seq + seq_delta */
	__u32 ts_delta;			/* local TSval = wire TSval + ts_delta */
	__u32 max_tsval;		/* largest client TSval this stack accepted */
	__u32 max_cack;			/* wire space: largest ACK from the client */
	__u8 wscale;			/* this node's receive window scale */
	__u8 pad;
	__u16 client_win;		/* primary: the client's last window field */
	/* primary */
	__u32 ack_sent;			/* last ACK number sent to the client */
	__u32 edge_sent;		/* largest right window edge advertised */
	__u32 last_tsval;		/* wire TSval last sent */
	/* backup */
	__u32 rcv_nxt;			/* what its stack acknowledged, client space */
	__u32 rcv_edge;			/* its right window edge */
	/*
	 * Local space: the largest client ACK its stack did not see (clamped
	 * to its snd_nxt, or in a segment it refused), given back to it after
	 * its next output (bpf/pending.bpf.h); flag PACK.
	 */
	__u32 pending_ack;
	__u32 max_tsecr;		/* wire: largest TSecr from the client */
	/*
	 * The client's last segment, learnt only once the stack accepted it:
	 * its TSval and window wait here until this node's own output echoes
	 * that TSval (TSecr = ts_recent, which only an accepted segment sets).
	 */
	__u32 pend_tsval;
	__u16 pend_win;
	__u16 last_win;			/* backup: the window field of the client's last segment */
	__u64 created_ns;		/* bpf_ktime_get_ns() */
	/*
	 * Primary: where the client's segments arrive (the first one seen on
	 * a device), their source MAC (the client's, or its router's) and
	 * destination MAC (this node's): a duplicate ACK built from a
	 * backup's report goes back that way.
	 */
	__u32 cdev;
	__u8 cmac[6];
	__u8 lmac[6];
	__u32 pending_tsecr;		/* backup: the TSecr (local) that came with pending_ack */
	__u32 pad3;
};

/* Indexes of tandem_stats, a per-CPU array of __u64 counters. */
enum tandem_bpf_stat {
	TANDEM_BPF_STAT_MIRRORED,	/* primary: client segments cloned */
	TANDEM_BPF_STAT_MIRROR_ERR,	/* primary: a clone could not be sent */
	TANDEM_BPF_STAT_CSUM_BAD,	/* primary: bad checksum, not mirrored */
	TANDEM_BPF_STAT_HANDSHAKE_BAD,	/* primary: an ACK of another ISN, not mirrored */
	TANDEM_BPF_STAT_NET_DROPPED,	/* not primary: VIP traffic from the network */
	TANDEM_BPF_STAT_FENCED_DROPPED,	/* lease lapsed or fenced: output stolen */
	TANDEM_BPF_STAT_STOLEN,		/* backup: own output stolen */
	TANDEM_BPF_STAT_TRANSLATED,	/* segments rewritten (either way) */
	TANDEM_BPF_STAT_CLAMPED,	/* primary: ACK lowered to the backups' progress */
	TANDEM_BPF_STAT_WIN_CLAMPED,	/* primary: window lowered */
	TANDEM_BPF_STAT_SACK_STRIPPED,	/* primary: SACK beyond the clamp turned into NOPs */
	TANDEM_BPF_STAT_ACK_CLAMPED,	/* backup: client ACK lowered to snd_nxt */
	TANDEM_BPF_STAT_NO_CONN,	/* no entry (not opened through the mirror) */
	TANDEM_BPF_STAT_NO_DELTA,	/* backup: handshake not learnt yet, dropped */
	TANDEM_BPF_STAT_CONN_FULL,	/* no room for a new entry */
	TANDEM_BPF_STAT_NEW_CONN,	/* entries created (a reused 4-tuple's new SYN too) */
	TANDEM_BPF_STAT_NOT_REPL,	/* backup: segment not from a replication device */
	TANDEM_BPF_STAT_MALFORMED,	/* headers that could not be parsed */
	TANDEM_BPF_STAT_REPORT_SENT,	/* backup: segments turned into reports */
	TANDEM_BPF_STAT_REPORT_RECV,	/* primary: reports taken */
	TANDEM_BPF_STAT_KICKED,		/* primary: its stack made to ACK (clamp opened) */
	TANDEM_BPF_STAT_SYNACK_HELD,	/* primary: SYN-ACK stolen, backups not confirmed */
	TANDEM_BPF_STAT_CONFIRMED,	/* primary: a backup's SYN-ACK report taken */
	TANDEM_BPF_STAT_SYN_REPLAYED,	/* primary: stack made to resend its SYN-ACK */
	TANDEM_BPF_STAT_HOLD_TIMEOUT,	/* primary: SYN-ACK released unconfirmed */
	TANDEM_BPF_STAT_ACK_RESEQ,	/* taken over: a pure ACK sent at the client's rcv_nxt */
	TANDEM_BPF_STAT_DUPACK_SENT,	/* primary: a backup's SACKed duplicate ACK sent to the client */
	TANDEM_BPF_STAT_SACK_CUT,	/* primary: its SACK block cut to what the other backups hold */
	TANDEM_BPF_STAT_STALE_EPOCH,	/* a mirrored segment or report of another epoch, dropped */
	TANDEM_BPF_STAT_ACK_REAPPLIED,	/* backup: a pending client ACK given to its stack again */
	__TANDEM_BPF_STAT_MAX
};

#endif /* _TANDEM_BPF_H */
