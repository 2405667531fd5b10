/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the active-replication data path (docs/datapath.md):
 * the connection table, the netfilter hooks, mirroring, injection,
 * suppression, translation and takeover.
 */
#ifndef _TANDEM_DATAPATH_H
#define _TANDEM_DATAPATH_H

#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/tcp.h>
#include <linux/timer.h>

#include <asm/unaligned.h>
#include <linux/tandem_wire.h>

#include "tandem.h"

/*
 * A connection is known by its 4-tuple as the replication messages carry it
 * (struct tandem_wire_conn): the client address (IPv4 in the first word,
 * the rest 0), the client port and the service port. It is the key of
 * the connection table too.
 */
static inline __be32 tandem_conn_caddr4(const struct tandem_wire_conn *k)
{
	return get_unaligned((const __be32 *)k->caddr);
}


/* Connection flags (struct tandem_conn.flags). */
#define TANDEM_CONN_F_ISN	BIT(0)	/* wire ISN known */
#define TANDEM_CONN_F_LOCAL	BIT(1)	/* local ISN known (own SYN-ACK seen) */
#define TANDEM_CONN_F_TS	BIT(2)	/* timestamps in use, ts_delta valid */
#define TANDEM_CONN_F_DIVERGED	BIT(3)
#define TANDEM_CONN_F_UNPROT	BIT(4)	/* not protected by this node */
#define TANDEM_CONN_F_HELD	BIT(5)	/* primary: SYN-ACK held */
#define TANDEM_CONN_F_CLAMPED	BIT(6)	/* primary: last ACK sent was clamped */
#define TANDEM_CONN_F_KICK	BIT(7)	/* primary: an ACK must be sent */
#define TANDEM_CONN_F_WS	BIT(8)	/* the client's SYN offered window scaling */
#define TANDEM_CONN_F_LTS	BIT(9)	/* local_ts valid */
#define TANDEM_CONN_F_PENDING	BIT(10)	/* backup: pending_ack and tmpl valid */
#define TANDEM_CONN_F_REAPPLY	BIT(11)	/* backup: inject tmpl from the timer */
#define TANDEM_CONN_F_CISN	BIT(12)	/* client_isn valid */
#define TANDEM_CONN_F_AHEAD	BIT(13)	/* backup: ts_ahead valid */
#define TANDEM_CONN_F_RQEND	BIT(14)	/* primary: rq_end valid */
#define TANDEM_CONN_F_WCLAMPED	BIT(15)	/* primary: last window was limited */
#define TANDEM_CONN_F_DGPOS	BIT(16)	/* dg_pos valid */
#define TANDEM_CONN_F_TSECR	BIT(17)	/* max_tsecr valid */
#define TANDEM_CONN_F_GAP	BIT(18)	/* primary: gap_end, gap_at valid */
#define TANDEM_CONN_F_CACK	BIT(19)	/* max_cack valid */
#define TANDEM_CONN_F_REJOIN	BIT(20)	/* backup: unprotected for having rejoined */
#define TANDEM_CONN_F_AMAX	BIT(21)	/* primary: ack_max valid */
#define TANDEM_CONN_F_TOOK	BIT(22)	/* primary: opened before its takeover */
#define TANDEM_CONN_F_TAIL	BIT(23)	/* tail_* valid: a partial block to check */
/* primary: diverged after its takeover: output stolen until it is reset */
#define TANDEM_CONN_F_KILL	BIT(24)
/* backup: more_end valid: more of a client packet follows (inject.c) */
#define TANDEM_CONN_F_MORE	BIT(25)
/* backup: its last report was a duplicate or had a SACK block (suppress.c) */
#define TANDEM_CONN_F_DUPSENT	BIT(26)

/* Digests waiting for their match: the backup's output usually trails. */
#define TANDEM_DIGESTS_PEER 16
#define TANDEM_DIGESTS_OWN 4

struct tandem_digest {
	u32 block;
	u32 crc;
};

