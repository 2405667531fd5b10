// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: every group lives in the namespace of the
 * socket that created it, and goes away with it.
 */

#include "tandem.h"

unsigned int tandem_net_id __read_mostly;

/* Records a configuration change, for dumps to detect. */
void tandem_net_changed(struct tandem_net *tn)
{
	lockdep_assert_held(&tn->lock);
	if (++tn->generation == 0)
		tn->generation = 1;
}

static int __net_init tandem_net_init(struct net *net)
{
	struct tandem_net *tn = tandem_net(net);

	tn->net = net;
	mutex_init(&tn->lock);
	INIT_LIST_HEAD(&tn->groups);
	hash_init(tn->group_by_id);
	hash_init(tn->group_by_vip);
	INIT_LIST_HEAD(&tn->endpoints);
	tn->generation = 1;
	return tandem_stats_net_init(tn);
}

static void __net_exit tandem_net_exit(struct net *net)
{
	struct tandem_net *tn = tandem_net(net);

	tandem_groups_flush(tn);
	WARN_ON(tn->n_groups);
	tandem_stats_net_uninit(tn);
	mutex_destroy(&tn->lock);
}

static struct pernet_operations tandem_net_ops = {
	.init = tandem_net_init,
	.exit = tandem_net_exit,
	.id = &tandem_net_id,
	.size = sizeof(struct tandem_net),
};

int tandem_pernet_init(void)
{
	return register_pernet_subsys(&tandem_net_ops);
}

void tandem_pernet_uninit(void)
{
	unregister_pernet_subsys(&tandem_net_ops);
}
