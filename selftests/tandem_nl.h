/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helper of the tandem selftests: a generic netlink client for the
 * "tandem" family built on libmnl. Header only; include it after
 * kselftest_harness.h.
 *
 * A request is built in the socket's own buffer (tnl_req), filled with
 * mnl_attr_put_*() and run with tnl_do() (doit, waits for the ACK) or
 * tnl_dump(). Both fill a struct tnl_res: the errno, the extended ACK
 * message and attribute offset, copies of the reply messages, and whether
 * a message carried NLM_F_DUMP_INTR.
 */
#ifndef TANDEM_NL_H
#define TANDEM_NL_H

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tandem.h>

/* The kernel never builds a dump skb larger than 32 KiB. */
#define TNL_RECV_SIZE 32768
#define TNL_REQ_SIZE 4096

struct tnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t events_grp;
	size_t recv_size;		/* bytes per recv(), 0: all of buf */
	char req[TNL_REQ_SIZE];
	char buf[TNL_RECV_SIZE];
	size_t pend_off, pend_len;	/* unread part of buf (events) */
};

struct tnl_res {
	int err;		/* 0 or -errno */
	char msg[256];		/* extended ACK message, "" if none */
	int bad_off;		/* NLMSGERR_ATTR_OFFS, -1 if none */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
	bool done;		/* the ACK or NLMSG_DONE arrived */
	bool intr;		/* some message carried NLM_F_DUMP_INTR */
	unsigned int batches;	/* recv() calls the answer took */
	size_t n;		/* reply messages (ACK and DONE excluded) */
	struct nlmsghdr **msgs;
};

/* ---- messages and attributes ---- */

static inline int tnl_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= TANDEM_A_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

/* Index the attributes of a tandem message; tb has TANDEM_A_MAX + 1 slots. */
static inline void tnl_parse(const struct nlmsghdr *nlh,
			     const struct nlattr **tb)
{
	memset(tb, 0, sizeof(*tb) * (TANDEM_A_MAX + 1));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tnl_attr_cb, tb);
}

static inline uint8_t tnl_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	return g->cmd;
}

static inline struct nlmsghdr *tnl_msg_new(struct tnl *t, uint16_t type,
					   uint8_t cmd, uint8_t version,
					   uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(t->req);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++t->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* A tandem doit request; pass NLM_F_DUMP for a dump. */
static inline struct nlmsghdr *tnl_req(struct tnl *t, uint8_t cmd,
				       uint16_t flags)
{
	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	return tnl_msg_new(t, t->family, cmd, TANDEM_GENL_VERSION, flags);
}

/* Put "a.b.c.d" or an IPv6 literal as a 4- or 16-byte attribute. */
static inline struct nlattr *tnl_put_addr(struct nlmsghdr *nlh, uint16_t type,
					  const char *addr)
{
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		mnl_attr_put(nlh, type, 4, b);
	else if (inet_pton(AF_INET6, addr, b) == 1)
		mnl_attr_put(nlh, type, 16, b);
	else
		abort();
	return a;
}

/* Where the next attribute will go: its offset is what extack points at. */
static inline struct nlattr *tnl_tail(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_tail(nlh);
}

static inline void tnl_put_sel(struct nlmsghdr *nlh, const char *name)
{
	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, name);
}

/* The attributes GROUP_NEW requires. */
static inline void tnl_put_group(struct nlmsghdr *nlh, const char *name,
				 uint32_t id, const char *vip, uint32_t node)
{
	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, name);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, id);
	tnl_put_addr(nlh, TANDEM_A_GROUP_VIP, vip);
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_NODE_ID, node);
}

static inline void tnl_put_key(struct nlmsghdr *nlh, unsigned char fill)
{
	unsigned char key[TANDEM_KEY_LEN];

	memset(key, fill, sizeof(key));
	mnl_attr_put(nlh, TANDEM_A_GROUP_KEY, sizeof(key), key);
}

