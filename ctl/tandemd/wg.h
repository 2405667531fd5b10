/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bpf data path's WireGuard devices made by tandemd (bpf-wireguard):
 * their keys derived from the group key, and the device itself.
 */
#ifndef TANDEMD_WG_H
#define TANDEMD_WG_H

#include <stdint.h>

#include "config.h"

#define WG_KEY_BYTES 32
#define WG_KEEPALIVE_S 25	/* persistent keepalive: see wg.c */

/* Node id's X25519 private key (clamped), derived from the group key. */
void wg_node_key(const uint8_t gkey[TANDEM_KEY_LEN], uint32_t id,
		 uint8_t priv[WG_KEY_BYTES]);
/* The preshared key of the pair {a, b} (either order). */
void wg_pair_psk(const uint8_t gkey[TANDEM_KEY_LEN], uint32_t a, uint32_t b,
		 uint8_t psk[WG_KEY_BYTES]);
/* The X25519 public key of priv: 0 or -EINVAL (libcrypto refused it). */
int wg_public_key(const uint8_t priv[WG_KEY_BYTES], uint8_t pub[WG_KEY_BYTES]);

/*
 * The replication device g->bpf.repl[i] (its wg_port set) as tandemd
 * keeps it, keyed from gkey: created if missing, else reconfigured in
 * place (the same keys keep the tunnel's session); one peer, member
 * repl[i].id at its address and the pair's port, AllowedIPs 0.0.0.0/0;
 * up, rp_filter 0. 0 or -errno (logged, saying what failed).
 */
int wg_device_apply(const struct td_group *g, unsigned int i,
		    const uint8_t gkey[TANDEM_KEY_LEN]);

#endif /* TANDEMD_WG_H */
