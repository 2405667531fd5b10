// SPDX-License-Identifier: GPL-2.0
/*
 * Groups: creation, change under the role, epoch and lease rules of the
 * uapi header, deletion, lookup (RCU, for the data path), and the lease
 * that fences a primary whose controller stopped renewing it.
 */

#include "datapath.h"

#define DEFAULT_SYN_TIMEOUT_MS 200
#define DEFAULT_MAX_LAG_BYTES (4U << 20)
#define DEFAULT_MAX_LAG_MS 2000
#define DEFAULT_MAX_CONNS 65536
#define DEFAULT_GARP_COUNT 3
#define DEFAULT_GARP_INTERVAL_MS 100

static struct kmem_cache *group_cache;

static struct tandem_group *lookup_name(struct tandem_net *tn,
					const char *name)
{
	struct tandem_group *g;

	lockdep_assert_held(&tn->lock);
	list_for_each_entry(g, &tn->groups, list)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

struct tandem_group *tandem_group_select(struct tandem_net *tn,
					 struct nlattr **attrs,
					 struct netlink_ext_ack *extack)
{
	struct nlattr *name = attrs[TANDEM_A_GROUP_NAME];
	struct nlattr *id = attrs[TANDEM_A_GROUP_ID];
	struct tandem_group *g = NULL, *by_id;

	lockdep_assert_held(&tn->lock);
	if (!name && !id) {
		NL_SET_ERR_MSG(extack, "missing group selector: TANDEM_A_GROUP_NAME or TANDEM_A_GROUP_ID");
		NL_SET_ERR_ATTR_MISS(extack, NULL, TANDEM_A_GROUP_NAME);
		return ERR_PTR(-EINVAL);
	}
	if (name) {
		g = lookup_name(tn, nla_data(name));
		if (!g) {
			NL_SET_ERR_MSG_ATTR(extack, name, "no such group");
			return ERR_PTR(-ENOENT);
		}
	}
	if (id) {
		by_id = tandem_group_lookup_id(tn, nla_get_u32(id));
		if (!by_id) {
			NL_SET_ERR_MSG_ATTR(extack, id, "no such group");
			return ERR_PTR(-ENOENT);
		}
		if (g && g != by_id) {
			NL_SET_ERR_MSG_ATTR(extack, id, "group name and group id select different groups");
			return ERR_PTR(-EINVAL);
		}
		g = by_id;
	}
	return g;
}

static const int cfg_attr_types[] = {
	TANDEM_A_GROUP_REPL_ADDR, TANDEM_A_GROUP_REPL_PORT, TANDEM_A_GROUP_KEY,
	TANDEM_A_GROUP_KEY_ALT, TANDEM_A_GROUP_MAC,
	TANDEM_A_GROUP_SYN_TIMEOUT_MS, TANDEM_A_GROUP_MAX_LAG_BYTES,
	TANDEM_A_GROUP_MAX_LAG_MS, TANDEM_A_GROUP_MAX_CONNS,
	TANDEM_A_GROUP_GARP_COUNT, TANDEM_A_GROUP_GARP_INTERVAL_MS,
	TANDEM_A_GROUP_GARP_REFRESH_MS,
};

static bool cfg_attrs_present(struct nlattr **attrs)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(cfg_attr_types); i++)
		if (attrs[cfg_attr_types[i]])
			return true;
	return false;
}

/*
 * A key different from the group's drops the alternate key, unless the
 * message gives one; the same key keeps it (tandemd sends the key on every
 * reload).
 */
static void cfg_apply_keys(struct tandem_group_cfg *cfg, struct nlattr **attrs)
{
	struct nlattr *key = attrs[TANDEM_A_GROUP_KEY];
	struct nlattr *alt = attrs[TANDEM_A_GROUP_KEY_ALT];

	if (key && (!cfg->has_key || nla_memcmp(key, cfg->key, sizeof(cfg->key)))) {
		cfg->has_key_alt = false;
		memzero_explicit(cfg->key_alt, sizeof(cfg->key_alt));
	}
	if (key) {
		nla_memcpy(cfg->key, key, sizeof(cfg->key));
		cfg->has_key = true;
	}
	if (alt) {
		nla_memcpy(cfg->key_alt, alt, sizeof(cfg->key_alt));
		cfg->has_key_alt = true;
		cfg->key_alt_until = jiffies + msecs_to_jiffies(
			nla_get_u32(attrs[TANDEM_A_GROUP_KEY_ALT_MS]));
	}
}

