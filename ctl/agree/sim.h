/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic simulator for the agreement core: a virtual real-time
 * clock, one drifting local clock per node, a network that loses,
 * duplicates, delays and reorders, partitions, crashes, restarts, stalls.
 * It checks the safety invariants after every step and stops at the first
 * violation; the test driver adds liveness checks on top.
 */
#ifndef TANDEM_AGREE_SIM_H
#define TANDEM_AGREE_SIM_H

#include <stdarg.h>
#include <stdio.h>

#include "agree.h"

#define SIM_MS 1000000LL
#define SIM_US 1000LL

enum sim_prop {
	PROP_EPOCH,		/* one primary per epoch, epochs increase */
	PROP_OVERLAP,		/* leases of different primaries disjoint */
	PROP_LEASE_HELD,	/* a primary acts only within its lease */
	PROP_FOLLOW,		/* epochs a node follows never decrease */
	PROP_MINORITY,		/* a minority never elects */
	PROP_ELIGIBLE,		/* only healthy non-witnesses become primary */
	PROP_LIVENESS,		/* a stable healthy majority has a primary */
	PROP_CONSISTENT,	/* events match the core's state, no overflow */
	PROP_CHOICE,		/* the winner ranks above all who could win */
	PROP_PRIOR,		/* PRIMARY.prior covers every other reign */
	PROP_MAX
};

struct sim_params {
	struct agree_config cfg;	/* members and timers; self_id unused */
	int64_t delay_min, delay_max;	/* one-way network delay */
	uint32_t loss_ppm, dup_ppm;
	int64_t tick_jitter;		/* how late a timer may fire */
	int64_t clock_ppb;		/* |rate - 1| of the simulated clocks */
	/*
	 * As tandemd: the count given to the core by agree_set_conns is a
	 * snapshot taken every conns_interval (0: at every event); the core
	 * reads the current one through cfg.read_conns when it votes.
	 */
	int64_t conns_interval;
	bool lapse_drops;		/* a lapsed lease loses every connection */
	/*
	 * Without lapse_drops, a fenced primary's kernel suspends its
	 * connections (sim_node.susp): they can be resumed only while no other
	 * node has reigned since. read_old_prior: the daemon stops counting
	 * them by agree_prior alone (as tandemd did before agree_seen_other).
	 */
	bool read_old_prior;
	uint64_t seed;
	FILE *trace;			/* every event, when set */
};

struct sim_node {
	struct agree_node a;
	struct agree_persist disk;	/* as written by PERSIST records */
	bool up;
	int64_t stall_until;		/* frozen (not crashed) until then */
	bool healthy;
	uint32_t conns;
	uint64_t susp;			/* conns suspended by a fence in this epoch */
	bool read_old_prior;		/* sim_params.read_old_prior */
	int64_t conns_next;		/* next snapshot for the core */
	/* the count it could continue (sim_rank_conns), at each change */
	struct { int64_t at; uint32_t lo, hi; } hist[32];
	unsigned int n_hist;		/* entries ever written */
	/* since when (real time) each has held, for the choice check */
	int64_t conns_since, health_since, up_since;
	int64_t stall_end;		/* end of the latest stall */
	int64_t pv_at;			/* latest PREVOTE sent */
	bool pv_norank;			/* ... for a handover */
	int64_t tick_at;		/* pending timer, real time */
	uint32_t tick_gen;
	int64_t clk_real, clk_local, clk_ppb;	/* local = f(real) */
	/* what the outputs said */
	enum agree_role role;
	uint64_t epoch;
	int64_t lease;			/* local */
	uint64_t max_follow;
	bool has_period;		/* latest primary period, real time */
	int64_t p_start, p_end;
	bool p_open;			/* p_end still tracks the lease */
	uint64_t tally_epoch;		/* promises delivered to this node */
	uint32_t tally_mask;
	int64_t down_at;
	int64_t spin_at;		/* busy-loop guard */
	unsigned int spin;
};

