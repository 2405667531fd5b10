/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader of tandem's tc programs (bpf/build/libtandem_bpf.a), shared by
 * tandemd's bpf backend (ctl/tandemd/backend_bpf.c) and the host tests'
 * tbpf (bpf/tests/tbpf.c): load the skeleton and pin its maps and programs
 * in a directory of a bpf file system, open them again from there, attach
 * the programs to devices, write groups and services, read the counters
 * and connection entries. Every function returns 0 or -errno; none prints.
 *
 * A directory holds one set of programs and maps: the node's (several
 * groups share them, one entry per VIP). Pins outlive the loader, so a
 * restarted tandemd finds the connections' state where it left it.
 */
#ifndef _TANDEM_BPF_LOADER_H
#define _TANDEM_BPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem_bpf.h"

/* The pinned maps of one directory, opened. */
struct tbpf_maps {
	int groups, services, conns, progress, stats;
};

enum tbpf_hook {
	TBPF_CLIENT_IN,		/* tc ingress of a client-facing device */
	TBPF_CLIENT_OUT,	/* tc egress of a client-facing device */
	TBPF_REPL_IN,		/* tc ingress of a replication device */
};

/*
 * Load the programs and pin maps and programs in dir (created if missing,
 * its parent must exist on a bpf file system). If dir already holds the
 * pinned maps, nothing is loaded: *loaded (if not NULL) says which.
 */
int tbpf_load(const char *dir, bool *loaded);
/* Open the pinned maps of dir (all descriptors -1 on failure). */
int tbpf_open(const char *dir, struct tbpf_maps *m);
void tbpf_close(struct tbpf_maps *m);
/* Attach dir's pinned program for hook on ifindex (replacing ours). */
int tbpf_attach(const char *dir, int ifindex, enum tbpf_hook hook);

/*
 * Is ifindex an authenticated transport (a WireGuard or xfrm device, from
 * its sysfs uevent)? The programs cannot tell; the loader refuses other
 * replication devices in a group not marked INSECURE_TEST.
 */
bool tbpf_authenticated(int ifindex);
/*
 * Write a group (the whole entry, keyed by its VIP) after the transport
 * check: -EPERM with the refused device's ifindex in *bad_ifindex.
 */
int tbpf_group_set(const struct tbpf_maps *m, const struct tandem_bpf_group *g,
		   int *bad_ifindex);
int tbpf_group_get(const struct tbpf_maps *m, uint32_t vip,
		   struct tandem_bpf_group *g);
/* vip: network order; port: host order. */
int tbpf_service_set(const struct tbpf_maps *m, uint32_t vip, uint16_t port);
int tbpf_service_del(const struct tbpf_maps *m, uint32_t vip, uint16_t port);
/* Calls fn on every service port (host order) of vip. */
int tbpf_service_each(const struct tbpf_maps *m, uint32_t vip,
		      void (*fn)(uint16_t port, void *arg), void *arg);

/* The counters summed over the CPUs, indexed by enum tandem_bpf_stat. */
int tbpf_stats(const struct tbpf_maps *m, uint64_t out[__TANDEM_BPF_STAT_MAX]);
const char *tbpf_stat_name(unsigned int i);

/* Calls fn on every connection entry; stops at fn's first non-zero. */
int tbpf_conn_each(const struct tbpf_maps *m,
		   int (*fn)(const struct tandem_bpf_conn_key *k,
			     const struct tandem_bpf_conn *c, void *arg),
		   void *arg);

/*
 * A backup the primary no longer mirrors to (lost, or removed): its slots
 * in the connections' progress of vip are freed, else the clamp would
 * wait for its reports for ever. *n: the entries changed. User space
 * writes the entry back whole: a report taken meanwhile is lost, and the
 * backup's next one brings it again.
 */
int tbpf_progress_forget(const struct tbpf_maps *m, uint32_t vip,
			 uint32_t node_id, unsigned int *n);

/* CLOCK_MONOTONIC in ns: what bpf_ktime_get_ns() reads (the lease). */
uint64_t tbpf_mono_ns(void);

#endif /* _TANDEM_BPF_LOADER_H */
