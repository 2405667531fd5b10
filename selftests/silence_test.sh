#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A backup whose service goes away while connections are open closes its
# shadow sockets without a word on the wire (they would otherwise send, from
# the VIP, retransmissions, a FIN or a RST in their own sequence space once
# nothing steals their output); the primary drops it from those connections
# at the lag bound and the client never notices. A backup that is fenced
# and then follows a primary again no longer protects what it held.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5005
BYTES=$((4 * 1024 * 1024))
[ "$(id -u)" = 0 ] || ksft_skip_all "needs root"
for tool in ip jq nstat ss; do
	command -v $tool >/dev/null || ksft_skip_all "no $tool"
done
[ -x "$TSTREAM" ] || ksft_skip_all "no $TSTREAM (make -C selftests)"

tap_init 8

counter() {
	tandem_node "$1" -j stats group g 2>/dev/null |
		jq -r ".counters.$2 // 0" 2>/dev/null || echo 0
}

mib() {
	node_exec "$1" nstat -az "$2" 2>/dev/null | awk -v n="$2" '$1 == n { print $2 }'
}

# peer_state NODE PEER: PEER's state in NODE's entry of the connection
peer_state() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -r ".[0].peers[] | select(.node == $2) | .state" 2>/dev/null
}

_peer_is() { [ "$(peer_state "$1" "$2")" = "$3" ]; }

peer_is() {
	wait_until "$1" _peer_is "$2" "$3" "$4" && return 0
	tandem_node "$2" conn show group g
	return 1
}

_no_socket() { ! node_exec "$1" ss -Htn "sport = :$PORT" | grep -q .; }

_unprotected() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -e 'any(.[0].flags[]; . == "unprotected")' >/dev/null 2>&1
}

setup() {
	local node
	topo_up 3 || return 1
	for node in 1 2 3; do
		vip_add $node || return 1
	done
	topo_group g $PORT -- max-lag-ms 500 || return 1
	topo_roles 1 1 || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT || return 1
	done
}

if ! setup; then
	tap_fail "topology"
	tap_done
fi
tap_ok "topology"

# The client pauses half-way until the checks are done: a stream that
# ended before them (a slow host) would leave no connection to look at.
progress=$TOPO_DIR/progress out=$TOPO_DIR/client.json resume=$TOPO_DIR/resume
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate 300K --seed $SRANDOM -t 60 \
	--pause-at $((BYTES / 2)) --resume-file "$resume" \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
stream_wait_bytes "$progress" $((BYTES / 8)) 60

resets=$(mib client TcpEstabResets)
tandem_node 3 service del group g port $PORT
tap_check "node3 closed its shadow socket" wait_until 10 _no_socket 3
tap_check "node3 counted it silenced" test "$(counter 3 silenced)" -ge 1
# A mirrored segment already on its way into node3's stack may meet no
# socket there and make it answer with a RST: it must not leave the node.
tap_check "no reset reached the client" test "$(mib client TcpEstabResets)" = "$resets"
tap_check "the primary dropped node3 from the connection" \
	peer_is 20 1 3 dropped

# node2: fenced, then a backup again: what it held is no longer protected.
tandem_node 2 group set g role fenced
tandem_node 2 group set g role backup epoch 1
tap_check "node2, fenced and back, no longer protects the connection" \
	wait_until 10 _unprotected 2

touch "$resume"
wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
tap_check "the stream completed byte-exact, no RST, no EOF" \
	jq -e ".ok == 1 and .bytes_verified == $BYTES and .reset == 0 and .eof == 0" \
	<<< "$json"
tap_check "the primary counted the lag drop" test "$(counter 1 lag_dropped)" -ge 1
tap_done
