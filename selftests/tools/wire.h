/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tools that speak the replication channel share (tforge, tfuzz):
 * "ADDR:PORT" arguments, the group key file, and the tag of a datagram
 * (include/uapi/linux/tandem_wire.h: the MAC the header's flags name, of
 * header and body, TANDEM_WIRE_TAG_LEN bytes after the body).
 */
#ifndef TANDEM_TOOLS_WIRE_H
#define TANDEM_TOOLS_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/tandem_wire.h>

#define KEY_LEN 32

struct ep {
	struct in_addr addr;
	uint16_t port;
};

/* "10.0.0.1:7400" into ep; -EINVAL if it is not one. */
int parse_ep(const char *s, struct ep *ep);

/* The base64 key in the file at path (one line, as "tandem genkey" writes). */
int read_key(const char *path, uint8_t key[KEY_LEN]);

/*
 * Tag the datagram d of n bytes (header and body) under key, with the MAC
 * its header names (selftests/channel_mac.h): the tag is
 * written at d + n, which has room for it. Returns the datagram's length.
 */
size_t wire_seal(uint8_t *d, size_t n, const uint8_t key[KEY_LEN]);

#endif /* TANDEM_TOOLS_WIRE_H */
