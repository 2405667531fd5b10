// SPDX-License-Identifier: GPL-2.0
/*
 * The invariants, checked on every output of every node as it happens.
 * Roles, epochs and leases are taken from the decisions a node emits (what
 * the daemon would apply to its kernel), and leases are converted to real
 * time through the node's simulated clock.
 */
#include <inttypes.h>
#include <string.h>

#include "sim_int.h"

static const char *const prop_names[PROP_MAX] = {
	[PROP_EPOCH] = "at most one primary per epoch, and successive primaries have increasing epochs",
	[PROP_OVERLAP] = "leases of different primaries never overlap in real time",
	[PROP_LEASE_HELD] = "a node acts as primary only while its lease is valid by its own clock",
	[PROP_FOLLOW] = "the epochs a node follows never decrease, restarts included",
	[PROP_MINORITY] = "a minority never elects a primary",
	[PROP_ELIGIBLE] = "only healthy members that are not witnesses become primary",
	[PROP_LIVENESS] = "a connected healthy stable majority has a primary within the bound and keeps it",
	[PROP_CONSISTENT] = "emitted decisions match the core's state, promises are persisted, no overflow",
	[PROP_CHOICE] = "a new primary ranks above every member that could have won instead",
	[PROP_PRIOR] = "a new primary's prior epoch is at least every other node's reign before it",
};

const char *sim_prop_name(enum sim_prop prop)
{
	return prop < PROP_MAX ? prop_names[prop] : "?";
}

void sim_violation(struct sim *s, enum sim_prop prop, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = true;
	s->fail_prop = prop;
	s->fail_time = s->now;
	va_start(ap, fmt);
	vsnprintf(s->fail_msg, sizeof(s->fail_msg), fmt, ap);
	va_end(ap);
	sim_trace(s, "VIOLATION: %s: %s", sim_prop_name(prop), s->fail_msg);
}

static const char *ts(int64_t t, char buf[32])
{
	snprintf(buf, 32, "%" PRId64 ".%09" PRId64, t / 1000000000,
		 t % 1000000000);
	return buf;
}

static void overlap(struct sim *s, unsigned int i)
{
	const struct sim_node *x = &s->node[i], *y;
	char a[32], b[32], c[32], d[32];
	unsigned int j;

	for (j = 0; j < s->n; j++) {
		y = &s->node[j];
		if (j == i || !y->has_period)
			continue;
		if (x->p_start < y->p_end && y->p_start < x->p_end)
			sim_violation(s, PROP_OVERLAP,
				      "n%u primary [%s, %s) overlaps n%u primary [%s, %s)",
				      i + 1, ts(x->p_start, a), ts(x->p_end, b),
				      j + 1, ts(y->p_start, c), ts(y->p_end, d));
	}
}

static bool link_used(const struct sim *s, unsigned int a, unsigned int b,
		      int64_t since)
{
	return s->link_up[a][b] || s->link_down_at[a][b] >= since;
}

/*
 * Every promise was sent after the PREPARE, at most one lease before the
 * win: the members it came from were reachable both ways since then.
 */
static void minority(struct sim *s, unsigned int i, uint64_t epoch)
{
	const struct sim_node *x = &s->node[i];
	int64_t window = x->a.lease_len * 1000000000 /
			 (1000000000 - s->p.clock_ppb) + 1;
	int64_t since = s->now - window;
	unsigned int k, votes = 0, majority = s->n / 2 + 1;
	uint32_t mask = x->tally_epoch == epoch ? x->tally_mask : 0;
	char eb[32];

	for (k = 0; k < s->n; k++) {
		const struct sim_node *y = &s->node[k];

		if (k == i || ((y->up || y->down_at >= since) &&
			       link_used(s, i, k, since) &&
			       link_used(s, k, i, since)))
			votes++;
	}
	if (votes < majority)
		sim_violation(s, PROP_MINORITY,
			      "n%u elected in epoch %s with %u of %u members reachable",
			      i + 1, sim_epoch_str(epoch, eb), votes, s->n);
	mask |= 1U << i;
	if ((unsigned int)__builtin_popcount(mask) < majority)
		sim_violation(s, PROP_MINORITY,
			      "n%u elected in epoch %s with %d promises delivered",
			      i + 1, sim_epoch_str(epoch, eb),
			      __builtin_popcount(mask));
}

