#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A backup is left behind in two phases (issue 10): the primary's ACKs stop
# waiting for a lagging backup only once that backup's reports say it knows
# (PROGRESS flag UNPROT, sent on the CLOSE), never on the primary's word
# alone. Otherwise a backup that missed the CLOSE still believes it
# protects the connection: promoted, it would resume a connection whose
# acknowledged bytes it lacks (the client never sends them again: a dead
# connection, not a reset).
#  1. three replicas, node1 primary; a stream, node3 protecting it;
#  2. node1's SEGMENTs and CLOSEs to node3 dropped at node3's ingress (its
#     heartbeats pass: node3 is heard, not gone): node3 falls past the
#     service's 1 MiB lag bound behind node2, node1 leaves it behind, but
#     node3 never hears it: node1 shows it "leaving" (its ACKs still wait
#     for node3) and node3 never counts lag_behind;
#  3. node1 crashes; the filter is lifted; node3 is promoted (node2
#     follows): it resumes the connection, and the client, whose ACKs
#     never passed what node3 holds, sends it the rest;
#  4. the stream completes byte-exact, no RST, no EOF.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5017
BYTES=$((24 * 1024 * 1024))
CPORT=40017
WIRE_SEGMENT=1		# enum tandem_wire_type
WIRE_CLOSE=5

require_root
require_command ip jq tc
require_built "$TSTREAM"
require_module

tap_init 5

# peer_is NODE PEER STATE: NODE's entry of the connection has PEER in STATE
peer_is() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -e --argjson c $CPORT --argjson p "$2" --arg s "$3" \
		'.[] | select(.client_port == $c) | .peers[] |
		 select(.node == $p and .state == $s)' >/dev/null 2>&1
}

setup() {
	local node
	topo_up 3 && topo_lag_group $PORT || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT || return 1
	done
}

# Drops node1's datagrams of TYPE at node3's replication ingress: the type
# is byte 1 of the UDP payload (a SEGMENT fits the MTU: no fragments).
block_type() {
	tc -n "$(node_ns 3)" filter add dev eth1 parent ffff: protocol ip \
		prio "$1" u32 match ip src "$(node_rep_addr 1)/32" \
		match ip protocol 17 0xff match u16 0 0x1fff at 6 \
		match u8 "$1" 0xff at 29 action drop
}
block() {
	tc -n "$(node_ns 3)" qdisc add dev eth1 handle ffff: ingress &&
		block_type $WIRE_CLOSE && block_type $WIRE_SEGMENT
}
unblock() { tc -n "$(node_ns 3)" qdisc del dev eth1 ingress 2>/dev/null; }

if ! setup; then
	tap_fail "topology, group and servers"
	topo_dump
	tap_skip_rest "no topology"
fi
tap_ok "topology, group and servers"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT --bind $TOPO_CLIENT_ADDR:$CPORT -b $BYTES \
	--rate 1M --seed $SRANDOM -t 60 --progress-file "$progress" \
	> "$out" 2> "$out.err" &
client=$!

desc="node3 protects the stream; node1's SEGMENTs and CLOSEs to it dropped"
if stream_wait_bytes "$progress" $((256 * 1024)) 60 $client &&
   wait_until 30 peer_is 1 3 protecting && block; then
	tap_ok "$desc"
else
	topo_dump
	tap_fail "$desc"
fi

# node1 left it behind (lag_behind), and waits for it all the same: node3
# never acknowledges what it never heard.
t0=$SECONDS
desc="node1 left node3 behind, node3 never told: node1's ACKs still wait for it (leaving)"
if wait_until 60 topo_counter_ge 1 lag_behind 1 && sleep 1 &&
   peer_is 1 3 leaving && [ "$(topo_counter 3 lag_behind)" = 0 ]; then
	echo "# left behind $((SECONDS - t0)) s after the block, at $(stream_progress "$progress") bytes"
	tap_ok "$desc"
else
	echo "# node1: $(tandem_node 1 -j conn show group g 2>&1)"
	echo "# node1: $(topo_counters 1); node3: $(topo_counters 3)"
	tap_fail "$desc"
fi

got=$(stream_progress "$progress")
node_crash 1
echo "# node1 crashed after $got verified bytes"
unblock
if topo_failover 3 2 && wait_until 10 topo_counter_ge 3 takeover_resumed 1 &&
   [ "$(topo_counter 3 takeover_reset)" = 0 ]; then
	tap_ok "node3 promoted: it resumed the connection"
else
	echo "# node3: $(topo_counters 3)"
	tap_fail "node3 promoted: it resumed the connection"
fi

wait $client
json=$(cat "$out")
echo "# $json"
if stream_exact "$json" $BYTES; then
	tap_ok "$((BYTES >> 20)) MiB byte-exact, no RST, no EOF, through node3's takeover"
else
	sed 's/^/# /' "$out.err"
	echo "# node3: $(topo_counters 3)"
	tandem_node 3 conn show group g 2>&1 | sed 's/^/# node3: /'
	node_exec 3 ss -tnio 2>&1 | sed 's/^/# node3: /'
	tap_fail "$((BYTES >> 20)) MiB byte-exact, no RST, no EOF, through node3's takeover"
fi
tap_done
