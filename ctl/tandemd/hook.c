// SPDX-License-Identifier: GPL-2.0
/*
 * Notify hooks: the group's notify script runs on every role change as
 *   SCRIPT GROUP OLD_ROLE NEW_ROLE EPOCH
 * with TANDEM_GROUP, TANDEM_OLD_ROLE, TANDEM_NEW_ROLE, TANDEM_EPOCH and
 * TANDEM_NODE in its environment. Runs are queued and started one at a
 * time, in the order of the changes (over all groups); the loop never
 * waits for one: a child is reaped through SIGCHLD, and killed after the
 * group's notify-timeout. The protocol goes on meanwhile, so a hook
 * learns of a change after the kernel applied it, never before.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "print.h"
#include "tandemd.h"

#define HOOK_QUEUE_MAX 256

struct hook_run {
	char script[TD_PATH_MAX];
	char group[TANDEM_GROUP_NAME_MAX];
	char old_role[8], new_role[8];
	uint64_t epoch;
	uint32_t node;
	int64_t timeout;
};

static struct hook_run queue[HOOK_QUEUE_MAX];
static unsigned int q_head, q_len, q_dropped;
static pid_t running;
static int64_t running_deadline;

static void child(const struct hook_run *r)
{
	char epoch[24], node[12], text[TANDEM_EPOCH_STRLEN];
	sigset_t none;

	snprintf(epoch, sizeof(epoch), "%" PRIu64, r->epoch);
	tandem_epoch_str(r->epoch, text, sizeof(text));
	snprintf(node, sizeof(node), "%u", r->node);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setenv("TANDEM_GROUP", r->group, 1);
	setenv("TANDEM_OLD_ROLE", r->old_role, 1);
	setenv("TANDEM_NEW_ROLE", r->new_role, 1);
	setenv("TANDEM_EPOCH", epoch, 1);
	setenv("TANDEM_EPOCH_STR", text, 1);	/* BALLOT.NODE */
	setenv("TANDEM_NODE", node, 1);
	execl(r->script, r->script, r->group, r->old_role, r->new_role, epoch,
	      (char *)NULL);
	fprintf(stderr, "tandemd: cannot run the notify hook %s: %s\n",
		r->script, strerror(errno));
	_exit(127);
}

static void start_next(void)
{
	struct hook_run *r;
	pid_t pid;

	while (!running && q_len) {
		r = &queue[q_head];
		q_head = (q_head + 1) % HOOK_QUEUE_MAX;
		q_len--;
		pid = fork();
		if (pid < 0) {
			td_err("group %s: cannot fork the notify hook %s: %s",
			       r->group, r->script, strerror(errno));
			continue;
		}
		if (pid == 0)
			child(r);
		td_debug("group %s: notify hook %s %s -> %s started (pid %d)",
			 r->group, r->script, r->old_role, r->new_role, (int)pid);
		running = pid;
		running_deadline = td_now() + r->timeout;
	}
}

void hook_role_change(struct td_grp *g, enum td_role old, enum td_role new,
		      uint64_t epoch)
{
	struct hook_run *r;

	if (!g->cfg->notify[0])
		return;
	if (q_len == HOOK_QUEUE_MAX) {
		if (!q_dropped++)
			td_warn("group %s: notify hook queue full: dropping role changes",
				g->cfg->name);
		return;
	}
	r = &queue[(q_head + q_len++) % HOOK_QUEUE_MAX];
	snprintf(r->script, sizeof(r->script), "%s", g->cfg->notify);
	snprintf(r->group, sizeof(r->group), "%s", g->cfg->name);
	snprintf(r->old_role, sizeof(r->old_role), "%s", td_role_name(old));
	snprintf(r->new_role, sizeof(r->new_role), "%s", td_role_name(new));
	r->epoch = epoch;
	r->node = g->cfg->agree.self_id;
	r->timeout = g->cfg->hook_timeout;
	start_next();
}

bool hook_reaped(pid_t pid, int status)
{
	if (!running || pid != running)
		return false;
	running = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status))
		td_warn("notify hook (pid %d) exited with %d", (int)pid,
			WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		td_warn("notify hook (pid %d) killed by signal %d", (int)pid,
			WTERMSIG(status));
	start_next();
	return true;
}

void hook_timers(struct td_daemon *d, int64_t now)
{
	(void)d;
	if (running && now >= running_deadline) {
		td_warn("notify hook (pid %d) timed out: killed", (int)running);
		kill(running, SIGKILL);
		running_deadline = AGREE_NEVER;	/* reaped through SIGCHLD */
	}
}

int64_t hook_deadline(void)
{
	return running ? running_deadline : AGREE_NEVER;
}

void hook_kill_all(void)
{
	q_len = 0;
}
