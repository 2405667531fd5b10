// SPDX-License-Identifier: GPL-2.0
/*
 * toffload: get and set GRO, GSO and TSO of network devices in any network
 * namespaces, all in one process. (ethtool takes a process per device plus
 * one to enter each namespace: seconds under TCG for a test topology.)
 *
 *   toffload [ -c ] [ gro on|off ] [ gso on|off ] [ tso on|off ] [NETNS/]DEV...
 *
 * Sets the features given on every device (NETNS a name under /run/netns),
 * then prints "[NETNS/]DEV gro on|off gso on|off tso on|off" per device as
 * the kernel reports them. Exit status: 0, 1 if a device could not be
 * changed or read (or, with -c, has one of the three off), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct feature {
	const char *name;
	__u32 get, set;
} features[] = {
	{ "gro", ETHTOOL_GGRO, ETHTOOL_SGRO },
	{ "gso", ETHTOOL_GGSO, ETHTOOL_SGSO },
	{ "tso", ETHTOOL_GTSO, ETHTOOL_STSO },
};
#define NR_FEATURES (sizeof(features) / sizeof(features[0]))

static int ethtool_value(int sock, const char *dev, __u32 cmd, __u32 *data)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *data };
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(sock, SIOCETHTOOL, &ifr))
		return -errno;
	*data = ev.data;
	return 0;
}

/* A socket in network namespace ns ("" for our own); -errno on failure. */
static int ns_socket(int self, const char *ns)
{
	char path[4096];
	int fd, err;

	if (*ns) {
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		err = setns(fd, CLONE_NEWNET) ? -errno : 0;
		close(fd);
	} else {
		err = setns(self, CLONE_NEWNET) ? -errno : 0;
	}
	if (err)
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* Applies want[] (-1: leave alone) to arg, prints its state; 0 or 1. */
static int one_device(int self, const char *arg, const int *want, int check)
{
	char ns[256] = "";
	const char *dev = arg, *slash = strchr(arg, '/');
	int sock, ret = 0;

	if (slash) {
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - arg), arg);
		dev = slash + 1;
	}
	sock = ns_socket(self, ns);
	if (sock < 0) {
		fprintf(stderr, "toffload: network namespace '%s': %s\n", ns, strerror(-sock));
		return 1;
	}
	for (unsigned int i = 0; i < NR_FEATURES; i++) {
		__u32 v = want[i];
		int err;

		if (want[i] < 0)
			continue;
		err = ethtool_value(sock, dev, features[i].set, &v);
		if (err) {
			fprintf(stderr, "toffload: %s: setting %s: %s\n", arg,
				features[i].name, strerror(-err));
			ret = 1;
		}
	}
	printf("%s", arg);
	for (unsigned int i = 0; i < NR_FEATURES; i++) {
		__u32 v = 0;
		int err = ethtool_value(sock, dev, features[i].get, &v);

		if (err) {
			fprintf(stderr, "toffload: %s: reading %s: %s\n", arg,
				features[i].name, strerror(-err));
			ret = 1;
		}
		printf(" %s %s", features[i].name, err ? "?" : v ? "on" : "off");
		if (check && (err || !v))
			ret = 1;
	}
	printf("\n");
	close(sock);
	return ret;
}

int main(int argc, char **argv)
{
	int want[NR_FEATURES] = { -1, -1, -1 };
	int i = 1, check = 0, ret = 0, self;

	if (i < argc && !strcmp(argv[i], "-c")) {
		check = 1;
		i++;
	}
	for (; i + 1 < argc; i += 2) {
		unsigned int f;

		for (f = 0; f < NR_FEATURES; f++)
			if (!strcmp(argv[i], features[f].name))
				break;
		if (f == NR_FEATURES)
			break;
		if (!strcmp(argv[i + 1], "on"))
			want[f] = 1;
		else if (!strcmp(argv[i + 1], "off"))
			want[f] = 0;
		else
			break;
	}
	if (i >= argc || argv[i][0] == '-') {
		fputs("Usage: toffload [ -c ] [ gro on|off ] [ gso on|off ] [ tso on|off ] "
		      "[NETNS/]DEV...\n", stderr);
		return 2;
	}
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		perror("toffload: /proc/self/ns/net");
		return 1;
	}
	for (; i < argc; i++)
		ret |= one_device(self, argv[i], want, check);
	return ret;
}
