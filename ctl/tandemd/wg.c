// SPDX-License-Identifier: GPL-2.0
/*
 * tandemd's WireGuard devices (wg.h): the replication transport of the bpf
 * data path (docs/datapath-bpf.md, "Replication transport and
 * authentication") made from the group key, so that the operator neither
 * generates WireGuard keys nor runs wg.
 *
 * Keys: node N's private key is HMAC-SHA256(group key, "tandem wireguard
 * v1 node" || N) clamped for X25519, so every member computes every peer's
 * public key; the pair {A, B}'s preshared key is HMAC-SHA256(group key,
 * "tandem wireguard v1 psk" || min || max) (ids as 4 bytes, big-endian).
 * Whoever holds the group key can derive every node's WireGuard key: the
 * trust the module's MAC key asks already.
 *
 * Device: one per peer member, with that one peer (endpoint: the member's
 * address and the pair's port, the same on both nodes; AllowedIPs
 * 0.0.0.0/0: mirrored segments carry the clients' addresses), created over
 * rtnetlink and configured over the "wireguard" generic netlink family.
 * An existing device is reconfigured in place: a peer other than the one
 * wanted is removed (after the wanted one is added), and a private key the
 * device holds already is not changed, so that a restart or a reload
 * keeps the tunnel's session. The device outlives tandemd, as the programs attached
 * to it do (bpf_close leaves them): a restart does not interrupt the
 * mirroring. A persistent keepalive makes the peers handshake as soon as
 * both devices are up, not at the first mirrored segment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tandemd.h"
#include "wg.h"

#define LABEL_NODE "tandem wireguard v1 node"
#define LABEL_PSK "tandem wireguard v1 psk"
#define NL_RECV_BUF 32768

_Static_assert(WG_KEY_BYTES == WG_KEY_LEN, "WG_KEY_LEN");

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void hmac(const uint8_t gkey[TANDEM_KEY_LEN], const char *label,
		 const uint8_t *tail, size_t n, uint8_t out[WG_KEY_BYTES])
{
	uint8_t msg[64];
	size_t len = strlen(label);
	unsigned int olen = WG_KEY_BYTES;

	memcpy(msg, label, len);
	memcpy(msg + len, tail, n);
	HMAC(EVP_sha256(), gkey, TANDEM_KEY_LEN, msg, len + n, out, &olen);
	explicit_bzero(msg, sizeof(msg));
}

void wg_node_key(const uint8_t gkey[TANDEM_KEY_LEN], uint32_t id,
		 uint8_t priv[WG_KEY_BYTES])
{
	uint8_t tail[4];

	put_be32(tail, id);
	hmac(gkey, LABEL_NODE, tail, sizeof(tail), priv);
	/* X25519's clamping (RFC 7748): what wg genkey does to its bytes */
	priv[0] &= 248;
	priv[31] &= 127;
	priv[31] |= 64;
}

void wg_pair_psk(const uint8_t gkey[TANDEM_KEY_LEN], uint32_t a, uint32_t b,
		 uint8_t psk[WG_KEY_BYTES])
{
	uint8_t tail[8];

	put_be32(tail, a < b ? a : b);
	put_be32(tail + 4, a < b ? b : a);
	hmac(gkey, LABEL_PSK, tail, sizeof(tail), psk);
}

int wg_public_key(const uint8_t priv[WG_KEY_BYTES], uint8_t pub[WG_KEY_BYTES])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
						   WG_KEY_BYTES);
	size_t len = WG_KEY_BYTES;
	int ret = -EINVAL;

	if (k && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 &&
	    len == WG_KEY_BYTES)
		ret = 0;
	EVP_PKEY_free(k);
	return ret;
}

/* Send nlh on a new socket of bus, run cb on the answers until the ACK or
 * the end of a dump: 0 or -errno (the kernel's). */
