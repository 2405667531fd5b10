#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The primary's lease (issue 3, test 10). Two replicas, a stream through
# the VIP; the primary's lease is cut to 1.5 s and not renewed:
#  - the node fences itself (group show: role fenced);
#  - from then on nothing from the VIP reaches the client: what the node's
#    stack sends (at least the FIN or RST of its server's exit) is stolen
#    (fenced_dropped), the client's received TCP segments and verified bytes
#    stay where they were, and the client sees no reset, no EOF and no wrong
#    byte (its stream times out);
#  - invalid role changes are refused with exit status 2 and the kernel's
#    extended ACK message, and change nothing;
#  - an absolute lease (lease-expiry, CLOCK_MONOTONIC ns) promotes node2,
#    whose gratuitous ARPs move the client's neighbour entry of the VIP and
#    repeat every garp-refresh ms until the refresh is turned off; an
#    expiry already past fences it at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
PLAN=20

require_root
require_command ip jq ss awk
require_built "$TSTREAM"
require_module

tap_init $PLAN

# group_field NODE FIELD: a field of group g in NODE's group show -j
group_field() {
	tandem_node "$1" -j group show g 2>/dev/null | jq -r ".[0].$2 // \"none\""
}

# mono_ns MS: CLOCK_MONOTONIC in ns, MS milliseconds from now
mono_ns() {
	awk -v ms="$1" '/^now at/ { printf "%.0f\n", $3 + ms * 1000000; exit }' /proc/timer_list
}

role_is() { [ "$(group_field "$1" role)" = "$2" ]; }

# the client's TCP segments received (all of them come from the VIP)
client_insegs() {
	client_exec awk '/^Tcp:/ { if (!c) { for (i = 1; i <= NF; i++)
		if ($i == "InSegs") c = i } else print $c }' /proc/net/snmp
}

