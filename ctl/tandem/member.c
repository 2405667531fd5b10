// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "args.h"
#include "report.h"
#include "tandem.h"

#define MEMBER_SELECT \
	{ "group", KW_NAME, TANDEM_A_GROUP_NAME, 0, 0, 0 }, \
	{ "group-id", KW_NUM, TANDEM_A_GROUP_ID, 1, UINT32_MAX, 0 }, \
	{ "node", KW_NUM, TANDEM_A_MEMBER_NODE_ID, 1, UINT32_MAX, 0 }

#define MEMBER_SETTINGS \
	{ "addr", KW_ADDR, TANDEM_A_MEMBER_ADDR, 0, 0, 0 }, \
	{ "port", KW_NUM, TANDEM_A_MEMBER_PORT, 1, UINT16_MAX, 0 }, \
	{ "priority", KW_NUM, TANDEM_A_MEMBER_PRIORITY, 0, UINT8_MAX, 0 }, \
	{ "witness", KW_ONOFF, TANDEM_A_MEMBER_WITNESS, 0, 0, 0 }

static const struct kw change_kws[] = {
	MEMBER_SELECT,
	MEMBER_SETTINGS,
};

static const struct kw select_kws[] = {
	MEMBER_SELECT,
};

static const struct grammar grammars[] = {
	[VERB_ADD] = GRAMMAR("member", "add", change_kws, 0),
	[VERB_SET] = GRAMMAR("member", "set", change_kws, 0),
	[VERB_DEL] = GRAMMAR("member", "del", select_kws, 0),
	[VERB_SHOW] = GRAMMAR("member", "show", select_kws, 0),
};

static const uint8_t commands[] = {
	[VERB_ADD] = TANDEM_CMD_MEMBER_NEW,
	[VERB_SET] = TANDEM_CMD_MEMBER_SET,
	[VERB_DEL] = TANDEM_CMD_MEMBER_DEL,
	[VERB_SHOW] = TANDEM_CMD_MEMBER_GET,
};

static const char *const failures[] = {
	[VERB_ADD] = "add member %" PRIu64 " to group %s",
	[VERB_SET] = "change member %" PRIu64 " of group %s",
	[VERB_DEL] = "delete member %" PRIu64 " of group %s",
	[VERB_SHOW] = "show member %" PRIu64 " of group %s",
};

#define GROUP_SELECTOR ((1ULL << TANDEM_A_GROUP_NAME) | (1ULL << TANDEM_A_GROUP_ID))
#define SELECTOR (GROUP_SELECTOR | (1ULL << TANDEM_A_MEMBER_NODE_ID))

void member_help(FILE *f)
{
	fputs("Usage: tandem member add GROUP node NODE_ID addr ADDR [ SETTINGS ]\n"
	      "       tandem member set GROUP node NODE_ID [ addr ADDR ] [ SETTINGS ]\n"
	      "       tandem member del GROUP node NODE_ID\n"
	      "       tandem member show [ GROUP [ node NODE_ID ] ]\n"
	      "GROUP := group NAME | group-id ID\n"
	      "SETTINGS := [ port PORT ] [ priority 0-255 ] [ witness on|off ]\n"
	      "A member is a peer node of the group: its replication address and port,\n"
	      "its election priority (higher is preferred), and whether it is a witness.\n",
	      f);
}

static int check(const struct grammar *g, int verb,
		 const struct tandem_req *req)
{
	if (verb == VERB_SHOW) {
		if (req_has(req, TANDEM_A_MEMBER_NODE_ID) &&
		    !(req->present & GROUP_SELECTOR)) {
			args_error(g, "\"node\" needs \"group NAME\"");
			return -EINVAL;
		}
		return 0;
	}
	if (!(req->present & GROUP_SELECTOR)) {
		args_error(g, "missing \"group NAME\"");
		return -EINVAL;
	}
	if (args_require(g, req, TANDEM_A_MEMBER_NODE_ID))
		return -EINVAL;
	if (verb == VERB_ADD && args_require(g, req, TANDEM_A_MEMBER_ADDR))
		return -EINVAL;
	if (verb == VERB_SET && !(req->present & ~SELECTOR)) {
		args_error(g, "nothing to change");
		return -EINVAL;
	}
	return 0;
}

int member_parse(int argc, char **argv, struct tandem_req *req)
{
	const struct grammar *g;
	char label[64], detail[96];
	int verb;

	verb = argc ? args_verb(argv[0]) : VERB_SHOW;
	if (verb < 0) {
		report_usage("member", "member: unknown command \"%s\"", argv[0]);
		return -EINVAL;
	}
	if (verb == VERB_HELP) {
		member_help(stdout);
		return TANDEM_HELP;
	}
	g = &grammars[verb];
	req_init(req, TANDEM_OBJ_MEMBER, commands[verb]);
	if (args_parse(g, argc ? argc - 1 : 0, argv + 1, req) ||
	    check(g, verb, req))
		return -EINVAL;
	req_group_label(req, label, sizeof(label));
	if (verb == VERB_SHOW && !req_has(req, TANDEM_A_MEMBER_NODE_ID)) {
		req->dump = true;
		if (req->present & GROUP_SELECTOR)
			snprintf(req->what, sizeof(req->what),
				 "cannot list the members of group %s", label);
		else
			snprintf(req->what, sizeof(req->what),
				 "cannot list members");
		return 0;
	}
	snprintf(detail, sizeof(detail), failures[verb],
		 req->num[TANDEM_A_MEMBER_NODE_ID], label);
	snprintf(req->what, sizeof(req->what), "cannot %s", detail);
	return 0;
}
