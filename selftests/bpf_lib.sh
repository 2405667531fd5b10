#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the bpf_*_test.sh host tests of the eBPF data path (bpf/): a
# client, a primary and a backup as network namespaces. The client and both
# nodes share a bridge (the client's LAN, 10.9.0.0/24; the VIP 10.9.0.100 on
# the primary's p0 and on the backup's lo); the primary mirrors to the
# backup over a veth (r0 - r1, the replication link: a test-only,
# unauthenticated transport). bpf/build/tbpf loads and configures the
# programs (tandemd's bpf backend is not written yet); maps are pinned in a
# bpf file system mounted for the test.
#   bpf_setup    the namespaces and links         (sets C P B [B2])
#   bpf_dp       programs attached, group and service on every node
#   bpf_servers  tstream servers on the VIP on every node (pids in $work)
#   bpf_stat NODE NAME, bpf_txb: a counter (p, b or b2), packets sent by b0
#   bpf_crash NS DEV...  links cut (no FIN or reset escapes), server killed
#   bpf_vip_to NS DEV    the client's neighbour entry of the VIP to NS's DEV
#                        (what tandemd's gratuitous ARP will do)
#   bpf_mac NS DEV       a device's MAC address
# BPF_BACKUPS=2 (set before sourcing) adds a second backup B2 (b2 on the
# client LAN, the VIP on its lo): P - B2 over s0 - s1, B - B2 over q1 - q2
# (one point-to-point link per pair of nodes, as WireGuard would be).
# Node ids: P 1, B 2, B2 3.
# Sourcing it skips the test (exit 4) without root, tools, or BPF.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TBPF=${TBPF:-$PWD/bpf/build/tbpf}
TSTREAM=${TSTREAM:-$PWD/selftests/tools/tstream}
VIP=10.9.0.100
PORT=7777
BPF_CLIENT_MAC=02:00:0a:09:00:01	# the client's bridge br0

require_root
require_command ip
[ -x "$TBPF" ] && [ -x "$TSTREAM" ] ||
	ksft_skip_all "$TBPF or $TSTREAM not built (make hosttest builds them)"

# $work: files; $pins: a bpf file system of our own for the pinned maps
# no dot in the path: libbpf turns dots of a pin path into underscores
work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-bpf-XXXXXX") || exit 1
on_exit rm -rf "$work"
pins=$work/pins
mkdir "$pins" && mount -t bpf bpf "$pins" 2>/dev/null ||
	ksft_skip_all "cannot mount a bpf file system"
on_exit umount "$pins"
mkdir "$pins/p" "$pins/b"
"$TBPF" load "$pins/p" 2>"$work/load.err" || {
	grep -q -i 'operation not permitted\|not supported' "$work/load.err" &&
		ksft_skip_all "the kernel cannot load the programs: $(head -c 200 "$work/load.err")"
	sed 's/^/# /' "$work/load.err"
}

C=$(netns_new) && P=$(netns_new) && B=$(netns_new) || exit 1
BPF_BACKUPS=${BPF_BACKUPS:-1}
B2=
if [ "$BPF_BACKUPS" -ge 2 ]; then
	B2=$(netns_new) || exit 1
	mkdir "$pins/b2"
fi

bpf_mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }

# a backup node NS: client-facing DEV (peer CDEV on the client's bridge),
# the VIP on lo, no ARP for it, SYN cookies, ADDR on the client LAN
bpf_backup_node() {
	local ns=$1 dev=$2 cdev=$3 addr=$4
	ip link add "$cdev" netns "$C" type veth peer name "$dev" netns "$ns" &&
	ip -n "$C" link set "$cdev" master br0 up &&
	ip -n "$ns" addr add "$addr/24" dev "$dev" &&
	ip -n "$ns" addr add "$VIP/32" dev lo &&
	ip -n "$ns" link set "$dev" up || return 1
	# the backup never answers ARP for the VIP nor asks for the client
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 || return 1
	# Namespaces share one kernel's ISN secret: the same 4-tuple would get
	# nearly the same ISN (and timestamp offset) on both nodes, and a
	# missing translation would go unnoticed. SYN cookies on the backup
	# give its ISNs and TSvals another function altogether.
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_syncookies=2 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 || return 1
	ip -n "$ns" neigh add 10.9.0.1 lladdr "$BPF_CLIENT_MAC" dev "$dev" nud permanent
}

# a point-to-point replication link: NS1's DEV1 (ADDR1) to NS2's DEV2 (ADDR2)
bpf_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
	ip -n "$1" addr add "$3/30" dev "$2" &&
	ip -n "$4" addr add "$6/30" dev "$5" &&
	ip -n "$1" link set "$2" up &&
	ip -n "$4" link set "$5" up &&
	ip netns exec "$1" sysctl -qw "net.ipv4.conf.$2.rp_filter=0" &&
	ip netns exec "$4" sysctl -qw "net.ipv4.conf.$5.rp_filter=0"
}

