// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: the signal must interrupt the wait for events. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int monitor(const struct tandem_opts *opts, struct tandem_nl *nl)
{
	int size = MONITOR_RCVBUF;
	int ret;

	if (setsockopt(tandem_nl_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)))
		setsockopt(tandem_nl_fd(nl), SOL_SOCKET, SO_RCVBUF, &size,
			   sizeof(size));
	ret = tandem_nl_join_events(nl);
	if (ret) {
		report_error(stderr, "cannot subscribe to events", ret, NULL);
		return TANDEM_EXIT_FAIL;
	}
	while (!stopping) {
		ret = tandem_nl_recv_events(nl, event_cb, (void *)opts);
		if (ret == -EINTR)
			continue;
		if (ret == -ENOBUFS) {
			fputs("tandem: monitor: events were lost (receive buffer overrun)\n",
			      stderr);
			continue;
		}
		if (ret == -EPIPE)
			return TANDEM_EXIT_OK;	/* the reader went away */
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
	int ret;

	if (argc && args_is_help(argv[0])) {
		monitor_help(stdout);
		return TANDEM_EXIT_OK;
	}
	if (argc) {
		report_usage("monitor", "monitor: unknown argument \"%s\"", argv[0]);
		return TANDEM_EXIT_USAGE;
	}
	catch_signals();
	ret = tandem_nl_open(&nl);
	if (ret) {
		report_open_error(stderr, ret);
		return TANDEM_EXIT_FAIL;
	}
	ret = monitor(opts, &nl);
	tandem_nl_close(&nl);
	return ret;
}
