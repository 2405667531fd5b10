// SPDX-License-Identifier: GPL-2.0
/* Talking to the local tandemd: requests, and its view in group show. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "ctlsock.h"
#include "daemon.h"
#include "print.h"
#include "report.h"

#define REPLY_MAX (1 << 20)

static int connect_daemon(void)
{
	const char *path = getenv("TANDEMD_SOCKET");
	/* tandemd answers a forwarded switchover within 4 s */
	struct timeval timeout = { .tv_sec = 5 };
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (!path || !*path)
		path = TANDEMD_CONTROL_DEFAULT;
	len = tandem_ctlsock_addr(path, &sun);
	if (!len)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a hung tandemd must not hang the CLI */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	if (connect(fd, (struct sockaddr *)&sun, len)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static int read_reply(int fd, char **out)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size), *p;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		len += n;
		if (len == size - 1 && size < REPLY_MAX) {
			p = realloc(buf, size * 2);
			if (!p)
				break;
			buf = p;
			size *= 2;
		}
	}
	buf[len] = '\0';
	*out = buf;
	return n < 0 ? -errno : 0;
}

int tandemd_request(const char *line, struct json_object **reply)
{
	char *text = NULL;
	int fd, ret;

	fd = connect_daemon();
	if (fd < 0)
		return fd;
	ret = write(fd, line, strlen(line)) == (ssize_t)strlen(line) &&
	      write(fd, "\n", 1) == 1 ? 0 : -EIO;
	if (!ret)
		ret = read_reply(fd, &text);
	close(fd);
	if (!ret) {
		*reply = json_tokener_parse(text);
		ret = *reply ? 0 : -EBADMSG;
	}
	free(text);
	return ret;
}

static struct json_object *field(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

void tandemd_annotate(struct json_object *groups)
{
	struct json_object *status = NULL, *dgroups;
	size_t i, j;

	if (tandemd_request("status", &status))
		return;
	dgroups = field(status, "groups");
	for (i = 0; dgroups && i < json_object_array_length(groups); i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);
		const char *name = json_object_get_string(field(g, "name"));

		for (j = 0; name && j < json_object_array_length(dgroups); j++) {
			struct json_object *d = json_object_array_get_idx(dgroups, j);

			if (strcmp(json_object_get_string(field(d, "name")), name))
				continue;
			json_object_object_add(g, "agreement", json_object_get(d));
		}
	}
	json_object_put(status);
}

bool tandemd_has_group(const char *name)
{
	struct json_object *status = NULL, *dgroups;
	bool found = false;
	size_t i;

	if (tandemd_request("status", &status))
		return false;
	dgroups = field(status, "groups");
	for (i = 0; dgroups && !found && i < json_object_array_length(dgroups); i++) {
		struct json_object *d = json_object_array_get_idx(dgroups, i);
		const char *n = json_object_get_string(field(d, "name"));

		/* a witness's group has no data path: no kernel group either */
		found = n && !strcmp(n, name) &&
			!strcmp(json_object_get_string(field(d, "datapath")) ?: "", "bpf");
	}
	json_object_put(status);
	return found;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = field(o, key);

	return v ? json_object_get_string(v) : "?";
}

static bool yes(struct json_object *o, const char *key)
{
	return json_object_get_boolean(field(o, key));
}

static void print_member(FILE *f, struct json_object *m)
{
	fprintf(f, "  member %s:%s%s%s%s%s conns %s, priority %s\n",
		str(m, "node_id"), yes(m, "self") ? " self," : "",
		yes(m, "witness") ? " witness," : "",
		yes(m, "alive") ? " alive," : " not heard,",
		yes(m, "healthy") ? " healthy," : " unhealthy,",
		yes(m, "quiet") ? " quiet," : "", str(m, "conns"),
		str(m, "priority"));
}

static void print_agreement(FILE *f, struct json_object *a)
{
	struct json_object *members = field(a, "members");
	char e[TANDEM_EPOCH_STRLEN];
	size_t i;

	fprintf(f, "  tandemd: node %s, %s%s, epoch %s, primary %s\n",
		str(a, "node_id"), str(a, "role"),
		yes(a, "standby") ? " (standby)" : "",
		tandem_epoch_str(json_object_get_uint64(field(a, "epoch")), e,
				 sizeof(e)),
		json_object_get_uint64(field(a, "primary")) ?
		str(a, "primary") : "unknown");
	if (field(a, "datapath"))
		fprintf(f, "  datapath: %s\n", str(a, "datapath"));
	if (field(a, "lease_remaining_ms"))
		fprintf(f, "  agreed lease remaining: %sms\n",
			str(a, "lease_remaining_ms"));
	fprintf(f, "  health: %s%s\n", yes(a, "healthy") ? "healthy" : "unhealthy",
		yes(a, "standby") ?
		"; standby: never elected (tandem node online)" : "");
	for (i = 0; members && i < json_object_array_length(members); i++)
		print_member(f, json_object_array_get_idx(members, i));
}

void tandemd_print_groups(FILE *f, struct json_object *groups)
{
	size_t i, n = json_object_array_length(groups);

	for (i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);

		if (i)
			fputc('\n', f);
		tandem_print_block(f, TANDEM_OBJ_GROUP, g);
		if (field(g, "agreement"))
			print_agreement(f, field(g, "agreement"));
	}
}

int tandemd_show_groups(const struct tandem_opts *opts, const char *name)
{
	struct json_object *status = NULL, *dgroups, *out;
	size_t i;
	int ret;

	/* no tandemd either: the module's message, as without the fallback */
	if (tandemd_request("status", &status)) {
		report_open_error(stderr, -ENOENT);
		return TANDEM_EXIT_FAIL;
	}
	out = json_object_new_array();
	dgroups = field(status, "groups");
	for (i = 0; out && dgroups && i < json_object_array_length(dgroups); i++) {
		struct json_object *d = json_object_array_get_idx(dgroups, i);
		struct json_object *g = json_object_new_object();
		const char *n = json_object_get_string(field(d, "name"));

		if (name && n && strcmp(name, n)) {
			json_object_put(g);
			continue;
		}
		json_object_object_add(g, "name", json_object_new_string(n ? n : "?"));
		json_object_object_add(g, "agreement", json_object_get(d));
		json_object_array_add(out, g);
	}
	json_object_put(status);
	if (!out)
		return TANDEM_EXIT_FAIL;
	ret = name && !json_object_array_length(out);
	if (ret)
		fprintf(stderr, "tandem: group %s: no such group in tandemd\n", name);
	else if (opts->json)
		tandem_print_json(stdout, out, opts->pretty);
	else
		tandemd_print_groups(stdout, out);
	json_object_put(out);
	return ret ? TANDEM_EXIT_FAIL : TANDEM_EXIT_OK;
}
