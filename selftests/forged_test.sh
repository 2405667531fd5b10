#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad replication datagrams (issue 3, test 9). Three replicas, a stream
# through the VIP; from the primary's replication address and port, tforge
# (selftests/tools) sends each backup COUNT garbage, truncated,
# wrong-sender, wrong-key, altered (one bit of a genuine SEGMENT),
# stale-epoch (tagged with the group key) and replayed (a genuine SEGMENT
# again) datagrams:
#  - each is dropped and counted in its counter, exactly: chan_drop_version,
#    _short, _sender, _tag (wrong key and altered), _stale, _replay;
#  - the connection is unharmed: after that the primary crashes, node2 is
#    promoted, and the stream completes byte-exact with no reset.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
COUNT=5
EPOCH=5
BYTES=$((12 * 1024 * 1024))
TFORGE=${TFORGE:-$_tap_dir/selftests/tools/tforge}
PLAN=11

require_root
require_command ip jq ss
require_built "$TSTREAM" "$TFORGE"
require_module

tap_init $PLAN

ns_cnt_ge() { [ "$(topo_ns_counter "$1" "$2")" -ge "$3" ]; }

setup() {
	local node
	topo_up 3 || return 1
	topo_offload on
	for node in 1 2 3; do
		vip_add $node || return 1
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	topo_group g $PORT -- max-lag-bytes 1073741824 max-lag-ms 600000 ||
		return 1
	topo_roles 1 $EPOCH || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT || return 1
	done
}

if ! setup; then
	tap_fail "topology, group and servers"
	tap_skip_rest "no topology"
fi
tap_ok "topology, group and servers"

progress=$TOPO_DIR/progress
out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate 1M --seed $SRANDOM -t 30 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
if ! stream_wait_bytes "$progress" $((256 * 1024)) 60; then
	echo "# the stream did not start: $(stream_progress "$progress")"
	topo_dump
fi

declare -A before after
for node in 2 3; do
	before[$node]=$(tandem_node $node -j stats)
done
forged=$(node_exec 1 "$TFORGE" --key "$TOPO_DIR/group.key" \
	--from "$(node_rep_addr 1):$TOPO_REPL_PORT" \
	--to "$(node_rep_addr 2):$TOPO_REPL_PORT" \
	--to "$(node_rep_addr 3):$TOPO_REPL_PORT" --dev eth1 --count $COUNT)
rc=$?
echo "# tforge: exit $rc: $forged"
# The replays go last: once they are counted, everything arrived.
r2=$(json_num "${before[2]}" chan_drop_replay) r3=$(json_num "${before[3]}" chan_drop_replay)
if [ $rc -eq 0 ] && wait_until 30 ns_cnt_ge 2 chan_drop_replay $((r2 + COUNT)) &&
   wait_until 30 ns_cnt_ge 3 chan_drop_replay $((r3 + COUNT)); then
	tap_ok "tforge sent $COUNT of each kind to node2 and node3"
else
	tap_fail "tforge sent $COUNT of each kind to node2 and node3"
fi
for node in 2 3; do
	after[$node]=$(tandem_node $node -j stats)
done

# The primary crashes while the stream goes on; node2 takes over.
node_crash 1
echo "# crashed node1 after $(stream_progress "$progress") verified bytes"
tandem_node 2 group set g role primary epoch $((EPOCH + 1)) lease 3600000 &&
	tandem_node 3 group set g role backup epoch $((EPOCH + 1))
promoted=$?

# dropped DESC COUNTER N: COUNTER grew by exactly N on node2 and node3
# between the snapshots around tforge's run
dropped() {
	local desc=$1 name=$2 n=$3 node b a ok=1 line=
	for node in 2 3; do
		b=$(json_num "${before[$node]}" "$name") || b=0
		a=$(json_num "${after[$node]}" "$name") || a=0
		line+=" node$node $name $b -> $a;"
		[ $((a - b)) -eq "$n" ] || ok=0
	done
	echo "#$line"
	if [ $ok = 1 ]; then
		tap_ok "$desc: dropped, $name +$n on each backup"
	else
		tap_fail "$desc: dropped, $name +$n on each backup"
	fi
}

dropped "garbage" chan_drop_version $COUNT
dropped "truncated" chan_drop_short $COUNT
dropped "wrong sender" chan_drop_sender $COUNT
dropped "wrong key and altered SEGMENT" chan_drop_tag $((2 * COUNT))
dropped "stale epoch, right key" chan_drop_stale $COUNT
dropped "replayed SEGMENT" chan_drop_replay $COUNT

wait $client
json=$(cat "$out")
echo "# client: $json"
sed 's/^/# /' "$out.err"
if [ $promoted -eq 0 ] &&
   jq -en "input | (.ok == 1 and .bytes_verified == $BYTES and .reset == 0 and .eof == 0 and
	  .mismatch == 0)" <<< "$json" >/dev/null; then
	tap_ok "the stream completed byte-exact across the crash and promotion"
else
	topo_dump
	tap_fail "the stream completed byte-exact across the crash and promotion"
fi
echo "# node2 after the takeover: $(topo_counters 2)"
if topo_counter_ge 2 takeover_resumed 1; then
	tap_ok "node2 resumed the connection (takeover_resumed)"
else
	tap_fail "node2 resumed the connection (takeover_resumed)"
fi
# Still accepted after all that: genuine datagrams from the new primary.
if wait_until 20 ns_cnt_ge 3 injected $(( $(json_num "${after[3]}" injected || echo 0) + 1 )); then
	tap_ok "node3 still takes genuine SEGMENTs (from node2)"
else
	tap_fail "node3 still takes genuine SEGMENTs (from node2)"
fi
tap_done
