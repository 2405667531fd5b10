// SPDX-License-Identifier: GPL-2.0
/*
 * The replication channel: authenticated UDP datagrams between the members
 * of a group (include/uapi/linux/tandem_wire.h).
 *
 * Sockets are plain kernel UDP sockets with an encap_rcv hook, set up here
 * rather than with udp_sock_create() and setup_udp_tunnel_sock(): those
 * live in udp_tunnel.ko, which insmod would not load for us, while what
 * they do takes a few lines of symbols the kernel itself exports. Sockets
 * are bound with IP_FREEBIND, so that a group may name its replication
 * address before the address is configured; binding then fails only when
 * the address and port are taken. Groups of a namespace that replicate on
 * the same address and port share one socket (struct tandem_endpoint).
 *
 * A group has a channel while it has a replication address. The channel
 * holds the socket and the group key's authenticator (auth.c, with the
 * group's MAC); without a key
 * nothing is sent and everything received is dropped as unauthenticated.
 * A primary sends a HEARTBEAT to its backups every HEARTBEAT_MS, and they
 * answer; every authenticated datagram from a member records when it was
 * last heard from.
 */

#include <crypto/algapi.h>
#include <linux/ktime.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "channel.h"
#include "datapath.h"

#define HEARTBEAT_MS 100
#define HDR_LEN sizeof(struct tandem_wire_hdr)
#define TAG_LEN TANDEM_WIRE_TAG_LEN
#define HEADROOM (MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr))

static int chan_rcv(struct sock *sk, struct sk_buff *skb);

/* Endpoints */

static int ep_bind(struct socket *sock, const struct tandem_addr *addr,
		   u16 port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};

	ip_sock_set_freebind(sock->sk);
	if (addr->family == AF_INET) {
		sin.sin_addr.s_addr = addr->v4;
		return kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	}
	sin6.sin6_addr = addr->v6;
	return kernel_bind(sock, (struct sockaddr *)&sin6, sizeof(sin6));
}

static int ep_open(struct tandem_endpoint *ep, struct netlink_ext_ack *extack)
{
	struct socket *sock;
	struct sock *sk;
	int ret;

	ret = sock_create_kern(ep->tn->net, ep->addr.family, SOCK_DGRAM,
			       IPPROTO_UDP, &sock);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot create the replication socket");
		return ret;
	}
	ret = ep_bind(sock, &ep->addr, ep->port);
	if (ret) {
		if (ret == -EADDRINUSE)
			NL_SET_ERR_MSG(extack, "replication address and port already in use by another socket");
		else
			NL_SET_ERR_MSG(extack, "cannot bind the replication socket to the replication address and port");
		sock_release(sock);
		return ret;
	}
	sk = sock->sk;
	rcu_assign_sk_user_data(sk, ep);
	udp_sk(sk)->encap_type = 1;
	udp_sk(sk)->encap_rcv = chan_rcv;
	udp_tunnel_encap_enable(sk);
	ep->sock = sock;
	return 0;
}

/* The endpoint for @addr and @port, shared or new. */
static struct tandem_endpoint *ep_get(struct tandem_net *tn,
				      const struct tandem_addr *addr, u16 port,
				      struct netlink_ext_ack *extack)
{
	struct tandem_endpoint *ep;
	int ret;

	lockdep_assert_held(&tn->lock);
	list_for_each_entry(ep, &tn->endpoints, list) {
		if (ep->port == port && tandem_addr_equal(&ep->addr, addr)) {
			ep->refs++;
			return ep;
		}
	}
	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep) {
		NL_SET_ERR_MSG(extack, "out of memory for the replication socket");
		return ERR_PTR(-ENOMEM);
	}
	ep->tn = tn;
	ep->addr = *addr;
	ep->port = port;
	ret = ep_open(ep, extack);
	if (ret) {
		kfree(ep);
		return ERR_PTR(ret);
	}
	ep->refs = 1;
	list_add(&ep->list, &tn->endpoints);
	return ep;
}

static void ep_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct tandem_endpoint, rcu));
}

/*
 * The last user closes the socket, once no sender can be using it: the
 * port is free again when the change that dropped it returns.
 */
