// SPDX-License-Identifier: GPL-2.0
/*
 * Logging to stderr. Under systemd (JOURNAL_STREAM set) each line starts
 * with the syslog level as "<N>", which the journal turns into the
 * priority; otherwise with CLOCK_MONOTONIC seconds (comparable between the
 * network namespaces of one host) and the level's name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tandemd.h"

static enum td_log_level max_level = TD_LOG_INFO;

void td_log_set_level(enum td_log_level level)
{
	max_level = level;
}

int64_t td_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

void td_log(enum td_log_level level, const char *fmt, ...)
{
	static int journal = -1;
	char msg[1024];
	va_list ap;
	int64_t now;

	if (level > max_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (journal) {
		fprintf(stderr, "<%d>%s\n", level, msg);
		return;
	}
	now = td_now();
	fprintf(stderr, "[%lld.%06lld] %s: %s\n", (long long)(now / NS_PER_S),
		(long long)(now % NS_PER_S / 1000),
		config_log_level_name(level), msg);
}
