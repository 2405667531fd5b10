// SPDX-License-Identifier: GPL-2.0
/*
 * tandem: replicated TCP endpoints behind a virtual IP.
 */

#include <linux/module.h>

#include "datapath.h"

static int __init tandem_mod_init(void)
{
	int ret;

	ret = tandem_group_init();
	if (ret)
		goto err_group;
	ret = tandem_member_init();
	if (ret)
		goto err_member;
	ret = tandem_service_init();
	if (ret)
		goto err_service;
	ret = tandem_conn_init();
	if (ret)
		goto err_conn;
	ret = tandem_pernet_init();
	if (ret)
		goto err_pernet;
	ret = tandem_hooks_init();
	if (ret)
		goto err_hooks;
	ret = tandem_netlink_init();
	if (ret)
		goto err_netlink;

	pr_info("version " TANDEM_VERSION " loaded\n");
	return 0;

err_netlink:
	tandem_hooks_uninit();
err_hooks:
	tandem_pernet_uninit();
err_pernet:
	rcu_barrier();
	tandem_conn_uninit();
err_conn:
	tandem_service_uninit();
err_service:
	tandem_member_uninit();
err_member:
	tandem_group_uninit();
err_group:
	return ret;
}

static void __exit tandem_mod_exit(void)
{
	tandem_netlink_uninit();
	tandem_hooks_uninit();
	tandem_pernet_uninit();
	/* Objects are freed by RCU callbacks, which must run before the
	 * caches go away (and before this module's text does).
	 */
	rcu_barrier();
	tandem_conn_uninit();
	tandem_service_uninit();
	tandem_member_uninit();
	tandem_group_uninit();
	pr_info("unloaded\n");
}

module_init(tandem_mod_init);
module_exit(tandem_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Replicated TCP endpoints behind a virtual IP");
MODULE_AUTHOR("tandem developers");
MODULE_VERSION(TANDEM_VERSION);
MODULE_ALIAS_GENL_FAMILY(TANDEM_GENL_NAME);
