// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink session: extended ACKs from synthesized error messages, the
 * error reports, and requests and dumps against the kernel's own nlctrl
 * family (no tandem module needed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/tandem.h>

#include "kselftest_harness.h"
#include "netlink.h"
#include "report.h"

/* A request as the CLI would send it, to be quoted in an error. */
static struct nlmsghdr *request(uint8_t *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = 0x1c;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 77;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = TANDEM_CMD_GROUP_NEW;
	mnl_attr_put_strz(nlh, TANDEM_A_GROUP_NAME, "g1");
	mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, 1);
	return nlh;
}

/* NLMSG_ERROR quoting req (whole, or only its header when capped). */
static struct nlmsghdr *error_msg(uint8_t *buf, int code,
				  const struct nlmsghdr *req, bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t quoted = capped ? sizeof(*req) : req->nlmsg_len;
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	nlh->nlmsg_seq = req->nlmsg_seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(int) + quoted);
	e->error = code;
	memcpy(&e->msg, req, quoted);
	return nlh;
}

TEST(extack_capped)
{
	uint8_t rbuf[MNL_SOCKET_BUFFER_SIZE], buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *req = request(rbuf);
	struct nlmsghdr *nlh = error_msg(buf, -EEXIST, req, true);
	struct tandem_nl_error err;

	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "group name g1 is already used");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	ASSERT_EQ(0, tandem_nl_parse_error(nlh, &err));
	ASSERT_EQ(-EEXIST, err.code);
	ASSERT_STREQ("group name g1 is already used", err.msg);
	ASSERT_TRUE(err.has_offset);
	ASSERT_EQ(20, err.offset);
	ASSERT_FALSE(err.has_miss_type);
}

TEST(extack_uncapped)
{
	uint8_t rbuf[MNL_SOCKET_BUFFER_SIZE], buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *req = request(rbuf);
	struct nlmsghdr *nlh = error_msg(buf, -EINVAL, req, false);
	struct tandem_nl_error err;

	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "missing VIP");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, TANDEM_A_GROUP_VIP);
	ASSERT_EQ(0, tandem_nl_parse_error(nlh, &err));
	ASSERT_EQ(-EINVAL, err.code);
	ASSERT_STREQ("missing VIP", err.msg);
	ASSERT_TRUE(err.has_miss_type);
	ASSERT_EQ(TANDEM_A_GROUP_VIP, err.miss_type);
	ASSERT_FALSE(err.has_offset);
}

TEST(plain_errors_and_acks)
{
	uint8_t rbuf[MNL_SOCKET_BUFFER_SIZE], buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *req = request(rbuf);
	struct tandem_nl_error err;

	/* An old kernel: no TLVs at all. */
	ASSERT_EQ(0, tandem_nl_parse_error(error_msg(buf, -ENOENT, req, false),
					   &err));
	ASSERT_EQ(-ENOENT, err.code);
	ASSERT_STREQ("", err.msg);
	/* An ACK quotes only the header, capped or not. */
	ASSERT_EQ(0, tandem_nl_parse_error(error_msg(buf, 0, req, true), &err));
	ASSERT_EQ(0, err.code);
}

TEST(dump_done_with_error)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tandem_nl_error err;
	int *code;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	code = mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	*code = 0;
	ASSERT_EQ(0, tandem_nl_parse_error(nlh, &err));
	ASSERT_EQ(0, err.code);

	*code = -ENOENT;
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "no group g9");
	ASSERT_EQ(0, tandem_nl_parse_error(nlh, &err));
	ASSERT_EQ(-ENOENT, err.code);
	ASSERT_STREQ("no group g9", err.msg);
}

TEST(malformed_errors)
{
	uint8_t rbuf[MNL_SOCKET_BUFFER_SIZE], buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *req = request(rbuf);
	struct nlmsghdr *nlh;
	struct tandem_nl_error err;

	/* Shorter than struct nlmsgerr. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	ASSERT_EQ(-EBADMSG, tandem_nl_parse_error(nlh, &err));

	/* Quotes a request longer than itself. */
	nlh = error_msg(buf, -EINVAL, req, true);
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	ASSERT_EQ(-EBADMSG, tandem_nl_parse_error(nlh, &err));

	/* Not an errno. */
	nlh = error_msg(buf, 5, req, true);
	ASSERT_EQ(-EBADMSG, tandem_nl_parse_error(nlh, &err));

	/* A message attribute that is not a string. */
	nlh = error_msg(buf, -EINVAL, req, true);
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put(nlh, NLMSGERR_ATTR_MSG, 3, "abc");
	ASSERT_EQ(-EBADMSG, tandem_nl_parse_error(nlh, &err));
}

#define CAPTURE(text, call) do {					\
	size_t __len;							\
	FILE *f = open_memstream(&(text), &__len);			\
	ASSERT_NE(NULL, f);						\
	call;								\
	fclose(f);							\
} while (0)

TEST(error_reports)
{
	struct tandem_nl_error err = { .code = -EEXIST };
	char *text = NULL;

	strcpy(err.msg, "group name g1 is already used");
	CAPTURE(text, report_error(f, "cannot add group g1", -EEXIST, &err));
	ASSERT_STREQ("tandem: cannot add group g1: File exists: group name g1 is already used\n",
		     text);
	free(text);

	/* An error that did not come from the kernel has no extack. */
	CAPTURE(text, report_error(f, "cannot add group g1", -ENOMEM, &err));
	ASSERT_STREQ("tandem: cannot add group g1: Cannot allocate memory\n", text);
	free(text);

	CAPTURE(text, report_error(f, "cannot list groups", -EPERM, NULL));
	ASSERT_STREQ("tandem: cannot list groups: Operation not permitted\n", text);
	free(text);

	memset(&err, 0, sizeof(err));
	err.code = -EINVAL;
	err.has_miss_type = true;
	err.miss_type = TANDEM_A_GROUP_VIP;
	CAPTURE(text, report_error(f, "cannot add group g1", -EINVAL, &err));
	ASSERT_STREQ("tandem: cannot add group g1: Invalid argument: missing vip\n",
		     text);
	free(text);
	err.miss_type = 999;
	CAPTURE(text, report_error(f, "cannot add group g1", -EINVAL, &err));
	ASSERT_STREQ("tandem: cannot add group g1: Invalid argument: missing attribute 999\n",
		     text);
	free(text);
}

