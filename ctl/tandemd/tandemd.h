/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tandemd: the per-node controller. One event loop (loop.c) drives, per
 * configured group, one agreement core (ctl/agree) whose messages travel in
 * authenticated UDP datagrams (peer.c) and whose decisions are applied to
 * the kernel (kernel.c) in order (group.c). Health checks (health.c) feed
 * the core, notify hooks (hook.c) report role changes, and a unix socket
 * (control.c) serves the CLI.
 */
#ifndef TANDEMD_H
#define TANDEMD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agree.h"
#include "backend.h"
#include "config.h"
#include "netlink.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

struct td_daemon;

/* Something the loop polls: fn runs when fd is ready. */
struct td_watch {
	int fd;
	void (*fn)(struct td_daemon *d, struct td_watch *w, uint32_t events);
};

/* One running probe of a check (health.c). */
struct td_probe {
	struct td_watch w;		/* tcp/http socket, fd -1 when idle */
	pid_t pid;			/* exec */
	int64_t deadline;
	bool connected;			/* http: request sent */
	size_t got;			/* http: bytes of the reply so far */
	char reply[64];
};

struct td_check_state {
	struct td_grp *g;
	const struct td_check *cfg;
	const struct td_service *svc;
	struct td_probe probe;
	int64_t next;			/* next probe */
	unsigned int ok_run, fail_run;	/* consecutive results */
	bool healthy;
	char last[128];			/* why the last probe failed */
};

/*
 * A key rotation (rotate.c): for key_overlap, the node accepts the new key
 * and still sends under the old one; for key_overlap more, it sends under
 * the new key and still accepts the old one; then only the new one.
 */
enum td_rot_phase { TD_ROT_NONE, TD_ROT_ACCEPT, TD_ROT_SEND };

struct td_rotate {
	enum td_rot_phase phase;
	uint8_t old_key[TANDEM_KEY_LEN];
	uint8_t mac_alt[32];		/* the agreement's other key */
	int64_t send_at;		/* TD_ROT_ACCEPT ends */
	int64_t end_at;			/* TD_ROT_SEND ends */
	uint64_t rx_alt;		/* agreement datagrams under mac_alt */
};

/* Why a primary stopped being one: enum agree_fence_reason, or this. */
#define TD_DEMOTE_KERNEL 0		/* the kernel refused it (kernel_lost) */
#define TD_DEMOTE_CAUSES (AGREE_FENCE_SUPERSEDED + 1)

/* Kernel state of a group as last applied by tandemd. */
enum td_role { TD_ROLE_NONE, TD_ROLE_FENCED, TD_ROLE_BACKUP, TD_ROLE_PRIMARY };

struct td_grp {
	struct td_daemon *d;
	const struct td_group *cfg;	/* in d->cfg */
	struct agree_node node;
	bool witness;			/* this node: no data path, no kernel */
	struct td_watch sock;		/* agreement datagrams */
	struct td_watch sock2;		/* the same on the second link (addr2) */
	uint8_t mac_key[32];
	struct td_rotate rot;		/* key rotation (rotate.c) */
	uint64_t tx_seq;
	uint64_t rx_seq[AGREE_MAX_MEMBERS];	/* highest accepted, by index */
	uint64_t rx_win[AGREE_MAX_MEMBERS];	/* bit n: rx_seq - n accepted */
	int64_t heard[AGREE_MAX_MEMBERS][2];	/* last datagram, per link */
	char state_path[TD_PATH_MAX + 64];
	struct agree_persist persisted;
	uint64_t incarnation;
	enum td_role role;		/* last applied to the kernel */
	int64_t next_conns;
	uint32_t conns;
	unsigned int n_checks;
	struct td_check_state *checks;
	bool healthy;
	uint64_t rx_bad, rx_replay;	/* dropped datagrams */
	uint64_t rx_dup;		/* copies already taken (second link) */
	uint64_t rx_auth;		/* of rx_bad: a member's, failing the tag */
	uint64_t rx_auth_logged;	/* rx_auth when last logged */
	int64_t auth_warned;		/* last authentication failure logged */
	int64_t late_warned;		/* last late-renewal warning */
	uint64_t fenced_epoch;		/* the kernel primary fenced in it, 0: none */
	uint64_t promotions;		/* became primary (metrics.c) */
	uint64_t demotions[TD_DEMOTE_CAUSES];	/* stopped being primary, by cause */
	bool standby;			/* tandem node standby: never stands */
	bool alive[AGREE_MAX_MEMBERS][2];	/* per link, as last logged */
	bool lost[AGREE_MAX_MEMBERS];		/* logged lost, not regained */
	bool known[AGREE_MAX_MEMBERS];		/* heard at least once */
	bool handing_over;		/* SIGTERM: switchover before exit */
	uint64_t handover_epoch;	/* the reign handed over */
};

