// SPDX-License-Identifier: GPL-2.0
/*
 * "tandem stats": the counters of the namespace or of one group.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "args.h"
#include "print.h"
#include "report.h"
#include "tandem.h"

/* The JSON (and text) name of each counter; enum tandem_stat documents them. */
static const char *const stat_names[] = {
	[TANDEM_STAT_CHAN_TX] = "chan_tx",
	[TANDEM_STAT_CHAN_TX_ERRORS] = "chan_tx_errors",
	[TANDEM_STAT_CHAN_RX] = "chan_rx",
	[TANDEM_STAT_CHAN_DROP_SHORT] = "chan_drop_short",
	[TANDEM_STAT_CHAN_DROP_VERSION] = "chan_drop_version",
	[TANDEM_STAT_CHAN_DROP_GROUP] = "chan_drop_group",
	[TANDEM_STAT_CHAN_DROP_SENDER] = "chan_drop_sender",
	[TANDEM_STAT_CHAN_DROP_TAG] = "chan_drop_tag",
	[TANDEM_STAT_CHAN_DROP_STALE] = "chan_drop_stale",
	[TANDEM_STAT_CHAN_DROP_REPLAY] = "chan_drop_replay",
	[TANDEM_STAT_CHAN_DROP_ROLE] = "chan_drop_role",
	[TANDEM_STAT_CHAN_DROP_TYPE] = "chan_drop_type",
	[TANDEM_STAT_HEARTBEAT_TX] = "heartbeat_tx",
	[TANDEM_STAT_HEARTBEAT_RX] = "heartbeat_rx",
	[TANDEM_STAT_MIRRORED] = "mirrored",
	[TANDEM_STAT_INJECTED] = "injected",
	[TANDEM_STAT_SUPPRESSED] = "suppressed",
	[TANDEM_STAT_NET_DROPPED] = "net_dropped",
	[TANDEM_STAT_FENCED_DROPPED] = "fenced_dropped",
	[TANDEM_STAT_ARP_DROPPED] = "arp_dropped",
	[TANDEM_STAT_UNPROTECTED] = "unprotected",
	[TANDEM_STAT_SYNACK_HELD] = "synack_held",
	[TANDEM_STAT_SYN_TIMEOUT] = "syn_timeout",
	[TANDEM_STAT_OPTS_MISMATCH] = "opts_mismatch",
	[TANDEM_STAT_CLAMPED] = "clamped",
	[TANDEM_STAT_WINDOW_UPDATES] = "window_updates",
	[TANDEM_STAT_LAG_DROPPED] = "lag_dropped",
	[TANDEM_STAT_ACK_CLAMPED] = "ack_clamped",
	[TANDEM_STAT_INJECT_NO_CONN] = "inject_no_conn",
	[TANDEM_STAT_INJECT_NOT_READY] = "inject_not_ready",
	[TANDEM_STAT_INJECT_MALFORMED] = "inject_malformed",
	[TANDEM_STAT_INJECT_NO_DEV] = "inject_no_dev",
	[TANDEM_STAT_CONFIRM_SENT] = "confirm_sent",
	[TANDEM_STAT_PROGRESS_SENT] = "progress_sent",
	[TANDEM_STAT_TAKEOVER_RESUMED] = "takeover_resumed",
	[TANDEM_STAT_TAKEOVER_RESET] = "takeover_reset",
	[TANDEM_STAT_GARP_SENT] = "garp_sent",
	[TANDEM_STAT_ACK_REAPPLIED] = "ack_reapplied",
	[TANDEM_STAT_RESENT] = "resent",
	[TANDEM_STAT_RESEND_NOMEM] = "resend_nomem",
	[TANDEM_STAT_PROTECTION_LOST] = "protection_lost",
	[TANDEM_STAT_DIGEST_SENT] = "digest_sent",
	[TANDEM_STAT_DIGEST_MATCHED] = "digest_matched",
	[TANDEM_STAT_DIGEST_UNCHECKED] = "digest_unchecked",
	[TANDEM_STAT_DIVERGED] = "diverged",
	[TANDEM_STAT_SILENCED] = "silenced",
	[TANDEM_STAT_ACK_SEQ_RAISED] = "ack_seq_raised",
	[TANDEM_STAT_REJOINED] = "rejoined",
	[TANDEM_STAT_IN_CSUM_BAD] = "in_csum_bad",
	[TANDEM_STAT_IN_REJECTED] = "in_rejected",
	[TANDEM_STAT_REINCARNATED] = "reincarnated",
	[TANDEM_STAT_SERVICE_RESET] = "service_reset",
	[TANDEM_STAT_DIGEST_TAIL_SENT] = "digest_tail_sent",
	[TANDEM_STAT_DIGEST_TAIL_MATCHED] = "digest_tail_matched",
	[TANDEM_STAT_DIVERGED_RESET] = "diverged_reset",
};

