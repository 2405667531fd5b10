#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A connection opened while a backup was absent is reset, not continued,
# when that backup takes over (issue 3, test 7). Three replicas, node1
# primary:
#  - connection A opens while node3 is a backup on the replication net
#    (node1's conn show: node3 protects it), then waits;
#  - node3's replication link goes down; connection B opens (node1 holds
#    its SYN-ACK for the SYN timeout, then drops node3 from it) and
#    streams; node3's link comes back, A streams too;
#  - node1 crashes, node3 is promoted: A continues byte-exact (node3 saw
#    all of it), B is reset (node3 never saw its opening) and the client
#    sees no byte that differs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
PLAN=9

require_root
require_command ip jq ss
require_built "$TSTREAM"
require_module

tap_init $PLAN

# peer_state NODE CPORT PEER: the state NODE's conn show gives peer PEER of
# the connection from client port CPORT ("none" if absent)
peer_state() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -r --argjson c "$2" --argjson p "$3" \
		'[.[] | select(.client_port == $c) | .peers[]? |
		  select(.node == $p) | .state] | first // "none"' 2>/dev/null
}

peer_is() { [ "$(peer_state "$1" "$2" "$3")" = "$4" ]; }

# has_conn NODE CPORT: NODE has an entry for the connection from CPORT
has_conn() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -en --argjson c "$2" 'input | (any(.[]; .client_port == $c))' >/dev/null
}

# rep_link NODE up|down: NODE's port on the replication bridge
rep_link() {
	ip -n "$(node_ns sw)" link set "r${1#node}" "$2"
}

setup() {
	local node
	topo_up 3 || return 1
	topo_offload on
	for node in 1 2 3; do
		vip_add $node || return 1
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	# The lag bound is lag_test's (node3's link is down for a while).
	topo_group g $PORT -- max-lag-bytes 1073741824 max-lag-ms 600000 ||
		return 1
	topo_roles 1 1 || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT || return 1
	done
}

if ! setup; then
	tap_fail "topology, group and servers"
	tap_skip_rest "no topology"
fi
tap_ok "topology, group and servers"

CA=40001 CB=40002
pa=$TOPO_DIR/progress.a pb=$TOPO_DIR/progress.b
go=$TOPO_DIR/go
# A: open now, stream once $go exists (8 MiB). B (later): long enough to be running
# at the crash whatever the checks cost (the reset ends it).
tstream_client $TOPO_VIP:$PORT --bind $TOPO_CLIENT_ADDR:$CA -b 8M --rate 1M \
	--seed $SRANDOM -t 30 --wait-file "$go" --progress-file "$pa" \
	> "$TOPO_DIR/a" 2> "$TOPO_DIR/a.err" &
client_a=$!
if stream_wait_established "$pa" 1 30 && wait_until 30 peer_is 1 $CA 3 protecting &&
   wait_until 30 peer_is 1 $CA 2 protecting; then
	tap_ok "connection A opened, protected by node2 and node3"
else
	topo_dump
	tap_fail "connection A opened, protected by node2 and node3"
fi

rep_link 3 down
held=$(topo_counter 1 syn_timeout)
tstream_client $TOPO_VIP:$PORT --bind $TOPO_CLIENT_ADDR:$CB -b 64M --rate 1M \
	--seed $SRANDOM -t 30 --progress-file "$pb" \
	> "$TOPO_DIR/b" 2> "$TOPO_DIR/b.err" &
client_b=$!
if stream_wait_bytes "$pb" 65536 30 && topo_counter_ge 1 syn_timeout $((held + 1)) &&
   peer_is 1 $CB 3 dropped && peer_is 1 $CB 2 protecting; then
	tap_ok "connection B opened without node3: node1 dropped node3 from it (syn_timeout)"
else
	echo "# B: $(stream_progress "$pb") bytes; node1 syn_timeout $(topo_counter 1 syn_timeout)"
	topo_dump
	tap_fail "connection B opened without node3: node1 dropped node3 from it (syn_timeout)"
fi

rep_link 3 up
no_conn=$(topo_counter 3 inject_no_conn)
if stream_wait_bytes "$pb" $((1024 * 1024)) 60 &&
   wait_until 30 topo_counter_ge 3 inject_no_conn $((no_conn + 1)) && ! has_conn 3 $CB &&
   peer_is 1 $CA 3 protecting; then
	tap_ok "node3 back: protects A, drops B's segments (inject_no_conn), has no entry for B"
else
	echo "# B: $(stream_progress "$pb") bytes"
	topo_dump
	tap_fail "node3 back: protects A, drops B's segments (inject_no_conn), has no entry for B"
fi
echo "# node1: $(topo_counters 1)"
tandem_node 1 conn show | sed 's/^/# node1: /'

# A streams now; the crash comes as soon as it is under way (nothing slow
# in between: A must still be running).
touch "$go"
stream_wait_bytes "$pa" $((512 * 1024)) 60 ||
	echo "# A did not reach 512 KiB: $(stream_progress "$pa")"
node_crash 1
echo "# crashed node1 after A $(stream_progress "$pa"), B $(stream_progress "$pb") verified bytes"
if tandem_node 3 group set g role primary epoch 2 lease 3600000 &&
   tandem_node 2 group set g role backup epoch 2; then
	tap_ok "node3 promoted, node2 follows epoch 2"
else
	tap_fail "node3 promoted, node2 follows epoch 2"
fi
wait $client_a
ja=$(cat "$TOPO_DIR/a")
wait $client_b
jb=$(cat "$TOPO_DIR/b")
echo "# A: $ja"
echo "# B: $jb"
sed 's/^/# A: /' "$TOPO_DIR/a.err"
sed 's/^/# B: /' "$TOPO_DIR/b.err"
echo "# node3 after the takeover: $(topo_counters 3)"
if jq -en 'input | (.ok == 1 and .bytes_verified == 8388608 and .reset == 0 and .eof == 0 and
	  .mismatch == 0)' <<< "$ja" >/dev/null; then
	tap_ok "A, protected by node3, continued byte-exact"
else
	topo_dump
	tap_fail "A, protected by node3, continued byte-exact"
fi
if jq -en 'input | (.reset == 1 and .mismatch == 0 and .ok == 0)' <<< "$jb" >/dev/null; then
	tap_ok "B, opened while node3 was absent, was reset, no differing byte"
else
	topo_dump
	tap_fail "B, opened while node3 was absent, was reset, no differing byte"
fi
if topo_counter_ge 3 takeover_resumed 1; then
	tap_ok "node3 resumed A at the takeover (takeover_resumed)"
else
	tap_fail "node3 resumed A at the takeover (takeover_resumed)"
fi
if ! has_conn 3 $CB; then
	tap_ok "node3 never had an entry for B"
else
	tandem_node 3 conn show | sed 's/^/# node3: /'
	tap_fail "node3 never had an entry for B"
fi
tap_done
