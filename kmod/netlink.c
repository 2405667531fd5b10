// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "tandem", specified in include/uapi/linux/tandem.h.
 *
 * Behaviour the header leaves to the implementation:
 *  - The netlink header is validated strictly: nlmsg_flags may carry only
 *    NLM_F_REQUEST, NLM_F_ACK, NLM_F_ECHO and NLM_F_DUMP (no NLM_F_CREATE,
 *    NLM_F_EXCL or NLM_F_REPLACE), and genlmsghdr.reserved must be 0.
 *  - An error found by a dump (a selector naming no group, an attribute
 *    that a dump does not take) arrives as the negative errno carried by
 *    NLMSG_DONE, with the extended ACK message attached.
 *  - Deleting a group multicasts TANDEM_CMD_MEMBER_DEL for each of its
 *    members, then TANDEM_CMD_GROUP_DEL.
 *  - Asking for TANDEM_ROLE_PRIMARY in the current epoch, by a node that is
 *    not already primary in it, is refused with -ESTALE.
 *  - Subscribing to the events group requires CAP_NET_ADMIN too.
 *  - If an event cannot be allocated, listeners get ENOBUFS on their socket
 *    (as on overrun) and should dump again.
 */

#include <linux/moduleparam.h>
#include <linux/stringify.h>

#include "datapath.h"

enum { MCGRP_EVENTS };

/* Attribute checks beyond type and length, with a message for each. */

#define BAD(msg) do {						\
	NL_SET_ERR_MSG_ATTR(extack, nla, msg);			\
	return -EINVAL;						\
} while (0)

#define BAD_ADDR(what) do {						\
	switch (nla_type(nla)) {					\
	case TANDEM_A_GROUP_VIP:					\
		BAD("VIP " what);					\
	case TANDEM_A_GROUP_REPL_ADDR:					\
		BAD("replication address " what);			\
	default:							\
		BAD("member address " what);				\
	}								\
} while (0)

static bool between(u32 v, u32 lo, u32 hi)
{
	return v >= lo && v <= hi;
}

static int validate_name(const struct nlattr *nla,
			 struct netlink_ext_ack *extack)
{
	const char *name = nla_data(nla);
	int len = nla_len(nla), i;

	/* The policy guarantees a NUL in the payload. */
	if (strnlen(name, len) != len - 1)
		BAD("group name has bytes after its terminating NUL");
	if (len == 1)
		BAD("group name is empty");
	if (len > TANDEM_GROUP_NAME_MAX)
		BAD("group name is longer than 31 characters");
	for (i = 0; i < len - 1; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != '-')
			BAD("group name may contain only A-Z a-z 0-9 _ . -");
	}
	return 0;
}

static int validate_addr(const struct nlattr *nla,
			 struct netlink_ext_ack *extack)
{
	struct tandem_addr a;

	if (nla_len(nla) != sizeof(struct in_addr) &&
	    nla_len(nla) != sizeof(struct in6_addr))
		BAD_ADDR("must be 4 (IPv4) or 16 (IPv6) bytes");
	tandem_addr_from_nla(&a, nla);
	if (a.family == AF_INET) {
		if (ipv4_is_zeronet(a.v4))
			BAD_ADDR("must not be unspecified (0.0.0.0/8)");
		if (ipv4_is_loopback(a.v4))
			BAD_ADDR("must not be loopback");
		if (ipv4_is_multicast(a.v4))
			BAD_ADDR("must not be multicast");
		if (ipv4_is_lbcast(a.v4))
			BAD_ADDR("must not be broadcast");
	} else {
		if (ipv6_addr_any(&a.v6))
			BAD_ADDR("must not be unspecified (::)");
		if (ipv6_addr_loopback(&a.v6))
			BAD_ADDR("must not be loopback");
		if (ipv6_addr_is_multicast(&a.v6))
			BAD_ADDR("must not be multicast");
		if (ipv6_addr_v4mapped(&a.v6))
			BAD_ADDR("must not be IPv4-mapped: give the 4-byte IPv4 address");
	}
	return 0;
}

/* For the binary and string attributes, called by the policy. */
static int validate_attr(const struct nlattr *nla,
			 struct netlink_ext_ack *extack)
{
	switch (nla_type(nla)) {
	case TANDEM_A_GROUP_NAME:
		return validate_name(nla, extack);
	case TANDEM_A_GROUP_VIP:
	case TANDEM_A_GROUP_REPL_ADDR:
	case TANDEM_A_MEMBER_ADDR:
		return validate_addr(nla, extack);
	case TANDEM_A_GROUP_KEY:
		if (nla_len(nla) != TANDEM_KEY_LEN)
			BAD("key must be exactly " __stringify(TANDEM_KEY_LEN) " bytes");
		break;
	}
	return 0;
}

