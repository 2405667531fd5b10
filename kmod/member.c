// SPDX-License-Identifier: GPL-2.0
/*
 * Members: the peer nodes of a group. A change replaces the member object
 * (RCU), so that a reader never sees half of a new address.
 */

#include "tandem.h"

#define DEFAULT_PRIORITY 100

static struct kmem_cache *member_cache;

struct tandem_member *tandem_member_select(struct tandem_group *g,
					   struct nlattr **attrs,
					   struct netlink_ext_ack *extack)
{
	struct tandem_member *m;

	lockdep_assert_held(&g->tn->lock);
	if (TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_MEMBER_NODE_ID))
		return ERR_PTR(-EINVAL);
	m = tandem_member_lookup_rcu(g, nla_get_u32(attrs[TANDEM_A_MEMBER_NODE_ID]));
	if (!m) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_MEMBER_NODE_ID],
				    "no such member in the group");
		return ERR_PTR(-ENOENT);
	}
	return m;
}

/* May @self (NULL for a new member) have this address and port? */
static int check_addr(struct tandem_group *g, const struct tandem_member *self,
		      const struct tandem_addr *addr, u16 port,
		      const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	const struct tandem_group_cfg *cfg = tandem_group_cfg_locked(g);
	struct tandem_member *m;

	if (cfg->repl_addr.family && cfg->repl_addr.family != addr->family) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "member address family differs from the group's replication address");
		return -EINVAL;
	}
	list_for_each_entry(m, &g->members, list) {
		if (m == self)
			continue;
		if (m->addr.family != addr->family) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "member address family differs from the group's other members");
			return -EINVAL;
		}
		if (m->port == port && tandem_addr_equal(&m->addr, addr)) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "member address and port already used by another member");
			return -EEXIST;
		}
	}
	return 0;
}

static void apply(struct tandem_member *m, struct nlattr **attrs)
{
	if (attrs[TANDEM_A_MEMBER_ADDR])
		tandem_addr_from_nla(&m->addr, attrs[TANDEM_A_MEMBER_ADDR]);
	if (attrs[TANDEM_A_MEMBER_PORT])
		m->port = nla_get_u16(attrs[TANDEM_A_MEMBER_PORT]);
	if (attrs[TANDEM_A_MEMBER_PRIORITY])
		m->priority = nla_get_u8(attrs[TANDEM_A_MEMBER_PRIORITY]);
	if (attrs[TANDEM_A_MEMBER_WITNESS])
		m->witness = nla_get_u8(attrs[TANDEM_A_MEMBER_WITNESS]);
}

static void link_member(struct tandem_group *g, struct tandem_member *m)
{
	struct list_head *before = &g->members;
	struct tandem_member *pos;

	list_for_each_entry(pos, &g->members, list) {
		if (pos->node_id > m->node_id) {
			before = &pos->list;
			break;
		}
	}
	list_add_tail_rcu(&m->list, before);
	g->n_members++;
}

static void member_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(member_cache,
			container_of(rcu, struct tandem_member, rcu));
}

/* The last version of a member goes with its channel state. */
static void member_del_rcu(struct rcu_head *rcu)
{
	struct tandem_member *m = container_of(rcu, struct tandem_member, rcu);

	tandem_peer_free(m->peer);
	kmem_cache_free(member_cache, m);
}

