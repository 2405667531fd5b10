// SPDX-License-Identifier: GPL-2.0
/*
 * The bpf backend (backend.h): tandem's tc programs (bpf/, docs/
 * datapath-bpf.md) instead of the module. At open, the programs are loaded
 * and their maps and programs pinned in a directory of this network
 * namespace's own (bpf-pin-dir/net-COOKIE, COOKIE the namespace's
 * SO_NETNS_COOKIE: unique for the boot, never reused, so nodes run as
 * namespaces of one host never share maps); a restarted tandemd finds them
 * there and keeps the connections' state. Per group: client_in/client_out
 * on its client-facing devices (bpf-client-dev), repl_in on its
 * replication devices (bpf-repl-dev, one per other member), the services,
 * and the group entry (role, epoch, lease as a CLOCK_MONOTONIC instant,
 * mirror and replication devices) rewritten whole at every role change and
 * renewal: one writer. A promoted node sends gratuitous ARPs for the VIP.
 * The replication devices given as bpf-wireguard are made and keyed here
 * from the group key (wg.c), at setup and when a rotation sends under a
 * new key.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <bpf/libbpf.h>

#include "bpf_node.h"
#include "config_bpf.h"
#include "loader.h"
#include "tandemd.h"
#include "wg.h"

#define BPF_GRPS_MAX 32

/* What the backend keeps per group (by VIP: a reload replaces the cfg). */
struct bpf_grp {
	uint32_t vip;			/* network order, 0: free */
	uint32_t role;			/* TANDEM_BPF_ROLE_* last written */
	uint64_t epoch;
	unsigned int garp_left;		/* gratuitous ARPs still to send */
	int64_t garp_next;
	uint32_t mirrored[TANDEM_BPF_MAX_PEERS];	/* primary: member ids, 0 */
	uint32_t vip_added;		/* bit i: VIP added to client device i */
};

struct bpf_be {
	char dir[TD_PATH_MAX + 32];
	struct tbpf_maps maps;
	struct bpf_grp grps[BPF_GRPS_MAX];
};

static struct bpf_be *be(struct td_daemon *d)
{
	return d->be_priv;
}

static uint32_t vip_of(const struct td_group *g)
{
	uint32_t v;

	memcpy(&v, g->vip.bytes, sizeof(v));
	return v;
}

static struct bpf_grp *grp_state(struct td_daemon *d, const struct td_group *g)
{
	struct bpf_be *b = be(d);
	uint32_t vip = vip_of(g);
	unsigned int i;

	for (i = 0; i < BPF_GRPS_MAX; i++)
		if (b->grps[i].vip == vip)
			return &b->grps[i];
	for (i = 0; i < BPF_GRPS_MAX; i++)
		if (!b->grps[i].vip) {
			b->grps[i].vip = vip;
			return &b->grps[i];
		}
	return &b->grps[0];	/* more groups than VIPs checked: not reached */
}

static int pin_dir(struct td_daemon *d, char *dir, size_t size)
{
	const char *base = *d->cfg.bpf_pin_dir ? d->cfg.bpf_pin_dir :
			   TD_BPF_PIN_DIR_DEFAULT;
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd, ret = 0;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret) {
		td_err("bpf: cannot read the network namespace's cookie: %s",
		       strerror(-ret));
		return ret;
	}
	if (mkdir(base, 0700) && errno != EEXIST) {
		ret = -errno;
		td_err("bpf: cannot create %s: %s", base, strerror(-ret));
		return ret;
	}
	snprintf(dir, size, "%s/net-%" PRIu64, base, cookie);
	return 0;
}

/* libbpf's messages into the log: debug (attaching says "Exclusivity flag
 * on" for the clsact qdisc that exists already), warnings as warnings */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	char msg[512];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	td_log(level == LIBBPF_WARN && !strstr(msg, "Exclusivity flag on") ?
	       TD_LOG_WARNING : TD_LOG_DEBUG, "libbpf: %s", msg);
	return 0;
}

