// SPDX-License-Identifier: GPL-2.0
/*
 * The connection table of a group: one entry per protected client
 * connection to a service of the VIP, keyed by client address, client port
 * and service port. Entries are created by the primary on a client SYN and
 * by a backup on a mirrored SYN, and live as long as the local socket does
 * (a GC work removes an entry whose socket is gone: closed, reset, out of
 * TIME_WAIT, or never created).
 *
 * Memory per connection: one object of the kmem cache "tandem_conn"
 * (sizeof(struct tandem_conn), see docs/datapath.md) plus about one bucket
 * pointer of the rhashtable.
 */

#include <net/inet_hashtables.h>
#include <net/tcp.h>

#include "datapath.h"

#define GC_INTERVAL (HZ / 2)
#define GC_GRACE (2 * HZ)	/* a new entry may not have a socket yet */

static struct kmem_cache *conn_cache;
static struct workqueue_struct *dp_wq;

static const struct rhashtable_params conn_params = {
	.key_len = sizeof(struct tandem_wire_conn),
	.key_offset = offsetof(struct tandem_conn, key),
	.head_offset = offsetof(struct tandem_conn, node),
	.automatic_shrinking = true,
};

void tandem_conn_key_v4(struct tandem_wire_conn *key, __be32 caddr,
			__be16 cport, __be16 vport)
{
	memset(key, 0, sizeof(*key));
	put_unaligned(caddr, (__be32 *)key->caddr);
	key->cport = cport;
	key->vport = vport;
}

struct tandem_conn *tandem_conn_lookup(struct tandem_dp *dp,
				       const struct tandem_wire_conn *key)
{
	return rhashtable_lookup(&dp->conns, key, conn_params);
}

/* The state of a new connection on the entry's 4-tuple. */
static void conn_start(struct tandem_conn *c)
{
	c->dg.own.r.size = TANDEM_DIGESTS_OWN;
	c->dg.peer.r.size = TANDEM_DIGESTS_PEER;
	c->state = TANDEM_CONN_STATE_SYN;
	c->created = jiffies;
	c->last_seen = c->created;
}

/*
 * A SYN reused the 4-tuple of @c for a new connection (accept.c): nothing
 * of the old one may carry over (ISNs, deltas, peers, digests, copies).
 * The timer may still fire: it finds nothing to do.
 */
void tandem_conn_reinit(struct tandem_conn *c)
{
	lockdep_assert_held(&c->lock);
	kfree_skb(c->held);
	tandem_resend_purge(c);
	memset(&c->inc, 0, sizeof(c->inc));
	conn_start(c);
}

/* Returns the existing entry if one won a race; NULL at the limit. */
struct tandem_conn *tandem_conn_create(struct tandem_dp *dp,
				       const struct tandem_wire_conn *key)
{
	struct tandem_group_cfg *cfg = rcu_dereference(dp->group->cfg);
	struct tandem_conn *c, *old;

	if (READ_ONCE(dp->dying))
		return NULL;
	if (atomic_inc_return(&dp->n_conns) > cfg->max_conns) {
		atomic_dec(&dp->n_conns);
		return NULL;
	}
	c = kmem_cache_zalloc(conn_cache, GFP_ATOMIC);
	if (!c) {
		atomic_dec(&dp->n_conns);
		return NULL;
	}
	c->key = *key;
	c->dp = dp;
	spin_lock_init(&c->lock);
	__skb_queue_head_init(&c->rq);
	timer_setup(&c->timer, tandem_conn_timer, 0);
	conn_start(c);
	old = rhashtable_lookup_get_insert_fast(&dp->conns, &c->node,
						conn_params);
	if (old || IS_ERR(old)) {
		kmem_cache_free(conn_cache, c);
		atomic_dec(&dp->n_conns);
		return IS_ERR(old) ? NULL : old;
	}
	return c;
}

static void conn_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(conn_cache, container_of(rcu, struct tandem_conn, rcu));
}

/* Unlinks @c (once) and frees it after a grace period. */
void tandem_conn_remove(struct tandem_conn *c)
{
	struct tandem_dp *dp = c->dp;
	struct sk_buff *held;

	spin_lock_bh(&c->lock);
	if (c->dead) {
		spin_unlock_bh(&c->lock);
		return;
	}
	c->dead = 1;
	held = c->held;
	c->held = NULL;
	spin_unlock_bh(&c->lock);
	kfree_skb(held);
	del_timer_sync(&c->timer);
	spin_lock_bh(&c->lock);
	tandem_resend_purge(c);
	spin_unlock_bh(&c->lock);
	rhashtable_remove_fast(&dp->conns, &c->node, conn_params);
	atomic_dec(&dp->n_conns);
	call_rcu(&c->rcu, conn_free_rcu);
}