struct tandem_digest_ring {
	u16 size;
	u16 valid;			/* bit i: d[i] in use */
	struct tandem_digest d[];
};

#define TANDEM_TMPL_MAX 64		/* IPv4 + TCP header of a pure ACK */

/* What this node knows of one peer's copy of the connection. */
struct tandem_conn_peer {
	u32 node_id;			/* 0: slot free */
	u32 rcv_nxt;			/* client space: received up to */
	u32 rcv_edge;			/* client space: right window edge */
	u8 stand;			/* enum tandem_stand */
	u8 shift;			/* resend backoff */
	u8 dups;			/* primary: reports in a row at rcv_nxt */
	u8 fast;			/* primary: resend its next byte at once */
	u8 clocked;			/* primary: resending a hole, ACK-clocked */
	u8 more;			/* primary: its report calls for more of it */
	u8 leaving;			/* primary: left behind or dropped, not known to know */
	u8 unprot;			/* its last report: it protects nothing */
	u32 resent_to;			/* client space: end of the last resend */
	u32 sack_start;			/* client space: its lowest block beyond */
	u32 sack_end;			/* rcv_nxt, as last reported; 0: none */
	unsigned long progress_at;	/* primary: jiffies | 1 rcv_nxt last moved */
	u32 checked;			/* rcv_nxt at the last resend look */
	unsigned long resend_at;	/* jiffies | 1; 0: not yet looked */
	unsigned long held_since;	/* jiffies | 1: its window limits the client's */
	unsigned long behind_since;	/* jiffies | 1: lacking longer than the best */
	unsigned long rejoin_until;	/* jiffies: given up on after */
	unsigned long told_at;		/* jiffies | 1: last CLOSE sent (behind, leaving) */
	u32 behind_mark;		/* client space: mirrored when left behind */
	/* primary: how long its reports take (resend.c), in jiffies */
	u32 probe_end;			/* client space: end of the timed SEGMENT */
	unsigned long probe_at;		/* jiffies | 1 it was mirrored; 0: none */
	u32 srtt;			/* smoothed, << 3; 0: no sample yet */
	u32 rttvar;			/* mean deviation, << 2 */
};

/*
 * Where a peer stands on a connection (protect.c, which alone moves it).
 * The old primary after a takeover may follow as a backup, having missed
 * what this node received meanwhile: its copies are kept for it until it
 * reports (WAIT); if what it lacks is here, it is resent and the ACKs are
 * clamped to it (CATCHUP) until it holds everything the client was
 * acknowledged, when it protects again (and is told). A backup that lagged
 * behind the best one past the lag bound (lag.c; BEHIND): the ACKs no
 * longer wait for it and it protects nothing until it holds what the
 * client was acknowledged (told: CLOSE_BEHIND), but its copies are kept
 * and resent; near that point it clamps again (CATCHUP). Dropped for good
 * past the hard bound only.
 */
enum tandem_stand {
	TANDEM_STAND_UNCONFIRMED,	/* no CONFIRM yet */
	TANDEM_STAND_PROTECTING,	/* confirmed: the ACKs wait for it */
	TANDEM_STAND_WAIT,		/* the old primary, not reported yet */
	TANDEM_STAND_CATCHUP,		/* waited for again, catching up */
	TANDEM_STAND_BEHIND,		/* left behind: resent to, not waited for */
	TANDEM_STAND_DROPPED,		/* for good */
};

/*
 * What the client's segments said (conn.c, tandem_conn_note_in(); wire
 * space). Flags: TANDEM_CONN_F_CISN, _WS, _TSECR, _CACK.
 */
struct tandem_conn_client {
	u32 isn;			/* its SYN's sequence number */
	u32 win;			/* its last window, bytes */
	u8 wscale;			/* its SYN's window scale option */
	u32 max_tsecr;			/* largest TSecr */
	u32 max_cack;			/* largest ACK */
};

