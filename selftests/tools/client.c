// SPDX-License-Identifier: GPL-2.0
/*
 * tstream client: one epoll loop over all connections. Each connection
 * sends its pseudo-random stream (or, with --rr, one request at a time),
 * verifies every byte that comes back against data XOR the server's
 * keystream, and ends ok only at EOF after exactly all of it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pattern.h"
#include "tstream.h"

#define RBUF_SIZE	(256 << 10)
#define LOOP_MS		20
#define MAX_CONNECTING	128	/* SYNs in flight: no SYN flood, no syncookies */
#define MAX_SAMPLES	(1u << 24)
#define MAX_REPORTS	10

enum result { RUNNING, OK, RESET, EOF_, MISMATCH, TIMEOUT, ERROR, NR_RESULTS };

static const char *const result_name[NR_RESULTS] = {
	"running", "ok", "reset", "eof", "mismatch", "timeout", "error",
};

struct cconn {
	int fd;			/* -1 before connect() and once done */
	unsigned int idx;
	enum result res;
	bool connected;
	bool shut_wr;
	uint32_t events;
	uint64_t dseed;		/* our data */
	uint64_t kseed;		/* the server's keystream, salted once known */
	uint64_t bytes;		/* the stream's length (less after --end-file) */
	uint64_t tx;		/* data bytes sent */
	uint64_t rx;		/* data bytes received and verified */
	uint64_t req_end;	/* --rr: end of the current request */
	unsigned int salt_n;	/* salt bytes received */
	uint8_t salt[SALT_LEN];
	double tokens;		/* --rate */
	int64_t busy_since;	/* waiting for a byte since; 0: nothing outstanding */
	int64_t last_progress;
	int64_t sent_at;	/* --rr: when the current request started */
	int64_t connect_at;	/* when connect() was called */
	int64_t next_at;	/* --think: no request before */
	int64_t max_pause;
};

struct client {
	const struct opts *o;
	int ep;
	struct cconn *c;
	unsigned int n;		/* connections: conns to each server */
	unsigned int next;	/* next connection to open */
	unsigned int connecting;
	unsigned int established;
	unsigned int done;
	unsigned int count[NR_RESULTS];
	unsigned int reports;
	bool go;		/* --wait-file exists */
	bool ended;		/* --end-file seen */
	bool resumed;		/* --resume-file exists */
	uint64_t verified;
	int64_t start;
	int64_t last_tick;
	int64_t max_pause;
	unsigned int max_pause_conn;
	bool marked;		/* --mark-file exists */
	int64_t mark_pause;	/* longest pause ending after that */
	int64_t premark_pause;	/* longest pause ending before that */
	uint32_t *lat;		/* --rr: round-trip times, us */
	size_t nlat;
	uint32_t *setup;	/* --serial: connect() to writable, us */
	size_t nsetup;
	uint8_t *rbuf;
	uint8_t *wbuf;
	bool progress_any;	/* what --progress-file holds: */
	uint64_t progress_verified;
	unsigned int progress_est;
	unsigned int progress_done;
};

static bool salt_pending(const struct client *cl, const struct cconn *c)
{
	return cl->o->nondet && c->salt_n < SALT_LEN && c->bytes > cl->o->nondet_off;
}

/* A pause of the connection ends now (or with it). */
static void pause_end(struct client *cl, struct cconn *c, int64_t now)
{
	int64_t p;

	if (!c->busy_since)
		return;
	p = now - c->busy_since;
	if (p > c->max_pause)
		c->max_pause = p;
	if (cl->marked && p > cl->mark_pause)
		cl->mark_pause = p;
	if (!cl->marked && p > cl->premark_pause)
		cl->premark_pause = p;
}

