/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * tandem: replicated TCP endpoints behind a virtual IP.
 *
 * This header is the specification of the generic netlink API of tandem.ko.
 *
 * Family name: TANDEM_GENL_NAME ("tandem"), version TANDEM_GENL_VERSION.
 * Multicast group: TANDEM_MCGRP_EVENTS ("events").
 *
 * The family is network-namespace aware: every object below lives in the
 * network namespace of the netlink socket that created it and is invisible
 * from any other namespace. Deleting the namespace frees all of it.
 *
 * Every command, dumps included, and subscribing to the events group
 * require CAP_NET_ADMIN in the user namespace owning the network namespace;
 * without it the generic netlink core answers -EPERM before tandem sees the
 * request, so that one error carries no extended ACK message. Commands and
 * dumps also require CAP_NET_ADMIN in the initial user namespace, unless
 * the module parameter userns_admin is set (containers): -EPERM, with an
 * extended ACK message for commands. Attributes are
 * validated strictly: an attribute not listed for a command, a wrong type
 * or a wrong length is rejected with -EINVAL and an extended ACK message
 * naming the attribute; an integer outside the range given below (the
 * TANDEM_*_MIN/MAX limits) with -ERANGE, an extended ACK message, the
 * offending attribute and its policy (NLMSGERR_ATTR_POLICY: the range).
 * Every other error carries an extended ACK message.
 * The netlink header is strict too: nlmsg_flags may hold only NLM_F_REQUEST,
 * NLM_F_ACK, NLM_F_ECHO and NLM_F_DUMP. An error found while dumping (a
 * selector naming no group, an attribute the dump does not take) is the
 * negative errno carried by NLMSG_DONE, with the extended ACK attached.
 *
 * Objects
 * -------
 * A *group* is one replica group: a virtual IP (VIP) served by a primary and
 * protected by backups. A group names the local node (its node id and
 * replication address) and holds the authentication key, the role of the
 * local node, the epoch and the data-path limits.
 *
 * A *member* is a peer node of a group (never the local node itself): its
 * node id, replication address and port, election priority, and whether it
 * is a witness (a voter with no data path).
 *
 * A *service* is a TCP port on the VIP whose inbound connections the group
 * protects.
 *
 * Selecting a group: commands that act on an existing group, member or
 * service carry TANDEM_A_GROUP_NAME or TANDEM_A_GROUP_ID (or both, which must
 * then name the same group).
 *
 * Generation: each namespace keeps a generation counter, incremented by every
 * change to any object. Every message of a dump carries it in
 * TANDEM_A_GENERATION, and a message built after a change made during the
 * dump carries NLM_F_DUMP_INTR: the dump must then be restarted.
 *
 * Events: every successful change is multicast to TANDEM_MCGRP_EVENTS as a
 * message with the command that describes it (*_NEW for a creation, *_SET
 * for a change, *_DEL for a deletion) and the same attributes as a GET
 * reply for that object (for *_DEL: its state just before deletion).
 * Changes the kernel makes on its own (a lease that lapses and fences the
 * node) are reported the same way. Deleting a group reports a
 * TANDEM_CMD_MEMBER_DEL for each of its members, then the
 * TANDEM_CMD_GROUP_DEL. A listener whose socket overruns gets ENOBUFS and
 * should dump again.
 *
 * Commands
 * --------
 * TANDEM_CMD_GROUP_NEW: create a group.
 *   Required:
 *     TANDEM_A_GROUP_NAME: NLA_NUL_STRING, 1..TANDEM_GROUP_NAME_MAX-1 bytes
 *                          of [A-Za-z0-9_.-]
 *     TANDEM_A_GROUP_ID: NLA_U32, nonzero, unique in the namespace
 *     TANDEM_A_GROUP_VIP: NLA_BINARY, 4 bytes (struct in_addr) for IPv4 or
 *                         16 bytes (struct in6_addr) for IPv6, network byte
 *                         order; unicast, unique in the namespace
 *     TANDEM_A_GROUP_NODE_ID: NLA_U32, nonzero: the local node's id
 *   Optional (defaults in brackets):
 *     TANDEM_A_GROUP_REPL_ADDR: NLA_BINARY, 4 or 16 bytes: local replication
 *                               address [none]
 *     TANDEM_A_GROUP_REPL_PORT: NLA_U16, host order, nonzero
 *                               [TANDEM_DEFAULT_REPL_PORT]
 *     TANDEM_A_GROUP_KEY: NLA_BINARY, exactly TANDEM_KEY_LEN bytes. Write
 *                         only: never returned; TANDEM_A_GROUP_HAS_KEY says
 *                         whether one is set. [none]
 *     TANDEM_A_GROUP_KEY_ALT: NLA_BINARY, exactly TANDEM_KEY_LEN bytes,
 *                         write only: an alternate key, accepted on receive
 *                         (never used to send) besides the group key, for
 *                         a bounded time (key rotation: see below) [none]
 *     TANDEM_A_GROUP_KEY_ALT_MS: NLA_U32, 1..TANDEM_KEY_ALT_MAX_MS: how long
 *                         from the request the alternate key is accepted.
 *                         Given with TANDEM_A_GROUP_KEY_ALT and only with
 *                         it (-EINVAL), and only when the group has a key or
 *                         the message sets one (-EINVAL).
 *     TANDEM_A_GROUP_MAC: NLA_U8, enum tandem_mac: how datagrams are
 *                         authenticated (tandem_wire.h), under the group key
 *                         and the alternate key alike; a datagram naming
 *                         another is dropped (CHAN_DROP_MAC)
 *                         [TANDEM_MAC_DEFAULT]
 *     TANDEM_A_GROUP_SYN_TIMEOUT_MS: NLA_U32, 1..TANDEM_SYN_TIMEOUT_MAX_MS
 *                         [200]: how long the primary holds a SYN-ACK
 *                         waiting for the backups
 *     TANDEM_A_GROUP_MAX_LAG_BYTES: NLA_U32, TANDEM_MAX_LAG_BYTES_MIN..
 *                         TANDEM_MAX_LAG_BYTES_MAX [4 MiB]: a backup
 *                         lagging a connection by more is dropped from it
 *     TANDEM_A_GROUP_MAX_LAG_MS: NLA_U32, 1..TANDEM_MAX_LAG_MAX_MS [2000]:
 *                         the same, in time
 *     TANDEM_A_GROUP_MAX_CONNS: NLA_U32, 1..TANDEM_CONNS_MAX [65536]:
 *                         protected connections; beyond it new connections
 *                         are served unprotected and counted
 *     TANDEM_A_GROUP_GARP_COUNT: NLA_U8, 0..TANDEM_GARP_COUNT_MAX [3]:
 *                         gratuitous ARPs (or unsolicited NAs) sent on
 *                         promotion
 *     TANDEM_A_GROUP_GARP_INTERVAL_MS: NLA_U32, 1..TANDEM_GARP_INTERVAL_MAX_MS
 *                         [100]
 *     TANDEM_A_GROUP_GARP_REFRESH_MS: NLA_U32, 0 or TANDEM_GARP_REFRESH_MIN_MS..
 *                         TANDEM_GARP_REFRESH_MAX_MS [0] (1..99: -EINVAL): after
 *                         the promotion's ARPs, a primary sends one more
 *                         every this many ms while its lease is valid (so
 *                         that switches and neighbours that forgot the VIP
 *                         learn it again); 0: never
 *   A new group has role TANDEM_ROLE_FENCED and epoch 0.
 *   The VIP and the replication address may be of different families (an
 *   IPv6 service replicated over an IPv4 network, say); neither may be a
 *   multicast, broadcast, loopback or unspecified address.
 *   A group with a replication address receives replication datagrams
 *   (include/uapi/linux/tandem_wire.h) on a UDP socket bound to that
 *   address and TANDEM_A_GROUP_REPL_PORT, shared by the groups of the
 *   namespace that replicate on the same address and port; the address
 *   need not be configured on an interface yet. The socket is closed when
 *   no group uses it any more (the request that drops it returns after).
 *   Errors: -EEXIST (name, id or VIP already used), -EINVAL (missing or
 *   malformed attribute), -ENOSPC (TANDEM_GROUPS_MAX groups already exist),
 *   -EADDRINUSE (another socket holds the replication address and port).
 *
 * TANDEM_CMD_GROUP_SET: change a group.
 *   Required: the group selector.
 *   Optional: TANDEM_A_GROUP_REPL_ADDR, TANDEM_A_GROUP_REPL_PORT,
 *     TANDEM_A_GROUP_KEY, TANDEM_A_GROUP_KEY_ALT, TANDEM_A_GROUP_KEY_ALT_MS,
 *     TANDEM_A_GROUP_MAC, TANDEM_A_GROUP_SYN_TIMEOUT_MS,
 *     TANDEM_A_GROUP_MAX_LAG_BYTES, TANDEM_A_GROUP_MAX_LAG_MS,
 *     TANDEM_A_GROUP_MAX_CONNS, TANDEM_A_GROUP_GARP_COUNT,
 *     TANDEM_A_GROUP_GARP_INTERVAL_MS, TANDEM_A_GROUP_GARP_REFRESH_MS (as for
 *     GROUP_NEW; a new refresh period applies from the next ARP), and:
 *     TANDEM_A_GROUP_ROLE: NLA_U8, enum tandem_role
 *     TANDEM_A_GROUP_EPOCH: NLA_U64
 *     TANDEM_A_GROUP_LEASE_MS: NLA_U32, 1..TANDEM_LEASE_MAX_MS: the primary's
 *                         lease is renewed to expire this long from now.
 *     TANDEM_A_GROUP_LEASE_EXPIRY_NS: NLA_U64: the same as an absolute
 *                         instant, CLOCK_MONOTONIC nanoseconds of the initial
 *                         time namespace (what clock_gettime() returns
 *                         outside a time namespace). A caller that computes
 *                         the expiry from its own clock reading is not
 *                         affected by a delay before the request is applied.
 *                         At most TANDEM_LEASE_MAX_MS ahead (-EINVAL). An
 *                         instant already past fences a primary at once on a
 *                         renewal, and refuses a promotion (-ETIME).
 *     A message carries at most one of the two lease attributes (-EINVAL).
 *     TANDEM_A_GROUP_PRIOR_EPOCH: NLA_U64, with TANDEM_ROLE_PRIMARY only
 *                         (-EINVAL otherwise): the highest epoch of another
 *                         node that the members electing this one had
 *                         promised or followed before. A primary fenced in
 *                         epoch E (its lease lapsed, or TANDEM_ROLE_FENCED)
 *                         has missed no client byte as long as nobody else
 *                         was primary: its connections are suspended, not
 *                         unprotected, and its next promotion resumes them
 *                         if PRIOR_EPOCH < E (no other primary can have
 *                         been elected meanwhile: the quorums intersect);
 *                         without the attribute, or with PRIOR_EPOCH >= E,
 *                         they are unprotected first (reset at takeover).
 *   The VIP, node id and name of a group cannot change: delete and re-create.
 *   Key rotation: a group sends under its key and accepts on receive the
 *   datagrams tagged with its key or, until its deadline, with its
 *   alternate key. A new TANDEM_A_GROUP_KEY_ALT (with its
 *   TANDEM_A_GROUP_KEY_ALT_MS) replaces the alternate key and its deadline.
 *   A message that sets a key different from the group's without
 *   TANDEM_A_GROUP_KEY_ALT drops the alternate key; one that sets the same
 *   key, or none, keeps it. Past its deadline the alternate key is refused
 *   (TANDEM_STAT_CHAN_DROP_TAG) and no longer reported. So that no datagram
 *   is dropped while the nodes of a group change key one after the other,
 *   each node first accepts the new key while still sending under the old
 *   one (KEY old, KEY_ALT new), and sends under the new key only once every
 *   node accepts it (KEY new, KEY_ALT old, until every node sends under the
 *   new key); tandemd does this (docs/tandemd.md).
 *   A new TANDEM_A_GROUP_REPL_ADDR must be of the family of the group's
 *   members, if it has any.
 *   Role and epoch rules:
 *     - the epoch never decreases (-ESTALE);
 *     - TANDEM_ROLE_FENCED may be set at any time, with or without an epoch;
 *     - TANDEM_ROLE_BACKUP requires TANDEM_A_GROUP_EPOCH (the epoch of the
 *       primary the node now follows) and a key;
 *     - TANDEM_ROLE_PRIMARY requires an epoch greater than the current one
 *       (or equal, if the node is already primary in that epoch; equal
 *       otherwise is -ESTALE), a key, a replication address, and
 *       a lease (TANDEM_A_GROUP_LEASE_MS or TANDEM_A_GROUP_LEASE_EXPIRY_NS);
 *     - a lease alone renews the lease of a primary and is refused (-EINVAL)
 *       on any other role;
 *     - an epoch without a role keeps the role and moves the epoch forward
 *       (a backup following a newer primary);
 *     - a primary whose lease lapses becomes TANDEM_ROLE_FENCED by itself,
 *       and a TANDEM_CMD_GROUP_SET event reports it; its connections are
 *       suspended (TANDEM_A_GROUP_PRIOR_EPOCH), as when it is fenced by a
 *       request; a backup fenced no longer protects its connections;
 *     - a fenced primary that becomes a backup no longer protects its
 *       connections until the new primary confirms it again.
 *   All attributes of one message are validated before any is applied: a
 *   refused message changes nothing.
 *   Errors: -ENOENT (no such group), -EINVAL, -ESTALE, -EADDRINUSE, -ETIME.
 *
 * TANDEM_CMD_GROUP_DEL: delete a group and its members.
 *   Required: the group selector.
 *   A group that still has services is not deleted (-EBUSY): delete its
 *   services first, so that protection is never dropped as a side effect.
 *   Errors: -ENOENT, -EBUSY.
 *
 * TANDEM_CMD_GROUP_GET: get one group (with the selector) or, as a dump
 *   (NLM_F_DUMP, which takes no attribute), all groups of the namespace. Reply, one
 *   message per group:
 *     TANDEM_A_GENERATION: NLA_U32 (dumps only)
 *     TANDEM_A_GROUP_NAME, TANDEM_A_GROUP_ID, TANDEM_A_GROUP_VIP,
 *     TANDEM_A_GROUP_NODE_ID, TANDEM_A_GROUP_REPL_ADDR (if set),
 *     TANDEM_A_GROUP_REPL_PORT, TANDEM_A_GROUP_HAS_KEY (NLA_FLAG, if a key
 *     is set), TANDEM_A_GROUP_KEY_ALT_REMAINING_MS (NLA_U32, while an
 *     alternate key is accepted: how much longer, at least 1),
 *     TANDEM_A_GROUP_MAC,
 *     TANDEM_A_GROUP_ROLE, TANDEM_A_GROUP_EPOCH,
 *     TANDEM_A_GROUP_LEASE_REMAINING_MS (NLA_U32, primary only),
 *     TANDEM_A_GROUP_SUSPENDED_EPOCH (NLA_U64, only while a fenced primary's
 *     connections are suspended: the epoch it was fenced in),
 *     TANDEM_A_GROUP_SYN_TIMEOUT_MS, TANDEM_A_GROUP_MAX_LAG_BYTES,
 *     TANDEM_A_GROUP_MAX_LAG_MS, TANDEM_A_GROUP_MAX_CONNS,
 *     TANDEM_A_GROUP_GARP_COUNT, TANDEM_A_GROUP_GARP_INTERVAL_MS,
 *     TANDEM_A_GROUP_GARP_REFRESH_MS,
 *     TANDEM_A_GROUP_MEMBERS (NLA_U32: number of members),
 *     TANDEM_A_GROUP_SERVICES (NLA_U32: number of services)
 *   Errors: -ENOENT.
 *
 * TANDEM_CMD_MEMBER_NEW: add a peer to a group.
 *   Required: the group selector,
 *     TANDEM_A_MEMBER_NODE_ID: NLA_U32, nonzero, not the group's own
 *                              TANDEM_A_GROUP_NODE_ID, unique in the group
 *     TANDEM_A_MEMBER_ADDR: NLA_BINARY, 4 or 16 bytes: the peer's replication
 *                           address; same family as the group's
 *                           TANDEM_A_GROUP_REPL_ADDR when that is set, and as
 *                           the group's other members
 *   Optional:
 *     TANDEM_A_MEMBER_PORT: NLA_U16, nonzero [TANDEM_DEFAULT_REPL_PORT]
 *     TANDEM_A_MEMBER_PRIORITY: NLA_U8 [100]: higher is preferred
 *     TANDEM_A_MEMBER_WITNESS: NLA_U8, 0 or 1 [0]
 *   Errors: -ENOENT (no group), -EEXIST (node id or address:port already a
 *   member), -EINVAL, -ENOSPC (TANDEM_MEMBERS_MAX members already).
 *
 * TANDEM_CMD_MEMBER_SET: change a member.
 *   Required: the group selector, TANDEM_A_MEMBER_NODE_ID.
 *   Optional: TANDEM_A_MEMBER_ADDR, TANDEM_A_MEMBER_PORT,
 *     TANDEM_A_MEMBER_PRIORITY, TANDEM_A_MEMBER_WITNESS.
 *   Errors: -ENOENT, -EEXIST, -EINVAL.
 *
 * TANDEM_CMD_MEMBER_DEL: remove a member.
 *   Required: the group selector, TANDEM_A_MEMBER_NODE_ID.
 *   Errors: -ENOENT.
 *
 * TANDEM_CMD_MEMBER_GET: get one member (group selector and
 *   TANDEM_A_MEMBER_NODE_ID) or dump the members of one group (selector
 *   given) or of all groups (no attribute); a dump does not take
 *   TANDEM_A_MEMBER_NODE_ID. Reply, one message per member:
 *     TANDEM_A_GENERATION (dumps only), TANDEM_A_GROUP_NAME,
 *     TANDEM_A_GROUP_ID, TANDEM_A_MEMBER_NODE_ID, TANDEM_A_MEMBER_ADDR,
 *     TANDEM_A_MEMBER_PORT, TANDEM_A_MEMBER_PRIORITY, TANDEM_A_MEMBER_WITNESS,
 *     TANDEM_A_MEMBER_LAST_HEARD_MS (NLA_U32: milliseconds since the last
 *     authenticated, fresh replication datagram from the member arrived;
 *     absent if none did since the member was added)
 *   Errors: -ENOENT.
 *
 * TANDEM_CMD_SERVICE_NEW: protect a TCP port of the group's VIP.
 *   Required: the group selector,
 *     TANDEM_A_SERVICE_PORT: NLA_U16, host order, nonzero, unique in the
 *                            group
 *   Optional:
 *     TANDEM_A_SERVICE_MAX_LAG_BYTES: NLA_U32, 0 or TANDEM_MAX_LAG_BYTES_MIN..
 *                         TANDEM_MAX_LAG_BYTES_MAX [0] (1..4095: -EINVAL)
 *     TANDEM_A_SERVICE_MAX_LAG_MS: NLA_U32, 0..TANDEM_MAX_LAG_MAX_MS [0]
 *       Per-service lag bounds; 0 means the group's.
 *   Errors: -ENOENT, -EEXIST, -EINVAL, -ENOSPC (TANDEM_SERVICES_MAX).
 *
 * TANDEM_CMD_SERVICE_SET: change a service.
 *   Required: the group selector, TANDEM_A_SERVICE_PORT.
 *   Optional: TANDEM_A_SERVICE_MAX_LAG_BYTES, TANDEM_A_SERVICE_MAX_LAG_MS.
 *   Errors: -ENOENT, -EINVAL.
 *
 * TANDEM_CMD_SERVICE_DEL: stop protecting a port.
 *   Required: the group selector, TANDEM_A_SERVICE_PORT.
 *   Errors: -ENOENT.
 *
 * TANDEM_CMD_SERVICE_GET: get one service or dump (one group, or all), as
 *   for members (a dump does not take TANDEM_A_SERVICE_PORT). Reply, one
 *   message per service:
 *     TANDEM_A_GENERATION (dumps only), TANDEM_A_GROUP_NAME,
 *     TANDEM_A_GROUP_ID, TANDEM_A_SERVICE_PORT,
 *     TANDEM_A_SERVICE_MAX_LAG_BYTES, TANDEM_A_SERVICE_MAX_LAG_MS
 *   Errors: -ENOENT.
 *
 * TANDEM_CMD_STATS_GET: read the counters (enum tandem_stat) of the
 *   namespace or, with the group selector, of one group. Not a dump.
 *   Reply, one message:
 *     TANDEM_A_GROUP_NAME, TANDEM_A_GROUP_ID (with the selector only)
 *     TANDEM_A_STATS: nested; one NLA_U64 per counter, whose attribute type
 *       is its enum tandem_stat value. Type TANDEM_STAT_UNSPEC (0) is
 *       padding. A reader ignores types it does not know; a counter its
 *       kernel does not know is absent.
 *   The namespace's counters cover everything that happened in it since it
 *   was created (or since the module was loaded), whatever the group, and
 *   what no group claimed (a datagram for an unknown group, say). A group's
 *   counters cover what concerned that group since it was created, and
 *   vanish with it. Counters are never reset and only grow.
 *   Errors: -ENOENT (no such group), -EINVAL.
 *
 * TANDEM_CMD_CONN_GET: dump (NLM_F_DUMP only) the connections of one group
 *   (with the selector) or of all groups, as this node sees them. Reply,
 *   one message per connection:
 *     TANDEM_A_GENERATION, TANDEM_A_GROUP_NAME, TANDEM_A_GROUP_ID,
 *     TANDEM_A_CONN_CLIENT_ADDR: NLA_BINARY, 4 or 16 bytes
 *     TANDEM_A_CONN_CLIENT_PORT: NLA_U16, host order
 *     TANDEM_A_CONN_PORT: NLA_U16: the service port
 *     TANDEM_A_CONN_STATE: NLA_U8, enum tandem_conn_state
 *     TANDEM_A_CONN_FLAGS: NLA_U32, TANDEM_CONN_* bits
 *     TANDEM_A_CONN_AGE_MS: NLA_U32: since the entry was created
 *     TANDEM_A_CONN_QUEUED_BYTES: NLA_U32: client bytes this node keeps
 *       for resending to backups that lack them (docs/datapath.md)
 *     TANDEM_A_CONN_PEER: nested, one per peer this node knows for the
 *       connection: TANDEM_A_CONN_PEER_NODE_ID (NLA_U32),
 *       TANDEM_A_CONN_PEER_STATE (NLA_U8, enum tandem_peer_state),
 *       TANDEM_A_CONN_PEER_LAG_BYTES (NLA_U32: client bytes this node's
 *       stack received that the peer has not confirmed; 0 if unknown)
 *   The generation does not cover connections, which come and go without
 *   configuration changes: a dump is a snapshot that may miss or repeat a
 *   connection that opened or closed meanwhile.
 *   Errors: -ENOENT (no such group), -EOPNOTSUPP (not a dump).
 */
