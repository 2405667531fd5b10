#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An unmodified third-party server survives a crash of the primary (issue 3,
# test 11). Debian's redis-server runs on three replicas (no persistence);
# a client keeps ONE connection to the VIP (bash's /dev/tcp: a reset or an
# EOF ends it, nothing reconnects behind the test's back) and runs rounds
# of INCR, APPEND, SET and GET, checking every reply against what it
# expects: the INCR sequence has no gap and no repeat, APPEND returns the
# exact length, GET returns the value SET earlier (keys from before the
# crash included), and now and then the whole APPENDed string. The primary
# crashes a third of the way through, node2 is promoted: every reply stays
# consistent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/redis_lib.sh"

PORT=6379
ROUNDS=${REDIS_ROUNDS:-150}
PLAN=5

require_root
require_command ip jq ss redis-server
require_built "$TSTREAM"
require_module

tap_init $PLAN

setup() {
	local node
	topo_up 3 || return 1
	topo_offload on
	for node in 1 2 3; do
		vip_add $node || return 1
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	topo_group g $PORT -- max-lag-bytes 1073741824 max-lag-ms 600000 ||
		return 1
	topo_roles 1 1 || return 1
	for node in 1 2 3; do
		redis_start $node || { echo "# redis-server on node$node:"; \
			sed 's/^/#   /' "$TOPO_DIR/redis.node$node/log"; return 1; }
	done
}

if ! setup; then
	tap_fail "topology, group, redis-server on every replica"
	topo_dump
	tap_skip_rest "no topology"
fi
tap_ok "topology, group, redis-server on every replica (${SECONDS}s)"

redis_write_client
progress=$TOPO_DIR/progress
out=$TOPO_DIR/client.out
client_exec bash "$TOPO_DIR/client.sh" $TOPO_VIP $PORT $ROUNDS "$progress" \
	> "$out" 2>&1 &
client=$!
if wait_until 120 redis_round_ge "$progress" $((ROUNDS / 3)); then
	tap_ok "$((ROUNDS / 3)) rounds through the VIP, every reply consistent"
else
	sed 's/^/# client: /' "$out"
	topo_dump
	tap_fail "$((ROUNDS / 3)) rounds through the VIP, every reply consistent"
fi

node_crash 1
echo "# crashed node1 at round $(cat "$progress" 2>/dev/null) (${SECONDS}s)"
if tandem_node 2 group set g role primary epoch 2 lease 3600000 &&
   tandem_node 3 group set g role backup epoch 2; then
	tap_ok "node2 promoted, node3 follows epoch 2"
else
	tap_fail "node2 promoted, node3 follows epoch 2"
fi
wait $client
rc=$?
sed 's/^/# client: /' "$out"
echo "# client done (${SECONDS}s)"
if [ $rc -eq 0 ] && redis_round_ge "$progress" $ROUNDS; then
	tap_ok "$ROUNDS rounds on one connection across the crash, every reply consistent"
else
	topo_dump
	tap_fail "$ROUNDS rounds on one connection across the crash, every reply consistent"
fi
echo "# node2: $(topo_counters 2)"
echo "# node3: $(topo_counters 3)"
if [ "$(topo_counter 2 takeover_resumed)" -ge 1 ] && [ "$(topo_counter 2 diverged)" -eq 0 ] &&
   [ "$(topo_counter 3 diverged)" -eq 0 ]; then
	tap_ok "node2 resumed the connection; no backup saw redis diverge"
else
	tap_fail "node2 resumed the connection; no backup saw redis diverge"
fi
tap_done
