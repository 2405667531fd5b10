/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of tandem.ko.
 *
 * Configuration (groups, members, services) is changed only with the
 * per-namespace mutex tandem_net.lock held. The lists and hash tables are
 * RCU-protected so that the data path can look objects up with only
 * rcu_read_lock(); objects are freed after a grace period.
 */
#ifndef _TANDEM_H
#define _TANDEM_H

#include <linux/hashtable.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netns/generic.h>
#include <linux/tandem.h>

#include "addr.h"

#define TANDEM_GROUP_HASH_BITS 8
#define TANDEM_SERVICE_HASH_BITS 4

/* Counters (stats.c): one per enum tandem_stat, per CPU. */
struct tandem_stats {
	u64 count[__TANDEM_STAT_MAX];
};

struct tandem_dp;

struct tandem_net {
	struct net *net;
	struct tandem_stats __percpu *stats;
	struct mutex lock;		/* serialises configuration changes */
	struct list_head groups;	/* sorted by id */
	DECLARE_HASHTABLE(group_by_id, TANDEM_GROUP_HASH_BITS);
	DECLARE_HASHTABLE(group_by_vip, TANDEM_GROUP_HASH_BITS);
	unsigned int n_groups;
	u32 generation;			/* never 0: cb->seq semantics */
	struct list_head endpoints;	/* replication sockets (channel.c) */
};

/*
 * The replaceable part of a group's configuration. A change builds a new
 * copy and publishes it with rcu_assign_pointer(), so that a reader always
 * sees one consistent version (the key in particular).
 */
struct tandem_group_cfg {
	struct rcu_head rcu;
	struct tandem_addr repl_addr;
	u16 repl_port;
	bool has_key;
	bool has_key_alt;
	u8 key[TANDEM_KEY_LEN];
	u8 key_alt[TANDEM_KEY_LEN];	/* accepted until key_alt_until */
	unsigned long key_alt_until;	/* jiffies */
	u8 mac;				/* enum tandem_mac */
	u32 syn_timeout_ms;
	u32 max_lag_bytes;
	u32 max_lag_ms;
	u32 max_conns;
	u32 garp_interval_ms;
	u32 garp_refresh_ms;
	u8 garp_count;
};

struct tandem_group {
	struct list_head list;		/* in tandem_net.groups */
	struct hlist_node id_node;	/* in tandem_net.group_by_id */
	struct hlist_node vip_node;	/* in tandem_net.group_by_vip */
	struct rcu_head rcu;
	struct tandem_net *tn;
	struct tandem_group_cfg __rcu *cfg;
	struct tandem_stats __percpu *stats;
	struct tandem_channel __rcu *chan;	/* NULL: no replication address */
	atomic64_t tx_seq;		/* of the last datagram sent */
	struct list_head members;	/* sorted by node id */
	struct list_head services;	/* sorted by port */
	DECLARE_HASHTABLE(service_by_port, TANDEM_SERVICE_HASH_BITS);
	struct delayed_work lease_work;
	unsigned int n_members;
	unsigned int n_services;
	bool dead;			/* unlinked; the lease work must stop */
	struct tandem_dp *dp;		/* data path (datapath.h) */

	/* Written under tn->lock, read locklessly by the data path. */
	u8 role;			/* enum tandem_role */
	u64 epoch;
	u64 lease_expires;		/* ktime_get_ns(); for a primary */
	u64 suspended;			/* fenced as primary in this epoch, 0: not */

	/* Immutable after creation. */
	u32 id;
	u32 node_id;
	struct tandem_addr vip;
	char name[TANDEM_GROUP_NAME_MAX];
};

struct tandem_member {
	struct list_head list;		/* in tandem_group.members */
	struct rcu_head rcu;
	struct tandem_group *group;
	struct tandem_peer *peer;	/* shared by the member's versions */
	u32 node_id;
	struct tandem_addr addr;
	u16 port;
	u8 priority;
	bool witness;
};

struct tandem_service {
	struct list_head list;		/* in tandem_group.services */
	struct hlist_node port_node;	/* in tandem_group.service_by_port */
	struct rcu_head rcu;
	struct tandem_group *group;
	u16 port;
	u32 max_lag_bytes;		/* 0: the group's */
	u32 max_lag_ms;			/* 0: the group's */
};

/*
 * Lookups, for the data path under rcu_read_lock() and for the control
 * plane under tn->lock.
 */
static inline struct tandem_group *tandem_group_lookup_id(struct tandem_net *tn,
							  u32 id)
{
	struct tandem_group *g;

	hash_for_each_possible_rcu(tn->group_by_id, g, id_node, id,
				   lockdep_is_held(&tn->lock))
		if (g->id == id)
			return g;
	return NULL;
}

