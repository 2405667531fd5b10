#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Dropping a backup is the last resort (issue 10): a slowdown that delays
# every backup alike (a loaded host) strips no connection of its
# protection. Three replicas, the service's lag bound small (max-lag-bytes
# 1 MiB, max-lag-ms 2500); once a stream runs, everything the replication
# net delivers to node1 (node2's and node3's reports, their answers to
# heartbeats) is delayed by 4 s, by one netem qdisc on the switch's port
# to node1, so that both start trailing at the same instant: both trail the
# primary by more than the bound, neither trails the other (and both are
# still heard: silence, 4 times the bound, would mean a dead backup).
# Then:
#  - node1 drops neither (lag_dropped 0, both peers "protecting"): the
#    client is held back, not left unprotected (the hard bound, 8 times the
#    lag bound, is not reached);
#  - node1 crashes, node2 is promoted: it resumes the connection and the
#    stream completes byte-exact with no reset and no EOF.
# (lag_test.sh: one backup slower than the other is dropped at the bound.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5007
DELAY=4000ms
BYTES=$((1 << 30))	# an upper bound: the test ends the stream after the crash
require_root
require_command ip jq tc
require_built "$TSTREAM"

tap_init 5

# peer_state NODE PEER: PEER's state in NODE's entry of the connection
peer_state() {
	tandem_node "$1" -j conn show group "$TOPO_GROUP" 2>/dev/null |
		jq -r ".[0].peers[] | select(.node == $2) | .state" 2>/dev/null
}

_protecting() { [ "$(peer_state 1 "$1")" = protecting ]; }

# peer_lag NODE: how far behind node1's queue NODE is, in bytes
peer_lag() {
	tandem_node 1 -j conn show group "$TOPO_GROUP" 2>/dev/null |
		jq -r ".[0].peers[] | select(.node == $1) | .lag_bytes // 0" 2>/dev/null
}

# to_node1 ARGS...: tc qdisc ARGS on the switch's port of node1's
# replication link (what reaches node1 from the replication net)
to_node1() {
	local verb=$1
	shift
	tc -n "$(node_ns sw)" qdisc "$verb" dev r1 "$@"
}

setup() {
	local node
	topo_up 3 && topo_lag_group $PORT || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT || return 1
	done
}

if ! setup; then
	tap_fail "3 replicas, lag bound 2.5 s / 1 MiB, tstream servers"
	topo_dump
	tap_skip_rest "no topology"
fi
tap_ok "3 replicas, lag bound 2.5 s / 1 MiB, tstream servers"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --seed $SRANDOM -t 90 --rate 1M --end-file "$TOPO_DIR/end" \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
if stream_wait_bytes "$progress" $((256 << 10)) 60 $client &&
   wait_until 30 _protecting 2 && wait_until 30 _protecting 3 &&
   to_node1 replace root netem delay $DELAY limit 100000; then
	tap_ok "a stream runs; what node2 and node3 send node1 delayed by $DELAY"
else
	tap_fail "a stream runs; what node2 and node3 send node1 delayed by $DELAY"
fi

# Both trail by more than the bound in time for a while: 1 MiB more (the
# delayed ACKs hold the client to a few hundred KB/s: seconds past it).
from=$(stream_progress "$progress")
stream_wait_bytes "$progress" $((from + (1 << 20))) 120 $client
lag2=$(peer_lag 2) lag3=$(peer_lag 3)
dropped=$(topo_counter 1 lag_dropped)
state2=$(peer_state 1 2) state3=$(peer_state 1 3)
echo "# node1: lag_dropped $dropped; peer 2 $state2 (lag $lag2 bytes)," \
     "peer 3 $state3 (lag $lag3 bytes)"
if [ "$dropped" = 0 ] && [ "$state2" = protecting ] && [ "$state3" = protecting ]; then
	tap_ok "delayed alike past the bound, neither backup is dropped"
else
	tap_fail "delayed alike past the bound, neither backup is dropped"
fi

# The rest at full pace: the link on time again, then the crash.
to_node1 del root
got=$(stream_progress "$progress")
if [ "$got" -lt $BYTES ] && node_crash 1 && topo_failover 2 2; then
	echo "# node1 crashed after $got verified bytes; node2: $(topo_counters 2)"
	if [ "$(topo_counter 2 takeover_resumed)" = 1 ] &&
	   [ "$(topo_counter 2 takeover_reset)" = 0 ]; then
		tap_ok "node1 crashed, node2 promoted: it resumed the connection"
	else
		tap_fail "node1 crashed, node2 promoted: it resumed the connection"
	fi
else
	echo "# no crash or no promotion (the stream at $got of $BYTES bytes)"
	tap_fail "node1 crashed, node2 promoted: it resumed the connection"
	kill $client 2>/dev/null
fi
mark=$(stream_progress "$progress")
stream_wait_bytes "$progress" $((mark + (1 << 20))) 120 $client
touch "$TOPO_DIR/end"
wait $client
json=$(cat "$out")
if jq -e ".ok == 1 and .bytes_verified > $mark and .reset == 0 and .eof == 0 and
	.mismatch == 0" <<< "$json" > /dev/null; then
	echo "# $json"
	tap_ok "the stream went on past the crash byte-exact, no RST, no EOF"
else
	topo_dump
	sed 's/^/# /' "$out.err"
	echo "# $json"
	tap_fail "the stream went on past the crash byte-exact, no RST, no EOF"
fi
tap_done
