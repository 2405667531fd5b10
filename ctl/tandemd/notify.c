// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path,
 * or an abstract socket when it starts with '@'). Nothing when unset.
 *
 * The watchdog (WatchdogSec= in the unit): systemd passes WATCHDOG_USEC
 * (and WATCHDOG_PID); the loop sends WATCHDOG=1 every half of it, from its
 * timers, so a loop that stops turning stops the pings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctlsock.h"
#include "tandemd.h"

void notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (!path || !*path)
		return;
	len = tandem_ctlsock_addr(path, &sun);
	if (!len) {
		td_warn("cannot notify systemd: NOTIFY_SOCKET path too long");
		return;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			     (struct sockaddr *)&sun, len) < 0)
		td_warn("cannot notify systemd (%s) at %s: %s", state, path,
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int64_t watchdog_interval, watchdog_next = AGREE_NEVER;

/* Reads the watchdog period systemd gave this process, if any. */
void notify_watchdog_init(int64_t now)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	watchdog_interval = 0;
	watchdog_next = AGREE_NEVER;
	if (!usec || !*usec)
		return;
	if (pid && *pid && strtoull(pid, NULL, 10) != (unsigned long long)getpid())
		return;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || !v || v > INT64_MAX / 1000) {
		td_warn("ignoring WATCHDOG_USEC=%s: not a number of microseconds", usec);
		return;
	}
	watchdog_interval = (int64_t)v * 1000 / 2;
	watchdog_next = now;
	td_info("systemd watchdog: %lld ms, pinged every %lld ms",
		(long long)(watchdog_interval * 2 / NS_PER_MS),
		(long long)(watchdog_interval / NS_PER_MS));
}

int64_t notify_watchdog_deadline(void)
{
	return watchdog_next;
}

void notify_watchdog_timers(int64_t now)
{
	if (now < watchdog_next)
		return;
	notify_systemd("WATCHDOG=1");
	watchdog_next = now + watchdog_interval;
}
