// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "args.h"
#include "report.h"
#include "tandem.h"

#define SERVICE_SELECT \
	{ "group", KW_NAME, TANDEM_A_GROUP_NAME, 0, 0, 0 }, \
	{ "group-id", KW_NUM, TANDEM_A_GROUP_ID, 1, UINT32_MAX, 0 }, \
	{ "port", KW_NUM, TANDEM_A_SERVICE_PORT, 1, UINT16_MAX, 0 }

static const struct kw change_kws[] = {
	SERVICE_SELECT,
	{ "max-lag-bytes", KW_SIZE, TANDEM_A_SERVICE_MAX_LAG_BYTES,
	  TANDEM_MAX_LAG_BYTES_MIN, TANDEM_MAX_LAG_BYTES_MAX, KW_ZERO_OK },
	{ "max-lag-ms", KW_NUM, TANDEM_A_SERVICE_MAX_LAG_MS, 0,
	  TANDEM_MAX_LAG_MAX_MS, 0 },
};

static const struct kw select_kws[] = {
	SERVICE_SELECT,
};

static const struct grammar grammars[] = {
	[VERB_ADD] = GRAMMAR("service", "add", change_kws, 0),
	[VERB_SET] = GRAMMAR("service", "set", change_kws, 0),
	[VERB_DEL] = GRAMMAR("service", "del", select_kws, 0),
	[VERB_SHOW] = GRAMMAR("service", "show", select_kws, 0),
};

static const uint8_t commands[] = {
	[VERB_ADD] = TANDEM_CMD_SERVICE_NEW,
	[VERB_SET] = TANDEM_CMD_SERVICE_SET,
	[VERB_DEL] = TANDEM_CMD_SERVICE_DEL,
	[VERB_SHOW] = TANDEM_CMD_SERVICE_GET,
};

static const char *const failures[] = {
	[VERB_ADD] = "add service port %" PRIu64 " to group %s",
	[VERB_SET] = "change service port %" PRIu64 " of group %s",
	[VERB_DEL] = "delete service port %" PRIu64 " of group %s",
	[VERB_SHOW] = "show service port %" PRIu64 " of group %s",
};

#define GROUP_SELECTOR ((1ULL << TANDEM_A_GROUP_NAME) | (1ULL << TANDEM_A_GROUP_ID))
#define SELECTOR (GROUP_SELECTOR | (1ULL << TANDEM_A_SERVICE_PORT))

void service_help(FILE *f)
{
	fputs("Usage: tandem service add GROUP port PORT [ LIMITS ]\n"
	      "       tandem service set GROUP port PORT LIMITS\n"
	      "       tandem service del GROUP port PORT\n"
	      "       tandem service show [ GROUP [ port PORT ] ]\n"
	      "GROUP := group NAME | group-id ID\n"
	      "LIMITS := [ max-lag-bytes BYTES ] [ max-lag-ms MS ]   (0: the group's)\n"
	      "A service is a TCP port of the group's VIP whose connections are protected.\n",
	      f);
}

static int check(const struct grammar *g, int verb,
		 const struct tandem_req *req)
{
	if (verb == VERB_SHOW) {
		if (req_has(req, TANDEM_A_SERVICE_PORT) &&
		    !(req->present & GROUP_SELECTOR)) {
			args_error(g, "\"port\" needs \"group NAME\"");
			return -EINVAL;
		}
		return 0;
	}
	if (!(req->present & GROUP_SELECTOR)) {
		args_error(g, "missing \"group NAME\"");
		return -EINVAL;
	}
	if (args_require(g, req, TANDEM_A_SERVICE_PORT))
		return -EINVAL;
	if (verb == VERB_SET && !(req->present & ~SELECTOR)) {
		args_error(g, "nothing to change");
		return -EINVAL;
	}
	return 0;
}

int service_parse(int argc, char **argv, struct tandem_req *req)
{
	const struct grammar *g;
	char label[64], detail[96];
	int verb;

	verb = argc ? args_verb(argv[0]) : VERB_SHOW;
	if (verb < 0) {
		report_usage("service", "service: unknown command \"%s\"", argv[0]);
		return -EINVAL;
	}
	if (verb == VERB_HELP) {
		service_help(stdout);
		return TANDEM_HELP;
	}
	g = &grammars[verb];
	req_init(req, TANDEM_OBJ_SERVICE, commands[verb]);
	if (args_parse(g, argc ? argc - 1 : 0, argv + 1, req) ||
	    check(g, verb, req))
		return -EINVAL;
	req_group_label(req, label, sizeof(label));
	if (verb == VERB_SHOW && !req_has(req, TANDEM_A_SERVICE_PORT)) {
		req->dump = true;
		if (req->present & GROUP_SELECTOR)
			snprintf(req->what, sizeof(req->what),
				 "cannot list the services of group %s", label);
		else
			snprintf(req->what, sizeof(req->what),
				 "cannot list services");
		return 0;
	}
	snprintf(detail, sizeof(detail), failures[verb],
		 req->num[TANDEM_A_SERVICE_PORT], label);
	snprintf(req->what, sizeof(req->what), "cannot %s", detail);
	return 0;
}