/* Format a 4- or 16-byte address attribute; "?" for any other length. */
static inline const char *tnl_addr_str(const struct nlattr *a, char *s,
				       size_t len)
{
	uint16_t n = a ? mnl_attr_get_payload_len(a) : 0;

	if (n == 4)
		return inet_ntop(AF_INET, mnl_attr_get_payload(a), s, len);
	if (n == 16)
		return inet_ntop(AF_INET6, mnl_attr_get_payload(a), s, len);
	snprintf(s, len, a ? "?len%u" : "(absent)", n);
	return s;
}

/* 1 if attribute a holds the address literal addr. */
static inline bool tnl_addr_is(const struct nlattr *a, const char *addr)
{
	char s[INET6_ADDRSTRLEN + 8];

	return a && !strcmp(tnl_addr_str(a, s, sizeof(s)), addr);
}

/*
 * An attribute described as data, so tests can list bad ones in tables:
 * TNL_INT puts len (1, 2, 4 or 8) bytes of val, TNL_ADDR the literal s,
 * TNL_RAW len bytes of s (or of 0x5a when s is NULL), TNL_FLAG nothing.
 */
enum tnl_kind { TNL_NONE, TNL_INT, TNL_ADDR, TNL_RAW, TNL_FLAG };

struct tnl_attr {
	enum tnl_kind kind;
	uint16_t type;
	uint16_t len;
	uint64_t val;
	const char *s;
};

#define TNL_U8(t, v)	{ .kind = TNL_INT, .type = (t), .len = 1, .val = (v) }
#define TNL_U16(t, v)	{ .kind = TNL_INT, .type = (t), .len = 2, .val = (v) }
#define TNL_U32(t, v)	{ .kind = TNL_INT, .type = (t), .len = 4, .val = (v) }
#define TNL_U64(t, v)	{ .kind = TNL_INT, .type = (t), .len = 8, .val = (v) }
#define TNL_IP(t, a)	{ .kind = TNL_ADDR, .type = (t), .s = (a) }
#define TNL_STR(t, v)	{ .kind = TNL_RAW, .type = (t), .len = sizeof(v), .s = (v) }
#define TNL_BIN(t, n)	{ .kind = TNL_RAW, .type = (t), .len = (n) }
#define TNL_FLG(t)	{ .kind = TNL_FLAG, .type = (t) }

/* Put a; returns where it went, NULL for TNL_NONE. */
static inline struct nlattr *tnl_put_attr(struct nlmsghdr *nlh,
					  const struct tnl_attr *a)
{
	struct nlattr *at = tnl_tail(nlh);
	unsigned char fill[64];

	switch (a->kind) {
	case TNL_NONE:
		return NULL;
	case TNL_INT:
		if (a->len == 1)
			mnl_attr_put_u8(nlh, a->type, a->val);
		else if (a->len == 2)
			mnl_attr_put_u16(nlh, a->type, a->val);
		else if (a->len == 4)
			mnl_attr_put_u32(nlh, a->type, a->val);
		else
			mnl_attr_put_u64(nlh, a->type, a->val);
		break;
	case TNL_ADDR:
		tnl_put_addr(nlh, a->type, a->s);
		break;
	case TNL_RAW:
		memset(fill, 0x5a, sizeof(fill));
		if (a->len > sizeof(fill))
			abort();
		mnl_attr_put(nlh, a->type, a->len, a->s ? a->s : (void *)fill);
		break;
	case TNL_FLAG:
		mnl_attr_put(nlh, a->type, 0, NULL);
		break;
	}
	return at;
}

/* ---- results ---- */

static inline void tnl_res_init(struct tnl_res *r)
{
	memset(r, 0, sizeof(*r));
	r->bad_off = -1;
	r->miss_type = -1;
}

/* Free the reply messages; the outcome (err, msg, ...) stays readable. */
static inline void tnl_res_free(struct tnl_res *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->msgs[i]);
	free(r->msgs);
	r->msgs = NULL;
	r->n = 0;
}

static inline void tnl_res_keep(struct tnl_res *r, const struct nlmsghdr *nlh)
{
	struct nlmsghdr *copy = malloc(nlh->nlmsg_len);

	if (!copy)
		abort();
	memcpy(copy, nlh, nlh->nlmsg_len);
	r->msgs = realloc(r->msgs, (r->n + 1) * sizeof(*r->msgs));
	if (!r->msgs)
		abort();
	r->msgs[r->n++] = copy;
}

