// SPDX-License-Identifier: GPL-2.0
/* The loader of tandem's tc programs: see loader.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "tandem.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const stat_names[__TANDEM_BPF_STAT_MAX] = {
	"mirrored", "mirror_err", "csum_bad", "handshake_bad", "net_dropped",
	"fenced_dropped", "stolen", "translated", "clamped", "win_clamped",
	"sack_stripped", "ack_clamped", "no_conn", "no_delta", "conn_full",
	"new_conn", "not_repl", "malformed", "report_sent", "report_recv",
	"kicked", "synack_held", "confirmed", "syn_replayed", "hold_timeout",
	"ack_reseq", "dupack_sent", "sack_cut", "stale_epoch",
	"ack_reapplied",
};

static const char *const hook_progs[] = {
	[TBPF_CLIENT_IN] = "tandem_client_in",
	[TBPF_CLIENT_OUT] = "tandem_client_out",
	[TBPF_REPL_IN] = "tandem_repl_in",
};

const char *tbpf_stat_name(unsigned int i)
{
	return i < ARRAY_SIZE(stat_names) ? stat_names[i] : "?";
}

uint64_t tbpf_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int obj_get(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static int pin_all(struct tandem_bpf *skel, const char *dir)
{
	struct bpf_program *prog;
	char path[PATH_MAX];
	int err;

	err = bpf_object__pin_maps(skel->obj, dir);
	if (err)
		return err;
	bpf_object__for_each_program(prog, skel->obj) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_program__name(prog));
		err = bpf_program__pin(prog, path);
		if (err) {
			bpf_object__unpin_maps(skel->obj, dir);
			return err;
		}
	}
	return 0;
}

int tbpf_load(const char *dir, bool *loaded)
{
	struct tandem_bpf *skel;
	int fd, err;

	if (loaded)
		*loaded = false;
	fd = obj_get(dir, "tandem_groups");
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	skel = tandem_bpf__open_and_load();
	if (!skel)
		return -errno;
	err = pin_all(skel, dir);
	tandem_bpf__destroy(skel);
	if (!err && loaded)
		*loaded = true;
	return err;
}

void tbpf_close(struct tbpf_maps *m)
{
	int *fds[] = { &m->groups, &m->services, &m->conns, &m->progress,
		       &m->stats };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int tbpf_open(const char *dir, struct tbpf_maps *m)
{
	static const char *const names[] = { "tandem_groups", "tandem_services",
		"tandem_conns", "tandem_progress", "tandem_stats" };
	int *fds[] = { &m->groups, &m->services, &m->conns, &m->progress,
		       &m->stats };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++)
		*fds[i] = -1;
	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		*fds[i] = obj_get(dir, names[i]);
		if (*fds[i] < 0) {
			int err = *fds[i];

			*fds[i] = -1;
			tbpf_close(m);
			return err;
		}
	}
	return 0;
}

int tbpf_attach(const char *dir, int ifindex, enum tbpf_hook where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = where == TBPF_CLIENT_OUT ? BPF_TC_EGRESS :
							       BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	if (where > TBPF_REPL_IN)
		return -EINVAL;
	opts.prog_fd = obj_get(dir, hook_progs[where]);
	if (opts.prog_fd < 0)
		return opts.prog_fd;
	err = bpf_tc_hook_create(&hook);
	if (err == -EEXIST)
		err = 0;
	if (!err)
		err = bpf_tc_attach(&hook, &opts);
	close(opts.prog_fd);
	return err;
}

bool tbpf_authenticated(int ifindex)
{
	char name[IF_NAMESIZE], path[PATH_MAX], line[128];
	bool ok = false;
	FILE *f;

	if (!if_indextoname(ifindex, name))
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/uevent", name);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "DEVTYPE=wireguard\n") ||
		    !strcmp(line, "DEVTYPE=xfrm\n"))
			ok = true;
	fclose(f);
	return ok;
}

int tbpf_group_set(const struct tbpf_maps *m, const struct tandem_bpf_group *g,
		   int *bad_ifindex)
{
	int i;

	for (i = 0; i < TANDEM_BPF_MAX_PEERS; i++) {
		int dev[2] = { g->repl_ifindex[i], g->mirror_ifindex[i] }, j;

		for (j = 0; j < 2; j++) {
			if (!dev[j] || (g->flags & TANDEM_BPF_GROUP_F_INSECURE_TEST) ||
			    tbpf_authenticated(dev[j]))
				continue;
			if (bad_ifindex)
				*bad_ifindex = dev[j];
			return -EPERM;
		}
	}
	return bpf_map_update_elem(m->groups, &g->vip, g, BPF_ANY) ? -errno : 0;
}

int tbpf_group_get(const struct tbpf_maps *m, uint32_t vip,
		   struct tandem_bpf_group *g)
{
	return bpf_map_lookup_elem(m->groups, &vip, g) ? -errno : 0;
}

int tbpf_service_set(const struct tbpf_maps *m, uint32_t vip, uint16_t port)
{
	struct tandem_bpf_svc_key k = { .vip = vip, .port = htons(port) };
	struct tandem_bpf_service sv = { 0 };

	return bpf_map_update_elem(m->services, &k, &sv, BPF_ANY) ? -errno : 0;
}

int tbpf_service_del(const struct tbpf_maps *m, uint32_t vip, uint16_t port)
{
	struct tandem_bpf_svc_key k = { .vip = vip, .port = htons(port) };

	return bpf_map_delete_elem(m->services, &k) && errno != ENOENT ? -errno : 0;
}

int tbpf_service_each(const struct tbpf_maps *m, uint32_t vip,
		      void (*fn)(uint16_t port, void *arg), void *arg)
{
	struct tandem_bpf_svc_key k, next, *prev = NULL;

	while (!bpf_map_get_next_key(m->services, prev, &next)) {
		k = next;
		prev = &k;
		if (k.vip == vip)
			fn(ntohs(k.port), arg);
	}
	return errno == ENOENT ? 0 : -errno;
}

int tbpf_stats(const struct tbpf_maps *m, uint64_t out[__TANDEM_BPF_STAT_MAX])
{
	int n = libbpf_num_possible_cpus(), i;
	uint32_t k;

	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	{
		uint64_t v[n];

		for (k = 0; k < __TANDEM_BPF_STAT_MAX; k++) {
			if (bpf_map_lookup_elem(m->stats, &k, v))
				return -errno;
			for (out[k] = 0, i = 0; i < n; i++)
				out[k] += v[i];
		}
	}
	return 0;
}

int tbpf_conn_each(const struct tbpf_maps *m,
		   int (*fn)(const struct tandem_bpf_conn_key *k,
			     const struct tandem_bpf_conn *c, void *arg),
		   void *arg)
{
	struct tandem_bpf_conn_key k, next, *prev = NULL;
	struct tandem_bpf_conn c;
	int ret;

	while (!bpf_map_get_next_key(m->conns, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(m->conns, &k, &c))
			continue;	/* deleted meanwhile */
		ret = fn(&k, &c, arg);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}

int tbpf_progress_forget(const struct tbpf_maps *m, uint32_t vip,
			 uint32_t node_id, unsigned int *n)
{
	struct tandem_bpf_conn_key k, next, *prev = NULL;
	struct tandem_bpf_progress pr;
	bool found;
	int i;

	*n = 0;
	while (!bpf_map_get_next_key(m->progress, prev, &next)) {
		k = next;
		prev = &k;
		if (k.vip != vip || bpf_map_lookup_elem(m->progress, &k, &pr))
			continue;
		for (found = false, i = 0; i < TANDEM_BPF_MAX_PEERS; i++)
			if (pr.peers[i].node_id == node_id) {
				memset(&pr.peers[i], 0, sizeof(pr.peers[i]));
				found = true;
			}
		if (found && !bpf_map_update_elem(m->progress, &k, &pr, BPF_EXIST))
			(*n)++;
	}
	return errno == ENOENT ? 0 : -errno;
}