static void ep_put(struct tandem_endpoint *ep)
{
	lockdep_assert_held(&ep->tn->lock);
	if (--ep->refs)
		return;
	list_del(&ep->list);
	rcu_assign_sk_user_data(ep->sock->sk, NULL);
	synchronize_rcu();
	kernel_sock_shutdown(ep->sock, SHUT_RDWR);
	sock_release(ep->sock);
	/* chan_rcv() may still be running on a datagram that came late. */
	call_rcu(&ep->rcu, ep_free_rcu);
}

/* Channels */

static void heartbeat(struct timer_list *t);

static bool same_channel(const struct tandem_group_cfg *a,
			 const struct tandem_group_cfg *b)
{
	return tandem_addr_equal(&a->repl_addr, &b->repl_addr) &&
	       a->repl_port == b->repl_port && a->has_key == b->has_key &&
	       a->mac == b->mac &&
	       !crypto_memneq(a->key, b->key, sizeof(a->key)) &&
	       a->has_key_alt == b->has_key_alt &&
	       a->key_alt_until == b->key_alt_until &&
	       !crypto_memneq(a->key_alt, b->key_alt, sizeof(a->key_alt));
}

/* The authenticators of the group key and of the alternate key, if set. */
static int chan_keys(struct tandem_channel *chan,
		     const struct tandem_group_cfg *cfg,
		     struct netlink_ext_ack *extack)
{
	struct tandem_auth *a;

	chan->mac = cfg->mac;
	if (cfg->has_key) {
		a = tandem_auth_new(cfg->mac, cfg->key);
		if (IS_ERR(a)) {
			NL_SET_ERR_MSG(extack, "cannot set up the MAC with the group key");
			return PTR_ERR(a);
		}
		chan->auth = a;
	}
	if (cfg->has_key_alt) {
		a = tandem_auth_new(cfg->mac, cfg->key_alt);
		if (IS_ERR(a)) {
			NL_SET_ERR_MSG(extack, "cannot set up the MAC with the alternate key");
			return PTR_ERR(a);
		}
		chan->alt = a;
		chan->alt_until = cfg->key_alt_until;
	}
	return 0;
}

/*
 * Builds the channel that @cfg calls for, when it is not the one @old
 * (NULL for a new group) had: its socket bound (or shared) and its key set.
 * Nothing is published: tandem_channel_commit() does it.
 */
int tandem_channel_prepare(struct tandem_group *g,
			   const struct tandem_group_cfg *old,
			   const struct tandem_group_cfg *cfg,
			   struct tandem_channel_change *chg,
			   struct netlink_ext_ack *extack)
{
	struct tandem_channel *chan;
	int ret;

	lockdep_assert_held(&g->tn->lock);
	chg->replace = !old || !same_channel(old, cfg);
	chg->chan = NULL;
	if (!chg->replace || !cfg->repl_addr.family)
		return 0;
	chan = kzalloc(sizeof(*chan), GFP_KERNEL_ACCOUNT);
	if (!chan) {
		NL_SET_ERR_MSG(extack, "out of memory for the replication channel");
		return -ENOMEM;
	}
	chan->group = g;
	timer_setup(&chan->heartbeat, heartbeat, 0);
	ret = chan_keys(chan, cfg, extack);
	if (ret)
		goto err_free;
	chan->ep = ep_get(g->tn, &cfg->repl_addr, cfg->repl_port, extack);
	if (IS_ERR(chan->ep)) {
		ret = PTR_ERR(chan->ep);
		goto err_free;
	}
	chg->chan = chan;
	return 0;

err_free:
	tandem_auth_free(chan->alt);
	tandem_auth_free(chan->auth);
	kfree(chan);
	return ret;
}

static void chan_free_rcu(struct rcu_head *rcu)
{
	struct tandem_channel *chan = container_of(rcu, struct tandem_channel,
						   rcu);

	tandem_auth_free(chan->alt);
	tandem_auth_free(chan->auth);
	kfree(chan);
}

static void chan_release(struct tandem_channel *chan)
{
	WRITE_ONCE(chan->closing, true);
	del_timer_sync(&chan->heartbeat);
	ep_put(chan->ep);
	call_rcu(&chan->rcu, chan_free_rcu);
}