/*
 * For the integer attributes, called before a request is acted on. (A
 * validation function in the policy of an integer attribute upsets the
 * policy dump of 6.1, which an extended ACK may carry.)
 */
static int validate_int(const struct nlattr *nla,
			struct netlink_ext_ack *extack)
{
	switch (nla_type(nla)) {
	case TANDEM_A_GROUP_ID:
		if (!nla_get_u32(nla))
			BAD("group id must be nonzero");
		break;
	case TANDEM_A_GROUP_NODE_ID:
		if (!nla_get_u32(nla))
			BAD("node id must be nonzero");
		break;
	case TANDEM_A_GROUP_REPL_PORT:
		if (!nla_get_u16(nla))
			BAD("replication port must be nonzero");
		break;
	case TANDEM_A_GROUP_ROLE:
		if (!between(nla_get_u8(nla), TANDEM_ROLE_FENCED, TANDEM_ROLE_MAX))
			BAD("role must be 1 (fenced), 2 (backup) or 3 (primary)");
		break;
	case TANDEM_A_GROUP_LEASE_MS:
		if (!between(nla_get_u32(nla), 1, TANDEM_LEASE_MAX_MS))
			BAD("lease must be 1..3600000 ms");
		break;
	case TANDEM_A_GROUP_SYN_TIMEOUT_MS:
		if (!between(nla_get_u32(nla), 1, 60000))
			BAD("SYN timeout must be 1..60000 ms");
		break;
	case TANDEM_A_GROUP_MAX_LAG_BYTES:
		if (!between(nla_get_u32(nla), 4096, 1U << 30))
			BAD("maximum lag must be 4096..1073741824 bytes");
		break;
	case TANDEM_A_GROUP_MAX_LAG_MS:
		if (!between(nla_get_u32(nla), 1, 600000))
			BAD("maximum lag must be 1..600000 ms");
		break;
	case TANDEM_A_GROUP_MAX_CONNS:
		if (!between(nla_get_u32(nla), 1, TANDEM_CONNS_MAX))
			BAD("maximum connections must be 1..1048576");
		break;
	case TANDEM_A_GROUP_GARP_COUNT:
		if (nla_get_u8(nla) > 100)
			BAD("gratuitous ARP count must be 0..100");
		break;
	case TANDEM_A_GROUP_GARP_INTERVAL_MS:
		if (!between(nla_get_u32(nla), 1, 10000))
			BAD("gratuitous ARP interval must be 1..10000 ms");
		break;
	case TANDEM_A_GROUP_GARP_REFRESH_MS:
		if (nla_get_u32(nla) && !between(nla_get_u32(nla), 100, 3600000))
			BAD("gratuitous ARP refresh must be 0 or 100..3600000 ms");
		break;
	case TANDEM_A_MEMBER_NODE_ID:
		if (!nla_get_u32(nla))
			BAD("member node id must be nonzero");
		break;
	case TANDEM_A_MEMBER_PORT:
		if (!nla_get_u16(nla))
			BAD("member port must be nonzero");
		break;
	case TANDEM_A_MEMBER_WITNESS:
		if (nla_get_u8(nla) > 1)
			BAD("witness must be 0 or 1");
		break;
	case TANDEM_A_SERVICE_PORT:
		if (!nla_get_u16(nla))
			BAD("service port must be nonzero");
		break;
	case TANDEM_A_SERVICE_MAX_LAG_BYTES:
		if (nla_get_u32(nla) &&
		    !between(nla_get_u32(nla), 4096, 1U << 30))
			BAD("service maximum lag must be 0 or 4096..1073741824 bytes");
		break;
	case TANDEM_A_SERVICE_MAX_LAG_MS:
		if (nla_get_u32(nla) > 600000)
			BAD("service maximum lag must be 0..600000 ms");
		break;
	}
	return 0;
}

