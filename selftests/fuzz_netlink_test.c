// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink fuzzer (issue 9): random and mutated generic netlink messages for
 * every command of include/uapi/linux/tandem.h: structured ones (only the
 * attributes the command takes, at their sizes, values in and beyond their
 * ranges, so that most pass the policy and reach the handlers) and random
 * ones (unlisted attributes, every type at its own and at wrong sizes,
 * nesting, broken headers), interleaved with valid configuration and with
 * TCP traffic to a protected service, in two network namespaces:
 *
 *  1. in a namespace that is then deleted with whatever the fuzzer left;
 *  2. in a second one, which must stay consistent: every dump works, each
 *     group's member and service counts match their dumps, and everything
 *     can be deleted;
 *  3. the module unloads with the second namespace populated, and loads
 *     again ($TANDEM_KO);
 *  4. no WARNING, BUG, Oops, KASAN or UBSAN report in the kernel log.
 *
 * The kernel must answer every request (a ping after each one must come
 * back). Deterministic for a seed: fuzz_netlink_test [SEED [ITERATIONS]]
 * or FUZZ_SEED, FUZZ_ITER; each phase also stops after FUZZ_SECS [20]
 * seconds and prints how many iterations it ran, so that a failure is
 * reproduced with that seed and count.
 */
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/rtnetlink.h>

#include "kselftest.h"
#include "tandem_nl.h"
#include "fuzz_netlink.h"

#define CLIENTS 24
#define MAX_ATTRS 10

/* ---- the fuzzer's sockets ---- */

struct fuzz {
	struct tnl t;		/* requests */
	struct tnl ev;		/* subscribed to the events */
	int listeners[PORTS];
	int clients[CLIENTS];
	int accepted[CLIENTS];
	unsigned long sent, acked, mutated;
};

static uint32_t ping_seq(struct fuzz *f)
{
	struct nlmsghdr *nlh = tnl_req(&f->t, TANDEM_CMD_STATS_GET, 0);

	if (tnl_send(&f->t, nlh))
		return 0;
	return nlh->nlmsg_seq;
}

/*
 * Reads until the answer to the ping with seq arrives, dropping the rest
 * (answers to the fuzzed request, unfinished dumps). 0, or -errno (a
 * kernel that does not answer within 20 s: -ETIMEDOUT).
 */
