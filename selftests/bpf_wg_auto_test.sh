#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# timeout=420
# The eBPF data path over WireGuard made by tandemd itself (bpf-wireguard):
# no wg command configures anything (wg show only reads, to check). A VM
# test (selftests/vm/run-tests.sh runs every bpf_wg_*; the build host's
# kernel has no wireguard and it skips there). The topology of
# bpf_lib.sh, its veth replication link replaced by `bpf-wireguard = PEER
# w0 51820` in P's and B's tandemd.conf: each tandemd creates w0, keys it
# from the group key (its own private key, the peer's public key, the
# pair's PSK), the peer's member address on the LAN as endpoint, brings it
# up; the peers handshake without traffic (persistent keepalive). The
# keys each side holds are checked against the other's: P's public key is
# B's peer and the reverse, one PSK. B's tandemd restarted: w0 kept, not
# re-created (same ifindex), its peer kept (transfer counters go on).
# Then as bpf_wg_failover_test.sh: paced streams through the VIP mirrored
# to B through w0, B's reports back to P; segments that look mirrored sent
# to B from the LAN, not through w0, dropped; P crashes (its client device
# down, so its WireGuard link too; server and tandemd SIGKILLed): B's
# tandemd is elected and promotes its data path; every stream completes
# byte-exact, no reset, no EOF.
. "$(dirname "$0")/bpf_lib.sh"

. "$(dirname "$0")/bpf_tandemd_lib.sh"
. "$(dirname "$0")/bpf_wg_lib.sh"

CONNS=2
BYTES=$((512 << 10))
RATE=$((64 << 10))	# bytes/s per connection
HOLD=$((64 << 10))	# each stream pauses there (the forgeries' window), then
			# resumes and the crash comes at once
NSEG=50			# forged segments per connection
WGPORT=51820

require_command wg
probe=$(netns_new) || exit 1
ip -n "$probe" link add w0 type wireguard 2>/dev/null ||
	ksft_skip_all "no wireguard in this kernel (a VM test: selftests/vm/run.sh)"

tap_init 16


# node ID's config: bpf_td_conf's with bpf-wireguard for its bpf-repl-dev
wg_conf() {
	local slow='s/^lease = 2s$/lease = 3s/; s/^miss = 5$/miss = 20/'

	bpf_td_conf "$@" | sed "/^insecure-transport/d; $slow;
		s/^bpf-repl-dev = \(.*\)$/bpf-wireguard = \1 $WGPORT/"
}

setup() {
	bpf_setup || return 1
	# the veth replication link out; no w0 yet: tandemd makes it
	ip -n "$P" link del r0 || return 1
	(umask 077; "$TANDEM" genkey > "$work/group.key") &&
	# a lease of 3 s: under TCG on a loaded host one of 2 s lapsed; a
	# member lost after 2 s, not 0.5 s: a primary does not mirror to a
	# member it does not hear, and a connection opened then is unprotected
	wg_conf 1 p0 2 w0 > "$work/td.1.conf" &&
	wg_conf 2 b0 1 w0 > "$work/td.2.conf" &&
	wg_conf 3 | sed '/^insecure-transport/d' > "$work/td.3.conf" &&
	grep -q "^bpf-wireguard = 2 w0 $WGPORT$" "$work/td.1.conf" &&
	grep -q "^bpf-wireguard = 1 w0 $WGPORT$" "$work/td.2.conf" &&
	! grep -q "^bpf-repl-dev\|^insecure" "$work/td.1.conf" "$work/td.2.conf" &&
	grep -q '^lease = 3s$' "$work/td.1.conf" && grep -q '^miss = 20$' "$work/td.1.conf" &&
	"$TANDEMD" -t -c "$work/td.1.conf" && "$TANDEMD" -t -c "$work/td.2.conf" &&
	"$TANDEMD" -t -c "$work/td.3.conf" &&
	! ip -n "$P" link show w0 2>/dev/null && ! ip -n "$B" link show w0 2>/dev/null
}
echo "# ${SECONDS}s: start"
tap_check "topology without a replication link; configs with bpf-wireguard checked" setup
echo "# ${SECONDS}s: setup"

# P and the witness first, then B (bpf_wg_lib.sh)
tap_check "tandemd on the three nodes, datapath = bpf, no test mark" bpf_wg_start_all