static int validate_ints(struct nlattr **attrs, struct netlink_ext_ack *extack)
{
	int type, ret;

	for (type = 1; type <= TANDEM_A_MAX; type++) {
		if (!attrs[type])
			continue;
		ret = validate_int(attrs[type], extack);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Per-command policies, mirroring the header. Attributes a command does not
 * list are NLA_UNSPEC here, which strict validation rejects.
 */
#define CHECKED(t) NLA_POLICY_VALIDATE_FN(t, validate_attr)
#define INT(t) { .type = t }
#define REJECT(msg) { .type = NLA_REJECT, .reject_message = msg }

#define SELECTOR_POLICY							\
	[TANDEM_A_GROUP_NAME]		= CHECKED(NLA_NUL_STRING),	\
	[TANDEM_A_GROUP_ID]		= INT(NLA_U32)

#define GROUP_CFG_POLICY						\
	[TANDEM_A_GROUP_REPL_ADDR]	= CHECKED(NLA_BINARY),		\
	[TANDEM_A_GROUP_REPL_PORT]	= INT(NLA_U16),			\
	[TANDEM_A_GROUP_KEY]		= CHECKED(NLA_BINARY),		\
	[TANDEM_A_GROUP_SYN_TIMEOUT_MS]	= INT(NLA_U32),			\
	[TANDEM_A_GROUP_MAX_LAG_BYTES]	= INT(NLA_U32),			\
	[TANDEM_A_GROUP_MAX_LAG_MS]	= INT(NLA_U32),			\
	[TANDEM_A_GROUP_MAX_CONNS]	= INT(NLA_U32),			\
	[TANDEM_A_GROUP_GARP_COUNT]	= INT(NLA_U8),			\
	[TANDEM_A_GROUP_GARP_INTERVAL_MS] = INT(NLA_U32),		\
	[TANDEM_A_GROUP_GARP_REFRESH_MS] = INT(NLA_U32)

static const struct nla_policy group_new_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_GROUP_VIP]		= CHECKED(NLA_BINARY),
	[TANDEM_A_GROUP_NODE_ID]	= INT(NLA_U32),
	GROUP_CFG_POLICY,
};

static const struct nla_policy group_set_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_GROUP_VIP] = REJECT("the VIP of a group cannot change: delete and re-create the group"),
	[TANDEM_A_GROUP_NODE_ID] = REJECT("the node id of a group cannot change: delete and re-create the group"),
	GROUP_CFG_POLICY,
	[TANDEM_A_GROUP_ROLE]		= INT(NLA_U8),
	[TANDEM_A_GROUP_EPOCH]		= INT(NLA_U64),
	[TANDEM_A_GROUP_LEASE_MS]	= INT(NLA_U32),
	[TANDEM_A_GROUP_LEASE_EXPIRY_NS] = INT(NLA_U64),
};

static const struct nla_policy group_sel_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
};

static const struct nla_policy member_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_MEMBER_NODE_ID]	= INT(NLA_U32),
	[TANDEM_A_MEMBER_ADDR]		= CHECKED(NLA_BINARY),
	[TANDEM_A_MEMBER_PORT]		= INT(NLA_U16),
	[TANDEM_A_MEMBER_PRIORITY]	= INT(NLA_U8),
	[TANDEM_A_MEMBER_WITNESS]	= INT(NLA_U8),
};

static const struct nla_policy member_sel_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_MEMBER_NODE_ID]	= INT(NLA_U32),
};

static const struct nla_policy service_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_SERVICE_PORT]		= INT(NLA_U16),
	[TANDEM_A_SERVICE_MAX_LAG_BYTES] = INT(NLA_U32),
	[TANDEM_A_SERVICE_MAX_LAG_MS]	= INT(NLA_U32),
};

static const struct nla_policy service_sel_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_SERVICE_PORT]		= INT(NLA_U16),
};

void tandem_addr_from_nla(struct tandem_addr *addr, const struct nlattr *nla)
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

int tandem_addr_put(struct sk_buff *skb, int type,
		    const struct tandem_addr *addr)
{
	if (addr->family == AF_INET)
		return nla_put_in_addr(skb, type, addr->v4);
	return nla_put_in6_addr(skb, type, &addr->v6);
}

/* Events */

static struct sk_buff *event_new(struct tandem_net *tn, u8 cmd, void **hdr)
{
	struct sk_buff *skb;

	lockdep_assert_held(&tn->lock);
	if (!genl_has_listeners(&tandem_genl_family, tn->net, MCGRP_EVENTS))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (skb) {
		*hdr = genlmsg_put(skb, 0, 0, &tandem_genl_family, 0, cmd);
		if (*hdr)
			return skb;
		nlmsg_free(skb);
	}
	netlink_set_err(tn->net->genl_sock, 0,
			tandem_genl_family.mcgrp_offset + MCGRP_EVENTS,
			-ENOBUFS);
	return NULL;
}

