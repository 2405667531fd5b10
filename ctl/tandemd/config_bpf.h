/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to config*.c: the keys of the bpf data path (config_bpf.c). */
#ifndef TANDEMD_CONFIG_BPF_H
#define TANDEMD_CONFIG_BPF_H

#include "config_ctx.h"

/* [node] datapath = auto | kmod | bpf */
void config_datapath_key(struct config_ctx *ctx, void *obj, const char *value);
/* [group] bpf-client-dev = DEV (repeated: one per client-facing device) */
void config_bpf_client_key(struct config_ctx *ctx, void *obj, const char *value);
/* [group] bpf-repl-dev = ID DEV (the device that reaches member ID) */
void config_bpf_repl_key(struct config_ctx *ctx, void *obj, const char *value);
/* [group] bpf-wireguard = ID DEV PORT (tandemd's WireGuard device to ID) */
void config_bpf_wg_key(struct config_ctx *ctx, void *obj, const char *value);
/* The group's bpf keys against its members and the node's datapath. */
void config_bpf_check(struct config_ctx *ctx, struct td_group *g,
		      const struct td_member *self);

#define TD_BPF_PIN_DIR_DEFAULT "/sys/fs/bpf/tandem"
#define TANDEM_BPF_PEERS_MAX 4	/* TANDEM_BPF_MAX_PEERS, bpf/tandem_bpf.h */

#endif /* TANDEMD_CONFIG_BPF_H */
