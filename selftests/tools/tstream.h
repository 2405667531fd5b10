/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TSTREAM_H
#define TSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The salt a nondeterministic server inserts into its output. */
#define SALT_LEN 8

/* Servers a client may send the same streams to besides ADDR:PORT. */
#define MAX_FANOUT 4

struct opts {
	/* both */
	int rcvbuf;
	int sndbuf;
	bool nodelay;
	uint64_t pacing_rate;		/* SO_MAX_PACING_RATE, bytes/s; 0: none */
	bool nondet;			/* server output salted at nondet_off */
	uint64_t nondet_off;
	int verbose;
	/* server */
	const char *listen;
	const char *port;
	uint64_t slow_read;		/* bytes/s per connection, 0: no limit */
	const char *ready_file;		/* created once listening */
	uint64_t close_after;		/* close first after this many bytes, 0: never */
	/* client */
	struct sockaddr_storage dst;
	socklen_t dst_len;
	struct sockaddr_storage src;
	socklen_t src_len;		/* 0: no --bind */
	unsigned int conns;
	uint64_t bytes;			/* per connection */
	size_t chunk;			/* largest write */
	uint64_t rate;			/* bytes/s per connection, 0: no limit */
	uint64_t burst;			/* with rate: write in bursts this big */
	uint64_t seed;
	uint64_t rr;			/* round trips per connection, 0: bulk */
	double timeout;			/* s without progress: a connection fails */
	const char *progress_file;
	const char *wait_file;
	const char *mark_file;
	uint64_t pause_at;		/* stop sending here until resume_file exists */
	const char *resume_file;
	const char *end_file;		/* once it exists, every stream ends where it is */
	bool server_closes;		/* no half-close: the server's FIN comes first */
	struct sockaddr_storage fan[MAX_FANOUT];	/* --fanout: more servers */
	socklen_t fan_len[MAX_FANOUT];
	unsigned int nfan;
	bool serial;			/* one connection at a time; setup times */
	uint64_t think_us;		/* --rr: pause after each reply */
};

int server_run(const struct opts *o);
int client_run(const struct opts *o);

int64_t now_ns(void);
/* Options of o that apply to a new socket (buffers, TCP_NODELAY). */
int sock_tune(int fd, const struct opts *o);
/* Allow n more file descriptors, or as many as the hard limit allows. */
void raise_nofile(unsigned int n);
/* Print "tstream: " fmt to stderr. */
void tlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
