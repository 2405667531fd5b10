// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "args.h"
#include "print.h"
#include "report.h"
#include "tandem.h"

/* Room for bursts of events before the kernel has to drop some. */
#define MONITOR_RCVBUF (4 << 20)

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

void monitor_help(FILE *f)
{
	fputs("Usage: tandem [ -j [ -p ] ] monitor\n"
	      "Print every change of a group, member or service of the network\n"
	      "namespace as it happens, one line (or JSON object) per event, until\n"
	      "interrupted.\n", f);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tandem_opts *opts = data;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const char *event = tandem_event_name(genl->cmd);
	struct json_object *obj;
	enum tandem_obj kind;
	int ret;

	if (!event)
		return 0;	/* a command of a newer kernel */
	obj = json_object_new_object();
	if (!obj)
		return -ENOMEM;
	json_object_object_add(obj, "event", json_object_new_string(event));
	ret = tandem_decode(nlh, &kind, obj);
	if (!ret) {
		if (opts->json)
			tandem_print_json(stdout, obj, opts->pretty);
		else
			tandem_print_event(stdout, kind, event, obj);
		if (fflush(stdout) || ferror(stdout))
			ret = -errno;
	}
	json_object_put(obj);
	return ret;
}

/*
 * The signals that stop the monitor are blocked but while it waits in
 * ppoll(), so that none can slip in between a check and the wait.
 */
static void catch_signals(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGHUP);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int monitor(const struct tandem_opts *opts, struct tandem_nl *nl,
		   const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = tandem_nl_fd(nl), .events = POLLIN };
	int size = MONITOR_RCVBUF;
	int ret;

	if (setsockopt(pfd.fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(pfd.fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	ret = tandem_nl_join_events(nl);
	if (ret) {
		report_error(stderr, "cannot subscribe to events", ret, NULL);
		return TANDEM_EXIT_FAIL;
	}
	while (!stopping) {
		if (ppoll(&pfd, 1, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			report_error(stderr, "cannot wait for events", -errno, NULL);
			return TANDEM_EXIT_FAIL;
		}
		ret = tandem_nl_recv_events(nl, event_cb, (void *)opts);
		if (ret == -ENOBUFS) {
			fputs("tandem: monitor: events were lost (receive buffer overrun)\n",
			      stderr);
			continue;
		}
		if (ret == -EPIPE)
			return TANDEM_EXIT_OK;	/* the reader went away */
		if (ret == -ENODEV) {
			fputs("tandem: monitor: the tandem kernel module was unloaded\n",
			      stderr);
			return TANDEM_EXIT_FAIL;
		}
		if (ret) {
			report_error(stderr, "cannot receive events", ret, NULL);
			return TANDEM_EXIT_FAIL;
		}
	}
	return TANDEM_EXIT_OK;
}

int monitor_main(const struct tandem_opts *opts, int argc, char **argv)
{
	struct tandem_nl nl;
	sigset_t waitmask;
	int ret;

	if (argc) {
		report_usage("monitor", "monitor: unknown argument \"%s\"", argv[0]);
		return TANDEM_EXIT_USAGE;
	}
	ret = tandem_nl_open(&nl);
	if (ret) {
		report_open_error(stderr, ret);
		return TANDEM_EXIT_FAIL;
	}
	catch_signals(&waitmask);
	ret = monitor(opts, &nl, &waitmask);
	tandem_nl_close(&nl);
	return ret;
}
