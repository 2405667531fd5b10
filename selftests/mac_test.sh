#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The group's MAC (TANDEM_A_GROUP_MAC, issue 14). Two replicas, a stream
# through the VIP:
#  - `tandem group show` shows the MAC, the default (xchacha20-poly1305)
#    until `group set ... mac hmac-sha256` changes it, in text and JSON;
#    an unknown name is refused by the CLI;
#  - the backup set to the other MAC refuses every datagram of the primary:
#    counted in chan_drop_mac (not chan_drop_tag), logged with the sender
#    and both MACs; the stream is held back (the primary's clamp), not
#    corrupted;
#  - both on hmac-sha256: the stream goes on; then the primary crashes,
#    node2 is promoted and the stream completes byte-exact with no reset.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
EPOCH=5
BYTES=$((6 * 1024 * 1024))

require_root
require_command ip jq
require_built "$TSTREAM"
require_module

tap_init 10

setup() {
	local node
	topo_up 2 || return 1
	topo_offload on
	for node in 1 2; do
		vip_add $node || return 1
	done
	topo_group g $PORT -- max-lag-bytes 1073741824 max-lag-ms 600000 ||
		return 1
	topo_roles 1 $EPOCH || return 1
	for node in 1 2; do
		tstream_server $node $PORT || return 1
	done
}

if ! setup; then
	tap_fail "topology, group and servers"
	tap_skip_rest "no topology"
fi
tap_ok "topology, group and servers"

# shows NODE MAC: group show says MAC, in text and in JSON
shows() {
	local json text
	json=$(tandem_node "$1" -j group show g | jq -r '.[0].mac')
	text=$(tandem_node "$1" group show g | awk '$1 == "mac:" { print $2 }')
	echo "# node$1: json $json, text $text"
	[ "$json" = "$2" ] && [ "$text" = "$2" ]
}
tap_check "group show: the default MAC is xchacha20-poly1305" shows 1 xchacha20-poly1305

refused() {
	local err
	err=$(tandem_node 1 group set g mac md5 2>&1) && return 1
	echo "# $err"
	case $err in *'mac "md5" is unknown'*) return 0 ;; esac
	return 1
}
tap_check "an unknown MAC is refused by the CLI" refused

progress=$TOPO_DIR/progress
out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate 512K --seed $SRANDOM -t 120 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
stream_wait_bytes "$progress" $((256 * 1024)) 60 $client ||
	echo "# the stream did not start: $(stream_progress "$progress")"

# the backup alone on hmac-sha256: it refuses the primary's datagrams
kmsg_mark
drop0=$(topo_ns_counter 2 chan_drop_mac) tag0=$(topo_ns_counter 2 chan_drop_tag)
tandem_node 2 group set g mac hmac-sha256
tap_check "group show: the MAC set is shown" shows 2 hmac-sha256

mac_drops_ge() { [ "$(topo_ns_counter 2 chan_drop_mac)" -ge "$1" ]; }
mismatch() {
	wait_until 30 mac_drops_ge $((drop0 + 10)) ||
		{ echo "# chan_drop_mac $(topo_ns_counter 2 chan_drop_mac), was $drop0"; return 1; }
	[ "$(topo_ns_counter 2 chan_drop_tag)" -eq "$tag0" ] ||
		{ echo "# chan_drop_tag $(topo_ns_counter 2 chan_drop_tag), was $tag0"; return 1; }
}
tap_check "the backup on another MAC drops the primary's datagrams in chan_drop_mac, not chan_drop_tag" mismatch

mismatch_logged() {
	kmsg_since | grep -q "group g: a datagram from node 1 was refused: its MAC is xchacha20-poly1305 (1), the group's is hmac-sha256"
}
logged() {
	wait_until 10 mismatch_logged || { kmsg_since | tail -n 5 | sed 's/^/# /'; return 1; }
}
tap_check "the MAC mismatch is logged with the sender and both MACs" logged

# both on hmac-sha256: replication resumes
tandem_node 1 group set g mac hmac-sha256
resumed() {
	local before
	before=$(stream_progress "$progress")
	stream_wait_bytes "$progress" $((before + 512 * 1024)) 90 $client
}
tap_check "both on hmac-sha256: the stream goes on" resumed

# the takeover: node2 holds every byte under hmac-sha256
if kill -0 $client 2>/dev/null; then
	node_crash 1
	topo_failover 2 $((EPOCH + 1))
fi
tap_check "node2 took over" sh -c '[ "$("$1" -n "$2" -j group show g | jq -r ".[0].role")" = primary ]' \
	sh "$TANDEM_CLI" "$(node_ns 2)"

wait $client
rc=$?
result=$(tail -n 1 "$out")
echo "# client: exit $rc: $result"
ok=$(json_num "$result" ok) mismatch=$(json_num "$result" mismatch)
reset=$(json_num "$result" reset)
if [ $rc -eq 0 ] && [ "${ok:-0}" -eq 1 ] && [ "${mismatch:-1}" -eq 0 ] &&
   [ "${reset:-1}" -eq 0 ]; then
	tap_ok "the stream completed byte-exact across the takeover"
else
	topo_dump 20
	sed 's/^/# client: /' "$out.err" | tail -n 20
	tap_fail "the stream completed byte-exact across the takeover"
fi

tap_kmsg_clean
tap_done
