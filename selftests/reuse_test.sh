#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A client port reused after a server-first close (issue 9, finding 3).
# The server closes first (tstream --close-after), so the server side of
# the 4-tuple sits in TIME-WAIT, and Linux takes a new SYN for the same
# 4-tuple there (a greater ISN and timestamp). The connection entry of the
# old connection must not be inherited by the new one (its ISN, deltas,
# peers, state). Three replicas, each connection 2 MiB:
#  - control, plain Linux: the same reuse against port 5002 of node1, which
#    no group protects, works;
#  - connection 1 from client port 40001 to the replicated port 5001
#    completes, the server closing first (node1's socket in TIME-WAIT);
#  - connection 2 from port 40001 again, at once: it works before any
#    crash, then node1 crashes, node2 is promoted, and it completes
#    byte-exact with no reset, resumed by node2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
PLAIN=5002
BYTES=$((2 << 20))
CPORT=40001
PLAIN_CPORT=40011
PLAN=6

require_root
require_command ip ss
require_built "$TSTREAM"
require_module

tap_init $PLAN

exact() {
	[ "$(json_num "$1" ok)" = 1 ] && [ "$(json_num "$1" bytes_verified)" = $BYTES ] &&
		[ "$(json_num "$1" reset)" = 0 ]
}

# ss_has NODE FILTER...: NODE has a TCP socket matching FILTER
ss_has() {
	local node=$1
	shift
	[ -n "$(node_exec "$node" ss -Htan "$@")" ]
}

# the client's port is free again (its socket of the last connection gone)
port_free() { ! ss_has client "( sport = :$1 )"; }

# conn NAME PORT CPORT [ARGS...]: one connection from CPORT, the server
# closing first; its JSON in $json
conn() {
	local name=$1 port=$2 cport=$3 out=$TOPO_DIR/client.$1
	shift 3
	wait_until 20 port_free "$cport" || echo "# client port $cport still in use"
	tstream_client $TOPO_VIP:$port --bind $TOPO_CLIENT_ADDR:$cport --server-closes \
		-b $BYTES --seed $SRANDOM -t 30 "$@" > "$out" 2> "$out.err"
	json=$(cat "$out")
	echo "# $name: $json"
	sed 's/^/# /' "$out.err"
}

TOPO_SERVER_ARGS=(--close-after $BYTES)
if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT ||
   ! tstream_server 1 $PLAIN --close-after $BYTES; then
	tap_fail "topology, group and servers (closing first)"
	for ((i = 2; i <= PLAN; i++)); do tap_skip "case $i" "no topology"; done
	tap_done
fi
tap_ok "topology, group and servers (closing first)"

# Control: plain Linux.
conn plain1 $PLAIN $PLAIN_CPORT
exact "$json" && ok1=1 || ok1=0
tw=0
wait_until 10 ss_has 1 state time-wait "( sport = :$PLAIN and dport = :$PLAIN_CPORT )" && tw=1
conn plain2 $PLAIN $PLAIN_CPORT
if [ $ok1 = 1 ] && [ $tw = 1 ] && exact "$json"; then
	tap_ok "control: port $PLAIN_CPORT reused after a server-first close, unprotected port: byte-exact"
else
	echo "# first ok $ok1, node1 TIME-WAIT $tw"
	tap_fail "control: port $PLAIN_CPORT reused after a server-first close, unprotected port: byte-exact"
fi

# Connection 1 to the replicated port.
conn conn1 $PORT $CPORT
exact "$json" && ok1=1 || ok1=0
if [ $ok1 = 1 ] &&
   wait_until 10 ss_has 1 state time-wait "( sport = :$PORT and dport = :$CPORT )"; then
	tap_ok "connection 1 byte-exact, closed by the server first (node1 in TIME-WAIT)"
else
	node_exec 1 ss -tan | sed 's/^/# node1: /'
	tap_fail "connection 1 byte-exact, closed by the server first (node1 in TIME-WAIT)"
fi
tandem_node 1 conn show group g | sed 's/^/# node1 before the reuse: /'

# Connection 2: the same 4-tuple.
progress=$TOPO_DIR/progress out=$TOPO_DIR/client.conn2
wait_until 20 port_free $CPORT || echo "# client port $CPORT still in use"
tstream_client $TOPO_VIP:$PORT --bind $TOPO_CLIENT_ADDR:$CPORT --server-closes -b $BYTES \
	--seed $SRANDOM -t 30 --rate 384K --progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
if stream_wait_bytes "$progress" $((512 << 10)) 60 $client; then
	tap_ok "connection 2 (port $CPORT reused) verified 512 KiB before any crash"
else
	echo "# connection 2 verified $(stream_progress "$progress") bytes"
	topo_dump 20
	tap_fail "connection 2 (port $CPORT reused) verified 512 KiB before any crash"
fi
node_crash 1
echo "# node1 crashed after $(stream_progress "$progress") verified bytes"
topo_failover 2 2 || echo "# promoting node2 failed"
wait $client
json=$(cat "$out")
echo "# conn2: $json"
sed 's/^/# /' "$out.err"
if exact "$json"; then
	tap_ok "connection 2 byte-exact, no reset across the crash"
else
	tap_fail "connection 2 byte-exact, no reset across the crash"
fi
echo "# node2: $(topo_counters 2)"
resumed=$(topo_counter 2 takeover_resumed) treset=$(topo_counter 2 takeover_reset)
if [ "$resumed" -ge 1 ] && [ "$treset" = 0 ]; then
	tap_ok "node2 resumed connection 2 (takeover_resumed $resumed, takeover_reset 0)"
else
	tap_fail "node2 resumed connection 2 (takeover_resumed $resumed, takeover_reset $treset)"
fi
tap_done
