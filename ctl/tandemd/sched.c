// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduling: tandemd renews the primary's lease and answers heartbeats
 * from one event loop; a loaded host must not delay it past the lease
 * (issue 10, finding 3). By default it runs SCHED_RR at a modest realtime
 * priority (under the kernel's threaded interrupt handlers, which carry
 * its datagrams) with every page locked in memory, like corosync and
 * keepalived. Children (exec checks, hooks) start at normal priority
 * (SCHED_RESET_ON_FORK) and unlocked (locks are not inherited). Where that
 * is not permitted (no CAP_SYS_NICE / RLIMIT_RTPRIO, no CAP_IPC_LOCK /
 * RLIMIT_MEMLOCK) it logs why and runs on without (docs/tandemd.md,
 * "Scheduling").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#include "tandemd.h"

#define STACK_PREFAULT (128 * 1024)

static bool locked;

static void set_realtime(const struct td_config *cfg)
{
	struct sched_param sp = { .sched_priority = cfg->rt_priority };
	int policy = sched_getscheduler(0);

	if (!cfg->realtime) {
		if (policy == SCHED_RR || policy == SCHED_FIFO) {
			sp.sched_priority = 0;
			if (sched_setscheduler(0, SCHED_OTHER, &sp))
				td_warn("cannot leave realtime scheduling: %s",
					strerror(errno));
			else
				td_info("scheduling: normal (realtime = no)");
		}
		return;
	}
	if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp)) {
		td_warn("cannot run with realtime scheduling (SCHED_RR priority %u): %s%s; running at normal priority: load on this host can delay heartbeats and lease renewals (realtime = no silences this)",
			cfg->rt_priority, strerror(errno),
			errno == EPERM ? " (needs CAP_SYS_NICE or RLIMIT_RTPRIO)" : "");
		return;
	}
	td_info("scheduling: SCHED_RR priority %u", cfg->rt_priority);
}

/* Touch a stack's worth now: later growth would fault under load. */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char buf[STACK_PREFAULT];

	memset((char *)buf, 0, sizeof(buf));
}

static void lock_memory(const struct td_config *cfg)
{
	if (!cfg->lock_memory) {
		if (locked && !munlockall()) {
			locked = false;
			td_info("memory: unlocked (lock-memory = no)");
		}
		return;
	}
	if (locked)
		return;
	if (mlockall(MCL_CURRENT | MCL_FUTURE)) {
		td_warn("cannot lock tandemd's memory: %s%s; pages may be swapped out and fault under memory pressure (lock-memory = no silences this)",
			strerror(errno),
			errno == EPERM || errno == ENOMEM ?
			" (needs CAP_IPC_LOCK or a larger RLIMIT_MEMLOCK)" : "");
		return;
	}
	locked = true;
	prefault_stack();
	td_info("memory: locked (mlockall)");
}

void sched_apply(const struct td_config *cfg)
{
	lock_memory(cfg);
	set_realtime(cfg);
}