struct tandem_conn_peer *tandem_conn_peer(struct tandem_conn *c, u32 node_id,
					  bool create)
{
	struct tandem_conn_peer *free = NULL;
	int i;

	lockdep_assert_held(&c->lock);
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++) {
		if (c->peers[i].node_id == node_id)
			return &c->peers[i];
		if (!c->peers[i].node_id && !free)
			free = &c->peers[i];
	}
	if (!create || !free)
		return NULL;
	memset(free, 0, sizeof(*free));
	free->node_id = node_id;
	return free;
}

/* The local socket of @c, referenced (sock_gen_put() it), or NULL. */
struct sock *tandem_conn_sock(struct tandem_conn *c)
{
	struct tandem_group *g = c->dp->group;
	struct net *net = g->tn->net;
	struct sock *sk;

	if (g->vip.family != AF_INET)
		return NULL;
	rcu_read_lock();
	sk = inet_lookup_established(net, net->ipv4.tcp_death_row.hashinfo,
				     tandem_conn_caddr4(&c->key), c->key.cport,
				     g->vip.v4, c->key.vport, 0);
	rcu_read_unlock();
	return sk;
}

static bool conn_stale(struct tandem_conn *c)
{
	struct sock *sk;

	if (time_before(jiffies, READ_ONCE(c->last_seen) + GC_GRACE))
		return false;
	sk = tandem_conn_sock(c);
	if (!sk)
		return true;
	sock_gen_put(sk);
	return false;
}

/*
 * Resets a connection a new primary found diverged from what the client
 * received (digest.c; its output is stolen meanwhile). Then: is @c stale?
 */
static bool gc_one(struct tandem_conn *c)
{
	struct sock *sk;

	if (READ_ONCE(c->flags) & TANDEM_CONN_F_KILL) {
		sk = tandem_conn_sock(c);
		if (sk && sk_fullsock(sk)) {
			tcp_abort(sk, ECONNRESET);
			tandem_group_stats_inc(c->dp->group, TANDEM_STAT_DIVERGED_RESET);
		}
		if (sk)
			sock_gen_put(sk);
	}
	return conn_stale(c);
}

/* Removes the entries for which @doomed (NULL: all) returns true. */
static void remove_if(struct tandem_dp *dp,
		      bool (*doomed)(struct tandem_conn *c))
{
	struct rhashtable_iter iter;
	struct tandem_conn *c;

	rhashtable_walk_enter(&dp->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c) || (doomed && !doomed(c)))
			continue;
		rhashtable_walk_stop(&iter);
		tandem_conn_remove(c);
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/*
 * The walks made under tn->lock (takeover.c) use entries outside RCU:
 * entries are freed only under that lock, or once the group is gone.
 */
static void gc_work(struct work_struct *work)
{
	struct tandem_dp *dp = container_of(to_delayed_work(work),
					    struct tandem_dp, gc_work);
	struct tandem_net *tn = dp->group->tn;

	if (mutex_trylock(&tn->lock)) {
		remove_if(dp, gc_one);
		mutex_unlock(&tn->lock);
	}
	if (!READ_ONCE(dp->dying))
		schedule_delayed_work(&dp->gc_work, GC_INTERVAL);
}

/* Runs the GC now (a connection waits for its reset). Any context. */
void tandem_conn_gc_now(struct tandem_dp *dp)
{
	if (!READ_ONCE(dp->dying))
		mod_delayed_work(system_wq, &dp->gc_work, 0);
}

int tandem_conns_init(struct tandem_group *g)
{
	struct tandem_dp *dp;
	int ret;

	dp = kzalloc(sizeof(*dp), GFP_KERNEL);
	if (!dp)
		return -ENOMEM;
	ret = rhashtable_init(&dp->conns, &conn_params);
	if (ret) {
		kfree(dp);
		return ret;
	}
	dp->group = g;
	INIT_DELAYED_WORK(&dp->gc_work, gc_work);
	INIT_DELAYED_WORK(&dp->garp_work, tandem_garp_work);
	schedule_delayed_work(&dp->gc_work, GC_INTERVAL);
	g->dp = dp;
	return 0;
}