static void follow(struct sim *s, unsigned int i, uint64_t epoch)
{
	struct sim_node *x = &s->node[i];
	char a[32], b[32];

	if (epoch < x->max_follow)
		sim_violation(s, PROP_FOLLOW, "n%u follows epoch %s after %s",
			      i + 1, sim_epoch_str(epoch, a),
			      sim_epoch_str(x->max_follow, b));
	x->max_follow = epoch;
}

/*
 * The prior a PRIMARY decision carries (agree_prior over the quorum) must
 * cover every reign of another node before it: a fenced primary resumes
 * its connections on it (TANDEM_A_GROUP_PRIOR_EPOCH).
 */
static void check_prior(struct sim *s, unsigned int i, const struct agree_out *o)
{
	char a[32], b[32], c[32];
	unsigned int j;

	for (j = 0; j < s->n; j++)
		if (j != i && s->reign_epoch[j] > o->prior)
			sim_violation(s, PROP_PRIOR,
				      "n%u primary in %s with prior %s, n%u reigned in %s",
				      i + 1, sim_epoch_str(o->epoch, a),
				      sim_epoch_str(o->prior, b), j + 1,
				      sim_epoch_str(s->reign_epoch[j], c));
	if (s->reign_epoch[i] && o->prior < s->reign_epoch[i])
		s->resumable++;
	s->reign_epoch[i] = o->epoch;
}

static void became_primary(struct sim *s, unsigned int i,
			   const struct agree_out *o, int64_t local)
{
	struct sim_node *x = &s->node[i];
	char a[32], b[32];

	sim_trace(s, "n%u PRIMARY e=%s lease %+.3f ms", i + 1,
		  sim_epoch_str(o->epoch, a),
		  (o->lease_expiry - local) / 1e6);
	if (o->epoch <= s->last_primary_epoch)
		sim_violation(s, PROP_EPOCH,
			      "n%u primary in epoch %s after a primary in %s",
			      i + 1, sim_epoch_str(o->epoch, a),
			      sim_epoch_str(s->last_primary_epoch, b));
	s->last_primary_epoch = o->epoch;
	check_prior(s, i, o);
	minority(s, i, o->epoch);
	if (x->role != AGREE_ROLE_PRIMARY &&
	    (s->p.cfg.member[i].witness || !x->a.healthy))
		sim_violation(s, PROP_ELIGIBLE, "n%u became primary as a%s",
			      i + 1, s->p.cfg.member[i].witness ?
			      " witness" : "n unhealthy member");
	follow(s, i, o->epoch);
	if (o->lease_expiry <= local)
		sim_violation(s, PROP_LEASE_HELD,
			      "n%u became primary with an expired lease", i + 1);
	if (x->role != AGREE_ROLE_PRIMARY)
		check_choice(s, i);
	if (x->role != AGREE_ROLE_PRIMARY) {
		x->has_period = true;
		x->p_open = true;
		x->p_start = s->now;
		s->elections++;
	} else {
		s->reprepares++;
	}
	x->role = AGREE_ROLE_PRIMARY;
	x->epoch = o->epoch;
	x->lease = o->lease_expiry;
	x->p_end = clock_real(x, x->lease);
	overlap(s, i);
}

