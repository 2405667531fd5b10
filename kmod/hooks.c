// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks of the data path, registered in every network namespace
 * (IPv4 for now). They do nothing unless a packet concerns a service of a
 * group's VIP, and nothing for a group without services:
 *  - PRE_ROUTING, TCP to VIP:service from the network: a live primary
 *    mirrors it (mirror.c); any other role drops it (counted), except what
 *    inject.c feeds to the stack itself.
 *  - LOCAL_OUT, TCP from VIP:service: a live primary translates and clamps
 *    it (mirror.c); a backup steals it (suppress.c); a fenced node steals and
 *    frees it. Loopback traffic is left alone. A RST from the VIP to any
 *    port is freed on any node but the live primary, also once the group
 *    has no service left: a mirrored segment already on its way into the
 *    stack when its service went away meets no socket there.
 *  - ARP: only a live primary answers ARP requests for the VIP or sends ARP
 *    from it.
 * IPv4 fragments are reassembled first (nf_defrag_ipv4).
 */

#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_ipv4.h>
#include <net/ip.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/tcp.h>

#include "datapath.h"

/* The group whose VIP is @addr (and that has services: @services), or NULL. */
static struct tandem_group *group_of(struct net *net, __be32 addr,
				     bool services)
{
	struct tandem_net *tn = tandem_net(net);
	struct tandem_group *g;
	struct tandem_addr vip;

	if (!READ_ONCE(tn->n_groups))
		return NULL;
	memset(&vip, 0, sizeof(vip));
	vip.family = AF_INET;
	vip.v4 = addr;
	g = tandem_group_lookup_vip(tn, &vip);
	if (!g || (services && !READ_ONCE(g->n_services)) || !g->dp)
		return NULL;
	return g;
}

/* A RST from the VIP of @g, which is not the live primary? */
static bool stray_rst(struct tandem_group *g, struct sk_buff *skb)
{
	unsigned int thoff = ip_hdrlen(skb);
	const struct tcphdr *th;

	if (tandem_group_is_live_primary(g) ||
	    !pskb_may_pull(skb, thoff + sizeof(*th)))
		return false;
	th = (const struct tcphdr *)(skb_network_header(skb) + thoff);
	return th->rst;
}

/* The TCP header of a service of @g in @skb (pulled), or NULL. */
static struct tcphdr *service_tcp(struct tandem_group *g, struct sk_buff *skb,
				  bool inbound)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int thoff = iph->ihl * 4;
	struct tcphdr *th;

	if (!pskb_may_pull(skb, thoff + sizeof(*th)))
		return NULL;
	th = (struct tcphdr *)(skb_network_header(skb) + thoff);
	if (th->doff < 5 || !pskb_may_pull(skb, thoff + th->doff * 4))
		return NULL;
	th = (struct tcphdr *)(skb_network_header(skb) + thoff);
	if (!tandem_service_lookup(g, ntohs(inbound ? th->dest : th->source)))
		return NULL;
	return th;
}

static unsigned int in_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct tandem_group *g;

	if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
		return NF_ACCEPT;
	g = group_of(state->net, iph->daddr, true);
	if (!g || (state->in && (state->in->flags & IFF_LOOPBACK)))
		return NF_ACCEPT;
	if (!service_tcp(g, skb, true))
		return NF_ACCEPT;
	if (tandem_injecting(skb))
		return NF_ACCEPT;
	if (tandem_group_is_live_primary(g)) {
		tandem_mirror_in(g, skb);
		return NF_ACCEPT;
	}
	tandem_group_stats_inc(g, TANDEM_STAT_NET_DROPPED);
	return NF_DROP;
}