#ifndef _UAPI_LINUX_TANDEM_H
#define _UAPI_LINUX_TANDEM_H

#define TANDEM_GENL_NAME "tandem"
#define TANDEM_GENL_VERSION 1
#define TANDEM_MCGRP_EVENTS "events"

#define TANDEM_GROUP_NAME_MAX 32	/* including the terminating NUL */
#define TANDEM_KEY_LEN 32		/* bytes: a 256-bit group key */
#define TANDEM_DEFAULT_REPL_PORT 7400
#define TANDEM_GROUPS_MAX 1024		/* per network namespace */
#define TANDEM_MEMBERS_MAX 6		/* peers per group, witnesses included */
#define TANDEM_SERVICES_MAX 256		/* per group */
#define TANDEM_CONNS_MAX (1U << 20)	/* per group */
#define TANDEM_LEASE_MAX_MS 3600000U
#define TANDEM_KEY_ALT_MAX_MS 86400000U	/* an alternate key: one day at most */

/*
 * TANDEM_A_GROUP_MAC: the authentication of replication datagrams, named
 * in their header (tandem_wire.h, TANDEM_WIRE_F_MAC). Every member of a
 * group must use the same one.
 */
enum tandem_mac {
	TANDEM_MAC_HMAC_SHA256,		/* HMAC-SHA256, truncated to 16 bytes */
	TANDEM_MAC_XCHACHA20_POLY1305,	/* Poly1305 of XChaCha20-Poly1305 */
	__TANDEM_MAC_MAX
};
#define TANDEM_MAC_MAX (__TANDEM_MAC_MAX - 1)
#define TANDEM_MAC_DEFAULT TANDEM_MAC_XCHACHA20_POLY1305