static int bpf_open(struct td_daemon *d)
{
	struct bpf_be *b = calloc(1, sizeof(*b));
	bool loaded = false;
	int ret;

	if (!b)
		return -ENOMEM;
	libbpf_set_print(libbpf_log);
	ret = pin_dir(d, b->dir, sizeof(b->dir));
	if (!ret) {
		ret = tbpf_load(b->dir, &loaded);
		if (ret)
			td_err("bpf: cannot load and pin the programs in %s: %s (a bpf file system there? mount -t bpf bpf /sys/fs/bpf; CAP_BPF and CAP_NET_ADMIN)",
			       b->dir, strerror(-ret));
	}
	if (!ret) {
		ret = tbpf_open(b->dir, &b->maps);
		if (ret)
			td_err("bpf: cannot open the maps pinned in %s: %s",
			       b->dir, strerror(-ret));
	}
	if (ret) {
		free(b);
		return ret;
	}
	td_info("bpf: programs %s, maps in %s", loaded ? "loaded" : "found",
		b->dir);
	d->be_priv = b;
	return 0;
}

static void bpf_close(struct td_daemon *d)
{
	struct bpf_be *b = be(d);

	if (!b)
		return;
	/* the programs stay attached, fencing by the lease: the module's way */
	tbpf_close(&b->maps);
	free(b);
	d->be_priv = NULL;
}

static int attach(struct td_daemon *d, const struct td_group *g,
		  const char *dev, enum tbpf_hook hook)
{
	static const char *const what[] = { "client ingress", "client egress",
					    "replication ingress" };
	int ifindex = if_nametoindex(dev), ret;

	ret = ifindex ? tbpf_attach(be(d)->dir, ifindex, hook) : -errno;
	if (ret)
		td_err("group %s: bpf: cannot attach the %s program to %s: %s",
		       g->name, what[hook], dev, strerror(-ret));
	return ret;
}

struct svc_sweep {
	const struct td_group *g;
	uint16_t stale[64];
	unsigned int n;
};

static void svc_seen(uint16_t port, void *arg)
{
	struct svc_sweep *s = arg;
	unsigned int i;

	for (i = 0; i < s->g->n_services; i++)
		if (s->g->service[i].port == port)
			return;
	if (s->n < sizeof(s->stale) / sizeof(s->stale[0]))
		s->stale[s->n++] = port;
}

static int sync_services(struct td_daemon *d, const struct td_group *g)
{
	struct svc_sweep s = { .g = g };
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < g->n_services; i++)
		ret = tbpf_service_set(&be(d)->maps, vip_of(g), g->service[i].port);
	if (!ret)
		ret = tbpf_service_each(&be(d)->maps, vip_of(g), svc_seen, &s);
	for (i = 0; !ret && i < s.n; i++) {
		td_info("group %s: bpf: removing service %u (not in the configuration)",
			g->name, s.stale[i]);
		ret = tbpf_service_del(&be(d)->maps, vip_of(g), s.stale[i]);
	}
	if (ret)
		td_err("group %s: bpf: cannot write the services: %s", g->name,
		       strerror(-ret));
	return ret;
}

/* A group entry that fences (no lease, no role) until a role is applied. */
static int group_init(struct td_daemon *d, const struct td_group *g)
{
	struct tandem_bpf_group e = { .role = TANDEM_BPF_ROLE_FENCED,
				      .node_id = g->agree.self_id,
				      .vip = vip_of(g) };
	int ret;

	if (!tbpf_group_get(&be(d)->maps, e.vip, &e))
		return 0;	/* kept from before a restart */
	ret = tbpf_group_set(&be(d)->maps, &e, NULL);
	if (ret)
		td_err("group %s: bpf: cannot create the group entry: %s",
		       g->name, strerror(-ret));
	return ret;
}

/* The replication devices must authenticate (the loader checks it again
 * at every write); refused at setup, so that tandemd says it at start. */
static int check_transport(struct td_daemon *d, const struct td_group *g)
{
	unsigned int i;
	int ifindex;

	if (d->cfg.insecure_transport)
		return 0;
	for (i = 0; i < g->bpf.n_repl; i++) {
		ifindex = if_nametoindex(g->bpf.repl[i].dev);
		if (ifindex && tbpf_authenticated(ifindex))
			continue;
		td_err("group %s: bpf: replication device %s is %s; only insecure-transport-for-tests = yes allows it",
		       g->name, g->bpf.repl[i].dev, ifindex ?
		       "not an authenticated transport (WireGuard or xfrm)" :
		       "missing");
		return -EPERM;
	}
	return 0;
}