static int drain_until(struct fuzz *f, uint32_t seq, uint32_t fuzz_seq)
{
	long long end = tnl_now_ms() + 20000;
	int fd = mnl_socket_get_fd(f->t.nl);

	while (tnl_now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recv(fd, f->t.buf, sizeof(f->t.buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
				continue;
			return -errno;
		}
		len = n;
		for (nlh = (void *)f->t.buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (nlh->nlmsg_seq == fuzz_seq && !e->error)
				f->acked++;
			if (nlh->nlmsg_seq == seq)
				return 0;
		}
	}
	return -ETIMEDOUT;
}

static void drain_events(struct fuzz *f)
{
	while (recv(mnl_socket_get_fd(f->ev.nl), f->ev.buf, sizeof(f->ev.buf),
		    MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
}

/* Sends len bytes of req as they are, then pings. */
static int send_raw(struct fuzz *f, const void *req, size_t len)
{
	/* req may be the socket's buffer, which the ping reuses */
	uint32_t fuzz_seq = ((const struct nlmsghdr *)req)->nlmsg_seq, seq;

	f->sent++;
	if (send(mnl_socket_get_fd(f->t.nl), req, len, 0) < 0 &&
	    errno != ENOBUFS && errno != EINVAL && errno != EMSGSIZE)
		return -errno;
	seq = ping_seq(f);
	if (!seq)
		return -EIO;
	return drain_until(f, seq, fuzz_seq);
}

/* A message a command takes, values in and beyond their ranges. */
static struct nlmsghdr *structured_msg(struct fuzz *f)
{
	uint8_t cmd = 1 + below(TANDEM_CMD_MAX);
	bool dump = (cmd == TANDEM_CMD_CONN_GET || (cmd % 4 == 0 && chance(50)));
	struct nlmsghdr *nlh = tnl_req(&f->t, cmd, dump ? NLM_F_DUMP : 0);
	const uint16_t *a = cmd_attrs[cmd];

	for (int i = 0; i < 20 && a[i]; i++)
		if (i == 0 ? chance(90) : chance(i == 1 ? 20 : 50))
			put_listed_attr(nlh, a[i]);
	return nlh;
}

/* A message of random command, flags and attributes. */
static struct nlmsghdr *random_msg(struct fuzz *f)
{
	static const uint16_t flag_sets[] = {
		NLM_F_ACK, NLM_F_ACK, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP | NLM_F_ACK,
		0, NLM_F_ECHO | NLM_F_ACK, NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE,
		NLM_F_ACK | NLM_F_ATOMIC, 0xffff & ~NLM_F_REQUEST,
	};
	uint8_t cmd = chance(95) ? 1 + below(TANDEM_CMD_MAX) : below(256);
	uint16_t flags = flag_sets[below(sizeof(flag_sets) / sizeof(flag_sets[0]))];
	uint8_t version = chance(95) ? TANDEM_GENL_VERSION : below(256);
	struct nlmsghdr *nlh = tnl_msg_new(&f->t, f->t.family, cmd, version, flags);
	unsigned int n = below(MAX_ATTRS + 1);

	if (chance(60))
		put_name(nlh, TANDEM_A_GROUP_NAME);
	while (n--)
		put_random_attr(nlh, 0);
	return nlh;
}

/* A random message, then damaged: flipped bytes, lengths, truncation. */
static int mutated_msg(struct fuzz *f)
{
	struct nlmsghdr *nlh = random_msg(f);
	unsigned char *p = (unsigned char *)nlh;
	size_t len = nlh->nlmsg_len, hdr = NLMSG_HDRLEN + GENL_HDRLEN;
	unsigned int n = 1 + below(4);

	f->mutated++;
	while (n--) {
		switch (below(5)) {
		case 0:		/* a byte of the attributes */
			if (len > hdr)
				p[hdr + below(len - hdr)] = rnd();
			break;
		case 1:		/* an attribute length (the first two bytes) */
			if (len >= hdr + 4) {
				size_t off = hdr + 4 * below((len - hdr) / 4);

				p[off] = rnd();
				p[off + 1] = chance(50) ? 0 : rnd();
			}
			break;
		case 2:		/* truncated in the middle of an attribute */
			if (len > hdr + 1)
				len = hdr + below(len - hdr);
			nlh->nlmsg_len = len;
			break;
		case 3:		/* the netlink length disagrees with the send */
			nlh->nlmsg_len = chance(50) ? len + 1 + below(64) :
						      NLMSG_HDRLEN + below(len);
			break;
		default:	/* the generic netlink header */
			p[NLMSG_HDRLEN + below(GENL_HDRLEN)] = rnd();
		}
	}
	return send_raw(f, nlh, len);
}

/* ---- valid configuration ---- */

static int ok_do(struct fuzz *f, struct nlmsghdr *nlh)
{
	return tnl_do_free(&f->t, nlh);
}

/* Group g0 (id 1, VIP on lo) as a primary protecting ports 80..83, with
 * members that never answer; or a valid change of a random object.
 */
static void valid_config(struct fuzz *f)
{
	struct nlmsghdr *nlh;
	char name[8], addr[16];
	uint32_t id = 1 + below(NAMES), members = 2 + below(4);

	snprintf(name, sizeof(name), "g%u", id - 1);
	switch (below(8)) {
	case 0:
	case 1:
		nlh = tnl_req(&f->t, TANDEM_CMD_GROUP_NEW, 0);
		snprintf(name, sizeof(name), "g0");
		tnl_put_group(nlh, name, 1, VIP, 1);
		tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, REPL);
		tnl_put_key(nlh, 1);
		mnl_attr_put_u32(nlh, TANDEM_A_GROUP_SYN_TIMEOUT_MS, 1 + below(300));
		ok_do(f, nlh);
		for (unsigned int m = 2; m < members; m++) {
			snprintf(addr, sizeof(addr), "10.78.0.%u", m);
			tnl_member_add(&f->t, "g0", m, addr);
		}
		for (unsigned int p = 0; p < PORTS; p++)
			tnl_service_add(&f->t, "g0", 80 + p);
		nlh = tnl_req(&f->t, TANDEM_CMD_GROUP_SET, 0);
		tnl_put_sel(nlh, "g0");
		mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, TANDEM_ROLE_PRIMARY);
		mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, 1 + below(1000));
		mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, 100 + below(60000));
		ok_do(f, nlh);
		break;
	case 2:
		nlh = tnl_req(&f->t, TANDEM_CMD_GROUP_NEW, 0);
		tnl_put_group(nlh, name, id, id == 1 ? VIP : (id == 2 ? "10.77.0.2" : "10.77.0.7"), 1);
		tnl_put_addr(nlh, TANDEM_A_GROUP_REPL_ADDR, id == 4 ? "2001:db8::1" : REPL);
		tnl_put_key(nlh, 2);
		ok_do(f, nlh);
		break;
	case 3:
		tnl_member_add(&f->t, name, 2 + below(8), chance(50) ? "10.78.0.5" : "2001:db8::5");
		break;
	case 4:
		tnl_service_add(&f->t, name, 80 + below(PORTS));
		break;
	case 5:
		nlh = tnl_req(&f->t, TANDEM_CMD_GROUP_SET, 0);
		tnl_put_sel(nlh, name);
		mnl_attr_put_u8(nlh, TANDEM_A_GROUP_ROLE, 1 + below(TANDEM_ROLE_MAX));
		mnl_attr_put_u64(nlh, TANDEM_A_GROUP_EPOCH, below(2000));
		if (chance(50))
			mnl_attr_put_u32(nlh, TANDEM_A_GROUP_LEASE_MS, 1 + below(5000));
		ok_do(f, nlh);
		break;
	case 6:
		nlh = tnl_req(&f->t, TANDEM_CMD_SERVICE_DEL, 0);
		tnl_put_sel(nlh, name);
		mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT, 80 + below(PORTS));
		ok_do(f, nlh);
		break;
	default:
		if (chance(50)) {
			nlh = tnl_req(&f->t, TANDEM_CMD_GROUP_DEL, 0);
			tnl_put_sel(nlh, name);
		} else {
			nlh = tnl_req(&f->t, TANDEM_CMD_MEMBER_DEL, 0);
			tnl_put_sel(nlh, name);
			mnl_attr_put_u32(nlh, TANDEM_A_MEMBER_NODE_ID, 2 + below(4));
		}
		ok_do(f, nlh);
	}
}

