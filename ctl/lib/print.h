/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output: tandem messages decoded into JSON objects (the one description of
 * an object), printed as JSON or as human readable blocks and event lines.
 */
#ifndef TANDEM_PRINT_H
#define TANDEM_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include <linux/netlink.h>

#include "request.h"

/* The object a command is about; -EINVAL for an unknown command. */
int tandem_cmd_obj(uint8_t cmd, enum tandem_obj *kind);
/* "group_new", "member_del", ...: the event a command reports; or NULL. */
const char *tandem_event_name(uint8_t cmd);
/* "group", "member" or "service". */
const char *tandem_obj_name(enum tandem_obj kind);

/*
 * Add the fields of a tandem message (after its genetlink header) to obj,
 * under their JSON names; kind, if not NULL, gets the object kind. The key
 * is never decoded. Returns -EBADMSG for a malformed attribute.
 */
int tandem_decode(const struct nlmsghdr *nlh, enum tandem_obj *kind,
		  struct json_object *obj);

/*
 * The same into C: out (req_init()ed here) gets the object kind, the
 * command, and each field's value by attribute type, as a request holds
 * them (num[], addr[], name; present says which came): a typed view of a
 * kernel object, the inverse of req_put_attrs(). Nested fields (peers,
 * counters) are left out. Returns -EBADMSG for a malformed attribute.
 */
int tandem_decode_req(const struct nlmsghdr *nlh, struct tandem_req *out);

/*
 * An epoch as what it is (docs/agreement.md): "BALLOT.NODE", ballot (round)
 * 2 of node 1 is "2.1"; the raw value stays the JSON number, and
 * tandem_add_epoch_str adds the text under "KEY_str" next to it.
 */
#define TANDEM_EPOCH_STRLEN 24
const char *tandem_epoch_str(uint64_t epoch, char *buf, size_t size);
void tandem_add_epoch_str(struct json_object *obj, const char *key,
			  uint64_t epoch);

void tandem_print_json(FILE *f, struct json_object *obj, bool pretty);
/* A block of "label: value" lines for one object. */
void tandem_print_block(FILE *f, enum tandem_obj kind,
			struct json_object *obj);
/* Blocks for every object of an array, separated by blank lines. */
void tandem_print_blocks(FILE *f, enum tandem_obj kind,
			 struct json_object *array);
/* One line: the event name, then "field value" pairs. */
void tandem_print_event(FILE *f, enum tandem_obj kind, const char *event,
			struct json_object *obj);

#endif /* TANDEM_PRINT_H */