/* Digests of the output (digest.c). Flags: TANDEM_CONN_F_DGPOS, _TAIL, _DIVERGED. */
struct tandem_conn_digest {
	u32 pos;			/* wire: next byte of output to digest */
	u32 crc;			/* of the current block so far */
	u32 block;			/* number of the current block */
	u32 tail_block;			/* the primary's latest partial block: */
	u32 tail_upto;			/* its first tail_upto bytes */
	u32 tail_crc;			/* digest to this (running, as crc) */
	union {				/* backup: own digests, unmatched */
		struct tandem_digest_ring r;
		u8 b[sizeof(struct tandem_digest_ring) +
		     TANDEM_DIGESTS_OWN * sizeof(struct tandem_digest)];
	} own;
	union {				/* backup: the primary's, unmatched */
		struct tandem_digest_ring r;
		u8 b[sizeof(struct tandem_digest_ring) +
		     TANDEM_DIGESTS_PEER * sizeof(struct tandem_digest)];
	} peer;
};

/* The primary's copies for resending (resend.c). Flags: TANDEM_CONN_F_RQEND, _GAP. */
struct tandem_conn_resend {
	u32 bytes;			/* client bytes in rq */
	u32 end;			/* client space: end of what rq held */
	u32 gap_end;			/* client space: received before takeover */
	unsigned long gap_at;		/* jiffies of the takeover */
};

/*
 * A backup's clamped ACK (xlate.c, tandem_xlate_in(); inject.c injects
 * it). Flag: TANDEM_CONN_F_PENDING.
 */
struct tandem_conn_tmpl {
	u32 pending_ack;		/* wire ack held back (clamped) */
	u8 len;
	u8 buf[TANDEM_TMPL_MAX];	/* the pure ACK that re-applies it */
};

/*
 * One entry of the connection table. The parts are written by the file
 * named at each (the flags word by several: see TANDEM_CONN_F_*); all
 * under @lock.
 */
struct tandem_conn {
	struct rhash_head node;
	struct tandem_wire_conn key;
	struct rcu_head rcu;
	struct tandem_dp *dp;
	spinlock_t lock;		/* everything below */
	struct sk_buff_head rq;		/* resend queue (resend.c) */
	struct timer_list timer;	/* conn.c: SYN hold; ACK kick retry */
	u8 dead;			/* unlinked (conn.c) */

	/* One connection on the 4-tuple: cleared by tandem_conn_reinit(). */
	struct_group(inc,
	u32 flags;			/* TANDEM_CONN_F_* */
	/* conn.c (created); the hooks as segments pass (state, last_seen) */
	u8 state;			/* enum tandem_conn_state (uapi) */
	unsigned long created;		/* jiffies */
	unsigned long last_seen;	/* jiffies */
	struct tandem_conn_client cl;	/* conn.c */
	/*
	 * The two sequence spaces: wire_* from the wire SYN-ACK (mirror.c
	 * on a primary, inject.c from a SEGMENT on a backup), local_* and
	 * wscale from this node's own (mirror.c, suppress.c), the deltas by
	 * xlate.c (tandem_conn_deltas()) and takeover.c (PAWS).
	 */
	u8 wscale;			/* the server's receive window scale */
	u32 wire_isn;			/* server ISN in wire space */
	u32 wire_ts;			/* TSval of the wire SYN-ACK */
	u32 local_isn;
	u32 local_ts;			/* TSval of the local SYN-ACK */
	u32 seq_delta;			/* local = wire + seq_delta */
	u32 ts_delta;			/* local TSval = wire TSval + ts_delta */
	u32 wire_tsoff;			/* primary: wire TSval - tcp_time_stamp_raw() (mirror.c, takeover.c) */
	s32 ts_ahead;			/* backup: how far the primary's wire TS clock was seen ahead of ours (inject.c) */
	/* What this node sent: mirror.c on a primary, suppress.c (reported) on a backup. */
	u32 ack_sent;			/* last ACK number */
	u32 edge_sent;			/* right edge advertised */
	u32 more_end;			/* backup: reports up to here wait (inject.c) */
	u32 ack_max;			/* primary: largest ACK it sent since its takeover */
	struct sk_buff *held;		/* primary: the SYN-ACK being held (mirror.c, conn.c) */
	struct tandem_conn_tmpl tp;	/* xlate.c */
	struct tandem_conn_digest dg;	/* digest.c */
	struct tandem_conn_resend rs;	/* resend.c */
	struct tandem_conn_peer peers[TANDEM_MEMBERS_MAX];	/* mirror.c, resend.c */
	);
};

