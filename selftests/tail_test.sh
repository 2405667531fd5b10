#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A divergence in the last, incomplete digest block (issue 9, finding 10).
# The backups compare the primary's output with their own in 32 KiB blocks
# at wire offsets; output past the last complete block was never compared.
# Three replicas run a nondeterministic tstream server whose output differs
# from byte OFF on (each replica its own salt); the whole stream, [0, END),
# ends inside the block [192 KiB, 224 KiB) that holds OFF, so that block
# never completes:
#  - the client sends PAUSE bytes and pauses; it has every byte back from
#    the primary, its salt included (PAUSE > OFF);
#  - nothing node1 sends reaches the client any more (node_mute: a crash
#    as its next segments leave); the client sends the rest and its FIN;
#  - once node2 has read it all and written its own output (its server
#    socket in LAST-ACK), node1 crashes and node2 is promoted.
# node2's bytes from PAUSE on differ from node1's (its salt): the client
# must never see them. The takeover must reset the connection (the client
# sees a reset, no differing byte), as for a divergence in a complete block
# (diverge_test).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5002
OFF=$((200 << 10))
PAUSE=$((208 << 10))
END=$((216 << 10))

require_root
require_command ip ss tc
require_built "$TSTREAM"
require_module

tap_init 7

# server_in NODE STATE: NODE's server socket of the stream is in STATE
server_in() {
	[ -n "$(node_exec "$1" ss -Htn state "$2" "( sport = :$PORT )")" ]
}

TOPO_SERVER_ARGS=(--nondeterministic $OFF)
if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT; then
	tap_fail "topology, group and nondeterministic servers"
	for ((i = 2; i <= 7; i++)); do tap_skip "case $i" "no topology"; done
	tap_done
fi
tap_ok "topology, group and nondeterministic servers"

progress=$TOPO_DIR/progress resume=$TOPO_DIR/resume out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $END --seed $SRANDOM -t 60 --nondeterministic $OFF \
	--pause-at $PAUSE --resume-file "$resume" --progress-file "$progress" \
	> "$out" 2> "$out.err" &
client=$!

# 1. The client has everything up to the pause from node1, node1's salt too.
if stream_wait_bytes "$progress" $PAUSE 60 $client; then
	tap_ok "the client verified $PAUSE bytes from node1, its salt at $OFF included"
else
	echo "# verified $(stream_progress "$progress") bytes"
	topo_dump 20
	tap_fail "the client verified $PAUSE bytes from node1, its salt at $OFF included"
fi

# 2. node1 mutes, the client sends the rest; node2 reads it and answers.
node_mute 1
touch "$resume"
if wait_until 60 server_in 2 last-ack && wait_until 30 server_in 3 last-ack; then
	tap_ok "node2 and node3 read the whole stream and closed (LAST-ACK)"
else
	topo_dump 20
	tap_fail "node2 and node3 read the whole stream and closed (LAST-ACK)"
fi
echo "# node2 before the crash: $(topo_counters 2)"
echo "# client: $(client_exec ss -Htni "( dport = :$PORT )" | tr -s ' \n' ' ')"

# 3. The crash; node2 takes over.
node_crash 1
if topo_failover 2 2; then
	tap_ok "node1 crashed, node2 promoted"
else
	tap_fail "node1 crashed, node2 promoted"
fi
wait $client
json=$(cat "$out")
echo "# client: $json"
sed 's/^/# /' "$out.err"
mismatch=$(json_num "$json" mismatch) reset=$(json_num "$json" reset)
if [ "$mismatch" = 0 ]; then
	tap_ok "the client received no byte that differs from node1's (mismatch 0)"
else
	tap_fail "the client received no byte that differs from node1's (mismatch ${mismatch:-?})"
fi
if [ "$reset" = 1 ]; then
	tap_ok "the client got a reset"
else
	tap_fail "the client got a reset (reset ${reset:-?})"
fi
echo "# node2 after the takeover: $(topo_counters 2)"
resumed=$(topo_counter 2 takeover_resumed) treset=$(topo_counter 2 takeover_reset)
if [ "$treset" = 1 ] && [ "$resumed" = 0 ]; then
	tap_ok "node2 reset the diverged connection (takeover_reset 1, takeover_resumed 0)"
else
	tap_fail "node2 reset the diverged connection (takeover_reset $treset, takeover_resumed $resumed)"
fi
tap_done
