#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A lease lapse costs no protection by itself (issue 10): a primary fenced
# by its lease has missed no client byte as long as nobody else was
# primary, so its connections are suspended, not unprotected, and a
# promotion that proves nobody else can have been primary meanwhile
# (prior-epoch below the epoch it was fenced in: the agreement's quorums
# intersect) resumes every one of them.
#  1. node1, primary in epoch 1, lets its lease lapse mid-stream: fenced by
#     the kernel, its connection suspended (not unprotected), the stream
#     paused (its output is dropped);
#  2. node1 promoted again in epoch 2 with prior-epoch 0: fence_resumed,
#     the connection resumed, not reset; node2 and node3 follow epoch 2;
#     the stream completes byte-exact with no reset and no EOF;
#  3. the same with a promotion that cannot prove it (no prior-epoch): the
#     suspended connection is reset at the takeover (somebody may have
#     accepted client bytes meanwhile): the client sees a reset, never a
#     wrong byte.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5006
BYTES=$((8 << 20))
RATE=2M
require_root
require_command ip jq
require_built "$TSTREAM"

tap_init 9

# conn_flags NODE: the flags of NODE's connection, space separated
conn_flags() {
	tandem_node "$1" -j conn show group "$TOPO_GROUP" 2>/dev/null |
		jq -r '.[0].flags | join(" ")' 2>/dev/null
}

_flagged() { [[ " $(conn_flags "$1") " == *" $2 "* ]]; }

_role_is() {
	[ "$(tandem_node "$1" -j group show "$TOPO_GROUP" 2>/dev/null |
	     jq -r '.[0].role')" = "$2" ]
}

group_num() {
	tandem_node "$1" -j group show "$TOPO_GROUP" 2>/dev/null | jq -r ".[0].$2 // 0"
}

# lapse NODE: its lease runs out now (a renewal with an instant already past)
lapse() {
	tandem_node "$1" group set "$TOPO_GROUP" lease-expiry 1 2>/dev/null
	wait_until 10 _role_is "$1" fenced
}

# promote EPOCH [prior-epoch N]: node1 primary again, node2 and node3 follow
promote() {
	local epoch=$1 node
	shift
	tandem_node 1 group set "$TOPO_GROUP" role primary epoch "$epoch" \
		lease 3600000 "$@" || return 1
	for node in 2 3; do
		tandem_node $node group set "$TOPO_GROUP" role backup epoch "$epoch" ||
			return 1
	done
}

# start_stream NAME SEED: a paced client in the background ($client)
start_stream() {
	progress=$TOPO_DIR/progress.$1 out=$TOPO_DIR/client.$1
	tstream_client $TOPO_VIP:$PORT -b $BYTES --seed "$2" -t 90 --rate $RATE \
		--progress-file "$progress" > "$out" 2> "$out.err" &
	client=$!
}

if ! topo_up 3 || ! topo_replicate $PORT; then
	tap_fail "3 replicas, node1 primary, tstream servers"
	tap_skip_rest "no topology"
fi
tap_ok "3 replicas, node1 primary, tstream servers"

# 1. the lapse
start_stream a $SRANDOM
if stream_wait_bytes "$progress" $((2 << 20)) 120 $client && lapse 1; then
	tap_ok "node1's lease lapsed mid-stream: fenced"
else
	tap_fail "node1's lease lapsed mid-stream: fenced"
fi
echo "# node1 flags: $(conn_flags 1); suspended_epoch $(group_num 1 suspended_epoch)"
if _flagged 1 suspended && ! _flagged 1 unprotected &&
   [ "$(group_num 1 suspended_epoch)" = 1 ]; then
	tap_ok "its connection is suspended (epoch 1), not unprotected"
else
	tap_fail "its connection is suspended (epoch 1), not unprotected"
fi
paused=$(stream_progress "$progress")
# The client's pause while node1 is fenced: its bytes stop moving.
sleep_until_changes() { [ "$(stream_progress "$progress")" != "$paused" ]; }
if wait_until 3 sleep_until_changes; then
	tap_fail "the stream pauses while node1 is fenced ($paused -> $(stream_progress "$progress"))"
else
	tap_ok "the stream pauses while node1 is fenced"
fi

# 2. re-elected before anybody else was primary: everything resumes
if promote 2 prior-epoch 0; then
	resumed=$(topo_counter 1 takeover_resumed) reset=$(topo_counter 1 takeover_reset)
	echo "# node1: $(topo_counters 1)"
	if [ "$(topo_counter 1 fence_resumed)" = 1 ] && [ "$resumed" = 1 ] &&
	   [ "$reset" = 0 ] && ! _flagged 1 suspended; then
		tap_ok "promoted in epoch 2 with prior-epoch 0: the connection resumed"
	else
		tap_fail "promoted in epoch 2 with prior-epoch 0: the connection resumed"
	fi
else
	tap_fail "promoted in epoch 2 with prior-epoch 0: the connection resumed"
	kill $client 2>/dev/null
fi
wait $client
json=$(cat "$out")
if stream_exact "$json" $BYTES; then
	echo "# $json"
	tap_ok "the stream completed byte-exact, no RST, no EOF, across the lapse"
else
	topo_dump
	sed 's/^/# /' "$out.err"
	echo "# $json"
	tap_fail "the stream completed byte-exact, no RST, no EOF, across the lapse"
fi

# 3. a promotion that cannot show nobody else was primary: reset, never
# a wrong byte
start_stream b $SRANDOM
if stream_wait_bytes "$progress" $((1 << 20)) 120 $client && lapse 1 &&
   _flagged 1 suspended; then
	tap_ok "round 2: node1 fenced again, the new connection suspended"
else
	tap_fail "round 2: node1 fenced again, the new connection suspended"
fi
before=$(topo_counter 1 takeover_reset)
if promote 3; then
	after=$(topo_counter 1 takeover_reset)
	echo "# node1: takeover_reset $before -> $after, fence_resumed $(topo_counter 1 fence_resumed)"
	if [ "$after" = $((before + 1)) ] && [ "$(topo_counter 1 fence_resumed)" = 1 ]; then
		tap_ok "promoted without prior-epoch: the suspended connection is reset"
	else
		tap_fail "promoted without prior-epoch: the suspended connection is reset"
	fi
else
	tap_fail "promoted without prior-epoch: the suspended connection is reset"
	kill $client 2>/dev/null
fi
wait $client
json=$(cat "$out")
echo "# $json"
if [ "$(json_num "$json" reset)" = 1 ] && [ "$(json_num "$json" mismatch)" = 0 ]; then
	tap_ok "the client saw a reset, no wrong byte"
else
	tap_fail "the client saw a reset, no wrong byte"
fi
tap_done