static int nl_talk(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static unsigned int seq;
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	char *buf;
	unsigned int portid;
	int ret = -1, err;

	if (!nl)
		return -errno;
	buf = malloc(NL_RECV_BUF);
	if (!buf) {
		mnl_socket_close(nl);
		return -ENOMEM;
	}
	nlh->nlmsg_seq = seq ? ++seq : (seq = time(NULL));
	if (!mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) &&
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
		portid = mnl_socket_get_portid(nl);
		do {
			ret = mnl_socket_recvfrom(nl, buf, NL_RECV_BUF);
			if (ret > 0)
				ret = mnl_cb_run(buf, ret, nlh->nlmsg_seq, portid,
						 cb, data);
		} while (ret > 0);
	}
	err = ret < 0 ? -errno : 0;
	explicit_bzero(buf, NL_RECV_BUF);	/* a device's private key */
	free(buf);
	mnl_socket_close(nl);
	return err;
}

/* RTM_NEWLINK of a wireguard device (-EEXIST: a device has the name). */
static int link_create(const char *dev)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, dev);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, info);
	return nl_talk(NETLINK_ROUTE, nlh, NULL, NULL);
}

static int link_up(const char *dev)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, dev);
	return nl_talk(NETLINK_ROUTE, nlh, NULL, NULL);
}

/* The device takes what arrives from its peer with the clients' and the
 * VIP's addresses as sources: strict reverse-path filtering would drop it. */
static int rp_filter_off(const char *dev)
{
	char path[96];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    !mnl_attr_validate(a, MNL_TYPE_U16))
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static struct nlmsghdr *genl_put(char *buf, uint16_t type, uint16_t flags,
				 uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = version;
	return nlh;
}

/* The id of the "wireguard" generic netlink family (-ENOENT: not loaded). */
static int wg_family(uint16_t *id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_put(buf, GENL_ID_CTRL, NLM_F_ACK,
					CTRL_CMD_GETFAMILY, 1);
	int ret;

	*id = 0;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	ret = nl_talk(NETLINK_GENERIC, nlh, family_cb, id);
	return ret ? ret : *id ? 0 : -ENOENT;
}

/* What a device holds, from WG_CMD_GET_DEVICE. */
#define WG_PEERS_SEEN 8
struct wg_state {
	uint8_t priv[WG_KEY_BYTES];
	bool has_priv;
	uint16_t port;
	unsigned int n_peers;
	uint8_t peer[WG_PEERS_SEEN][WG_KEY_BYTES];	/* public keys */
};

static void state_peers(struct wg_state *st, const struct nlattr *peers)
{
	const struct nlattr *p, *a;

	mnl_attr_for_each_nested(p, peers) {
		mnl_attr_for_each_nested(a, p) {
			if (mnl_attr_get_type(a) != WGPEER_A_PUBLIC_KEY ||
			    mnl_attr_get_payload_len(a) != WG_KEY_BYTES)
				continue;
			if (st->n_peers < WG_PEERS_SEEN)
				memcpy(st->peer[st->n_peers],
				       mnl_attr_get_payload(a), WG_KEY_BYTES);
			st->n_peers++;
		}
	}
}

static int state_cb(const struct nlmsghdr *nlh, void *data)
{
	struct wg_state *st = data;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case WGDEVICE_A_PRIVATE_KEY:
			if (mnl_attr_get_payload_len(a) == WG_KEY_BYTES) {
				memcpy(st->priv, mnl_attr_get_payload(a),
				       WG_KEY_BYTES);
				st->has_priv = true;
			}
			break;
		case WGDEVICE_A_LISTEN_PORT:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				st->port = mnl_attr_get_u16(a);
			break;
		case WGDEVICE_A_PEERS:
			state_peers(st, a);
			break;
		}
	}
	return MNL_CB_OK;
}

