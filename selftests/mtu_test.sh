#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A replication link of small MTU (issue 3, "Mirror"): with the replication
# net at MTU 1000, the SEGMENTs of full-sized client segments (GRO on) do not
# fit a frame and travel as IP fragments; mirroring, a crash of the primary
# and a promotion still leave the stream byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5004
MTU=1000
BYTES=$((8 * 1024 * 1024))
require_root
require_command ip jq nstat
require_built "$TSTREAM"

tap_init 5

setup() {
	local node
	topo_up 3 || return 1
	topo_offload on || return 1
	rep_mtu $MTU || return 1
	for node in 1 2 3; do
		vip_add $node || return 1
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	topo_group g $PORT -- max-lag-bytes 1073741824 max-lag-ms 600000 ||
		return 1
	topo_roles 1 1 || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT || return 1
	done
}

if ! setup; then
	tap_fail "topology with a replication MTU of $MTU"
	tap_done
fi
tap_ok "topology with a replication MTU of $MTU"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client.json
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate 2M --seed $SRANDOM -t 60 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
at=$(( SRANDOM % (4 * 1024 * 1024) + 1024 * 1024 ))
if stream_wait_bytes "$progress" $at 60; then
	tap_ok "the stream reached $at bytes mirrored through fragments"
else
	tap_fail "the stream reached $at bytes (only $(stream_progress "$progress"))"
fi
frags=$(node_mib 1 IpFragCreates)
tap_check "the primary fragmented SEGMENTs ($frags fragments)" test "${frags:-0}" -gt 0
node_crash 1
tandem_node 2 group set g role primary epoch 2 lease 3600000
tandem_node 3 group set g role backup epoch 2
wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
tap_check "$BYTES bytes byte-exact, no RST, no EOF across a crash" \
	jq -e ".ok == 1 and .bytes_verified == $BYTES and .reset == 0 and .eof == 0" \
	<<< "$json"
tap_check "node2 resumed the connection" test "$(topo_counter 2 takeover_resumed)" -ge 1
tap_done
