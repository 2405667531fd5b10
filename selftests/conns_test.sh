#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 1000 concurrent connections survive a crash of the primary (issue 3, test
# 4): a client opens 1000 connections through the VIP to the deterministic
# tstream server on three replicas, all established before any data; then
# each streams 8 KiB paced at 512 bytes/s. A few seconds in, while every
# connection is open and mid-stream, the primary (node1) crashes (links cut
# first), node2 is promoted by hand and node3 follows. node2 resumes exactly
# as many connections as were live (all of them, counted by the kernel) and
# resets none; every connection completes byte-exact, no RST, no EOF.
# CONNS_N sets the number of connections [1000].
#
# Under a heavily loaded emulated host (a CPU hog next to the VM) the
# clamped ACKs' delay grows to seconds and some connections stall past the
# client's timeouts; the pace is chosen for an unloaded CI machine.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5004
CONNS=${CONNS_N:-1000}
BYTES=$((8 << 10))	# per connection
RATE=512		# bytes/s per connection, in bursts of 512, staggered
TOTAL=$((CONNS * BYTES))
require_root
require_command ip ss nstat jq
require_built "$TSTREAM" "$TOFFLOAD"

tap_init 6

desc_est="$CONNS connections established through the VIP"
desc_prot="node1 has $CONNS connections, each protected by node2 and node3"
desc_live="node1 crashed while all $CONNS connections were mid-stream"
desc_resumed="node2 resumed the $CONNS live connections and reset none"
desc_stream="$CONNS connections byte-exact, no RST, no EOF across the crash"

# The primary holds each SYN-ACK until both backups confirmed the connection;
# under emulation, with 128 SYNs in flight, that takes longer than the
# default bounded wait (200 ms), after which a backup stops protecting it.
if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT -- syn-timeout 30000; then
	tap_fail "3 replicas, node1 primary, tstream servers"
	for d in "$desc_est" "$desc_prot" "$desc_live" "$desc_resumed" "$desc_stream"; do
		tap_skip "$d" "no topology"
	done
	tap_done
fi
tap_ok "3 replicas, node1 primary, tstream servers"

# protected NODE: NODE's table has the connections, each protected by both
# other replicas ($all and $n: how many it has, how many are protected)
protected() {
	local out
	out=$(tandem_node "$1" -j conn show group g) || return 1
	all=$(jq length <<< "$out")
	n=$(jq '[.[] | select([.peers[] | select(.state == "protecting")] | length == 2)]
		| length' <<< "$out")
	[ "$all" = $CONNS ] && [ "$n" = $CONNS ]
}

progress=$TOPO_DIR/progress out=$TOPO_DIR/client go=$TOPO_DIR/go
tstream_client $TOPO_VIP:$PORT -c $CONNS -b $BYTES --seed $SRANDOM -t 120 \
	--rate $RATE --burst 512 --wait-file "$go" \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!

ok=
if stream_wait_established "$progress" $CONNS 240 $client; then
	tap_ok "$desc_est"
	all=0 n=0
	if wait_until 60 protected 1; then tap_ok "$desc_prot"; else tap_fail "$desc_prot"; fi
	echo "# node1: $all connections, $n protected by two backups;" \
		"syn_timeout $(topo_counter 1 syn_timeout)"
	touch "$go"
	# About two seconds in: every connection has bytes left (14 s' worth).
	if stream_wait_bytes "$progress" $((CONNS * 1024)) 120 $client; then
		read -r bytes est done < "$progress"
		node_crash 1 && ok=1
		echo "# node1 crashed after $bytes verified bytes; $done of $est connections done"
		if [ -n "$ok" ] && [ "$est" = $CONNS ] && [ "$done" = 0 ]; then
			tap_ok "$desc_live"
		else
			tap_fail "$desc_live"
		fi
	else
		echo "# the stream never reached $((CONNS * 1024)) bytes: $(cat "$progress")"
		tap_fail "$desc_live"
	fi
else
	echo "# established: $(stream_established "$progress")"
	tap_fail "$desc_est"
	tap_skip "$desc_prot" "not established"
	tap_fail "$desc_live"
fi
if [ -n "$ok" ] && topo_failover 2 2; then
	resumed=$(topo_counter 2 takeover_resumed) reset=$(topo_counter 2 takeover_reset)
	echo "# node2: takeover_resumed $resumed takeover_reset $reset"
	if [ "$resumed" = $CONNS ] && [ "$reset" = 0 ]; then
		tap_ok "$desc_resumed"
	else
		echo "# node2: $(topo_counters 2)"
		tap_fail "$desc_resumed"
	fi
else
	tap_fail "$desc_resumed"
	kill $client 2>/dev/null
fi
wait $client
json=$(cat "$out")
echo "# $json"
head -n 20 "$out.err" | sed 's/^/# /'
if stream_exact "$json" $TOTAL $CONNS; then
	tap_ok "$desc_stream"
else
	topo_dump 12
	tap_fail "$desc_stream"
fi
tap_done