/* Sequence numbers start at the real-time clock, and never go back. */
static void seq_forward(struct tandem_group *g)
{
	s64 now = ktime_get_real_ns(), cur = atomic64_read(&g->tx_seq);

	while (cur < now) {
		s64 seen = atomic64_cmpxchg(&g->tx_seq, cur, now);

		if (seen == cur)
			break;
		cur = seen;
	}
}

/* Publishes what tandem_channel_prepare() built; cannot fail. */
void tandem_channel_commit(struct tandem_group *g,
			   struct tandem_channel_change *chg)
{
	struct tandem_channel *old;

	if (!chg->replace)
		return;
	if (chg->chan)
		seq_forward(g);
	old = rcu_replace_pointer(g->chan, chg->chan,
				  lockdep_is_held(&g->tn->lock));
	if (chg->chan)
		mod_timer(&chg->chan->heartbeat,
			  jiffies + msecs_to_jiffies(HEARTBEAT_MS));
	if (old)
		chan_release(old);
}

/* Releases what tandem_channel_prepare() built, unpublished. */
void tandem_channel_abort(struct tandem_group *g,
			  struct tandem_channel_change *chg)
{
	lockdep_assert_held(&g->tn->lock);
	if (chg->chan)
		chan_release(chg->chan);
	chg->chan = NULL;
	chg->replace = false;
}

/* When the group is unlinked: its socket is released before this returns. */
void tandem_channel_close(struct tandem_group *g)
{
	struct tandem_channel_change chg = { .replace = true };

	tandem_channel_commit(g, &chg);
}

/* Sending */

/* A datagram of @type: header, @head, @len bytes of @pkt from @off, tag. */
static struct sk_buff *build(struct tandem_group *g,
			     const struct tandem_channel *chan, u8 type,
			     u16 flags, const void *head, size_t hlen,
			     const struct sk_buff *pkt, int off, size_t len)
{
	size_t dlen = HDR_LEN + hlen + len;
	struct tandem_wire_hdr *h;
	struct sk_buff *skb;

	if (dlen + TAG_LEN > 65000)
		return NULL;
	skb = alloc_skb(HEADROOM + dlen + TAG_LEN, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, HEADROOM);
	h = skb_put(skb, HDR_LEN);
	h->version = TANDEM_WIRE_VERSION;
	h->type = type;
	if (tandem_group_is_live_primary(g))
		flags |= TANDEM_WIRE_F_PRIMARY;
	h->flags = htons(flags | chan->mac << TANDEM_WIRE_F_MAC_SHIFT);
	h->group_id = htonl(g->id);
	h->sender = htonl(g->node_id);
	h->reserved = 0;
	h->epoch = cpu_to_be64(READ_ONCE(g->epoch));
	h->seq = cpu_to_be64(atomic64_inc_return(&g->tx_seq));
	skb_put_data(skb, head, hlen);
	if (len && skb_copy_bits(pkt, off, skb_put(skb, len), len))
		goto fail;
	if (tandem_auth_tag(chan->auth, skb->data, dlen, skb_put(skb, TAG_LEN)))
		goto fail;
	tandem_group_stats_inc(g, TANDEM_STAT_CHAN_TAGGED);
	return skb;
fail:
	kfree_skb(skb);
	return NULL;
}

static void push_udp(struct sk_buff *skb, const struct tandem_endpoint *ep,
		     const struct tandem_member *to)
{
	struct udphdr *uh;

	__skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh = udp_hdr(skb);
	uh->source = htons(ep->port);
	uh->dest = htons(to->port);
	uh->len = htons(skb->len);
	uh->check = 0;
}

static int xmit4(struct tandem_endpoint *ep, const struct tandem_member *to,
		 struct sk_buff *skb)
{
	struct net *net = ep->tn->net;
	struct flowi4 fl4 = {
		.daddr = to->addr.v4,
		.saddr = ep->addr.v4,
		.flowi4_proto = IPPROTO_UDP,
		.fl4_sport = htons(ep->port),
		.fl4_dport = htons(to->port),
	};
	struct rtable *rt;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return PTR_ERR(rt);
	}
	push_udp(skb, ep, to);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	udp_set_csum(false, skb, fl4.saddr, fl4.daddr, skb->len);
	iptunnel_xmit(ep->sock->sk, rt, skb, fl4.saddr, fl4.daddr, IPPROTO_UDP,
		      0, ip4_dst_hoplimit(&rt->dst), 0, false);
	return 0;
}

