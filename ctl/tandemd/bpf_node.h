/* SPDX-License-Identifier: GPL-2.0 */
/* The bpf backend's node side: gratuitous ARP, the VIP on the client devices. */
#ifndef TANDEMD_BPF_NODE_H
#define TANDEMD_BPF_NODE_H

#include <stdbool.h>
#include <stdint.h>

struct td_group;

/* A gratuitous ARP request for g's VIP out of dev (who has VIP, tell VIP). */
void bpf_node_garp(const struct td_group *g, const char *dev);
/*
 * Primary: the VIP (/32) on each client device that lacks it, bit i of
 * *added set for the i-th device it was added to; not primary: removed
 * from those. 0, or the last -errno (logged).
 */
int bpf_node_vip(const struct td_group *g, bool primary, uint32_t *added);

#endif /* TANDEMD_BPF_NODE_H */