/* ---- traffic through the protected ports ---- */

static void slot_close(int *fd, bool rst)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (*fd < 0)
		return;
	if (rst)
		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(*fd);
	*fd = -1;
}

static int *free_slot(int *slots)
{
	int i = below(CLIENTS);

	for (int j = 0; j < CLIENTS; j++)
		if (slots[(i + j) % CLIENTS] < 0)
			return &slots[(i + j) % CLIENTS];
	slot_close(&slots[i], chance(50));
	return &slots[i];
}

/* Accepts, echoes, writes, closes (some with a RST) and connects anew. */
static void traffic(struct fuzz *f)
{
	char buf[2048];
	int fd, *slot;

	for (int p = 0; p < PORTS; p++)
		while ((fd = accept4(f->listeners[p], NULL, NULL, SOCK_NONBLOCK)) >= 0)
			*free_slot(f->accepted) = fd;
	for (int i = 0; i < CLIENTS; i++) {
		ssize_t n;

		if (f->accepted[i] >= 0) {
			n = read(f->accepted[i], buf, sizeof(buf));
			if (n > 0 && write(f->accepted[i], buf, n) < 0 && errno != EAGAIN)
				slot_close(&f->accepted[i], false);
			else if (n == 0 || chance(3))
				slot_close(&f->accepted[i], chance(50));
		}
		if (f->clients[i] >= 0) {
			memset(buf, 'a' + i, sizeof(buf));
			if (write(f->clients[i], buf, 1 + below(sizeof(buf))) < 0 &&
			    errno != EAGAIN && errno != ENOTCONN)
				slot_close(&f->clients[i], false);
			else if (read(f->clients[i], buf, sizeof(buf)) == 0 || chance(5))
				slot_close(&f->clients[i], chance(50));
		}
	}
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in to = {
			.sin_family = AF_INET,
			.sin_port = htons(80 + below(PORTS)),
		};

		inet_pton(AF_INET, VIP, &to.sin_addr);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		slot = free_slot(f->clients);
		connect(fd, (struct sockaddr *)&to, sizeof(to));
		*slot = fd;
	}
}

