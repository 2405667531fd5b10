#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed TCP options against a protected connection (issue 9). Three
# replicas and a byte-exact stream through the VIP; an attacker on the
# client's network sends, with the client's 4-tuple, FUZZ_COUNT segments
# whose options are malformed (selftests/tools/tfuzz opts: zero length,
# overlong, truncated, duplicate timestamps, SACK with garbage blocks, a
# data offset beyond the packet; most with a correct checksum, no ACK,
# RST, SYN or FIN flag, so that they test the option parsing of the hooks,
# the mirror and the backups' injection, not the forged numbers that
# spoof_test covers). Nothing crashes, the primary mirrors them (counted),
# and the stream completes byte-exact.
# Seed: FUZZ_SEED [1], printed; FUZZ_COUNT [3000].
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
SEED=${FUZZ_SEED:-1}
COUNT=${FUZZ_COUNT:-3000}
CONNS=2
BYTES=$((4 * 1024 * 1024))
ATTACKER=10.200.0.3
TFUZZ=${TFUZZ:-$_tap_dir/selftests/tools/tfuzz}
PLAN=5

require_root
require_command ip jq
require_built "$TSTREAM" "$TFUZZ"
require_module

tap_init $PLAN
echo "# seed $SEED, $COUNT segments (FUZZ_SEED, FUZZ_COUNT)"
kmsg_mark

# the attacker: a namespace on the client's bridge
setup() {
	topo_up 3 && topo_probe attacker brc eth0 $ATTACKER/24 &&
		topo_replicate $PORT
}
if ! setup; then
	tap_fail "topology, attacker and replicated service"
	tap_skip_rest "no topology"
fi
tap_ok "topology, attacker and replicated service"

progress=$TOPO_DIR/progress
out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -c $CONNS -b $BYTES --rate 256K --seed $SEED -t 60 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
stream_wait_bytes "$progress" $((256 * 1024)) 60 $client ||
	echo "# the stream did not start: $(stream_progress "$progress") bytes"

mirrored_ge() { [ "$(topo_counter 1 mirrored)" -ge "$1" ]; }

# COUNT segments over the connections node1 knows (their client ports)
fuzz() {
	local cport n=0 mirrored0 out
	mirrored0=$(topo_counter 1 mirrored)
	for cport in $(tandem_node 1 -j conn show group g | jq -r '.[].client_port'); do
		out=$(node_exec attacker "$TFUZZ" opts --client $TOPO_CLIENT_ADDR:$cport \
			--vip $TOPO_VIP:$PORT --count $((COUNT / CONNS)) \
			--seed $((SEED + n))) || return 1
		echo "port $cport: $out"
		n=$((n + 1))
	done
	[ $n -eq $CONNS ] || { echo "$n connections on node1, not $CONNS"; return 1; }
	# they reached the primary's hook: mirrored to the backups
	wait_until 30 mirrored_ge $((mirrored0 + COUNT / 4)) ||
		{ echo "mirrored $(topo_counter 1 mirrored), was $mirrored0"; return 1; }
	echo "node1: $(topo_counters 1)"
	echo "node2: $(topo_counters 2)"
}
tap_check "malformed options sent on the live connections, mirrored" fuzz

still_streaming() {
	local before=$(stream_progress "$progress")
	stream_wait_bytes "$progress" $((before + 128 * 1024)) 60 $client
}
tap_check "the stream goes on" still_streaming

wait $client
rc=$?
result=$(tail -n 1 "$out")
echo "# client: exit $rc: $result"
if [ $rc -eq 0 ] && [ "$(json_num "$result" ok)" = $CONNS ]; then
	tap_ok "every connection byte-exact"
else
	topo_dump 20
	tap_fail "every connection byte-exact"
fi

tap_kmsg_clean
tap_done