static inline int tnl_extack_cb(const struct nlattr *a, void *data)
{
	struct tnl_res *r = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		snprintf(r->msg, sizeof(r->msg), "%.*s",
			 (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_get_payload_len(a) == 4)
			r->bad_off = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_get_payload_len(a) == 4)
			r->miss_type = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

/* NLMSG_ERROR or NLMSG_DONE: the errno and the extended ACK TLVs. */
static inline void tnl_res_end(struct tnl_res *r, const struct nlmsghdr *nlh)
{
	size_t off;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		r->err = e->error;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
	} else {
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
			r->err = *(const int *)mnl_nlmsg_get_payload(nlh);
		off = sizeof(int);
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    off < mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, off, tnl_extack_cb, r);
	r->done = true;
}

/*
 * One recv() of the answer to request seq. Returns 1 once the answer is
 * complete, 0 if more is to come, -errno if the socket failed.
 */
static inline int tnl_recv_batch(struct tnl *t, uint32_t seq, struct tnl_res *r)
{
	struct nlmsghdr *nlh;
	ssize_t got;
	int len;

	do
		got = mnl_socket_recvfrom(t->nl, t->buf,
					  t->recv_size ?: sizeof(t->buf));
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	r->batches++;
	len = got;
	for (nlh = (struct nlmsghdr *)t->buf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != t->portid)
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			r->intr = true;
		if (nlh->nlmsg_type == NLMSG_ERROR ||
		    nlh->nlmsg_type == NLMSG_DONE) {
			tnl_res_end(r, nlh);
			return 1;
		}
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			tnl_res_keep(r, nlh);
	}
	return 0;
}

static inline int tnl_send(struct tnl *t, const struct nlmsghdr *nlh)
{
	if (mnl_socket_sendto(t->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/*
 * Run a request to the end. The result is in r (r->err: the kernel's
 * answer); the return value is 0, or -errno if the socket itself failed.
 */
static inline int tnl_run(struct tnl *t, const struct nlmsghdr *nlh,
			  struct tnl_res *r)
{
	int ret;

	tnl_res_init(r);
	ret = tnl_send(t, nlh);
	while (!ret)
		ret = tnl_recv_batch(t, nlh->nlmsg_seq, r);
	if (ret < 0)
		r->err = ret;
	return ret < 0 ? ret : 0;
}

/* Run a doit request; returns r->err. */
static inline int tnl_do(struct tnl *t, const struct nlmsghdr *nlh,
			 struct tnl_res *r)
{
	tnl_run(t, nlh, r);
	return r->err;
}

/* Run a dump request; returns r->err. */
static inline int tnl_dump(struct tnl *t, const struct nlmsghdr *nlh,
			   struct tnl_res *r)
{
	return tnl_do(t, nlh, r);
}

/* Run a doit request whose reply does not matter; returns its errno. */
static inline int tnl_do_free(struct tnl *t, const struct nlmsghdr *nlh)
{
	struct tnl_res r;
	int err = tnl_do(t, nlh, &r);

	tnl_res_free(&r);
	return err;
}

/*
 * Does r match the expected outcome? want is 0 or -errno; msg, when
 * non-NULL, must occur in the extended ACK message (case-insensitive).
 */
static inline bool tnl_res_is(const struct tnl_res *r, int want,
			      const char *msg)
{
	if (r->err != want)
		return false;
	return !msg || strcasestr(r->msg, msg);
}

/* ---- common requests ---- */

/* Requests whose only purpose is to create something; return the errno. */
static inline int tnl_group_add(struct tnl *t, const char *name, uint32_t id,
				const char *vip, uint32_t node)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_NEW, 0);

	tnl_put_group(nlh, name, id, vip, node);
	return tnl_do_free(t, nlh);
}

static inline int tnl_member_add(struct tnl *t, const char *group,
				 uint32_t node, const char *addr)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_MEMBER_NEW, 0);

	tnl_put_sel(nlh, group);
	mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, node);
	tnl_put_addr(nlh, TANDEM_A_MEMBER_ADDR, addr);
	return tnl_do_free(t, nlh);
}