static void event_send(struct tandem_net *tn, struct sk_buff *skb, void *hdr,
		       int err)
{
	if (WARN_ON_ONCE(err)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&tandem_genl_family, tn->net, skb, 0,
				MCGRP_EVENTS, GFP_KERNEL);
}

void tandem_nl_group_event(const struct tandem_group *g, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(g->tn, cmd, &hdr);
	if (skb)
		event_send(g->tn, skb, hdr, tandem_group_fill(skb, g));
}

void tandem_nl_member_event(const struct tandem_member *m, u8 cmd)
{
	struct tandem_net *tn = m->group->tn;
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(tn, cmd, &hdr);
	if (skb)
		event_send(tn, skb, hdr, tandem_member_fill(skb, m));
}

void tandem_nl_service_event(const struct tandem_service *s, u8 cmd)
{
	struct tandem_net *tn = s->group->tn;
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(tn, cmd, &hdr);
	if (skb)
		event_send(tn, skb, hdr, tandem_service_fill(skb, s));
}

/* Requests */

static struct tandem_net *info_net(struct genl_info *info)
{
	return tandem_net(genl_info_net(info));
}

static int group_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tandem_net *tn = info_net(info);
	int ret;

	mutex_lock(&tn->lock);
	ret = tandem_group_new(tn, info->attrs, info->extack);
	mutex_unlock(&tn->lock);
	return ret;
}

static int group_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tandem_net *tn = info_net(info);
	struct tandem_group *g;
	int ret;

	mutex_lock(&tn->lock);
	g = tandem_group_select(tn, info->attrs, info->extack);
	ret = IS_ERR(g) ? PTR_ERR(g) : tandem_group_unlink(g, info->extack);
	mutex_unlock(&tn->lock);
	if (!ret)
		tandem_group_destroy(g);
	return ret;
}

typedef int (*group_op_t)(struct tandem_group *g, struct nlattr **attrs,
			  struct netlink_ext_ack *extack);

/* Runs @op on the group the request selects. */
static int on_group(struct genl_info *info, group_op_t op)
{
	struct tandem_net *tn = info_net(info);
	struct tandem_group *g;
	int ret;

	mutex_lock(&tn->lock);
	g = tandem_group_select(tn, info->attrs, info->extack);
	ret = IS_ERR(g) ? PTR_ERR(g) : op(g, info->attrs, info->extack);
	mutex_unlock(&tn->lock);
	return ret;
}

static int group_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return on_group(info, tandem_group_set);
}

static int member_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	return on_group(info, tandem_member_new);
}

static int member_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return on_group(info, tandem_member_set);
}

static int member_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return on_group(info, tandem_member_del);
}

static int service_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	return on_group(info, tandem_service_new);
}

static int service_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return on_group(info, tandem_service_set);
}

static int service_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return on_group(info, tandem_service_del);
}

/* Fills the message of a GET reply or dump for the object of @cmd. */
static int fill(struct sk_buff *skb, u8 cmd, const void *obj)
{
	switch (cmd) {
	case TANDEM_CMD_GROUP_GET:
		return tandem_group_fill(skb, obj);
	case TANDEM_CMD_MEMBER_GET:
		return tandem_member_fill(skb, obj);
	default:
		return tandem_service_fill(skb, obj);
	}
}

/* Looks up the object a GET request names; NULL: not found (extack set). */
static const void *get_obj(struct tandem_net *tn, struct genl_info *info,
			   int *err)
{
	struct tandem_group *g;
	const void *obj;

	g = tandem_group_select(tn, info->attrs, info->extack);
	if (IS_ERR(g) || info->genlhdr->cmd == TANDEM_CMD_GROUP_GET)
		obj = g;
	else if (info->genlhdr->cmd == TANDEM_CMD_MEMBER_GET)
		obj = tandem_member_select(g, info->attrs, info->extack);
	else
		obj = tandem_service_select(g, info->attrs, info->extack);
	*err = PTR_ERR_OR_ZERO(obj);
	return *err ? NULL : obj;
}