static unsigned int out_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct dst_entry *dst = skb_dst(skb);
	struct tandem_group *g;

	if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
		return NF_ACCEPT;
	g = group_of(state->net, iph->saddr, false);
	if (!g || (dst && dst->dev && (dst->dev->flags & IFF_LOOPBACK)))
		return NF_ACCEPT;
	if (!READ_ONCE(g->n_services) || !service_tcp(g, skb, false)) {
		if (!stray_rst(g, skb))
			return NF_ACCEPT;
		tandem_group_stats_inc(g, TANDEM_STAT_FENCED_DROPPED);
		consume_skb(skb);
		return NF_STOLEN;
	}
	if (tandem_group_is_live_primary(g))
		return tandem_mirror_out(g, skb);
	if (tandem_group_role(g) == TANDEM_ROLE_BACKUP)
		return tandem_suppress_out(g, skb);
	tandem_group_stats_inc(g, TANDEM_STAT_FENCED_DROPPED);
	consume_skb(skb);
	return NF_STOLEN;
}

/* Ethernet/IPv4 ARP: the sender and target protocol addresses. */
static bool arp_addrs(struct sk_buff *skb, __be32 *sip, __be32 *tip, u16 *op)
{
	const struct arphdr *arp;
	const u8 *p;

	if (!pskb_may_pull(skb, sizeof(*arp) + 2 * (ETH_ALEN + 4)))
		return false;
	arp = arp_hdr(skb);
	if (arp->ar_pro != htons(ETH_P_IP) || arp->ar_hln != ETH_ALEN ||
	    arp->ar_pln != 4)
		return false;
	p = (const u8 *)(arp + 1);
	memcpy(sip, p + ETH_ALEN, 4);
	memcpy(tip, p + 2 * ETH_ALEN + 4, 4);
	*op = ntohs(arp->ar_op);
	return true;
}

static unsigned int arp_in_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct tandem_group *g;
	__be32 sip, tip;
	u16 op;

	if (!arp_addrs(skb, &sip, &tip, &op) || op != ARPOP_REQUEST)
		return NF_ACCEPT;
	g = group_of(state->net, tip, true);
	if (!g || tandem_group_is_live_primary(g))
		return NF_ACCEPT;
	/* A gratuitous ARP from the primary, seen by a backup, is fine. */
	if (sip == tip)
		return NF_ACCEPT;
	tandem_group_stats_inc(g, TANDEM_STAT_ARP_DROPPED);
	return NF_DROP;
}

static unsigned int arp_out_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct tandem_group *g;
	__be32 sip, tip;
	u16 op;

	if (!arp_addrs(skb, &sip, &tip, &op))
		return NF_ACCEPT;
	g = group_of(state->net, sip, true);
	if (!g || tandem_group_is_live_primary(g))
		return NF_ACCEPT;
	tandem_group_stats_inc(g, TANDEM_STAT_ARP_DROPPED);
	return NF_DROP;
}

static const struct nf_hook_ops hook_ops[] = {
	{
		.hook = in_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		/* After defragmentation, before conntrack sees wire space. */
		.priority = NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook = out_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		/* After conntrack, which saw local space. */
		.priority = NF_IP_PRI_LAST - 1,
	},
	{
		.hook = arp_in_hook,
		.pf = NFPROTO_ARP,
		.hooknum = NF_ARP_IN,
	},
	{
		.hook = arp_out_hook,
		.pf = NFPROTO_ARP,
		.hooknum = NF_ARP_OUT,
	},
};

/*
 * Fragments are reassembled before PRE_ROUTING's hook sees them (a client
 * segment sent in fragments would otherwise reach the stack unmirrored,
 * every time the client retransmits it).
 */
static int __net_init hooks_net_init(struct net *net)
{
	int ret;

	ret = nf_defrag_ipv4_enable(net);
	if (ret)
		return ret;
	ret = nf_register_net_hooks(net, hook_ops, ARRAY_SIZE(hook_ops));
	if (ret)
		nf_defrag_ipv4_disable(net);
	return ret;
}

static void __net_exit hooks_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, hook_ops, ARRAY_SIZE(hook_ops));
	nf_defrag_ipv4_disable(net);
}

static struct pernet_operations hooks_net_ops = {
	.init = hooks_net_init,
	.exit = hooks_net_exit,
};

int tandem_hooks_init(void)
{
	return register_pernet_subsys(&hooks_net_ops);
}

void tandem_hooks_uninit(void)
{
	unregister_pernet_subsys(&hooks_net_ops);
}