/* Is the alternate key accepted still? */
static bool key_alt_valid(const struct tandem_group_cfg *cfg)
{
	return cfg->has_key_alt && time_before(jiffies, cfg->key_alt_until);
}

static int check_key_alt(struct nlattr **attrs, bool has_key,
			 struct netlink_ext_ack *extack)
{
	if (attrs[TANDEM_A_GROUP_KEY_ALT] && !has_key) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_GROUP_KEY_ALT],
				    "an alternate key needs a group key");
		return -EINVAL;
	}
	return 0;
}

/* The attributes were validated by the policy; this cannot fail. */
static void cfg_apply(struct tandem_group_cfg *cfg, struct nlattr **attrs)
{
	if (attrs[TANDEM_A_GROUP_REPL_ADDR])
		tandem_addr_from_nla(&cfg->repl_addr,
				     attrs[TANDEM_A_GROUP_REPL_ADDR]);
	if (attrs[TANDEM_A_GROUP_REPL_PORT])
		cfg->repl_port = nla_get_u16(attrs[TANDEM_A_GROUP_REPL_PORT]);
	cfg_apply_keys(cfg, attrs);
	if (attrs[TANDEM_A_GROUP_MAC])
		cfg->mac = nla_get_u8(attrs[TANDEM_A_GROUP_MAC]);
	if (attrs[TANDEM_A_GROUP_SYN_TIMEOUT_MS])
		cfg->syn_timeout_ms =
			nla_get_u32(attrs[TANDEM_A_GROUP_SYN_TIMEOUT_MS]);
	if (attrs[TANDEM_A_GROUP_MAX_LAG_BYTES])
		cfg->max_lag_bytes =
			nla_get_u32(attrs[TANDEM_A_GROUP_MAX_LAG_BYTES]);
	if (attrs[TANDEM_A_GROUP_MAX_LAG_MS])
		cfg->max_lag_ms = nla_get_u32(attrs[TANDEM_A_GROUP_MAX_LAG_MS]);
	if (attrs[TANDEM_A_GROUP_MAX_CONNS])
		cfg->max_conns = nla_get_u32(attrs[TANDEM_A_GROUP_MAX_CONNS]);
	if (attrs[TANDEM_A_GROUP_GARP_COUNT])
		cfg->garp_count = nla_get_u8(attrs[TANDEM_A_GROUP_GARP_COUNT]);
	if (attrs[TANDEM_A_GROUP_GARP_INTERVAL_MS])
		cfg->garp_interval_ms =
			nla_get_u32(attrs[TANDEM_A_GROUP_GARP_INTERVAL_MS]);
	if (attrs[TANDEM_A_GROUP_GARP_REFRESH_MS])
		cfg->garp_refresh_ms =
			nla_get_u32(attrs[TANDEM_A_GROUP_GARP_REFRESH_MS]);
}

static void cfg_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct tandem_group_cfg, rcu));
}

static void group_free_rcu(struct rcu_head *rcu)
{
	struct tandem_group *g = container_of(rcu, struct tandem_group, rcu);

	kfree_sensitive(rcu_dereference_protected(g->cfg, true));
	tandem_stats_group_free(g);
	kmem_cache_free(group_cache, g);
}

/* The lease work runs no earlier than the lease's end. */
static void lease_arm(struct tandem_group *g, u64 expires)
{
	u64 now = ktime_get_ns();
	unsigned long delay = 0;

	if (expires > now)
		delay = nsecs_to_jiffies(expires - now) + 1;
	mod_delayed_work(system_wq, &g->lease_work, delay);
}

/* Publishes @role: what the caller wrote before is seen with it. */
static void set_role(struct tandem_group *g, u8 role)
{
	lockdep_assert_held(&g->tn->lock);
	/* Pairs with smp_load_acquire() in tandem_group_role(). */
	smp_store_release(&g->role, role);
}