static inline struct tandem_group *
tandem_group_lookup_vip(struct tandem_net *tn, const struct tandem_addr *vip)
{
	struct tandem_group *g;

	hash_for_each_possible_rcu(tn->group_by_vip, g, vip_node,
				   tandem_addr_hash(vip),
				   lockdep_is_held(&tn->lock))
		if (tandem_addr_equal(&g->vip, vip))
			return g;
	return NULL;
}

static inline struct tandem_member *
tandem_member_lookup_rcu(struct tandem_group *g, u32 node_id)
{
	struct tandem_member *m;

	list_for_each_entry_rcu(m, &g->members, list,
				lockdep_is_held(&g->tn->lock))
		if (m->node_id == node_id)
			return m;
	return NULL;
}

static inline struct tandem_service *
tandem_service_lookup(struct tandem_group *g, u16 port)
{
	struct tandem_service *s;

	hash_for_each_possible_rcu(g->service_by_port, s, port_node, port,
				   lockdep_is_held(&g->tn->lock))
		if (s->port == port)
			return s;
	return NULL;
}

/* Report a missing required attribute, with a message naming it. */
#define TANDEM_REQ_ATTR(extack, attrs, type) ({				\
	bool __missing = NL_REQ_ATTR_CHECK(extack, NULL, attrs, type);	\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(extack, "missing required attribute " #type); \
	__missing;							\
})

/* pernet.c */
extern unsigned int tandem_net_id;

/*
 * An epoch in the log as BALLOT.NODE, like the CLI and tandemd print it
 * (ballot << 32 | node id): pr_notice("epoch " TANDEM_EPOCH_FMT "\n",
 * tandem_epoch_ballot(epoch), tandem_epoch_node(epoch)).
 */
#define TANDEM_EPOCH_FMT "%llu.%u"

static inline u64 tandem_epoch_ballot(u64 epoch)
{
	return epoch >> 32;
}

static inline u32 tandem_epoch_node(u64 epoch)
{
	return (u32)epoch;
}

static inline struct tandem_net *tandem_net(const struct net *net)
{
	return net_generic(net, tandem_net_id);
}

void tandem_net_changed(struct tandem_net *tn);
int tandem_pernet_init(void);
void tandem_pernet_uninit(void);

/* netlink.c */
extern struct genl_family tandem_genl_family;
int tandem_netlink_init(void);
void tandem_netlink_uninit(void);
void tandem_nl_group_event(const struct tandem_group *g, u8 cmd);
void tandem_nl_member_event(const struct tandem_member *m, u8 cmd);
void tandem_nl_service_event(const struct tandem_service *s, u8 cmd);

/* group.c */
int tandem_group_init(void);
void tandem_group_uninit(void);
struct tandem_group *tandem_group_select(struct tandem_net *tn,
					 struct nlattr **attrs,
					 struct netlink_ext_ack *extack);
int tandem_group_new(struct tandem_net *tn, struct nlattr **attrs,
		     struct netlink_ext_ack *extack);
int tandem_group_set(struct tandem_group *g, struct nlattr **attrs,
		     struct netlink_ext_ack *extack);
int tandem_group_unlink(struct tandem_group *g,
			struct netlink_ext_ack *extack);
void tandem_group_destroy(struct tandem_group *g);
void tandem_groups_flush(struct tandem_net *tn);
int tandem_group_fill(struct sk_buff *skb, const struct tandem_group *g);

static inline struct tandem_group_cfg *
tandem_group_cfg_locked(const struct tandem_group *g)
{
	return rcu_dereference_protected(g->cfg, lockdep_is_held(&g->tn->lock));
}

/*
 * This node's role in @g (enum tandem_role), for the data path (any
 * context). Pairs with the smp_store_release() in group.c's set_role(),
 * which publishes a role after the epoch and lease expiry that go with it:
 * a reader that sees the role sees those (and the connections' state a
 * takeover or a fencing prepared) too. Code under tn->lock reads g->role.
 */
static inline u8 tandem_group_role(const struct tandem_group *g)
{
	/* Pairs with smp_store_release() in set_role() (group.c). */
	return smp_load_acquire(&g->role);
}

/* May this node emit from the VIP now? For the data path (any context). */
static inline bool tandem_group_is_live_primary(const struct tandem_group *g)
{
	return tandem_group_role(g) == TANDEM_ROLE_PRIMARY &&
	       ktime_get_ns() < READ_ONCE(g->lease_expires);
}

/* stats.c */
int tandem_stats_net_init(struct tandem_net *tn);
void tandem_stats_net_uninit(struct tandem_net *tn);
int tandem_stats_group_init(struct tandem_group *g);
void tandem_stats_group_free(struct tandem_group *g);
int tandem_stats_fill(struct sk_buff *skb,
		      const struct tandem_stats __percpu *stats);

/*
 * Count an event of the namespace, in any context. (A 32-bit reader may see
 * a torn value; this module is meant for 64-bit machines.)
 */
