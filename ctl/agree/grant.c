// SPDX-License-Identifier: GPL-2.0
/*
 * The leases a member grants, and the clock-drift arithmetic.
 *
 * Every clock runs at a rate within [1 - rho, 1 + rho] of real time. A lease
 * counted by the primary from a send time s lasts lease_len = L(1 - rho) on
 * its clock, so at most L real seconds. A grant made on receipt, after s,
 * lasts grant_len = L(1 + rho) + margin on the grantor's clock, so at least
 * L real seconds: the grant outlives the lease it backs. A member holds at
 * most one live grant at a time (to one holder, any of its epochs): that
 * exclusivity plus majority intersection is the whole safety argument (see
 * docs/agreement.md).
 */
#include "agree_int.h"

static int64_t scale_up(int64_t t, uint32_t ppm)
{
	return (t * (int64_t)ppm + 999999) / 1000000;
}

void lease_params(struct agree_node *n)
{
	int64_t L = n->cfg.lease;
	int64_t drift = scale_up(L, n->cfg.drift_ppm);

	n->lease_len = L - drift;
	n->grant_len = L + drift + n->cfg.margin;
	/*
	 * A restarted member forgot its grants; each backed a lease that ends
	 * at most L real seconds after the grant, hence before the restart +
	 * L. quiet_len on the (possibly reset) clock is at least L(1 + rho)
	 * local, so at least L real.
	 */
	n->quiet_len = n->grant_len;
}

bool grant_free_for(const struct agree_node *n, uint32_t holder)
{
	if (n->now < n->quiet_until)
		return false;
	if (!n->grant.holder || n->grant.holder == holder)
		return true;
	return n->now >= n->grant.expiry;
}

/* How long until this member may grant to anybody. */
int64_t grant_left(const struct agree_node *n)
{
	int64_t left = 0;

	if (n->now < n->quiet_until)
		left = n->quiet_until - n->now;
	if (n->grant.holder && n->grant.expiry > n->now)
		left = max64(left, n->grant.expiry - n->now);
	return left;
}

void grant_give(struct agree_node *n, uint32_t holder, uint64_t epoch)
{
	int64_t until = n->now + n->grant_len;
	struct agree_grant *g = &n->grant;

	if (g->holder != holder || n->now >= g->expiry) {
		g->holder = holder;
		g->epoch = epoch;
		g->expiry = until;
		return;
	}
	g->epoch = maxu64(g->epoch, epoch);
	g->expiry = max64(g->expiry, until);
}

/* The holder has fenced (or abandoned) every epoch up to this one. */
void grant_drop(struct agree_node *n, uint32_t holder, uint64_t epoch)
{
	if (n->grant.holder == holder && n->grant.epoch <= epoch)
		n->grant.holder = 0;
}

/* Traffic of a holder that has since released that epoch: stale. */
bool released(const struct agree_node *n, uint32_t from, uint64_t epoch)
{
	return n->released_id == from && epoch <= n->released_epoch;
}