static void lease_expired(struct work_struct *work)
{
	struct tandem_group *g = container_of(to_delayed_work(work),
					      struct tandem_group, lease_work);
	struct tandem_net *tn = g->tn;

	mutex_lock(&tn->lock);
	if (g->dead || g->role != TANDEM_ROLE_PRIMARY)
		goto out;
	if (ktime_get_ns() < g->lease_expires) {
		/* Renewed while this work was already running. */
		lease_arm(g, g->lease_expires);
		goto out;
	}
	set_role(g, TANDEM_ROLE_FENCED);
	WRITE_ONCE(g->suspended, g->epoch);
	tandem_net_changed(tn);
	tandem_nl_group_event(g, TANDEM_CMD_GROUP_SET);
	pr_notice_ratelimited("group %s: lease of epoch " TANDEM_EPOCH_FMT " expired, node fenced\n",
			      g->name, tandem_epoch_ballot(g->epoch),
			      tandem_epoch_node(g->epoch));
out:
	mutex_unlock(&tn->lock);
}

static void link_group(struct tandem_net *tn, struct tandem_group *g)
{
	struct list_head *before = &tn->groups;
	struct tandem_group *pos;

	lockdep_assert_held(&tn->lock);
	list_for_each_entry(pos, &tn->groups, list) {
		if (pos->id > g->id) {
			before = &pos->list;
			break;
		}
	}
	list_add_tail_rcu(&g->list, before);
	hash_add_rcu(tn->group_by_id, &g->id_node, g->id);
	hash_add_rcu(tn->group_by_vip, &g->vip_node, tandem_addr_hash(&g->vip));
	tn->n_groups++;
}

static void unlink_group(struct tandem_group *g)
{
	lockdep_assert_held(&g->tn->lock);
	list_del_rcu(&g->list);
	hash_del_rcu(&g->id_node);
	hash_del_rcu(&g->vip_node);
	g->tn->n_groups--;
	g->dead = true;
	set_role(g, TANDEM_ROLE_FENCED);
	cancel_delayed_work(&g->lease_work);
	tandem_channel_close(g);
}

static int check_new(struct tandem_net *tn, struct nlattr **attrs,
		     const struct tandem_addr *vip,
		     struct netlink_ext_ack *extack)
{
	if (lookup_name(tn, nla_data(attrs[TANDEM_A_GROUP_NAME]))) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_GROUP_NAME],
				    "group name already in use");
		return -EEXIST;
	}
	if (tandem_group_lookup_id(tn, nla_get_u32(attrs[TANDEM_A_GROUP_ID]))) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_GROUP_ID],
				    "group id already in use");
		return -EEXIST;
	}
	if (tandem_group_lookup_vip(tn, vip)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_GROUP_VIP],
				    "VIP already used by another group");
		return -EEXIST;
	}
	if (tn->n_groups >= TANDEM_GROUPS_MAX) {
		NL_SET_ERR_MSG(extack, "too many groups: the limit is "
			       __stringify(TANDEM_GROUPS_MAX) " per namespace");
		return -ENOSPC;
	}
	return 0;
}

int tandem_group_new(struct tandem_net *tn, struct nlattr **attrs,
		     struct netlink_ext_ack *extack)
{
	struct tandem_channel_change chg;
	struct tandem_group_cfg *cfg;
	struct tandem_group *g;
	struct tandem_addr vip;
	int ret;