/* Per-group data-path state. */
struct tandem_dp {
	struct tandem_group *group;
	struct rhashtable conns;
	atomic_t n_conns;
	atomic_t rq_mem;		/* truesize of every resend queue */
	u32 primary_id;			/* backup: sender of the last SEGMENT */
	struct delayed_work gc_work;
	struct delayed_work garp_work;
	atomic_t garp_left;		/* ARPs of the promotion still to send */
	bool dying;
	struct rcu_work free_work;
	rcu_callback_t free_group;
};

/* conn.c */
int tandem_conn_init(void);
void tandem_conn_uninit(void);
int tandem_conns_init(struct tandem_group *g);
void tandem_conns_destroy(struct tandem_group *g, rcu_callback_t free_group);
void tandem_conn_key_v4(struct tandem_wire_conn *key, __be32 caddr,
			__be16 cport, __be16 vport);
struct tandem_conn *tandem_conn_lookup(struct tandem_dp *dp,
				       const struct tandem_wire_conn *key);
struct tandem_conn *tandem_conn_create(struct tandem_dp *dp,
				       const struct tandem_wire_conn *key);
void tandem_conn_reinit(struct tandem_conn *c);
void tandem_conn_gc_now(struct tandem_dp *dp);
void tandem_conn_remove(struct tandem_conn *c);
struct tandem_conn_peer *tandem_conn_peer(struct tandem_conn *c, u32 node_id,
					  bool create);
struct sock *tandem_conn_sock(struct tandem_conn *c);
void tandem_conn_timer(struct timer_list *t);
unsigned long tandem_conn_syn_deadline(struct tandem_conn *c,
				       struct tandem_group *g);
void tandem_conn_release_held(struct tandem_conn *c);
void tandem_conn_note_in(struct tandem_conn *c, const struct tcphdr *th,
			 u32 ts_clock);
void tandem_conn_confirm_body(struct tandem_conn *c,
			      struct tandem_wire_confirm *cb, u8 flags);
int tandem_conn_fill(struct sk_buff *skb, struct tandem_conn *c);
int tandem_conns_walk(struct tandem_group *g, unsigned int *pos,
		      int (*fn)(struct tandem_conn *c, void *arg), void *arg);

/* xlate.c: rewrite fields of a TCP header in place, fixing the checksum. */
void tandem_xlate_seq(struct sk_buff *skb, struct tcphdr *th, u32 seq);
void tandem_xlate_ack(struct sk_buff *skb, struct tcphdr *th, u32 ack);
void tandem_xlate_win(struct sk_buff *skb, struct tcphdr *th, u16 win);
/* Adds @ack_delta to each SACK block, @tsecr_delta to TSecr, @tsval_delta to TSval. */
void tandem_xlate_opts(struct sk_buff *skb, struct tcphdr *th, u32 sack_delta,
		       u32 tsval_delta, u32 tsecr_delta);
/* Turns SACK options whose blocks reach beyond @ack into NOPs. */
bool tandem_xlate_strip_sack(struct sk_buff *skb, struct tcphdr *th, u32 ack);
bool tandem_tcp_ts(const struct tcphdr *th, u32 *tsval, u32 *tsecr);
/* The SACK block with the lowest start after @above, if any. */
bool tandem_tcp_sack(const struct tcphdr *th, u32 above, u32 *start, u32 *end);
/* Translates a client segment for the local stack; @sk may be NULL. */
void tandem_xlate_in(struct tandem_conn *c, struct sk_buff *skb,
		     struct sock *sk);
