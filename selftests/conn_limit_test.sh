#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The per-group connection limit and the lifecycle of entries (issue 3,
# "Lifecycle and limits"): with max-conns 5 and 8 client connections, 5 are
# protected and 3 served unprotected (counted); a crash of the primary and a
# promotion keep the 5 byte-exact and reset the 3 (never a wrong byte); once
# the connections end, their entries leave every member's table.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5003
CONNS=8
LIMIT=5
BYTES=$((2 * 1024 * 1024))
require_root
require_command ip jq
require_built "$TSTREAM"

tap_init 8

conns_of() {
	tandem_node "$1" -j conn show group g 2>/dev/null | jq -r 'length' 2>/dev/null ||
		echo -1
}

# _conns_are NODE N...: NODE's table holds N entries (for each pair)
_conns_are() {
	while [ $# -ge 2 ]; do
		[ "$(conns_of "$1")" = "$2" ] || return 1
		shift 2
	done
}

# conns_are TIMEOUT NODE N...: wait for it, or show every table
conns_are() {
	local t=$1 n
	shift
	wait_until "$t" _conns_are "$@" && return 0
	for n in 1 2 3; do
		node_alive $n && echo "node$n: $(conns_of $n) entries" &&
			tandem_node $n conn show group g
	done
	return 1
}

setup() {
	local node
	topo_up 3 || return 1
	for node in 1 2 3; do
		vip_add $node || return 1
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	topo_group g $PORT -- max-conns $LIMIT max-lag-bytes 1073741824 \
		max-lag-ms 600000 || return 1
	topo_roles 1 1 || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT || return 1
	done
}

if ! setup; then
	tap_fail "topology with max-conns $LIMIT"
	tap_done
fi
tap_ok "topology with max-conns $LIMIT"

# The connections open, the tables are checked, then the bytes flow.
progress=$TOPO_DIR/progress out=$TOPO_DIR/client.json go=$TOPO_DIR/go
tstream_client $TOPO_VIP:$PORT -c $CONNS -b $BYTES --rate 200K --seed $SRANDOM \
	-t 60 -v --progress-file "$progress" --wait-file "$go" \
	> "$out" 2> "$out.err" &
client=$!

tap_check "all $CONNS connections established" \
	stream_wait_established "$progress" $CONNS 60
tap_check "the primary holds exactly $LIMIT entries" conns_are 20 1 $LIMIT
tap_check "3 connections counted unprotected on the primary" \
	test "$(topo_counter 1 unprotected)" -eq $((CONNS - LIMIT))
tap_check "each backup holds the $LIMIT protected entries" \
	conns_are 5 2 $LIMIT 3 $LIMIT

touch "$go"
stream_wait_bytes "$progress" $((CONNS * BYTES / 4)) 60
echo "# crashing node1 after $(stream_progress "$progress") verified bytes"
node_crash 1
tandem_node 2 group set g role primary epoch 2 lease 3600000
tandem_node 3 group set g role backup epoch 2
wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
ok=$(grep -c ': ok, ' "$out.err")
reset=$(grep -c ': reset, ' "$out.err")
if [ "$ok" -eq $LIMIT ] && [ "$reset" -eq $((CONNS - LIMIT)) ] &&
   jq -e '.mismatch == 0 and .eof == 0 and .timeout == 0' <<< "$json" >/dev/null; then
	tap_ok "after the crash: $LIMIT protected byte-exact, $((CONNS - LIMIT)) unprotected reset"
else
	tap_fail "after the crash: $ok ok and $reset reset (want $LIMIT and $((CONNS - LIMIT)))"
fi
tap_check "the new primary resumed $LIMIT connections" \
	test "$(topo_counter 2 takeover_resumed)" -eq $LIMIT
tap_check "finished connections leave every member's table" \
	conns_are 30 2 0 3 0
tap_done
