#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The eBPF data path over its production transport: WireGuard, with tandemd
# (`datapath = bpf`) and without insecure-transport-for-tests. A VM test
# (selftests/vm/run-tests.sh runs it; the build host's kernel has no
# wireguard and it skips there). The topology of bpf_lib.sh, its veth
# replication link replaced by one WireGuard device per node (w0 on P and
# B, point to point), set up as docs/datapath-bpf.md tells the operator:
# a key pair per node, a preshared key for the pair, the peer's endpoint on
# the client LAN (the nodes' one network), AllowedIPs 0.0.0.0/0 (mirrored
# segments carry the clients' addresses), rp_filter off. tandemd accepts
# the devices as an authenticated transport (the loader reads
# DEVTYPE=wireguard) and the group entries carry no test mark.
# Paced streams through the VIP: mirrored to B through w0, B's reports back
# to P through w0 (the clamp opens). While the streams pause, segments that
# look mirrored (client to VIP:service, checksums right, at B's next
# expected byte) sent to B from the LAN, not through w0, are dropped (B's
# net_dropped). The streams resume, and P crashes at once
# (its client device down, so its WireGuard link too; server and tandemd
# SIGKILLed): B's tandemd is elected and promotes its data path; every
# stream completes byte-exact, no reset, no EOF.
. "$(dirname "$0")/bpf_lib.sh"

. "$(dirname "$0")/bpf_tandemd_lib.sh"
. "$(dirname "$0")/bpf_wg_lib.sh"

CONNS=2
BYTES=$((512 << 10))
RATE=$((64 << 10))	# bytes/s per connection
HOLD=$((64 << 10))	# each stream pauses there (the forgeries' window), then
			# resumes and the crash comes at once
NSEG=50			# forged segments per connection

require_command wg
probe=$(netns_new) || exit 1
ip -n "$probe" link add w0 type wireguard 2>/dev/null ||
	ksft_skip_all "no wireguard in this kernel (a VM test: selftests/vm/run.sh)"

tap_init 12


# wg_node NS ADDR PEER_ENDPOINT: NS's w0 (ADDR/30), its key in $work/wg.NS
wg_node() {
	local ns=$1 addr=$2 peer=$3 peerkey=$4
	ip netns exec "$ns" wg set w0 private-key "$work/wg.$ns" listen-port 51820 \
		peer "$(wg pubkey < "$work/wg.$peerkey")" preshared-key "$work/wg.psk" \
		endpoint "$peer:51820" allowed-ips 0.0.0.0/0 &&
	ip -n "$ns" addr add "$addr/30" dev w0 &&
	ip -n "$ns" link set w0 up &&
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.w0.rp_filter=0
}

setup() {
	local slow='s/^lease = 2s$/lease = 3s/; s/^miss = 5$/miss = 20/'

	bpf_setup || return 1
	# the veth replication link out, WireGuard in
	ip -n "$P" link del r0 &&
	ip -n "$P" link add w0 type wireguard &&
	ip -n "$B" link add w0 type wireguard || return 1
	(umask 077; wg genkey > "$work/wg.$P" && wg genkey > "$work/wg.$B" &&
		wg genpsk > "$work/wg.psk") || return 1
	wg_node "$P" 10.9.1.1 10.9.0.3 "$B" && wg_node "$B" 10.9.1.2 10.9.0.2 "$P" || return 1
	(umask 077; "$TANDEM" genkey > "$work/group.key") &&
	# a lease of 3 s: under TCG on a loaded host one of 2 s lapsed; a
	# member lost after 2 s, not 0.5 s: a primary does not mirror to a
	# member it does not hear, and a connection opened then is unprotected
	bpf_td_conf 1 p0 2 w0 | sed "/^insecure-transport/d; $slow" > "$work/td.1.conf" &&
	bpf_td_conf 2 b0 1 w0 | sed "/^insecure-transport/d; $slow" > "$work/td.2.conf" &&
	bpf_td_conf 3 | sed "$slow" > "$work/td.3.conf" &&
	grep -q '^lease = 3s$' "$work/td.1.conf" && grep -q '^miss = 20$' "$work/td.1.conf" &&
	"$TANDEMD" -t -c "$work/td.1.conf" && "$TANDEMD" -t -c "$work/td.2.conf" &&
	"$TANDEMD" -t -c "$work/td.3.conf"
}
echo "# ${SECONDS}s: start"
tap_check "topology; WireGuard between P and B (keys, PSK, endpoints on the LAN); configs checked" setup
echo "# ${SECONDS}s: setup"

# the peers complete a handshake (a datagram into the tunnel starts it)
tunnel() {
	ip netns exec "$P" bash -c 'echo x > /dev/udp/10.9.1.2/9' 2>/dev/null
	[ "$(ip netns exec "$B" wg show w0 latest-handshakes | awk '{ print $2 }')" -gt 0 ]
}
tap_check "the WireGuard peers completed a handshake" wait_until 20 tunnel
echo "# ${SECONDS}s: topology"

# P and the witness first, then B (bpf_wg_lib.sh)
tap_check "tandemd on the three nodes, datapath = bpf, no test mark" bpf_wg_start_all
tap_check "a server on the VIP on the primary and on the backup" bpf_servers
echo "# ${SECONDS}s: tandemd and servers"

bpf_wg_settled

bpf_wg_crash
echo "# ${SECONDS}s"
tap_done
