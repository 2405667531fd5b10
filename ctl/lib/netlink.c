// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/tandem.h>

#include "netlink.h"

struct family_info {
	const char *group;
	uint16_t id;
	uint32_t version;
	uint32_t group_id;
};

struct transact {
	tandem_nl_cb cb;
	void *data;
	bool dump;
	bool intr;		/* the dump was inconsistent: restart it */
	bool have_gen;
	uint32_t gen;
};

int tandem_nl_fd(const struct tandem_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

static int ensure_buf(struct tandem_nl *nl, size_t size)
{
	uint8_t *buf;

	if (size < (size_t)MNL_SOCKET_BUFFER_SIZE)
		size = MNL_SOCKET_BUFFER_SIZE;
	if (size <= nl->buf_size)
		return 0;
	buf = realloc(nl->buf, size);
	if (!buf)
		return -ENOMEM;
	nl->buf = buf;
	nl->buf_size = size;
	return 0;
}

/* Receive one datagram from the kernel, whatever its size. */
static int recv_datagram(struct tandem_nl *nl)
{
	int fd = tandem_nl_fd(nl);

	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov;
		struct msghdr msg = {
			.msg_name = &sa,
			.msg_namelen = sizeof(sa),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t len;
		int ret;

		len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (len < 0)
			return -errno;
		ret = ensure_buf(nl, len);
		if (ret)
			return ret;
		iov.iov_base = nl->buf;
		iov.iov_len = nl->buf_size;
		len = recvmsg(fd, &msg, 0);
		if (len < 0)
			return -errno;
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
			continue;	/* not from the kernel */
		return len;
	}
}

static int err_attr_cb(const struct nlattr *attr, void *data)
{
	struct tandem_nl_error *err = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		strncpy(err->msg, mnl_attr_get_str(attr), sizeof(err->msg) - 1);
		err->msg[sizeof(err->msg) - 1] = '\0';
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		err->has_offset = true;
		err->offset = mnl_attr_get_u32(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		err->has_miss_type = true;
		err->miss_type = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

int tandem_nl_parse_error(const struct nlmsghdr *nlh,
			  struct tandem_nl_error *err)
{
	size_t payload = mnl_nlmsg_get_payload_len(nlh);
	size_t hlen;
	int code;

	memset(err, 0, sizeof(*err));
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* A dump's end: an int, non-zero if the dump failed. */
		if (payload < sizeof(int))
			return 0;
		memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
		hlen = sizeof(int);
	} else if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (payload < sizeof(*e))
			return -EBADMSG;
		code = e->error;
		hlen = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && code) {
			if (e->msg.nlmsg_len < sizeof(e->msg))
				return -EBADMSG;
			hlen += e->msg.nlmsg_len - sizeof(e->msg);
		}
	} else {
		return -EINVAL;
	}
	if (code > 0 || code < -4095)
		return -EBADMSG;
	err->code = code;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (MNL_ALIGN(hlen) > payload)
		return -EBADMSG;
	if (mnl_attr_parse(nlh, hlen, err_attr_cb, err) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

/* The dump's generation counter, or false if the message carries none. */
static bool message_generation(const struct nlmsghdr *nlh, uint32_t *gen)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == TANDEM_A_GENERATION &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			*gen = mnl_attr_get_u32(attr);
			return true;
		}
	}
	return false;
}

static int deliver(struct transact *t, const struct nlmsghdr *nlh)
{
	uint32_t gen;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	if (t->dump) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			t->intr = true;
		if (message_generation(nlh, &gen)) {
			if (t->have_gen && gen != t->gen)
				t->intr = true;
			t->have_gen = true;
			t->gen = gen;
		}
		if (t->intr)
			return 0;	/* will be restarted */
	}
	return t->cb ? t->cb(nlh, t->data) : 0;
}

/*
 * Handle one message of the answer to the request numbered seq. Returns 1
 * while more is expected, 0 when the answer is complete, or an error.
 * *cb_err keeps the first error of the callback: the answer is still read
 * to its end so that the next request does not see its remains.
 */
static int handle_message(struct tandem_nl *nl, struct transact *t,
			  const struct nlmsghdr *nlh, int *cb_err)
{
	int ret;

	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return 1;
	case NLMSG_OVERRUN:
		return -EOVERFLOW;
	case NLMSG_ERROR:
	case NLMSG_DONE:
		ret = tandem_nl_parse_error(nlh, &nl->err);
		if (ret)
			return ret;
		return nl->err.code;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return 1;
	ret = deliver(t, nlh);
	if (ret && !*cb_err)
		*cb_err = ret;
	return 1;	/* the ACK or NLMSG_DONE ends the answer */
}

static int transact(struct tandem_nl *nl, struct nlmsghdr *req,
		    struct transact *t)
{
	uint32_t seq = ++nl->seq;
	int cb_err = 0;

	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	memset(&nl->err, 0, sizeof(nl->err));
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *nlh;
		int len = recv_datagram(nl);
		int ret = 1;

		if (len == -EINTR)
			continue;
		if (len < 0)
			return len;
		nlh = (const struct nlmsghdr *)nl->buf;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			/* Leftovers of an earlier request are skipped. */
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;
			ret = handle_message(nl, t, nlh, &cb_err);
			if (ret <= 0)
				break;
		}
		if (ret < 0)
			return ret;
		if (ret == 0)
			return cb_err;
		if (len > 0)
			return -EBADMSG;	/* a truncated message */
	}
}