setup() {
	local node
	topo_up 2 || return 1
	topo_offload on
	for node in 1 2; do
		vip_add $node || return 1
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	topo_group g $PORT -- max-lag-bytes 1073741824 max-lag-ms 600000 ||
		return 1
	topo_roles 1 1 || return 1
	for node in 1 2; do
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
# Ends 8 s after its last verified byte (the fence stops the stream).
tstream_client $TOPO_VIP:$PORT -b 64M --rate 1M --seed $SRANDOM -t 8 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!

kmsg_mark
if stream_wait_bytes "$progress" $((256 * 1024)) 60 &&
   tandem_node 1 group set g lease 1500 &&
   [ "$(group_field 1 lease_remaining_ms)" -le 1500 ]; then
	tap_ok "stream running; node1's lease cut to 1500 ms"
else
	echo "# progress $(stream_progress "$progress"), lease $(group_field 1 lease_remaining_ms)"
	tap_fail "stream running; node1's lease cut to 1500 ms"
fi

# the kernel's log names the epoch as BALLOT.NODE, like the CLI
e=$(group_field 1 epoch)
lapsed() { kmsg_since | grep -q "group g: lease of epoch $((e >> 32)).$((e & 0xffffffff)) expired, node fenced"; }
if wait_until 30 role_is 1 fenced && wait_until 10 lapsed; then
	tap_ok "node1 fenced itself when its lease lapsed (logged, epoch $((e >> 32)).$((e & 0xffffffff)))"
else
	topo_dump
	kmsg_since | grep "lease of epoch" | sed 's/^/# /'
	tap_fail "node1 fenced itself when its lease lapsed (logged, epoch as BALLOT.NODE)"
fi

# From the fence on, nothing may reach the client. To be sure node1 tries
# to send something (all its output may have been acknowledged when the
# lease lapsed, and the client's segments no longer reach its stack), its
# server is killed: the kernel closes the connection (a FIN, or a RST),
# which the fence must steal (fenced_dropped) like everything else.
s1=$(client_insegs) p1=$(stream_progress "$progress") f0=$(topo_counter 1 fenced_dropped)
kill -TERM $(ip netns pids "$(node_ns 1)") 2>/dev/null
ok=0
if wait_until 30 topo_counter_ge 1 fenced_dropped $((f0 + 1)); then
	s2=$(client_insegs) p2=$(stream_progress "$progress") f1=$(topo_counter 1 fenced_dropped)
	echo "# fenced_dropped $f0 -> $f1; client InSegs $s1 -> $s2, verified $p1 -> $p2"
	[ "$s1" = "$s2" ] && [ "$p1" = "$p2" ] && ok=1
fi
if [ $ok = 1 ]; then
	tap_ok "fenced: node1's output stolen (fenced_dropped), nothing reached the client"
else
	echo "# fenced_dropped $(topo_counter 1 fenced_dropped) (from $f0)"
	topo_dump
	tap_fail "fenced: node1's output stolen (fenced_dropped), nothing reached the client"
fi

wait $client
json=$(cat "$out")
echo "# client: $json"
sed 's/^/# /' "$out.err"
if jq -en 'input | (.timeout == 1 and .reset == 0 and .eof == 0 and .mismatch == 0)' \
	<<< "$json" >/dev/null; then
	tap_ok "the client saw no reset, no EOF, no wrong byte (its stream timed out)"
else
	tap_fail "the client saw no reset, no EOF, no wrong byte (its stream timed out)"
fi

# refused DESC NODE MESSAGE ARGS...: tandem group set g ARGS on NODE exits
# 2 and prints MESSAGE (the extended ACK)
refused() {
	local desc=$1 node=$2 msg=$3 err rc
	shift 3
	err=$(tandem_node "$node" group set g "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 2 ] && grep -qiF -- "$msg" <<< "$err"; then
		echo "# node$node: group set g $*: $err"
		tap_ok "refused: $desc"
	else
		echo "# node$node: group set g $*: exit $rc: $err (expected 2 and \"$msg\")"
		tap_fail "refused: $desc"
	fi
}

refused "an epoch going backwards" 2 "epoch may not go backwards" \
	role backup epoch 0
refused "a primary without a lease" 2 "primary role requires a lease" \
	role primary epoch 2
refused "a promotion with a lease already expired" 2 "already passed" \
	role primary epoch 2 lease-expiry 1
refused "both lease attributes" 2 "not both" \
	role primary epoch 2 lease 1000 lease-expiry "$(mono_ns 1000)"
refused "a lease expiry over an hour ahead" 2 "ms ahead" \
	role primary epoch 2 lease-expiry "$(mono_ns 3601000)"
refused "a garp refresh below 100 ms" 2 "refresh must be 0 or 100" \
	garp-refresh 99
refused "a primary in the epoch it was fenced in" 1 \
	"requires an epoch greater than the current one" \
	role primary epoch 1 lease 60000
refused "a lease on a fenced node" 1 "a lease applies only to a primary" \
	lease 60000
refused "a backup without an epoch" 2 "backup role requires" role backup

r1=$(group_field 1 role) e1=$(group_field 1 epoch)
r2=$(group_field 2 role) e2=$(group_field 2 epoch)
echo "# node1 $r1 epoch $e1, node2 $r2 epoch $e2"
if [ "$r1 $e1 $r2 $e2" = "fenced 1 backup 1" ]; then
	tap_ok "refused changes changed nothing"
else
	tap_fail "refused changes changed nothing"
fi

if tandem_node 2 group set g role primary epoch 2 \
	lease-expiry "$(mono_ns 60000)" garp-refresh 300 &&
   role_is 2 primary && left=$(group_field 2 lease_remaining_ms) &&
   [ "$left" -gt 30000 ] && [ "$left" -le 60000 ]; then
	tap_ok "node2 promoted with an absolute lease 60 s ahead (remaining $left ms)"
else
	tap_fail "node2 promoted with an absolute lease 60 s ahead (remaining ${left:-?} ms)"
fi

node2_mac=$(node_exec 2 cat /sys/class/net/eth0/address)
client_vip_mac() {
	[ "$(client_exec ip neigh show "$TOPO_VIP" | awk '{ for (i = 1; i < NF; i++)
		if ($i == "lladdr") print $(i + 1) }')" = "$node2_mac" ]
}
if wait_until 30 client_vip_mac; then
	tap_ok "node2's gratuitous ARP moved the client's VIP entry to $node2_mac"
else
	client_exec ip neigh show | sed 's/^/# client: /'
	tap_fail "node2's gratuitous ARP moved the client's VIP entry to $node2_mac"
fi

# garp-count (3) on the promotion, then one every 300 ms
if wait_until 60 topo_counter_ge 2 garp_sent 7; then
	tap_ok "garp-refresh 300: node2 keeps announcing the VIP ($(topo_counter 2 garp_sent) sent)"
else
	tap_fail "garp-refresh 300: node2 keeps announcing the VIP ($(topo_counter 2 garp_sent) sent)"
fi

tandem_node 2 group set g garp-refresh 0
g0=$(topo_counter 2 garp_sent)
sleep 2
g1=$(topo_counter 2 garp_sent)
if [ "$(group_field 2 garp_refresh_ms)" = 0 ] && [ "$g1" -le $((g0 + 1)) ]; then
	tap_ok "garp-refresh 0: the announcements stop ($g0 -> $g1 in 2 s)"
else
	tap_fail "garp-refresh 0: the announcements stop ($g0 -> $g1 in 2 s)"
fi

if tandem_node 2 group set g lease-expiry 1 && wait_until 20 role_is 2 fenced; then
	tap_ok "a renewal with an expiry already past fences node2 at once"
else
	tap_fail "a renewal with an expiry already past fences node2 at once"
fi
tap_done
