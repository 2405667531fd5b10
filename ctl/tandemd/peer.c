// SPDX-License-Identifier: GPL-2.0
/*
 * Agreement datagrams between the tandemds of a group, over UDP on the
 * replication network (each member's replication address, the group's
 * agree-port). Layout, network byte order:
 *
 *   0  u32 magic "TDAG"      12 u64 seq: incarnation << 32 | counter
 *   4  u32 group id          20 agreement message (ctl/agree/wire.h)
 *   8  u32 sender node id    .. u8[16] tag
 *
 * tag = HMAC-SHA256(K, everything before it) truncated to 128 bits, where
 * K = HMAC-SHA256(group key, "tandemd agreement v1"): a key of its own, so
 * that nothing the kernel's channel authenticates with the group key can
 * be replayed here or the other way round. A receiver keeps, per sender,
 * the highest seq it accepted and which of the PEER_WINDOW below it it
 * accepted, and takes every seq at most once: duplicates (the copy sent on
 * the other link, or a replay) and anything older than the window are
 * dropped; reordering within the window is harmless (the protocol's
 * handlers take messages in any order). The incarnation is persisted and
 * raised at every start, so a restarted sender's datagrams are never taken
 * for replays, nor its old ones for new.
 *
 * A daemon's request to another member (forward.c) has the same header
 * and tag with the magic "TDRQ" and its own payload in place of the
 * agreement message.
 *
 * With a second link (every member's addr2), every datagram is sent on
 * both, from a socket bound to each of this node's addresses; a peer is
 * alive as long as either link delivers.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "print.h"
#include "tandemd.h"
#include "wire.h"

#define PEER_MAGIC 0x54444147U	/* "TDAG" */
#define PEER_REQ_MAGIC 0x54445251U	/* "TDRQ" */
#define PEER_HDR 20
#define PEER_TAG 16

_Static_assert(PEER_MAX >= PEER_HDR + AGREE_WIRE_MAX + 16, "PEER_MAX");
#define PEER_LABEL "tandemd agreement v1"

void peer_derive_key(const uint8_t key[TANDEM_KEY_LEN], uint8_t out[32])
{
	unsigned int len = 32;

	HMAC(EVP_sha256(), key, TANDEM_KEY_LEN, (const uint8_t *)PEER_LABEL,
	     strlen(PEER_LABEL), out, &len);
}

static int tag(const uint8_t mac_key[32], const uint8_t *buf, size_t len,
	       uint8_t out[PEER_TAG])
{
	uint8_t full[EVP_MAX_MD_SIZE];
	unsigned int n = sizeof(full);

	if (!HMAC(EVP_sha256(), mac_key, 32, buf, len, full, &n))
		return -EIO;
	memcpy(out, full, PEER_TAG);
	return 0;
}

