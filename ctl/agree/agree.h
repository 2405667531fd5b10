/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Agreement core of tandemd: primary-backup on Paxos with leases.
 *
 * Pure logic. One struct agree_node per member of a group runs the state
 * machine of docs/agreement.md; the caller feeds it the local monotonic time
 * (nanoseconds, never decreasing within one incarnation), received messages
 * and local facts (health, protected connections), and drains its outbox:
 * messages to send and decisions to apply, strictly in order. A role
 * decision must have taken effect in the kernel before any later message of
 * the outbox is sent, and a PERSIST record must be on stable storage before
 * any later message is sent. The core does no I/O, reads no clock and never
 * allocates.
 */
#ifndef TANDEM_AGREE_H
#define TANDEM_AGREE_H

#include <stdbool.h>
#include <stdint.h>

#define AGREE_MAX_MEMBERS 8		/* the local node included */
#define AGREE_OUTBOX 16
#define AGREE_NEVER INT64_MAX
#define AGREE_BROADCAST 0U		/* agree_msg.to: every other member */

/* Epochs are ballots: round << 32 | id of the candidate that ran it. */
#define AGREE_EPOCH(round, id) (((uint64_t)(round) << 32) | (uint32_t)(id))
#define AGREE_EPOCH_ROUND(e) ((uint32_t)((e) >> 32))
#define AGREE_EPOCH_NODE(e) ((uint32_t)(e))

struct agree_member {
	uint32_t id;			/* nonzero, unique in the group */
	uint8_t priority;		/* higher is preferred */
	bool witness;			/* votes, never stands, no data path */
};

/*
 * Every member of a group must be given the same members and timers; only
 * self_id (and seed) differ. Times are in nanoseconds of the local clock.
 */
struct agree_config {
	uint32_t self_id;
	unsigned int n_members;
	struct agree_member member[AGREE_MAX_MEMBERS];
	int64_t hb_interval;		/* H: heartbeat period of the primary */
	unsigned int miss_count;	/* backups suspect after miss_count * H */
	int64_t lease;			/* L: lease a majority grants per renewal */
	uint32_t drift_ppm;		/* rho: every clock runs at 1 +- rho */
	int64_t margin;			/* added to every grant (egress latency) */
	int64_t election_timeout;	/* per election phase */
	int64_t stagger;		/* election delay per rank */
	int64_t backoff;		/* mean retry delay after a lost election */
	uint64_t seed;			/* election jitter; any value */
	/*
	 * Optional, local: the node's protected connections read NOW (the
	 * kernel's table). Called at candidacy and whenever a vote compares
	 * or carries ranks (pre-vote, PREPARE); NULL: the last value given to
	 * agree_set_conns. Not part of what members must agree on.
	 */
	uint32_t (*read_conns)(void *arg);
	void *read_conns_arg;
};

/*
 * How long after failing to reach a majority (an election phase that ran
 * out with fewer than a majority answering) a member does not veto
 * candidates by rank: it could not win itself, so it must not keep the
 * others from winning (non-transitive partitions).
 */
static inline int64_t agree_veto_pause(const struct agree_config *cfg)
{
	return 2 * (cfg->election_timeout + cfg->backoff);
}

/* The one value that must survive restarts (see docs/agreement.md). */
struct agree_persist {
	uint64_t promised;		/* highest epoch promised or followed */
};

enum agree_msg_type {
	AGREE_MSG_HEARTBEAT = 1,	/* primary -> all: epoch, stamp, view */
	AGREE_MSG_ACK,			/* -> primary: OK = lease granted */
	AGREE_MSG_PREVOTE,		/* candidate -> all: could I win? */
	AGREE_MSG_PREVOTE_REPLY,
	AGREE_MSG_PREPARE,		/* candidate -> all: promise epoch */
	AGREE_MSG_PROMISE,		/* OK = promised, lease granted */
	AGREE_MSG_RELEASE,		/* drop grants to the sender up to epoch */
	AGREE_MSG_ELECT_NOW,		/* switchover: run an election at once */
	__AGREE_MSG_MAX
};

#define AGREE_F_OK	0x01		/* granted / promised / pre-vote yes */
#define AGREE_F_HEALTHY	0x02		/* sender's health checks pass */
#define AGREE_F_QUIET	0x04		/* sender restarted, may not grant */
#define AGREE_F_BETTER	0x08		/* refused: the sender ranks higher */
#define AGREE_F_NORANK	0x10		/* candidacy not to be ranked (handover,
					   a primary moving to a new epoch) */

/* Flags of a view entry (the primary's knowledge of a member). */
#define AGREE_VIEW_ALIVE	0x01	/* heard within miss_count * H */
#define AGREE_VIEW_HEALTHY	0x02
#define AGREE_VIEW_QUIET	0x04

