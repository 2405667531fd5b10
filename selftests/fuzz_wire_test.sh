#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Replication fuzzer (issue 9). Three replicas and a byte-exact stream
# through the VIP; an attacker on the replication net holds the group key
# and is member 4 of the group (so its datagrams pass the sender and tag
# checks, with a replay window of its own). selftests/tools/tfuzz sends
# FUZZ_COUNT mutated authenticated datagrams of every type
# (include/uapi/linux/tandem_wire.h: lengths, connection ids, sequence
# numbers, ISNs and block numbers at the 32- and 64-bit wraps, broken client
# packets inside SEGMENTs, unknown types), first at the backups, then at the
# primary, while the stream runs; then the primary crashes and node2 takes
# over.
#  - the targets received and processed them: chan_rx grew by as many, and
#    none was dropped for its sender or tag;
#  - the stream goes on (a member that claims a connection and reports no
#    progress is dropped from it after the lag bound, LAG_MS);
#  - nothing crashed, and the client never got a wrong byte: every
#    connection completed byte-exact, or (dropped from protection by what
#    the fuzzer said) was reset at the takeover; none saw a mismatch or an
#    early EOF.
# Seed: FUZZ_SEED [1], printed; FUZZ_COUNT [3000] datagrams per target set;
# FUZZ_TYPES: only these types (tfuzz --types, e.g. segment,close).
# About 2 to 4 minutes under TCG (the stream outlasts the fuzzing):
# timeout=480
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
EPOCH=5
SEED=${FUZZ_SEED:-1}
COUNT=${FUZZ_COUNT:-3000}
CONNS=2
# at 256 KiB/s, about 100 s: the stream outlasts the fuzzing (FUZZ_BYTES)
BYTES=${FUZZ_BYTES:-$((24 * 1024 * 1024))}
FZ_ADDR=10.201.0.14
LAG_MS=3000
TFUZZ=${TFUZZ:-$_tap_dir/selftests/tools/tfuzz}
PLAN=9

require_root
require_command ip jq ss
require_built "$TSTREAM" "$TFUZZ"
require_module

tap_init $PLAN
echo "# seed $SEED, $COUNT datagrams per target set (FUZZ_SEED, FUZZ_COUNT)${FUZZ_TYPES:+, types $FUZZ_TYPES}"
kmsg_mark

# the attacker: a namespace on the replication bridge, member 4 everywhere
attacker() {
	topo_probe fuzzer brr eth1 $FZ_ADDR/24 || return 1
	for node in 1 2 3; do
		tandem_node $node member add group g node 4 addr $FZ_ADDR \
			port $TOPO_REPL_PORT || return 1
	done
}

setup() {
	local node
	topo_up 3 || return 1
	for node in 1 2 3; do
		vip_add $node || return 1
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	# A lag bound in time: a member that claims a connection (a fuzzed
	# CONFIRM) and never reports progress is dropped from it after that,
	# instead of holding the primary's ACKs back.
	topo_group g $PORT -- max-lag-bytes 1073741824 max-lag-ms $LAG_MS || return 1
	attacker || return 1
	topo_roles 1 $EPOCH || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT || return 1
	done
}

if ! setup; then
	tap_fail "topology, group, attacker and servers"
	tap_skip_rest "no topology"
fi
tap_ok "topology, group, attacker and servers"

progress=$TOPO_DIR/progress
out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -c $CONNS -b $BYTES --rate 256K --seed $SEED -t 60 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
if stream_wait_bytes "$progress" $((256 * 1024)) 60 $client; then
	tap_ok "the stream runs"
else
	tap_fail "the stream runs"
	topo_dump 20
fi

# the live connection, as node1 sees it
conn=$(tandem_node 1 -j conn show group g | jq -r '.[0] | "\(.client):\(.client_port):\(.port)"')
echo "# fuzzing around connection $conn"

# fuzz SEED_OFFSET NODE...: tfuzz at NODEs' replication addresses; checks
# that each counted the datagrams, none dropped for sender or tag
fuzz() {
	local off=$1 node out sent
	local -a to=()
	local -A rx0 tag0 snd0
	shift
	for node; do
		to+=(--to "$(node_rep_addr $node):$TOPO_REPL_PORT")
		rx0[$node]=$(topo_ns_counter $node chan_rx)
		tag0[$node]=$(topo_ns_counter $node chan_drop_tag)
		snd0[$node]=$(topo_ns_counter $node chan_drop_sender)
	done
	out=$(node_exec fuzzer "$TFUZZ" wire --key "$TOPO_DIR/group.key" \
		--from $FZ_ADDR:$TOPO_REPL_PORT --id 4 --group $TOPO_GROUP_ID \
		--epoch $EPOCH --conn "$conn" --vip $TOPO_VIP:$PORT \
		--count "$COUNT" --seed $((SEED + off)) ${FUZZ_TYPES:+--types "$FUZZ_TYPES"} \
		"${to[@]}") || return 1
	echo "tfuzz: $out"
	sent=$(json_num "$out" sent)
	for node; do
		wait_until 30 sh -c '[ "$("$1" -n "$2" -j stats | jq .counters.chan_rx)" -ge "$3" ]' \
			sh "$TANDEM_CLI" "$(node_ns $node)" $((rx0[$node] + sent)) ||
			{ echo "node$node: chan_rx $(topo_ns_counter $node chan_rx), was ${rx0[$node]}, sent $sent"; return 1; }
		[ "$(topo_ns_counter $node chan_drop_tag)" -eq "${tag0[$node]}" ] &&
			[ "$(topo_ns_counter $node chan_drop_sender)" -eq "${snd0[$node]}" ] ||
			{ echo "node$node: dropped for tag or sender: $(topo_counters $node)"; return 1; }
		echo "node$node: $(topo_counters $node)"
	done
}
tap_check "fuzzed datagrams at the backups were authenticated and processed" fuzz 0 2 3
tap_check "fuzzed datagrams at the primary were authenticated and processed" fuzz 1 1

still_streaming() {
	local before=$(stream_progress "$progress")
	stream_wait_bytes "$progress" $((before + 128 * 1024)) 60 $client ||
		{ tandem_node 1 conn show group g; return 1; }
}
tap_check "the stream goes on after the fuzzing" still_streaming

# the takeover: what the fuzzer told the backups must not reach the client
# as wrong bytes
if kill -0 $client 2>/dev/null; then
	tap_ok "the stream still runs at the takeover"
else
	tap_fail "the stream still runs at the takeover (raise FUZZ_BYTES)"
fi
node_crash 1
topo_failover 2 $((EPOCH + 1))
tap_check "node2 took over" sh -c '[ "$("$1" -n "$2" -j group show g | jq -r ".[0].role")" = primary ]' \
	sh "$TANDEM_CLI" "$(node_ns 2)"

wait $client
rc=$?
result=$(tail -n 1 "$out")
echo "# client: exit $rc: $result"
ok=$(json_num "$result" ok) reset=$(json_num "$result" reset)
mismatch=$(json_num "$result" mismatch) eof=$(json_num "$result" eof)
if [ "${mismatch:-1}" -eq 0 ] && [ "${eof:-1}" -eq 0 ] &&
   [ $((${ok:-0} + ${reset:-0})) -eq $CONNS ]; then
	tap_ok "every connection byte-exact, or reset at the takeover (ok $ok, reset $reset)"
else
	topo_dump 20
	sed 's/^/# client: /' "$out.err" | tail -n 20
	tap_fail "every connection byte-exact, or reset at the takeover"
fi

tap_kmsg_clean
tap_done
