#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Re-applied ACK templates (issue 9, finding 8). A backup injects a client
# ACK beyond its own output clamped to its snd_nxt, keeps it as a template
# and injects it again after each new segment of its output
# (ack_reapplied). Each re-applied template is an IP packet the backup's
# stack must take: its IP header checksum has to be right. Request/response
# traffic (tstream --rr, 4 connections) makes the backups re-apply
# templates; on each backup, IpInHdrErrors and IpExtInCsumErrors (nstat in
# its namespace) must not grow while ack_reapplied does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
RR=400

require_root
require_command ip nstat
require_built "$TSTREAM"
require_module

tap_init 5

# mibs NODE: "IpInHdrErrors IpExtInCsumErrors" of NODE
mibs() {
	node_exec "$1" nstat -asz IpInHdrErrors IpExtInCsumErrors |
		awk '$1 == "IpInHdrErrors" { h = $2 } $1 == "IpExtInCsumErrors" { c = $2 }
		     END { print h + 0, c + 0 }'
}

if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT; then
	tap_fail "topology, group and servers"
	for ((i = 2; i <= 5; i++)); do tap_skip "case $i" "no topology"; done
	tap_done
fi
tap_ok "topology, group and servers"

declare -A hdr0 csum0 re0
for node in 2 3; do
	read -r hdr0[$node] csum0[$node] <<< "$(mibs $node)"
	re0[$node]=$(topo_counter $node ack_reapplied)
done
out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -c 4 --rr $RR --size 3000 --seed $SRANDOM -t 30 \
	> "$out" 2> "$out.err"
json=$(cat "$out")
echo "# client: $json"
sed 's/^/# /' "$out.err"
if [ "$(json_num "$json" ok)" = 4 ]; then
	tap_ok "4 x $RR round trips, byte-exact"
else
	tap_fail "4 x $RR round trips, byte-exact"
fi

grew=1
for node in 2 3; do
	re=$(topo_counter $node ack_reapplied)
	echo "# node$node ack_reapplied ${re0[$node]} -> $re"
	[ "$re" -gt "${re0[$node]}" ] || grew=0
done
if [ $grew = 1 ]; then
	tap_ok "both backups re-applied ACK templates (ack_reapplied grew)"
else
	topo_dump 10
	tap_fail "both backups re-applied ACK templates (ack_reapplied grew)"
fi
for node in 2 3; do
	read -r hdr csum <<< "$(mibs $node)"
	desc="node$node's stack took every injected packet (IpInHdrErrors +$((hdr - hdr0[$node])), IpExtInCsumErrors +$((csum - csum0[$node])))"
	if [ "$hdr" = "${hdr0[$node]}" ] && [ "$csum" = "${csum0[$node]}" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
	fi
done
tap_done