struct td_daemon {
	struct td_config cfg;
	const char *config_path;
	int epfd;
	struct td_watch timer;
	struct td_watch signals;
	struct td_watch control;
	struct tandem_nl nl;
	bool nl_open;
	const struct td_backend_ops *be;	/* the data path (backend.h) */
	void *be_priv;				/* the backend's own state */
	unsigned int n_grps;
	struct td_grp **grps;		/* each allocated: watches point in */
	bool stop;
	int64_t stop_at;		/* SIGTERM: stop once handed over, or then */
	bool reload;			/* SIGHUP seen: reload after the batch */
	bool failed;			/* fatal: stop sending, exit 1 */
};

/* log.c */
void td_log_set_level(enum td_log_level level);
void td_log(enum td_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define td_err(...) td_log(TD_LOG_ERR, __VA_ARGS__)
#define td_warn(...) td_log(TD_LOG_WARNING, __VA_ARGS__)
#define td_notice(...) td_log(TD_LOG_NOTICE, __VA_ARGS__)
#define td_info(...) td_log(TD_LOG_INFO, __VA_ARGS__)
#define td_debug(...) td_log(TD_LOG_DEBUG, __VA_ARGS__)
int64_t td_now(void);		/* CLOCK_MONOTONIC, ns */

/* loop.c */
int loop_add(struct td_daemon *d, struct td_watch *w, uint32_t events);
void loop_del(struct td_daemon *d, struct td_watch *w);
int loop_init(struct td_daemon *d);
int loop_run(struct td_daemon *d);
/* One pass: due timers, then wait for and handle one batch of events. */
int loop_once(struct td_daemon *d);

/* main.c */
int reload_config(struct td_daemon *d);

/* state.c: the persisted promised epoch and incarnation of a group */
int state_read(const char *path, struct agree_persist *p, uint64_t *incarnation);
int state_write(const char *path, const struct agree_persist *p,
		uint64_t incarnation);
/* GROUP.standby in the state directory: present while in standby. */
int state_standby_read(const struct td_grp *g, bool *standby);
int state_standby_write(const struct td_grp *g, bool standby);


/* rotate.c: key rotation with overlap */
/* A reload: g runs under old, cfg (not yet g->cfg) names a new key. */
void rotate_begin(struct td_grp *g, const struct td_group *old,
		  const struct td_group *cfg);
/* The key the kernel sends under now (cfg->key outside a rotation). */
const uint8_t *rotate_send_key(const struct td_grp *g);
/* Apply the rotation's kernel keys again (after kernel_setup). */
int rotate_kernel(struct td_grp *g);
/* Move the rotation on at now. */
void rotate_tick(struct td_grp *g, int64_t now);
/* The next instant rotate_tick() has work (AGREE_NEVER: none). */
int64_t rotate_deadline(const struct td_grp *g);
/* Does the agreement accept mac_alt at now? */
bool rotate_accepts_alt(const struct td_grp *g, int64_t now);
void rotate_stop(struct td_grp *g);

/* metrics.c: the Prometheus textfile */
int64_t metrics_deadline(const struct td_daemon *d);
void metrics_timers(struct td_daemon *d, int64_t now);

/* peer.c: authenticated agreement datagrams */
#define PEER_MAX 200	/* >= 20 + AGREE_WIRE_MAX + 16 */
int peer_open(struct td_grp *g);
void peer_close(struct td_grp *g);
int peer_send(struct td_grp *g, const struct agree_msg *m);
/* The datagram of m in buf (PEER_MAX bytes at least); its length. */
int peer_seal(struct td_grp *g, const struct agree_msg *m, uint8_t *buf,
	      size_t size);
#define PEER_WINDOW 64	/* seqs below the highest still accepted once */
/*
 * Check a datagram: 0 and its message in m; -EBADMSG if it is not one of
 * this group's from another member, or fails authentication; -EEXIST if
 * its seq was accepted already (the other link's copy, or a replay);
 * -EALREADY if it is PEER_WINDOW or more below the highest accepted from
 * that sender (a replay, or far too late).
 */
int peer_unseal(struct td_grp *g, const uint8_t *buf, size_t len,
		struct agree_msg *m);
void peer_derive_key(const uint8_t key[TANDEM_KEY_LEN], uint8_t out[32]);
/*
 * A daemon's request to another member (forward.c), in a datagram of its
 * own magic, authenticated like the agreement's: payload of len bytes.
 */
#define PEER_REQ_MAX 32
int peer_send_req(struct td_grp *g, uint32_t to, const uint8_t *payload,
		  size_t len);

/* forward.c: a switchover asked on a backup goes to the primary */
int forward_switchover(struct td_grp *g, uint32_t target);
void forward_recv(struct td_grp *g, uint32_t from, const uint8_t *p, size_t len);
/* sends a forwarded request again until answered (control_timers) */
void forward_timers(struct td_daemon *d, int64_t now);
int64_t forward_deadline(void);

/* The data path, through the backend (backend.h; kmod: kernel.c). */
static inline int kernel_setup(struct td_daemon *d, const struct td_group *g)
{
	return d->be->setup(d, g, g->key);
}

/* kernel_setup with the key to send under (a rotation's old one). */
static inline int kernel_setup_key(struct td_daemon *d,
				   const struct td_group *g,
				   const uint8_t *key)
{
	return d->be->setup(d, g, key);
}

static inline int kernel_set_keys(struct td_daemon *d, const struct td_group *g,
				  const uint8_t *key, const uint8_t *alt,
				  uint32_t ms)
{
	return d->be->set_keys(d, g, key, alt, ms);
}

static inline int kernel_group_epoch(struct td_daemon *d,
				     const struct td_group *g,
				     uint64_t *epoch, uint8_t *role)
{
	return d->be->group_epoch(d, g, epoch, role);
}

/* lease_expiry: CLOCK_MONOTONIC ns (td_now()), primary only. */
static inline int kernel_set_role(struct td_daemon *d, const struct td_group *g,
				  enum td_role role, uint64_t epoch,
				  int64_t lease_expiry)
{
	return d->be->set_role(d, g, role, epoch, lease_expiry);
}

static inline int kernel_promote(struct td_daemon *d, const struct td_group *g,
				 uint64_t epoch, int64_t lease_expiry,
				 uint64_t prior)
{
	return d->be->promote(d, g, epoch, lease_expiry, prior);
}

static inline int kernel_renew(struct td_daemon *d, const struct td_group *g,
			       int64_t lease_expiry)
{
	return d->be->renew(d, g, lease_expiry);
}

static inline int kernel_conns(struct td_daemon *d, const struct td_group *g,
			       uint32_t *count)
{
	return d->be->conns(d, g, 0, count);
}

static inline int kernel_conns_except(struct td_daemon *d,
				      const struct td_group *g,
				      uint32_t except, uint32_t *count)
{
	return d->be->conns(d, g, except, count);
}

/* group.c: one group's agreement */
int grp_start(struct td_daemon *d, struct td_grp *g, const struct td_group *cfg);
void grp_stop(struct td_grp *g);
void grp_drain(struct td_grp *g);
void grp_timers(struct td_grp *g, int64_t now);
int64_t grp_deadline(const struct td_grp *g);
void grp_set_health(struct td_grp *g, bool healthy);
/* tandem node standby/online: persisted, then fed to the core as health. */
int grp_set_standby(struct td_grp *g, bool standby);
/* Log members lost and regained, links down and up (on a change). */
void grp_watch_members(struct td_grp *g, int64_t now);
/* SIGTERM on a primary: hand over like a switchover; false if it cannot. */
bool grp_hand_over(struct td_grp *g);
/* True unless a handover of g is still waiting for the new primary. */
bool grp_handed_over(const struct td_grp *g);
const char *td_role_name(enum td_role role);

/* health.c */
/* old: the checks before a reload (NULL at start), whose states carry over. */
int health_start(struct td_grp *g, const struct td_check_state *old,
		 unsigned int n_old);
void health_stop(struct td_grp *g);
/* Stop the probes and hand the check states over (free them after). */
void health_detach(struct td_grp *g, struct td_check_state **old,
		   unsigned int *n_old);
void health_timers(struct td_grp *g, int64_t now);
int64_t health_deadline(const struct td_grp *g);
bool health_reaped(struct td_grp *g, pid_t pid, int status);

/* hook.c */
void hook_role_change(struct td_grp *g, enum td_role old, enum td_role new,
		      uint64_t epoch);
void hook_timers(struct td_daemon *d, int64_t now);
int64_t hook_deadline(void);
bool hook_reaped(pid_t pid, int status);
void hook_kill_all(void);

/* control.c */
int control_open(struct td_daemon *d);
void control_close(struct td_daemon *d);
/* Answer the switchovers that are done, or waited for long enough. */
void control_timers(struct td_daemon *d, int64_t now);
int64_t control_deadline(void);
/* Checks of a switchover on the primary (control.c): 0 or -errno, why in msg. */
int control_switchover(struct td_grp *g, uint64_t target, char *msg, size_t size);
/* The primary refused a forwarded switchover of g: answer who waits. */
void control_forward_failed(struct td_daemon *d, struct td_grp *g, int err);
const char *control_switchover_error(int err);

/* sched.c: realtime scheduling and locked memory, as configured */
void sched_apply(const struct td_config *cfg);

/* notify.c: sd_notify */
void notify_systemd(const char *state);
void notify_watchdog_init(int64_t now);
int64_t notify_watchdog_deadline(void);
void notify_watchdog_timers(int64_t now);

#endif /* TANDEMD_H */