static inline void tandem_stats_add(struct tandem_net *tn,
				    enum tandem_stat id, u64 n)
{
	this_cpu_add(tn->stats->count[id], n);
}

static inline void tandem_stats_inc(struct tandem_net *tn, enum tandem_stat id)
{
	tandem_stats_add(tn, id, 1);
}

/* Count an event of a group: in the group's counters and its namespace's. */
static inline void tandem_group_stats_add(struct tandem_group *g,
					  enum tandem_stat id, u64 n)
{
	this_cpu_add(g->stats->count[id], n);
	tandem_stats_add(g->tn, id, n);
}

static inline void tandem_group_stats_inc(struct tandem_group *g,
					  enum tandem_stat id)
{
	tandem_group_stats_add(g, id, 1);
}

/* channel.c */
struct tandem_channel;

/* A channel built, to be published; replace: the group's changes. */
struct tandem_channel_change {
	bool replace;
	struct tandem_channel *chan;	/* NULL: none */
};

int tandem_channel_prepare(struct tandem_group *g,
			   const struct tandem_group_cfg *old,
			   const struct tandem_group_cfg *cfg,
			   struct tandem_channel_change *chg,
			   struct netlink_ext_ack *extack);
void tandem_channel_commit(struct tandem_group *g,
			   struct tandem_channel_change *chg);
void tandem_channel_abort(struct tandem_group *g,
			  struct tandem_channel_change *chg);
void tandem_channel_close(struct tandem_group *g);

/*
 * Sending, for the data path. A datagram of @type (enum tandem_wire_type)
 * with @body goes to member @to, or with @to NULL to every member that is
 * not a witness; the header and tag are added here. Any context (softirq
 * included; GFP_ATOMIC); call under rcu_read_lock() when passing a member.
 * Returns 0 if at least one datagram was sent (or there was no member to
 * send to), else a negative errno: -ENOTCONN (no replication address),
 * -ENOKEY (no key), -ENOMEM, or a routing error. Every datagram is
 * counted in TANDEM_STAT_CHAN_TX or TANDEM_STAT_CHAN_TX_ERRORS.
 */
int tandem_channel_send(struct tandem_group *g, const struct tandem_member *to,
			u8 type, const void *body, size_t len);
/*
 * The same; the body is @head then @len bytes of @pkt from @off, copied
 * once, into the datagram. @keep, if not NULL, is called with @arg and the
 * body as built (contiguous, in the datagram) before it leaves, once, if it
 * was built: the caller may copy it (the resend queue).
 */
typedef void (*tandem_channel_keep_t)(void *arg, const void *body, size_t len);
int tandem_channel_send_skb(struct tandem_group *g,
			    const struct tandem_member *to, u8 type,
			    const void *head, size_t hlen,
			    const struct sk_buff *pkt, int off, size_t len,
			    tandem_channel_keep_t keep, void *arg);

/* auth.c: the member side of the channel */
struct tandem_peer;
struct tandem_peer *tandem_peer_new(void);
void tandem_peer_free(struct tandem_peer *p);
void tandem_peer_heard(struct tandem_peer *p);
/* jiffies of the last authenticated datagram from the peer, 0: never */
unsigned long tandem_peer_last_heard(const struct tandem_peer *p);
int tandem_peer_fill(struct sk_buff *skb, const struct tandem_peer *p);

/* member.c */
int tandem_member_init(void);
void tandem_member_uninit(void);
struct tandem_member *tandem_member_select(struct tandem_group *g,
					   struct nlattr **attrs,
					   struct netlink_ext_ack *extack);
int tandem_member_new(struct tandem_group *g, struct nlattr **attrs,
		      struct netlink_ext_ack *extack);
int tandem_member_set(struct tandem_group *g, struct nlattr **attrs,
		      struct netlink_ext_ack *extack);
int tandem_member_del(struct tandem_group *g, struct nlattr **attrs,
		      struct netlink_ext_ack *extack);
void tandem_members_free(struct tandem_group *g);
int tandem_member_fill(struct sk_buff *skb, const struct tandem_member *m);

/* service.c */
int tandem_service_init(void);
void tandem_service_uninit(void);
struct tandem_service *tandem_service_select(struct tandem_group *g,
					     struct nlattr **attrs,
					     struct netlink_ext_ack *extack);
int tandem_service_new(struct tandem_group *g, struct nlattr **attrs,
		       struct netlink_ext_ack *extack);
int tandem_service_set(struct tandem_group *g, struct nlattr **attrs,
		       struct netlink_ext_ack *extack);
int tandem_service_del(struct tandem_group *g, struct nlattr **attrs,
		       struct netlink_ext_ack *extack);
void tandem_services_free(struct tandem_group *g);
int tandem_service_fill(struct sk_buff *skb, const struct tandem_service *s);

#endif /* _TANDEM_H */
