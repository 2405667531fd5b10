/* SPDX-License-Identifier: GPL-2.0 */
/* Internals shared by the files of the agreement core. */
#ifndef TANDEM_AGREE_INT_H
#define TANDEM_AGREE_INT_H

#include "agree.h"

#define NO_STAMP INT64_MIN

static inline int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static inline int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t maxu64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint32_t self_id(const struct agree_node *n)
{
	return n->cfg.self_id;
}

static inline bool is_witness(const struct agree_node *n, unsigned int i)
{
	return n->cfg.member[i].witness;
}

/* agree.c */
int member_index(const struct agree_node *n, uint32_t id);
uint64_t rng_below(struct agree_node *n, uint64_t bound);
struct agree_msg *out_msg(struct agree_node *n, uint8_t type, uint32_t to,
			  uint64_t epoch);
struct agree_out *out_event(struct agree_node *n, enum agree_out_type type,
			    uint64_t epoch);
void persist_promise(struct agree_node *n, uint64_t epoch);
uint64_t next_epoch(const struct agree_node *n);

/* grant.c: the leases this node grants, and the drift arithmetic */
void lease_params(struct agree_node *n);
bool grant_free_for(const struct agree_node *n, uint32_t holder);
int64_t grant_left(const struct agree_node *n);
void grant_give(struct agree_node *n, uint32_t holder, uint64_t epoch);
void grant_drop(struct agree_node *n, uint32_t holder, uint64_t epoch);
bool released(const struct agree_node *n, uint32_t from, uint64_t epoch);

/* voter.c: every member's side of the protocol */
void voter_heartbeat(struct agree_node *n, const struct agree_msg *m);
void voter_prevote(struct agree_node *n, const struct agree_msg *m);
void voter_prepare(struct agree_node *n, const struct agree_msg *m);
void voter_release(struct agree_node *n, const struct agree_msg *m);
void voter_elect_now(struct agree_node *n, const struct agree_msg *m);

/* election.c: the candidate's side */
int64_t election_start_time(const struct agree_node *n);
void election_tick(struct agree_node *n);
void election_reply(struct agree_node *n, const struct agree_msg *m);
void election_prepare(struct agree_node *n);
void election_stop(struct agree_node *n, bool retry);
void election_expire(struct agree_node *n);
int64_t election_deadline(const struct agree_node *n);

/* primary.c */
void primary_become(struct agree_node *n);
void primary_check_lease(struct agree_node *n);
void primary_tick(struct agree_node *n);
void primary_ack(struct agree_node *n, const struct agree_msg *m);
uint64_t primary_fence(struct agree_node *n, enum agree_fence_reason reason);
void primary_health(struct agree_node *n);
void primary_hand_over(struct agree_node *n, unsigned int target,
		       enum agree_fence_reason reason);
void handover_tick(struct agree_node *n);
void handover_heard(struct agree_node *n, const struct agree_msg *m);
int64_t handover_deadline(const struct agree_node *n);

/* rank.c: who should stand first */
unsigned int rank_self(const struct agree_node *n);
int rank_best_backup(const struct agree_node *n);
uint32_t rank_fresh(struct agree_node *n);
bool rank_outranks(struct agree_node *n, const struct agree_msg *m);
bool peer_alive(const struct agree_node *n, unsigned int i);

#endif /* TANDEM_AGREE_INT_H */