# setup: the nodes, the client's LAN, the replication links
bpf_setup() {
	local ns
	for ns in "$C" "$P" "$B" $B2; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
		ip -n "$ns" link set lo up || return 1
	done
	# The bridge's address is set, not inherited: a bridge without one
	# takes the lowest address of its ports and changes it when a port
	# with a lower one joins, and the backups' permanent neighbour entry
	# for the client (bpf_backup_node) would name an address the client
	# no longer has. B's did whenever B2's port had the lowest address
	# (about 1 run in 3): once B was promoted, its segments reached the
	# client's bridge addressed to another host's MAC, were dropped
	# before IP, and the streams stalled (the "two-backup stall").
	ip -n "$C" link add br0 address "$BPF_CLIENT_MAC" type bridge &&
	ip -n "$C" link set br0 up &&
	ip -n "$C" addr add 10.9.0.1/24 dev br0 &&
	ip link add cp netns "$C" type veth peer name p0 netns "$P" &&
	ip -n "$C" link set cp master br0 up &&
	ip -n "$P" addr add 10.9.0.2/24 dev p0 &&
	ip -n "$P" addr add "$VIP/32" dev p0 &&
	ip -n "$P" link set p0 up || return 1
	bpf_backup_node "$B" b0 cb 10.9.0.3 || return 1
	# mirrored segments (backup) and kicks (primary) carry the client's
	# address over the replication links
	ip netns exec "$P" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 || return 1
	bpf_link "$P" r0 10.9.1.1 "$B" r1 10.9.1.2 || return 1
	[ -n "$B2" ] || return 0
	bpf_backup_node "$B2" b0 cb2 10.9.0.4 &&
	bpf_link "$P" s0 10.9.1.5 "$B2" s1 10.9.1.6 &&
	bpf_link "$B" q1 10.9.1.9 "$B2" q2 10.9.1.10 &&
	[ "$(bpf_mac "$C" br0)" = "$BPF_CLIENT_MAC" ]	# the backups' entries hold
}

# the programs, the group, the service
bpf_dp() {
	local mirrors="mirror r0"
	[ -n "$B2" ] && mirrors="mirror r0 mirror s0"
	"$TBPF" load "$pins/b" &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" p0 in &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" p0 out &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" r0 repl &&
	ip netns exec "$P" "$TBPF" group "$pins/p" "$VIP" primary 3600000 $mirrors \
		node 1 insecure &&
	"$TBPF" service "$pins/p" "$VIP" "$PORT" &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" b0 in &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" b0 out &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" r1 repl &&
	ip netns exec "$B" "$TBPF" group "$pins/b" "$VIP" backup 0 repl r1 \
		${B2:+repl q1} node 2 insecure &&
	"$TBPF" service "$pins/b" "$VIP" "$PORT" || return 1
	[ -n "$B2" ] || return 0
	"$TBPF" load "$pins/b2" &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" s0 repl &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" q1 repl &&
	ip netns exec "$B2" "$TBPF" attach "$pins/b2" b0 in &&
	ip netns exec "$B2" "$TBPF" attach "$pins/b2" b0 out &&
	ip netns exec "$B2" "$TBPF" attach "$pins/b2" s1 repl &&
	ip netns exec "$B2" "$TBPF" attach "$pins/b2" q2 repl &&
	ip netns exec "$B2" "$TBPF" group "$pins/b2" "$VIP" backup 0 repl s1 repl q2 \
		node 3 insecure &&
	"$TBPF" service "$pins/b2" "$VIP" "$PORT"
}

bpf_crash() {
	local ns=$1 dev
	shift
	for dev in "$@"; do
		ip -n "$ns" link set "$dev" down || return 1
	done
	kill -9 "$(cat "$work/server.$ns.pid")"
}

bpf_vip_to() { ip -n "$C" neigh replace "$VIP" lladdr "$(bpf_mac "$1" "$2")" dev br0; }

# bpf_crash_promote: the primary P crashes, the backup B becomes primary
# (node 2) and the client's VIP neighbour points at it
bpf_crash_promote() {
	bpf_crash "$P" p0 r0 &&
	ip netns exec "$B" "$TBPF" group "$pins/b" "$VIP" primary 3600000 node 2 insecure &&
	bpf_vip_to "$B" b0
}

bpf_servers() {
	local ns
	for ns in "$P" "$B" $B2; do
		ip netns exec "$ns" "$TSTREAM" server -l "$VIP" -p "$PORT" \
			--ready-file "$work/ready.$ns" >>"$work/server.log" 2>&1 &
		echo $! > "$work/server.$ns.pid"
		on_exit kill $!
	done
	wait_until 10 test -e "$work/ready.$P" -a -e "$work/ready.$B" \
		-a -e "$work/ready.${B2:-$B}"
}

bpf_stat() { "$TBPF" stats "$pins/$1" | awk -v k="$2" '$1 == k { print $2 }'; }
bpf_txb() { ip netns exec "$B" cat /sys/class/net/b0/statistics/tx_packets; }

