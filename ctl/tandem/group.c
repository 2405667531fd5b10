// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "args.h"
#include "report.h"
#include "tandem.h"

#define GROUP_SELECT \
	{ "name", KW_NAME, TANDEM_A_GROUP_NAME, 0, 0, 0 }, \
	{ "id", KW_NUM, TANDEM_A_GROUP_ID, 1, UINT32_MAX, 0 }

#define GROUP_REPLICATION \
	{ "local", KW_ADDR, TANDEM_A_GROUP_REPL_ADDR, 0, 0, 0 }, \
	{ "port", KW_NUM, TANDEM_A_GROUP_REPL_PORT, 1, UINT16_MAX, 0 }, \
	{ "key", KW_KEY, TANDEM_A_GROUP_KEY, 0, 0, 0 }, \
	{ "mac", KW_MAC, TANDEM_A_GROUP_MAC, 0, 0, 0 }

#define GROUP_TUNABLES \
	{ "syn-timeout", KW_NUM, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 1, \
	  TANDEM_SYN_TIMEOUT_MAX_MS, 0 }, \
	{ "max-lag-bytes", KW_SIZE, TANDEM_A_GROUP_MAX_LAG_BYTES, \
	  TANDEM_MAX_LAG_BYTES_MIN, TANDEM_MAX_LAG_BYTES_MAX, 0 }, \
	{ "max-lag-ms", KW_NUM, TANDEM_A_GROUP_MAX_LAG_MS, 1, \
	  TANDEM_MAX_LAG_MAX_MS, 0 }, \
	{ "max-conns", KW_NUM, TANDEM_A_GROUP_MAX_CONNS, 1, TANDEM_CONNS_MAX, 0 }, \
	{ "garp-count", KW_NUM, TANDEM_A_GROUP_GARP_COUNT, 0, \
	  TANDEM_GARP_COUNT_MAX, 0 }, \
	{ "garp-interval", KW_NUM, TANDEM_A_GROUP_GARP_INTERVAL_MS, 1, \
	  TANDEM_GARP_INTERVAL_MAX_MS, 0 }, \
	{ "garp-refresh", KW_NUM, TANDEM_A_GROUP_GARP_REFRESH_MS, 0, \
	  TANDEM_GARP_REFRESH_MAX_MS, 0 }

static const struct kw add_kws[] = {
	GROUP_SELECT,
	{ "vip", KW_ADDR, TANDEM_A_GROUP_VIP, 0, 0, 0 },
	{ "node", KW_NUM, TANDEM_A_GROUP_NODE_ID, 1, UINT32_MAX, 0 },
	GROUP_REPLICATION,
	GROUP_TUNABLES,
};

static const struct kw set_kws[] = {
	GROUP_SELECT,
	{ "role", KW_ROLE, TANDEM_A_GROUP_ROLE, 0, 0, 0 },
	{ "epoch", KW_NUM, TANDEM_A_GROUP_EPOCH, 0, UINT64_MAX, 0 },
	{ "lease", KW_NUM, TANDEM_A_GROUP_LEASE_MS, 1, TANDEM_LEASE_MAX_MS, 0 },
	{ "lease-expiry", KW_NUM, TANDEM_A_GROUP_LEASE_EXPIRY_NS, 1, UINT64_MAX, 0 },
	{ "prior-epoch", KW_NUM, TANDEM_A_GROUP_PRIOR_EPOCH, 0, UINT64_MAX, 0 },
	GROUP_REPLICATION,
	GROUP_TUNABLES,
};

static const struct kw select_kws[] = {
	GROUP_SELECT,
};

static const struct grammar grammars[] = {
	[VERB_ADD] = GRAMMAR("group", "add", add_kws, TANDEM_A_GROUP_NAME),
	[VERB_SET] = GRAMMAR("group", "set", set_kws, TANDEM_A_GROUP_NAME),
	[VERB_DEL] = GRAMMAR("group", "del", select_kws, TANDEM_A_GROUP_NAME),
	[VERB_SHOW] = GRAMMAR("group", "show", select_kws, TANDEM_A_GROUP_NAME),
};

