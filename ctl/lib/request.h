/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A parsed command: the tandem command to send and the values of its
 * attributes, then its execution (one request, or a dump) whose replies are
 * decoded into a JSON array.
 */
#ifndef TANDEM_REQUEST_H
#define TANDEM_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <linux/tandem.h>

#include "netlink.h"
#include "parse.h"

enum tandem_obj {
	TANDEM_OBJ_GROUP,
	TANDEM_OBJ_MEMBER,
	TANDEM_OBJ_SERVICE,
	TANDEM_OBJ_STATS,	/* TANDEM_CMD_STATS_GET's reply */
	TANDEM_OBJ_CONN,	/* TANDEM_CMD_CONN_GET's replies */
};

struct tandem_req {
	enum tandem_obj obj;
	uint8_t cmd;		/* TANDEM_CMD_* */
	bool dump;
	char what[128];		/* "cannot add group g1": for error messages */
	uint64_t present;	/* bit n: attribute n has a value */
	uint64_t num[TANDEM_A_MAX + 1];
	struct tandem_addr addr[TANDEM_A_MAX + 1];
	char name[TANDEM_GROUP_NAME_MAX];
	uint8_t key[TANDEM_KEY_LEN];
	uint8_t key_alt[TANDEM_KEY_LEN];	/* TANDEM_A_GROUP_KEY_ALT */
};

_Static_assert(TANDEM_A_MAX < 64,
	       "struct tandem_req.present has one bit per attribute: widen it");

static inline bool req_has(const struct tandem_req *req, unsigned int attr)
{
	return req->present & (1ULL << attr);
}

/* Start an empty request for cmd on obj. */
void req_init(struct tandem_req *req, enum tandem_obj obj, uint8_t cmd);
/* Forget the key once it is no longer needed. */
void req_wipe(struct tandem_req *req);

/* How the request names its group, for messages: "g1" or "id 3". */
void req_group_label(const struct tandem_req *req, char *buf, size_t size);

/* Append the attributes that have a value to nlh, each with its own type. */
int req_put_attrs(const struct tandem_req *req, struct nlmsghdr *nlh,
		  size_t bufsize);

/*
 * Send the request; replies (of GET commands) are decoded and appended to
 * out, which may be NULL for commands without replies.
 */
int req_exec(struct tandem_nl *nl, const struct tandem_req *req,
	     struct json_object *out);

/* The same with the caller's reply callback (reset: a dump restarts). */
int req_exec_cb(struct tandem_nl *nl, const struct tandem_req *req,
		mnl_cb_t cb, void (*reset)(void *data), void *data);

/*
 * req_exec_cb() on a session of its own: opens the netlink socket, sends,
 * closes; every error is reported on stderr (req->what says what failed).
 */
int req_query(const struct tandem_req *req, mnl_cb_t cb,
	      void (*reset)(void *data), void *data);

#endif /* TANDEM_REQUEST_H */
