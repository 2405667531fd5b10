// SPDX-License-Identifier: GPL-2.0
/*
 * Services: the TCP ports of a group's VIP whose inbound connections the
 * group protects. Found by port (RCU) from the data path.
 */

#include "tandem.h"
#include "datapath.h"

static struct kmem_cache *service_cache;

struct tandem_service *tandem_service_select(struct tandem_group *g,
					     struct nlattr **attrs,
					     struct netlink_ext_ack *extack)
{
	struct tandem_service *s;

	lockdep_assert_held(&g->tn->lock);
	if (TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_SERVICE_PORT))
		return ERR_PTR(-EINVAL);
	s = tandem_service_lookup(g, nla_get_u16(attrs[TANDEM_A_SERVICE_PORT]));
	if (!s) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TANDEM_A_SERVICE_PORT],
				    "no such service in the group");
		return ERR_PTR(-ENOENT);
	}
	return s;
}

static void link_service(struct tandem_group *g, struct tandem_service *s)
{
	struct list_head *before = &g->services;
	struct tandem_service *pos;

	list_for_each_entry(pos, &g->services, list) {
		if (pos->port > s->port) {
			before = &pos->list;
			break;
		}
	}
	list_add_tail_rcu(&s->list, before);
	hash_add_rcu(g->service_by_port, &s->port_node, s->port);
	g->n_services++;
}

static void service_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(service_cache,
			container_of(rcu, struct tandem_service, rcu));
}

static void unlink_service(struct tandem_group *g, struct tandem_service *s)
{
	list_del_rcu(&s->list);
	hash_del_rcu(&s->port_node);
	g->n_services--;
	call_rcu(&s->rcu, service_free_rcu);
}

int tandem_service_new(struct tandem_group *g, struct nlattr **attrs,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *port = attrs[TANDEM_A_SERVICE_PORT];
	struct nlattr *lag_bytes = attrs[TANDEM_A_SERVICE_MAX_LAG_BYTES];
	struct nlattr *lag_ms = attrs[TANDEM_A_SERVICE_MAX_LAG_MS];
	struct tandem_service *s;

	lockdep_assert_held(&g->tn->lock);
	if (TANDEM_REQ_ATTR(extack, attrs, TANDEM_A_SERVICE_PORT))
		return -EINVAL;
	if (tandem_service_lookup(g, nla_get_u16(port))) {
		NL_SET_ERR_MSG_ATTR(extack, port, "service port already in the group");
		return -EEXIST;
	}
	if (g->n_services >= TANDEM_SERVICES_MAX) {
		NL_SET_ERR_MSG(extack, "group already has the maximum of "
			       __stringify(TANDEM_SERVICES_MAX) " services");
		return -ENOSPC;
	}
	s = kmem_cache_zalloc(service_cache, GFP_KERNEL);
	if (!s) {
		NL_SET_ERR_MSG(extack, "out of memory for the service");
		return -ENOMEM;
	}
	s->group = g;
	s->port = nla_get_u16(port);
	s->max_lag_bytes = lag_bytes ? nla_get_u32(lag_bytes) : 0;
	s->max_lag_ms = lag_ms ? nla_get_u32(lag_ms) : 0;
	link_service(g, s);
	tandem_net_changed(g->tn);
	tandem_nl_service_event(s, TANDEM_CMD_SERVICE_NEW);
	return 0;
}

int tandem_service_set(struct tandem_group *g, struct nlattr **attrs,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *lag_bytes = attrs[TANDEM_A_SERVICE_MAX_LAG_BYTES];
	struct nlattr *lag_ms = attrs[TANDEM_A_SERVICE_MAX_LAG_MS];
	struct tandem_service *s;

	s = tandem_service_select(g, attrs, extack);
	if (IS_ERR(s))
		return PTR_ERR(s);
	/* Two independent limits: readers may see either one change first. */
	if (lag_bytes)
		WRITE_ONCE(s->max_lag_bytes, nla_get_u32(lag_bytes));
	if (lag_ms)
		WRITE_ONCE(s->max_lag_ms, nla_get_u32(lag_ms));
	tandem_net_changed(g->tn);
	tandem_nl_service_event(s, TANDEM_CMD_SERVICE_SET);
	return 0;
}

int tandem_service_del(struct tandem_group *g, struct nlattr **attrs,
		       struct netlink_ext_ack *extack)
{
	struct tandem_service *s;
	u16 port;

	s = tandem_service_select(g, attrs, extack);
	if (IS_ERR(s))
		return PTR_ERR(s);
	tandem_nl_service_event(s, TANDEM_CMD_SERVICE_DEL);
	port = s->port;
	tandem_silence(g, port);
	unlink_service(g, s);
	tandem_unserve(g, port);
	tandem_net_changed(g->tn);
	return 0;
}

/* Frees the services of an unlinked group (namespace or module teardown). */
void tandem_services_free(struct tandem_group *g)
{
	struct tandem_service *s, *tmp;

	list_for_each_entry_safe(s, tmp, &g->services, list)
		unlink_service(g, s);
}

int tandem_service_fill(struct sk_buff *skb, const struct tandem_service *s)
{
	if (nla_put_string(skb, TANDEM_A_GROUP_NAME, s->group->name) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_ID, s->group->id) ||
	    nla_put_u16(skb, TANDEM_A_SERVICE_PORT, s->port) ||
	    nla_put_u32(skb, TANDEM_A_SERVICE_MAX_LAG_BYTES, s->max_lag_bytes) ||
	    nla_put_u32(skb, TANDEM_A_SERVICE_MAX_LAG_MS, s->max_lag_ms))
		return -EMSGSIZE;
	return 0;
}

int tandem_service_init(void)
{
	service_cache = KMEM_CACHE(tandem_service, 0);
	return service_cache ? 0 : -ENOMEM;
}

void tandem_service_uninit(void)
{
	kmem_cache_destroy(service_cache);
}
