#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# timeout=420
# tandemd's WireGuard devices (bpf-wireguard) across a group key rotation.
# A VM test (selftests/vm/run-tests.sh runs every bpf_wg_*; the build
# host's kernel has no wireguard and it skips there). The topology of
# bpf_lib.sh with w0 made by tandemd on P and B, as in bpf_wg_auto_test.sh.
# First a w0 of another kind (a dummy) in P's way: tandemd refuses it and
# says so. Then the group settled, paced streams through the VIP; while
# they run, a new group key in the file and every tandemd reloaded
# (key-overlap 2s): when the rotation sends under the new key, P and B
# re-key their devices (replacing the peer: the other's public key changed
# too); the keys each holds match the other's again, the peers handshake
# under them, P stays primary in its epoch and every stream completes
# byte-exact through it (the longest pause printed: the tunnel's).
. "$(dirname "$0")/bpf_lib.sh"

. "$(dirname "$0")/bpf_tandemd_lib.sh"
. "$(dirname "$0")/bpf_wg_lib.sh"

CONNS=2
BYTES=$((768 << 10))
RATE=$((64 << 10))	# bytes/s per connection
HOLD=$((64 << 10))	# verified before the rotation
WGPORT=51820

require_command wg
probe=$(netns_new) || exit 1
ip -n "$probe" link add w0 type wireguard 2>/dev/null ||
	ksft_skip_all "no wireguard in this kernel (a VM test: selftests/vm/run.sh)"

tap_init 10

# wg show NS WHAT: what w0 holds (read only; PEER<tab>VALUE lines)

# bpf_td_conf's, with bpf-wireguard for its bpf-repl-dev and an overlap
wg_conf() {
	local slow='s/^lease = 2s$/lease = 3s/; s/^miss = 5$/miss = 20/'

	bpf_td_conf "$@" | sed "/^insecure-transport/d; $slow;
		s/^heartbeat = /key-overlap = 2s\nheartbeat = /;
		s/^bpf-repl-dev = \(.*\)$/bpf-wireguard = \1 $WGPORT/"
}

setup() {
	bpf_setup || return 1
	ip -n "$P" link del r0 || return 1
	(umask 077; "$TANDEM" genkey > "$work/group.key") &&
	wg_conf 1 p0 2 w0 > "$work/td.1.conf" &&
	wg_conf 2 b0 1 w0 > "$work/td.2.conf" &&
	wg_conf 3 > "$work/td.3.conf" &&
	grep -q "^bpf-wireguard = 2 w0 $WGPORT$" "$work/td.1.conf" &&
	grep -q '^key-overlap = 2s$' "$work/td.1.conf" &&
	"$TANDEMD" -t -c "$work/td.1.conf" && "$TANDEMD" -t -c "$work/td.2.conf" &&
	"$TANDEMD" -t -c "$work/td.3.conf"
}
tap_check "topology without a replication link; configs with bpf-wireguard and key-overlap 2s" setup

# a w0 that is not WireGuard: refused, left as it is
refused() {
	local pid
	ip -n "$P" link add w0 type dummy || return 1
	BPF_TD_NOWAIT=1 bpf_td_start "$P" 1
	pid=$(cat "$work/td.1.pid")
	wait_until 40 grep -q "device w0 exists and is not a WireGuard device" "$work/td.1.log"
	local rc=$?
	kill "$pid" 2>/dev/null
	wait_until 20 eval "! kill -0 $pid 2>/dev/null" || return 1
	grep "w0" "$work/td.1.log"
	mv "$work/td.1.log" "$work/td.1.log.0"
	[ $rc -eq 0 ] &&
	ip -n "$P" -d link show w0 | grep -qw dummy &&
	ip -n "$P" link del w0
}
TANDEM_VERBOSE=1 tap_check "a w0 of another kind in the way: tandemd refuses it and says why" refused

tap_check "tandemd on the three nodes, datapath = bpf, no test mark" bpf_wg_start_all
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

