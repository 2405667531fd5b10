// SPDX-License-Identifier: GPL-2.0
/*
 * Health checks of a group's services, run from the event loop without
 * ever blocking it: tcp (a non-blocking connect), http (connect, GET,
 * the status line) and exec (a child whose exit code is reaped through
 * SIGCHLD). Each check probes every interval, gives up after timeout, and
 * turns healthy after rise successes in a row, unhealthy after fall
 * failures. The group is healthy when every check of every service is.
 *
 * Probes go to the node's own health address (health-addr, loopback by
 * default) and the service's port, never to the VIP: a connection to the
 * VIP would be a client connection of the group, replicated to the
 * backups (primary) or dropped as traffic for a non-primary (backup).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "tandemd.h"

#define probe_of(w) ((struct td_check_state *)((char *)(w) - \
	offsetof(struct td_check_state, probe.w)))

static const char *check_name(const struct td_check *c, char *buf, size_t size)
{
	switch (c->type) {
	case TD_CHECK_TCP:
		return "tcp";
	case TD_CHECK_HTTP:
		snprintf(buf, size, "http %.64s %u", c->path, c->status);
		return buf;
	case TD_CHECK_EXEC:
		snprintf(buf, size, "exec %.60s", c->command);
		return buf;
	}
	return "?";
}

static void update_group(struct td_grp *g)
{
	bool healthy = true;
	unsigned int i;

	for (i = 0; i < g->n_checks; i++)
		healthy &= g->checks[i].healthy;
	grp_set_health(g, healthy);
}

static void probe_end(struct td_check_state *cs)
{
	if (cs->probe.w.fd >= 0) {
		loop_del(cs->g->d, &cs->probe.w);
		close(cs->probe.w.fd);
		cs->probe.w.fd = -1;
	}
	if (cs->probe.pid > 0)
		kill(cs->probe.pid, SIGKILL);	/* reaped by the loop */
	cs->probe.pid = 0;
	cs->probe.deadline = 0;
}

static void result(struct td_check_state *cs, bool ok, const char *why)
{
	char name[96];

	probe_end(cs);
	check_name(cs->cfg, name, sizeof(name));
	if (ok) {
		cs->fail_run = 0;
		if (++cs->ok_run >= cs->svc->rise && !cs->healthy) {
			cs->healthy = true;
			td_info("group %s: service %u check %s: healthy after %u successes",
				cs->g->cfg->name, cs->svc->port, name, cs->ok_run);
		}
	} else {
		cs->ok_run = 0;
		snprintf(cs->last, sizeof(cs->last), "%s", why);
		td_debug("group %s: service %u check %s failed: %s",
			 cs->g->cfg->name, cs->svc->port, name, why);
		if (++cs->fail_run >= cs->svc->fall && cs->healthy) {
			cs->healthy = false;
			td_warn("group %s: service %u check %s: unhealthy after %u failures: %s",
				cs->g->cfg->name, cs->svc->port, name,
				cs->fail_run, why);
		}
	}
	update_group(cs->g);
}

/* "HTTP/1.x NNN ..." once the status line is complete. */
static void http_read(struct td_check_state *cs)
{
	struct td_probe *p = &cs->probe;
	unsigned int status;
	char why[64];
	ssize_t n;

	n = read(p->w.fd, p->reply + p->got, sizeof(p->reply) - 1 - p->got);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0)
		return result(cs, false, n ? strerror(errno) : "connection closed before the status line");
	p->got += n;
	p->reply[p->got] = '\0';
	if (!strchr(p->reply, '\n') && p->got < sizeof(p->reply) - 1)
		return;
	if (sscanf(p->reply, "HTTP/1.%*[01] %3u", &status) != 1)
		return result(cs, false, "not an HTTP status line");
	if (status == cs->cfg->status)
		return result(cs, true, NULL);
	snprintf(why, sizeof(why), "status %u, expected %u", status, cs->cfg->status);
	result(cs, false, why);
}

static void http_send(struct td_check_state *cs)
{
	char req[256], host[TANDEM_ADDR_STRLEN];
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cs->probe.w };
	int len;

	format_addr(cs->g->cfg->health_addr.bytes, cs->g->cfg->health_addr.len,
		    host, sizeof(host));
	len = snprintf(req, sizeof(req),
		       "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: tandemd\r\nConnection: close\r\n\r\n",
		       cs->cfg->path, host);
	if (send(cs->probe.w.fd, req, len, MSG_NOSIGNAL) != len)
		return result(cs, false, "cannot send the request");
	cs->probe.connected = true;
	epoll_ctl(cs->g->d->epfd, EPOLL_CTL_MOD, cs->probe.w.fd, &ev);
}

static void probe_ready(struct td_daemon *d, struct td_watch *w, uint32_t events)
{
	struct td_check_state *cs = probe_of(w);
	socklen_t len = sizeof(int);
	int err = 0;

	(void)d;
	(void)events;
	if (cs->probe.connected)
		return http_read(cs);
	getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err)
		return result(cs, false, strerror(err));
	if (cs->cfg->type == TD_CHECK_TCP)
		return result(cs, true, NULL);
	http_send(cs);
}

static socklen_t health_sockaddr(const struct td_check_state *cs,
				 struct sockaddr_storage *ss)
{
	const struct tandem_addr *a = &cs->g->cfg->health_addr;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(cs->svc->port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(cs->svc->port);
	memcpy(&sin6->sin6_addr, a->bytes, 16);
	return sizeof(*sin6);
}

static void start_connect(struct td_check_state *cs)
{
	struct sockaddr_storage ss;
	socklen_t sl = health_sockaddr(cs, &ss);
	int fd;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return result(cs, false, strerror(errno));
	cs->probe.w.fd = fd;
	cs->probe.w.fn = probe_ready;
	cs->probe.connected = false;
	cs->probe.got = 0;
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS)
		return result(cs, false, strerror(errno));
	if (loop_add(cs->g->d, &cs->probe.w, EPOLLOUT))
		return result(cs, false, "cannot poll the probe");
}