struct sim_ev;

struct sim {
	struct sim_params p;
	unsigned int n;
	struct sim_node node[AGREE_MAX_MEMBERS];
	int64_t now;
	uint64_t rng;
	uint64_t seq;
	bool link_up[AGREE_MAX_MEMBERS][AGREE_MAX_MEMBERS];
	int64_t link_down_at[AGREE_MAX_MEMBERS][AGREE_MAX_MEMBERS];
	int64_t link_delay[AGREE_MAX_MEMBERS][AGREE_MAX_MEMBERS];	/* extra */
	int64_t link_since[AGREE_MAX_MEMBERS][AGREE_MAX_MEMBERS];	/* changed */
	int64_t net_clean_since;	/* no loss, round trip < stagger */
	uint64_t last_primary_epoch;
	unsigned int drop_left[__AGREE_MSG_MAX];	/* sim_drop, by type */
	uint64_t reign_epoch[AGREE_MAX_MEMBERS];	/* latest, by node */
	/* event queue: a binary heap over a pool */
	struct sim_ev *pool;
	unsigned int *heap, n_heap, cap, *free_list, n_free;
	/* outcome */
	bool failed;
	enum sim_prop fail_prop;
	int64_t fail_time;
	char fail_msg[512];
	/* statistics */
	unsigned long events, messages, elections, fences, reprepares;
	unsigned long choices, rivals;	/* elections checked, rivals seen */
	unsigned long choices_moving;	/* ... while a compared count changed */
	unsigned long resets;		/* suspended connections reset */
	unsigned long resumable;	/* reigns whose prior proves the node's last one was the latest */
	unsigned long sent[__AGREE_MSG_MAX];
	unsigned long fenced[AGREE_FENCE_SUPERSEDED + 1];
};

int sim_init(struct sim *s, const struct sim_params *p);
void sim_free(struct sim *s);
/* Run every event up to real time t (or to the first violation). */
void sim_run_until(struct sim *s, int64_t t);

uint64_t sim_rand(struct sim *s, uint64_t bound);
void sim_trace(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_violation(struct sim *s, enum sim_prop prop, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *sim_prop_name(enum sim_prop prop);
const char *sim_epoch_str(uint64_t epoch, char buf[32]);

/* Faults and operator actions, applied at the current time. */
void sim_link(struct sim *s, unsigned int from, unsigned int to, bool up);
void sim_heal(struct sim *s);
void sim_link_delay(struct sim *s, unsigned int from, unsigned int to,
		    int64_t extra);
void sim_isolate(struct sim *s, unsigned int i);
void sim_partition(struct sim *s, uint32_t side);	/* cut side/rest */
void sim_set_net(struct sim *s, uint32_t loss_ppm, uint32_t dup_ppm,
		 int64_t delay_min, int64_t delay_max);
void sim_crash(struct sim *s, unsigned int i);
void sim_restart(struct sim *s, unsigned int i, bool reboot);
void sim_stall(struct sim *s, unsigned int i, int64_t duration);
void sim_resume(struct sim *s, unsigned int i);
void sim_set_rate(struct sim *s, unsigned int i, int64_t ppb);
void sim_set_health(struct sim *s, unsigned int i, bool healthy);
void sim_set_conns(struct sim *s, unsigned int i, uint32_t conns);
int sim_switchover(struct sim *s, unsigned int i, uint32_t target);
/* Lose the next `copies` messages of this type (one per recipient). */
void sim_drop(struct sim *s, uint8_t type, unsigned int copies);

int64_t sim_local(const struct sim *s, unsigned int i);
/* The node acting as primary (lease valid by its clock), or -1. */
int sim_primary(const struct sim *s);
/* Does node i hold a valid lease as primary right now? */
bool sim_is_primary(const struct sim *s, unsigned int i);

#endif /* TANDEM_AGREE_SIM_H */