static void finish(struct client *cl, struct cconn *c, enum result res,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void finish(struct client *cl, struct cconn *c, enum result res,
		   const char *fmt, ...)
{
	va_list ap;

	pause_end(cl, c, now_ns());
	if (c->max_pause > cl->max_pause) {
		cl->max_pause = c->max_pause;
		cl->max_pause_conn = c->idx;
	}
	if (!c->connected && c->fd >= 0)
		cl->connecting--;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->res = res;
	cl->count[res]++;
	cl->done++;
	if ((res != OK && cl->reports++ < MAX_REPORTS) || cl->o->verbose) {
		fprintf(stderr, "tstream: conn %u: %s, %llu of %llu bytes back, max pause %.1f ms",
			c->idx, result_name[res], (unsigned long long)c->rx,
			(unsigned long long)c->bytes, c->max_pause / 1e6);
		if (fmt) {
			fputs(": ", stderr);
			va_start(ap, fmt);
			vfprintf(stderr, fmt, ap);
			va_end(ap);
		}
		fputc('\n', stderr);
	}
}

static void fail_errno(struct client *cl, struct cconn *c, int err, const char *what)
{
	enum result res = ERROR;

	if (err == ECONNRESET || err == EPIPE)
		res = RESET;
	else if (err == ETIMEDOUT)
		res = TIMEOUT;
	finish(cl, c, res, "%s: %s", what, strerror(err));
}

static void set_events(struct client *cl, struct cconn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.u32 = c->idx };

	if (c->events == ev)
		return;
	if (epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &e))
		tlog("epoll_ctl: %s", strerror(errno));
	c->events = ev;
}

static void open_conn(struct client *cl, struct cconn *c)
{
	const struct opts *o = cl->o;
	struct epoll_event e = { .events = EPOLLOUT, .data.u32 = c->idx };
	unsigned int server = c->idx % (o->nfan + 1);
	const struct sockaddr_storage *dst = server ? &o->fan[server - 1] : &o->dst;
	socklen_t dst_len = server ? o->fan_len[server - 1] : o->dst_len;
	int fd;

	c->last_progress = now_ns();
	fd = socket(dst->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(cl, c, errno, "socket");
	c->fd = fd;
	cl->connecting++;
	if (sock_tune(fd, o))
		return fail_errno(cl, c, errno, "socket options");
	if (o->src_len && bind(fd, (struct sockaddr *)&o->src, o->src_len))
		return fail_errno(cl, c, errno, "bind");
	c->connect_at = now_ns();
	if (connect(fd, (const struct sockaddr *)dst, dst_len) && errno != EINPROGRESS)
		return fail_errno(cl, c, errno, "connect");
	if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, fd, &e))
		return fail_errno(cl, c, errno, "epoll_ctl");
	c->events = EPOLLOUT;
}

static void connected(struct client *cl, struct cconn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		return fail_errno(cl, c, err, "connect");
	c->connected = true;
	cl->connecting--;
	cl->established++;
	c->last_progress = now_ns();
	if (cl->setup)
		cl->setup[cl->nsetup++] = (c->last_progress - c->connect_at) / 1000;
	set_events(cl, c, EPOLLIN);
}

/* Verifies n received bytes; false if the connection failed. */
static bool consume(struct client *cl, struct cconn *c, const uint8_t *p, size_t n)
{
	const struct opts *o = cl->o;

	while (n) {
		size_t m = n, bad;
		uint8_t want;

		if (salt_pending(cl, c) && c->rx == o->nondet_off) {
			m = SALT_LEN - c->salt_n;
			if (m > n)
				m = n;
			memcpy(c->salt + c->salt_n, p, m);
			c->salt_n += m;
			if (c->salt_n == SALT_LEN) {
				uint64_t salt = 0;

				for (int i = 0; i < SALT_LEN; i++)
					salt |= (uint64_t)c->salt[i] << (8 * i);
				c->kseed = PATTERN_KEY_SEED ^ salt;
			}
			p += m;
			n -= m;
			continue;
		}
		if (salt_pending(cl, c) && m > o->nondet_off - c->rx)
			m = o->nondet_off - c->rx;
		if (m > c->bytes - c->rx)
			m = c->bytes - c->rx;
		if (!m) {
			finish(cl, c, MISMATCH, "%zu bytes more than sent", n);
			return false;
		}
		bad = pattern_verify(c->dseed, c->kseed, c->rx, p, m, &want);
		cl->verified += bad;
		c->rx += bad;
		if (bad < m) {
			finish(cl, c, MISMATCH, "at offset %llu: got 0x%02x, want 0x%02x",
			       (unsigned long long)c->rx, p[bad], want);
			return false;
		}
		p += m;
		n -= m;
	}
	return true;
}

static void rr_done(struct client *cl, struct cconn *c, int64_t now)
{
	if (cl->nlat < MAX_SAMPLES)
		cl->lat[cl->nlat++] = (now - c->sent_at) / 1000;
	c->next_at = now + cl->o->think_us * 1000;
	if (c->req_end < c->bytes)
		c->req_end += cl->o->chunk;
}