_Static_assert(sizeof(stat_names) / sizeof(stat_names[0]) == __TANDEM_STAT_MAX,
	       "every enum tandem_stat counter needs its name in ctl/stats.c");

static const struct kw select_kws[] = {
	{ "group", KW_NAME, TANDEM_A_GROUP_NAME, 0, 0, 0 },
	{ "group-id", KW_NUM, TANDEM_A_GROUP_ID, 1, UINT32_MAX, 0 },
};

static const struct grammar grammar = GRAMMAR("stats", "show", select_kws, 0);

void stats_help(FILE *f)
{
	fputs("Usage: tandem [ -j [ -p ] ] stats [ show ] [ group NAME | group-id ID ]\n"
	      "The counters of the network namespace (since it was created or the\n"
	      "module loaded), or of one group (since it was created).\n", f);
}

/* A counter's name; "stat_N" for one of a newer kernel. */
static const char *stat_name(unsigned int id, char *buf, size_t size)
{
	if (id < sizeof(stat_names) / sizeof(stat_names[0]) && stat_names[id])
		return stat_names[id];
	snprintf(buf, size, "stat_%u", id);
	return buf;
}

static int counter_cb(const struct nlattr *attr, void *data)
{
	struct json_object *counters = data;
	uint16_t type = mnl_attr_get_type(attr);
	char buf[32];

	if (type == TANDEM_STAT_UNSPEC)
		return MNL_CB_OK;	/* padding */
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	json_object_object_add(counters, stat_name(type, buf, sizeof(buf)),
			       json_object_new_uint64(mnl_attr_get_u64(attr)));
	return MNL_CB_OK;
}

static int reply_attr_cb(const struct nlattr *attr, void *data)
{
	struct json_object *out = data;
	struct json_object *counters;

	switch (mnl_attr_get_type(attr)) {
	case TANDEM_A_GROUP_NAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(out, "group",
				       json_object_new_string(mnl_attr_get_str(attr)));
		break;
	case TANDEM_A_GROUP_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		json_object_object_add(out, "group_id",
				       json_object_new_int64(mnl_attr_get_u32(attr)));
		break;
	case TANDEM_A_STATS:
		counters = json_object_new_object();
		if (!counters)
			return MNL_CB_ERROR;
		json_object_object_add(out, "counters", counters);
		if (mnl_attr_parse_nested(attr, counter_cb, counters) != MNL_CB_OK)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, GENL_HDRLEN, reply_attr_cb, data) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

static void print_text(FILE *f, struct json_object *out)
{
	struct json_object *group = NULL, *counters = NULL;
	int width = 0;

	json_object_object_get_ex(out, "counters", &counters);
	if (json_object_object_get_ex(out, "group", &group))
		fprintf(f, "stats: group %s\n", json_object_get_string(group));
	else
		fputs("stats: namespace\n", f);
	json_object_object_foreach(counters, name, v) {
		int len = strlen(name) + 1;

		(void)v;
		if (len > width)
			width = len;
	}
	json_object_object_foreach(counters, key, val) {
		char label[64];

		snprintf(label, sizeof(label), "%s:", key);
		fprintf(f, "  %-*s %" PRIu64 "\n", width, label,
			json_object_get_uint64(val));
	}
}

static int parse(int argc, char **argv, struct tandem_req *req)
{
	char label[64];

	if (argc && !strcmp(argv[0], "show")) {
		argc--;
		argv++;
	}
	req_init(req, TANDEM_OBJ_GROUP, TANDEM_CMD_STATS_GET);
	if (args_parse(&grammar, argc, argv, req))
		return -EINVAL;
	if (req_has(req, TANDEM_A_GROUP_NAME) || req_has(req, TANDEM_A_GROUP_ID)) {
		req_group_label(req, label, sizeof(label));
		snprintf(req->what, sizeof(req->what),
			 "cannot read the counters of group %s", label);
	} else {
		snprintf(req->what, sizeof(req->what), "cannot read the counters");
	}
	return 0;
}

int stats_main(const struct tandem_opts *opts, int argc, char **argv)
{
	struct json_object *out;
	struct tandem_req req;
	int ret;

	if (parse(argc, argv, &req))
		return TANDEM_EXIT_USAGE;
	out = json_object_new_object();
	if (!out)
		return TANDEM_EXIT_FAIL;
	ret = req_query(&req, reply_cb, NULL, out);
	if (!ret && !json_object_object_get_ex(out, "counters", NULL)) {
		fputs("tandem: stats: the kernel's reply has no counters\n", stderr);
		ret = -EBADMSG;
	}
	if (!ret && opts->json)
		tandem_print_json(stdout, out, opts->pretty);
	else if (!ret)
		print_text(stdout, out);
	json_object_put(out);
	if (ret)
		return TANDEM_EXIT_FAIL;
	if (fflush(stdout)) {
		fprintf(stderr, "tandem: cannot write the output: %s\n",
			strerror(errno));
		return TANDEM_EXIT_FAIL;
	}
	return TANDEM_EXIT_OK;
}
