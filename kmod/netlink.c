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

/*
 * Attribute checks. The integer ranges are in the policies below (the
 * limits are uapi's); code checks what a policy cannot say, each refusal
 * with a message pointing at the attribute.
 */

#define REFUSE(msg) ({						\
	NL_SET_ERR_MSG_ATTR(extack, nla, msg);			\
	-EINVAL;						\
})

#define REFUSE_ADDR(what) ({						\
	if (nla_type(nla) == TANDEM_A_GROUP_VIP)			\
		NL_SET_ERR_MSG_ATTR(extack, nla, "VIP " what);		\
	else if (nla_type(nla) == TANDEM_A_GROUP_REPL_ADDR)		\
		NL_SET_ERR_MSG_ATTR(extack, nla, "replication address " what); \
	else								\
		NL_SET_ERR_MSG_ATTR(extack, nla, "member address " what); \
	-EINVAL;							\
})

static int validate_name(const struct nlattr *nla,
			 struct netlink_ext_ack *extack)
{
	const char *name = nla_data(nla);
	int len = nla_len(nla), i;

	/* The policy guarantees a NUL in the payload. */
	if (strnlen(name, len) != len - 1)
		return REFUSE("group name has bytes after its terminating NUL");
	if (len == 1)
		return REFUSE("group name is empty");
	if (len > TANDEM_GROUP_NAME_MAX)
		return REFUSE("group name is longer than 31 characters");
	for (i = 0; i < len - 1; i++) {
		char c = name[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != '-')
			return REFUSE("group name may contain only A-Z a-z 0-9 _ . -");
	}
	return 0;
}

static int validate_addr4(const struct nlattr *nla, __be32 a,
			  struct netlink_ext_ack *extack)
{
	if (ipv4_is_zeronet(a))
		return REFUSE_ADDR("must not be unspecified (0.0.0.0/8)");
	if (ipv4_is_loopback(a))
		return REFUSE_ADDR("must not be loopback");
	if (ipv4_is_multicast(a))
		return REFUSE_ADDR("must not be multicast");
	if (ipv4_is_lbcast(a))
		return REFUSE_ADDR("must not be broadcast");
	return 0;
}

static int validate_addr6(const struct nlattr *nla, const struct in6_addr *a,
			  struct netlink_ext_ack *extack)
{
	if (ipv6_addr_any(a))
		return REFUSE_ADDR("must not be unspecified (::)");
	if (ipv6_addr_loopback(a))
		return REFUSE_ADDR("must not be loopback");
	if (ipv6_addr_is_multicast(a))
		return REFUSE_ADDR("must not be multicast");
	if (ipv6_addr_v4mapped(a))
		return REFUSE_ADDR("must not be IPv4-mapped: give the 4-byte IPv4 address");
	return 0;
}

static int validate_addr(const struct nlattr *nla,
			 struct netlink_ext_ack *extack)
{
	struct tandem_addr a;
	int ret;

	if (nla_len(nla) != sizeof(struct in_addr) &&
	    nla_len(nla) != sizeof(struct in6_addr))
		return REFUSE_ADDR("must be 4 (IPv4) or 16 (IPv6) bytes");
	tandem_addr_from_nla(&a, nla);
	if (a.family == AF_INET)
		return validate_addr4(nla, a.v4, extack);
	ret = validate_addr6(nla, &a.v6, extack);
	/* Until the data path handles IPv6, such a group would protect nothing. */
	if (!ret && nla_type(nla) == TANDEM_A_GROUP_VIP)
		return REFUSE("VIP: IPv6 is not supported yet (the data path protects IPv4 connections only)");
	return ret;
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
	case TANDEM_A_GROUP_KEY_ALT:
		if (nla_len(nla) != TANDEM_KEY_LEN)
			return REFUSE("key must be exactly " __stringify(TANDEM_KEY_LEN) " bytes");
		break;
	}
	return 0;
}

/*
 * The integers whose range has a hole, which a policy cannot say; called
 * before a request is acted on. (A validation function in the policy of
 * an integer attribute upsets the policy dump of 6.1, which an extended
 * ACK may carry.)
 */