static socklen_t member_sockaddr(const struct td_grp *g,
				 const struct tandem_addr *a,
				 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(g->cfg->agree_port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(g->cfg->agree_port);
	memcpy(&sin6->sin6_addr, a->bytes, 16);
	return sizeof(*sin6);
}

static int member_index(const struct td_grp *g, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < g->cfg->n_members; i++)
		if (g->cfg->member[i].id == id)
			return i;
	return -1;
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static int send_to(struct td_grp *g, int fd, const struct td_member *m,
		   const struct tandem_addr *a, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = member_sockaddr(g, a, &ss);

	if (sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0) {
		td_debug("group %s: cannot send to node %u on link %d: %s",
			 g->cfg->name, m->id, a == &m->addr ? 1 : 2,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* Header and tag around the len bytes of payload at buf + PEER_HDR. */
static int seal(struct td_grp *g, uint32_t magic, uint8_t *buf, int len)
{
	uint64_t seq;

	if ((g->tx_seq + 1) >> 32 != g->incarnation) {
		/* 2^32 datagrams: a new incarnation, persisted before use */
		int ret = state_write(g->state_path, &g->persisted,
				      g->incarnation + 1);

		if (ret) {
			td_err("group %s: cannot write %s: %s", g->cfg->name,
			       g->state_path, strerror(-ret));
			return ret;
		}
		g->incarnation++;
		g->tx_seq = g->incarnation << 32;
	}
	seq = htobe64(++g->tx_seq);
	put32(buf, magic);
	put32(buf + 4, g->cfg->id);
	put32(buf + 8, g->cfg->agree.self_id);
	memcpy(buf + 12, &seq, 8);
	len += PEER_HDR;
	if (tag(g->mac_key, buf, len, buf + len))
		return -EIO;
	return len + PEER_TAG;
}

int peer_seal(struct td_grp *g, const struct agree_msg *m, uint8_t *buf,
	      size_t size)
{
	int len;

	if (size < PEER_MAX)
		return -EMSGSIZE;
	len = agree_wire_encode(m, buf + PEER_HDR, AGREE_WIRE_MAX);
	if (len < 0)
		return len;
	return seal(g, PEER_MAGIC, buf, len);
}

static void send_all(struct td_grp *g, uint32_t to, const uint8_t *buf, int len)
{
	unsigned int i;

	for (i = 0; i < g->cfg->n_members; i++) {
		const struct td_member *mb = &g->cfg->member[i];

		if (mb->id == g->cfg->agree.self_id)
			continue;
		if (to != AGREE_BROADCAST && to != mb->id)
			continue;
		send_to(g, g->sock.fd, mb, &mb->addr, buf, len);
		if (g->sock2.fd >= 0)
			send_to(g, g->sock2.fd, mb, &mb->addr2, buf, len);
	}
}

int peer_send_req(struct td_grp *g, uint32_t to, const uint8_t *payload,
		  size_t len)
{
	uint8_t buf[PEER_HDR + PEER_REQ_MAX + PEER_TAG];
	int n;

	if (len > PEER_REQ_MAX)
		return -EMSGSIZE;
	memcpy(buf + PEER_HDR, payload, len);
	n = seal(g, PEER_REQ_MAGIC, buf, len);
	if (n < 0)
		return n;
	send_all(g, to, buf, n);
	return 0;
}

int peer_send(struct td_grp *g, const struct agree_msg *m)
{
	uint8_t buf[PEER_MAX];
	int len;

	len = peer_seal(g, m, buf, sizeof(buf));
	if (len < 0)
		return len;
	send_all(g, m->to, buf, len);
	return 0;
}

/* 0: seq is new from member i; -EEXIST: taken already; -EALREADY: too old. */
static int seq_check(const struct td_grp *g, int i, uint64_t seq)
{
	uint64_t top = g->rx_seq[i];

	if (seq > top)
		return 0;
	if (top - seq >= PEER_WINDOW)
		return -EALREADY;
	return (g->rx_win[i] >> (top - seq)) & 1 ? -EEXIST : 0;
}

static void seq_accept(struct td_grp *g, int i, uint64_t seq)
{
	uint64_t top = g->rx_seq[i];

	if (seq > top) {
		g->rx_win[i] = seq - top >= PEER_WINDOW ? 0 :
			       g->rx_win[i] << (seq - top);
		g->rx_win[i] |= 1;
		g->rx_seq[i] = seq;
	} else {
		g->rx_win[i] |= 1ULL << (top - seq);
	}
}

/* Is the tag after the len bytes of buf the one of mac_key? */
static bool tagged(const uint8_t mac_key[32], const uint8_t *buf, size_t len)
{
	uint8_t want[PEER_TAG];
	bool ok;

	ok = !tag(mac_key, buf, len, want) &&
	     !CRYPTO_memcmp(want, buf + len, PEER_TAG);
	explicit_bzero(want, sizeof(want));
	return ok;
}

/*
 * Check a datagram of magic: its member index, or -errno (peer_unseal,
 * peer_req); *alt: it was sealed under a key rotation's other key
 * (rotate.c).
 */
static int unseal(struct td_grp *g, uint32_t magic, const uint8_t *buf,
		  size_t len, uint64_t *seq, bool *alt)
{
	int i, ret;

	if (len < PEER_HDR + PEER_TAG || len > PEER_MAX ||
	    get32(buf) != magic || get32(buf + 4) != g->cfg->id)
		return -EBADMSG;
	i = member_index(g, get32(buf + 8));
	if (i < 0 || get32(buf + 8) == g->cfg->agree.self_id)
		return -EBADMSG;
	len -= PEER_TAG;
	*alt = false;
	if (!tagged(g->mac_key, buf, len)) {
		if (!rotate_accepts_alt(g, td_now()) ||
		    !tagged(g->rot.mac_alt, buf, len)) {
			g->rx_auth++;
			return -EBADMSG;
		}
		*alt = true;
	}
	memcpy(seq, buf + 12, 8);
	*seq = be64toh(*seq);
	ret = seq_check(g, i, *seq);
	return ret ? ret : i;
}

int peer_unseal(struct td_grp *g, const uint8_t *buf, size_t len,
		struct agree_msg *m)
{
	uint64_t seq;
	bool alt;
	int i, ret;

	if (len < PEER_HDR + AGREE_WIRE_HDR + PEER_TAG)
		return -EBADMSG;
	i = unseal(g, PEER_MAGIC, buf, len, &seq, &alt);
	if (i < 0)
		return i;
	ret = agree_wire_decode(buf + PEER_HDR, len - PEER_HDR - PEER_TAG, m);
	if (ret)
		return ret;
	if (m->from != get32(buf + 8))
		return -EBADMSG;
	seq_accept(g, i, seq);
	g->rot.rx_alt += alt;
	return 0;
}

/* A request datagram (forward.c): true if it was one (taken or dropped). */
static bool peer_req(struct td_grp *g, const uint8_t *buf, size_t len)
{
	uint64_t seq;
	bool alt;
	int i;

	if (len < 4 || get32(buf) != PEER_REQ_MAGIC)
		return false;
	i = unseal(g, PEER_REQ_MAGIC, buf, len, &seq, &alt);
	if (i < 0) {
		if (i == -EBADMSG)
			g->rx_bad++;
		return true;
	}
	seq_accept(g, i, seq);
	forward_recv(g, get32(buf + 8), buf + PEER_HDR, len - PEER_HDR - PEER_TAG);
	return true;
}

static void peer_readable2(struct td_daemon *d, struct td_watch *w,
			   uint32_t events);

static void heard(struct td_grp *g, int link, const uint8_t *buf)
{
	int i = member_index(g, get32(buf + 8));

	if (i >= 0)
		g->heard[i][link] = td_now();
}

#define AUTH_LOG_EVERY (10 * NS_PER_S)

/*
 * A datagram from a member's node id failed authentication: a warning with
 * its source, at most every AUTH_LOG_EVERY with the count since the last.
 */
static void auth_failed(struct td_grp *g, const struct sockaddr_storage *ss,
			const uint8_t *buf)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	const struct sockaddr_in *sin = (const void *)ss;
	char addr[TANDEM_ADDR_STRLEN] = "?";
	int64_t now = td_now();
	uint16_t port = 0;

	if (g->auth_warned && now - g->auth_warned < AUTH_LOG_EVERY)
		return;
	if (ss->ss_family == AF_INET) {
		format_addr(&sin->sin_addr, 4, addr, sizeof(addr));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		format_addr(&sin6->sin6_addr, 16, addr, sizeof(addr));
		port = ntohs(sin6->sin6_port);
	}
	td_warn("group %s: %" PRIu64 " agreement datagram(s) failed authentication (wrong key, or altered), the latest from %s port %u claiming node %u",
		g->cfg->name, g->rx_auth - g->rx_auth_logged, addr, port,
		get32(buf + 8));
	g->auth_warned = now;
	g->rx_auth_logged = g->rx_auth;
}

static void peer_readable(struct td_daemon *d, struct td_watch *w,
			  uint32_t events)
{
	int link = w->fn == peer_readable2;
	struct td_grp *g = link ?
		(struct td_grp *)((char *)w - offsetof(struct td_grp, sock2)) :
		(struct td_grp *)((char *)w - offsetof(struct td_grp, sock));
	uint8_t buf[PEER_MAX + 1];
	char e[TANDEM_EPOCH_STRLEN];
	struct agree_msg m;
	unsigned int n;
	ssize_t len;
	int ret;

	(void)d;
	(void)events;
	for (n = 0; n < 64; n++) {
		struct sockaddr_storage ss = { 0 };
		socklen_t sl = sizeof(ss);
		uint64_t auth = g->rx_auth;

		len = recvfrom(w->fd, buf, sizeof(buf), MSG_DONTWAIT,
			       (struct sockaddr *)&ss, &sl);
		if (len < 0)
			break;
		if (peer_req(g, buf, len))
			continue;
		ret = peer_unseal(g, buf, len, &m);
		if (g->rx_auth != auth)
			auth_failed(g, &ss, buf);
		if (!ret || ret == -EEXIST || ret == -EALREADY)
			heard(g, link, buf);	/* authenticated */
		if (ret == -EEXIST) {
			g->rx_dup++;
			continue;
		}
		if (ret == -EALREADY) {
			g->rx_replay++;
			continue;
		}
		if (ret) {
			g->rx_bad++;
			td_debug("group %s: dropped a datagram of %zd bytes: %s",
				 g->cfg->name, len, strerror(-ret));
			continue;
		}
		td_debug("group %s: <- %s from %u epoch %s flags %#x",
			 g->cfg->name, agree_msg_name(m.type), m.from,
			 tandem_epoch_str(m.epoch, e, sizeof(e)), m.flags);
		agree_recv(&g->node, td_now(), &m);
		grp_drain(g);
	}
}

static void peer_readable2(struct td_daemon *d, struct td_watch *w,
			   uint32_t events)
{
	peer_readable(d, w, events);
}

/* A socket bound to a, port agree-port, polled by w. */
static int open_link(struct td_grp *g, const struct tandem_addr *a,
		     struct td_watch *w,
		     void (*fn)(struct td_daemon *, struct td_watch *, uint32_t))
{
	struct sockaddr_storage ss;
	socklen_t sl = member_sockaddr(g, a, &ss);
	char addr[TANDEM_ADDR_STRLEN];
	int one = 1, fd;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, ss.ss_family == AF_INET ? SOL_IP : SOL_IPV6,
		   ss.ss_family == AF_INET ? IP_FREEBIND : IPV6_FREEBIND,
		   &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl)) {
		int ret = -errno;

		format_addr(a->bytes, a->len, addr, sizeof(addr));
		td_err("group %s: cannot bind the agreement socket to %s port %u: %s",
		       g->cfg->name, addr, g->cfg->agree_port, strerror(-ret));
		close(fd);
		return ret;
	}
	w->fd = fd;
	w->fn = fn;
	return loop_add(g->d, w, EPOLLIN);
}

int peer_open(struct td_grp *g)
{
	const struct td_member *self = config_member(g->cfg, g->cfg->agree.self_id);
	int ret;

	g->tx_seq = g->incarnation << 32;
	g->sock2.fd = -1;
	peer_derive_key(g->cfg->key, g->mac_key);
	ret = open_link(g, &self->addr, &g->sock, peer_readable);
	if (!ret && self->addr2.len)
		ret = open_link(g, &self->addr2, &g->sock2, peer_readable2);
	return ret;
}

static void close_link(struct td_grp *g, struct td_watch *w)
{
	if (w->fd < 0)
		return;
	loop_del(g->d, w);
	close(w->fd);
	w->fd = -1;
}

void peer_close(struct td_grp *g)
{
	close_link(g, &g->sock2);
	if (g->sock.fd < 0)
		return;
	close_link(g, &g->sock);
	explicit_bzero(g->mac_key, sizeof(g->mac_key));
	rotate_stop(g);
}
