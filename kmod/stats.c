// SPDX-License-Identifier: GPL-2.0
/*
 * Counters (enum tandem_stat): per-CPU, per namespace and per group, summed
 * when read by TANDEM_CMD_STATS_GET.
 */

#include <linux/percpu.h>

#include "tandem.h"

static struct tandem_stats __percpu *stats_alloc(void)
{
	return alloc_percpu_gfp(struct tandem_stats, GFP_KERNEL_ACCOUNT);
}

int tandem_stats_net_init(struct tandem_net *tn)
{
	tn->stats = stats_alloc();
	return tn->stats ? 0 : -ENOMEM;
}

/* After every group of the namespace, and its channel, is gone. */
void tandem_stats_net_uninit(struct tandem_net *tn)
{
	free_percpu(tn->stats);
	tn->stats = NULL;
}

int tandem_stats_group_init(struct tandem_group *g)
{
	g->stats = stats_alloc();
	return g->stats ? 0 : -ENOMEM;
}

/* Any context: a group's counters are freed with it, after a grace period. */
void tandem_stats_group_free(struct tandem_group *g)
{
	free_percpu(g->stats);
}

static void stats_sum(const struct tandem_stats __percpu *stats, u64 *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * __TANDEM_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct tandem_stats *s = per_cpu_ptr(stats, cpu);

		for (i = 0; i < __TANDEM_STAT_MAX; i++)
			sum[i] += READ_ONCE(s->count[i]);
	}
}

/* The counters @stats sum to, as TANDEM_A_STATS (netlink.c). */
int tandem_stats_fill(struct sk_buff *skb,
		      const struct tandem_stats __percpu *stats)
{
	u64 sum[__TANDEM_STAT_MAX];
	struct nlattr *nest;
	int i;

	stats_sum(stats, sum);
	nest = nla_nest_start(skb, TANDEM_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = TANDEM_STAT_UNSPEC + 1; i < __TANDEM_STAT_MAX; i++) {
		if (nla_put_u64_64bit(skb, i, sum[i], TANDEM_STAT_UNSPEC)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}