static int get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tandem_net *tn = info_net(info);
	u8 cmd = info->genlhdr->cmd;
	struct sk_buff *msg;
	const void *obj;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		NL_SET_ERR_MSG(info->extack, "out of memory for the reply");
		return -ENOMEM;
	}
	hdr = genlmsg_put_reply(msg, info, &tandem_genl_family, 0, cmd);
	if (!hdr) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG(info->extack, "reply header does not fit");
		return -EMSGSIZE;
	}
	mutex_lock(&tn->lock);
	obj = get_obj(tn, info, &ret);
	if (obj) {
		ret = fill(msg, cmd, obj);
		if (ret)
			NL_SET_ERR_MSG(info->extack, "reply does not fit in a message");
	}
	mutex_unlock(&tn->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* Dumps */

struct dump_ctx {
	unsigned int group;	/* position of the next group */
	unsigned int obj;	/* position of the next object in that group */
	bool started;		/* the request was checked */
};

static struct dump_ctx *dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct dump_ctx) > sizeof(cb->ctx));
	return (struct dump_ctx *)cb->ctx;
}

static int dump_one(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
		    const void *obj)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &tandem_genl_family, NLM_F_MULTI, cmd);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, TANDEM_A_GENERATION, cb->seq) ||
	    fill(skb, cmd, obj)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Dumps the members or services of @g from the saved position on. */
static int dump_in_group(struct sk_buff *skb, struct netlink_callback *cb,
			 u8 cmd, struct tandem_group *g)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	struct tandem_service *s;
	struct tandem_member *m;
	unsigned int i = 0;

	if (cmd == TANDEM_CMD_MEMBER_GET) {
		list_for_each_entry(m, &g->members, list) {
			if (i++ < ctx->obj)
				continue;
			if (dump_one(skb, cb, cmd, m))
				return -EMSGSIZE;
			ctx->obj = i;
		}
		return 0;
	}
	list_for_each_entry(s, &g->services, list) {
		if (i++ < ctx->obj)
			continue;
		if (dump_one(skb, cb, cmd, s))
			return -EMSGSIZE;
		ctx->obj = i;
	}
	return 0;
}

/* Dumps all groups, or the members or services of one group or of all. */
static int dump_groups(struct sk_buff *skb, struct netlink_callback *cb,
		       u8 cmd, bool one)
{
	struct tandem_net *tn = tandem_net(sock_net(cb->skb->sk));
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct dump_ctx *ctx = dump_ctx(cb);
	struct tandem_group *g;
	unsigned int i = 0;
	int ret = 0;

	mutex_lock(&tn->lock);
	cb->seq = tn->generation;
	if (one) {
		/* A group deleted in the middle of the dump ends it. */
		g = tandem_group_select(tn, attrs, ctx->started ? NULL : cb->extack);
		if (IS_ERR(g))
			ret = ctx->started ? 0 : PTR_ERR(g);
		else
			ret = dump_in_group(skb, cb, cmd, g);
		goto out;
	}
	list_for_each_entry(g, &tn->groups, list) {
		if (i++ < ctx->group)
			continue;
		if (cmd == TANDEM_CMD_GROUP_GET)
			ret = dump_one(skb, cb, cmd, g);
		else
			ret = dump_in_group(skb, cb, cmd, g);
		if (ret)
			break;
		ctx->group = i;
		ctx->obj = 0;
	}
out:
	ctx->started = true;
	mutex_unlock(&tn->lock);
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	if (ret == -EMSGSIZE)
		NL_SET_ERR_MSG(cb->extack, "object does not fit in a dump message");
	return ret ?: skb->len;
}

static int group_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;

	if (!dump_ctx(cb)->started &&
	    (attrs[TANDEM_A_GROUP_NAME] || attrs[TANDEM_A_GROUP_ID])) {
		NL_SET_ERR_MSG(cb->extack, "a group dump takes no attributes: get one group without NLM_F_DUMP");
		return -EINVAL;
	}
	return dump_groups(skb, cb, TANDEM_CMD_GROUP_GET, false);
}

static int member_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct nlattr *id = attrs[TANDEM_A_MEMBER_NODE_ID];
	int ret;

	if (!dump_ctx(cb)->started && id) {
		NL_SET_ERR_MSG_ATTR(cb->extack, id, "a member dump selects by group only: get one member without NLM_F_DUMP");
		return -EINVAL;
	}
	ret = dump_ctx(cb)->started ? 0 : validate_ints(attrs, cb->extack);
	if (ret)
		return ret;
	return dump_groups(skb, cb, TANDEM_CMD_MEMBER_GET,
			   attrs[TANDEM_A_GROUP_NAME] || attrs[TANDEM_A_GROUP_ID]);
}

