// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify without libsystemd: READY=1 reaches $NOTIFY_SOCKET; the
 * watchdog (WATCHDOG_USEC, WATCHDOG_PID) pings every half period; and
 * tandemd itself, as a witness (no module needed), under the protocol
 * systemd speaks with a Type=notify unit with WatchdogSec=: READY=1,
 * WATCHDOG=1 from its loop, RELOADING=1/READY=1 on SIGHUP, STOPPING=1.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tandemd.h"

static int listen_dgram(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, name, strlen(name));
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, len))
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

TEST(abstract_socket)
{
	char name[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "@tandemd-notify-test-%d", getpid());
	fd = listen_dgram(name);
	ASSERT_LE(0, fd);
	setenv("NOTIFY_SOCKET", name, 1);
	notify_systemd("READY=1");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	ASSERT_EQ(7, n);
	buf[n] = '\0';
	ASSERT_STREQ("READY=1", buf);
	close(fd);
}

TEST(path_socket)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/tmp/tandemd-notify-test-%d", getpid());
	unlink(path);
	fd = listen_dgram(path);
	ASSERT_LE(0, fd);
	setenv("NOTIFY_SOCKET", path, 1);
	notify_systemd("STOPPING=1");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	ASSERT_EQ(10, n);
	buf[n] = '\0';
	ASSERT_STREQ("STOPPING=1", buf);
	close(fd);
	unlink(path);
}

TEST(unset_is_quiet)
{
	unsetenv("NOTIFY_SOCKET");
	notify_systemd("READY=1");	/* nothing to check but that it returns */
	setenv("NOTIFY_SOCKET", "", 1);
	notify_systemd("READY=1");
}

/* The next datagram, or "" after the socket's timeout. */
static const char *next_msg(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* No datagram waiting. */
static bool quiet(int fd)
{
	char buf[64];

	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

TEST(watchdog_half_period)
{
	int64_t t0 = 5 * NS_PER_S;
	char name[64], buf[64];
	int fd;

	snprintf(name, sizeof(name), "@tandemd-wd-test-%d", getpid());
	fd = listen_dgram(name);
	ASSERT_LE(0, fd);
	setenv("NOTIFY_SOCKET", name, 1);
	setenv("WATCHDOG_USEC", "200000", 1);
	unsetenv("WATCHDOG_PID");
	notify_watchdog_init(t0);
	ASSERT_EQ(t0, notify_watchdog_deadline());
	notify_watchdog_timers(t0);
	ASSERT_STREQ("WATCHDOG=1", next_msg(fd, buf, sizeof(buf)));
	ASSERT_EQ(t0 + 100 * NS_PER_MS, notify_watchdog_deadline());
	notify_watchdog_timers(t0 + 99 * NS_PER_MS);
	ASSERT_TRUE(quiet(fd));
	notify_watchdog_timers(t0 + 100 * NS_PER_MS);
	ASSERT_STREQ("WATCHDOG=1", next_msg(fd, buf, sizeof(buf)));
	ASSERT_EQ(t0 + 200 * NS_PER_MS, notify_watchdog_deadline());
	close(fd);
}

TEST(watchdog_pid)
{
	char pid[32];

	setenv("WATCHDOG_USEC", "1000000", 1);
	snprintf(pid, sizeof(pid), "%d", getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);		/* another process's */
	notify_watchdog_init(0);
	ASSERT_EQ(AGREE_NEVER, notify_watchdog_deadline());
	snprintf(pid, sizeof(pid), "%d", getpid());
	setenv("WATCHDOG_PID", pid, 1);
	notify_watchdog_init(0);
	ASSERT_EQ(0, notify_watchdog_deadline());
	unsetenv("WATCHDOG_PID");
}

TEST(watchdog_off)
{
	static const char *const bad[] = { "", "0", "abc", "10x", "-5",
					   "99999999999999999999" };
	unsigned int i;

	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	notify_watchdog_init(0);
	ASSERT_EQ(AGREE_NEVER, notify_watchdog_deadline());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("WATCHDOG_USEC", bad[i], 1);
		notify_watchdog_init(0);
		EXPECT_EQ(AGREE_NEVER, notify_watchdog_deadline()) {
			TH_LOG("WATCHDOG_USEC=\"%s\" taken", bad[i]);
		}
	}
	unsetenv("WATCHDOG_USEC");
}

/* Skips other datagrams (watchdog pings) until want, within 5 s. */
static bool wait_msg(int fd, const char *want)
{
	char buf[64];
	time_t end = time(NULL) + 5;

	while (time(NULL) < end)
		if (!strcmp(next_msg(fd, buf, sizeof(buf)), want))
			return true;
	return false;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A witness of a group on loopback addresses: tandemd without a module. */
static void witness_config(const char *dir, char *conf, size_t size)
{
	char key[256], text[1024];
	int port = 20000 + getpid() % 20000;

	snprintf(key, sizeof(key), "%s/g.key", dir);
	write_file(key, "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU=\n");
	chmod(key, 0600);
	snprintf(text, sizeof(text),
		 "[node]\nid = 3\nstate-dir = %s/state\ncontrol = @tandemd-wd-%d\n"
		 "[group g]\nid = 1\nvip = 192.0.2.1\nkey = %s\nport = %d\n"
		 "agree-port = %d\nmember = 1 127.0.0.11\nmember = 2 127.0.0.12\n"
		 "member = 3 127.0.0.13 witness\n",
		 dir, getpid(), key, port, port + 1);
	snprintf(conf, size, "%s/tandemd.conf", dir);
	write_file(conf, text);
}

TEST(tandemd_under_systemd)
{
	char dir[] = "/tmp/tandemd-wd-XXXXXX", conf[256], name[64], ready[16];
	int fd, status, pings;
	pid_t pid;

	if (access("tandemd/tandemd", X_OK))
		SKIP(return, "no tandemd/tandemd (run from ctl/ after make)");
	ASSERT_NE(NULL, mkdtemp(dir));
	witness_config(dir, conf, sizeof(conf));
	snprintf(name, sizeof(name), "@tandemd-wd-e2e-%d", getpid());
	fd = listen_dgram(name);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		setenv("NOTIFY_SOCKET", name, 1);
		setenv("WATCHDOG_USEC", "100000", 1);	/* a ping every 50 ms */
		unsetenv("WATCHDOG_PID");
		freopen("/dev/null", "w", stderr);
		execl("tandemd/tandemd", "tandemd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	snprintf(ready, sizeof(ready), "READY=1");
	EXPECT_TRUE(wait_msg(fd, ready));
	for (pings = 0; pings < 3 && wait_msg(fd, "WATCHDOG=1"); pings++)
		;
	EXPECT_EQ(3, pings);
	kill(pid, SIGHUP);
	EXPECT_TRUE(wait_msg(fd, "RELOADING=1"));
	EXPECT_TRUE(wait_msg(fd, ready));
	EXPECT_TRUE(wait_msg(fd, "WATCHDOG=1"));
	kill(pid, SIGTERM);
	EXPECT_TRUE(wait_msg(fd, "STOPPING=1"));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("tandemd ended with status 0x%x", status);
	}
	close(fd);
	snprintf(conf, sizeof(conf), "rm -rf '%s'", dir);
	EXPECT_EQ(0, system(conf));
}

TEST_HARNESS_MAIN
