// SPDX-License-Identifier: GPL-2.0
/*
 * tstream server: one epoll loop over all connections. Each read is
 * transformed in place and written back; what the socket does not take is
 * kept, and the connection is not read again until that is written, so a
 * client that does not read stops the server reading it (TCP flow control
 * end to end). With --slow-read a token bucket per connection limits reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "pattern.h"
#include "tstream.h"

#define BUF_SIZE	(256 << 10)
#define READS_PER_EVENT	8
#define TICK_MS		10

struct sconn {
	int fd;
	uint32_t events;
	uint64_t in_off;	/* bytes read */
	uint64_t kseed;		/* keystream seed, salted once past the salt */
	bool salted;
	uint8_t *pend;		/* output the socket did not take yet */
	size_t pend_len;
	size_t pend_off;
	double tokens;		/* --slow-read */
	bool throttled;
};

struct server {
	const struct opts *o;
	int ep;
	int lfd;
	struct sconn **tab;	/* by fd */
	int tab_len;
	uint8_t *buf;		/* SALT_LEN of headroom, then BUF_SIZE */
	int64_t last_tick;
};

static int listen_on(const struct opts *o)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int fd, one = 1, err;

	err = getaddrinfo(o->listen, o->port, &hints, &ai);
	if (err) {
		tlog("listen address %s port %s: %s", o->listen, o->port, gai_strerror(err));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    sock_tune(fd, o) || bind(fd, ai->ai_addr, ai->ai_addrlen) ||
	    listen(fd, 4096)) {
		err = -errno;
		tlog("listening on %s port %s: %s", o->listen, o->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return err;
	}
	freeaddrinfo(ai);
	return fd;
}

static void set_events(struct server *s, struct sconn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.fd = c->fd };

	if (c->events == ev)
		return;
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &e))
		tlog("epoll_ctl: %s", strerror(errno));
	c->events = ev;
}

static void conn_close(struct server *s, struct sconn *c, const char *why)
{
	if (s->o->verbose)
		tlog("fd %d: %s after %llu bytes", c->fd, why,
		     (unsigned long long)c->in_off);
	s->tab[c->fd] = NULL;
	close(c->fd);
	free(c->pend);
	free(c);
}

static void accept_all(struct server *s)
{
	while (1) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };
		struct sconn *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				tlog("accept: %s", strerror(errno));
			return;
		}
		if (fd >= s->tab_len) {
			int n = fd * 2 + 64;
			struct sconn **t = realloc(s->tab, n * sizeof(*t));

			if (!t) {
				close(fd);
				continue;
			}
			memset(t + s->tab_len, 0, (n - s->tab_len) * sizeof(*t));
			s->tab = t;
			s->tab_len = n;
		}
		c = calloc(1, sizeof(*c));
		if (!c || sock_tune(fd, s->o) || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e)) {
			tlog("new connection: %s", c ? strerror(errno) : "out of memory");
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		c->kseed = PATTERN_KEY_SEED;
		c->tokens = 1;
		s->tab[fd] = c;
	}
}

/*
 * Transforms the n bytes read to s->buf + SALT_LEN in place; a
 * nondeterministic server inserts its salt before input offset nondet_off.
 * Returns the start of the output, its length in *len.
 */
static uint8_t *transform(struct server *s, struct sconn *c, size_t n, size_t *len)
{
	uint8_t *data = s->buf + SALT_LEN;
	uint64_t off = c->in_off, salt;
	size_t p;

	c->in_off += n;
	*len = n;
	if (!s->o->nondet || c->salted || off + n <= s->o->nondet_off) {
		pattern_xor(c->kseed, off, data, n);
		return data;
	}
	p = s->o->nondet_off - off;
	pattern_xor(c->kseed, off, data, p);
	memmove(s->buf, data, p);
	if (getrandom(&salt, sizeof(salt), 0) != sizeof(salt))
		salt = now_ns();
	for (int i = 0; i < SALT_LEN; i++)
		s->buf[p + i] = salt >> (8 * i);
	c->kseed = PATTERN_KEY_SEED ^ salt;
	c->salted = true;
	pattern_xor(c->kseed, off + p, data + p, n - p);
	*len = n + SALT_LEN;
	return s->buf;
}