/* tandemd's WireGuard devices (bpf-wireguard), keyed from key. */
static int wg_devices(const struct td_group *g, const uint8_t *key)
{
	unsigned int i;
	int ret;

	for (i = 0; i < g->bpf.n_repl; i++) {
		if (!g->bpf.repl[i].wg_port)
			continue;
		ret = wg_device_apply(g, i, key);
		if (ret)
			return ret;
	}
	return 0;
}

/* @key: the bpf path authenticates by its transport (WireGuard), which is
 * keyed from it when tandemd makes the devices. */
static int bpf_setup(struct td_daemon *d, const struct td_group *g,
		     const uint8_t *key)
{
	unsigned int i;
	int ret;

	if (g->vip.family != AF_INET) {
		td_err("group %s: bpf: IPv4 VIPs only", g->name);
		return -EAFNOSUPPORT;
	}
	ret = wg_devices(g, key);
	if (!ret)
		ret = check_transport(d, g);
	for (i = 0; !ret && i < g->bpf.n_client; i++) {
		ret = attach(d, g, g->bpf.client_dev[i], TBPF_CLIENT_IN);
		if (!ret)
			ret = attach(d, g, g->bpf.client_dev[i], TBPF_CLIENT_OUT);
	}
	for (i = 0; !ret && i < g->bpf.n_repl; i++)
		ret = attach(d, g, g->bpf.repl[i].dev, TBPF_REPL_IN);
	if (!ret)
		ret = sync_services(d, g);
	if (!ret)
		ret = group_init(d, g);
	if (!ret)
		td_info("group %s: bpf: %u client and %u replication devices attached",
			g->name, g->bpf.n_client, g->bpf.n_repl);
	return ret;
}

static int bpf_group_epoch(struct td_daemon *d, const struct td_group *g,
			   uint64_t *epoch, uint8_t *role)
{
	struct tandem_bpf_group e;
	int ret = tbpf_group_get(&be(d)->maps, vip_of(g), &e);

	if (ret == -ENOENT)
		return 0;
	if (ret) {
		td_err("group %s: bpf: cannot read the group entry: %s", g->name,
		       strerror(-ret));
		return ret;
	}
	*epoch = e.epoch;
	*role = e.role;
	return 0;
}

/* The replication device to member id, 0 if none. */
static int repl_ifindex(const struct td_group *g, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < g->bpf.n_repl; i++)
		if (g->bpf.repl[i].id == id)
			return if_nametoindex(g->bpf.repl[i].dev);
	return 0;
}

/* The agreement of g (NULL while it starts), for its members' liveness. */
static const struct td_grp *agreement(struct td_daemon *d,
				      const struct td_group *g)
{
	unsigned int i;

	for (i = 0; i < d->n_grps; i++)
		if (d->grps[i] && d->grps[i]->cfg == g)
			return d->grps[i];
	return NULL;
}

/*
 * Primary: mirror to the members the agreement hears (a backup that is not
 * heard is not waited for: its SYN confirmations and reports would never
 * come); their ids in ids[]. Every role: replication devices to every
 * peer, the primary's first (where a backup sends its reports).
 */
static void fill_devices(struct td_daemon *d, const struct td_group *g,
			 struct tandem_bpf_group *e, uint32_t primary,
			 uint32_t ids[TANDEM_BPF_MAX_PEERS])
{
	struct agree_view_entry v[AGREE_MAX_MEMBERS];
	const struct td_grp *a = agreement(d, g);
	unsigned int i, n = a ? agree_view(&a->node, v) : 0, nm = 0, nr = 0;
	int ifi;

	ifi = primary != g->agree.self_id ? repl_ifindex(g, primary) : 0;
	if (ifi)
		e->repl_ifindex[nr++] = ifi;
	for (i = 0; i < g->bpf.n_repl && nr < TANDEM_BPF_MAX_PEERS; i++) {
		ifi = if_nametoindex(g->bpf.repl[i].dev);
		if (ifi && g->bpf.repl[i].id != primary)
			e->repl_ifindex[nr++] = ifi;
	}
	if (e->role != TANDEM_BPF_ROLE_PRIMARY)
		return;
	for (i = 0; i < n && nm < TANDEM_BPF_MAX_PEERS; i++) {
		if (v[i].id == g->agree.self_id || !(v[i].flags & AGREE_VIEW_ALIVE))
			continue;
		ifi = repl_ifindex(g, v[i].id);
		if (ifi) {
			ids[nm] = v[i].id;
			e->mirror_ifindex[nm++] = ifi;
		}
	}
}