static const uint8_t commands[] = {
	[VERB_ADD] = TANDEM_CMD_GROUP_NEW,
	[VERB_SET] = TANDEM_CMD_GROUP_SET,
	[VERB_DEL] = TANDEM_CMD_GROUP_DEL,
	[VERB_SHOW] = TANDEM_CMD_GROUP_GET,
};

static const char *const failures[] = {
	[VERB_ADD] = "add",
	[VERB_SET] = "change",
	[VERB_DEL] = "delete",
	[VERB_SHOW] = "show",
};

#define SELECTOR ((1ULL << TANDEM_A_GROUP_NAME) | (1ULL << TANDEM_A_GROUP_ID))

void group_help(FILE *f)
{
	fputs("Usage: tandem group add NAME id ID vip ADDR node NODE_ID\n"
	      "                        [ local ADDR ] [ port PORT ] [ key FILE|- ]\n"
	      "                        [ mac MAC ] [ TUNABLES ]\n"
	      "       tandem group set GROUP [ role primary|backup|fenced ] [ epoch N ]\n"
	      "                        [ lease MS | lease-expiry NS ] [ prior-epoch N ]\n"
	      "                        [ local ADDR ] [ port PORT ] [ key FILE|- ]\n"
	      "                        [ mac MAC ] [ TUNABLES ]\n"
	      "       tandem group del GROUP\n"
	      "       tandem group show [ GROUP ]\n"
	      "GROUP := NAME | name NAME | id ID\n"
	      "TUNABLES := [ syn-timeout MS ] [ max-lag-bytes BYTES ] [ max-lag-ms MS ]\n"
	      "            [ max-conns N ] [ garp-count N ] [ garp-interval MS ]\n"
	      "            [ garp-refresh MS ]\n"
	      "lease-expiry NS: CLOCK_MONOTONIC nanoseconds at which the lease ends.\n"
	      "prior-epoch N: with role primary, the highest epoch of another node the\n"
	      "  electing quorum had promised: a fenced primary resumes its suspended\n"
	      "  connections if N is below the epoch it was fenced in (else resets them).\n"
	      "local and port: this node's replication address and port.\n"
	      "key FILE: 32 bytes, raw or in base64 (tandem genkey); \"-\" is stdin.\n"
	      "MAC := xchacha20-poly1305 (the default) | hmac-sha256: how replication\n"
	      "  datagrams are authenticated; every member must use the same.\n"
	      "BYTES may end in K, M or G.\n", f);
}

static int check_add(const struct grammar *g, const struct tandem_req *req)
{
	if (!req_has(req, TANDEM_A_GROUP_NAME)) {
		args_error(g, "missing the group's NAME");
		return -EINVAL;
	}
	if (args_require(g, req, TANDEM_A_GROUP_ID) ||
	    args_require(g, req, TANDEM_A_GROUP_VIP) ||
	    args_require(g, req, TANDEM_A_GROUP_NODE_ID))
		return -EINVAL;
	return 0;
}

int group_parse(int argc, char **argv, struct tandem_req *req)
{
	const struct grammar *g;
	char label[64];
	int verb;

	verb = argc ? args_verb(argv[0]) : VERB_SHOW;
	if (verb < 0) {
		report_usage("group", "group: unknown command \"%s\"", argv[0]);
		return -EINVAL;
	}
	if (verb == VERB_HELP) {
		group_help(stdout);
		return TANDEM_HELP;
	}
	g = &grammars[verb];
	req_init(req, TANDEM_OBJ_GROUP, commands[verb]);
	if (args_parse(g, argc ? argc - 1 : 0, argv + 1, req))
		return -EINVAL;
	if (verb == VERB_ADD && check_add(g, req))
		return -EINVAL;
	if ((verb == VERB_SET || verb == VERB_DEL) && !(req->present & SELECTOR)) {
		args_error(g, "missing the group (NAME or \"id ID\")");
		return -EINVAL;
	}
	if (verb == VERB_SET && !(req->present & ~SELECTOR)) {
		args_error(g, "nothing to change");
		return -EINVAL;
	}
	if (verb == VERB_SHOW && !(req->present & SELECTOR)) {
		req->dump = true;
		snprintf(req->what, sizeof(req->what), "cannot list groups");
		return 0;
	}
	req_group_label(req, label, sizeof(label));
	snprintf(req->what, sizeof(req->what), "cannot %s group %s",
		 failures[verb], label);
	return 0;
}