/* -EOPNOTSUPP: dev is not a WireGuard device. */
static int device_get(uint16_t family, const char *dev, struct wg_state *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_put(buf, family, NLM_F_DUMP,
					WG_CMD_GET_DEVICE, WG_GENL_VERSION);

	memset(st, 0, sizeof(*st));
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, dev);
	return nl_talk(NETLINK_GENERIC, nlh, state_cb, st);
}

/* What the device should hold. */
struct wg_want {
	uint8_t priv[WG_KEY_BYTES];
	uint8_t peer[WG_KEY_BYTES];
	uint8_t psk[WG_KEY_BYTES];
	uint16_t port;
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} ep;
	size_t ep_len;
};

/* The wanted peer: an entry of WGDEVICE_A_PEERS. */
static void put_peer(struct nlmsghdr *nlh, const struct wg_want *w)
{
	struct nlattr *peer, *ips, *ip;
	uint8_t any[4] = { 0 };

	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_BYTES, w->peer);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WG_KEY_BYTES, w->psk);
	mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, w->ep_len, &w->ep);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
			 WG_KEEPALIVE_S);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	ip = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, sizeof(any), any);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 0);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
}

/*
 * The wanted peer, there already, is updated and keeps its session. Other
 * peers go after it is added: it takes over their AllowedIPs 0.0.0.0/0 at
 * once, so that a clone redirected meanwhile waits in its queue for the
 * handshake instead of finding no peer (WGDEVICE_F_REPLACE_PEERS would
 * remove them first); more than WG_PEERS_SEEN: replaced all the same.
 */
static void put_removals(struct nlmsghdr *nlh, const struct wg_want *w,
			 const struct wg_state *st)
{
	struct nlattr *peer;
	unsigned int i;

	for (i = 0; i < st->n_peers && i < WG_PEERS_SEEN; i++) {
		if (!memcmp(st->peer[i], w->peer, WG_KEY_BYTES))
			continue;
		peer = mnl_attr_nest_start(nlh, 0);
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_BYTES, st->peer[i]);
		mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, WGPEER_F_REMOVE_ME);
		mnl_attr_nest_end(nlh, peer);
	}
}

static int device_set(uint16_t family, const char *dev,
		      const struct wg_want *w, const struct wg_state *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_put(buf, family, NLM_F_ACK,
					WG_CMD_SET_DEVICE, WG_GENL_VERSION);
	struct nlattr *peers;
	int ret;

	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, dev);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WG_KEY_BYTES, w->priv);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, w->port);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FLAGS, st->n_peers > WG_PEERS_SEEN ?
			 WGDEVICE_F_REPLACE_PEERS : 0);
	/* one list, in order: the kernel takes one WGDEVICE_A_PEERS */
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, w);
	put_removals(nlh, w, st);
	mnl_attr_nest_end(nlh, peers);
	ret = nl_talk(NETLINK_GENERIC, nlh, NULL, NULL);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

static int want(const struct td_group *g, const struct td_bpf_repl *r,
		const uint8_t gkey[TANDEM_KEY_LEN], struct wg_want *w)
{
	const struct td_member *m = config_member(g, r->id);
	uint8_t peer_priv[WG_KEY_BYTES];
	int ret;

	if (!m)
		return -ENOENT;	/* config_bpf_check refused it */
	memset(w, 0, sizeof(*w));
	wg_node_key(gkey, g->agree.self_id, w->priv);
	wg_node_key(gkey, r->id, peer_priv);
	ret = wg_public_key(peer_priv, w->peer);
	explicit_bzero(peer_priv, sizeof(peer_priv));
	if (ret)
		return ret;
	wg_pair_psk(gkey, g->agree.self_id, r->id, w->psk);
	w->port = r->wg_port;
	if (m->addr.family == AF_INET) {
		w->ep.in.sin_family = AF_INET;
		w->ep.in.sin_port = htons(r->wg_port);
		memcpy(&w->ep.in.sin_addr, m->addr.bytes, 4);
		w->ep_len = sizeof(w->ep.in);
	} else {
		w->ep.in6.sin6_family = AF_INET6;
		w->ep.in6.sin6_port = htons(r->wg_port);
		memcpy(&w->ep.in6.sin6_addr, m->addr.bytes, 16);
		w->ep_len = sizeof(w->ep.in6);
	}
	return 0;
}