/* Entries are removed by tandem_conns_destroy(); this is for safety. */
static void conn_free_now(void *ptr, void *arg)
{
	struct tandem_conn *c = ptr;

	c->dead = 1;
	del_timer_sync(&c->timer);
	kfree_skb(c->held);
	spin_lock_bh(&c->lock);
	tandem_resend_purge(c);
	spin_unlock_bh(&c->lock);
	kmem_cache_free(conn_cache, c);
}

static void dp_free_work(struct work_struct *work)
{
	struct tandem_dp *dp = container_of(to_rcu_work(work),
					    struct tandem_dp, free_work);

	rhashtable_free_and_destroy(&dp->conns, conn_free_now, NULL);
	call_rcu(&dp->group->rcu, dp->free_group);
	kfree(dp);
}

/*
 * After the group is unlinked: once no packet can reach the table any
 * more (a grace period), frees it and its entries, then the group with
 * @free_group (an RCU callback).
 */
void tandem_conns_destroy(struct tandem_group *g, rcu_callback_t free_group)
{
	struct tandem_dp *dp = g->dp;

	might_sleep();
	if (!dp) {
		call_rcu(&g->rcu, free_group);
		return;
	}
	WRITE_ONCE(dp->dying, true);
	cancel_delayed_work_sync(&dp->gc_work);
	cancel_delayed_work_sync(&dp->garp_work);
	/*
	 * No hook or datagram finds the group after a grace period; then every
	 * entry's timer is stopped and its skbs freed here, before the caller
	 * may free what the timers use (the namespace's counters at its exit).
	 */
	synchronize_net();
	remove_if(dp, NULL);
	dp->free_group = free_group;
	INIT_RCU_WORK(&dp->free_work, dp_free_work);
	queue_rcu_work(dp_wq, &dp->free_work);
}

/* Members that never confirmed are not protecting @c. */
static void drop_unconfirmed(struct tandem_conn *c, struct tandem_group *g)
{
	struct tandem_conn_peer *p;
	struct tandem_member *m;

	lockdep_assert_held(&c->lock);
	rcu_read_lock();
	list_for_each_entry_rcu(m, &g->members, list) {
		if (m->witness)
			continue;
		p = tandem_conn_peer(c, m->node_id, true);
		if (p && tandem_protect_syn_timeout(p))
			tandem_group_stats_inc(g, TANDEM_STAT_SYN_TIMEOUT);
	}
	rcu_read_unlock();
}

/*
 * Sends the held SYN-ACK, if this node may still emit from the VIP: a node
 * fenced or demoted meanwhile drops it (the client retransmits its SYN to
 * whoever is primary then).
 */
void tandem_conn_release_held(struct tandem_conn *c)
{
	struct tandem_group *g = c->dp->group;
	struct sk_buff *skb;

	spin_lock_bh(&c->lock);
	skb = c->held;
	c->held = NULL;
	c->flags &= ~TANDEM_CONN_F_HELD;
	spin_unlock_bh(&c->lock);
	if (!skb)
		return;
	if (!tandem_group_is_live_primary(g)) {
		tandem_group_stats_inc(g, TANDEM_STAT_FENCED_DROPPED);
		kfree_skb(skb);
		return;
	}
	rcu_read_lock();
	skb_dst(skb)->output(c->dp->group->tn->net, skb->sk, skb);
	rcu_read_unlock();
}

unsigned long tandem_conn_syn_deadline(struct tandem_conn *c,
				       struct tandem_group *g)
{
	unsigned long ms;

	rcu_read_lock();
	ms = rcu_dereference(g->cfg)->syn_timeout_ms;
	rcu_read_unlock();
	return c->created + msecs_to_jiffies(ms);
}

/*
 * The connection's timer (c->timer): the end of a SYN-ACK hold, a retried
 * ACK kick, an ACK template to re-apply (backup), resends.
 */