TEST(open_reports)
{
	char *text = NULL;

	CAPTURE(text, report_open_error(f, -ENOENT));
	ASSERT_STREQ("tandem: the tandem kernel module is not loaded "
		     "(modprobe tandem / insmod tandem.ko)\n", text);
	free(text);
	CAPTURE(text, report_open_error(f, -EACCES));
	ASSERT_STREQ("tandem: cannot open a generic netlink socket: Permission denied\n",
		     text);
	free(text);
}

/* The kernel's nlctrl family stands in for tandem below. */
static int open_ctrl(struct __test_metadata *_metadata, struct tandem_nl *nl)
{
	int ret = tandem_nl_open_family(nl, "nlctrl", "notify");

	if (ret == -EPERM || ret == -EACCES || ret == -EAFNOSUPPORT ||
	    ret == -EPROTONOSUPPORT)
		SKIP(return ret, "no generic netlink here: %s", strerror(-ret));
	return ret;
}

struct families {
	int count;
	int resets;
	bool found_ctrl;
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct families *f = data;
	const struct nlattr *attr;

	f->count++;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_NAME &&
		    !strcmp(mnl_attr_get_str(attr), "nlctrl"))
			f->found_ctrl = true;
	return 0;
}

static void family_reset(void *data)
{
	struct families *f = data;

	f->count = 0;
	f->resets++;
}

TEST(resolve_and_dump)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct families fam = { 0 };
	struct tandem_nl nl;
	struct nlmsghdr *nlh;

	if (open_ctrl(_metadata, &nl))
		return;
	ASSERT_EQ(GENL_ID_CTRL, nl.family);
	ASSERT_NE(0, nl.mcast_group);
	nlh = tandem_nl_msg(&nl, buf, CTRL_CMD_GETFAMILY, 0);
	ASSERT_EQ(0, tandem_nl_dump(&nl, nlh, family_cb, family_reset, &fam));
	ASSERT_EQ(1, fam.resets);
	ASSERT_LT(1, fam.count);
	ASSERT_TRUE(fam.found_ctrl);
	tandem_nl_close(&nl);
}

TEST(kernel_errors)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct families fam = { 0 };
	struct tandem_nl nl;
	struct nlmsghdr *nlh;

	if (open_ctrl(_metadata, &nl))
		return;
	nlh = tandem_nl_msg(&nl, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "tandem-nothere");
	ASSERT_EQ(-ENOENT, tandem_nl_request(&nl, nlh, family_cb, &fam));
	ASSERT_EQ(-ENOENT, nl.err.code);
	ASSERT_EQ(0, fam.count);

	/* A name longer than a family's fails the policy, with an extack. */
	nlh = tandem_nl_msg(&nl, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "a-name-too-long-for-genl");
	ASSERT_EQ(-EINVAL, tandem_nl_request(&nl, nlh, family_cb, &fam));
	ASSERT_EQ(-EINVAL, nl.err.code);
	TH_LOG("extack: \"%s\", offset %s %u", nl.err.msg,
	       nl.err.has_offset ? "yes" : "no", nl.err.offset);
	ASSERT_TRUE(nl.err.msg[0] || nl.err.has_offset);
	if (nl.err.has_offset)
		ASSERT_EQ(GENL_HDRLEN + NLMSG_HDRLEN, nl.err.offset);

	/* The session is still in step afterwards. */
	nlh = tandem_nl_msg(&nl, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	ASSERT_EQ(0, tandem_nl_request(&nl, nlh, family_cb, &fam));
	ASSERT_EQ(1, fam.count);
	ASSERT_TRUE(fam.found_ctrl);
	tandem_nl_close(&nl);
}

TEST(stale_replies_are_skipped)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct families fam = { 0 };
	struct tandem_nl nl;
	struct nlmsghdr *nlh;

	if (open_ctrl(_metadata, &nl))
		return;
	/* An answer nobody waits for: a dump, left unread. */
	nlh = tandem_nl_msg(&nl, buf, CTRL_CMD_GETFAMILY,
			    NLM_F_DUMP | NLM_F_ACK);
	nlh->nlmsg_seq = 1;
	ASSERT_LT(0, mnl_socket_sendto(nl.sock, nlh, nlh->nlmsg_len));

	nlh = tandem_nl_msg(&nl, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	ASSERT_EQ(0, tandem_nl_request(&nl, nlh, family_cb, &fam));
	ASSERT_EQ(1, fam.count);
	ASSERT_TRUE(fam.found_ctrl);
	tandem_nl_close(&nl);
}

TEST(missing_family)
{
	struct tandem_nl nl;
	int ret;

	if (open_ctrl(_metadata, &nl))
		return;
	tandem_nl_close(&nl);
	ret = tandem_nl_open_family(&nl, "tandem-nothere", NULL);
	ASSERT_EQ(-ENOENT, ret);
	ret = tandem_nl_open(&nl);
	if (ret == 0) {
		tandem_nl_close(&nl);
		SKIP(return, "the tandem module is loaded here");
	}
	ASSERT_EQ(-ENOENT, ret);
}

TEST_HARNESS_MAIN