# each one's public key the other's one peer, one PSK (not none)
match() {
	local pp bp ppsk bpsk
	pp=$(wgs "$P" public-key) && bp=$(wgs "$B" public-key) &&
	ppsk=$(wgs "$P" preshared-keys) && bpsk=$(wgs "$B" preshared-keys) || return 1
	[ -n "$pp" ] && [ "$pp" != "$bp" ] &&
	[ "$(wgs "$P" peers)" = "$bp" ] && [ "$(wgs "$B" peers)" = "$pp" ] &&
	[ "$ppsk" = "$bp$T${bpsk#*$T}" ] && [ "${ppsk#*$T}" != "(none)" ]
}
# both peers handshook at or after $1 (seconds since the epoch)
shook_since() {
	local ns
	for ns in "$P" "$B"; do
		[ "$(wgs "$ns" latest-handshakes | awk '{ print $2 }')" -ge "$1" ] || return 1
	done
}
settled() {
	local p b
	p=$(bpf_td_show "$P") && b=$(bpf_td_show "$B") || return 1
	echo "$p" | jq -e '.role == "primary" and .kernel_role == "primary"' >/dev/null &&
	echo "$b" | jq -e '.role == "backup" and .kernel_role == "backup"' >/dev/null &&
	bpf_td_map "$P" 1 | grep -q "role=primary .*node=1 mirrors=w0 "
}
tunnel() { match && shook_since 1 && settled; }
if wait_until 40 tunnel; then
	epoch0=$(bpf_td_show "$P" | jq .epoch)
	pk0=$(wgs "$P" public-key) bk0=$(wgs "$B" public-key)
	tap_ok "keys matched, handshake done, P primary (epoch $epoch0) mirroring over w0"
else
	tap_fail "keys matched, handshake done, P primary mirroring over w0"
	wgs "$P" all | sed 's/^/# P wg: /'
	wgs "$B" all | sed 's/^/# B wg: /'
	bpf_td_dump 1 2
	epoch0=0 pk0= bk0=
fi

bpf_td_client
if wait_until 60 bpf_td_follow 2; then
	tap_ok "the client verified $HOLD bytes of every stream; B follows each"
else
	tap_fail "the client verified $HOLD bytes of every stream; B follows each"
fi

# a new group key, every node reloaded together
t0=$(date +%s)
rotate() {
	(umask 077; "$TANDEM" genkey > "$work/group.key.new") &&
	mv "$work/group.key.new" "$work/group.key" &&
	kill -HUP "$(cat "$work/td.1.pid")" "$(cat "$work/td.2.pid")" \
		"$(cat "$work/td.3.pid")"
}
tap_check "a new group key; the three tandemd reloaded" rotate

# re-keyed on both once the rotation sends under the new key
rekeyed() {
	grep -q "WireGuard device w0 re-keyed (peer member 2, port $WGPORT)" "$work/td.1.log" &&
	grep -q "WireGuard device w0 re-keyed (peer member 1, port $WGPORT)" "$work/td.2.log" &&
	[ "$(wgs "$P" public-key)" != "$pk0" ] && [ "$(wgs "$B" public-key)" != "$bk0" ] &&
	match && shook_since "$t0"
}
if wait_until 40 rekeyed; then
	tap_ok "P and B re-keyed w0 from the new key: keys match again, a new handshake"
	grep -h "re-keyed\|sending under the new key" "$work/td.1.log" "$work/td.2.log" |
		sed 's/^/# /'
else
	tap_fail "P and B re-keyed w0 from the new key: keys match again, a new handshake"
	wgs "$P" all | sed 's/^/# P wg: /'
	wgs "$B" all | sed 's/^/# B wg: /'
	bpf_td_dump 1 2
fi

bpf_td_exact "$CONNS streams of $BYTES bytes byte-exact through the rotation (no reset, no EOF)"
# what the pause was made of (nodes' non-zero counters, the handshakes)
echo "# P:$(stats 1)"
echo "# B:$(stats 2)"
echo "# reloaded at $t0; handshakes P $(wgs "$P" latest-handshakes | cut -f2), B $(wgs "$B" latest-handshakes | cut -f2)"

same_reign() {
	local p
	p=$(bpf_td_show "$P") || return 1
	echo "P: $(echo "$p" | jq -c '{role, epoch}')"
	echo "$p" | jq -e ".role == \"primary\" and .epoch == $epoch0" >/dev/null
}
TANDEM_VERBOSE=1 tap_check "P still primary in epoch $epoch0 (no failover)" same_reign

echo "# ${SECONDS}s"
tap_done