static bool has_id(const uint32_t ids[TANDEM_BPF_MAX_PEERS], uint32_t id)
{
	unsigned int i;

	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void forget(struct td_daemon *d, const struct td_group *g, uint32_t id)
{
	unsigned int n = 0;
	int ret = tbpf_progress_forget(&be(d)->maps, vip_of(g), id, &n);

	if (ret)
		td_warn("group %s: bpf: cannot forget member %u's progress: %s",
			g->name, id, strerror(-ret));
	else if (n)
		td_info("group %s: bpf: member %u not heard: its progress on %u connections forgotten",
			g->name, id, n);
}

/*
 * A primary's members no longer mirrored to: their progress slots go,
 * else the clamp would wait for them for ever. Just promoted, every peer
 * not mirrored to (the old primary, say) is forgotten.
 */
static void forget_unheard(struct td_daemon *d, const struct td_group *g,
			   struct bpf_grp *s, const uint32_t ids[TANDEM_BPF_MAX_PEERS],
			   bool promoted)
{
	unsigned int i;

	if (promoted) {
		for (i = 0; i < g->bpf.n_repl; i++)
			if (!has_id(ids, g->bpf.repl[i].id))
				forget(d, g, g->bpf.repl[i].id);
	} else {
		for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++)
			if (s->mirrored[i] && !has_id(ids, s->mirrored[i]))
				forget(d, g, s->mirrored[i]);
	}
	memcpy(s->mirrored, ids, sizeof(s->mirrored));
}

static const uint32_t bpf_roles[] = {
	[TD_ROLE_NONE] = TANDEM_BPF_ROLE_FENCED,
	[TD_ROLE_FENCED] = TANDEM_BPF_ROLE_FENCED,
	[TD_ROLE_BACKUP] = TANDEM_BPF_ROLE_BACKUP,
	[TD_ROLE_PRIMARY] = TANDEM_BPF_ROLE_PRIMARY,
};

