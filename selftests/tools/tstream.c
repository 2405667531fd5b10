// SPDX-License-Identifier: GPL-2.0
/*
 * tstream: a byte-exact TCP stream checker for the data-path tests.
 *
 * The server transforms every byte it reads and writes it back: output byte
 * i is input byte i XOR byte i of a fixed keystream, so the output depends
 * only on the input and its offset, and replicas of the server produce the
 * same bytes. The client streams pseudo-random data (seeded per connection)
 * over many connections, verifies every returned byte, and reports resets,
 * premature EOFs, mismatches, stalls and its longest wait as one line of
 * JSON. See usage() for the options.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tstream.h"

static void usage(FILE *f)
{
	fputs(
"Usage: tstream server [ -l ADDR ] -p PORT [ OPTIONS ]\n"
"       tstream client ADDR:PORT [ OPTIONS ]\n"
"\n"
"The server echoes every byte XOR a keystream of its stream offset (the same\n"
"output on every replica), on any number of connections; it closes a\n"
"connection after the client's FIN once everything is written back.\n"
"  -l, --listen ADDR         local address [0.0.0.0]\n"
"  -p, --port PORT           TCP port\n"
"  --slow-read RATE          read at most RATE bytes/s per connection\n"
"  --ready-file F            create F once listening\n"
"  --nondeterministic OFF    insert 8 random bytes (a salt, new per connection)\n"
"                            before output offset OFF and XOR the salt into the\n"
"                            keystream from there: replicas diverge\n"
"  --close-after N           close a connection first (FIN before the client's)\n"
"                            once N bytes are read and written back\n"
"\n"
"The client opens CONNS connections, streams BYTES of pseudo-random data on\n"
"each, half-closes, verifies every returned byte and waits for the server's\n"
"FIN. A connection is ok if all of it came back exactly, then EOF. Prints\n"
"{\"conns\",\"bytes_verified\",\"ok\",\"reset\",\"eof\",\"mismatch\",\"timeout\",\n"
"\"error\",\"max_pause_ms\",\"secs\",\"mbit_s\"} (with --rr also \"rr\", \"p50_us\",\n"
"\"p99_us\", \"max_us\") as one JSON line; exits 0 if every connection is ok.\n"
"max_pause_ms is the longest time any connection waited for its next byte\n"
"while it had bytes outstanding.\n"
"  -c, --conns N             connections [1]\n"
"  -b, --bytes N             bytes per connection [1M]\n"
"  --chunk N                 largest write [64K]\n"
"  --rate R                  send at most R bytes/s per connection\n"
"  --burst N                 with --rate, write N bytes at a time (or the\n"
"                            rest), connections staggered over the first N/R\n"
"                            seconds: few large segments instead of many small\n"
"  --seed S                  data seed [1]\n"
"  --rr N                    request/response: N round trips of --size bytes,\n"
"                            each sent when the previous one came back\n"
"  --size N                  request size with --rr [64]\n"
"  --nondeterministic OFF    expect a --nondeterministic server: learn its salt\n"
"                            at OFF and check the bytes after it against it\n"
"  -t, --timeout S           a connection without progress for S seconds fails\n"
"                            as \"timeout\" [30]\n"
"  --progress-file F         keep \"VERIFIED ESTABLISHED DONE\" in F (bytes\n"
"                            verified, connections established, finished),\n"
"                            rewritten atomically every 20 ms\n"
"  --wait-file F             connect, then send nothing until F exists\n"
"  --mark-file F             once F exists (checked every 20 ms), also report\n"
"                            the longest pause that ends after that, as\n"
"                            \"pause_after_mark_ms\" (touch F, then crash a node),\n"
"                            and the longest before it, \"pause_before_mark_ms\"\n"
"  --bind ADDR[:PORT]        local address (and port)\n"
"  --pause-at N              stop sending at byte N of each connection until\n"
"                            --resume-file F exists (checked every 20 ms)\n"
"  --resume-file F\n"
"  --end-file F              once F exists (checked every 20 ms), every stream\n"
"                            ends where it is: nothing more is sent, the FIN\n"
"                            goes out, and the connection is ok once what was\n"
"                            sent came back exactly (BYTES is then an upper bound)\n"
"  --server-closes           do not half-close: wait for the server's FIN\n"
"                            (tstream server --close-after), then close\n"
"  --fanout ADDR:PORT        also send each stream, byte for byte, to this\n"
"                            server (up to 4 times): CONNS connections to each\n"
"                            server, every reply verified; the cost of\n"
"                            replicas fed by the client itself (benchmarks)\n"
"  --serial                  open one connection at a time, the next once the\n"
"                            previous one ended, and report the time from\n"
"                            connect() to writable (the client's SYN to\n"
"                            established) as \"setup_p50_us\", \"setup_p99_us\",\n"
"                            \"setup_max_us\"\n"
"  --think US                with --rr, wait US microseconds after each reply\n"
"                            before the next request (light load)\n"
"\n"
"Both:\n"
"  --rcvbuf N, --sndbuf N    SO_RCVBUF, SO_SNDBUF\n"
"  --pacing-rate R           SO_MAX_PACING_RATE: the stack sends at most R\n"
"                            bytes/s per connection (paced by TCP itself)\n"
"  --nodelay                 TCP_NODELAY (always on with --rr and the server)\n"
"  -v, --verbose             per-connection results on stderr\n"
"N, R and OFF may end in K, M or G (powers of 1024). Exit status: 0 ok,\n"
"1 a connection failed, 2 usage or setup error.\n", f);
}

void tlog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tstream: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int sock_tune(int fd, const struct opts *o)
{
	int one = 1;

	if (o->rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf, sizeof(o->rcvbuf)))
		return -errno;
	if (o->sndbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o->sndbuf, sizeof(o->sndbuf)))
		return -errno;
	if (o->nodelay &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -errno;
	if (o->pacing_rate &&
	    setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &o->pacing_rate,
		       sizeof(o->pacing_rate)))
		return -errno;
	return 0;
}

void raise_nofile(unsigned int n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	n += 64;
	if (rl.rlim_cur >= n)
		return;
	rl.rlim_cur = n;
	if (rl.rlim_max < n)
		rl.rlim_max = n;	/* root may raise it */
	if (!setrlimit(RLIMIT_NOFILE, &rl))
		return;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* A number with an optional K, M or G suffix; -EINVAL if malformed. */
