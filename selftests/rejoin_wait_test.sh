#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An old primary that is still heard is waited for (issue 10): a primary
# fenced because its tandemd stalls learns of the new epoch only when the
# daemon runs again, maybe many seconds later. Its kernel answers the
# channel's heartbeats all along, so the new primary keeps what it needs
# for the lag bound, not a fixed 5 s after which it was dropped from the
# connection for good (and, promoted later, could only reset it).
#  1. node1, primary in epoch 1, fenced mid-stream by its lease; node2
#     promoted in epoch 2, node3 follows; node1 stays fenced for 8 s (a
#     stalled daemon), its kernel heard by node2;
#  2. node1 follows epoch 2: node2 resends what it lacks as fast as it
#     takes it (each report clocks the next part), counts it rejoined and
#     shows it protecting the connection; the ACKs wait for it meanwhile
#     but never go back (the client would discard segments whose ACK lies
#     further back than its window: a stall);
#  3. node2 crashes, node1 promoted in epoch 3: it resumes the connection
#     (no reset), and the stream completes byte-exact, no RST, no EOF.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5011
BYTES=$((1 << 30))	# an upper bound: the test ends the stream
RATE=1M
STALL=8			# seconds node1 stays fenced: past the old 5 s
require_root
require_command ip jq
require_built "$TSTREAM"

tap_init 7

_role_is() {
	[ "$(tandem_node "$1" -j group show "$TOPO_GROUP" 2>/dev/null |
	     jq -r '.[0].role')" = "$2" ]
}

# peer_state NODE PEER: PEER's state in NODE's entry of the connection
peer_state() {
	tandem_node "$1" -j conn show group "$TOPO_GROUP" 2>/dev/null |
		jq -r "[.[] | select(.port == $PORT)][0].peers[] |
			select(.node == $2) | .state" 2>/dev/null
}
protecting() { [ "$(peer_state "$1" "$2")" = protecting ]; }

if ! topo_up 3 || ! topo_replicate $PORT; then
	tap_fail "3 replicas, node1 primary, tstream servers"
	tap_skip_rest "no topology"
fi
tap_ok "3 replicas, node1 primary, tstream servers"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --seed $SRANDOM -t 90 --rate $RATE \
	--progress-file "$progress" --end-file "$TOPO_DIR/end" > "$out" 2> "$out.err" &
client=$!

# 1. node1 fenced, node2 primary in epoch 2 while node1's daemon "stalls"
if stream_wait_bytes "$progress" $((1 << 20)) 120 $client &&
   wait_until 30 protecting 1 2 && wait_until 30 protecting 1 3 &&
   tandem_node 1 group set "$TOPO_GROUP" lease-expiry 1 &&
   wait_until 10 _role_is 1 fenced &&
   tandem_node 2 group set "$TOPO_GROUP" role primary epoch 2 lease 3600000 &&
   tandem_node 3 group set "$TOPO_GROUP" role backup epoch 2; then
	tap_ok "node1 fenced mid-stream, node2 primary in epoch 2, node3 follows"
else
	topo_dump
	tap_fail "node1 fenced mid-stream, node2 primary in epoch 2, node3 follows"
fi
# The stall itself: time must pass with node1 fenced and heard.
sleep $STALL
state=$(peer_state 2 1)
echo "# after ${STALL}s: node2 sees node1 '$state', node3 '$(peer_state 2 3)'"
if [ "$state" = rejoining ] && ! topo_counter_ge 2 protection_lost 1; then
	tap_ok "${STALL}s on, node2 still waits for node1 (heard, fenced): not dropped"
else
	topo_dump
	tap_fail "${STALL}s on, node2 still waits for node1 (heard, fenced): not dropped"
fi

# 2. node1's daemon runs again: it follows epoch 2 and catches up, resent
# as fast as it takes it (ACK-clocked), the client held back meanwhile
queued=$(tandem_node 2 -j conn show group "$TOPO_GROUP" 2>/dev/null |
	jq -r "[.[] | select(.port == $PORT)][0].queued_bytes")
t0=$SECONDS
if tandem_node 1 group set "$TOPO_GROUP" role backup epoch 2 &&
   wait_until 60 protecting 2 1 && topo_counter_ge 2 rejoined 1; then
	tap_ok "node1 follows epoch 2: rejoined, protecting the connection on node2 (node2 held $queued bytes for it; caught up in $((SECONDS - t0)) s)"
else
	echo "# node2 sees node1 '$(peer_state 2 1)'; node2: $(topo_counters 2)"
	topo_dump
	tap_fail "node1 follows epoch 2: rejoined, protecting the connection on node2"
fi

# 3. node2 crashes: node1 can continue the connection
mark=$(stream_progress "$progress")
if stream_wait_bytes "$progress" $((mark + (1 << 20))) 120 $client &&
   node_crash 2 &&
   tandem_node 1 group set "$TOPO_GROUP" role primary epoch 3 lease 3600000 &&
   tandem_node 3 group set "$TOPO_GROUP" role backup epoch 3 &&
   [ "$(topo_counter 1 takeover_reset)" = 0 ]; then
	tap_ok "node2 crashed, node1 primary in epoch 3: nothing reset"
else
	echo "# node1: $(topo_counters 1)"
	tap_fail "node2 crashed, node1 primary in epoch 3: nothing reset"
fi

mark=$(stream_progress "$progress")
stream_wait_bytes "$progress" $((mark + (1 << 20))) 120 $client
touch "$TOPO_DIR/end"
# An ACK the clamp moved back by more than the client's window makes it
# discard the segment, data and all, with a challenge ACK (RFC 5961 5.2).
challenge=$(node_mib client TcpExtTCPChallengeACK)
if [ "$challenge" = 0 ]; then
	tap_ok "no ACK went back: the client sent no challenge ACK"
else
	tap_fail "no ACK went back: the client sent $challenge challenge ACKs"
fi
wait $client
json=$(cat "$out")
echo "# $json"
if jq -e ".ok == 1 and .bytes_verified > $mark and .reset == 0 and .eof == 0 and
	.mismatch == 0" <<< "$json" > /dev/null; then
	tap_ok "the stream completed byte-exact, no RST, no EOF (longest pause $(json_num "$json" max_pause_ms) ms)"
else
	sed 's/^/# /' "$out.err"
	topo_dump
	tap_fail "the stream completed byte-exact, no RST, no EOF"
fi
tap_done