/* Sets seq_delta and ts_delta from what is known. Under c->lock. */
void tandem_conn_deltas(struct tandem_conn *c);
int tandem_tcp_wscale(const struct tcphdr *th);	/* -1: no option */

/* hooks.c */
int tandem_hooks_init(void);
void tandem_hooks_uninit(void);
bool tandem_injecting(const struct sk_buff *skb);
bool tandem_report_deferred(const struct tandem_conn *c, u32 rcv_nxt);

/* mirror.c (primary) */
void tandem_mirror_in(struct tandem_group *g, struct sk_buff *skb);
unsigned int tandem_mirror_out(struct tandem_group *g, struct sk_buff *skb);
void tandem_mirror_rx_confirm(struct tandem_group *g, u32 from,
			      const void *body, unsigned int len);
void tandem_mirror_rx_progress(struct tandem_group *g, u32 from,
			       const void *body, unsigned int len);
void tandem_ack_now(struct sock *sk);
void tandem_kick_ack(struct tandem_conn *c);

/* accept.c (primary) */
bool tandem_in_csum_ok(struct sk_buff *skb);
bool tandem_in_accept(struct tandem_conn *c, const struct sock *sk,
		      const struct tcphdr *th, bool *fresh);

/* inject.c (backup) */
void tandem_inject_rx_segment(struct tandem_group *g, u32 from,
			      const void *body, unsigned int len);
void tandem_inject_reapply(struct tandem_conn *c);
void tandem_inject_rx_close(struct tandem_group *g, u32 from,
			    const void *body, unsigned int len);

/* digest.c */
bool tandem_digest_out(struct tandem_conn *c, struct sk_buff *skb,
		       const struct tcphdr *th, u32 seq, bool primary);
void tandem_digest_rx(struct tandem_group *g, u32 from, const void *body,
		      unsigned int len);

/* resend.c */
bool tandem_resend_holds(struct tandem_conn *c, u32 seq);
void tandem_resend_confirm(struct tandem_conn *c, const u32 *ids,
			   unsigned int n);
/* resend.c: an entry of the resend queue */
struct tandem_rq_cb {
	u32 seq;
	u32 end;
	unsigned long at;		/* jiffies when mirrored */
};

static inline struct tandem_rq_cb *tandem_rq_cb(const struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct tandem_rq_cb) > sizeof(skb->cb));
	return (struct tandem_rq_cb *)skb->cb;
}

/* lag.c */
#define TANDEM_LAG_HARD 8

struct tandem_lag_bound {
	u32 bytes;
	unsigned long j;
};

void tandem_lag_limits(struct tandem_conn *c, struct tandem_lag_bound *lag,
		       struct tandem_lag_bound *hard);
bool tandem_lag_silent_for(struct tandem_conn *c, u32 node_id, unsigned long j);
bool tandem_lag_gone(struct tandem_conn *c, u32 node_id);
bool tandem_lag_peer_closed(const struct tandem_conn *c,
			    const struct tandem_conn_peer *p);
enum tandem_lag_verdict {
	TANDEM_LAG_OK,
	TANDEM_LAG_BEHIND,	/* behind the best backup: wait no longer for it */
	TANDEM_LAG_DROP,	/* past the hard bound, or gone: drop it */
};

enum tandem_lag_verdict tandem_lag_lagging(struct tandem_conn *c,
					   struct tandem_conn_peer *p, u32 best,
					   const struct tandem_lag_bound *lag,
					   const struct tandem_lag_bound *hard);
bool tandem_lag_past_hard(struct tandem_conn *c, const struct tandem_conn_peer *p,
			  const struct tandem_lag_bound *lag,
			  const struct tandem_lag_bound *hard);
u32 tandem_lag_best(const struct tandem_conn *c, u32 skip);
struct tandem_lag_notes;
void tandem_lag_window(struct tandem_conn *c, u32 ack, u32 edge,
		       struct tandem_lag_notes *t);

bool tandem_resend_report(struct tandem_conn *c, struct tandem_conn_peer *p,
			  const struct tandem_wire_progress *pb, unsigned int len);