static int service_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct nlattr *port = attrs[TANDEM_A_SERVICE_PORT];
	int ret;

	if (!dump_ctx(cb)->started && port) {
		NL_SET_ERR_MSG_ATTR(cb->extack, port, "a service dump selects by group only: get one service without NLM_F_DUMP");
		return -EINVAL;
	}
	ret = dump_ctx(cb)->started ? 0 : validate_ints(attrs, cb->extack);
	if (ret)
		return ret;
	return dump_groups(skb, cb, TANDEM_CMD_SERVICE_GET,
			   attrs[TANDEM_A_GROUP_NAME] || attrs[TANDEM_A_GROUP_ID]);
}

/* The family */

/*
 * Every command needs CAP_NET_ADMIN in the namespace's owning user namespace
 * (GENL_UNS_ADMIN_PERM) and, unless this is set, in the initial one too: a
 * user namespace of its own would otherwise let any user reach the module's
 * parsing.
 */
static bool userns_admin;
module_param(userns_admin, bool, 0644);
MODULE_PARM_DESC(userns_admin,
		 "let CAP_NET_ADMIN in a user namespace configure its network namespaces (default: no)");

static bool admin(const struct sk_buff *skb)
{
	return READ_ONCE(userns_admin) || netlink_capable(skb, CAP_NET_ADMIN);
}

static int pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
		    struct genl_info *info)
{
	if (!admin(skb)) {
		NL_SET_ERR_MSG(info->extack,
			       "CAP_NET_ADMIN in the initial user namespace needed (module parameter userns_admin)");
		return -EPERM;
	}
	return validate_ints(info->attrs, info->extack);
}

static int dump_start(struct netlink_callback *cb)
{
	if (admin(cb->skb))
		return 0;
	NL_SET_ERR_MSG(cb->extack,
		       "CAP_NET_ADMIN in the initial user namespace needed (module parameter userns_admin)");
	return -EPERM;
}

#define OP(_cmd, _doit, _dumpit, _policy) {				\
	.cmd = TANDEM_CMD_##_cmd,					\
	.doit = _doit,							\
	.dumpit = _dumpit,						\
	.start = dump_start,						\
	.policy = _policy,						\
	.maxattr = TANDEM_A_MAX,					\
	.flags = GENL_UNS_ADMIN_PERM,					\
}

static const struct genl_ops tandem_ops[] = {
	OP(GROUP_NEW, group_new_doit, NULL, group_new_policy),
	OP(GROUP_SET, group_set_doit, NULL, group_set_policy),
	OP(GROUP_DEL, group_del_doit, NULL, group_sel_policy),
	OP(GROUP_GET, get_doit, group_dumpit, group_sel_policy),
	OP(MEMBER_NEW, member_new_doit, NULL, member_policy),
	OP(MEMBER_SET, member_set_doit, NULL, member_policy),
	OP(MEMBER_DEL, member_del_doit, NULL, member_sel_policy),
	OP(MEMBER_GET, get_doit, member_dumpit, member_sel_policy),
	OP(SERVICE_NEW, service_new_doit, NULL, service_policy),
	OP(SERVICE_SET, service_set_doit, NULL, service_policy),
	OP(SERVICE_DEL, service_del_doit, NULL, service_sel_policy),
	OP(SERVICE_GET, get_doit, service_dumpit, service_sel_policy),
	OP(STATS_GET, tandem_stats_get_doit, NULL, group_sel_policy),
	OP(CONN_GET, NULL, tandem_conn_dumpit, group_sel_policy),
};

static const struct genl_multicast_group tandem_mcgrps[] = {
	[MCGRP_EVENTS] = {
		.name = TANDEM_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family tandem_genl_family __ro_after_init = {
	.name = TANDEM_GENL_NAME,
	.version = TANDEM_GENL_VERSION,
	.maxattr = TANDEM_A_MAX,
	.netnsok = true,
	.parallel_ops = true,	/* tandem_net.lock serialises changes */
	.pre_doit = pre_doit,
	.ops = tandem_ops,
	.n_ops = ARRAY_SIZE(tandem_ops),
	.mcgrps = tandem_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tandem_mcgrps),
	.module = THIS_MODULE,
};

int tandem_netlink_init(void)
{
	return genl_register_family(&tandem_genl_family);
}

void tandem_netlink_uninit(void)
{
	genl_unregister_family(&tandem_genl_family);
}