	lockdep_assert_held(&tn->lock);
	if (TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_GROUP_NAME) ||
	    TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_GROUP_ID) ||
	    TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_GROUP_VIP) ||
	    TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_GROUP_NODE_ID))
		return -EINVAL;
	tandem_addr_from_nla(&vip, attrs[TANDEM_A_GROUP_VIP]);
	ret = check_new(tn, attrs, &vip, extack) ?:
	      check_key_alt(attrs, attrs[TANDEM_A_GROUP_KEY], extack);
	if (ret)
		return ret;

	ret = -ENOMEM;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		goto err_nomem;
	g = kmem_cache_zalloc(group_cache, GFP_KERNEL);
	if (!g)
		goto err_free_cfg;
	if (tandem_stats_group_init(g))
		goto err_free_group;
	cfg->repl_port = TANDEM_DEFAULT_REPL_PORT;
	cfg->syn_timeout_ms = DEFAULT_SYN_TIMEOUT_MS;
	cfg->mac = TANDEM_MAC_DEFAULT;
	cfg->max_lag_bytes = DEFAULT_MAX_LAG_BYTES;
	cfg->max_lag_ms = DEFAULT_MAX_LAG_MS;
	cfg->max_conns = DEFAULT_MAX_CONNS;
	cfg->garp_count = DEFAULT_GARP_COUNT;
	cfg->garp_interval_ms = DEFAULT_GARP_INTERVAL_MS;
	cfg_apply(cfg, attrs);

	g->tn = tn;
	RCU_INIT_POINTER(g->cfg, cfg);
	INIT_LIST_HEAD(&g->members);
	INIT_LIST_HEAD(&g->services);
	hash_init(g->service_by_port);
	INIT_DELAYED_WORK(&g->lease_work, lease_expired);
	g->role = TANDEM_ROLE_FENCED;
	g->id = nla_get_u32(attrs[TANDEM_A_GROUP_ID]);
	g->node_id = nla_get_u32(attrs[TANDEM_A_GROUP_NODE_ID]);
	g->vip = vip;
	nla_strscpy(g->name, attrs[TANDEM_A_GROUP_NAME], sizeof(g->name));
	ret = tandem_channel_prepare(g, NULL, cfg, &chg, extack);
	if (ret)
		goto err_free_stats;
	ret = tandem_conns_init(g);
	if (ret) {
		NL_SET_ERR_MSG(extack, "out of memory for the connection table");
		goto err_abort_channel;
	}

	link_group(tn, g);
	tandem_channel_commit(g, &chg);
	tandem_net_changed(tn);
	tandem_nl_group_event(g, TANDEM_CMD_GROUP_NEW);
	return 0;

err_abort_channel:
	tandem_channel_abort(g, &chg);
err_free_stats:
	tandem_stats_group_free(g);
err_free_group:
	kmem_cache_free(group_cache, g);
err_free_cfg:
	kfree_sensitive(cfg);
err_nomem:
	/* The steps that failed for memory without saying so. */
	if (ret == -ENOMEM && !extack->_msg)
		NL_SET_ERR_MSG(extack, "out of memory for the group");
	return ret;
}

/* The instant a lease attribute of the message ends, in ktime_get_ns(). */
static u64 lease_end(struct nlattr **attrs)
{
	if (attrs[TANDEM_A_GROUP_LEASE_EXPIRY_NS])
		return nla_get_u64(attrs[TANDEM_A_GROUP_LEASE_EXPIRY_NS]);
	return ktime_get_ns() +
	       (u64)nla_get_u32(attrs[TANDEM_A_GROUP_LEASE_MS]) * NSEC_PER_MSEC;
}

static int check_lease(struct nlattr **attrs, u8 role,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *ms = attrs[TANDEM_A_GROUP_LEASE_MS];
	struct nlattr *abs = attrs[TANDEM_A_GROUP_LEASE_EXPIRY_NS];

	if (ms && abs) {
		NL_SET_ERR_MSG_ATTR(extack, abs, "give the lease as LEASE_MS or LEASE_EXPIRY_NS, not both");
		return -EINVAL;
	}
	if ((ms || abs) && role != TANDEM_ROLE_PRIMARY) {
		NL_SET_ERR_MSG_ATTR(extack, ms ?: abs,
				    "a lease applies only to a primary");
		return -EINVAL;
	}
	if (attrs[TANDEM_A_GROUP_PRIOR_EPOCH] && role != TANDEM_ROLE_PRIMARY) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_GROUP_PRIOR_EPOCH],
				    "a prior epoch applies only to a promotion");
		return -EINVAL;
	}
	if (abs && nla_get_u64(abs) >
		   ktime_get_ns() + (u64)TANDEM_LEASE_MAX_MS * NSEC_PER_MSEC) {
		NL_SET_ERR_MSG_ATTR(extack, abs, "lease expiry more than 3600000 ms ahead");
		return -EINVAL;
	}
	return 0;
}