/*
 * The ranges of the integer attributes, as the kernel's policies enforce
 * them (-ERANGE); user space may check them first with the same numbers.
 */
#define TANDEM_SYN_TIMEOUT_MAX_MS 60000U	/* from 1 */
#define TANDEM_MAX_LAG_BYTES_MIN 4096U
#define TANDEM_MAX_LAG_BYTES_MAX (1U << 30)
#define TANDEM_MAX_LAG_MAX_MS 600000U		/* from 1; a service's from 0 */
#define TANDEM_GARP_COUNT_MAX 100
#define TANDEM_GARP_INTERVAL_MAX_MS 10000U	/* from 1 */
#define TANDEM_GARP_REFRESH_MIN_MS 100U	/* or 0: never */
#define TANDEM_GARP_REFRESH_MAX_MS 3600000U

enum tandem_role {
	TANDEM_ROLE_UNSPEC,
	TANDEM_ROLE_FENCED,	/* emits nothing from the VIP, accepts nothing */
	TANDEM_ROLE_BACKUP,	/* runs shadow connections from the mirror */
	TANDEM_ROLE_PRIMARY,	/* owns the VIP while its lease is valid */
	__TANDEM_ROLE_MAX
};
#define TANDEM_ROLE_MAX (__TANDEM_ROLE_MAX - 1)

