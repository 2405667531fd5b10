/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small libmnl client of the tandem generic netlink family, shared by the
 * CLI and the daemon: family and multicast group resolution, requests with
 * extended ACKs, dumps that restart when interrupted, and event reception.
 * Every function returns 0 or a negative errno.
 */
#ifndef TANDEM_NETLINK_H
#define TANDEM_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

/* How many times a dump is restarted after NLM_F_DUMP_INTR before giving up. */
#define TANDEM_NL_DUMP_RETRIES 10

struct mnl_socket;

/* What the kernel said about a failed request. */
struct tandem_nl_error {
	int code;		/* negative errno; 0 when no error */
	char msg[256];		/* extended ACK message, "" if none */
	bool has_offset;
	uint32_t offset;	/* of the offending attribute in the request */
	bool has_miss_type;
	uint32_t miss_type;	/* a required attribute that was missing */
};

struct tandem_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;	/* resolved generic netlink family id */
	uint32_t version;	/* of the family, as registered */
	uint32_t mcast_group;	/* id of the events group, 0 if absent */
	uint8_t *buf;		/* receive buffer, grown to the largest datagram */
	size_t buf_size;
	struct tandem_nl_error err;	/* of the last request */
};

/* Called for each reply (or event); returns 0 or a negative errno. */
typedef int (*tandem_nl_cb)(const struct nlmsghdr *nlh, void *data);
/* Called before each attempt of a dump, to forget a partial result. */
typedef void (*tandem_nl_reset_cb)(void *data);

/*
 * Open a socket and resolve the tandem family. Returns -ENOENT when the
 * family is not registered (the module is not loaded).
 */
int tandem_nl_open(struct tandem_nl *nl);
/* The same for any generic netlink family and multicast group (or NULL). */
int tandem_nl_open_family(struct tandem_nl *nl, const char *family,
			  const char *group);
void tandem_nl_close(struct tandem_nl *nl);

/* Start a request of the family in buf (MNL_SOCKET_BUFFER_SIZE bytes). */
struct nlmsghdr *tandem_nl_msg(const struct tandem_nl *nl, void *buf,
			       uint8_t cmd, uint16_t flags);

/*
 * Send a request and wait for its acknowledgement, passing every reply to
 * cb (which may be NULL). On failure nl->err says what the kernel said.
 */
int tandem_nl_request(struct tandem_nl *nl, struct nlmsghdr *nlh,
		      tandem_nl_cb cb, void *data);

/*
 * Send a dump request (NLM_F_DUMP is set here) and pass every reply to cb.
 * A dump interrupted by a concurrent change (NLM_F_DUMP_INTR, or a change
 * of TANDEM_A_GENERATION between its messages) is restarted, after calling
 * reset, up to TANDEM_NL_DUMP_RETRIES times; then -EAGAIN.
 */
int tandem_nl_dump(struct tandem_nl *nl, struct nlmsghdr *nlh,
		   tandem_nl_cb cb, tandem_nl_reset_cb reset, void *data);

/*
 * Join the events multicast group (-EOPNOTSUPP if the family has none),
 * and nlctrl's notifications, to learn when the family is unregistered.
 */
int tandem_nl_join_events(struct tandem_nl *nl);

/*
 * Receive one datagram of events and pass each message of the family to
 * cb. Returns -EINTR if a signal interrupted the wait, -ENOBUFS if events
 * were lost because the socket's receive buffer overflowed, -ENODEV once
 * the family is unregistered (the module was unloaded).
 */
int tandem_nl_recv_events(struct tandem_nl *nl, tandem_nl_cb cb, void *data);

/* The socket's file descriptor, for poll(). */
int tandem_nl_fd(const struct tandem_nl *nl);

/*
 * Decode an NLMSG_ERROR or NLMSG_DONE message: its error code and the
 * extended ACK attributes. Returns -EBADMSG if the message is malformed.
 */
int tandem_nl_parse_error(const struct nlmsghdr *nlh,
			  struct tandem_nl_error *err);

#endif /* TANDEM_NETLINK_H */
