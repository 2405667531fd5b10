#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Active replication survives a crash of the primary (issue 3, tests 1 and
# 3): a client streams 20 MiB of pseudo-random data through the VIP to the
# deterministic tstream server running on three replicas; the primary
# (node1) crashes at a random point, its links cut first so that no FIN or
# RST escapes; node2 is promoted by hand (primary in epoch 2), node3 follows
# it; the stream completes byte-exact with no reset and no EOF, and node2
# resumed the connection. Each round is a fresh topology and a crash point
# in a different part of the stream; FAILOVER_ROUNDS sets how many [3].
# Round 1 also shows that GRO, GSO and TSO are on on every veth and that
# the connection runs with TCP timestamps, SACK and window scaling.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
BYTES=$((20 << 20))
ROUNDS=${FAILOVER_ROUNDS:-3}
# Paced so that the crash lands mid-stream whatever the VM's speed.
RATE=${FAILOVER_RATE:-3M}
# Crash points: a random one in a different one of ROUNDS slices of
# [1, 15) MiB each round, the last slice first (round 1 looks at the sockets
# first); the rest of the stream is still unsent when the links are cut.
FIRST=$((1 << 20)) SPAN=$((14 << 20))
require_root
require_command ip ethtool ss nstat
require_built "$TSTREAM" "$TOFFLOAD"

tap_init $((ROUNDS * 3 + 2))

# shown DESC CMD...: tap_check, but CMD's output is shown either way
shown() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	if [ $rc -eq 0 ]; then tap_ok "$desc"; else tap_fail "$desc"; fi
}

# tcp_opts NODE: NODE's socket of the stream runs with timestamps, SACK and
# window scaling (ss -tnio prints "ts", "sack" and "wscale:S,R" for it)
tcp_opts() {
	local out
	out=$(node_exec "$1" ss -tnio state established "( sport = :$PORT or dport = :$PORT )")
	echo "$1: $(echo $out)"
	[[ $out =~ [[:space:]]ts[[:space:]] ]] && [[ $out =~ [[:space:]]sack[[:space:]] ]] &&
		[[ $out =~ [[:space:]]wscale:[0-9]+,[0-9]+ ]]
}

tcp_opts_both() {
	local rc=0
	tcp_opts client || rc=1
	tcp_opts 1 || rc=1
	return $rc
}

offloads() {
	topo_offload_show || return 1
	echo "ethtool -k eth0 on node1:" $(topo_offload_ethtool 1 eth0)
	[ "$(topo_offload_ethtool 1 eth0 | grep -c ': on$')" = 3 ]
}

# round R: a stream, node1 crashed after a random number of verified bytes,
# node2 promoted, node3 following it. Leaves the client's JSON in $json
# and what went wrong in $why.
round() {
	local r=$1 at got progress=$TOPO_DIR/progress out=$TOPO_DIR/client client

	at=$((FIRST + SPAN / ROUNDS * (ROUNDS - r) + SRANDOM % (SPAN / ROUNDS)))
	json= why=
	tstream_client $TOPO_VIP:$PORT -b $BYTES --seed $SRANDOM -t 60 --rate $RATE \
		--progress-file "$progress" > "$out" 2> "$out.err" &
	client=$!
	if [ "$r" = 1 ]; then
		if stream_wait_bytes "$progress" $((256 << 10)) 120 $client; then
			shown "TCP timestamps, SACK and window scaling on the connection" \
				tcp_opts_both
		else
			tap_fail "TCP timestamps, SACK and window scaling on the connection"
		fi
	fi
	if ! stream_wait_bytes "$progress" $at 120 $client; then
		why="the stream never reached $at bytes before the crash: $(stream_progress "$progress")"
		topo_dump
		kill $client 2>/dev/null
		wait $client
		return 1
	fi
	got=$(stream_progress "$progress")
	if ! node_crash 1; then
		why="node_crash failed"
		kill $client 2>/dev/null
		wait $client
		return 1
	fi
	echo "# node1 crashed after $got verified bytes (aimed at $at)"
	if ! topo_failover 2 2; then
		why="promoting node2 failed"
		kill $client 2>/dev/null
	fi
	wait $client
	json=$(cat "$out")
	echo "# $json"
	sed 's/^/# /' "$out.err"
	[ -n "$why" ] && return 1
	if [ "$got" -ge $BYTES ]; then
		why="the stream ended before the crash"
		return 1
	fi
	stream_exact "$json" $BYTES && return 0
	why="the stream failed"
	topo_dump
	return 1
}

# lap [WHAT]: "# WHAT took S s" since the last lap (diagnostics, never asserted)
_t=${EPOCHREALTIME/[.,]/}
lap() {
	local now=${EPOCHREALTIME/[.,]/}
	[ -n "${1:-}" ] &&
		printf '# %s took %d.%d s\n' "$1" $(((now - _t) / 1000000)) $(((now - _t) / 100000 % 10))
	_t=$now
}

for ((r = 1; r <= ROUNDS; r++)); do
	lap
	desc="round $r: 20 MiB byte-exact, no RST, no EOF across a crash of the primary"
	if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT; then
		tap_fail "round $r: 3 replicas, node1 primary, tstream servers"
		if [ "$r" = 1 ]; then
			tap_skip "GRO, GSO and TSO on every veth" "no topology"
			tap_skip "TCP timestamps, SACK and window scaling on the connection" \
				"no topology"
		fi
		tap_skip "$desc" "no topology"
		tap_skip "round $r: node2 resumed the connection" "no topology"
		continue
	fi
	tap_ok "round $r: 3 replicas, node1 primary, tstream servers"
	lap setup
	[ "$r" = 1 ] && shown "GRO, GSO and TSO on every veth" offloads
	round $r
	rc=$?
	lap "the stream"
	if [ $rc -eq 0 ]; then
		tap_ok "$desc"
	else
		echo "# $why"
		tap_fail "$desc"
	fi
	resumed=$(topo_counter 2 takeover_resumed) reset=$(topo_counter 2 takeover_reset)
	echo "# node2: $(topo_counters 2)"
	if [ "$resumed" = 1 ] && [ "$reset" = 0 ]; then
		tap_ok "round $r: node2 resumed the connection"
	else
		echo "# takeover_resumed $resumed (want 1), takeover_reset $reset (want 0)"
		tap_fail "round $r: node2 resumed the connection"
	fi
	topo_down
	lap "checks and teardown"
done
tap_done
