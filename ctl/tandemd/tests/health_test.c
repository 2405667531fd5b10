// SPDX-License-Identifier: GPL-2.0
/*
 * Health checks driven by tandemd's own event loop against local servers:
 * tcp (listening, then refused), http (expected status, another status,
 * not HTTP), exec (exit codes, timeout), rise and fall, the group's health
 * as seen by its agreement core.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "tandemd.h"

#define MS NS_PER_MS

static const char *volatile http_reply = "HTTP/1.1 200 OK\r\n\r\n";

static int listener(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, len) || listen(fd, 4096) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	*port = ntohs(sin.sin_port);
	return fd;
}

static void *http_server(void *arg)
{
	int lfd = (long)arg, fd;
	char buf[512];

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		if (read(fd, buf, sizeof(buf)) > 0 &&
		    write(fd, http_reply, strlen(http_reply)) < 0)
			perror("write");
		close(fd);
	}
	return NULL;
}

FIXTURE(health) {
	struct td_daemon d;
	struct td_group cfg;
	struct td_service svc[3];
	struct td_grp g;
	int tcp_fd, http_fd;
	pthread_t http;
};

static void service(struct td_service *s, uint16_t port, enum td_check_type t,
		    const char *arg)
{
	memset(s, 0, sizeof(*s));
	s->port = port;
	/* generous: a loaded host forks slowly */
	s->interval = (t == TD_CHECK_EXEC ? 400 : 100) * MS;
	s->timeout = (t == TD_CHECK_EXEC ? 350 : 90) * MS;
	s->rise = 2;
	s->fall = 2;
	s->n_checks = 1;
	s->check[0].type = t;
	if (t == TD_CHECK_HTTP) {
		snprintf(s->check[0].path, sizeof(s->check[0].path), "%s", arg);
		s->check[0].status = 200;
	}
	if (t == TD_CHECK_EXEC)
		s->check[0].command = strdup(arg);
}

FIXTURE_SETUP(health)
{
	struct agree_config *a = &self->cfg.agree;
	uint16_t tcp_port, http_port;

	ASSERT_EQ(0, loop_init(&self->d));
	self->tcp_fd = listener(&tcp_port);
	self->http_fd = listener(&http_port);
	ASSERT_LE(0, self->tcp_fd);
	ASSERT_LE(0, self->http_fd);
	pthread_create(&self->http, NULL, http_server, (void *)(long)self->http_fd);
	snprintf(self->cfg.name, sizeof(self->cfg.name), "g");
	parse_addr("127.0.0.1", &self->cfg.health_addr);
	service(&self->svc[0], tcp_port, TD_CHECK_TCP, NULL);
	service(&self->svc[1], http_port, TD_CHECK_HTTP, "/health");
	service(&self->svc[2], 1, TD_CHECK_EXEC, "exit 0");
	self->cfg.service = self->svc;
	self->cfg.n_services = 3;
	/* two members: this node alone never elects itself (no kernel here) */
	agree_config_defaults(a);
	a->self_id = 1;
	a->n_members = 2;
	a->member[0].id = 1;
	a->member[1].id = 2;
	self->g.d = &self->d;
	self->g.cfg = &self->cfg;
	self->g.sock.fd = -1;
	self->g.healthy = true;
	self->g.next_conns = AGREE_NEVER;	/* no kernel to count in */
	ASSERT_EQ(0, agree_init(&self->g.node, a, NULL, td_now()));
	self->d.grps = calloc(1, sizeof(*self->d.grps));
	self->d.grps[0] = &self->g;
	self->d.n_grps = 1;
	td_log_set_level(TD_LOG_ERR);
	ASSERT_EQ(0, health_start(&self->g, NULL, 0));
}

FIXTURE_TEARDOWN(health)
{
	health_stop(&self->g);
	shutdown(self->http_fd, SHUT_RDWR);
	close(self->http_fd);
	pthread_join(self->http, NULL);
	if (self->tcp_fd >= 0)
		close(self->tcp_fd);
	free(self->svc[2].check[0].command);
	free(self->d.grps);
}

/* Run the loop until cond (or 20 s); the result of cond. */
#define RUN_UNTIL(cond) ({ \
	int64_t _end = td_now() + 20 * NS_PER_S; \
	while (!(cond) && td_now() < _end) \
		loop_once(&self->d); \
	(cond); })

static bool check_healthy(struct td_grp *g, unsigned int i)
{
	return g->checks[i].healthy;
}

TEST_F(health, all_pass_after_rise)
{
	ASSERT_FALSE(self->g.healthy);		/* unhealthy until rise */
	ASSERT_FALSE(self->g.node.healthy);
	ASSERT_TRUE(RUN_UNTIL(self->g.healthy));
	ASSERT_TRUE(self->g.node.healthy);	/* the core knows */
	ASSERT_LE(2, self->g.checks[0].ok_run);
	ASSERT_LE(2, self->g.checks[1].ok_run);
	ASSERT_LE(2, self->g.checks[2].ok_run);
}

TEST_F(health, tcp_refused)
{
	ASSERT_TRUE(RUN_UNTIL(self->g.healthy));
	close(self->tcp_fd);
	self->tcp_fd = -1;
	ASSERT_TRUE(RUN_UNTIL(!check_healthy(&self->g, 0)));
	ASSERT_FALSE(self->g.healthy);
	ASSERT_FALSE(self->g.node.healthy);
	ASSERT_STREQ("Connection refused", self->g.checks[0].last);
	ASSERT_TRUE(check_healthy(&self->g, 1));
}

TEST_F(health, http_status)
{
	ASSERT_TRUE(RUN_UNTIL(self->g.healthy));
	http_reply = "HTTP/1.0 503 Service Unavailable\r\n\r\n";
	ASSERT_TRUE(RUN_UNTIL(!check_healthy(&self->g, 1)));
	ASSERT_STREQ("status 503, expected 200", self->g.checks[1].last);
	http_reply = "SSH-2.0-OpenSSH\r\n";
	ASSERT_TRUE(RUN_UNTIL(!strcmp(self->g.checks[1].last, "not an HTTP status line")));
	http_reply = "HTTP/1.1 200 OK\r\n\r\n";
	ASSERT_TRUE(RUN_UNTIL(self->g.healthy));
}

TEST_F(health, exec_exit_code_and_timeout)
{
	struct td_check *c = (struct td_check *)self->g.checks[2].cfg;

	ASSERT_TRUE(RUN_UNTIL(self->g.healthy));
	free(c->command);
	c->command = strdup("exit 3");
	ASSERT_TRUE(RUN_UNTIL(!check_healthy(&self->g, 2)));
	ASSERT_STREQ("exit code 3", self->g.checks[2].last);
	free(c->command);
	c->command = strdup("exit 0");
	ASSERT_TRUE(RUN_UNTIL(self->g.healthy));
	free(c->command);
	c->command = strdup("sleep 5");
	ASSERT_TRUE(RUN_UNTIL(!check_healthy(&self->g, 2)));
	ASSERT_STREQ("timed out", self->g.checks[2].last);
	self->svc[2].check[0].command = c->command;
}

TEST_F(health, reload_keeps_state)
{
	struct td_check_state *old;
	unsigned int n_old;

	ASSERT_TRUE(RUN_UNTIL(self->g.healthy));
	health_detach(&self->g, &old, &n_old);
	ASSERT_EQ(0, health_start(&self->g, old, n_old));
	free(old);
	ASSERT_TRUE(self->g.healthy);		/* no unhealthy moment */
	ASSERT_TRUE(check_healthy(&self->g, 0));
}

TEST_HARNESS_MAIN