/* Created or found (a WireGuard device, else -EEXIST); its state in st. */
static int device_find(const struct td_group *g, const char *dev,
		       uint16_t *family, struct wg_state *st, bool *created)
{
	int ret = link_create(dev);

	*created = !ret;
	if (ret && ret != -EEXIST) {
		td_err("group %s: bpf: cannot create the WireGuard device %s: %s%s",
		       g->name, dev, strerror(-ret), ret == -EOPNOTSUPP ?
		       " (no wireguard in this kernel: modprobe wireguard)" : "");
		return ret;
	}
	ret = wg_family(family);
	if (ret) {
		td_err("group %s: bpf: cannot find the wireguard netlink family: %s",
		       g->name, strerror(-ret));
		return ret;
	}
	ret = device_get(*family, dev, st);
	if (ret == -EOPNOTSUPP) {
		td_err("group %s: bpf: device %s exists and is not a WireGuard device (bpf-wireguard makes its own: another name, or bpf-repl-dev for a device of yours)",
		       g->name, dev);
		return -EEXIST;
	}
	if (ret)
		td_err("group %s: bpf: cannot read the WireGuard device %s: %s",
		       g->name, dev, strerror(-ret));
	return ret;
}

int wg_device_apply(const struct td_group *g, unsigned int i,
		    const uint8_t gkey[TANDEM_KEY_LEN])
{
	const struct td_bpf_repl *r = &g->bpf.repl[i];
	struct wg_state st;
	struct wg_want w;
	uint16_t family;
	bool created, same_peer, same_key;
	int ret;

	ret = want(g, r, gkey, &w);
	if (ret) {
		td_err("group %s: bpf: cannot derive the WireGuard keys for %s: %s",
		       g->name, r->dev, strerror(-ret));
		goto out;
	}
	ret = device_find(g, r->dev, &family, &st, &created);
	if (ret)
		goto out;
	same_peer = st.n_peers == 1 && !memcmp(st.peer[0], w.peer, WG_KEY_BYTES);
	same_key = st.has_priv && !memcmp(st.priv, w.priv, WG_KEY_BYTES);
	ret = device_set(family, r->dev, &w, &st);
	if (ret) {
		td_err("group %s: bpf: cannot configure the WireGuard device %s: %s",
		       g->name, r->dev, strerror(-ret));
		goto out;
	}
	ret = link_up(r->dev);
	if (ret) {
		td_err("group %s: bpf: cannot bring the WireGuard device %s up: %s",
		       g->name, r->dev, strerror(-ret));
		goto out;
	}
	ret = rp_filter_off(r->dev);
	if (ret) {
		td_err("group %s: bpf: cannot turn rp_filter off on %s: %s",
		       g->name, r->dev, strerror(-ret));
		goto out;
	}
	if (created)
		td_info("group %s: bpf: WireGuard device %s created: peer member %u, port %u",
			g->name, r->dev, r->id, r->wg_port);
	else if (!same_key || !same_peer)
		td_notice("group %s: bpf: WireGuard device %s re-keyed (peer member %u, port %u): the peers handshake again",
			  g->name, r->dev, r->id, r->wg_port);
	else if (st.port != r->wg_port)
		td_notice("group %s: bpf: WireGuard device %s kept, its port %u -> %u",
			  g->name, r->dev, st.port, r->wg_port);
	else
		td_info("group %s: bpf: WireGuard device %s kept (peer member %u, port %u)",
			g->name, r->dev, r->id, r->wg_port);
out:
	explicit_bzero(&w, sizeof(w));
	explicit_bzero(&st, sizeof(st));
	return ret;
}
