#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A promoted backup refills the backups that trail it (issue 3: no
# acknowledged byte lost, lag bound). Three replicas, a stream through the
# VIP. node1's datagrams to node3 are dropped at node3 (tc ingress) until
# node3 trails node2 by at least 32 KiB, then node1 crashes and the drop is
# lifted. The client holds those bytes too (node1's ACKs were clamped to
# node3), but its next retransmission may be an RTO away. node2 kept a copy
# of what it received as a backup (trimmed by node3's PROGRESS): promoted,
# it resends node3 what node3 lacks (resent > 0), so node3 catches up and
# keeps protecting the connection (nobody dropped for lag), and the stream
# completes byte-exact with no RST and no EOF.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5007
BYTES=$((24 << 20))
RATE=${FAILOVER_RATE:-2M}
LAG=${REFILL_LAG:-$((32 << 10))}	# 32 KiB: within a backup's first receive window (64 KiB)
require_root
require_command ip tc ss jq
require_built "$TSTREAM" "$TOFFLOAD"

tap_init 7

desc_lag="node3 trails node2 by at least $LAG bytes (node1's datagrams to node3 dropped)"
desc_crash="node1 crashed, node2 promoted, node3 follows"
desc_resent="node2 resent node3 what it lacked (resent > 0)"
desc_caught="node3 caught up (less than $LAG bytes behind) and still protects the connection"
desc_nodrop="nobody was dropped for lag"
desc_stream="24 MiB byte-exact, no RST, no EOF"

counter_ge() { [ "$(topo_counter "$1" "$2")" -ge "$3" ]; }

if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT; then
	tap_fail "3 replicas, node1 primary, tstream servers"
	for d in "$desc_lag" "$desc_crash" "$desc_resent" "$desc_caught" \
		 "$desc_nodrop" "$desc_stream"; do
		tap_skip "$d" "no topology"
	done
	tap_done
fi
tap_ok "3 replicas, node1 primary, tstream servers"

# peer_lag NODE PEER: how many bytes PEER lags on NODE's only connection
peer_lag() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -e ".[0].peers[] | select(.node == $2) | .lag_bytes"
}
lag_ge() { local l; l=$(peer_lag "$1" "$2") && [ "$l" -ge "$3" ]; }
# caught_up: node2 sees node3 protecting, less than LAG behind (the
# stream goes on: on a loaded host a segment or two are always in flight)
caught_up() {
	tandem_node 2 -j conn show group g 2>/dev/null | jq -e --argjson lag $LAG '.[0].peers[] |
		select(.node == 3) | .state == "protecting" and .lag_bytes < $lag' >/dev/null
}

block_node1() {
	tc -n "$(node_ns 3)" qdisc add dev eth1 handle ffff: ingress &&
		tc -n "$(node_ns 3)" filter add dev eth1 parent ffff: protocol ip \
			prio 1 u32 match ip src "$(node_rep_addr 1)/32" action drop
}
unblock_node1() { tc -n "$(node_ns 3)" qdisc del dev eth1 ingress 2>/dev/null; }

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --seed $SRANDOM -t 40 --rate $RATE \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!

crashed=
if stream_wait_bytes "$progress" ${REFILL_WARM:-$((512 << 10))} 120 $client && block_node1 &&
   wait_until 60 lag_ge 1 3 $LAG; then
	echo "# node1 sees node3 $(peer_lag 1 3) and node2 $(peer_lag 1 2) bytes behind"
	tandem_node 2 conn show group g | sed 's/^/# node2 before: /'
	tap_ok "$desc_lag"
	if node_crash 1; then
		crashed=1
		unblock_node1
	fi
else
	echo "# progress $(stream_progress "$progress"); node3 lag $(peer_lag 1 3)"
	tap_fail "$desc_lag"
	unblock_node1
fi

if [ -n "$crashed" ] && topo_failover 2 2; then
	tap_ok "$desc_crash"
	tandem_node 2 -j conn show group g | sed 's/^/# node2 promoted: /'
	if wait_until 30 counter_ge 2 resent 1; then
		tap_ok "$desc_resent"
	else
		tandem_node 2 conn show group g | sed 's/^/# node2: /'
		echo "# node2: $(topo_counters 2)"
		tap_fail "$desc_resent"
	fi
	if wait_until 30 caught_up; then
		tap_ok "$desc_caught"
	else
		tandem_node 2 conn show group g | sed 's/^/# node2: /'
		tap_fail "$desc_caught"
	fi
else
	tap_fail "$desc_crash"
	tap_skip "$desc_resent" "no takeover"
	tap_skip "$desc_caught" "no takeover"
	kill $client 2>/dev/null
fi

wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
echo "# node2: $(topo_counters 2)"
echo "# node3: $(topo_counters 3)"
dropped=$(( $(topo_counter 2 lag_dropped) + $(topo_counter 3 protection_lost) ))
if [ -n "$crashed" ] && [ "$dropped" = 0 ]; then
	tap_ok "$desc_nodrop"
else
	tap_fail "$desc_nodrop"
fi
if stream_exact "$json" $BYTES; then
	tap_ok "$desc_stream"
else
	topo_dump
	tap_fail "$desc_stream"
fi
tap_done