static int xmit6(struct tandem_endpoint *ep, const struct tandem_member *to,
		 struct sk_buff *skb)
{
	struct sock *sk = ep->sock->sk;
	struct net *net = ep->tn->net;
	struct flowi6 fl6 = {
		.daddr = to->addr.v6,
		.saddr = ep->addr.v6,
		.flowi6_proto = IPPROTO_UDP,
		.fl6_sport = htons(ep->port),
		.fl6_dport = htons(to->port),
	};
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;

	dst = ip6_dst_lookup_flow(net, sk, &fl6, NULL);
	if (IS_ERR(dst)) {
		kfree_skb(skb);
		return PTR_ERR(dst);
	}
	push_udp(skb, ep, to);
	udp6_set_csum(false, skb, &fl6.saddr, &fl6.daddr, skb->len);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	skb_dst_set(skb, dst);
	skb->ignore_df = 1;	/* a large datagram is fragmented */
	__skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = fl6.daddr;
	return ip6_local_out(net, sk, skb) < 0 ? -ENOBUFS : 0;
}

static int xmit(struct tandem_group *g, struct tandem_endpoint *ep,
		const struct tandem_member *to, struct sk_buff *skb)
{
	int ret;

	if (to->addr.family != ep->addr.family) {
		kfree_skb(skb);
		ret = -EAFNOSUPPORT;
	} else if (ep->addr.family == AF_INET) {
		ret = xmit4(ep, to, skb);
	} else {
		ret = xmit6(ep, to, skb);
	}
	tandem_group_stats_inc(g, ret ? TANDEM_STAT_CHAN_TX_ERRORS :
				   TANDEM_STAT_CHAN_TX);
	return ret;
}

/*
 * Builds one datagram and sends it to @to, or to every member that is no
 * witness. Returns how many were sent, or a negative errno if none was
 * (0: nobody to send to). Called with rcu_read_lock_bh() held.
 */
static int send_parts(struct tandem_group *g, const struct tandem_member *to,
		      u8 type, u16 flags, const void *head, size_t hlen,
		      const struct sk_buff *pkt, int off, size_t len,
		      tandem_channel_keep_t keep, void *arg)
{
	struct tandem_channel *chan = rcu_dereference_bh(g->chan);
	struct tandem_member *m, *prev = NULL;
	struct sk_buff *skb, *copy;
	int sent = 0, ret = 0;

	if (!chan || !chan->auth) {
		tandem_group_stats_inc(g, TANDEM_STAT_CHAN_TX_ERRORS);
		return chan ? -ENOKEY : -ENOTCONN;
	}
	skb = build(g, chan, type, flags, head, hlen, pkt, off, len);
	if (!skb) {
		tandem_group_stats_inc(g, TANDEM_STAT_CHAN_TX_ERRORS);
		return -ENOMEM;
	}
	if (keep)
		keep(arg, skb->data + HDR_LEN, hlen + len);
	if (to)
		return xmit(g, chan->ep, to, skb) ?: 1;
	/* Every destination but the last gets a copy. */
	list_for_each_entry_rcu(m, &g->members, list) {
		if (m->witness)
			continue;
		if (prev) {
			copy = skb_copy(skb, GFP_ATOMIC);
			tandem_group_stats_inc(g, TANDEM_STAT_CHAN_TX_COPIES);
			ret = copy ? xmit(g, chan->ep, prev, copy) : -ENOMEM;
			sent += !ret;
		}
		prev = m;
	}
	if (prev) {
		ret = xmit(g, chan->ep, prev, skb);
		sent += !ret;
	} else {
		consume_skb(skb);
	}
	return sent ?: ret;
}

int tandem_channel_send(struct tandem_group *g, const struct tandem_member *to,
			u8 type, const void *body, size_t len)
{
	int ret;

	rcu_read_lock_bh();
	ret = send_parts(g, to, type, 0, body, len, NULL, 0, 0, NULL, NULL);
	rcu_read_unlock_bh();
	return ret < 0 ? ret : 0;
}