static int validate_ints(struct nlattr **attrs, struct netlink_ext_ack *extack)
{
	struct nlattr *nla;

	if (!attrs[TANDEM_A_GROUP_KEY_ALT] != !attrs[TANDEM_A_GROUP_KEY_ALT_MS]) {
		nla = attrs[TANDEM_A_GROUP_KEY_ALT] ?: attrs[TANDEM_A_GROUP_KEY_ALT_MS];
		return REFUSE("an alternate key and its duration (ms) go together");
	}
	nla = attrs[TANDEM_A_GROUP_GARP_REFRESH_MS];
	if (nla && nla_get_u32(nla) && nla_get_u32(nla) < TANDEM_GARP_REFRESH_MIN_MS)
		return REFUSE("gratuitous ARP refresh must be 0 or 100..3600000 ms");
	nla = attrs[TANDEM_A_SERVICE_MAX_LAG_BYTES];
	if (nla && nla_get_u32(nla) && nla_get_u32(nla) < TANDEM_MAX_LAG_BYTES_MIN)
		return REFUSE("service maximum lag must be 0 or 4096..1073741824 bytes");
	return 0;
}

/*
 * Per-command policies, mirroring the header. Attributes a command does not
 * list are NLA_UNSPEC here, which strict validation rejects. A range wider
 * than an s16 takes a struct netlink_range_validation (not const in 6.1).
 */
#define CHECKED(t) NLA_POLICY_VALIDATE_FN(t, validate_attr)
#define NONZERO(t) NLA_POLICY_MIN(t, 1)
#define INT(t) { .type = t }
#define REJECT(msg) { .type = NLA_REJECT, .reject_message = msg }

static struct netlink_range_validation syn_timeout_range = {
	.min = 1, .max = TANDEM_SYN_TIMEOUT_MAX_MS,
};
static struct netlink_range_validation lag_bytes_range = {
	.min = TANDEM_MAX_LAG_BYTES_MIN, .max = TANDEM_MAX_LAG_BYTES_MAX,
};
static struct netlink_range_validation svc_lag_bytes_range = {
	.min = 0, .max = TANDEM_MAX_LAG_BYTES_MAX,
};
static struct netlink_range_validation lag_ms_range = {
	.min = 1, .max = TANDEM_MAX_LAG_MAX_MS,
};
static struct netlink_range_validation svc_lag_ms_range = {
	.min = 0, .max = TANDEM_MAX_LAG_MAX_MS,
};
static struct netlink_range_validation conns_range = {
	.min = 1, .max = TANDEM_CONNS_MAX,
};
static struct netlink_range_validation garp_refresh_range = {
	.min = 0, .max = TANDEM_GARP_REFRESH_MAX_MS,
};
static struct netlink_range_validation lease_range = {
	.min = 1, .max = TANDEM_LEASE_MAX_MS,
};
static struct netlink_range_validation key_alt_range = {
	.min = 1, .max = TANDEM_KEY_ALT_MAX_MS,
};

#define SELECTOR_POLICY							\
	[TANDEM_A_GROUP_NAME]		= CHECKED(NLA_NUL_STRING),	\
	[TANDEM_A_GROUP_ID]		= NONZERO(NLA_U32)

#define GROUP_CFG_POLICY						\
	[TANDEM_A_GROUP_REPL_ADDR]	= CHECKED(NLA_BINARY),		\
	[TANDEM_A_GROUP_REPL_PORT]	= NONZERO(NLA_U16),		\
	[TANDEM_A_GROUP_KEY]		= CHECKED(NLA_BINARY),		\
	[TANDEM_A_GROUP_KEY_ALT]	= CHECKED(NLA_BINARY),		\
	[TANDEM_A_GROUP_KEY_ALT_MS]	=				\
		NLA_POLICY_FULL_RANGE(NLA_U32, &key_alt_range),		\
	[TANDEM_A_GROUP_MAC]		=				\
		NLA_POLICY_MAX(NLA_U8, TANDEM_MAC_MAX),			\
	[TANDEM_A_GROUP_SYN_TIMEOUT_MS]	=				\
		NLA_POLICY_FULL_RANGE(NLA_U32, &syn_timeout_range),	\
	[TANDEM_A_GROUP_MAX_LAG_BYTES]	=				\
		NLA_POLICY_FULL_RANGE(NLA_U32, &lag_bytes_range),	\
	[TANDEM_A_GROUP_MAX_LAG_MS]	=				\
		NLA_POLICY_FULL_RANGE(NLA_U32, &lag_ms_range),		\
	[TANDEM_A_GROUP_MAX_CONNS]	=				\
		NLA_POLICY_FULL_RANGE(NLA_U32, &conns_range),		\
	[TANDEM_A_GROUP_GARP_COUNT]	=				\
		NLA_POLICY_MAX(NLA_U8, TANDEM_GARP_COUNT_MAX),		\
	[TANDEM_A_GROUP_GARP_INTERVAL_MS] =				\
		NLA_POLICY_RANGE(NLA_U32, 1, TANDEM_GARP_INTERVAL_MAX_MS), \
	[TANDEM_A_GROUP_GARP_REFRESH_MS] =				\
		NLA_POLICY_FULL_RANGE(NLA_U32, &garp_refresh_range)

