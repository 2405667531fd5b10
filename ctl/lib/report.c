// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <linux/tandem.h>

#include "report.h"

/* The command line keyword of each attribute the kernel may ask for. */
static const char *const attr_keywords[TANDEM_A_MAX + 1] = {
	[TANDEM_A_GROUP_NAME] = "group name",
	[TANDEM_A_GROUP_ID] = "group id",
	[TANDEM_A_GROUP_VIP] = "vip",
	[TANDEM_A_GROUP_NODE_ID] = "node",
	[TANDEM_A_GROUP_REPL_ADDR] = "local",
	[TANDEM_A_GROUP_REPL_PORT] = "port",
	[TANDEM_A_GROUP_KEY] = "key",
	[TANDEM_A_GROUP_KEY_ALT] = "alternate key",
	[TANDEM_A_GROUP_KEY_ALT_MS] = "alternate key duration",
	[TANDEM_A_GROUP_MAC] = "mac",
	[TANDEM_A_GROUP_ROLE] = "role",
	[TANDEM_A_GROUP_EPOCH] = "epoch",
	[TANDEM_A_GROUP_LEASE_MS] = "lease",
	[TANDEM_A_GROUP_SYN_TIMEOUT_MS] = "syn-timeout",
	[TANDEM_A_GROUP_MAX_LAG_BYTES] = "max-lag-bytes",
	[TANDEM_A_GROUP_MAX_LAG_MS] = "max-lag-ms",
	[TANDEM_A_GROUP_MAX_CONNS] = "max-conns",
	[TANDEM_A_GROUP_GARP_COUNT] = "garp-count",
	[TANDEM_A_GROUP_GARP_INTERVAL_MS] = "garp-interval",
	[TANDEM_A_GROUP_GARP_REFRESH_MS] = "garp-refresh",
	[TANDEM_A_GROUP_LEASE_EXPIRY_NS] = "lease-expiry",
	[TANDEM_A_GROUP_PRIOR_EPOCH] = "prior-epoch",
	[TANDEM_A_MEMBER_NODE_ID] = "member node",
	[TANDEM_A_MEMBER_ADDR] = "member addr",
	[TANDEM_A_MEMBER_PORT] = "member port",
	[TANDEM_A_MEMBER_PRIORITY] = "priority",
	[TANDEM_A_MEMBER_WITNESS] = "witness",
	[TANDEM_A_SERVICE_PORT] = "service port",
	[TANDEM_A_SERVICE_MAX_LAG_BYTES] = "service max-lag-bytes",
	[TANDEM_A_SERVICE_MAX_LAG_MS] = "service max-lag-ms",
};

void report_usage(const char *obj, const char *fmt, ...)
{
	va_list ap;

	fputs("tandem: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (obj)
		fprintf(stderr, "\nTry \"tandem %s help\".\n", obj);
	else
		fputs("\nTry \"tandem help\".\n", stderr);
}

void report_error(FILE *f, const char *what, int code,
		  const struct tandem_nl_error *err)
{
	fprintf(f, "tandem: %s: %s", what, strerror(-code));
	if (err && err->code == code && err->msg[0]) {
		fprintf(f, ": %s", err->msg);
	} else if (err && err->code == code && err->has_miss_type) {
		uint32_t t = err->miss_type;

		if (t <= TANDEM_A_MAX && attr_keywords[t])
			fprintf(f, ": missing %s", attr_keywords[t]);
		else
			fprintf(f, ": missing attribute %u", t);
	}
	fputc('\n', f);
}

void report_open_error(FILE *f, int code)
{
	if (code == -ENOENT)
		fputs("tandem: the tandem kernel module is not loaded "
		      "(modprobe tandem / insmod tandem.ko)\n", f);
	else
		fprintf(f, "tandem: cannot open a generic netlink socket: %s\n",
			strerror(-code));
}