/* ---- the namespace ---- */

static int rtnl_do(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	return mnl_cb_run(buf, n, 0, 0, NULL, NULL) < 0 ? -errno : 0;
}

/* lo up with the VIP on it */
static int net_setup(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct ifaddrmsg *ifa;
	struct in_addr a;
	int err;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID))
		return -errno;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = if_nametoindex("lo");
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	err = rtnl_do(nl, nlh);
	if (!err) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWADDR;
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 32;
		ifa->ifa_index = if_nametoindex("lo");
		inet_pton(AF_INET, VIP, &a);
		mnl_attr_put(nlh, IFA_LOCAL, 4, &a);
		mnl_attr_put(nlh, IFA_ADDRESS, 4, &a);
		err = rtnl_do(nl, nlh);
	}
	mnl_socket_close(nl);
	return err;
}

static int fuzz_open(struct fuzz *f)
{
	int one = 1, err;

	memset(f, 0, sizeof(*f));
	memset(f->clients, -1, sizeof(f->clients));
	memset(f->accepted, -1, sizeof(f->accepted));
	if (unshare(CLONE_NEWNET))
		return -errno;
	err = net_setup() ?: tnl_open(&f->t) ?: tnl_open(&f->ev) ?: tnl_subscribe(&f->ev);
	if (err)
		return err;
	for (int p = 0; p < PORTS; p++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80 + p) };

		f->listeners[p] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (f->listeners[p] < 0 ||
		    setsockopt(f->listeners[p], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(f->listeners[p], (struct sockaddr *)&a, sizeof(a)) ||
		    listen(f->listeners[p], 64))
			return -errno;
	}
	return 0;
}

static void fuzz_close(struct fuzz *f)
{
	for (int i = 0; i < CLIENTS; i++) {
		slot_close(&f->clients[i], false);
		slot_close(&f->accepted[i], false);
	}
	for (int p = 0; p < PORTS; p++)
		close(f->listeners[p]);
	tnl_close(&f->ev);
	tnl_close(&f->t);
}

/*
 * Runs at most iters iterations or secs seconds; 0, or -errno with the
 * iteration that failed in *done.
 */
static int fuzz_run(struct fuzz *f, unsigned long iters, unsigned int secs,
		    unsigned long *done)
{
	long long end = tnl_now_ms() + secs * 1000LL;
	unsigned long i;
	int err = 0;

	for (i = 0; i < iters && !err && tnl_now_ms() < end; i++) {
		unsigned int r = below(100);

		if (r < 8) {
			valid_config(f);
		} else if (r < 24) {
			err = mutated_msg(f);
		} else if (r < 62) {
			struct nlmsghdr *nlh = structured_msg(f);

			err = send_raw(f, nlh, nlh->nlmsg_len);
		} else {
			struct nlmsghdr *nlh = random_msg(f);

			err = send_raw(f, nlh, nlh->nlmsg_len);
		}
		if (i % 16 == 0)
			traffic(f);
		if (i % 64 == 0)
			drain_events(f);
	}
	*done = i;
	return err;
}

/* ---- checks ---- */

