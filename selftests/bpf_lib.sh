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
#   bpf_setup    the namespaces and links         (sets C P B)
#   bpf_dp       programs attached, group and service on both nodes
#   bpf_servers  tstream servers on the VIP on both nodes (pids in $work)
#   bpf_stat NODE NAME, bpf_txb: a counter (p or b), packets sent by b0
# Sourcing it skips the test (exit 4) without root, tools, or BPF.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TBPF=${TBPF:-$PWD/bpf/build/tbpf}
TSTREAM=${TSTREAM:-$PWD/selftests/tools/tstream}
VIP=10.9.0.100
PORT=7777

[ "$(id -u)" -eq 0 ] || ksft_skip_all "needs root"
command -v ip >/dev/null || ksft_skip_all "needs ip (iproute2)"
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

# setup: the two nodes, the client's LAN, the replication link
bpf_setup() {
	local ns
	for ns in "$C" "$P" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
		ip -n "$ns" link set lo up || return 1
	done
	ip -n "$C" link add br0 type bridge &&
	ip -n "$C" link set br0 up &&
	ip -n "$C" addr add 10.9.0.1/24 dev br0 &&
	ip link add cp netns "$C" type veth peer name p0 netns "$P" &&
	ip link add cb netns "$C" type veth peer name b0 netns "$B" &&
	ip -n "$C" link set cp master br0 up &&
	ip -n "$C" link set cb master br0 up &&
	ip -n "$P" addr add 10.9.0.2/24 dev p0 &&
	ip -n "$P" addr add "$VIP/32" dev p0 &&
	ip -n "$P" link set p0 up &&
	ip -n "$B" addr add 10.9.0.3/24 dev b0 &&
	ip -n "$B" addr add "$VIP/32" dev lo &&
	ip -n "$B" link set b0 up || return 1
	# the backup never answers ARP for the VIP nor asks for the client
	ip netns exec "$B" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 || return 1
	# Namespaces share one kernel's ISN secret: the same 4-tuple would get
	# nearly the same ISN (and timestamp offset) on both nodes, and a
	# missing translation would go unnoticed. SYN cookies on the backup
	# give its ISNs and TSvals another function altogether.
	ip netns exec "$B" sysctl -qw net.ipv4.tcp_syncookies=2 || return 1
	ip -n "$B" neigh add 10.9.0.1 lladdr \
		"$(ip -n "$C" -j link show br0 | jq -r '.[0].address')" dev b0 nud permanent || return 1
	ip link add r0 netns "$P" type veth peer name r1 netns "$B" &&
	ip -n "$P" addr add 10.9.1.1/24 dev r0 &&
	ip -n "$B" addr add 10.9.1.2/24 dev r1 &&
	ip -n "$P" link set r0 up &&
	ip -n "$B" link set r1 up || return 1
	# mirrored segments (backup) and kicks (primary) carry the client's
	# address over the replication link
	ip netns exec "$B" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.r1.rp_filter=0 &&
	ip netns exec "$P" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.r0.rp_filter=0
}

# the programs, the group, the service
bpf_dp() {
	"$TBPF" load "$pins/b" &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" p0 in &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" p0 out &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" r0 repl &&
	ip netns exec "$P" "$TBPF" group "$pins/p" "$VIP" primary 3600000 mirror r0 insecure &&
	"$TBPF" service "$pins/p" "$VIP" "$PORT" &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" b0 in &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" b0 out &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" r1 repl &&
	ip netns exec "$B" "$TBPF" group "$pins/b" "$VIP" backup 0 repl r1 node 2 insecure &&
	"$TBPF" service "$pins/b" "$VIP" "$PORT"
}

bpf_servers() {
	local ns
	for ns in "$P" "$B"; do
		ip netns exec "$ns" "$TSTREAM" server -l "$VIP" -p "$PORT" \
			--ready-file "$work/ready.$ns" >>"$work/server.log" 2>&1 &
		echo $! > "$work/server.$ns.pid"
		on_exit kill $!
	done
	wait_until 10 test -e "$work/ready.$P" -a -e "$work/ready.$B"
}

bpf_stat() { "$TBPF" stats "$pins/$1" | awk -v k="$2" '$1 == k { print $2 }'; }
bpf_txb() { ip netns exec "$B" cat /sys/class/net/b0/statistics/tx_packets; }

