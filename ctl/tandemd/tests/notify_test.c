// SPDX-License-Identifier: GPL-2.0
/* sd_notify without libsystemd: READY=1 reaches $NOTIFY_SOCKET. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

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

TEST_HARNESS_MAIN
