/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An address as the API carries it (TANDEM_A_GROUP_VIP, _REPL_ADDR,
 * TANDEM_A_MEMBER_ADDR): IPv4 or IPv6, by the attribute's length.
 */
#ifndef _TANDEM_ADDR_H
#define _TANDEM_ADDR_H

#include <linux/in6.h>
#include <linux/socket.h>
#include <net/ipv6.h>
#include <net/netlink.h>

/* Family 0 means none. */
struct tandem_addr {
	sa_family_t family;
	union {
		__be32 v4;
		struct in6_addr v6;
	};
};

/* @nla is 4 or 16 bytes long (the policy's validation). */
static inline void tandem_addr_from_nla(struct tandem_addr *addr,
					const struct nlattr *nla)
{
	memset(addr, 0, sizeof(*addr));
	if (nla_len(nla) == sizeof(struct in_addr)) {
		addr->family = AF_INET;
		addr->v4 = nla_get_in_addr(nla);
	} else {
		addr->family = AF_INET6;
		addr->v6 = nla_get_in6_addr(nla);
	}
}

static inline int tandem_addr_put(struct sk_buff *skb, int type,
				  const struct tandem_addr *addr)
{
	if (addr->family == AF_INET)
		return nla_put_in_addr(skb, type, addr->v4);
	return nla_put_in6_addr(skb, type, &addr->v6);
}

static inline bool tandem_addr_equal(const struct tandem_addr *a,
				     const struct tandem_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	if (a->family == AF_INET6)
		return ipv6_addr_equal(&a->v6, &b->v6);
	return true;
}

static inline u32 tandem_addr_hash(const struct tandem_addr *a)
{
	if (a->family == AF_INET)
		return (__force u32)a->v4;
	return ipv6_addr_hash(&a->v6);
}

#endif /* _TANDEM_ADDR_H */