static void conn_read(struct client *cl, struct cconn *c)
{
	int64_t now;
	ssize_t n;

	n = read(c->fd, cl->rbuf, RBUF_SIZE);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			fail_errno(cl, c, errno, "read");
		return;
	}
	if (n == 0) {
		if (c->rx == c->bytes && !salt_pending(cl, c))
			finish(cl, c, OK, NULL);
		else
			finish(cl, c, EOF_, "EOF at offset %llu", (unsigned long long)c->rx);
		return;
	}
	now = now_ns();
	c->last_progress = now;
	pause_end(cl, c, now);
	if (!consume(cl, c, cl->rbuf, n))
		return;
	c->busy_since = c->rx < c->tx ? now : 0;
	if (cl->o->rr && c->rx == c->req_end && c->tx == c->req_end)
		rr_done(cl, c, now);
}

/* Stopped at --pause-at until --resume-file exists. */
static bool paused(const struct client *cl, const struct cconn *c)
{
	return cl->o->pause_at && !cl->resumed && c->tx >= cl->o->pause_at &&
	       c->tx < c->bytes;
}

/* How much the connection may send now. */
static size_t sendable(struct client *cl, struct cconn *c)
{
	uint64_t end = cl->o->rr ? c->req_end : c->bytes;
	uint64_t n = end - c->tx;

	if (!cl->go)
		return 0;
	if (cl->o->think_us && c->rx == c->tx && now_ns() < c->next_at)
		return 0;
	if (cl->o->pause_at && !cl->resumed && c->tx < cl->o->pause_at &&
	    n > cl->o->pause_at - c->tx)
		n = cl->o->pause_at - c->tx;
	if (paused(cl, c))
		return 0;
	if (n > cl->o->chunk)
		n = cl->o->chunk;
	if (cl->o->burst && n > cl->o->burst)
		n = cl->o->burst;
	if (cl->o->rate && n > c->tokens)
		return cl->o->burst ? 0 : c->tokens;
	return n;
}

static void conn_write(struct client *cl, struct cconn *c)
{
	size_t n;

	while ((n = sendable(cl, c))) {
		int64_t t;
		ssize_t w;

		pattern_fill(c->dseed, c->tx, cl->wbuf, n);
		t = now_ns();	/* before: the reply may come before send() returns */
		w = send(c->fd, cl->wbuf, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				fail_errno(cl, c, errno, "send");
			return;
		}
		if (c->rx == c->tx) {
			c->busy_since = t;
			c->sent_at = t;
		}
		c->tx += w;
		c->tokens -= w;
		c->last_progress = t;
		if ((size_t)w < n)
			return;
	}
	if (c->tx == c->bytes && !c->shut_wr && !cl->o->server_closes) {
		if (shutdown(c->fd, SHUT_WR))
			return fail_errno(cl, c, errno, "shutdown");
		c->shut_wr = true;
	}
}

/* Interest: always input, output while there is something to send. */
static void update_events(struct client *cl, struct cconn *c)
{
	if (c->res != RUNNING || !c->connected)
		return;
	set_events(cl, c, EPOLLIN | (sendable(cl, c) ? EPOLLOUT : 0));
}