void tandem_conn_timer(struct timer_list *t)
{
	struct tandem_conn *c = from_timer(c, t, timer);
	struct tandem_group *g = c->dp->group;
	bool release = false, kick, reapply;

	spin_lock_bh(&c->lock);
	if (c->held &&
	    time_after_eq(jiffies, tandem_conn_syn_deadline(c, g))) {
		drop_unconfirmed(c, g);
		release = true;
	} else if (c->held && !c->dead) {
		timer_reduce(&c->timer, tandem_conn_syn_deadline(c, g));
	}
	kick = c->flags & TANDEM_CONN_F_KICK;
	reapply = c->flags & TANDEM_CONN_F_REAPPLY;
	c->flags &= ~(TANDEM_CONN_F_KICK | TANDEM_CONN_F_REAPPLY);
	spin_unlock_bh(&c->lock);
	if (release)
		tandem_conn_release_held(c);
	if (kick)
		tandem_kick_ack(c);
	if (reapply)
		tandem_inject_reapply(c);
	if (tandem_resend_pending(c))
		tandem_resend_tick(c);
}

/*
 * Notes a client segment that TCP will accept (accept.c; on a backup, what
 * the primary mirrored). @ts_clock: the wire TSval clock now; the client
 * cannot echo a TSval beyond it.
 */
void tandem_conn_note_in(struct tandem_conn *c, const struct tcphdr *th,
			 u32 ts_clock)
{
	u32 tsval, tsecr;
	int ws;

	lockdep_assert_held(&c->lock);
	c->last_seen = jiffies;
	if (th->rst)
		c->state = TANDEM_CONN_STATE_CLOSED;
	else if (th->fin && c->state < TANDEM_CONN_STATE_CLOSING)
		c->state = TANDEM_CONN_STATE_CLOSING;
	else if (th->ack && c->state == TANDEM_CONN_STATE_SYN)
		c->state = TANDEM_CONN_STATE_ESTABLISHED;
	if (th->ack && !th->syn && (!(c->flags & TANDEM_CONN_F_CACK) ||
				    after(ntohl(th->ack_seq), c->cl.max_cack))) {
		c->cl.max_cack = ntohl(th->ack_seq);
		c->flags |= TANDEM_CONN_F_CACK;
	}
	if (th->syn && !th->ack) {
		c->cl.isn = ntohl(th->seq);
		c->flags |= TANDEM_CONN_F_CISN;
		ws = tandem_tcp_wscale(th);
		if (ws >= 0) {
			c->flags |= TANDEM_CONN_F_WS;
			c->cl.wscale = ws;
		}
	} else if (!th->syn) {
		c->cl.win = (u32)ntohs(th->window) <<
			  ((c->flags & TANDEM_CONN_F_WS) ? c->cl.wscale : 0);
	}
	if (!tandem_tcp_ts(th, &tsval, &tsecr) || after(tsecr, ts_clock))
		return;
	if (th->ack && (c->flags & TANDEM_CONN_F_TS) &&
	    (!(c->flags & TANDEM_CONN_F_TSECR) || after(tsecr, c->cl.max_tsecr))) {
		c->cl.max_tsecr = tsecr;
		c->flags |= TANDEM_CONN_F_TSECR;
	}
}

/* The CONFIRM of this node's copy of @c, with @flags (TANDEM_WIRE_CONFIRM_F_*). */
void tandem_conn_confirm_body(struct tandem_conn *c,
			      struct tandem_wire_confirm *cb, u8 flags)
{
	memset(cb, 0, sizeof(*cb));
	cb->conn = c->key;
	spin_lock_bh(&c->lock);
	cb->local_isn = htonl(c->local_isn);
	cb->wscale = c->wscale;
	cb->has_ts = !!(c->flags & TANDEM_CONN_F_LTS);
	spin_unlock_bh(&c->lock);
	cb->flags = flags;
}

/* Dump (TANDEM_CMD_CONN_GET, netlink.c) */

static int fill_peer(struct sk_buff *skb, const struct tandem_conn_peer *p,
		     u32 rcv_nxt, bool have_rcv)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, TANDEM_A_CONN_PEER);
	if (!nest ||
	    nla_put_u32(skb, TANDEM_A_CONN_PEER_NODE_ID, p->node_id) ||
	    nla_put_u8(skb, TANDEM_A_CONN_PEER_STATE, tandem_protect_state(p)) ||
	    nla_put_u32(skb, TANDEM_A_CONN_PEER_LAG_BYTES,
			have_rcv && p->rcv_nxt && after(rcv_nxt, p->rcv_nxt) ?
			rcv_nxt - p->rcv_nxt : 0))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* A connection's attributes, for a dump (netlink.c). Under tn->lock. */
