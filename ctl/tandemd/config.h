/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tandemd's configuration: one INI file per node (docs/tandemd.md).
 *
 *   [node]                  this node: id, state directory, control socket
 *   [group NAME]            one replica group: VIP, key, members, timers
 *   [service NAME PORT]     a protected port of group NAME and its checks
 *
 * config_load() parses and validates a file; every problem is reported as
 * "FILE:LINE: message" through the caller's error function, and the load
 * fails with -EINVAL when there was any.
 */
#ifndef TANDEMD_CONFIG_H
#define TANDEMD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agree.h"
#include "parse.h"

#define TD_PATH_MAX 256
#define TD_CHECKS_MAX 8		/* per service */
#define TD_HTTP_PATH_MAX 128
#define TD_RT_PRIORITY 10		/* under the kernel's IRQ threads (50) */

enum td_log_level { TD_LOG_ERR = 3, TD_LOG_WARNING = 4, TD_LOG_NOTICE = 5,
		    TD_LOG_INFO = 6, TD_LOG_DEBUG = 7 };

enum td_check_type { TD_CHECK_TCP = 1, TD_CHECK_HTTP, TD_CHECK_EXEC };

struct td_check {
	enum td_check_type type;
	unsigned int line;
	char path[TD_HTTP_PATH_MAX];	/* http: request path */
	unsigned int status;		/* http: expected status */
	char *command;			/* exec: run by /bin/sh -c (malloc'd) */
};

struct td_service {
	uint16_t port;
	unsigned int line;
	uint32_t max_lag_bytes;		/* 0: the group's */
	uint32_t max_lag_ms;
	int64_t interval, timeout;	/* ns, for every check */
	unsigned int rise, fall;
	unsigned int n_checks;
	struct td_check check[TD_CHECKS_MAX];
};

struct td_member {
	uint32_t id;
	struct tandem_addr addr;	/* replication address */
	struct tandem_addr addr2;	/* second heartbeat link (len 0: none) */
	uint16_t port;			/* kernel replication port, 0: group's */
	uint8_t priority;
	bool witness;
	unsigned int line;
};

/* Kernel tunables set only when given (bit n of `set`: TANDEM_A_* n). */
struct td_tunables {
	uint64_t set;
	uint32_t syn_timeout_ms, max_lag_bytes, max_lag_ms, max_conns;
	uint8_t garp_count;
	uint32_t garp_interval_ms;
	uint32_t garp_refresh_ms;	/* always set (default 10 s), 0: off */
	uint8_t mac;			/* enum tandem_mac */
};

/* The bpf data path's devices of a group on this node (config_bpf.c). */
#define TD_BPF_DEVS_MAX 4
#define TD_IFNAME_MAX 16
struct td_bpf_group {
	unsigned int n_client;
	char client_dev[TD_BPF_DEVS_MAX][TD_IFNAME_MAX];	/* bpf-client-dev */
	unsigned int n_repl;
	struct td_bpf_repl {
		uint32_t id;					/* a member */
		char dev[TD_IFNAME_MAX];			/* bpf-repl-dev */
		uint16_t wg_port;	/* bpf-wireguard: the pair's UDP port,
					 * tandemd's device (wg.c); 0: the
					 * operator's */
		unsigned int line;
	} repl[AGREE_MAX_MEMBERS];
	unsigned int line;		/* of the first bpf key */
};

enum td_datapath { TD_DATAPATH_AUTO, TD_DATAPATH_KMOD, TD_DATAPATH_BPF };

struct td_group {
	char name[TANDEM_GROUP_NAME_MAX];
	unsigned int line;
	uint32_t id;
	struct tandem_addr vip;
	bool has_vip;
	char key_file[TD_PATH_MAX];
	uint8_t key[TANDEM_KEY_LEN];	/* read from key_file by config_load */
	int64_t key_overlap;		/* ns: a new key's rotation phases (rotate.c) */
	uint16_t port;			/* kernel replication port */
	uint16_t agree_port;		/* tandemd's UDP port */
	struct tandem_addr health_addr;	/* where checks connect */
	char notify[TD_PATH_MAX];	/* hook, "" for none */
	int64_t hook_timeout;		/* ns: a hook is killed after it */
	int64_t conns_interval;		/* ns: how often conns are counted */
	unsigned int n_members;
	struct td_member member[AGREE_MAX_MEMBERS];
	struct agree_config agree;	/* timers; members filled at the end */
	struct td_tunables tun;
	struct td_bpf_group bpf;
	unsigned int n_services;
	struct td_service *service;
};

struct td_config {
	char file[TD_PATH_MAX];
	uint32_t node_id;
	char state_dir[TD_PATH_MAX];
	char control[TD_PATH_MAX];	/* "@name": abstract socket */
	enum td_log_level log_level;
	bool realtime;			/* SCHED_RR at rt_priority */
	uint8_t rt_priority;
	bool lock_memory;		/* mlockall */
	char metrics_file[TD_PATH_MAX];	/* "" : none (metrics.c) */
	int64_t metrics_interval;	/* ns */
	enum td_datapath datapath;	/* datapath: auto (default), kmod, bpf */
	char bpf_pin_dir[TD_PATH_MAX];	/* bpf-pin-dir */
	bool insecure_transport;	/* insecure-transport-for-tests */
	unsigned int n_groups;
	struct td_group *group;
};

/* Receives each problem found, already formatted as "FILE:LINE: msg". */
typedef void (*td_config_err_fn)(void *data, const char *msg);

/*
 * Load and validate path into cfg (zeroed first). 0, -EINVAL if the file
 * has errors (each reported through err), or another -errno if it cannot
 * be read (reported too).
 */
int config_load(const char *path, struct td_config *cfg,
		td_config_err_fn err, void *data);
void config_free(struct td_config *cfg);

/* The member of g with this id, or NULL. */
const struct td_member *config_member(const struct td_group *g, uint32_t id);
/* The kernel replication port of a member. */
uint16_t config_member_port(const struct td_group *g,
			    const struct td_member *m);

/* Values: durations ("100ms", "1s", "250us", a bare number is ms). */
int config_duration(const char *s, int64_t min, int64_t max, int64_t *ns);
const char *config_log_level_name(enum td_log_level level);

#endif /* TANDEMD_CONFIG_H */