void check_out(struct sim *s, unsigned int i, const struct agree_out *o)
{
	struct sim_node *x = &s->node[i];
	int64_t local = clock_local(x, s->now);
	char a[32];

	switch (o->type) {
	case AGREE_OUT_SEND:
		if (o->msg.type == AGREE_MSG_HEARTBEAT &&
		    (x->role != AGREE_ROLE_PRIMARY || o->msg.epoch != x->epoch ||
		     local >= x->lease || o->msg.stamp >= x->lease))
			sim_violation(s, PROP_LEASE_HELD,
				      "n%u sent a heartbeat of epoch %s without a valid lease",
				      i + 1, sim_epoch_str(o->msg.epoch, a));
		break;
	case AGREE_OUT_PERSIST:
		if (o->persist.promised < x->disk.promised)
			sim_violation(s, PROP_CONSISTENT,
				      "n%u persisted a lower promise", i + 1);
		x->disk = o->persist;
		break;
	case AGREE_OUT_PRIMARY:
		became_primary(s, i, o, local);
		break;
	case AGREE_OUT_LEASE:
		if (x->role != AGREE_ROLE_PRIMARY || o->epoch != x->epoch ||
		    o->lease_expiry <= x->lease)
			sim_violation(s, PROP_CONSISTENT,
				      "n%u renewed a lease it does not hold", i + 1);
		x->lease = o->lease_expiry;
		x->p_end = clock_real(x, x->lease);
		overlap(s, i);
		break;
	case AGREE_OUT_BACKUP:
		sim_trace(s, "n%u BACKUP e=%s of n%d", i + 1,
			  sim_epoch_str(o->epoch, a), sim_node_of(s, o->primary) + 1);
		if (x->role == AGREE_ROLE_PRIMARY)
			sim_violation(s, PROP_CONSISTENT,
				      "n%u became backup without fencing", i + 1);
		follow(s, i, o->epoch);
		x->role = AGREE_ROLE_BACKUP;
		x->epoch = o->epoch;
		break;
	case AGREE_OUT_FENCED:
		sim_trace(s, "n%u FENCED e=%s (%s)", i + 1,
			  sim_epoch_str(o->epoch, a), agree_fence_name(o->reason));
		if (x->role != AGREE_ROLE_PRIMARY || o->epoch != x->epoch)
			sim_violation(s, PROP_CONSISTENT,
				      "n%u fenced while not primary", i + 1);
		if (x->p_end > s->now)
			x->p_end = s->now;
		x->p_open = false;
		x->role = AGREE_ROLE_BACKUP;
		s->fences++;
		if (o->reason <= AGREE_FENCE_SUPERSEDED)
			s->fenced[o->reason]++;
		break;
	}
}

void check_node(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];
	const struct agree_node *a = &x->a;
	bool primary = agree_role(a) == AGREE_ROLE_PRIMARY;

	if (a->out_dropped)
		sim_violation(s, PROP_CONSISTENT, "n%u outbox overflowed", i + 1);
	if (primary != (x->role == AGREE_ROLE_PRIMARY))
		sim_violation(s, PROP_CONSISTENT,
			      "n%u role differs from its decisions", i + 1);
	if (primary && (agree_epoch(a) != x->epoch ||
			agree_lease_expiry(a) != x->lease))
		sim_violation(s, PROP_CONSISTENT,
			      "n%u epoch or lease differs from its decisions",
			      i + 1);
	if (primary && clock_local(x, s->now) >= agree_lease_expiry(a))
		sim_violation(s, PROP_LEASE_HELD,
			      "n%u is primary past its lease", i + 1);
	if (a->persist.promised != x->disk.promised)
		sim_violation(s, PROP_CONSISTENT,
			      "n%u promised without persisting", i + 1);
	if (x->spin_at == s->now) {
		if (++x->spin > 1000)
			sim_violation(s, PROP_CONSISTENT,
				      "n%u timer loops without progress", i + 1);
	} else {
		x->spin_at = s->now;
		x->spin = 0;
	}
}

void check_delivery(struct sim *s, unsigned int to, const struct agree_msg *m)
{
	struct sim_node *x = &s->node[to];
	int from = sim_node_of(s, m->from);

	if (m->type != AGREE_MSG_PROMISE || !(m->flags & AGREE_F_OK) ||
	    from < 0 || m->epoch < x->tally_epoch)
		return;
	if (x->tally_epoch != m->epoch) {
		x->tally_epoch = m->epoch;
		x->tally_mask = 0;
	}
	x->tally_mask |= 1U << from;
}

/* The real time at which a lease ends moves with the clock's rate. */
void check_clock_change(struct sim *s, unsigned int i)
{
	struct sim_node *x = &s->node[i];
	int64_t old = x->p_end;

	if (!x->has_period || !x->p_open || x->p_end <= s->now)
		return;
	x->p_end = clock_real(x, x->lease);
	if (x->p_end < s->now)
		x->p_end = s->now;
	if (x->p_end > old)
		overlap(s, i);
}