/*
 * Counters, as reported by TANDEM_CMD_STATS_GET. New counters are appended
 * at the end. "Datagram" means a replication datagram (tandem_wire.h).
 * Every datagram a replication socket receives is counted in
 * TANDEM_STAT_CHAN_RX and then either accepted or dropped, counted in
 * exactly one TANDEM_STAT_CHAN_DROP_* counter, in the order of the checks:
 */
enum tandem_stat {
	TANDEM_STAT_UNSPEC,		/* padding in TANDEM_A_STATS, not a counter */
	/* datagrams handed to the IP layer */
	TANDEM_STAT_CHAN_TX,
	/* datagrams that could not be sent: no key, no route, no memory */
	TANDEM_STAT_CHAN_TX_ERRORS,
	/* datagrams received by a replication socket */
	TANDEM_STAT_CHAN_RX,
	/* shorter than a header and a tag, or a body malformed for its type */
	TANDEM_STAT_CHAN_DROP_SHORT,
	/* a version this module does not speak */
	TANDEM_STAT_CHAN_DROP_VERSION,
	/* no group of that id replicates on the socket that received it */
	TANDEM_STAT_CHAN_DROP_GROUP,
	/* the sender's node id, address and port are not a member's */
	TANDEM_STAT_CHAN_DROP_SENDER,
	/* authentication failed: wrong key, altered, or no key to check it */
	TANDEM_STAT_CHAN_DROP_TAG,
	/* the epoch is older than the group's, or than the sender's latest */
	TANDEM_STAT_CHAN_DROP_STALE,
	/* already received, or older than the replay window */
	TANDEM_STAT_CHAN_DROP_REPLAY,
	/* the type does not fit the receiver's or the sender's role */
	TANDEM_STAT_CHAN_DROP_ROLE,
	/* authenticated, but of a type the receiver does not handle */
	TANDEM_STAT_CHAN_DROP_TYPE,
	/* heartbeats sent (requests by a primary, answers by a backup) */
	TANDEM_STAT_HEARTBEAT_TX,
	/* heartbeats accepted */
	TANDEM_STAT_HEARTBEAT_RX,
	/* data path (docs/datapath.md) */
	/* client segments sent to the backups (SEGMENT datagrams) */
	TANDEM_STAT_MIRRORED,
	/* mirrored segments fed to this backup's stack */
	TANDEM_STAT_INJECTED,
	/* packets of this backup's stack from the VIP, stolen */
	TANDEM_STAT_SUPPRESSED,
	/* TCP to VIP:service from the network, dropped on a non-primary */
	TANDEM_STAT_NET_DROPPED,
	/* packets from VIP:service of a fenced node (or a lapsed lease), and
	 * RSTs from the VIP of any node but the live primary, stolen
	 */
	TANDEM_STAT_FENCED_DROPPED,
	/* ARP for or from the VIP on a non-primary, dropped */
	TANDEM_STAT_ARP_DROPPED,
	/* connections served without protection: over the group's limit */
	TANDEM_STAT_UNPROTECTED,
	/* SYN-ACKs held by the primary until the backups confirm */
	TANDEM_STAT_SYNACK_HELD,
	/* backups dropped from a connection: no CONFIRM in the SYN timeout */
	TANDEM_STAT_SYN_TIMEOUT,
	/* backups dropped from a connection: TCP options differ */
	TANDEM_STAT_OPTS_MISMATCH,
	/* segments whose ACK the primary clamped to its backups' progress */
	TANDEM_STAT_CLAMPED,
	/* ACKs the primary sent because its backups advanced */
	TANDEM_STAT_WINDOW_UPDATES,
	/* backups dropped from a connection: beyond the lag bound */
	TANDEM_STAT_LAG_DROPPED,
	/* mirrored ACKs clamped to this backup's snd_nxt */
	TANDEM_STAT_ACK_CLAMPED,
	/* mirrored segments of connections this backup never opened */
	TANDEM_STAT_INJECT_NO_CONN,
	/* mirrored segments before the connection's ISNs were known */
	TANDEM_STAT_INJECT_NOT_READY,
	/* mirrored segments that are not IPv4/TCP to a service */
	TANDEM_STAT_INJECT_MALFORMED,
	/* mirrored segments with the VIP on no local device */
	TANDEM_STAT_INJECT_NO_DEV,
	/* CONFIRMs sent by a backup */
	TANDEM_STAT_CONFIRM_SENT,
	/* PROGRESS reports sent by a backup */
	TANDEM_STAT_PROGRESS_SENT,
	/* connections resumed at a promotion */
	TANDEM_STAT_TAKEOVER_RESUMED,
	/* connections reset at a promotion (unprotected or diverged) */
	TANDEM_STAT_TAKEOVER_RESET,
	/* gratuitous ARPs sent on promotion */
	TANDEM_STAT_GARP_SENT,
	/* clamped mirrored ACKs injected again once this backup caught up */
	TANDEM_STAT_ACK_REAPPLIED,
	/* primary: SEGMENTs sent again to a backup whose progress stalled */
	TANDEM_STAT_RESENT,
	/* primary: SEGMENTs not kept for resending (no memory, or the group's
	 * resend queues hold 64 MiB already)
	 */
	TANDEM_STAT_RESEND_NOMEM,
	/* backup: connections the primary dropped from this node's protection */
	TANDEM_STAT_PROTECTION_LOST,
	/* primary: digests of output blocks sent */
	TANDEM_STAT_DIGEST_SENT,
	/* backup: output blocks whose digest matched the primary's */
	TANDEM_STAT_DIGEST_MATCHED,
	/* backup: digests discarded before their match came (too far apart) */
	TANDEM_STAT_DIGEST_UNCHECKED,
	/* backup: connections marked diverged (an output block differed) */
	TANDEM_STAT_DIVERGED,
	/* shadow sockets closed silently as their service or group went away
	 * on a node that is not the primary
	 */
	TANDEM_STAT_SILENCED,
	/* pure ACKs whose seq was raised to what the client had already
	 * received (a new primary whose output trails the old primary's)
	 */
	TANDEM_STAT_ACK_SEQ_RAISED,
	/* primary: an old primary, following after a takeover, confirmed as
	 * protecting a connection again; backup: connections it protects
	 * again after rejoining
	 */
	TANDEM_STAT_REJOINED,
	/* primary: client segments with a bad TCP checksum, neither mirrored
	 * nor learned from (TCP drops them too)
	 */
	TANDEM_STAT_IN_CSUM_BAD,
	/* primary: client segments TCP is going to discard (beyond the
	 * window, ACK of unsent data, RST not at the next byte, SYN on a live
	 * connection), neither mirrored nor learned from
	 */
	TANDEM_STAT_IN_REJECTED,
	/* a SYN reused the 4-tuple of a connection that was over here: its
	 * entry was started afresh
	 */
	TANDEM_STAT_REINCARNATED,
	/* primary: connections reset as their service was deleted (translated
	 * ones: they cannot go on without tandem)
	 */
	TANDEM_STAT_SERVICE_RESET,
	/* digests of the partial block at the end of an output segment: sent
	 * (primary), compared and matched (backup, or after its promotion)
	 */
	TANDEM_STAT_DIGEST_TAIL_SENT,
	TANDEM_STAT_DIGEST_TAIL_MATCHED,
	/* a new primary's output reached a point the old primary's digest
	 * covered and differed: the connection was reset before sending it
	 */
	TANDEM_STAT_DIVERGED_RESET,
	/* promotions of a fenced primary that resumed its suspended
	 * connections (TANDEM_A_GROUP_PRIOR_EPOCH)
	 */
	TANDEM_STAT_FENCE_RESUMED,
	/* datagrams whose tag verified under the group key, and under its
	 * alternate key (key rotation); counted before the epoch and replay
	 * checks, so a datagram also counted in CHAN_DROP_STALE or
	 * CHAN_DROP_REPLAY is counted here too
	 */
	TANDEM_STAT_CHAN_AUTH_KEY,
	TANDEM_STAT_CHAN_AUTH_KEY_ALT,
	/* datagrams from a member whose header names another MAC than the
	 * group's (TANDEM_A_GROUP_MAC): dropped before their tag is checked
	 */
	TANDEM_STAT_CHAN_DROP_MAC,
	/* of RESENT, those a backup's duplicate reports called for at once
	 * (the others waited for its report time-out)
	 */
	TANDEM_STAT_RESENT_FAST,
	/* primary: backups a connection's ACKs stopped waiting for, lagging
	 * behind the best backup past the lag bound (they catch up from the
	 * resend queue and protect it again: REJOINED); backup: connections
	 * this node was told so about (CLOSE_BEHIND)
	 */
	TANDEM_STAT_LAG_BEHIND,
	/* the work of the data path, counted (docs/benchmarks.md, "Part 3"):
	 * datagrams built and tagged (one MAC each, whatever the number of
	 * destinations); copies of a datagram for a further destination;
	 * PROGRESS reports received and handled; client packets mirrored (a
	 * GRO packet is split into several SEGMENTs); copies kept in a resend
	 * queue
	 */
	TANDEM_STAT_CHAN_TAGGED,
	TANDEM_STAT_CHAN_TX_COPIES,
	TANDEM_STAT_PROGRESS_RX,
	TANDEM_STAT_MIRRORED_PKTS,
	TANDEM_STAT_RESEND_KEPT,
	/* backup: reports (of its stack's ACKs, after its injections) left
	 * to the last SEGMENT of a client packet (TANDEM_WIRE_SEG_F_MORE,
	 * include/uapi/linux/tandem_wire.h)
	 */
	TANDEM_STAT_PROGRESS_DEFERRED,
	/* backup: reports sent once an injection returned, outside the
	 * socket's lock: of its stack's ACKs owed to then, or of the progress
	 * read from the socket after it
	 */
	TANDEM_STAT_PROGRESS_AFTER_INJECT,
	/* peers dropped at this node's promotion: their last report said
	 * they protect nothing (the old primary had dropped them or left
	 * them behind)
	 */
	TANDEM_STAT_TAKEOVER_DROPPED,
	__TANDEM_STAT_MAX
};
#define TANDEM_STAT_MAX (__TANDEM_STAT_MAX - 1)

