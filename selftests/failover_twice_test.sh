#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two successive failovers on the same connections (issue 3, test 2): a
# client runs 4 streams of pseudo-random data through the VIP to the
# deterministic tstream server on three replicas. node1 (primary) crashes,
# node2 is promoted by hand (epoch 2) and node3 follows it as its backup;
# later node2 crashes too and node3 is promoted (epoch 3). Every stream
# completes byte-exact with no reset and no EOF; each new primary resumed
# all 4 connections, and node3 protected them under node2.
#
# Run it alone: make module cli selftests && selftests/vm/run.sh failover_twice_test.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5002
CONNS=4
BYTES=$((4 << 20))		# per connection
TOTAL=$((CONNS * BYTES))
# Per connection, well under what the emulated links carry (so all 4 keep
# pace) and slow enough that both crashes and the CLI between them land
# mid-stream even on a loaded host: at least 43 s. A small send buffer
# keeps what the client verified close to what it wrote: after a long pause
# (the client's retransmission backoff across a slow takeover), a full one
# would let the verified count leap ahead of the crash's aim and finish
# connections before the second crash.
RATE=96K
SNDBUF=32K
require_root
require_command ip tc ss nstat jq
require_built "$TSTREAM" "$TOFFLOAD"

tap_init 6

# resumed NODE: NODE's takeover resumed every connection still open at the
# crash (a slow host may have let some finish: $done), reset none
resumed() {
	local resumed reset want=$((CONNS - done))
	resumed=$(topo_counter "$1" takeover_resumed) reset=$(topo_counter "$1" takeover_reset)
	echo "node$1: $(topo_counters "$1")"
	echo "takeover_resumed $resumed (want $want), takeover_reset $reset (want 0)"
	[ "$resumed" = $want ] && [ "$reset" = 0 ]
}

# protected_by NODE BACKUP: every one of the connections in NODE's table has
# BACKUP protecting it
protected_by() {
	local out n
	out=$(tandem_node "$1" -j conn show group g) || return 1
	n=$(jq "[.[] | select(any(.peers[]; .node == $2 and .state == \"protecting\"))]
		| length" <<< "$out")
	echo "node$1: $n of $(jq length <<< "$out") connections protected by node$2"
	[ "$n" = $CONNS ] && [ "$(jq length <<< "$out")" = $CONNS ]
}

# crash_at BYTES NODE: once the client verified BYTES, crash NODE
crash_at() {
	if ! stream_wait_bytes "$progress" "$1" 120 $client; then
		echo "# the stream never reached $1 bytes: $(stream_progress "$progress")"
		return 1
	fi
	_topo_progress "$progress"
	got=$_b done=$_d
	node_crash "$2" || return 1
	echo "# node$2 crashed after $got verified bytes (aimed at $1), $_d of $CONNS connections done"
}

desc_first="node2 resumed the open connections after node1's crash"
desc_prot="node3 protects the $CONNS connections under node2"
desc_second="node3 resumed the open connections after node2's crash"
desc_stream="$CONNS x 4 MiB byte-exact, no RST, no EOF across two failovers"

if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT; then
	tap_fail "3 replicas, node1 primary, tstream servers"
	for d in "$desc_first" "$desc_prot" "$desc_second" "$desc_stream" \
		"the stream crossed both crashes"; do
		tap_skip "$d" "no topology"
	done
	tap_done
fi
tap_ok "3 replicas, node1 primary, tstream servers"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -c $CONNS -b $BYTES --seed $SRANDOM -t 60 --rate $RATE \
	--sndbuf $SNDBUF --progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
# First crash in [10%, 30%) of the bytes, the second in [50%, 70%).
at1=$((TOTAL / 10 + SRANDOM % (TOTAL / 5)))
at2=$((TOTAL / 2 + SRANDOM % (TOTAL / 5)))
ok=
if crash_at $at1 1 && got1=$got && topo_failover 2 2; then
	tap_check "$desc_first" resumed 2
	tap_check "$desc_prot" wait_until 60 protected_by 2 3
	# a slow takeover or check may have let the stream pass at2 already
	now=$(stream_progress "$progress")
	[ $((now + (256 << 10))) -gt "$at2" ] && at2=$((now + (256 << 10)))
	if [ "$got1" -lt $TOTAL ] && crash_at $at2 2 && got2=$got && topo_failover 3 3; then
		tap_check "$desc_second" resumed 3
		[ "$got2" -lt $TOTAL ] && ok=1
	else
		tap_fail "$desc_second"
	fi
else
	tap_fail "$desc_first"
	tap_skip "$desc_prot" "no first failover"
	tap_skip "$desc_second" "no first failover"
fi
if [ -n "$ok" ]; then
	tap_ok "the stream crossed both crashes"
else
	tap_fail "the stream crossed both crashes"
fi
wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
if stream_exact "$json" $TOTAL $CONNS; then
	tap_ok "$desc_stream"
else
	topo_dump
	tap_fail "$desc_stream"
fi
tap_done