static void start_exec(struct td_check_state *cs)
{
	char port[8], node[12];
	sigset_t all;
	pid_t pid;

	snprintf(port, sizeof(port), "%u", cs->svc->port);
	snprintf(node, sizeof(node), "%u", cs->g->cfg->agree.self_id);
	pid = fork();
	if (pid < 0)
		return result(cs, false, strerror(errno));
	if (pid == 0) {
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		setenv("TANDEM_GROUP", cs->g->cfg->name, 1);
		setenv("TANDEM_PORT", port, 1);
		setenv("TANDEM_NODE", node, 1);
		execl("/bin/sh", "sh", "-c", cs->cfg->command, (char *)NULL);
		_exit(127);
	}
	cs->probe.pid = pid;
}

static void probe_start(struct td_check_state *cs, int64_t now)
{
	cs->next = now + cs->svc->interval;
	cs->probe.deadline = now + cs->svc->timeout;
	if (cs->cfg->type == TD_CHECK_EXEC)
		start_exec(cs);
	else
		start_connect(cs);
}

bool health_reaped(struct td_grp *g, pid_t pid, int status)
{
	unsigned int i;
	char why[64];

	for (i = 0; i < g->n_checks; i++) {
		struct td_check_state *cs = &g->checks[i];

		if (cs->probe.pid != pid)
			continue;
		cs->probe.pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			result(cs, true, NULL);
		else if (WIFEXITED(status))
			snprintf(why, sizeof(why), "exit code %d", WEXITSTATUS(status)),
			result(cs, false, why);
		else
			snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status)),
			result(cs, false, why);
		return true;
	}
	return false;
}

void health_timers(struct td_grp *g, int64_t now)
{
	unsigned int i;

	for (i = 0; i < g->n_checks; i++) {
		struct td_check_state *cs = &g->checks[i];

		if (cs->probe.deadline && now >= cs->probe.deadline)
			result(cs, false, "timed out");
		else if (!cs->probe.deadline && now >= cs->next)
			probe_start(cs, now);
	}
}

int64_t health_deadline(const struct td_grp *g)
{
	int64_t t = AGREE_NEVER;
	unsigned int i;

	for (i = 0; i < g->n_checks; i++) {
		const struct td_check_state *cs = &g->checks[i];
		int64_t x = cs->probe.deadline ? cs->probe.deadline : cs->next;

		if (x < t)
			t = x;
	}
	return t;
}

static bool same_check(const struct td_check_state *a,
		       const struct td_check_state *b)
{
	const struct td_check *x = a->cfg, *y = b->cfg;

	return a->svc->port == b->svc->port && x->type == y->type &&
	       x->status == y->status && !strcmp(x->path, y->path) &&
	       !strcmp(x->command ?: "", y->command ?: "");
}

/*
 * After a reload: a check that was there keeps its state; a new one starts
 * healthy (with rise successes counted), so that a reload alone never
 * moves a healthy primary. It still needs only fall failures to act.
 */
static void inherit(struct td_check_state *cs, const struct td_check_state *old,
		    unsigned int n_old)
{
	unsigned int i;

	for (i = 0; i < n_old; i++) {
		if (!same_check(cs, &old[i]))
			continue;
		cs->ok_run = old[i].ok_run;
		cs->fail_run = old[i].fail_run;
		cs->healthy = old[i].healthy;
		memcpy(cs->last, old[i].last, sizeof(cs->last));
		return;
	}
	cs->healthy = true;
	cs->ok_run = cs->svc->rise;
}

int health_start(struct td_grp *g, const struct td_check_state *old,
		 unsigned int n_old)
{
	const struct td_group *cfg = g->cfg;
	unsigned int i, j, n = 0;
	int64_t now = td_now();

	if (g->witness)
		return 0;
	for (i = 0; i < cfg->n_services; i++)
		n += cfg->service[i].n_checks;
	g->checks = calloc(n ? n : 1, sizeof(*g->checks));
	if (!g->checks)
		return -ENOMEM;
	for (i = 0; i < cfg->n_services; i++) {
		for (j = 0; j < cfg->service[i].n_checks; j++) {
			struct td_check_state *cs = &g->checks[g->n_checks++];

			cs->g = g;
			cs->svc = &cfg->service[i];
			cs->cfg = &cfg->service[i].check[j];
			cs->probe.w.fd = -1;
			cs->next = now;
			if (old)
				inherit(cs, old, n_old);
		}
	}
	/* At start, unhealthy until each check passed rise times. */
	update_group(g);
	return 0;
}

/* Stop the probes; the states stay readable until health_free. */
void health_detach(struct td_grp *g, struct td_check_state **old,
		   unsigned int *n_old)
{
	unsigned int i;

	for (i = 0; i < g->n_checks; i++)
		probe_end(&g->checks[i]);
	*old = g->checks;
	*n_old = g->n_checks;
	g->checks = NULL;
	g->n_checks = 0;
}

void health_stop(struct td_grp *g)
{
	unsigned int i;

	for (i = 0; i < g->n_checks; i++)
		probe_end(&g->checks[i]);
	free(g->checks);
	g->checks = NULL;
	g->n_checks = 0;
}