/* Every dump works; each group's counts match its member and service dumps. */
static int consistent(struct tnl *t, char *why, size_t len)
{
	struct tnl_res r;
	int err, tries = 0;

	do
		err = tnl_dump_cmd(t, TANDEM_CMD_GROUP_GET, NULL, &r);
	while (!err && r.intr && ++tries < 5 && (tnl_res_free(&r), 1));
	if (err) {
		snprintf(why, len, "group dump: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < r.n && !err; i++) {
		const struct nlattr *tb[TANDEM_A_MAX + 1];
		const char *name;
		long m, s, c;

		tnl_parse(r.msgs[i], tb);
		if (!tb[TANDEM_A_GROUP_NAME] || !tb[TANDEM_A_GROUP_MEMBERS] ||
		    !tb[TANDEM_A_GROUP_SERVICES]) {
			snprintf(why, len, "group %zu lacks name or counts", i);
			err = -EBADMSG;
			break;
		}
		name = mnl_attr_get_str(tb[TANDEM_A_GROUP_NAME]);
		m = tnl_count(t, TANDEM_CMD_MEMBER_GET, name);
		s = tnl_count(t, TANDEM_CMD_SERVICE_GET, name);
		c = tnl_count(t, TANDEM_CMD_CONN_GET, name);
		if (m != mnl_attr_get_u32(tb[TANDEM_A_GROUP_MEMBERS]) ||
		    s != mnl_attr_get_u32(tb[TANDEM_A_GROUP_SERVICES]) || c < 0) {
			snprintf(why, len, "group %s: %u members, %u services; dumps: %ld, %ld, conns %ld",
				 name, mnl_attr_get_u32(tb[TANDEM_A_GROUP_MEMBERS]),
				 mnl_attr_get_u32(tb[TANDEM_A_GROUP_SERVICES]), m, s, c);
			err = -EBADMSG;
		}
	}
	tnl_res_free(&r);
	return err;
}

/* Deletes every service and group; then every dump is empty. */
static int delete_all(struct tnl *t, char *why, size_t len)
{
	struct tnl_res r;
	int err;

	err = tnl_dump_cmd(t, TANDEM_CMD_SERVICE_GET, NULL, &r);
	for (size_t i = 0; i < r.n && !err; i++) {
		const struct nlattr *tb[TANDEM_A_MAX + 1];
		struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_SERVICE_DEL, 0);

		tnl_parse(r.msgs[i], tb);
		mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, mnl_attr_get_u32(tb[TANDEM_A_GROUP_ID]));
		mnl_attr_put_u16(nlh, TANDEM_A_SERVICE_PORT,
				 mnl_attr_get_u16(tb[TANDEM_A_SERVICE_PORT]));
		err = tnl_do_free(t, nlh);
		if (err)
			snprintf(why, len, "service del: %s", strerror(-err));
	}
	tnl_res_free(&r);
	if (!err)
		err = tnl_dump_cmd(t, TANDEM_CMD_GROUP_GET, NULL, &r);
	for (size_t i = 0; i < r.n && !err; i++) {
		const struct nlattr *tb[TANDEM_A_MAX + 1];
		struct nlmsghdr *nlh = tnl_req(t, TANDEM_CMD_GROUP_DEL, 0);

		tnl_parse(r.msgs[i], tb);
		mnl_attr_put_u32(nlh, TANDEM_A_GROUP_ID, mnl_attr_get_u32(tb[TANDEM_A_GROUP_ID]));
		err = tnl_do_free(t, nlh);
		if (err)
			snprintf(why, len, "group del: %s", strerror(-err));
	}
	tnl_res_free(&r);
	if (err)
		return err;
	if (tnl_count(t, TANDEM_CMD_GROUP_GET, NULL) || tnl_count(t, TANDEM_CMD_MEMBER_GET, NULL) ||
	    tnl_count(t, TANDEM_CMD_SERVICE_GET, NULL) || tnl_count(t, TANDEM_CMD_CONN_GET, NULL)) {
		snprintf(why, len, "objects left after deleting everything");
		return -EBADMSG;
	}
	return 0;
}

