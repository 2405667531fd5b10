/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of tandem's tc programs (ABI in tandem_bpf.h). Every program file
 * includes this header, which declares them extern; maps.bpf.c defines them
 * (TANDEM_MAPS_DEFINE), and `bpftool gen object` links the files into one
 * object whose programs share them.
 */
#ifndef _TANDEM_MAPS_BPF_H
#define _TANDEM_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tandem_bpf.h"
#include "parse.bpf.h"

#ifdef TANDEM_MAPS_DEFINE
#define TANDEM_MAP
#else
#define TANDEM_MAP extern
#endif

#define TANDEM_BPF_MAX_GROUPS	16
#define TANDEM_BPF_MAX_SERVICES	1024
#define TANDEM_BPF_MAX_CONNS	65536	/* the loader may change it before loading */
#define TANDEM_SCRATCH		512	/* bytes per checksum chunk */

TANDEM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TANDEM_BPF_MAX_GROUPS);
	__type(key, __be32);
	__type(value, struct tandem_bpf_group);
} tandem_groups SEC(".maps");

TANDEM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TANDEM_BPF_MAX_SERVICES);
	__type(key, struct tandem_bpf_svc_key);
	__type(value, struct tandem_bpf_service);
} tandem_services SEC(".maps");

/*
 * Not an LRU: evicting a live entry would lose its deltas, and with them
 * the connection. A full table leaves new connections unprotected
 * (TANDEM_BPF_STAT_CONN_FULL); user space removes the entries of closed
 * sockets.
 */
TANDEM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TANDEM_BPF_MAX_CONNS);
	__type(key, struct tandem_bpf_conn_key);
	__type(value, struct tandem_bpf_conn);
} tandem_conns SEC(".maps");

/* The backups' progress per connection: written by user space only. */
TANDEM_MAP struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TANDEM_BPF_MAX_CONNS);
	__type(key, struct tandem_bpf_conn_key);
	__type(value, struct tandem_bpf_progress);
} tandem_progress SEC(".maps");

TANDEM_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, __TANDEM_BPF_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tandem_stats SEC(".maps");

/*
 * Per-CPU scratch: the parsed segment, a new connection entry, a chunk of a
 * checksummed segment. The parsed segment lives here rather than on the
 * stack for the verifier: values loaded from a map are unknown to it, so
 * the paths through the options parser do not each carry their own state
 * through the rest of the program. A program runs to its end on one CPU;
 * none of tandem's programs runs inside another (the clones go to
 * replication devices, whose egress has no tandem program).
 */
struct tandem_scratch {
	struct tandem_pkt pkt;
	struct tandem_bpf_conn conn;
	__u8 buf[TANDEM_SCRATCH + 4];
};

TANDEM_MAP struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tandem_scratch);
} tandem_scratch SEC(".maps");

static __always_inline void tandem_count(enum tandem_bpf_stat stat)
{
	__u32 key = stat;
	__u64 *v = bpf_map_lookup_elem(&tandem_stats, &key);

	if (v)
		*v += 1;
}

static __always_inline struct tandem_scratch *tandem_scratch_get(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&tandem_scratch, &key);
}

#endif /* _TANDEM_MAPS_BPF_H */