int tandem_member_new(struct tandem_group *g, struct nlattr **attrs,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *id_attr = attrs[TANDEM_A_MEMBER_NODE_ID];
	struct tandem_member tmp = {}, *m;
	int ret;

	lockdep_assert_held(&g->tn->lock);
	if (TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_MEMBER_NODE_ID) ||
	    TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_MEMBER_ADDR))
		return -EINVAL;
	tmp.node_id = nla_get_u32(id_attr);
	if (tmp.node_id == g->node_id) {
		NL_SET_ERR_MSG_ATTR(extack, id_attr, "member node id is the group's own node id");
		return -EINVAL;
	}
	if (tandem_member_lookup_rcu(g, tmp.node_id)) {
		NL_SET_ERR_MSG_ATTR(extack, id_attr, "member node id already in the group");
		return -EEXIST;
	}
	tmp.port = TANDEM_DEFAULT_REPL_PORT;
	tmp.priority = DEFAULT_PRIORITY;
	apply(&tmp, attrs);
	ret = check_addr(g, NULL, &tmp.addr, tmp.port,
			 attrs[TANDEM_A_MEMBER_ADDR], extack);
	if (ret)
		return ret;
	if (g->n_members >= TANDEM_MEMBERS_MAX) {
		NL_SET_ERR_MSG(extack, "group already has the maximum of "
			       __stringify(TANDEM_MEMBERS_MAX) " members");
		return -ENOSPC;
	}

	m = kmem_cache_alloc(member_cache, GFP_KERNEL);
	tmp.peer = tandem_peer_new();
	if (!m || !tmp.peer) {
		tandem_peer_free(tmp.peer);
		if (m)
			kmem_cache_free(member_cache, m);
		NL_SET_ERR_MSG(extack, "out of memory for the member");
		return -ENOMEM;
	}
	*m = tmp;
	m->group = g;
	link_member(g, m);
	tandem_net_changed(g->tn);
	tandem_nl_member_event(m, TANDEM_CMD_MEMBER_NEW);
	return 0;
}

int tandem_member_set(struct tandem_group *g, struct nlattr **attrs,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *where = attrs[TANDEM_A_MEMBER_ADDR] ?:
			       attrs[TANDEM_A_MEMBER_PORT];
	struct tandem_member *old, *m;
	int ret;

	old = tandem_member_select(g, attrs, extack);
	if (IS_ERR(old))
		return PTR_ERR(old);
	m = kmem_cache_alloc(member_cache, GFP_KERNEL);
	if (!m) {
		NL_SET_ERR_MSG(extack, "out of memory for the member");
		return -ENOMEM;
	}
	*m = *old;
	apply(m, attrs);
	if (where) {
		ret = check_addr(g, old, &m->addr, m->port, where, extack);
		if (ret) {
			kmem_cache_free(member_cache, m);
			return ret;
		}
	}
	list_replace_rcu(&old->list, &m->list);
	call_rcu(&old->rcu, member_free_rcu);
	tandem_net_changed(g->tn);
	tandem_nl_member_event(m, TANDEM_CMD_MEMBER_SET);
	return 0;
}

int tandem_member_del(struct tandem_group *g, struct nlattr **attrs,
		      struct netlink_ext_ack *extack)
{
	struct tandem_member *m;

	m = tandem_member_select(g, attrs, extack);
	if (IS_ERR(m))
		return PTR_ERR(m);
	tandem_nl_member_event(m, TANDEM_CMD_MEMBER_DEL);
	list_del_rcu(&m->list);
	g->n_members--;
	call_rcu(&m->rcu, member_del_rcu);
	tandem_net_changed(g->tn);
	return 0;
}

/* Frees the members of an unlinked group. */
void tandem_members_free(struct tandem_group *g)
{
	struct tandem_member *m, *tmp;

	list_for_each_entry_safe(m, tmp, &g->members, list) {
		list_del_rcu(&m->list);
		call_rcu(&m->rcu, member_del_rcu);
	}
	g->n_members = 0;
}

int tandem_member_fill(struct sk_buff *skb, const struct tandem_member *m)
{
	if (nla_put_string(skb, TANDEM_A_GROUP_NAME, m->group->name) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_ID, m->group->id) ||
	    nla_put_u32(skb, TANDEM_A_MEMBER_NODE_ID, m->node_id) ||
	    tandem_addr_put(skb, TANDEM_A_MEMBER_ADDR, &m->addr) ||
	    nla_put_u16(skb, TANDEM_A_MEMBER_PORT, m->port) ||
	    nla_put_u8(skb, TANDEM_A_MEMBER_PRIORITY, m->priority) ||
	    nla_put_u8(skb, TANDEM_A_MEMBER_WITNESS, m->witness) ||
	    tandem_peer_fill(skb, m->peer))
		return -EMSGSIZE;
	return 0;
}

int tandem_member_init(void)
{
	member_cache = KMEM_CACHE(tandem_member, 0);
	return member_cache ? 0 : -ENOMEM;
}

void tandem_member_uninit(void)
{
	kmem_cache_destroy(member_cache);
}
