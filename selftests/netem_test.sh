#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Replication over a bad link (issue 3, test 5): every replica's replication
# egress loses 2% of the datagrams, duplicates 2% and reorders 25% (netem,
# 1 ms delay). A client streams 12 MiB through the VIP to the deterministic
# tstream server on three replicas; the primary's resend queue fills the
# holes the loss leaves in its backups (its "resent" counter moves), the
# duplicates are dropped as replays; then, mid-stream, the primary (node1)
# crashes, node2 is promoted by hand and node3 follows, the link still bad.
# The stream completes byte-exact with no reset and no EOF.
#
# A backup that trails the promoted one at the crash gets what it lacks
# from the copies the promoted one kept as a backup (docs/datapath.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5005
BYTES=$((12 << 20))
RATE=${FAILOVER_RATE:-3M}	# paced: the crash lands mid-stream at any VM speed
NETEM="delay 1ms reorder 25% 50% loss 2% duplicate 2%"
require_root
require_command ip tc ss nstat
require_built "$TSTREAM" "$TOFFLOAD"

tap_init 6

desc_resent="node1 resent to fill its backups' holes (resent > 0)"
desc_replay="the backups dropped duplicated datagrams as replays"
desc_resumed="node2 resumed the connection"
desc_stream="12 MiB byte-exact, no RST, no EOF across a crash, replication under netem"

if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT; then
	tap_fail "3 replicas, node1 primary, tstream servers"
	tap_skip "netem on every replica's replication link" "no topology"
	for d in "$desc_resent" "$desc_replay" "$desc_resumed" "$desc_stream"; do
		tap_skip "$d" "no topology"
	done
	tap_done
fi
tap_ok "3 replicas, node1 primary, tstream servers"

netem_all() {
	local n
	for n in 1 2 3; do
		# shellcheck disable=SC2086
		rep_netem $n $NETEM || return 1
	done
	tc -n "$(node_ns 1)" qdisc show dev eth1
}
if ! tc -n "$(node_ns 1)" qdisc replace dev eth1 root netem delay 1ms 2>/dev/null; then
	tap_skip "netem on every replica's replication link" "no netem qdisc (sch_netem)"
	for d in "$desc_resent" "$desc_replay" "$desc_resumed" "$desc_stream"; do
		tap_skip "$d" "no netem"
	done
	tap_done
fi
tap_check "netem on every replica's replication link: $NETEM" netem_all

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --seed $SRANDOM -t 60 --rate $RATE \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
# The crash: in [3, 7) MiB.
at=$(((3 << 20) + SRANDOM % (4 << 20)))
crashed=
if stream_wait_bytes "$progress" $at 120 $client; then
	resent=$(topo_counter 1 resent)
	got=$(stream_progress "$progress")
	if node_crash 1; then
		crashed=1
		echo "# node1 crashed after $got verified bytes (aimed at $at)"
	fi
	echo "# node1 before the crash: resent $resent"
	if [ "$resent" -gt 0 ]; then tap_ok "$desc_resent"; else tap_fail "$desc_resent"; fi
else
	echo "# the stream never reached $at bytes: $(stream_progress "$progress")"
	topo_dump
	tap_fail "$desc_resent"
fi
replays=$(( $(topo_counter 2 chan_drop_replay) + $(topo_counter 3 chan_drop_replay) ))
echo "# chan_drop_replay on node2 and node3: $replays"
if [ "$replays" -gt 0 ]; then tap_ok "$desc_replay"; else tap_fail "$desc_replay"; fi
failover=
if [ -z "$crashed" ]; then
	echo "# no crash: no failover"
elif [ "$got" -ge $BYTES ]; then
	echo "# the stream ended before the crash: no failover to test"
elif ! failover=$(topo_failover 2 2 2>&1); then
	echo "# node2's promotion failed: $failover"
	failover=
else
	failover=1
fi
if [ -n "$failover" ]; then
	resumed=$(topo_counter 2 takeover_resumed) reset=$(topo_counter 2 takeover_reset)
	echo "# node2: $(topo_counters 2)"
	if [ "$resumed" = 1 ] && [ "$reset" = 0 ]; then
		tap_ok "$desc_resumed"
	else
		tandem_node 2 conn show group "$TOPO_GROUP" 2>&1 | sed 's/^/# node2: /'
		echo "# node2: takeover_resumed $resumed (want 1), takeover_reset $reset (want 0)"
		tap_fail "$desc_resumed"
	fi
else
	tap_fail "$desc_resumed"
	kill $client 2>/dev/null
fi
wait $client
json=$(cat "$out")
if stream_exact "$json" $BYTES; then
	echo "# $json"
	tap_ok "$desc_stream"
else
	topo_dump
	sed 's/^/# /' "$out.err"
	echo "# $json"
	tap_fail "$desc_stream"
fi
tap_done
