/* SPDX-License-Identifier: GPL-2.0 */
/* Error messages: usage errors, and failures of the kernel or the system. */
#ifndef TANDEM_REPORT_H
#define TANDEM_REPORT_H

#include <stdio.h>

#include "netlink.h"

/*
 * "tandem: OBJ CMD: <message>" and a hint to the help of obj (or of the
 * whole program when obj is NULL), on stderr.
 */
void report_usage(const char *obj, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * "tandem: <what>: <strerror>: <extended ACK message>", on f. The kernel's
 * message, when there is none, is replaced by the missing attribute.
 */
void report_error(FILE *f, const char *what, int code,
		  const struct tandem_nl_error *err);

/* Why the netlink session could not be opened (module not loaded, ...). */
void report_open_error(FILE *f, int code);

#endif /* TANDEM_REPORT_H */