/* Writes what is pending; 1 if all of it went, 0 if some is left, -errno. */
static int flush(struct sconn *c)
{
	while (c->pend_off < c->pend_len) {
		ssize_t n = send(c->fd, c->pend + c->pend_off,
				 c->pend_len - c->pend_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		c->pend_off += n;
	}
	free(c->pend);
	c->pend = NULL;
	c->pend_len = c->pend_off = 0;
	return 1;
}

/* Writes out[0..len); keeps what the socket does not take (then 0). */
static int write_out(struct sconn *c, const uint8_t *out, size_t len)
{
	while (len) {
		ssize_t n = send(c->fd, out, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		out += n;
		len -= n;
	}
	if (!len)
		return 1;
	c->pend = malloc(len);
	if (!c->pend)
		return -ENOMEM;
	memcpy(c->pend, out, len);
	c->pend_len = len;
	c->pend_off = 0;
	return 0;
}

/* --close-after: everything read is written back and enough was read */
static bool close_first(const struct server *s, const struct sconn *c)
{
	return s->o->close_after && c->in_off >= s->o->close_after && !c->pend;
}

static void conn_read(struct server *s, struct sconn *c)
{
	for (int i = 0; i < READS_PER_EVENT; i++) {
		size_t cap = BUF_SIZE, len;
		uint8_t *out;
		ssize_t n;
		int err;

		if (s->o->slow_read) {
			if (c->tokens < 1) {
				c->throttled = true;
				set_events(s, c, 0);
				return;
			}
			if (cap > c->tokens)
				cap = c->tokens;
		}
		n = read(c->fd, s->buf + SALT_LEN, cap);
		if (n == 0)
			return conn_close(s, c, "EOF");
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close(s, c, strerror(errno));
			return;
		}
		c->tokens -= n;
		out = transform(s, c, n, &len);
		err = write_out(c, out, len);
		if (err < 0)
			return conn_close(s, c, strerror(-err));
		if (!err) {
			set_events(s, c, EPOLLOUT);
			return;
		}
		if (close_first(s, c))
			return conn_close(s, c, "closed first");
	}
}

static void conn_event(struct server *s, struct sconn *c, uint32_t ev)
{
	if (c->pend) {
		int err = flush(c);

		if (err < 0)
			return conn_close(s, c, strerror(-err));
		if (!err)
			return;
		if (close_first(s, c))
			return conn_close(s, c, "closed first");
		set_events(s, c, c->throttled ? 0 : EPOLLIN);
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLOUT))
		conn_read(s, c);
}

/* --slow-read: refill every connection's bucket, wake the throttled. */
static void tick(struct server *s)
{
	int64_t now = now_ns();
	double add = (now - s->last_tick) * 1e-9 * s->o->slow_read;
	double cap = s->o->slow_read / 10.0;

	if (now - s->last_tick < TICK_MS * 1000000LL)
		return;
	s->last_tick = now;
	if (cap < 1)
		cap = 1;
	for (int fd = 0; fd < s->tab_len; fd++) {
		struct sconn *c = s->tab[fd];

		if (!c)
			continue;
		c->tokens += add;
		if (c->tokens > cap)
			c->tokens = cap;
		if (c->throttled && c->tokens >= 1) {
			c->throttled = false;
			if (!c->pend) {
				set_events(s, c, EPOLLIN);
				conn_read(s, c);
			}
		}
	}
}

int server_run(const struct opts *o)
{
	struct server s = { .o = o, .last_tick = now_ns() };
	struct epoll_event evs[256], e = { .events = EPOLLIN };

	raise_nofile(65536);
	s.buf = malloc(SALT_LEN + BUF_SIZE);
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	s.lfd = listen_on(o);
	if (!s.buf || s.ep < 0 || s.lfd < 0)
		return 2;
	e.data.fd = s.lfd;
	if (epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &e)) {
		tlog("epoll_ctl: %s", strerror(errno));
		return 2;
	}
	if (o->verbose)
		tlog("listening on %s port %s", o->listen, o->port);
	if (o->ready_file) {
		int fd = open(o->ready_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			tlog("%s: %s", o->ready_file, strerror(errno));
			return 2;
		}
		close(fd);
	}
	while (1) {
		int n = epoll_wait(s.ep, evs, 256, o->slow_read ? TICK_MS : -1);

		if (n < 0 && errno != EINTR) {
			tlog("epoll_wait: %s", strerror(errno));
			return 2;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == s.lfd)
				accept_all(&s);
			else if (fd < s.tab_len && s.tab[fd])
				conn_event(&s, s.tab[fd], evs[i].events);
		}
		if (o->slow_read)
			tick(&s);
	}
}