static int module_reload(char *why, size_t len)
{
	const char *ko = getenv("TANDEM_KO");
	int fd, err = 0;

	if (syscall(SYS_delete_module, "tandem", O_NONBLOCK)) {
		snprintf(why, len, "rmmod: %s", strerror(errno));
		return -errno;
	}
	fd = ko ? open(ko, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
		err = -errno;
		snprintf(why, len, "insmod %s: %s", ko ? ko : "(TANDEM_KO unset)", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* New kernel messages (since kmsg was opened) that report a bug. */
static int kmsg_trouble(int kmsg)
{
	static const char *const bad[] = {
		"WARNING", "BUG", "Oops", "Call Trace", "KASAN", "UBSAN",
		"general protection", "refcount_t",
	};
	char rec[8192];
	ssize_t n;
	int found = 0;

	while ((n = read(kmsg, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[n] = 0;
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(rec, bad[i])) {
				printf("# kernel: %s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
				found++;
				break;
			}
		}
	}
	return found;
}

static unsigned long env_num(const char *name, const char *arg, unsigned long def)
{
	const char *s = arg ?: getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : def;
}

int main(int argc, char **argv)
{
	unsigned long long seed = env_num("FUZZ_SEED", argc > 1 ? argv[1] : NULL, 1);
	unsigned long iters = env_num("FUZZ_ITER", argc > 2 ? argv[2] : NULL, 1000000);
	unsigned int secs = env_num("FUZZ_SECS", NULL, 20);
	unsigned long done = 0;
	struct fuzz f;
	char why[256] = "";
	int kmsg, status, err;
	pid_t pid;

	ksft_print_header();
	if (getuid())
		ksft_exit_skip("needs root\n");
	if (!getenv("TANDEM_KO"))
		ksft_exit_skip("TANDEM_KO is not set (run from the VM suite)\n");
	ksft_set_plan(5);
	ksft_print_msg("seed %llu, at most %lu iterations or %u s per phase "
		       "(fuzz_netlink_test SEED ITERATIONS reproduces a run)\n",
		       seed, iters, secs);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);

	/* 1: a namespace deleted with what the fuzzer left in it */
	pid = fork();
	if (pid == 0) {
		rng = seed * 0x9e3779b97f4a7c15ULL | 1;
		err = fuzz_open(&f);
		if (err) {
			printf("# namespace setup: %s\n", strerror(-err));
			_exit(2);
		}
		err = fuzz_run(&f, iters, secs, &done);
		printf("# phase 1: %lu iterations, %lu requests (%lu mutated), %lu acknowledged%s%s\n",
		       done, f.sent, f.mutated, f.acked, err ? ": " : "",
		       err ? strerror(-err) : "");
		fflush(stdout);
		_exit(err ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	ksft_test_result(WIFEXITED(status) && !WEXITSTATUS(status),
			 "fuzzing in a namespace, deleted afterwards\n");

	/* 2-3: a namespace that stays consistent */
	rng = (seed + 1) * 0x9e3779b97f4a7c15ULL | 1;
	err = fuzz_open(&f);
	if (err)
		ksft_exit_fail_msg("namespace setup: %s\n", strerror(-err));
	err = fuzz_run(&f, iters, secs, &done);
	ksft_print_msg("phase 2: %lu iterations, %lu requests (%lu mutated), %lu acknowledged\n",
		       done, f.sent, f.mutated, f.acked);
	ksft_test_result(!err, "the kernel answered every request%s%s\n",
			 err ? ": " : "", err ? strerror(-err) : "");
	err = consistent(&f.t, why, sizeof(why)) ?: delete_all(&f.t, why, sizeof(why));
	ksft_test_result(!err, "state consistent: dumps, counts, deletion%s%s\n",
			 err ? ": " : "", why);

	/* 4: unload with configuration and connections present */
	for (int i = 0; i < 8; i++)
		valid_config(&f);
	traffic(&f);
	fuzz_close(&f);
	why[0] = 0;
	err = module_reload(why, sizeof(why));
	ksft_test_result(!err, "module unloads with a populated namespace, loads again%s%s\n",
			 err ? ": " : "", why);

	ksft_test_result(kmsg < 0 || !kmsg_trouble(kmsg), "kernel log clean\n");
	ksft_finished();
}
