/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire encoding of agreement messages (inside the daemon's authenticated
 * datagram, which adds the group id, a replay counter and the MAC).
 *
 *   0  u8  version (AGREE_WIRE_VERSION)   20 u64 promised
 *   1  u8  type                           28 s64 stamp
 *   2  u8  flags                          36 u32 conns
 *   3  u8  n_view                         40 n_view entries of 9 bytes:
 *   4  u32 from                              u32 id, u32 conns, u8 flags
 *   8  u32 to
 *  12  u64 epoch
 *
 * All integers in network byte order.
 */
#ifndef TANDEM_AGREE_WIRE_H
#define TANDEM_AGREE_WIRE_H

#include <stddef.h>

#include "agree.h"

#define AGREE_WIRE_VERSION 1
#define AGREE_WIRE_HDR 40
#define AGREE_WIRE_ENTRY 9
#define AGREE_WIRE_MAX (AGREE_WIRE_HDR + AGREE_MAX_MEMBERS * AGREE_WIRE_ENTRY)

/* Bytes written, or -EMSGSIZE if len is too short, -EINVAL if m is bad. */
int agree_wire_encode(const struct agree_msg *m, unsigned char *buf,
		      size_t len);
/* 0, -EPROTONOSUPPORT (other version) or -EINVAL (malformed). */
int agree_wire_decode(const unsigned char *buf, size_t len,
		      struct agree_msg *m);

#endif /* TANDEM_AGREE_WIRE_H */
