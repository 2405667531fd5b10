// SPDX-License-Identifier: GPL-2.0
/*
 * Key rotation with overlap. A reload that changes only a group's key
 * keeps its agreement (no restart, no election) and moves to the new key
 * in two phases of key-overlap each:
 *  - accept: the kernel sends under the old key and accepts the new one
 *    as its alternate key; the agreement seals under the old key and
 *    opens under both;
 *  - send: both send under the new key and still accept the old one;
 * then only the new key is accepted. Nodes reloaded one after the other,
 * all within key-overlap of the first, each accept the new key before any
 * sends under it, and accept the old key until every one has stopped
 * sending under it: no datagram is dropped. key-overlap 0: at once.
 */
#include <string.h>

#include "tandemd.h"

static void set_macs(struct td_grp *g, const uint8_t *send, const uint8_t *alt)
{
	peer_derive_key(send, g->mac_key);
	if (alt)
		peer_derive_key(alt, g->rot.mac_alt);
	else
		explicit_bzero(g->rot.mac_alt, sizeof(g->rot.mac_alt));
}

static uint32_t ms_until(int64_t t, int64_t now)
{
	int64_t ms = (t - now + NS_PER_MS - 1) / NS_PER_MS;

	if (ms < 1)
		return 1;
	return ms > TANDEM_KEY_ALT_MAX_MS ? TANDEM_KEY_ALT_MAX_MS : ms;
}

const uint8_t *rotate_send_key(const struct td_grp *g)
{
	return g->rot.phase == TD_ROT_ACCEPT ? g->rot.old_key : g->cfg->key;
}

void rotate_begin(struct td_grp *g, const struct td_group *old,
		  const struct td_group *cfg)
{
	int64_t now = td_now(), w = cfg->key_overlap;

	(void)old;
	/* The key sent until now becomes the old one (even mid-rotation). */
	memcpy(g->rot.old_key, rotate_send_key(g), sizeof(g->rot.old_key));
	g->rot.rx_alt = 0;
	if (!w) {
		g->rot.phase = TD_ROT_NONE;
		set_macs(g, cfg->key, NULL);
		explicit_bzero(g->rot.old_key, sizeof(g->rot.old_key));
		td_warn("group %s: new key, no overlap (key-overlap 0): datagrams from nodes still under the old key are dropped",
			cfg->name);
		return;
	}
	g->rot.phase = TD_ROT_ACCEPT;
	g->rot.send_at = now + w;
	g->rot.end_at = now + 2 * w;
	set_macs(g, g->rot.old_key, cfg->key);
	td_warn("group %s: new key accepted; sent from %g s on, the old key refused after %g s: reload the other nodes within %g s",
		cfg->name, (double)w / NS_PER_S, 2.0 * w / NS_PER_S,
		(double)w / NS_PER_S);
}

/* The kernel's keys for the phase (the send key was set by kernel_setup). */
int rotate_kernel(struct td_grp *g)
{
	int64_t now = td_now();

	switch (g->rot.phase) {
	case TD_ROT_ACCEPT:
		return kernel_set_keys(g->d, g->cfg, g->rot.old_key, g->cfg->key,
				       ms_until(g->rot.end_at, now));
	case TD_ROT_SEND:
		return kernel_set_keys(g->d, g->cfg, g->cfg->key, g->rot.old_key,
				       ms_until(g->rot.end_at, now));
	case TD_ROT_NONE:
		break;
	}
	return 0;
}

int64_t rotate_deadline(const struct td_grp *g)
{
	switch (g->rot.phase) {
	case TD_ROT_ACCEPT:
		return g->rot.send_at;
	case TD_ROT_SEND:
		return g->rot.end_at;
	case TD_ROT_NONE:
		break;
	}
	return AGREE_NEVER;
}

void rotate_tick(struct td_grp *g, int64_t now)
{
	if (g->rot.phase == TD_ROT_ACCEPT && now >= g->rot.send_at) {
		g->rot.phase = TD_ROT_SEND;
		set_macs(g, g->cfg->key, g->rot.old_key);
		if (!g->witness)
			rotate_kernel(g);
		td_info("group %s: sending under the new key; the old one accepted %g s more",
			g->cfg->name, (double)(g->rot.end_at - now) / NS_PER_S);
	}
	if (g->rot.phase == TD_ROT_SEND && now >= g->rot.end_at) {
		rotate_stop(g);
		td_info("group %s: key rotation done: the old key is refused (%llu agreement datagrams came under it)",
			g->cfg->name, (unsigned long long)g->rot.rx_alt);
	}
}

bool rotate_accepts_alt(const struct td_grp *g, int64_t now)
{
	return g->rot.phase != TD_ROT_NONE && now < g->rot.end_at;
}

void rotate_stop(struct td_grp *g)
{
	g->rot.phase = TD_ROT_NONE;
	explicit_bzero(g->rot.old_key, sizeof(g->rot.old_key));
	explicit_bzero(g->rot.mac_alt, sizeof(g->rot.mac_alt));
}
