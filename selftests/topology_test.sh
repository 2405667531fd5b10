#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The data-path test tooling (topo.sh, tstream) over plain TCP, no tandem:
# the topology comes up with its offloads on, a client stream through the VIP
# comes back byte-exact, 1000 connections at once do, request/response works,
# the replication link takes netem, and a crash of the serving node is seen
# by the client as a failure, a stall rather than a reset or an EOF, since
# the node's links are cut before its processes die.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
require_root
require_command ip tc ethtool pgrep
require_built "$TSTREAM" "$TOFFLOAD"

tap_init 10

# is JSON KEY=VALUE...: every KEY of tstream's JSON summary has its VALUE
is() {
	local json=$1 kv
	shift
	for kv in "$@"; do
		[ "$(json_num "$json" "${kv%%=*}")" = "${kv#*=}" ] || return 1
	done
}

# stream DESC KEY=VALUE... -- CLIENT_ARGS...: a tstream client run whose JSON
# summary has those values; printed as a comment either way.
stream() {
	local desc=$1 json
	local -a want=()
	shift
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	json=$(tstream_client "$@" 2>"$TOPO_DIR/client.err")
	echo "# $json"
	if is "$json" "${want[@]}"; then
		tap_ok "$desc"
	else
		sed 's/^/# /' "$TOPO_DIR/client.err"
		tap_fail "$desc"
	fi
}

if ! topo_up 3; then
	tap_fail "topology: client, 3 replicas, client and replication bridges"
	for i in $(seq 9); do tap_skip "topology test $((i + 1))" "no topology"; done
	tap_done
fi
vip_add 1
tstream_server 1 $PORT || echo "# the server on node1 did not start"
tap_ok "topology: client, 3 replicas, client and replication bridges"

topo_offload on
out=$(topo_offload_show)
rc=$?
echo "$out" | sed 's/^/# /'
echo "# ethtool -k eth0 on node1:" $(topo_offload_ethtool 1 eth0)
echo "# node1: $(topo_tcp_show 1)"
if [ $rc -eq 0 ] && topo_offload_ethtool 1 eth0 | grep -c ': on' | grep -qx 3; then
	tap_ok "GRO, GSO and TSO on every veth"
else
	tap_fail "GRO, GSO and TSO on every veth"
fi

stream "20 MiB through the VIP, byte-exact" ok=1 bytes_verified=20971520 -- \
	$TOPO_VIP:$PORT -b 20M --seed $SRANDOM -t 30

# All connected before any sends (--wait-file): 1000 open at once.
concurrent() {
	local p=$TOPO_DIR/progress1000 json
	tstream_client $TOPO_VIP:$PORT -c 1000 -b 4K --seed $SRANDOM -t 60 \
		--progress-file "$p" --wait-file "$TOPO_DIR/go" > "$TOPO_DIR/1000.json" &
	stream_wait_established "$p" 1000 60
	echo "$(stream_established "$p") connections established"
	touch "$TOPO_DIR/go"
	wait $!
	json=$(cat "$TOPO_DIR/1000.json")
	echo "$json"
	is "$json" ok=1000 bytes_verified=4096000
}
tap_check "1000 concurrent connections, byte-exact" concurrent

stream "request/response: 200 round trips, byte-exact" ok=1 rr=200 -- \
	$TOPO_VIP:$PORT --rr 200 --size 64 -t 30

# The replication net under netem, both ways, node2 -> node3.
netem_stream() {
	local json
	rep_netem 2 delay 1ms reorder 25% 50% loss 3% duplicate 3% || return 1
	rep_netem 3 delay 1ms reorder 25% 50% loss 3% duplicate 3% || return 1
	tc -n "$(node_ns 2)" qdisc show dev eth1
	tstream_server 3 $PORT -l "$(node_rep_addr 3)" || return 1
	json=$(node_exec 2 "$TSTREAM" client "$(node_rep_addr 3):$PORT" -b 2M -t 30)
	echo "$json"
	tc -n "$(node_ns 2)" -s qdisc show dev eth1
	rep_netem_clear 2
	rep_netem_clear 3
	is "$json" ok=1
}
desc="replication net with delay, reordering, loss, duplication: byte-exact"
if rep_netem 2 delay 1ms 2>/dev/null; then
	tap_check "$desc" netem_stream
else
	tap_skip "$desc" "no netem qdisc (sch_netem)"
fi

# A crash during a stream (rate-limited to last): the client must fail.
progress=$TOPO_DIR/progress
tstream_client $TOPO_VIP:$PORT -b 1G --rate 2M -t 3 --progress-file "$progress" \
	--mark-file "$TOPO_DIR/mark" > "$TOPO_DIR/crash.json" 2> "$TOPO_DIR/crash.err" &
client=$!
if stream_wait_bytes "$progress" $((1 << 20)) 60; then
	echo "# $(stream_progress "$progress") bytes verified; crashing node1"
else
	echo "# the stream did not reach 1 MiB: $(stream_progress "$progress") bytes"
fi
node1_ns=$(node_ns 1)
touch "$TOPO_DIR/mark"
node_crash 1
wait $client
rc=$?
json=$(cat "$TOPO_DIR/crash.json")
echo "# exit $rc: $json"
sed 's/^/# /' "$TOPO_DIR/crash.err"
if [ $rc -ne 0 ] && is "$json" ok=0 &&
   [ "$(json_num "$json" bytes_verified)" -ge $((1 << 20)) ]; then
	tap_ok "a crash of the server's node mid-stream fails the client"
else
	tap_fail "a crash of the server's node mid-stream fails the client"
fi
if is "$json" timeout=1 reset=0 eof=0 &&
   [ "$(json_num "$json" pause_after_mark_ms)" != -1.000 ]; then
	tap_ok "the crash let no FIN or RST out: the client stalled (timeout)"
else
	tap_fail "the crash let no FIN or RST out: the client stalled (timeout)"
fi

crashed_clean() {
	! ip netns list | grep -qw "$node1_ns" &&
	! pgrep -f "tstream server -p $PORT --ready-file $TOPO_DIR/ready.node1.$PORT" >/dev/null &&
	! node_alive 1 && node_alive 2
}
tap_check "the crashed node is gone: no namespace, no process" crashed_clean

# The group helpers, configuration only (another port: no data path here).
roles() {
	local i want
	for i in "$@"; do
		want=${i#*=}
		tandem_node "${i%%=*}" group show web | grep -Eq "^ +role: +$want\$" || return 1
	done
}
groups() {
	topo_group web 6001 &&
	tandem_node 2 member show group web | grep -c 'node' | grep -qx 2 &&
	tandem_node 3 service show group web | grep -q 6001 &&
	topo_roles 2 2 && roles 2=primary 3=backup &&
	topo_roles 3 3 && roles 2=backup 3=primary
}
if [ -d /sys/module/tandem ] && [ -x "$TANDEM_CLI" ]; then
	tap_check "a tandem group on the live replicas; roles move" groups
else
	tap_skip "a tandem group on the live replicas; roles move" "tandem.ko not loaded"
fi

tap_done
