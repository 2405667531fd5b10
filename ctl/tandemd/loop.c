// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop: epoll over the agreement sockets, the control socket,
 * health probes, a timerfd (CLOCK_MONOTONIC, absolute) armed for the
 * earliest deadline of every group, probe and hook, and a signalfd
 * (SIGTERM/SIGINT: hand over a primary, then stop; SIGHUP: reload;
 * SIGCHLD: probes and hooks).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "tandemd.h"

int loop_add(struct td_daemon *d, struct td_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, w->fd, &ev))
		return -errno;
	return 0;
}

void loop_del(struct td_daemon *d, struct td_watch *w)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

static void reap_children(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (!hook_reaped(pid, status))
			td_debug("reaped an unknown child %d", (int)pid);
}

static void health_reap(struct td_daemon *d)
{
	unsigned int i;
	int status;
	pid_t pid;

	/* Probes first: each knows its pid; then everything else. */
	for (i = 0; i < d->n_grps; i++) {
		struct td_grp *g = d->grps[i];
		unsigned int j;

		for (j = 0; j < g->n_checks; j++) {
			pid = g->checks[j].probe.pid;
			if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
				health_reaped(g, pid, status);
		}
	}
	reap_children();
}

/*
 * SIGTERM/SIGINT: a primary first hands over like a switchover (its kernel
 * group fenced, the best backup asked to stand), and the loop goes on until
 * it follows the new primary, for at most STOP_WAIT; a second signal, or
 * nothing to hand over, stops at once. The kernel groups stay.
 */
#define STOP_WAIT (5000 * NS_PER_MS)	/* within the unit's TimeoutStopSec (10 s) */

static void on_stop(struct td_daemon *d, int sig)
{
	unsigned int i, n = 0;

	td_info("signal %s: exiting, kernel groups left as they are",
		strsignal(sig));
	if (d->stop_at) {
		d->stop = true;
		return;
	}
	for (i = 0; i < d->n_grps; i++)
		n += grp_hand_over(d->grps[i]);
	if (!n) {
		d->stop = true;
		return;
	}
	d->stop_at = td_now() + STOP_WAIT;
}

static void stop_timers(struct td_daemon *d, int64_t now)
{
	unsigned int i;

	if (!d->stop_at)
		return;
	for (i = 0; i < d->n_grps; i++)
		if (!grp_handed_over(d->grps[i]))
			break;
	if (i == d->n_grps || now >= d->stop_at)
		d->stop = true;
	if (i < d->n_grps && now >= d->stop_at)
		td_warn("group %s: the new primary was not heard within %lld ms; exiting anyway",
			d->grps[i]->cfg->name, (long long)(STOP_WAIT / NS_PER_MS));
}

static void on_signal(struct td_daemon *d, struct td_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			on_stop(d, si.ssi_signo);
			break;
		case SIGHUP:
			td_info("SIGHUP: reloading %s", d->config_path);
			d->reload = true;
			break;
		case SIGCHLD:
			health_reap(d);
			break;
		}
	}
}

static void on_timer(struct td_daemon *d, struct td_watch *w, uint32_t events)
{
	uint64_t n;

	(void)d;
	(void)events;
	if (read(w->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		td_warn("cannot read the timerfd: %s", strerror(errno));
}

static int setup_fds(struct td_daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->signals.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->signals.fd < 0 || d->timer.fd < 0)
		return -errno;
	d->signals.fn = on_signal;
	d->timer.fn = on_timer;
	if (loop_add(d, &d->signals, EPOLLIN) || loop_add(d, &d->timer, EPOLLIN))
		return -errno;
	return 0;
}

static int64_t earliest(struct td_daemon *d)
{
	int64_t t = hook_deadline(), x;
	unsigned int i;

	x = control_deadline();
	if (x < t)
		t = x;
	x = notify_watchdog_deadline();
	if (x < t)
		t = x;
	x = metrics_deadline(d);
	if (x < t)
		t = x;
	if (d->stop_at && d->stop_at < t)
		t = d->stop_at;
	for (i = 0; i < d->n_grps; i++) {
		x = grp_deadline(d->grps[i]);
		if (x < t)
			t = x;
		x = health_deadline(d->grps[i]);
		if (x < t)
			t = x;
		x = rotate_deadline(d->grps[i]);
		if (x < t)
			t = x;
	}
	return t;
}

static int arm_timer(struct td_daemon *d)
{
	struct itimerspec its = { 0 };
	int64_t t = earliest(d);

	if (t == AGREE_NEVER)
		t = td_now() + 3600 * NS_PER_S;
	if (t <= 0)
		t = 1;
	its.it_value.tv_sec = t / NS_PER_S;
	its.it_value.tv_nsec = t % NS_PER_S;
	if (timerfd_settime(d->timer.fd, TFD_TIMER_ABSTIME, &its, NULL))
		return -errno;
	return 0;
}

static void run_timers(struct td_daemon *d)
{
	int64_t now = td_now();
	unsigned int i;

	for (i = 0; i < d->n_grps; i++) {
		grp_timers(d->grps[i], now);
		health_timers(d->grps[i], now);
		rotate_tick(d->grps[i], now);
	}
	hook_timers(d, now);
	control_timers(d, now);
	stop_timers(d, now);
	notify_watchdog_timers(now);
	metrics_timers(d, now);
}

int loop_once(struct td_daemon *d)
{
	struct epoll_event ev[32];
	int n, i, ret;

	run_timers(d);
	if (d->stop)
		return 0;
	ret = arm_timer(d);
	if (ret) {
		td_err("cannot arm the timerfd: %s", strerror(-ret));
		return ret;
	}
	n = epoll_wait(d->epfd, ev, 32, -1);
	if (n < 0 && errno != EINTR) {
		td_err("epoll_wait failed: %s", strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		struct td_watch *w = ev[i].data.ptr;

		w->fn(d, w, ev[i].events);
	}
	/* After the batch: a reload may free watches of this batch. */
	if (d->reload) {
		d->reload = false;
		notify_systemd("RELOADING=1");
		reload_config(d);
		notify_systemd("READY=1");
	}
	return 0;
}

int loop_init(struct td_daemon *d)
{
	int ret;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	ret = setup_fds(d);
	if (ret)
		td_err("cannot set up the event loop: %s", strerror(-ret));
	notify_watchdog_init(td_now());
	return ret;
}

int loop_run(struct td_daemon *d)
{
	int ret = 0;

	while (!d->stop && !ret)
		ret = loop_once(d);
	return ret;
}