static inline int tnl_service_add(struct tnl *t, const char *group,
				  uint16_t port)
{
	struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_SERVICE_NEW, 0);

	tnl_put_sel(nlh, group);
	mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, port);
	return tnl_do_free(t, nlh);
}

/*
 * GET one object of the group: cmd is a *_GET command, type/val an
 * optional second key (TANDEM_A_MEMBER_NODE_ID or TANDEM_A_SERVICE_PORT,
 * 0 for none). On success tb indexes the reply, which lives in r until
 * tnl_res_free(r). Returns the errno.
 */
static inline int tnl_get(struct tnl *t, uint8_t cmd, const char *group,
			  uint16_t type, uint32_t val, struct tnl_res *r,
			  const struct nlattr **tb)
{
	struct nlmsghdr *nlh = tnl_req(t, cmd, 0);

	tnl_put_sel(nlh, group);
	if (type == TANDEM_A_SERVICE_PORT)
		mnl_attr_put_u16(nlh, type, val);
	else if (type)
		mnl_attr_put_u32(nlh, type, val);
	tnl_do(t, nlh, r);
	if (!r->err && r->n != 1)
		r->err = -EBADMSG;
	if (!r->err)
		tnl_parse(r->msgs[0], tb);
	return r->err;
}

/* Dump cmd (for the group named, or all when group is NULL). */
static inline int tnl_dump_cmd(struct tnl *t, uint8_t cmd, const char *group,
			       struct tnl_res *r)
{
	struct nlmsghdr *nlh = tnl_req(t, cmd, NLM_F_DUMP);

	if (group)
		tnl_put_sel(nlh, group);
	return tnl_dump(t, nlh, r);
}

/* Number of objects a dump returns, or -errno. */
static inline long tnl_count(struct tnl *t, uint8_t cmd, const char *group)
{
	struct tnl_res r;
	long n;

	n = tnl_dump_cmd(t, cmd, group, &r) ?: (long)r.n;
	tnl_res_free(&r);
	return n;
}

/*
 * Everything the namespace holds, as the payloads of the three dumps
 * (generation included): equal snapshots mean nothing changed. The
 * caller frees *out. Returns the errno of the first failing dump.
 */
static inline int tnl_snapshot(struct tnl *t, char **out, size_t *len)
{
	static const uint8_t cmds[] = {
		TANDEM_CMD_GROUP_GET, TANDEM_CMD_MEMBER_GET,
		TANDEM_CMD_SERVICE_GET,
	};
	FILE *f = open_memstream(out, len);
	int err = 0;

	if (!f)
		return -errno;
	for (size_t i = 0; i < sizeof(cmds) && !err; i++) {
		struct tnl_res r;

		err = tnl_dump_cmd(t, cmds[i], NULL, &r);
		for (size_t j = 0; j < r.n; j++)
			fwrite(mnl_nlmsg_get_payload(r.msgs[j]), 1,
			       mnl_nlmsg_get_payload_len(r.msgs[j]), f);
		tnl_res_free(&r);
	}
	fclose(f);
	return err;
}

/* ---- socket setup ---- */

struct tnl_family {
	struct tnl *t;
	bool found;
};

static inline int tnl_mcgrp_cb(const struct nlattr *a, void *data)
{
	struct tnl_family *f = data;
	const struct nlattr *grp, *x;

	mnl_attr_for_each_nested(grp, a) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(x, grp) {
			if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_NAME)
				name = mnl_attr_get_str(x);
			if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_ID)
				id = mnl_attr_get_u32(x);
		}
		if (name && !strcmp(name, TANDEM_MCGRP_EVENTS))
			f->t->events_grp = id;
	}
	return MNL_CB_OK;
}