int tandem_channel_send_skb(struct tandem_group *g,
			    const struct tandem_member *to, u8 type,
			    const void *head, size_t hlen,
			    const struct sk_buff *pkt, int off, size_t len,
			    tandem_channel_keep_t keep, void *arg)
{
	int ret;

	rcu_read_lock_bh();
	ret = send_parts(g, to, type, 0, head, hlen, pkt, off, len, keep, arg);
	rcu_read_unlock_bh();
	return ret < 0 ? ret : 0;
}

/* Heartbeats */

static int heartbeat_send(struct tandem_group *g,
			  const struct tandem_member *to, u16 flags,
			  __be64 echo)
{
	struct tandem_wire_heartbeat hb = {
		.time_ns = cpu_to_be64(ktime_get_ns()),
		.echo_ns = echo,
	};
	int ret;

	rcu_read_lock_bh();
	ret = send_parts(g, to, TANDEM_WIRE_HEARTBEAT, flags, &hb, sizeof(hb),
			 NULL, 0, 0, NULL, NULL);
	rcu_read_unlock_bh();
	if (ret > 0)
		tandem_group_stats_add(g, TANDEM_STAT_HEARTBEAT_TX, ret);
	return ret;
}

static void heartbeat(struct timer_list *t)
{
	struct tandem_channel *chan = from_timer(chan, t, heartbeat);

	if (tandem_group_is_live_primary(chan->group))
		heartbeat_send(chan->group, NULL, 0, 0);
	if (!READ_ONCE(chan->closing))
		mod_timer(&chan->heartbeat,
			  jiffies + msecs_to_jiffies(HEARTBEAT_MS));
}

static void heartbeat_rcv(struct tandem_group *g, struct tandem_member *from,
			  const struct tandem_wire_hdr *h, struct sk_buff *skb)
{
	const struct tandem_wire_heartbeat *hb = (const void *)skb->data;

	tandem_group_stats_inc(g, TANDEM_STAT_HEARTBEAT_RX);
	if (!(ntohs(h->flags) & TANDEM_WIRE_F_REPLY))
		heartbeat_send(g, from, TANDEM_WIRE_F_REPLY, hb->time_ns);
	consume_skb(skb);
}

/* Receiving */

/* The smallest body of each type. */
static const u16 body_min[__TANDEM_WIRE_MAX] = {
	[TANDEM_WIRE_SEGMENT] = sizeof(struct tandem_wire_segment),
	[TANDEM_WIRE_CONFIRM] = sizeof(struct tandem_wire_confirm),
	[TANDEM_WIRE_PROGRESS] = TANDEM_WIRE_PROGRESS_MIN,
	[TANDEM_WIRE_DIGEST] = sizeof(struct tandem_wire_digest),
	[TANDEM_WIRE_CLOSE] = sizeof(struct tandem_wire_close),
	[TANDEM_WIRE_HEARTBEAT] = sizeof(struct tandem_wire_heartbeat),
};

/* The roles of tandem_wire.h. */
static bool roles_fit(const struct tandem_group *g,
		      const struct tandem_wire_hdr *h)
{
	bool from_primary = ntohs(h->flags) & TANDEM_WIRE_F_PRIMARY;
	u8 role = tandem_group_role(g);

	switch (h->type) {
	case TANDEM_WIRE_SEGMENT:
	case TANDEM_WIRE_DIGEST:
	case TANDEM_WIRE_CLOSE:
		return from_primary && role == TANDEM_ROLE_BACKUP;
	case TANDEM_WIRE_HEARTBEAT:
		if (ntohs(h->flags) & TANDEM_WIRE_F_REPLY)
			return role == TANDEM_ROLE_PRIMARY &&
			       be64_to_cpu(h->epoch) == READ_ONCE(g->epoch);
		/* A fenced node's kernel is alive too: the primary hears it. */
		return from_primary && (role == TANDEM_ROLE_BACKUP ||
					role == TANDEM_ROLE_FENCED);
	default:
		return true;
	}
}

/*
 * Hands an authenticated datagram to its handler, which owns the skb (data
 * at the body, tag trimmed). Returns 0, or the counter of its drop.
 */
