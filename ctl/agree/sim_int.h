/* SPDX-License-Identifier: GPL-2.0 */
/* Internals shared by the simulator's engine and its invariant checks. */
#ifndef TANDEM_AGREE_SIM_INT_H
#define TANDEM_AGREE_SIM_INT_H

#include "sim.h"

enum { EV_DELIVER, EV_TICK };

struct sim_ev {
	int64_t at;
	uint64_t seq;
	uint8_t kind;
	uint8_t node;
	uint32_t gen;
	struct agree_msg msg;
};

int64_t clock_local(const struct sim_node *x, int64_t real);
int64_t clock_real(const struct sim_node *x, int64_t local);

int sim_node_of(const struct sim *s, uint32_t id);

/* sim_check.c */
void check_out(struct sim *s, unsigned int i, const struct agree_out *o);
void check_node(struct sim *s, unsigned int i);
void check_delivery(struct sim *s, unsigned int to, const struct agree_msg *m);
void check_clock_change(struct sim *s, unsigned int i);

/* sim_choice.c */
void check_choice(struct sim *s, unsigned int w);
uint32_t sim_rank_conns(const struct sim *s, unsigned int i, bool surely);
void conns_note(struct sim *s, unsigned int i);

#endif /* TANDEM_AGREE_SIM_INT_H */
