#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The eBPF data path (bpf/) end to end, natively on the running kernel (no
# module, no VM needed): a client, a primary and a backup as network
# namespaces. The client and both nodes share a bridge (the client's LAN);
# the primary mirrors the client's segments to the backup over a veth (the
# replication link: a test-only, unauthenticated transport). The backup's
# stack runs the same server on the VIP (on its lo) from the mirrored
# segments, translated into its own sequence space, and its output is
# stolen at its egress, except the segments that report its progress to
# the primary over the replication link. The primary clamps the ACKs and
# windows it sends to what the backup acknowledged, and makes its stack ACK
# at once when a report opens the clamp. Checks: the streams through the VIP
# are byte-exact, the backup's stack received every client byte and FIN of
# every connection, nothing left the backup's client-facing device while it
# stole its output, the primary clamped, and no segment was dropped for a
# missing translation.
. "$(dirname "$0")/lib.sh"

TBPF=${TBPF:-$PWD/bpf/build/tbpf}
TSTREAM=${TSTREAM:-$PWD/selftests/tools/tstream}
VIP=10.9.0.100
PORT=7777
CONNS=4
BYTES=$((4 << 20))

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

tap_init 7

C=$(netns_new) && P=$(netns_new) && B=$(netns_new) || exit 1

# setup: the two nodes, the client's LAN, the replication link
setup() {
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
dp() {
	"$TBPF" load "$pins/b" &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" p0 in &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" p0 out &&
	ip netns exec "$P" "$TBPF" attach "$pins/p" r0 repl &&
	ip netns exec "$P" "$TBPF" group "$pins/p" "$VIP" primary 3600000 mirror r0 &&
	"$TBPF" service "$pins/p" "$VIP" "$PORT" &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" b0 in &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" b0 out &&
	ip netns exec "$B" "$TBPF" attach "$pins/b" r1 repl &&
	ip netns exec "$B" "$TBPF" group "$pins/b" "$VIP" backup 0 repl r1 &&
	"$TBPF" service "$pins/b" "$VIP" "$PORT"
}

servers() {
	local ns
	for ns in "$P" "$B"; do
		ip netns exec "$ns" "$TSTREAM" server -l "$VIP" -p "$PORT" \
			--ready-file "$work/ready.$ns" >>"$work/server.log" 2>&1 &
		on_exit kill $!
	done
	wait_until 10 test -e "$work/ready.$P" -a -e "$work/ready.$B"
}

tap_check "topology: client LAN, primary, backup, replication link" setup
tap_check "programs loaded and attached, group and service set" dp
tap_check "a server on the VIP on the primary and on the backup" servers

stat() { "$TBPF" stats "$pins/$1" | awk -v k="$2" '$1 == k { print $2 }'; }
txb() { ip netns exec "$B" cat /sys/class/net/b0/statistics/tx_packets; }

tx0=$(txb)
out=$(ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--timeout 60 2>&1)
rc=$?
echo "# client: $out"
if [ $rc -eq 0 ] && echo "$out" | jq -e ".ok == $CONNS" >/dev/null; then
	tap_ok "$CONNS streams of $BYTES bytes through the VIP are byte-exact"
else
	tap_fail "$CONNS streams of $BYTES bytes through the VIP are byte-exact (exit $rc)"
fi

# the backup's stack acknowledged every byte and the FIN of every stream
received() {
	local n
	n=$("$TBPF" conns "$pins/b" | grep -c " received=$((BYTES + 1)) ")
	[ "$n" -eq "$CONNS" ]
}
if wait_until 10 received; then
	tap_ok "the backup's stack received every client byte and FIN"
else
	"$TBPF" conns "$pins/b" | sed 's/^/# backup: /'
	tap_fail "the backup's stack received every client byte and FIN"
fi

stolen=$(stat b stolen) tx=$(( $(txb) - tx0 ))
if [ "${stolen:-0}" -gt 100 ] && [ "$tx" -eq 0 ]; then
	tap_ok "the backup stole its output ($stolen segments), sent nothing to the client"
else
	tap_fail "the backup stole its output ($stolen segments), sent nothing to the client ($tx packets left b0)"
fi

check_counters() {
	local p_clamped p_mirrored b_nodelta b_notrepl b_xlated p_reports p_kicked
	p_clamped=$(stat p clamped) p_mirrored=$(stat p mirrored)
	p_reports=$(stat p report_recv) p_kicked=$(stat p kicked)
	b_nodelta=$(stat b no_delta) b_notrepl=$(stat b not_repl)
	b_xlated=$(stat b translated)
	echo "primary: mirrored=$p_mirrored clamped=$p_clamped csum_bad=$(stat p csum_bad)" \
		"handshake_bad=$(stat p handshake_bad) reports=$p_reports kicked=$p_kicked;" \
		"backup: translated=$b_xlated reports=$(stat b report_sent)" \
		"no_delta=$b_nodelta not_repl=$b_notrepl ack_clamped=$(stat b ack_clamped)"
	[ "$p_clamped" -gt 0 ] && [ "$p_mirrored" -gt 0 ] && [ "$b_xlated" -gt 0 ] &&
		[ "$p_reports" -gt 0 ] && [ "$p_kicked" -gt 0 ] &&
		[ "$b_nodelta" -eq 0 ] && [ "$b_notrepl" -eq 0 ] &&
		[ "$(stat p csum_bad)" -eq 0 ] && [ "$(stat p handshake_bad)" -eq 0 ]
}
TANDEM_VERBOSE=1 tap_check "the primary mirrored, clamped, took reports and ACKed at once; the backup translated every segment" \
	check_counters

tap_done