struct agree_view_entry {
	uint32_t id;
	uint32_t conns;
	uint8_t flags;
};

/*
 * A message; the daemon encodes it for the wire and authenticates it.
 * stamp: HEARTBEAT: send time on the primary's clock; ACK: that stamp
 * echoed; refused PREVOTE_REPLY/PROMISE: how long the refuser's current
 * grant still runs (ns), 0 when the refusal is not about a grant.
 */
struct agree_msg {
	uint8_t type;
	uint8_t flags;
	uint8_t n_view;
	uint32_t from;
	uint32_t to;			/* member id or AGREE_BROADCAST */
	uint64_t epoch;
	uint64_t promised;		/* replies: the sender's promised epoch;
					   an OK PROMISE: the highest epoch of
					   another member it had promised or
					   followed (agree_prior) */
	int64_t stamp;
	uint32_t conns;			/* replies: the sender's connections */
	struct agree_view_entry view[AGREE_MAX_MEMBERS];
};

enum agree_out_type {
	AGREE_OUT_SEND = 1,	/* msg */
	AGREE_OUT_PERSIST,	/* persist: write it durably before going on */
	AGREE_OUT_PRIMARY,	/* epoch, lease_expiry: become primary */
	AGREE_OUT_LEASE,	/* epoch, lease_expiry: lease renewed */
	AGREE_OUT_BACKUP,	/* epoch, primary: follow a primary */
	AGREE_OUT_FENCED,	/* epoch, reason: stop acting as primary */
};

enum agree_fence_reason {
	AGREE_FENCE_LAPSED = 1,		/* no majority renewed the lease */
	AGREE_FENCE_STEP_DOWN,		/* unhealthy, handed over */
	AGREE_FENCE_SWITCHOVER,		/* operator request */
	AGREE_FENCE_SUPERSEDED,		/* saw a newer primary (defensive) */
};

struct agree_out {
	enum agree_out_type type;
	uint64_t epoch;
	int64_t lease_expiry;		/* local clock */
	uint32_t primary;
	uint64_t prior;			/* PRIMARY: agree_prior of the quorum */
	enum agree_fence_reason reason;
	struct agree_persist persist;
	struct agree_msg msg;
};

enum agree_role {
	AGREE_ROLE_BACKUP = 1,		/* follows `primary` (0: none known) */
	AGREE_ROLE_CANDIDATE,		/* backup running an election */
	AGREE_ROLE_PRIMARY,
};

enum agree_phase { AGREE_PHASE_NONE, AGREE_PHASE_PREVOTE, AGREE_PHASE_PREPARE };

/* What this node knows of a peer (from heartbeats, or acks if primary). */
struct agree_peer {
	int64_t last_heard;		/* primary only: last ack, local clock */
	int64_t ack_stamp;		/* primary only: newest granted stamp */
	int64_t heard;			/* any message from it, local clock */
	uint32_t conns;
	uint8_t flags;			/* AGREE_VIEW_* */
};

/* A lease this node granted: it promises nobody else until expiry. */
struct agree_grant {
	uint32_t holder;		/* 0: none */
	uint64_t epoch;			/* highest epoch granted to holder */
	int64_t expiry;
};

/* Internal state; read it through the accessors below. */
struct agree_node {
	struct agree_config cfg;
	struct agree_persist persist;
	unsigned int self;		/* index of self in cfg.member */
	unsigned int majority;
	int64_t grant_len;		/* G = L(1 + rho) + margin */
	int64_t lease_len;		/* L(1 - rho) */
	int64_t quiet_len;		/* no grants this long after a restart */
	int64_t now;
	int64_t quiet_until;
	uint64_t rng;
	bool healthy;
	uint32_t conns;			/* last known (read or given) */
	uint64_t max_seen;		/* highest epoch seen anywhere */
	uint64_t other_seen;		/* ... of another member (agree_seen_other) */
	/*
	 * Highest epoch promised or followed, by the member whose ballot it
	 * was (after a restart, an upper bound): what agree_prior reads.
	 */
	uint64_t promised_by[AGREE_MAX_MEMBERS];

	enum agree_role role;
	uint64_t epoch;			/* followed, or own epoch as primary */
	uint32_t primary;		/* followed primary, 0 if none */
	int64_t last_hb;		/* last valid heartbeat (or restart) */
	bool have_view;
	struct agree_peer peer[AGREE_MAX_MEMBERS];
	struct agree_grant grant;
	uint32_t released_id;		/* latest RELEASE heard: sender ... */
	uint64_t released_epoch;	/* ... and epoch, stale below it */