static void conn_event(struct client *cl, struct cconn *c, uint32_t ev)
{
	if (!c->connected) {
		connected(cl, c);
		if (c->res != RUNNING)
			return;
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(cl, c);
	if (c->res == RUNNING)
		conn_write(cl, c);
	update_events(cl, c);
}

static void write_progress(struct client *cl)
{
	const char *f = cl->o->progress_file;
	char tmp[4096];
	FILE *fp;

	if (!f || (cl->progress_any && cl->verified == cl->progress_verified &&
		   cl->established == cl->progress_est && cl->done == cl->progress_done))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", f);
	fp = fopen(tmp, "w");
	if (!fp)
		return;
	fprintf(fp, "%llu %u %u\n", (unsigned long long)cl->verified, cl->established,
		cl->done);
	if (fclose(fp) == 0 && rename(tmp, f) == 0) {
		cl->progress_any = true;
		cl->progress_verified = cl->verified;
		cl->progress_est = cl->established;
		cl->progress_done = cl->done;
	}
}

/*
 * The rate tokens a connection starts with: with --burst, staggered so that
 * connection i writes its first burst (i + 1) / conns of a burst's time in.
 */
static double first_tokens(const struct opts *o, unsigned int i)
{
	if (!o->burst)
		return 1;
	return (double)o->burst * (i / (o->nfan + 1) + 1) / o->conns;
}

/* Opens connections up to the limit (with --serial, one at a time). */
static void open_more(struct client *cl)
{
	while (cl->next < cl->n && cl->connecting < MAX_CONNECTING &&
	       (!cl->o->serial || cl->next == cl->done))
		open_conn(cl, &cl->c[cl->next++]);
}

/*
 * --end-file: every stream ends where it is (nothing more sent, the FIN
 * now); connections not opened yet open and end at once.
 */
static void end_streams(struct client *cl)
{
	cl->ended = true;
	for (unsigned int i = 0; i < cl->n; i++) {
		struct cconn *c = &cl->c[i];

		c->bytes = c->tx;
		if (c->res == RUNNING && c->connected) {
			conn_write(cl, c);
			update_events(cl, c);
		}
	}
}

/* Every LOOP_MS: new connections, rate tokens, timeouts, progress. */
static void tick(struct client *cl)
{
	const struct opts *o = cl->o;
	int64_t now = now_ns(), timeout = o->timeout * 1e9;
	double add = (now - cl->last_tick) * 1e-9 * o->rate;
	/* a chunk, or two ticks' worth if more */
	double burst = o->chunk > o->rate * 2 * LOOP_MS / 1000.0 ?
		       o->chunk : o->rate * 2 * LOOP_MS / 1000.0;

	cl->last_tick = now;
	if (o->mark_file && !cl->marked && !access(o->mark_file, F_OK))
		cl->marked = true;
	if (o->resume_file && !cl->resumed && !access(o->resume_file, F_OK))
		cl->resumed = true;
	if (o->end_file && !cl->ended && !access(o->end_file, F_OK))
		end_streams(cl);
	if (!cl->go && !access(o->wait_file, F_OK)) {
		cl->go = true;
		for (unsigned int i = 0; i < cl->n; i++) {
			cl->c[i].last_progress = now;
			if (o->burst)
				cl->c[i].tokens = first_tokens(o, i);
		}
	}
	open_more(cl);
	for (unsigned int i = 0; i < cl->next; i++) {
		struct cconn *c = &cl->c[i];

		if (c->res != RUNNING)
			continue;
		/* waiting for --wait-file is no stall either */
		if (!cl->go && c->connected)
			c->last_progress = now;
		if (now - c->last_progress > timeout) {
			finish(cl, c, TIMEOUT, "no progress for %.1f s", o->timeout);
			continue;
		}
		if (!c->connected)
			continue;
		/* a pause asked for is no stall once everything came back */
		if (paused(cl, c) && c->rx == c->tx)
			c->last_progress = now;
		if (o->rate) {
			c->tokens += add;
			if (c->tokens > burst)
				c->tokens = burst;
		}
		update_events(cl, c);
	}
	write_progress(cl);
}

static int percentile(const uint32_t *v, size_t n, unsigned int p)
{
	size_t rank = (n * p + 99) / 100;

	return n ? v[rank ? rank - 1 : 0] : 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void report(struct client *cl)
{
	double secs = (now_ns() - cl->start) / 1e9;

	printf("{\"conns\":%u,\"bytes_verified\":%llu", cl->n,
	       (unsigned long long)cl->verified);
	for (int r = OK; r < NR_RESULTS; r++)
		printf(",\"%s\":%u", result_name[r], cl->count[r]);
	printf(",\"max_pause_ms\":%.3f,\"max_pause_conn\":%u,\"secs\":%.3f,\"mbit_s\":%.1f",
	       cl->max_pause / 1e6, cl->max_pause_conn, secs,
	       secs > 0 ? cl->verified * 8 / secs / 1e6 : 0);
	if (cl->o->mark_file)
		printf(",\"pause_after_mark_ms\":%.3f,\"pause_before_mark_ms\":%.3f",
		       cl->marked ? cl->mark_pause / 1e6 : -1.0, cl->premark_pause / 1e6);
	if (cl->o->rr) {
		qsort(cl->lat, cl->nlat, sizeof(*cl->lat), cmp_u32);
		printf(",\"rr\":%zu,\"p50_us\":%d,\"p99_us\":%d,\"max_us\":%d", cl->nlat,
		       percentile(cl->lat, cl->nlat, 50), percentile(cl->lat, cl->nlat, 99),
		       cl->nlat ? (int)cl->lat[cl->nlat - 1] : 0);
	}
	if (cl->setup) {
		qsort(cl->setup, cl->nsetup, sizeof(*cl->setup), cmp_u32);
		printf(",\"setup_p50_us\":%d,\"setup_p99_us\":%d,\"setup_max_us\":%d",
		       percentile(cl->setup, cl->nsetup, 50),
		       percentile(cl->setup, cl->nsetup, 99),
		       cl->nsetup ? (int)cl->setup[cl->nsetup - 1] : 0);
	}
	printf("}\n");
	fflush(stdout);
}

static int setup(struct client *cl, const struct opts *o)
{
	struct rlimit rl;

	cl->o = o;
	cl->n = o->conns * (o->nfan + 1);
	cl->go = !o->wait_file;
	cl->start = cl->last_tick = now_ns();
	cl->ep = epoll_create1(EPOLL_CLOEXEC);
	cl->c = calloc(cl->n, sizeof(*cl->c));
	cl->rbuf = malloc(RBUF_SIZE);
	cl->wbuf = malloc(o->chunk);
	if (o->rr) {
		uint64_t n = o->rr * cl->n;

		cl->lat = malloc((n < MAX_SAMPLES ? n : MAX_SAMPLES) * sizeof(*cl->lat));
	}
	if (o->serial)
		cl->setup = malloc(cl->n * sizeof(*cl->setup));
	if (cl->ep < 0 || !cl->c || !cl->rbuf || !cl->wbuf || (o->rr && !cl->lat) ||
	    (o->serial && !cl->setup)) {
		tlog("setup: %s", cl->ep < 0 ? strerror(errno) : "out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < cl->n; i++) {
		struct cconn *c = &cl->c[i];

		c->fd = -1;
		c->idx = i;
		/* the same stream to every server */
		c->dseed = pattern_conn_seed(o->seed, i / (o->nfan + 1));
		c->kseed = PATTERN_KEY_SEED;
		c->bytes = o->bytes;
		c->req_end = o->rr ? o->chunk : o->bytes;
		c->tokens = o->rate ? first_tokens(o, i) : 0;
	}
	raise_nofile(cl->n);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < cl->n + 16ULL)
		tlog("only %llu open files allowed for %u connections",
		     (unsigned long long)rl.rlim_cur, cl->n);
	return 0;
}

/* --think: the epoll timeout, down to the next request due (ms, rounded up). */
static int wait_ms(const struct client *cl)
{
	int64_t now = now_ns(), next = now + LOOP_MS * 1000000LL;

	if (!cl->o->think_us)
		return LOOP_MS;
	for (unsigned int i = 0; i < cl->next; i++) {
		const struct cconn *c = &cl->c[i];

		if (c->res == RUNNING && c->connected && c->rx == c->tx &&
		    c->tx < c->req_end && c->next_at < next)
			next = c->next_at;
	}
	return next <= now ? 0 : (next - now + 999999) / 1000000;
}

/* --think: send the requests whose pause is over. */
static void think_over(struct client *cl)
{
	int64_t now = now_ns();

	for (unsigned int i = 0; i < cl->next; i++) {
		struct cconn *c = &cl->c[i];

		if (c->res == RUNNING && c->connected && c->rx == c->tx &&
		    c->tx < c->req_end && c->next_at <= now) {
			conn_write(cl, c);
			update_events(cl, c);
		}
	}
}

int client_run(const struct opts *o)
{
	struct client cl = { 0 };
	struct epoll_event evs[256];

	if (setup(&cl, o))
		return 2;
	tick(&cl);
	while (cl.done < cl.n) {
		int n = epoll_wait(cl.ep, evs, 256, wait_ms(&cl));

		if (n < 0 && errno != EINTR) {
			tlog("epoll_wait: %s", strerror(errno));
			return 2;
		}
		for (int i = 0; i < n; i++) {
			struct cconn *c = &cl.c[evs[i].data.u32];

			if (c->res == RUNNING)
				conn_event(&cl, c, evs[i].events);
		}
		if (o->think_us)
			think_over(&cl);
		if (o->serial)
			open_more(&cl);
		if (now_ns() - cl.last_tick >= LOOP_MS * 1000000LL || cl.done == cl.n)
			tick(&cl);
	}
	write_progress(&cl);
	report(&cl);
	return cl.count[OK] == cl.n ? 0 : 1;
}
