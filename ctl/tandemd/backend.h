/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tandemd's data path backends: what the daemon asks of the node's kernel
 * (configure a group, its members and services, apply roles, epochs and
 * leases, read back its epoch and protected connections), behind one ops
 * table per data path:
 *
 *   kmod  the module, over its netlink family (kernel.c)
 *   bpf   the tc programs of bpf/, loaded, pinned, attached and configured
 *         through their maps (backend_bpf.c, bpf/loader.c)
 *
 * The node's `datapath` key picks one (docs/tandemd.md); the kernel_*()
 * calls of the rest of tandemd go through d->be.
 */
#ifndef TANDEMD_BACKEND_H
#define TANDEMD_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct td_daemon;
struct td_group;
enum td_role;

struct td_backend_ops {
	const char *name;		/* "kmod", "bpf": the status' datapath */
	/* Once at start. */
	int (*open)(struct td_daemon *d);
	void (*close)(struct td_daemon *d);
	/*
	 * The group as configured, idempotently (start and reload), with
	 * @key the one to send under (a rotation's old one, rotate.c).
	 */
	int (*setup)(struct td_daemon *d, const struct td_group *g,
		     const uint8_t *key);
	/* Key rotation: send under @key, accept @alt too for @ms. */
	int (*set_keys)(struct td_daemon *d, const struct td_group *g,
			const uint8_t *key, const uint8_t *alt, uint32_t ms);
	/* Epoch and role (TANDEM_ROLE_*) the data path holds; 0 if none. */
	int (*group_epoch)(struct td_daemon *d, const struct td_group *g,
			   uint64_t *epoch, uint8_t *role);
	/* lease_expiry: CLOCK_MONOTONIC ns (td_now()), primary only. */
	int (*set_role)(struct td_daemon *d, const struct td_group *g,
			enum td_role role, uint64_t epoch, int64_t lease_expiry);
	/*
	 * Primary; @prior: the agreement's proof that lets a fenced primary
	 * resume its suspended connections (TANDEM_A_GROUP_PRIOR_EPOCH).
	 */
	int (*promote)(struct td_daemon *d, const struct td_group *g,
		       uint64_t epoch, int64_t lease_expiry, uint64_t prior);
	int (*renew)(struct td_daemon *d, const struct td_group *g,
		     int64_t lease_expiry);
	/* Connections this node could take over, not flagged @except. */
	int (*conns)(struct td_daemon *d, const struct td_group *g,
		     uint32_t except, uint32_t *count);
};

extern const struct td_backend_ops td_backend_kmod;
extern const struct td_backend_ops td_backend_bpf;
/* No data path (every group a witness at start): refuses, with a log. */
extern const struct td_backend_ops td_backend_none;

/*
 * The backend of the configuration's datapath; with "auto", kmod when its
 * netlink family answers (the module is loaded or loadable), else bpf if
 * every group with a data path has its bpf devices (else the module's
 * error).
 * Opens it: 0 or -errno (reported). Not needed (no group has a data path
 * on this node): td_backend_none.
 */
int backend_open(struct td_daemon *d, bool needed);
void backend_close(struct td_daemon *d);
const char *backend_name(const struct td_daemon *d);

#endif /* TANDEMD_BACKEND_H */
