// SPDX-License-Identifier: GPL-2.0
/*
 * "tandem conn show": the connections of the replica groups, as this node
 * sees them (TANDEM_CMD_CONN_GET), decoded by lib/print.c's conn fields.
 */
#include <stdio.h>
#include <string.h>

#include "query.h"

void conn_help(FILE *f)
{
	fputs("Usage: tandem [ -j [ -p ] ] conn [ show ] [ group NAME | group-id ID ]\n"
	      "The protected connections as this node sees them: client, service port,\n"
	      "state, flags (diverged, unprotected, held), and per peer whether it\n"
	      "protects the connection and how many bytes it lags.\n", f);
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "?";
}

static void print_text(FILE *f, struct json_object *out)
{
	size_t i, j, n = json_object_array_length(out);
	struct json_object *c, *peers, *p, *flags;

	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(out, i);
		fprintf(f, "conn %s:%s -> port %s group %s state %s age %sms queued %s",
			str(c, "client"), str(c, "client_port"), str(c, "port"),
			str(c, "group"), str(c, "state"), str(c, "age_ms"),
			str(c, "queued_bytes"));
		if (json_object_object_get_ex(c, "flags", &flags))
			for (j = 0; j < json_object_array_length(flags); j++)
				fprintf(f, " %s", json_object_get_string(
					json_object_array_get_idx(flags, j)));
		fputc('\n', f);
		json_object_object_get_ex(c, "peers", &peers);
		for (j = 0; j < json_object_array_length(peers); j++) {
			p = json_object_array_get_idx(peers, j);
			fprintf(f, "  peer %s %s lag %s bytes\n", str(p, "node"),
				str(p, "state"), str(p, "lag_bytes"));
		}
	}
}

static const struct group_query query = {
	.obj = "conn",
	.cmd = TANDEM_CMD_CONN_GET,
	.dump = true,
	.what_group = "cannot list the connections of group %s",
	.what_all = "cannot list connections",
	.print_text = print_text,
};

int conn_main(const struct tandem_opts *opts, int argc, char **argv)
{
	return group_query_main(&query, opts, argc, argv);
}