/* TANDEM_A_CONN_STATE */
enum tandem_conn_state {
	TANDEM_CONN_STATE_UNSPEC,
	TANDEM_CONN_STATE_SYN,		/* opening */
	TANDEM_CONN_STATE_ESTABLISHED,
	TANDEM_CONN_STATE_CLOSING,	/* a FIN was seen */
	TANDEM_CONN_STATE_CLOSED,	/* reset, or waiting for removal */
};

/* TANDEM_A_CONN_FLAGS */
#define TANDEM_CONN_DIVERGED	(1U << 0)	/* output differs from the primary's */
#define TANDEM_CONN_UNPROTECTED	(1U << 1)	/* this node cannot take it over */
#define TANDEM_CONN_HELD	(1U << 2)	/* primary: SYN-ACK held */
#define TANDEM_CONN_SUSPENDED	(1U << 3)	/* fenced primary: resumed or reset at its next promotion */

/* TANDEM_A_CONN_PEER_STATE */
enum tandem_peer_state {
	TANDEM_PEER_STATE_UNSPEC,
	TANDEM_PEER_STATE_PROTECTING,	/* confirmed, within the lag bound */
	TANDEM_PEER_STATE_UNCONFIRMED,	/* no CONFIRM yet */
	TANDEM_PEER_STATE_DROPPED,	/* missed the opening, or lagged */
	TANDEM_PEER_STATE_REJOINING,	/* the old primary, being refilled after
					 * a takeover (docs/datapath.md)
					 */
	TANDEM_PEER_STATE_BEHIND,	/* lagged behind the best backup: the
					 * ACKs do not wait for it, it protects
					 * again once refilled
					 */
	TANDEM_PEER_STATE_LEAVING,	/* left behind or dropped, not yet
					 * known to know it: the ACKs still
					 * wait for it
					 */
};