static enum tandem_stat dispatch(struct tandem_group *g,
				 struct tandem_member *from,
				 const struct tandem_wire_hdr *h,
				 struct sk_buff *skb)
{
	if (!roles_fit(g, h))
		return TANDEM_STAT_CHAN_DROP_ROLE;
	if (h->type <= TANDEM_WIRE_MAX && skb->len < body_min[h->type])
		return TANDEM_STAT_CHAN_DROP_SHORT;
	switch (h->type) {
	case TANDEM_WIRE_HEARTBEAT:
		heartbeat_rcv(g, from, h, skb);
		return 0;
	/* The data path's types come here. */
	case TANDEM_WIRE_SEGMENT:
		tandem_inject_rx_segment(g, from->node_id, skb->data, skb->len);
		consume_skb(skb);
		return 0;
	case TANDEM_WIRE_CONFIRM:
		tandem_mirror_rx_confirm(g, from->node_id, skb->data, skb->len);
		consume_skb(skb);
		return 0;
	case TANDEM_WIRE_PROGRESS:
		tandem_mirror_rx_progress(g, from->node_id, skb->data, skb->len);
		consume_skb(skb);
		return 0;
	case TANDEM_WIRE_CLOSE:
		tandem_inject_rx_close(g, from->node_id, skb->data, skb->len);
		consume_skb(skb);
		return 0;
	case TANDEM_WIRE_DIGEST:
		tandem_digest_rx(g, from->node_id, skb->data, skb->len);
		consume_skb(skb);
		return 0;
	default:
		return TANDEM_STAT_CHAN_DROP_TYPE;
	}
}

static struct tandem_member *sender(struct tandem_group *g,
				    const struct tandem_endpoint *ep,
				    const struct tandem_wire_hdr *h,
				    const struct sk_buff *skb)
{
	u16 port = ntohs(udp_hdr(skb)->source);
	u32 node = ntohl(h->sender);
	struct tandem_addr src = { .family = ep->addr.family };
	struct tandem_member *m;

	if (src.family == AF_INET)
		src.v4 = ip_hdr(skb)->saddr;
	else
		src.v6 = ipv6_hdr(skb)->saddr;
	list_for_each_entry_rcu(m, &g->members, list)
		if (m->node_id == node)
			return m->port == port &&
			       tandem_addr_equal(&m->addr, &src) ? m : NULL;
	return NULL;
}

/*
 * The tag of the @len bytes at @data (followed by the tag): verified under
 * the group key, or the alternate key until its deadline.
 */
static enum tandem_stat verify(const struct tandem_channel *chan,
			       const void *data, size_t len)
{
	const u8 *tag = (const u8 *)data + len;

	if (chan->auth && tandem_auth_verify(chan->auth, data, len, tag))
		return TANDEM_STAT_CHAN_AUTH_KEY;
	if (chan->alt && time_before(jiffies, chan->alt_until) &&
	    tandem_auth_verify(chan->alt, data, len, tag))
		return TANDEM_STAT_CHAN_AUTH_KEY_ALT;
	return TANDEM_STAT_CHAN_DROP_TAG;
}

/* A datagram from member @m failed authentication: say so, now and then. */
static void auth_failed(const struct tandem_group *g,
			const struct tandem_member *m,
			const struct sk_buff *skb)
{
	if (!net_ratelimit())
		return;
	if (m->addr.family == AF_INET)
		pr_notice("group %s: a datagram from node %u at %pI4:%u failed authentication (wrong key, altered, or no key to check it)\n",
			  g->name, m->node_id, &ip_hdr(skb)->saddr, m->port);
	else
		pr_notice("group %s: a datagram from node %u at [%pI6c]:%u failed authentication (wrong key, altered, or no key to check it)\n",
			  g->name, m->node_id, &ipv6_hdr(skb)->saddr, m->port);
}

static const char *const mac_names[] = {
	[TANDEM_MAC_HMAC_SHA256] = "hmac-sha256",
	[TANDEM_MAC_XCHACHA20_POLY1305] = "xchacha20-poly1305",
};

static const char *mac_name(unsigned int mac)
{
	return mac < ARRAY_SIZE(mac_names) ? mac_names[mac] : "unknown";
}

