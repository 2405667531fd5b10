#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A client segment with a wrong TCP checksum (issue 9, finding 2). The
# primary mirrors client segments at PRE_ROUTING, before TCP checks their
# checksum; its own TCP drops a corrupted one, the backups must not take it
# (their streams would differ from the primary's from there on).
# From an attacker namespace on the client net (tools/tspoof, which learns
# the connection from the client's frames on its switch port), while the client
# pauses with everything acknowledged, one data segment of LEN bytes at the
# client's next seq, with the client's 4-tuple, ack and timestamps and a
# wrong TCP checksum; then the client sends the genuine bytes.
#  - connection 1 goes on past several 32 KiB blocks to its end, no crash:
#    node1 counted TcpInCsumErrors, the client got everything byte-exact,
#    and neither backup marked the connection diverged (had they taken the
#    forged bytes, their output would differ and the next DIGEST say so);
#  - connection 2 ends inside the 32 KiB block of the forged bytes (no
#    DIGEST covers them); nothing node1 sends reaches the client any more
#    (node_mute: it crashes as its next segments leave), the client sends
#    the rest; once node2 has read and answered everything, node1 crashes
#    and node2 takes over: the client gets no byte that differs from the
#    deterministic server's (node2's output from the pause on is what it
#    made of its input), and the stream completes byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
PAUSE=$((200 << 10))
LEN=1000
END1=$((1 << 20))
END2=$((208 << 10))	# 8 KiB after the pause: within the restarted cwnd
TSPOOF=${TSPOOF:-$_tap_dir/selftests/tools/tspoof}
PLAN=10

require_root
require_command ip ss tc nstat
require_built "$TSTREAM" "$TSPOOF"
require_module

tap_init $PLAN

server_in() {
	[ -n "$(node_exec "$1" ss -Htn state "$2" "( sport = :$PORT )")" ]
}

# exact JSON: the tstream client's summary says every byte came back exactly
exact() {
	[ "$(json_num "$1" ok)" = 1 ] && [ "$(json_num "$1" mismatch)" = 0 ]
}

# forge CPORT BYTES: start a client from CPORT pausing at PAUSE, the
# bad-checksum segment at its next seq once it paused; leaves the client's
# pid in $client, its files in $out/$progress/$resume, tspoof's JSON in
# $spoofed. 1 if the segment was not sent at offset PAUSE.
forge() {
	local cport=$1 bytes=$2 spid ready=$TOPO_DIR/spoof.$cport.ready
	out=$TOPO_DIR/client.$cport progress=$TOPO_DIR/progress.$cport
	resume=$TOPO_DIR/resume.$cport
	node_exec attacker "$TSPOOF" --dev eth0 --to $TOPO_VIP:$PORT \
		--from $TOPO_CLIENT_ADDR:$cport --sniff-netns "$(node_ns sw)" --sniff-dev c0 \
		--ready-file "$ready" --sniff-ms 40000 --quiet-ms 1000 --after-off $PAUSE \
		"seq=0,len=$LEN,csum=bad" > "$TOPO_DIR/spoof.$cport" &
	spid=$!
	wait_until 10 test -e "$ready" || return 1
	tstream_client $TOPO_VIP:$PORT --bind $TOPO_CLIENT_ADDR:$cport -b "$bytes" \
		--seed $SRANDOM -t 60 --pause-at $PAUSE --resume-file "$resume" \
		--progress-file "$progress" > "$out" 2> "$out.err" &
	client=$!
	wait $spid
	spoofed=$(cat "$TOPO_DIR/spoof.$cport")
	echo "# tspoof: $spoofed"
	[[ $spoofed =~ \"off\":$PAUSE, ]] && [[ $spoofed =~ \"csum\":\"bad\" ]]
}

client_done() {
	wait $client
	json=$(cat "$out")
	echo "# client: $json"
	sed 's/^/# /' "$out.err"
}

if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT || ! topo_attacker; then
	tap_fail "topology, group, servers and an attacker seeing the client's frames"
	tap_skip_rest "no topology"
fi
tap_ok "topology, group, servers and an attacker seeing the client's frames"

# Connection 1: the forged bytes in a block that completes.
csum0=$(node_mib 1 TcpInCsumErrors)
if forge 40001 $END1; then
	tap_ok "conn 1: a segment with a wrong checksum at the client's next seq (offset $PAUSE)"
else
	tap_fail "conn 1: a segment with a wrong checksum at the client's next seq (offset $PAUSE)"
fi
csum1=$(node_mib 1 TcpInCsumErrors)
echo "# node1 TcpInCsumErrors $csum0 -> $csum1"
touch "$resume"
client_done
if exact "$json" && [ "$(json_num "$json" bytes_verified)" = $END1 ]; then
	tap_ok "conn 1: the client got $END1 bytes byte-exact"
else
	tap_fail "conn 1: the client got $END1 bytes byte-exact"
fi
if [ $((csum1 - csum0)) = 1 ]; then
	tap_ok "conn 1: node1's TCP dropped the segment (TcpInCsumErrors +1)"
else
	tap_fail "conn 1: node1's TCP dropped the segment (TcpInCsumErrors +$((csum1 - csum0)))"
fi
# the backups check the last blocks a little after the client is done
wait_until 20 eval '[ "$(topo_counter 2 digest_matched)" -ge $((END1 >> 15)) ] &&
	[ "$(topo_counter 3 digest_matched)" -ge $((END1 >> 15)) ] ||
	[ "$(topo_counter 2 diverged)" -gt 0 ]'
d2=$(topo_counter 2 diverged) d3=$(topo_counter 3 diverged)
echo "# node2: $(topo_counters 2)"
echo "# node3: $(topo_counters 3)"
if [ "$d2" = 0 ] && [ "$d3" = 0 ]; then
	tap_ok "conn 1: neither backup took the forged bytes (diverged 0 on node2 and node3)"
else
	tap_fail "conn 1: neither backup took the forged bytes (diverged $d2 on node2, $d3 on node3)"
fi

# Connection 2: the forged bytes in the last, incomplete block; a crash.
if forge 40002 $END2; then
	tap_ok "conn 2: a segment with a wrong checksum at the client's next seq (offset $PAUSE)"
else
	tap_fail "conn 2: a segment with a wrong checksum at the client's next seq (offset $PAUSE)"
fi
node_mute 1
touch "$resume"
if wait_until 60 server_in 2 last-ack && wait_until 30 server_in 3 last-ack; then
	tap_ok "conn 2: node2 and node3 read the whole stream and closed (LAST-ACK)"
else
	topo_dump 20
	tap_fail "conn 2: node2 and node3 read the whole stream and closed (LAST-ACK)"
fi
node_crash 1
if topo_failover 2 2; then
	tap_ok "conn 2: node1 crashed, node2 promoted"
else
	tap_fail "conn 2: node1 crashed, node2 promoted"
fi
client_done
mismatch=$(json_num "$json" mismatch)
if [ "$mismatch" = 0 ]; then
	tap_ok "conn 2: the client received no altered byte (mismatch 0)"
else
	tap_fail "conn 2: the client received no altered byte (mismatch ${mismatch:-?})"
fi
echo "# node2 after the takeover: $(topo_counters 2)"
if exact "$json" && [ "$(json_num "$json" bytes_verified)" = $END2 ]; then
	tap_ok "conn 2: the stream completed byte-exact across the takeover"
else
	tap_fail "conn 2: the stream completed byte-exact across the takeover"
fi
tap_done