enum tandem_cmd {
	TANDEM_CMD_UNSPEC,
	TANDEM_CMD_GROUP_NEW,
	TANDEM_CMD_GROUP_SET,
	TANDEM_CMD_GROUP_DEL,
	TANDEM_CMD_GROUP_GET,
	TANDEM_CMD_MEMBER_NEW,
	TANDEM_CMD_MEMBER_SET,
	TANDEM_CMD_MEMBER_DEL,
	TANDEM_CMD_MEMBER_GET,
	TANDEM_CMD_SERVICE_NEW,
	TANDEM_CMD_SERVICE_SET,
	TANDEM_CMD_SERVICE_DEL,
	TANDEM_CMD_SERVICE_GET,
	TANDEM_CMD_STATS_GET,
	TANDEM_CMD_CONN_GET,
	__TANDEM_CMD_MAX
};
#define TANDEM_CMD_MAX (__TANDEM_CMD_MAX - 1)

enum tandem_attr {
	TANDEM_A_UNSPEC,
	TANDEM_A_GENERATION,
	TANDEM_A_GROUP_NAME,
	TANDEM_A_GROUP_ID,
	TANDEM_A_GROUP_VIP,
	TANDEM_A_GROUP_NODE_ID,
	TANDEM_A_GROUP_REPL_ADDR,
	TANDEM_A_GROUP_REPL_PORT,
	TANDEM_A_GROUP_KEY,
	TANDEM_A_GROUP_HAS_KEY,
	TANDEM_A_GROUP_ROLE,
	TANDEM_A_GROUP_EPOCH,
	TANDEM_A_GROUP_LEASE_MS,
	TANDEM_A_GROUP_LEASE_REMAINING_MS,
	TANDEM_A_GROUP_SYN_TIMEOUT_MS,
	TANDEM_A_GROUP_MAX_LAG_BYTES,
	TANDEM_A_GROUP_MAX_LAG_MS,
	TANDEM_A_GROUP_MAX_CONNS,
	TANDEM_A_GROUP_GARP_COUNT,
	TANDEM_A_GROUP_GARP_INTERVAL_MS,
	TANDEM_A_GROUP_MEMBERS,
	TANDEM_A_GROUP_SERVICES,
	TANDEM_A_MEMBER_NODE_ID,
	TANDEM_A_MEMBER_ADDR,
	TANDEM_A_MEMBER_PORT,
	TANDEM_A_MEMBER_PRIORITY,
	TANDEM_A_MEMBER_WITNESS,
	TANDEM_A_SERVICE_PORT,
	TANDEM_A_SERVICE_MAX_LAG_BYTES,
	TANDEM_A_SERVICE_MAX_LAG_MS,
	TANDEM_A_PAD,
	TANDEM_A_STATS,
	TANDEM_A_MEMBER_LAST_HEARD_MS,
	TANDEM_A_CONN_CLIENT_ADDR,
	TANDEM_A_CONN_CLIENT_PORT,
	TANDEM_A_CONN_PORT,
	TANDEM_A_CONN_STATE,
	TANDEM_A_CONN_FLAGS,
	TANDEM_A_CONN_AGE_MS,
	TANDEM_A_CONN_PEER,
	TANDEM_A_CONN_PEER_NODE_ID,
	TANDEM_A_CONN_PEER_STATE,
	TANDEM_A_CONN_PEER_LAG_BYTES,
	TANDEM_A_GROUP_GARP_REFRESH_MS,
	TANDEM_A_GROUP_LEASE_EXPIRY_NS,
	TANDEM_A_CONN_QUEUED_BYTES,
	TANDEM_A_GROUP_PRIOR_EPOCH,
	TANDEM_A_GROUP_SUSPENDED_EPOCH,
	TANDEM_A_GROUP_KEY_ALT,
	TANDEM_A_GROUP_KEY_ALT_MS,
	TANDEM_A_GROUP_KEY_ALT_REMAINING_MS,
	TANDEM_A_GROUP_MAC,
	__TANDEM_A_MAX
};
#define TANDEM_A_MAX (__TANDEM_A_MAX - 1)

#endif /* _UAPI_LINUX_TANDEM_H */