	/* election */
	enum agree_phase phase;
	uint64_t cand_epoch;
	uint64_t pv_epoch;		/* latest pre-vote's: one per attempt */
	uint32_t cand_conns;		/* the count the pre-vote claimed */
	int64_t cand_start;		/* PREPARE sent: the lease counts from it */
	int64_t phase_deadline;
	uint32_t ok_mask, nok_mask;
	int64_t refused_until;		/* pre-vote: when refusers may say yes */
	int64_t retry_at;		/* no attempt before (backoff) */
	bool elect_now;			/* switchover target: stand at once */
	uint64_t elect_epoch;		/* the handover it was for (taken once) */
	int64_t elect_until;		/* its retries stay unranked until */
	bool cand_norank;		/* this candidacy is a handover */
	uint64_t cand_prior;		/* agree_prior of self and the promisers */
	int64_t phase_start;
	int64_t no_quorum_at;		/* last phase that reached no majority */

	/* primary */
	int64_t lease_expiry;
	int64_t next_hb;
	int64_t reprepare_at;		/* a member promised a higher epoch */

	/* handed over: ELECT_NOW (and RELEASE) again until the target acts */
	unsigned int ho_target;		/* member index + 1; 0: none */
	uint64_t ho_epoch;		/* the epoch handed over */
	uint64_t ho_release;		/* released up to */
	int64_t ho_next, ho_until;

	unsigned int out_head, out_len;
	unsigned int out_dropped;	/* overflow: a bug, counted */
	struct agree_out out[AGREE_OUTBOX];
	struct agree_out scratch;	/* written instead when full */
};

/* Defaults for the timers (H = 10 ms, miss 3, L = 30 ms, rho = 1e-3). */
void agree_config_defaults(struct agree_config *cfg);
/* 0, or -EINVAL with a reason in err (may be NULL). */
int agree_config_check(const struct agree_config *cfg, char *err,
		       unsigned long errlen);

/*
 * Start a node; also what a restart is (volatile state lost). persist is
 * what was last written by a PERSIST record (NULL: never written). The node
 * starts as a backup following nobody and grants nothing for quiet_len.
 */
int agree_init(struct agree_node *n, const struct agree_config *cfg,
	       const struct agree_persist *persist, int64_t now);
void agree_restart(struct agree_node *n, int64_t now);

void agree_tick(struct agree_node *n, int64_t now);
void agree_recv(struct agree_node *n, int64_t now, const struct agree_msg *m);
void agree_set_health(struct agree_node *n, int64_t now, bool healthy);
void agree_set_conns(struct agree_node *n, int64_t now, uint32_t conns);
/*
 * Hand over to target (0: the best eligible backup). -EPERM: not primary;
 * -EINVAL: not a member that can stand; -EAGAIN: target not alive/eligible.
 */
int agree_request_switchover(struct agree_node *n, int64_t now,
			     uint32_t target);

/*
 * What this node knows of every member (itself included): a primary's own
 * view from acks, a backup's from the last heartbeat. Returns the count.
 */
unsigned int agree_view(const struct agree_node *n,
			struct agree_view_entry view[AGREE_MAX_MEMBERS]);

/* When agree_tick must run next at the latest (local clock). */
int64_t agree_next_deadline(const struct agree_node *n);
/* Take the next output; false when the outbox is empty. */
bool agree_pop(struct agree_node *n, struct agree_out *out);

static inline enum agree_role agree_role(const struct agree_node *n)
{
	return n->role;
}

static inline uint64_t agree_epoch(const struct agree_node *n)
{
	return n->epoch;
}

static inline int64_t agree_lease_expiry(const struct agree_node *n)
{
	return n->role == AGREE_ROLE_PRIMARY ? n->lease_expiry : 0;
}

/*
 * The highest epoch of a member other than @cand that this node promised
 * or followed. Over the quorum that elects @cand (AGREE_OUT_PRIMARY.prior)
 * it tells whether anybody else can have been primary since an epoch E of
 * @cand: not if it is below E (any reign needs a majority's promises, and
 * two majorities intersect). A fenced primary re-elected on that proof has
 * missed no client byte (docs/agreement.md, "Resuming after a lapse").
 */
uint64_t agree_prior(const struct agree_node *n, uint32_t cand);

/*
 * The highest epoch of another member that this node knows was promised,
 * followed or run: agree_prior of itself, and every epoch of another
 * member that a message showed (the epoch of its HEARTBEAT, PREPARE,
 * RELEASE or ELECT_NOW, and the promised epoch every message carries).
 * A primary fenced in epoch E whose agree_seen_other reaches E may have
 * been followed by another reign (it was partitioned through it, say):
 * its suspended connections must no longer count in its rank, since its
 * re-election would reset them (docs/tandemd.md, "Election rank").
 */
uint64_t agree_seen_other(const struct agree_node *n);

const char *agree_msg_name(unsigned int type);
const char *agree_fence_name(enum agree_fence_reason reason);

#endif /* TANDEM_AGREE_H */