static int parse_size(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	}
	if (*end)
		return -EINVAL;
	*v = n;
	return 0;
}

/* ADDR:PORT or [ADDR]:PORT, numeric. */
static int parse_endpoint(const char *s, const char *defport,
			  struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	char host[256];
	const char *port = defport;
	struct addrinfo *ai;
	const char *colon;
	int err;

	if (s[0] == '[') {
		colon = strchr(s, ']');
		if (!colon || (colon[1] && colon[1] != ':'))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s - 1), s + 1);
		if (colon[1])
			port = colon + 2;
	} else if ((colon = strrchr(s, ':')) && strchr(s, ':') == colon) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		port = colon + 1;
	} else {
		snprintf(host, sizeof(host), "%s", s);
	}
	if (!port || !*port)
		return -EINVAL;
	err = getaddrinfo(host, port, &hints, &ai);
	if (err)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

enum {
	OPT_SLOW_READ = 256, OPT_NONDET, OPT_CHUNK, OPT_RATE, OPT_SEED,
	OPT_RR, OPT_SIZE, OPT_PROGRESS, OPT_WAIT, OPT_BIND, OPT_RCVBUF,
	OPT_SNDBUF, OPT_NODELAY, OPT_PACING, OPT_READY, OPT_MARK, OPT_BURST, OPT_CLOSE_AFTER,
	OPT_PAUSE_AT, OPT_RESUME, OPT_END, OPT_SERVER_CLOSES, OPT_FANOUT, OPT_SERIAL,
	OPT_THINK,
};

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "port", required_argument, NULL, 'p' },
	{ "slow-read", required_argument, NULL, OPT_SLOW_READ },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "nondeterministic", required_argument, NULL, OPT_NONDET },
	{ "conns", required_argument, NULL, 'c' },
	{ "bytes", required_argument, NULL, 'b' },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "rr", required_argument, NULL, OPT_RR },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "timeout", required_argument, NULL, 't' },
	{ "progress-file", required_argument, NULL, OPT_PROGRESS },
	{ "wait-file", required_argument, NULL, OPT_WAIT },
	{ "mark-file", required_argument, NULL, OPT_MARK },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "close-after", required_argument, NULL, OPT_CLOSE_AFTER },
	{ "pause-at", required_argument, NULL, OPT_PAUSE_AT },
	{ "resume-file", required_argument, NULL, OPT_RESUME },
	{ "end-file", required_argument, NULL, OPT_END },
	{ "server-closes", no_argument, NULL, OPT_SERVER_CLOSES },
	{ "fanout", required_argument, NULL, OPT_FANOUT },
	{ "serial", no_argument, NULL, OPT_SERIAL },
	{ "think", required_argument, NULL, OPT_THINK },
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF },
	{ "nodelay", no_argument, NULL, OPT_NODELAY },
	{ "pacing-rate", required_argument, NULL, OPT_PACING },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *opt, const char *arg)
{
	tlog("invalid %s '%s'", opt, arg);
	return 2;
}

