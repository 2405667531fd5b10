/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tag of a replication datagram under the group key, with the MAC its
 * header names (include/uapi/linux/tandem_wire.h, TANDEM_WIRE_F_MAC), for
 * the tests and tools. Header only.
 */
#ifndef TANDEM_CHANNEL_MAC_H
#define TANDEM_CHANNEL_MAC_H

#include <arpa/inet.h>
#include <linux/tandem.h>
#include <linux/tandem_wire.h>

#include "channel_hmac.h"
#include "channel_xchacha.h"

#define CHANNEL_XCHACHA_LABEL "tandem xchacha20-poly1305"

/*
 * The tag of the n bytes at d (a header, then the body) under the 32-byte
 * group key; a MAC this file does not know gets an HMAC-SHA256 tag (the
 * receiver refuses it anyway).
 */
static inline void channel_tag(const uint8_t key[32], const uint8_t *d,
			       size_t n, uint8_t tag[TANDEM_WIRE_TAG_LEN])
{
	const struct tandem_wire_hdr *h = (const void *)d;
	uint8_t full[32], nonce[24];

	if (n >= sizeof(*h) &&
	    TANDEM_WIRE_F_MAC(ntohs(h->flags)) == TANDEM_MAC_XCHACHA20_POLY1305) {
		hmac_sha256(key, 32, (const uint8_t *)CHANNEL_XCHACHA_LABEL,
			    strlen(CHANNEL_XCHACHA_LABEL), full);
		memcpy(nonce, &h->group_id, 4);
		memcpy(nonce + 4, &h->sender, 4);
		memcpy(nonce + 8, &h->epoch, 8);
		memcpy(nonce + 16, &h->seq, 8);
		xchacha20poly1305_tag(full, nonce, d, n, tag);
		return;
	}
	hmac_sha256(key, 32, d, n, full);
	memcpy(tag, full, TANDEM_WIRE_TAG_LEN);
}

#endif /* TANDEM_CHANNEL_MAC_H */