static const struct nla_policy group_new_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_GROUP_VIP]		= CHECKED(NLA_BINARY),
	[TANDEM_A_GROUP_NODE_ID]	= NONZERO(NLA_U32),
	GROUP_CFG_POLICY,
};

static const struct nla_policy group_set_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_GROUP_VIP] = REJECT("the VIP of a group cannot change: delete and re-create the group"),
	[TANDEM_A_GROUP_NODE_ID] = REJECT("the node id of a group cannot change: delete and re-create the group"),
	GROUP_CFG_POLICY,
	[TANDEM_A_GROUP_ROLE]		=
		NLA_POLICY_RANGE(NLA_U8, TANDEM_ROLE_FENCED, TANDEM_ROLE_MAX),
	[TANDEM_A_GROUP_EPOCH]		= INT(NLA_U64),
	[TANDEM_A_GROUP_LEASE_MS]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &lease_range),
	[TANDEM_A_GROUP_LEASE_EXPIRY_NS] = INT(NLA_U64),
	[TANDEM_A_GROUP_PRIOR_EPOCH]	= INT(NLA_U64),
};

static const struct nla_policy group_sel_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
};

static const struct nla_policy member_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_MEMBER_NODE_ID]	= NONZERO(NLA_U32),
	[TANDEM_A_MEMBER_ADDR]		= CHECKED(NLA_BINARY),
	[TANDEM_A_MEMBER_PORT]		= NONZERO(NLA_U16),
	[TANDEM_A_MEMBER_PRIORITY]	= INT(NLA_U8),
	[TANDEM_A_MEMBER_WITNESS]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy member_sel_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_MEMBER_NODE_ID]	= NONZERO(NLA_U32),
};

static const struct nla_policy service_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_SERVICE_PORT]		= NONZERO(NLA_U16),
	[TANDEM_A_SERVICE_MAX_LAG_BYTES] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &svc_lag_bytes_range),
	[TANDEM_A_SERVICE_MAX_LAG_MS]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &svc_lag_ms_range),
};

static const struct nla_policy service_sel_policy[TANDEM_A_MAX + 1] = {
	SELECTOR_POLICY,
	[TANDEM_A_SERVICE_PORT]		= NONZERO(NLA_U16),
};

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
	const struct tandem_group *g = obj;

	switch (cmd) {
	case TANDEM_CMD_GROUP_GET:
		return tandem_group_fill(skb, g);
	case TANDEM_CMD_MEMBER_GET:
		return tandem_member_fill(skb, obj);
	case TANDEM_CMD_SERVICE_GET:
		return tandem_service_fill(skb, obj);
	case TANDEM_CMD_CONN_GET:
		return tandem_conn_fill(skb, (struct tandem_conn *)obj);
	default:		/* STATS_GET: a group's counters */
		if (nla_put_string(skb, TANDEM_A_GROUP_NAME, g->name) ||
		    nla_put_u32(skb, TANDEM_A_GROUP_ID, g->id))
			return -EMSGSIZE;
		return tandem_stats_fill(skb, g->stats);
	}
}