made() {
	local ns id
	for ns in "$P" "$B"; do
		ip -n "$ns" -d link show w0 | grep -qw wireguard &&
		ip -n "$ns" link show w0 | grep -q "[<,]UP[,>]" &&
		[ "$(ip netns exec "$ns" cat /proc/sys/net/ipv4/conf/w0/rp_filter)" = 0 ] &&
		[ "$(wgs "$ns" listen-port)" = "$WGPORT" ] || return 1
	done
	for id in 1 2; do
		grep -q "WireGuard device w0 created: peer member $((3 - id)), port $WGPORT" \
			"$work/td.$id.log" || return 1
	done
}
tap_check "tandemd created w0 on P and B: WireGuard, up, port $WGPORT, rp_filter 0" made

# P's public key is B's one peer and the reverse, one PSK, endpoints the
# members' addresses: the two derived the same keys from the group key
keys() {
	local pp bp ppsk bpsk
	pp=$(wgs "$P" public-key) && bp=$(wgs "$B" public-key) &&
	ppsk=$(wgs "$P" preshared-keys) && bpsk=$(wgs "$B" preshared-keys) || return 1
	echo "P $pp, B $bp"
	[ -n "$pp" ] && [ "$pp" != "$bp" ] &&
	[ "$(wgs "$P" peers)" = "$bp" ] && [ "$(wgs "$B" peers)" = "$pp" ] &&
	[ "$ppsk" = "$bp$T${bpsk#*$T}" ] && [ "${ppsk#*$T}" != "(none)" ] &&
	[ "$(wgs "$P" endpoints)" = "$bp${T}10.9.0.3:$WGPORT" ] &&
	[ "$(wgs "$B" endpoints)" = "$pp${T}10.9.0.2:$WGPORT" ] &&
	[ "$(wgs "$P" allowed-ips)" = "$bp${T}0.0.0.0/0" ]
}
TANDEM_VERBOSE=1 tap_check "the keys match: each one's public key the other's peer, one PSK, the members' endpoints" keys

# no datagram sent into the tunnel: the keepalive starts the handshake
shook() {
	local ns
	for ns in "$P" "$B"; do
		[ "$(wgs "$ns" latest-handshakes | awk '{ print $2 }')" -gt 0 ] || return 1
	done
}
tap_check "the WireGuard peers completed a handshake" wait_until 30 shook
echo "# ${SECONDS}s: tunnel"
tap_check "a server on the VIP on the primary and on the backup" bpf_servers
echo "# ${SECONDS}s: tandemd and servers"

bpf_wg_settled

# B's tandemd stopped and started again: w0 reconfigured in place
rx_of() { wgs "$B" transfer | awk '{ print $2 }'; }
restart_b() {
	local ifi0 rx0 pid
	ifi0=$(ip netns exec "$B" cat /sys/class/net/w0/ifindex) && rx0=$(rx_of) &&
	pid=$(cat "$work/td.2.pid") || return 1
	kill "$pid" && wait_until 20 eval "! kill -0 $pid 2>/dev/null" || return 1
	mv "$work/td.2.log" "$work/td.2.log.0"
	BPF_TD_NOWAIT=1 bpf_td_start "$B" 2 && bpf_td_ready 2 40 || return 1
	echo "w0 ifindex $ifi0 -> $(ip netns exec "$B" cat /sys/class/net/w0/ifindex), rx bytes $rx0 -> $(rx_of)"
	grep "WireGuard device w0" "$work/td.2.log"
	[ "$(ip netns exec "$B" cat /sys/class/net/w0/ifindex)" = "$ifi0" ] &&
	[ "$(rx_of)" -ge "$rx0" ] && [ "$rx0" -gt 0 ] &&
	grep -q "WireGuard device w0 kept (peer member 1, port $WGPORT)" "$work/td.2.log"
}
TANDEM_VERBOSE=1 tap_check "B's tandemd restarted: w0 kept (same device, same peer)" restart_b
if ! wait_until 30 settled; then
	tap_fail "P primary, B backup again after B's restart"
	bpf_td_dump 2
else
	tap_ok "P primary, B backup again after B's restart"
fi

bpf_wg_crash
echo "# ${SECONDS}s"
tap_done