static inline int tnl_ctrl_cb(const struct nlattr *a, void *data)
{
	struct tnl_family *f = data;

	switch (mnl_attr_get_type(a)) {
	case CTRL_ATTR_FAMILY_ID:
		f->t->family = mnl_attr_get_u16(a);
		f->found = true;
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		tnl_mcgrp_cb(a, data);
		break;
	}
	return MNL_CB_OK;
}

/* Resolve the family id and the events group through nlctrl. */
static inline int tnl_resolve(struct tnl *t)
{
	struct tnl_family f = { .t = t };
	struct nlmsghdr *nlh;
	struct tnl_res r;
	int err;

	nlh = tnl_msg_new(t, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TANDEM_GENL_NAME);
	err = tnl_do(t, nlh, &r);
	if (!err && r.n == 1)
		mnl_attr_parse(r.msgs[0], sizeof(struct genlmsghdr),
			       tnl_ctrl_cb, &f);
	tnl_res_free(&r);
	if (err)
		return err;
	if (!f.found || !t->events_grp)
		return -ENOENT;
	return 0;
}

static inline void tnl_close(struct tnl *t)
{
	if (t->nl)
		mnl_socket_close(t->nl);
	t->nl = NULL;
}

static inline int tnl_socket(struct tnl *t)
{
	int one = 1, err;

	memset(t, 0, sizeof(*t));
	t->seq = time(NULL);
	t->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!t->nl)
		return -errno;
	if (mnl_socket_setsockopt(t->nl, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(t->nl, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    mnl_socket_bind(t->nl, 0, MNL_SOCKET_AUTOPID)) {
		err = -errno;
		tnl_close(t);
		return err;
	}
	t->portid = mnl_socket_get_portid(t->nl);
	return 0;
}

/* Open a generic netlink socket in the current netns; -ENOENT: no family. */
static inline int tnl_open(struct tnl *t)
{
	int err = tnl_socket(t);

	if (!err)
		err = tnl_resolve(t);
	if (err)
		tnl_close(t);
	return err;
}

/*
 * Open a socket that reads at most recv_size bytes per recv(), using the
 * family resolved by like. The kernel sizes dump skbs after the largest
 * read a socket ever made, so this one must never have read more.
 */
static inline int tnl_open_small(struct tnl *t, const struct tnl *like,
				 size_t recv_size)
{
	int err = tnl_socket(t);

	if (err)
		return err;
	t->family = like->family;
	t->events_grp = like->events_grp;
	t->recv_size = recv_size;
	return 0;
}

/* ---- events ---- */

static inline int tnl_subscribe(struct tnl *t)
{
	if (mnl_socket_setsockopt(t->nl, NETLINK_ADD_MEMBERSHIP,
				  &t->events_grp, sizeof(t->events_grp)))
		return -errno;
	return 0;
}

static inline long long tnl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The next event, as a malloc'd copy in *ev. Returns 1, 0 if none came
 * within timeout_ms, or -errno (-ENOBUFS: events were lost).
 */
static inline int tnl_event(struct tnl *t, int timeout_ms, struct nlmsghdr **ev)
{
	long long end = tnl_now_ms() + timeout_ms;
	struct pollfd pfd = {
		.fd = mnl_socket_get_fd(t->nl),
		.events = POLLIN,
	};

	while (!t->pend_len) {
		long long left = end - tnl_now_ms();
		ssize_t len;
		int n;

		n = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n == 0)
			return 0;
		if (n < 0)
			continue;
		len = recv(pfd.fd, t->buf, sizeof(t->buf), MSG_DONTWAIT);
		if (len < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (len < 0)
			return -errno;
		t->pend_off = 0;
		t->pend_len = len;
	}
	{
		struct nlmsghdr *nlh = (void *)(t->buf + t->pend_off);
		int len = t->pend_len;

		if (!mnl_nlmsg_ok(nlh, len)) {
			t->pend_len = 0;
			return -EBADMSG;
		}
		*ev = malloc(nlh->nlmsg_len);
		if (!*ev)
			abort();
		memcpy(*ev, nlh, nlh->nlmsg_len);
		mnl_nlmsg_next(nlh, &len);
		t->pend_off += t->pend_len - len;
		t->pend_len = len > 0 ? len : 0;
	}
	return 1;
}

/* ---- kselftest glue ---- */

/*
 * The 6.1 harness exits 0 when every test skipped; the suite wants the
 * kselftest skip code then.
 */
static inline void tnl_exit_skip(void)
{
	if (ksft_cnt.ksft_xskip && !ksft_cnt.ksft_pass && !ksft_cnt.ksft_fail) {
		fflush(NULL);
		_exit(KSFT_SKIP);
	}
}

static void __attribute__((constructor)) tnl_init(void)
{
	atexit(tnl_exit_skip);
}

/*
 * Enter a fresh network namespace and open t there. The 6.1 harness runs
 * a test body even when its setup called SKIP, so a skip leaves the child
 * with the harness's skip code (255) directly.
 */
#define TNL_SETUP(t) do {						\
	int __err = unshare(CLONE_NEWNET) ? -errno : tnl_open(t);	\
									\
	if (__err == -EPERM)						\
		SKIP(_exit(255), "no permission for a netns (run as root)"); \
	if (__err == -ENOENT)						\
		SKIP(_exit(255), "the tandem module is not loaded");	\
	ASSERT_EQ(0, __err) TH_LOG("netns or socket: %s", strerror(-__err)); \
} while (0)