/* Looks up the object a GET request names; NULL: not found (extack set). */
static const void *get_obj(struct tandem_net *tn, struct genl_info *info,
			   int *err)
{
	u8 cmd = info->genlhdr->cmd;
	struct tandem_group *g;
	const void *obj;

	g = tandem_group_select(tn, info->attrs, info->extack);
	if (IS_ERR(g) || cmd == TANDEM_CMD_GROUP_GET ||
	    cmd == TANDEM_CMD_STATS_GET)
		obj = g;
	else if (cmd == TANDEM_CMD_MEMBER_GET)
		obj = tandem_member_select(g, info->attrs, info->extack);
	else
		obj = tandem_service_select(g, info->attrs, info->extack);
	*err = PTR_ERR_OR_ZERO(obj);
	return *err ? NULL : obj;
}

/* The reply's attributes; STATS_GET without a selector: the namespace's. */
static int get_fill(struct tandem_net *tn, struct genl_info *info,
		    struct sk_buff *msg)
{
	struct nlattr **attrs = info->attrs;
	u8 cmd = info->genlhdr->cmd;
	const void *obj;
	int ret;

	if (cmd == TANDEM_CMD_STATS_GET &&
	    !attrs[TANDEM_A_GROUP_NAME] && !attrs[TANDEM_A_GROUP_ID])
		return tandem_stats_fill(msg, tn->stats);
	obj = get_obj(tn, info, &ret);
	if (!obj)
		return ret;
	ret = fill(msg, cmd, obj);
	if (ret)
		NL_SET_ERR_MSG(info->extack, "reply does not fit in a message");
	return ret;
}

static int get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tandem_net *tn = info_net(info);
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		NL_SET_ERR_MSG(info->extack, "out of memory for the reply");
		return -ENOMEM;
	}
	hdr = genlmsg_put_reply(msg, info, &tandem_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG(info->extack, "reply header does not fit");
		return -EMSGSIZE;
	}
	mutex_lock(&tn->lock);
	ret = get_fill(tn, info, msg);
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

/*
 * One object of a dump. Connections come and go without changing the
 * configuration's generation: their dumps are not marked inconsistent.
 */
static int dump_one(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd,
		    const void *obj)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &tandem_genl_family, NLM_F_MULTI, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cmd != TANDEM_CMD_CONN_GET)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, TANDEM_A_GENERATION, cb->seq) ||
	    fill(skb, cmd, obj)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

struct dump_conn_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int dump_conn(struct tandem_conn *c, void *arg)
{
	struct dump_conn_arg *a = arg;

	return dump_one(a->skb, a->cb, TANDEM_CMD_CONN_GET, c);
}

/* Dumps the members, services or connections of @g from the saved position on. */
static int dump_in_group(struct sk_buff *skb, struct netlink_callback *cb,
			 u8 cmd, struct tandem_group *g)
{
	struct dump_conn_arg arg = { .skb = skb, .cb = cb };
	struct dump_ctx *ctx = dump_ctx(cb);
	struct tandem_service *s;
	struct tandem_member *m;
	unsigned int i = 0;

	if (cmd == TANDEM_CMD_CONN_GET)
		return tandem_conns_walk(g, &ctx->obj, dump_conn, &arg);
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

/* Dumps all groups, or the members, services or connections of one group or of all. */
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

static int conn_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;

	return dump_groups(skb, cb, TANDEM_CMD_CONN_GET,
			   attrs[TANDEM_A_GROUP_NAME] || attrs[TANDEM_A_GROUP_ID]);
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

	if (!dump_ctx(cb)->started && id) {
		NL_SET_ERR_MSG_ATTR(cb->extack, id, "a member dump selects by group only: get one member without NLM_F_DUMP");
		return -EINVAL;
	}
	return dump_groups(skb, cb, TANDEM_CMD_MEMBER_GET,
			   attrs[TANDEM_A_GROUP_NAME] || attrs[TANDEM_A_GROUP_ID]);
}

static int service_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_dumpit_info(cb)->attrs;
	struct nlattr *port = attrs[TANDEM_A_SERVICE_PORT];

	if (!dump_ctx(cb)->started && port) {
		NL_SET_ERR_MSG_ATTR(cb->extack, port, "a service dump selects by group only: get one service without NLM_F_DUMP");
		return -EINVAL;
	}
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
	OP(STATS_GET, get_doit, NULL, group_sel_policy),
	OP(CONN_GET, NULL, conn_dumpit, group_sel_policy),
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