static int write_group(struct td_daemon *d, const struct td_group *g,
		       struct bpf_grp *s, uint32_t role, uint64_t epoch,
		       int64_t lease_expiry)
{
	uint32_t ids[TANDEM_BPF_MAX_PEERS] = { 0 };
	struct tandem_bpf_group e = {
		.role = role, .node_id = g->agree.self_id, .epoch = epoch,
		.vip = vip_of(g),
		.mirror_mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	char name[IF_NAMESIZE];
	int ret, bad = 0;

	if (role == TANDEM_BPF_ROLE_PRIMARY)
		e.lease_expiry_ns = lease_expiry;
	if (d->cfg.insecure_transport)
		e.flags |= TANDEM_BPF_GROUP_F_INSECURE_TEST;
	if (g->tun.set & (1ULL << TANDEM_A_GROUP_SYN_TIMEOUT_MS))
		e.syn_hold_ms = g->tun.syn_timeout_ms;
	fill_devices(d, g, &e, role == TANDEM_BPF_ROLE_PRIMARY ?
		     g->agree.self_id : (uint32_t)AGREE_EPOCH_NODE(epoch), ids);
	ret = tbpf_group_set(&be(d)->maps, &e, &bad);
	if (!ret && role == TANDEM_BPF_ROLE_PRIMARY)
		forget_unheard(d, g, s, ids, s->role != TANDEM_BPF_ROLE_PRIMARY);
	if (ret == -EPERM)
		td_err("group %s: bpf: replication device %s is not an authenticated transport (WireGuard or xfrm); only insecure-transport-for-tests = yes allows it",
		       g->name, if_indextoname(bad, name) ? name : "?");
	else if (ret)
		td_err("group %s: bpf: cannot write the group entry: %s", g->name,
		       strerror(-ret));
	return ret;
}

static void garp(struct td_daemon *d, const struct td_group *g,
		 struct bpf_grp *s)
{
	int64_t now = td_now();
	unsigned int i;

	(void)d;
	if (!s->garp_left || now < s->garp_next)
		return;
	for (i = 0; i < g->bpf.n_client; i++)
		bpf_node_garp(g, g->bpf.client_dev[i]);
	s->garp_left--;
	s->garp_next = now + (g->tun.set & (1ULL << TANDEM_A_GROUP_GARP_INTERVAL_MS) ?
			      g->tun.garp_interval_ms : 500) * NS_PER_MS;
}

static int bpf_set_role(struct td_daemon *d, const struct td_group *g,
			enum td_role role, uint64_t epoch, int64_t lease_expiry)
{
	struct bpf_grp *s = grp_state(d, g);
	struct tandem_bpf_group old;
	int ret;

	/* fenced without an epoch: the epoch stays (it never goes back) */
	if (!epoch && !tbpf_group_get(&be(d)->maps, vip_of(g), &old))
		epoch = old.epoch;
	ret = write_group(d, g, s, bpf_roles[role], epoch, lease_expiry);
	if (ret)
		return ret;
	if (role == TD_ROLE_PRIMARY && s->role != TANDEM_BPF_ROLE_PRIMARY) {
		s->garp_left = g->tun.set & (1ULL << TANDEM_A_GROUP_GARP_COUNT) ?
			       g->tun.garp_count : 3;
		s->garp_next = 0;
	}
	if (role != TD_ROLE_PRIMARY)
		s->garp_left = 0;
	bpf_node_vip(g, role == TD_ROLE_PRIMARY, &s->vip_added);
	s->role = bpf_roles[role];
	s->epoch = epoch;
	garp(d, g, s);
	return 0;
}

/* The lease, and the mirror devices again (the members heard change). */
static int bpf_renew(struct td_daemon *d, const struct td_group *g,
		     int64_t lease_expiry)
{
	struct bpf_grp *s = grp_state(d, g);
	struct tandem_bpf_group old;
	int ret;

	if (!s->epoch && !tbpf_group_get(&be(d)->maps, vip_of(g), &old))
		s->epoch = old.epoch;	/* primary before a restart */
	ret = write_group(d, g, s, TANDEM_BPF_ROLE_PRIMARY, s->epoch, lease_expiry);
	if (!ret)
		garp(d, g, s);
	return ret;
}

struct conn_count {
	uint32_t vip, n;
};

/* A connection this node could take over: translated, not reset, open. */
static int count_conn(const struct tandem_bpf_conn_key *k,
		      const struct tandem_bpf_conn *c, void *arg)
{
	struct conn_count *cc = arg;

	if (k->vip == cc->vip && (c->flags & TANDEM_BPF_CONN_F_DELTA) &&
	    !(c->flags & (TANDEM_BPF_CONN_F_RST | TANDEM_BPF_CONN_F_FIN |
			  TANDEM_BPF_CONN_F_UNPROT)))
		cc->n++;
	return 0;
}

/* No suspension on this path (@except): a lapse fences, as before. */
static int bpf_conns(struct td_daemon *d, const struct td_group *g,
		     uint32_t except, uint32_t *count)
{
	struct conn_count cc = { .vip = vip_of(g) };
	int ret = tbpf_conn_each(&be(d)->maps, count_conn, &cc);

	(void)except;
	if (ret)
		td_debug("group %s: bpf: cannot count connections: %s", g->name,
			 strerror(-ret));
	else
		*count = cc.n;
	return ret;
}

/*
 * The group key does not authenticate this path, its transport does: the
 * WireGuard devices tandemd makes are keyed from the key sent under (the
 * new one once a rotation sends under it). WireGuard has no alternate key
 * (@alt, @ms): the tunnel pauses until the peer is re-keyed too.
 */
static int bpf_set_keys(struct td_daemon *d, const struct td_group *g,
			const uint8_t *key, const uint8_t *alt, uint32_t ms)
{
	(void)d;
	(void)alt;
	(void)ms;
	return wg_devices(g, key);
}

/* No suspended connections to resume on this path (@prior unused). */
static int bpf_promote(struct td_daemon *d, const struct td_group *g,
		       uint64_t epoch, int64_t lease_expiry, uint64_t prior)
{
	(void)prior;
	return bpf_set_role(d, g, TD_ROLE_PRIMARY, epoch, lease_expiry);
}

const struct td_backend_ops td_backend_bpf = {
	.name = "bpf",
	.open = bpf_open,
	.close = bpf_close,
	.setup = bpf_setup,
	.set_keys = bpf_set_keys,
	.group_epoch = bpf_group_epoch,
	.set_role = bpf_set_role,
	.promote = bpf_promote,
	.renew = bpf_renew,
	.conns = bpf_conns,
};