/* A datagram from member @m names another MAC: say so, now and then. */
static void mac_mismatch(const struct tandem_group *g,
			 const struct tandem_channel *chan,
			 const struct tandem_member *m, unsigned int mac)
{
	if (net_ratelimit())
		pr_notice("group %s: a datagram from node %u was refused: its MAC is %s (%u), the group's is %s (every member of a group must use the same MAC)\n",
			  g->name, m->node_id, mac_name(mac), mac,
			  mac_name(chan->mac));
}

/* After the group is known: sender, MAC, tag, epoch, replay, dispatch. */
static enum tandem_stat rcv_group(struct tandem_group *g,
				  const struct tandem_channel *chan,
				  struct sk_buff *skb)
{
	const struct tandem_wire_hdr *h = (const void *)skb->data;
	size_t dlen = skb->len - TAG_LEN;
	struct tandem_member *m;
	enum tandem_stat auth;
	unsigned int mac;
	u64 epoch;

	m = sender(g, chan->ep, h, skb);
	if (!m)
		return TANDEM_STAT_CHAN_DROP_SENDER;
	mac = TANDEM_WIRE_F_MAC(ntohs(h->flags));
	if (mac != chan->mac) {
		mac_mismatch(g, chan, m, mac);
		return TANDEM_STAT_CHAN_DROP_MAC;
	}
	auth = verify(chan, skb->data, dlen);
	if (auth == TANDEM_STAT_CHAN_DROP_TAG) {
		auth_failed(g, m, skb);
		return auth;
	}
	tandem_group_stats_inc(g, auth);
	epoch = be64_to_cpu(h->epoch);
	switch (tandem_replay_check(m->peer, epoch, be64_to_cpu(h->seq))) {
	case TANDEM_REPLAY_STALE:
		return TANDEM_STAT_CHAN_DROP_STALE;
	case TANDEM_REPLAY_DUP:
		return TANDEM_STAT_CHAN_DROP_REPLAY;
	case TANDEM_REPLAY_OK:
		break;
	}
	/*
	 * Heard, whatever its epoch: an old primary fenced by a stalled
	 * daemon answers the heartbeats in the epoch it knows, and the new
	 * primary waits for it as long as it is heard (resend.c).
	 */
	tandem_peer_heard(m->peer);
	if (epoch < READ_ONCE(g->epoch))
		return TANDEM_STAT_CHAN_DROP_STALE;
	__skb_trim(skb, dlen);
	__skb_pull(skb, HDR_LEN);
	return dispatch(g, m, h, skb);
}

static void rcv(struct tandem_endpoint *ep, struct sk_buff *skb)
{
	struct tandem_net *tn = ep->tn;
	const struct tandem_wire_hdr *h;
	struct tandem_channel *chan;
	struct tandem_group *g;
	enum tandem_stat drop;

	tandem_stats_inc(tn, TANDEM_STAT_CHAN_RX);
	if (skb_linearize(skb) ||
	    skb->len < sizeof(struct udphdr) + HDR_LEN + TAG_LEN) {
		drop = TANDEM_STAT_CHAN_DROP_SHORT;
		goto drop_net;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	h = (const void *)skb->data;
	if (h->version != TANDEM_WIRE_VERSION) {
		drop = TANDEM_STAT_CHAN_DROP_VERSION;
		goto drop_net;
	}
	g = tandem_group_lookup_id(tn, ntohl(h->group_id));
	chan = g ? rcu_dereference(g->chan) : NULL;
	if (!chan || chan->ep != ep) {
		drop = TANDEM_STAT_CHAN_DROP_GROUP;
		goto drop_net;
	}
	this_cpu_inc(g->stats->count[TANDEM_STAT_CHAN_RX]);
	drop = rcv_group(g, chan, skb);
	if (drop) {
		tandem_group_stats_inc(g, drop);
		kfree_skb(skb);
	}
	return;
drop_net:
	tandem_stats_inc(tn, drop);
	kfree_skb(skb);
}

/* encap_rcv of the channel sockets: every datagram is consumed. */
static int chan_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tandem_endpoint *ep;

	rcu_read_lock();
	ep = rcu_dereference_sk_user_data(sk);
	if (ep)
		rcv(ep, skb);
	else
		kfree_skb(skb);
	rcu_read_unlock();
	return 0;
}