static int check_primary(const struct tandem_group *g, struct nlattr **attrs,
			 u64 epoch, bool has_key, bool has_repl,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *role = attrs[TANDEM_A_GROUP_ROLE];

	if (epoch < g->epoch ||
	    (epoch == g->epoch && g->role != TANDEM_ROLE_PRIMARY)) {
		if (!attrs[TANDEM_A_GROUP_EPOCH]) {
			NL_SET_ERR_MSG_ATTR(extack, role, "primary role requires TANDEM_A_GROUP_EPOCH");
			NL_SET_ERR_ATTR_MISS(extack, NULL, TANDEM_A_GROUP_EPOCH);
			return -EINVAL;
		}
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_GROUP_EPOCH],
				    "primary role requires an epoch greater than the current one");
		return -ESTALE;
	}
	if (!has_key) {
		NL_SET_ERR_MSG_ATTR(extack, role, "primary role requires a group key");
		return -EINVAL;
	}
	if (!has_repl) {
		NL_SET_ERR_MSG_ATTR(extack, role, "primary role requires a replication address");
		return -EINVAL;
	}
	if (!attrs[TANDEM_A_GROUP_LEASE_MS] &&
	    !attrs[TANDEM_A_GROUP_LEASE_EXPIRY_NS]) {
		NL_SET_ERR_MSG_ATTR(extack, role, "primary role requires a lease (TANDEM_A_GROUP_LEASE_MS or TANDEM_A_GROUP_LEASE_EXPIRY_NS)");
		NL_SET_ERR_ATTR_MISS(extack, NULL, TANDEM_A_GROUP_LEASE_MS);
		return -EINVAL;
	}
	if (g->role != TANDEM_ROLE_PRIMARY &&
	    lease_end(attrs) <= ktime_get_ns()) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_GROUP_LEASE_EXPIRY_NS],
				    "lease expiry already passed: not promoted");
		return -ETIME;
	}
	return 0;
}

/*
 * A primary fenced (by its lease or by request) has missed no client byte
 * while nobody else is primary: its connections are suspended, not
 * unprotected. Promoted again, it resumes them if the quorum that elected
 * it promised no other node's epoch above the one it was fenced in
 * (@prior); otherwise, or as a backup, it no longer protects them. A
 * backup fenced misses what its primary goes on mirroring.
 */
static void settle_suspended(struct tandem_group *g, u8 old_role, u8 role,
			     const struct nlattr *prior)
{
	u64 suspended = g->suspended;

	lockdep_assert_held(&g->tn->lock);
	if (role == TANDEM_ROLE_FENCED) {
		if (old_role == TANDEM_ROLE_PRIMARY)
			WRITE_ONCE(g->suspended, g->epoch);
		else
			tandem_unprotect_all(g);
		return;
	}
	if (!suspended)
		return;
	WRITE_ONCE(g->suspended, 0);
	if (role == TANDEM_ROLE_PRIMARY && prior &&
	    nla_get_u64(prior) < suspended) {
		tandem_group_stats_inc(g, TANDEM_STAT_FENCE_RESUMED);
		return;
	}
	tandem_unprotect_all(g);
}

/* The role and epoch rules of TANDEM_CMD_GROUP_SET, on the values to be. */
static int check_role(const struct tandem_group *g, struct nlattr **attrs,
		      u8 role, u64 epoch, bool has_key, bool has_repl,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *role_attr = attrs[TANDEM_A_GROUP_ROLE];
	struct nlattr *epoch_attr = attrs[TANDEM_A_GROUP_EPOCH];
	int ret;

	if (epoch_attr && epoch < g->epoch) {
		NL_SET_ERR_MSG_ATTR(extack, epoch_attr, "epoch may not go backwards");
		return -ESTALE;
	}
	ret = check_lease(attrs, role, extack);
	if (ret)
		return ret;
	if (!role_attr)
		return 0;
	if (role == TANDEM_ROLE_PRIMARY)
		return check_primary(g, attrs, epoch, has_key, has_repl, extack);
	if (role == TANDEM_ROLE_BACKUP) {
		if (!epoch_attr) {
			NL_SET_ERR_MSG_ATTR(extack, role_attr, "backup role requires TANDEM_A_GROUP_EPOCH");
			NL_SET_ERR_ATTR_MISS(extack, NULL, TANDEM_A_GROUP_EPOCH);
			return -EINVAL;
		}
		if (!has_key) {
			NL_SET_ERR_MSG_ATTR(extack, role_attr, "backup role requires a group key");
			return -EINVAL;
		}
	}
	return 0;
}