int tandem_nl_request(struct tandem_nl *nl, struct nlmsghdr *nlh,
		      tandem_nl_cb cb, void *data)
{
	struct transact t = { .cb = cb, .data = data };

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	return transact(nl, nlh, &t);
}

int tandem_nl_dump(struct tandem_nl *nl, struct nlmsghdr *nlh,
		   tandem_nl_cb cb, tandem_nl_reset_cb reset, void *data)
{
	int attempt;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	for (attempt = 0; attempt <= TANDEM_NL_DUMP_RETRIES; attempt++) {
		struct transact t = { .cb = cb, .data = data, .dump = true };
		int ret;

		if (reset)
			reset(data);
		ret = transact(nl, nlh, &t);
		if (ret)
			return ret;
		if (!t.intr)
			return 0;
	}
	snprintf(nl->err.msg, sizeof(nl->err.msg),
		 "the dump was interrupted by concurrent changes %d times",
		 TANDEM_NL_DUMP_RETRIES + 1);
	nl->err.code = -EAGAIN;
	return -EAGAIN;
}

struct nlmsghdr *tandem_nl_msg(const struct tandem_nl *nl, void *buf,
			       uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = TANDEM_GENL_VERSION;
	return nlh;
}

static int mcast_group_cb(const struct nlattr *grp, struct family_info *info)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(attr, grp) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return -EBADMSG;
			name = mnl_attr_get_str(attr);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			id = mnl_attr_get_u32(attr);
			break;
		}
	}
	if (name && info->group && !strcmp(name, info->group))
		info->group_id = id;
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_info *info = data;
	const struct nlattr *attr, *grp;
	int ret;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			info->id = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			info->version = mnl_attr_get_u32(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr) {
				ret = mcast_group_cb(grp, info);
				if (ret)
					return ret;
			}
			break;
		}
	}
	return 0;
}

static int lookup_family(struct tandem_nl *nl, const char *family,
			 struct family_info *info)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;
	int ret;

	nlh->nlmsg_type = GENL_ID_CTRL;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	ret = tandem_nl_request(nl, nlh, family_cb, info);
	if (ret)
		return ret;
	return info->id ? 0 : -EBADMSG;
}

static int resolve_family(struct tandem_nl *nl, const char *family,
			  const char *group)
{
	struct family_info info = { .group = group };
	int ret;

	ret = lookup_family(nl, family, &info);
	if (ret)
		return ret;
	nl->family = info.id;
	nl->version = info.version;
	nl->mcast_group = info.group_id;
	return 0;
}

static void set_flag(struct mnl_socket *sock, int opt)
{
	int one = 1;

	/* Older kernels lack these; requests still work, with less detail. */
	mnl_socket_setsockopt(sock, opt, &one, sizeof(one));
}

int tandem_nl_open(struct tandem_nl *nl)
{
	return tandem_nl_open_family(nl, TANDEM_GENL_NAME, TANDEM_MCGRP_EVENTS);
}

int tandem_nl_open_family(struct tandem_nl *nl, const char *family,
			  const char *group)
{
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return -errno;
	set_flag(nl->sock, NETLINK_EXT_ACK);
	set_flag(nl->sock, NETLINK_CAP_ACK);
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	ret = ensure_buf(nl, MNL_SOCKET_BUFFER_SIZE);
	if (ret)
		goto err;
	ret = resolve_family(nl, family, group);
	if (ret)
		goto err;
	return 0;
err:
	tandem_nl_close(nl);
	return ret;
}

void tandem_nl_close(struct tandem_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
	nl->buf_size = 0;
}

static int join_group(struct tandem_nl *nl, unsigned int grp)
{
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	return 0;
}

int tandem_nl_join_events(struct tandem_nl *nl)
{
	struct family_info ctrl = { .group = "notify" };
	int ret;

	if (!nl->mcast_group)
		return -EOPNOTSUPP;
	ret = join_group(nl, nl->mcast_group);
	if (ret)
		return ret;
	/* nlctrl's own notifications say when the family goes away. */
	ret = lookup_family(nl, "nlctrl", &ctrl);
	if (ret || !ctrl.group_id)
		return 0;
	return join_group(nl, ctrl.group_id);
}

/* Whether a message of nlctrl announces the removal of the family. */
static bool family_removed(const struct tandem_nl *nl,
			   const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    genl->cmd != CTRL_CMD_DELFAMILY)
		return false;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) == 0 &&
		    mnl_attr_get_u16(attr) == nl->family)
			return true;
	return false;
}

int tandem_nl_recv_events(struct tandem_nl *nl, tandem_nl_cb cb, void *data)
{
	const struct nlmsghdr *nlh;
	int len = recv_datagram(nl);
	int ret;

	if (len < 0)
		return len;
	nlh = (const struct nlmsghdr *)nl->buf;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == GENL_ID_CTRL && family_removed(nl, nlh))
			return -ENODEV;
		if (nlh->nlmsg_type != nl->family)
			continue;
		if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
			return -EBADMSG;
		ret = cb(nlh, data);
		if (ret)
			return ret;
	}
	return 0;
}