/* Parses an option that takes a size into *v, bounded by max. */
static int size_arg(const char *opt, uint64_t *v, uint64_t min, uint64_t max)
{
	if (parse_size(optarg, v) || *v < min || *v > max)
		return bad(opt, optarg);
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	uint64_t v, size = 64, chunk = 64 << 10;
	char *end;

	while (1) {
		int c = getopt_long(argc, argv, "l:p:c:b:t:vh", longopts, NULL);
		int err = 0;

		if (c == -1)
			break;
		switch (c) {
		case 'l': o->listen = optarg; break;
		case 'p': o->port = optarg; break;
		case OPT_SLOW_READ:
			err = size_arg("--slow-read", &o->slow_read, 1, 1ULL << 40);
			break;
		case OPT_NONDET:
			o->nondet = true;
			err = size_arg("--nondeterministic", &o->nondet_off, 0, UINT64_MAX);
			break;
		case 'c':
			err = size_arg("--conns", &v, 1, 1000000);
			o->conns = v;
			break;
		case 'b': err = size_arg("--bytes", &o->bytes, 0, 1ULL << 50); break;
		case OPT_CHUNK: err = size_arg("--chunk", &chunk, 1, 16 << 20); break;
		case OPT_RATE: err = size_arg("--rate", &o->rate, 1, 1ULL << 40); break;
		case OPT_BURST: err = size_arg("--burst", &o->burst, 1, 16 << 20); break;
		case OPT_SEED: err = size_arg("--seed", &o->seed, 0, UINT64_MAX); break;
		case OPT_RR: err = size_arg("--rr", &o->rr, 1, 1ULL << 32); break;
		case OPT_SIZE: err = size_arg("--size", &size, 1, 16 << 20); break;
		case 't':
			o->timeout = strtod(optarg, &end);
			if (*end || !(o->timeout > 0))
				err = bad("--timeout", optarg);
			break;
		case OPT_PROGRESS: o->progress_file = optarg; break;
		case OPT_READY: o->ready_file = optarg; break;
		case OPT_WAIT: o->wait_file = optarg; break;
		case OPT_MARK: o->mark_file = optarg; break;
		case OPT_BIND:
			if (parse_endpoint(optarg, "0", &o->src, &o->src_len))
				err = bad("--bind", optarg);
			break;
		case OPT_RCVBUF:
			err = size_arg("--rcvbuf", &v, 1, INT32_MAX);
			o->rcvbuf = v;
			break;
		case OPT_SNDBUF:
			err = size_arg("--sndbuf", &v, 1, INT32_MAX);
			o->sndbuf = v;
			break;
		case OPT_NODELAY: o->nodelay = true; break;
		case OPT_PACING: err = size_arg("--pacing-rate", &o->pacing_rate, 1, UINT64_MAX); break;
		case OPT_CLOSE_AFTER:
			err = size_arg("--close-after", &o->close_after, 1, 1ULL << 50);
			break;
		case OPT_PAUSE_AT:
			err = size_arg("--pause-at", &o->pause_at, 1, 1ULL << 50);
			break;
		case OPT_RESUME: o->resume_file = optarg; break;
		case OPT_END: o->end_file = optarg; break;
		case OPT_SERVER_CLOSES: o->server_closes = true; break;
		case OPT_FANOUT:
			if (o->nfan == MAX_FANOUT ||
			    parse_endpoint(optarg, NULL, &o->fan[o->nfan], &o->fan_len[o->nfan]))
				err = bad("--fanout", optarg);
			else
				o->nfan++;
			break;
		case OPT_SERIAL: o->serial = true; break;
		case OPT_THINK:
			err = size_arg("--think", &o->think_us, 1, 60000000);
			break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return 2;
		}
		if (err)
			return err;
	}
	o->chunk = chunk;
	if (o->end_file && o->rr) {
		tlog("--end-file does not go with --rr");
		return 2;
	}
	if (!o->pause_at != !o->resume_file) {
		tlog("--pause-at and --resume-file go together");
		return 2;
	}
	if (o->think_us && !o->rr) {
		tlog("--think goes with --rr");
		return 2;
	}
	if (o->burst > o->chunk)
		o->chunk = o->burst;
	if (o->rr) {
		o->chunk = size;
		o->bytes = o->rr * size;
		o->nodelay = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.listen = "0.0.0.0", .conns = 1, .bytes = 1 << 20, .seed = 1,
		.timeout = 30,
	};
	const char *mode;
	int err;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	mode = argv[1];
	argv++;
	argc--;
	err = parse_opts(argc, argv, &o);
	if (err)
		return err;
	if (!strcmp(mode, "server")) {
		if (!o.port || optind != argc) {
			usage(stderr);
			return 2;
		}
		o.nodelay = true;
		return server_run(&o);
	}
	if (!strcmp(mode, "client")) {
		if (optind != argc - 1) {
			usage(stderr);
			return 2;
		}
		if (parse_endpoint(argv[optind], NULL, &o.dst, &o.dst_len))
			return bad("ADDR:PORT", argv[optind]);
		return client_run(&o);
	}
	if (!strcmp(mode, "-h") || !strcmp(mode, "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
