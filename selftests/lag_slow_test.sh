#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lag bound (issue 3, test 6). Three replicas; node3's server reads
# slowly (tstream --slow-read), node1's and node2's at once. The service's
# lag bound is small (max-lag-bytes 1 MiB, max-lag-ms 2500; the group's
# at its maxima, so the service's applies). A client streams through the
# VIP:
#  - node3's window stays closed past the bound: it is left behind instead
#    of stalling the client (lag_behind), and, still reading slowly, it
#    falls past the hard bound and is dropped for good: node1 counts
#    lag_dropped, node3 protection_lost, node1's conn show gives peer 3
#    "dropped" and peer 2 still "protecting";
#  - nothing is lost: node1 crashes, node2 is promoted, the stream
#    completes byte-exact with no reset; node2 does not wait for node3,
#    whose reports said it protects nothing: dropped at the takeover
#    (takeover_dropped; a backup hears no CLOSE meant for another);
#  - round 2 (LAG_RESET_ROUND=0 skips it): the same, but node3 is promoted:
#    it resets the connection it no longer protects, and the client sees a
#    reset, never a wrong byte.
# Run it alone: selftests/vm/run.sh lag_slow_test.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
SLOW=8K
BYTES=$((32 * 1024 * 1024))	# paced at 1M/s: still running well after the drop
RESET_ROUND=${LAG_RESET_ROUND:-1}
PLAN=$((RESET_ROUND ? 9 : 5))

require_root
require_command ip jq ss
require_built "$TSTREAM"
require_module

tap_init $PLAN

# peer_state NODE PEER: the state of peer PEER of NODE's (only) connection
peer_state() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -r --argjson p "$2" '[.[] | .peers[]? | select(.node == $p) |
		  .state] | first // "none"' 2>/dev/null
}

setup() {
	local node
	topo_up 3 || return 1
	topo_offload on
	for node in 1 2 3; do
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	topo_lag_group $PORT || return 1
	tstream_server 1 $PORT && tstream_server 2 $PORT &&
		tstream_server 3 $PORT --slow-read $SLOW
}

# round N PROMOTE: a fresh topology, a stream, node3 dropped, node1
# crashed, PROMOTE promoted; the client's JSON in $json
round() {
	local r=$1 new=$2 other progress out client lost
	other=$((new == 2 ? 3 : 2))
	json=
	if ! setup; then
		tap_fail "round $r: topology, group and servers"
		tap_skip "round $r: node3 dropped past the lag bound" "no topology"
		return 1
	fi
	tap_ok "round $r: topology, group and servers (node3 reads $SLOW/s)"
	progress=$TOPO_DIR/progress out=$TOPO_DIR/client
	tstream_client $TOPO_VIP:$PORT -b $BYTES --rate 1M --seed $SRANDOM -t 30 \
		--progress-file "$progress" > "$out" 2> "$out.err" &
	client=$!

	lost=0
	local t0=$SECONDS
	if wait_until 60 topo_counter_ge 1 lag_dropped 1 &&
	   echo "# node3 dropped $((SECONDS - t0)) s into the stream, after $(stream_progress "$progress") verified bytes" &&
	   wait_until 30 topo_counter_ge 3 protection_lost 1 &&
	   [ "$(peer_state 1 3)" = dropped ] && [ "$(peer_state 1 2)" = protecting ]; then
		tap_ok "round $r: node3 dropped past the lag bound (lag_dropped, protection_lost, conn show)"
	else
		echo "# after $(stream_progress "$progress") verified bytes:" \
		     "node1 lag_dropped $(topo_counter 1 lag_dropped), node3 protection_lost" \
		     "$(topo_counter 3 protection_lost), peer 3 $(peer_state 1 3), peer 2 $(peer_state 1 2)"
		topo_dump
		tap_fail "round $r: node3 dropped past the lag bound (lag_dropped, protection_lost, conn show)"
		lost=1
	fi
	# Crash once the stream is well under way past the drop.
	local at=$(( $(stream_progress "$progress") + 1024 * 1024 ))
	stream_wait_bytes "$progress" $at 60 ||
		echo "# the stream did not reach $at bytes: $(stream_progress "$progress")"
	echo "# node1 before the crash: $(topo_counters 1)"
	tandem_node 1 conn show | sed 's/^/# node1: /'
	node_crash 1
	echo "# crashed node1 after $(stream_progress "$progress") verified bytes"
	tandem_node $new group set g role primary epoch 2 lease 3600000 &&
		tandem_node $other group set g role backup epoch 2 ||
		echo "# promoting node$new failed"
	if [ $lost = 1 ]; then
		# Throttled to node3's reading: do not wait for it (the
		# client namespace holds nothing else).
		kill $(ip netns pids "$(node_ns client)") 2>/dev/null
	fi
	wait $client
	json=$(cat "$out")
	echo "# round $r: $json"
	sed 's/^/# /' "$out.err"
	echo "# node$new after the takeover: $(topo_counters $new)"
}

round 1 2
if jq -en "input | (.ok == 1 and .bytes_verified == $BYTES and .reset == 0 and .eof == 0 and
	  .mismatch == 0)" <<< "$json" >/dev/null 2>&1; then
	tap_ok "round 1: byte-exact through the crash of node1 and node2's promotion"
else
	tap_fail "round 1: byte-exact through the crash of node1 and node2's promotion"
fi
if topo_counter_ge 2 takeover_resumed 1; then
	tap_ok "round 1: node2 resumed the connection"
else
	tap_fail "round 1: node2 resumed the connection"
fi
if topo_counter_ge 2 takeover_dropped 1; then
	tap_ok "round 1: node2 dropped node3, unprotected, at the takeover (takeover_dropped)"
else
	tap_fail "round 1: node2 dropped node3, unprotected, at the takeover (takeover_dropped)"
fi
topo_down

if [ "$RESET_ROUND" = 1 ]; then
	round 2 3
	if jq -en 'input | (.reset == 1 and .mismatch == 0 and .ok == 0)' <<< "$json" >/dev/null 2>&1; then
		tap_ok "round 2: node3, dropped, reset the connection at its promotion: no wrong byte"
	else
		tap_fail "round 2: node3, dropped, reset the connection at its promotion: no wrong byte"
	fi
	if topo_counter_ge 3 takeover_reset 1; then
		tap_ok "round 2: node3 counted it (takeover_reset)"
	else
		tap_fail "round 2: node3 counted it (takeover_reset)"
	fi
	topo_down
fi
tap_done