static int check_repl_family(const struct tandem_group *g,
			     const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	struct tandem_member *m;
	struct tandem_addr addr;

	if (!attr || list_empty(&g->members))
		return 0;
	tandem_addr_from_nla(&addr, attr);
	m = list_first_entry(&g->members, struct tandem_member, list);
	if (m->addr.family != addr.family) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "replication address family differs from the members' addresses");
		return -EINVAL;
	}
	return 0;
}

static void apply_role(struct tandem_group *g, u8 role, u64 epoch,
		       struct nlattr **attrs)
{
	u64 expires;

	WRITE_ONCE(g->epoch, epoch);
	if (role != TANDEM_ROLE_PRIMARY) {
		cancel_delayed_work(&g->lease_work);
	} else if (attrs[TANDEM_A_GROUP_LEASE_MS] ||
		   attrs[TANDEM_A_GROUP_LEASE_EXPIRY_NS]) {
		expires = lease_end(attrs);
		WRITE_ONCE(g->lease_expires, expires);
		lease_arm(g, expires);
	}
	set_role(g, role);
}

int tandem_group_set(struct tandem_group *g, struct nlattr **attrs,
		     struct netlink_ext_ack *extack)
{
	struct tandem_group_cfg *old = tandem_group_cfg_locked(g), *cfg = NULL;
	struct tandem_channel_change chg = {};
	struct nlattr *role_attr = attrs[TANDEM_A_GROUP_ROLE];
	struct nlattr *epoch_attr = attrs[TANDEM_A_GROUP_EPOCH];
	bool lease_attr = attrs[TANDEM_A_GROUP_LEASE_MS] ||
			  attrs[TANDEM_A_GROUP_LEASE_EXPIRY_NS] ||
			  attrs[TANDEM_A_GROUP_PRIOR_EPOCH];
	u8 old_role = g->role, role = role_attr ? nla_get_u8(role_attr) : g->role;
	u64 epoch = epoch_attr ? nla_get_u64(epoch_attr) : g->epoch;
	u64 old_epoch = g->epoch;
	bool has_key = attrs[TANDEM_A_GROUP_KEY] || old->has_key;
	bool has_repl = attrs[TANDEM_A_GROUP_REPL_ADDR] || old->repl_addr.family;
	int ret;

	ret = check_repl_family(g, attrs[TANDEM_A_GROUP_REPL_ADDR], extack) ?:
	      check_key_alt(attrs, has_key, extack);
	if (ret)
		return ret;
	ret = check_role(g, attrs, role, epoch, has_key, has_repl, extack);
	if (ret)
		return ret;
	if (cfg_attrs_present(attrs)) {
		cfg = kmemdup(old, sizeof(*old), GFP_KERNEL);
		if (!cfg) {
			NL_SET_ERR_MSG(extack, "out of memory for the group configuration");
			return -ENOMEM;
		}
		cfg_apply(cfg, attrs);
		ret = tandem_channel_prepare(g, old, cfg, &chg, extack);
		if (ret) {
			kfree_sensitive(cfg);
			return ret;
		}
	} else if (!role_attr && !epoch_attr && !lease_attr) {
		return 0;
	}

	/* Nothing can fail from here on. */
	if (cfg) {
		rcu_assign_pointer(g->cfg, cfg);
		call_rcu(&old->rcu, cfg_free_rcu);
		tandem_channel_commit(g, &chg);
	}
	if (role != old_role)
		settle_suspended(g, old_role, role, attrs[TANDEM_A_GROUP_PRIOR_EPOCH]);
	apply_role(g, role, epoch, attrs);
	if (attrs[TANDEM_A_GROUP_GARP_REFRESH_MS])
		tandem_garp_refresh(g);
	if (role == TANDEM_ROLE_PRIMARY && old_role != TANDEM_ROLE_PRIMARY)
		tandem_takeover(g);
	else if (role == TANDEM_ROLE_BACKUP && epoch != old_epoch)
		tandem_follow(g, old_role != TANDEM_ROLE_BACKUP);
	tandem_net_changed(g->tn);
	tandem_nl_group_event(g, TANDEM_CMD_GROUP_SET);
	return 0;
}