void tandem_resend_keep(struct tandem_conn *c, const void *body,
			unsigned int len, u32 seq, u32 end);
struct iphdr;
void tandem_resend_keep_rx(struct tandem_conn *c, const void *body,
			   unsigned int len, const struct iphdr *iph);
/* Backups to tell that they no longer protect a connection, and why. */
struct tandem_lag_notes {
	u32 drop[TANDEM_MEMBERS_MAX];	/* for good: CLOSE_LAG */
	u32 behind[TANDEM_MEMBERS_MAX];	/* until caught up: CLOSE_BEHIND */
	unsigned int ndrop, nbehind;
};

void tandem_resend_update(struct tandem_conn *c, struct tandem_lag_notes *t);

/* protect.c: where each backup stands (primary) */
bool tandem_peer_protects(const struct tandem_conn_peer *p);
bool tandem_peer_clamps(const struct tandem_conn_peer *p);
bool tandem_peer_behind(const struct tandem_conn_peer *p);
bool tandem_peer_rejoining(const struct tandem_conn_peer *p);
bool tandem_peer_unheard(const struct tandem_conn_peer *p);
bool tandem_peer_refilled(const struct tandem_conn_peer *p);
bool tandem_peer_unconfirmed(const struct tandem_conn_peer *p);
void tandem_protect_confirmed(struct tandem_conn *c, struct tandem_conn_peer *p,
			      bool opts_differ);
bool tandem_protect_syn_timeout(struct tandem_conn_peer *p);
bool tandem_protect_waits(struct tandem_conn *c, struct tandem_conn_peer *p);
void tandem_protect_drop(struct tandem_conn *c, struct tandem_conn_peer *p,
			 struct tandem_lag_notes *t);
void tandem_protect_leave(struct tandem_conn *c, struct tandem_conn_peer *p,
			  struct tandem_lag_notes *t);
bool tandem_protect_judge(struct tandem_conn *c, struct tandem_conn_peer *p,
			  u32 best, const struct tandem_lag_bound *lag,
			  const struct tandem_lag_bound *hard,
			  struct tandem_lag_notes *t);
void tandem_protect_retell_leaving(struct tandem_conn *c,
				   struct tandem_lag_notes *t);
void tandem_protect_heard(struct tandem_conn *c, struct tandem_conn_peer *p,
			  bool unprot, struct tandem_lag_notes *t);
void tandem_protect_rejoin_start(struct tandem_conn *c, u32 node_id);
unsigned int tandem_protect_rejoined(struct tandem_conn *c, u32 *ids);
u8 tandem_protect_state(const struct tandem_conn_peer *p);
void tandem_protect_takeover(struct tandem_conn *c);

void tandem_resend_notify(struct tandem_conn *c,
			  const struct tandem_lag_notes *t, bool kick);
void tandem_resend_tick(struct tandem_conn *c);
void tandem_resend_purge(struct tandem_conn *c);
void tandem_resend_gap(struct tandem_conn *c, u32 rcv_nxt);
bool tandem_resend_pending(struct tandem_conn *c);

/* suppress.c (backup) */
unsigned int tandem_suppress_out(struct tandem_group *g, struct sk_buff *skb);
bool tandem_report_progress(struct tandem_conn *c, struct sock *sk,
			    bool force);
void tandem_report_close(struct tandem_conn *c);
void tandem_report_hold(const struct tandem_conn *c);
void tandem_report_release(struct tandem_conn *c);

/* takeover.c */
void tandem_takeover(struct tandem_group *g);
void tandem_follow(struct tandem_group *g, bool rejoin);
void tandem_unprotect_all(struct tandem_group *g);
void tandem_silence(struct tandem_group *g, u16 port);
void tandem_unserve(struct tandem_group *g, u16 port);

/* garp.c */
void tandem_garp_work(struct work_struct *work);
void tandem_garp_start(struct tandem_group *g);
void tandem_garp_refresh(struct tandem_group *g);

#endif /* _TANDEM_DATAPATH_H */