int tandem_conn_fill(struct sk_buff *skb, struct tandem_conn *c)
{
	struct tandem_group *g = c->dp->group;
	struct tandem_conn_peer peers[TANDEM_MEMBERS_MAX];
	bool have_rcv = false;
	u32 flags = 0, rcv_nxt = 0, queued;
	struct sock *sk;
	u8 state;
	int i;

	sk = tandem_conn_sock(c);
	if (sk) {
		if (sk_fullsock(sk)) {
			rcv_nxt = READ_ONCE(tcp_sk(sk)->rcv_nxt);
			have_rcv = true;
		}
		sock_gen_put(sk);
	}
	spin_lock_bh(&c->lock);
	state = c->state;
	if (c->flags & TANDEM_CONN_F_DIVERGED)
		flags |= TANDEM_CONN_DIVERGED;
	if ((c->flags & TANDEM_CONN_F_UNPROT) ||
	    !(c->flags & TANDEM_CONN_F_ISN) || !(c->flags & TANDEM_CONN_F_LOCAL))
		flags |= TANDEM_CONN_UNPROTECTED;
	else if (READ_ONCE(g->suspended))
		flags |= TANDEM_CONN_SUSPENDED;
	if (c->flags & TANDEM_CONN_F_HELD)
		flags |= TANDEM_CONN_HELD;
	memcpy(peers, c->peers, sizeof(peers));
	queued = c->rs.bytes;
	spin_unlock_bh(&c->lock);

	if (nla_put_string(skb, TANDEM_A_GROUP_NAME, g->name) ||
	    nla_put_u32(skb, TANDEM_A_GROUP_ID, g->id) ||
	    (g->vip.family == AF_INET ?
	     nla_put_in_addr(skb, TANDEM_A_CONN_CLIENT_ADDR,
			     tandem_conn_caddr4(&c->key)) :
	     nla_put(skb, TANDEM_A_CONN_CLIENT_ADDR,
		     sizeof(c->key.caddr), c->key.caddr)) ||
	    nla_put_u16(skb, TANDEM_A_CONN_CLIENT_PORT, ntohs(c->key.cport)) ||
	    nla_put_u16(skb, TANDEM_A_CONN_PORT, ntohs(c->key.vport)) ||
	    nla_put_u8(skb, TANDEM_A_CONN_STATE, state) ||
	    nla_put_u32(skb, TANDEM_A_CONN_FLAGS, flags) ||
	    nla_put_u32(skb, TANDEM_A_CONN_AGE_MS,
			jiffies_to_msecs(jiffies - c->created)) ||
	    nla_put_u32(skb, TANDEM_A_CONN_QUEUED_BYTES, queued))
		return -EMSGSIZE;
	for (i = 0; i < TANDEM_MEMBERS_MAX; i++)
		if (peers[i].node_id &&
		    fill_peer(skb, &peers[i], rcv_nxt, have_rcv))
			return -EMSGSIZE;
	return 0;
}

/*
 * Calls @fn for the entries of @g from position *@pos on, moving *@pos
 * past each for which it returns 0; returns what @fn returned first that
 * was not 0, or 0. Under tn->lock, which keeps the table.
 */
int tandem_conns_walk(struct tandem_group *g, unsigned int *pos,
		      int (*fn)(struct tandem_conn *c, void *arg), void *arg)
{
	struct rhashtable_iter iter;
	struct tandem_conn *c;
	unsigned int i = 0;
	int ret = 0;

	lockdep_assert_held(&g->tn->lock);
	if (!g->dp)
		return 0;
	rhashtable_walk_enter(&g->dp->conns, &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c))
			continue;
		if (i++ < *pos)
			continue;
		ret = fn(c, arg);
		if (ret)
			break;
		*pos = i;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return ret;
}

int tandem_conn_init(void)
{
	conn_cache = KMEM_CACHE(tandem_conn, 0);
	if (!conn_cache)
		return -ENOMEM;
	dp_wq = alloc_workqueue("tandem_dp", 0, 0);
	if (!dp_wq) {
		kmem_cache_destroy(conn_cache);
		return -ENOMEM;
	}
	return 0;
}

/* After every group was destroyed and an rcu_barrier(). */
void tandem_conn_uninit(void)
{
	destroy_workqueue(dp_wq);	/* the tables' releases */
	rcu_barrier();			/* and the groups' they queued */
	kmem_cache_destroy(conn_cache);
}