int tandem_group_unlink(struct tandem_group *g, struct netlink_ext_ack *extack)
{
	struct tandem_member *m;

	lockdep_assert_held(&g->tn->lock);
	if (g->n_services) {
		NL_SET_ERR_MSG(extack, "group still has services: delete them first");
		return -EBUSY;
	}
	list_for_each_entry(m, &g->members, list)
		tandem_nl_member_event(m, TANDEM_CMD_MEMBER_DEL);
	tandem_nl_group_event(g, TANDEM_CMD_GROUP_DEL);
	unlink_group(g);
	tandem_net_changed(g->tn);
	return 0;
}

/* Frees an unlinked group; called without tn->lock, which the lease work takes. */
void tandem_group_destroy(struct tandem_group *g)
{
	might_sleep();
	cancel_delayed_work_sync(&g->lease_work);
	tandem_members_free(g);
	tandem_services_free(g);
	tandem_conns_destroy(g, group_free_rcu);
}

void tandem_groups_flush(struct tandem_net *tn)
{
	struct tandem_group *g;

	for (;;) {
		mutex_lock(&tn->lock);
		g = list_first_entry_or_null(&tn->groups, struct tandem_group,
					     list);
		if (g) {
			tandem_silence(g, 0);
			unlink_group(g);
		}
		mutex_unlock(&tn->lock);
		if (!g)
			break;
		tandem_group_destroy(g);
	}
}

static u32 lease_remaining_ms(const struct tandem_group *g)
{
	u64 now = ktime_get_ns();

	if (now >= g->lease_expires)
		return 0;
	return div_u64(g->lease_expires - now, NSEC_PER_MSEC);
}

int tandem_group_fill(struct sk_buff *skb, const struct tandem_group *g)
{
	const struct tandem_group_cfg *cfg = tandem_group_cfg_locked(g);

	if (nla_put_string(skb, TANDEM_A_GROUP_NAME, g->name) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_ID, g->id) ||
	    tandem_addr_put(skb, TANDEM_A_GROUP_VIP, &g->vip) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_NODE_ID, g->node_id) ||
	    (cfg->repl_addr.family &&
	     tandem_addr_put(skb, TANDEM_A_GROUP_REPL_ADDR, &cfg->repl_addr)) ||
	    nla_put_u16(skb, TANDEM_A_GROUP_REPL_PORT, cfg->repl_port) ||
	    (cfg->has_key && nla_put_flag(skb, TANDEM_A_GROUP_HAS_KEY)) ||
	    (key_alt_valid(cfg) &&
	     nla_put_u32(skb, TANDEM_A_GROUP_KEY_ALT_REMAINING_MS,
			 max(1U, jiffies_to_msecs(cfg->key_alt_until - jiffies)))) ||
	    nla_put_u8(skb, TANDEM_A_GROUP_MAC, cfg->mac) ||
	    nla_put_u8(skb, TANDEM_A_GROUP_ROLE, g->role) ||
	    nla_put_u64_64bit(skb, TANDEM_A_GROUP_EPOCH, g->epoch, TANDEM_A_PAD))
		return -EMSGSIZE;
	if (g->role == TANDEM_ROLE_PRIMARY &&
	    nla_put_u32(skb, TANDEM_A_GROUP_LEASE_REMAINING_MS,
			lease_remaining_ms(g)))
		return -EMSGSIZE;
	if (g->suspended &&
	    nla_put_u64_64bit(skb, TANDEM_A_GROUP_SUSPENDED_EPOCH, g->suspended,
			      TANDEM_A_PAD))
		return -EMSGSIZE;
	if (nla_put_u32(skb, TANDEM_A_GROUP_SYN_TIMEOUT_MS, cfg->syn_timeout_ms) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_MAX_LAG_BYTES, cfg->max_lag_bytes) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_MAX_LAG_MS, cfg->max_lag_ms) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_MAX_CONNS, cfg->max_conns) ||
	    nla_put_u8(skb, TANDEM_A_GROUP_GARP_COUNT, cfg->garp_count) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_GARP_INTERVAL_MS,
			cfg->garp_interval_ms) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_GARP_REFRESH_MS,
			cfg->garp_refresh_ms) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_MEMBERS, g->n_members) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_SERVICES, g->n_services))
		return -EMSGSIZE;
	return 0;
}

int tandem_group_init(void)
{
	group_cache = KMEM_CACHE(tandem_group, 0);
	return group_cache ? 0 : -ENOMEM;
}

void tandem_group_uninit(void)
{
	kmem_cache_destroy(group_cache);
}
