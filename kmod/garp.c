// SPDX-License-Identifier: GPL-2.0
/*
 * Announcing the VIP: a promoted primary sends garp_count gratuitous ARPs
 * garp_interval_ms apart, then, if garp_refresh_ms is set, one every that
 * many ms while its lease is valid (so that switches and neighbours that
 * forgot the VIP learn it again). IPv4 VIPs only so far.
 */

#include <linux/inetdevice.h>
#include <net/arp.h>

#include "datapath.h"

static void garp_send(struct tandem_group *g)
{
	struct net_device *dev;

	rcu_read_lock();
	dev = __ip_dev_find(g->tn->net, g->vip.v4, false);
	if (dev && !(dev->flags & (IFF_NOARP | IFF_LOOPBACK))) {
		arp_send(ARPOP_REQUEST, ETH_P_ARP, g->vip.v4, dev, g->vip.v4,
			 NULL, dev->dev_addr, NULL);
		tandem_group_stats_inc(g, TANDEM_STAT_GARP_SENT);
	}
	rcu_read_unlock();
}

/*
 * The promotion's garp_count ARPs garp_interval_ms apart, then one every
 * garp_refresh_ms (if set) for as long as the node is a live primary.
 */
void tandem_garp_work(struct work_struct *work)
{
	struct tandem_dp *dp = container_of(to_delayed_work(work),
					    struct tandem_dp, garp_work);
	struct tandem_group *g = dp->group;
	u32 interval, refresh;
	int left;

	rcu_read_lock();
	interval = rcu_dereference(g->cfg)->garp_interval_ms;
	refresh = rcu_dereference(g->cfg)->garp_refresh_ms;
	rcu_read_unlock();
	if ((!atomic_read(&dp->garp_left) && !refresh) ||
	    !tandem_group_is_live_primary(g) || g->vip.family != AF_INET)
		return;
	garp_send(g);
	left = atomic_dec_if_positive(&dp->garp_left);
	if (left > 0)
		schedule_delayed_work(&dp->garp_work,
				      msecs_to_jiffies(interval));
	else if (refresh)
		schedule_delayed_work(&dp->garp_work,
				      msecs_to_jiffies(refresh));
}

/* A new refresh period: the next ARP follows it (none if 0). */
void tandem_garp_refresh(struct tandem_group *g)
{
	u32 refresh = tandem_group_cfg_locked(g)->garp_refresh_ms;
	struct tandem_dp *dp = g->dp;

	lockdep_assert_held(&g->tn->lock);
	if (atomic_read(&dp->garp_left) || !tandem_group_is_live_primary(g))
		return;
	if (refresh)
		mod_delayed_work(system_wq, &dp->garp_work,
				 msecs_to_jiffies(refresh));
	else
		cancel_delayed_work(&dp->garp_work);
}

/* The promotion's ARPs, from now on. Under tn->lock. */
void tandem_garp_start(struct tandem_group *g)
{
	struct tandem_dp *dp = g->dp;

	lockdep_assert_held(&g->tn->lock);
	atomic_set(&dp->garp_left, tandem_group_cfg_locked(g)->garp_count);
	if (atomic_read(&dp->garp_left))
		mod_delayed_work(system_wq, &dp->garp_work, 0);
	else
		tandem_garp_refresh(g);
}