/* Assert the outcome of r: want is 0 or -errno, sub a substring or NULL. */
#define __RES_CHECK(how, r, want, sub)					\
	how##_TRUE(tnl_res_is(&(r), want, sub))				\
		TH_LOG("want %d (%s) \"%s\", got %d (%s) \"%s\"",	\
		       want, strerror(-(want)), (sub) ? (sub) : "",	\
		       (r).err, strerror(-(r).err), (r).msg)
#define ASSERT_RES(r, want, sub) __RES_CHECK(ASSERT, r, want, sub)
#define EXPECT_RES(r, want, sub) __RES_CHECK(EXPECT, r, want, sub)

/* Run nlh as a doit and assert success; the reply is dropped. */
#define ASSERT_DO_OK(t, nlh) do {					\
	struct tnl_res __r;						\
									\
	tnl_do(t, nlh, &__r);						\
	ASSERT_RES(__r, 0, NULL);					\
	tnl_res_free(&__r);						\
} while (0)


/* Assert attribute type of tb holds the integer val (of its own width). */
#define __ASSERT_INT(tb, type, val, width, get) do {			\
	ASSERT_NE(NULL, (tb)[type]) TH_LOG("%s absent", #type);		\
	ASSERT_EQ(width, mnl_attr_get_payload_len((tb)[type]))		\
		TH_LOG("%s has a wrong length", #type);			\
	ASSERT_EQ((val), get((tb)[type])) TH_LOG("%s", #type);		\
} while (0)
#define ASSERT_U8(tb, type, val)  __ASSERT_INT(tb, type, val, 1, mnl_attr_get_u8)
#define ASSERT_U16(tb, type, val) __ASSERT_INT(tb, type, val, 2, mnl_attr_get_u16)
#define ASSERT_U32(tb, type, val) __ASSERT_INT(tb, type, val, 4, mnl_attr_get_u32)
#define ASSERT_U64(tb, type, val) __ASSERT_INT(tb, type, val, 8, mnl_attr_get_u64)

#define ASSERT_ADDR(tb, type, addr) do {				\
	char __s[INET6_ADDRSTRLEN + 8];					\
									\
	ASSERT_TRUE(tnl_addr_is((tb)[type], addr))			\
		TH_LOG("%s: want %s, got %s", #type, addr,		\
		       tnl_addr_str((tb)[type], __s, sizeof(__s)));	\
} while (0)

#define ASSERT_ABSENT(tb, type)						\
	ASSERT_EQ(NULL, (tb)[type]) TH_LOG("%s present", #type)

#define ASSERT_STR(tb, type, str) do {					\
	ASSERT_NE(NULL, (tb)[type]) TH_LOG("%s absent", #type);		\
	ASSERT_STREQ(str, mnl_attr_get_str((tb)[type]));		\
} while (0)

#endif /* TANDEM_NL_H */
