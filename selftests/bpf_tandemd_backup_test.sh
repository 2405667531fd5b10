#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd with `datapath = bpf` loses a backup (bpf_lib.sh with two
# backups: P node 1, B node 2, B2 node 3, tandemd on each; three members
# with a data path, no witness). Paced streams run through the VIP; once
# both backups follow every stream, B2 crashes (links cut, server and
# tandemd SIGKILLed). P keeps its lease (P and B are a majority) and must
# stop waiting for B2: its tandemd mirrors only to the members it hears,
# and frees B2's slots in the connections' progress, else the clamp holds
# the client's data at B2's last report for ever. Checks: no failover
# (P primary in the same epoch), P's group entry mirrors to B alone, B2's
# progress forgotten, the streams complete byte-exact.
BPF_BACKUPS=2
. "$(dirname "$0")/bpf_lib.sh"
BPF_TD_MEMBERS="1 10.9.0.2
2 10.9.0.3
3 10.9.0.4"
. "$(dirname "$0")/bpf_tandemd_lib.sh"

CONNS=4
BYTES=$((1 << 20))
RATE=$((128 << 10))	# bytes/s per connection: 8 s per stream
HOLD=$((64 << 10))	# the crash comes once the client verified this much per stream

tap_init 7

setup() {
	bpf_setup &&
	(umask 077; "$TANDEM" genkey > "$work/group.key") &&
	bpf_td_conf 1 p0 2 r0 3 s0 > "$work/td.1.conf" &&
	bpf_td_conf 2 b0 1 r1 3 q1 > "$work/td.2.conf" &&
	bpf_td_conf 3 b0 1 s1 2 q2 > "$work/td.3.conf" &&
	bpf_td_start "$P" 1 && bpf_td_start "$B" 2 && bpf_td_start "$B2" 3
}
tap_check "primary and two backups, tandemd with datapath = bpf on each" setup
tap_check "a server on the VIP on every node" bpf_servers

settled() {
	bpf_td_show "$P" | jq -e '.role == "primary" and .kernel_role == "primary"' >/dev/null &&
	bpf_td_map "$P" 1 | grep -q "role=primary .* mirrors=r0,s0 " &&
	bpf_td_map "$B" 2 | grep -q "role=backup .* repls=r1,q1$" &&
	bpf_td_map "$B2" 3 | grep -q "role=backup .* repls=s1,q2$"
}
if wait_until 20 settled; then
	epoch0=$(bpf_td_show "$P" | jq .epoch)
	tap_ok "P primary in epoch $epoch0, mirroring to both backups"
else
	tap_fail "P primary, mirroring to both backups"
	bpf_td_map "$P" 1 | sed 's/^/# P map: /'
	bpf_td_dump 1 2 3
	epoch0=0
fi

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --timeout 60 --progress-file "$work/progress" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

# both backups reported on every stream: P's progress has their two slots
verified() {
	local v id
	read -r v _ < "$work/progress" 2>/dev/null && [ "${v:-0}" -ge $((CONNS * HOLD)) ] || return 1
	for id in 2 3; do
		[ "$("$TBPF" conns "$(bpf_td_pins $id)" | grep -c 'received=[1-9]')" -eq "$CONNS" ] ||
			return 1
	done
}
tap_check "the client verified part of every stream; both backups follow" wait_until 20 verified

crash() {
	bpf_crash "$B2" b0 s1 q2 &&
	kill -9 "$(cat "$work/td.3.pid")"
}
tap_check "backup B2 crashes: links, server and tandemd" crash

wait "$client"
rc=$?
out=$(cat "$work/client.out")
echo "# client: $out"
if [ $rc -eq 0 ] && echo "$out" | tail -n 1 |
	jq -e ".ok == $CONNS and .reset == 0 and .eof == 0 and .mismatch == 0" >/dev/null; then
	tap_ok "$CONNS streams of $BYTES bytes byte-exact, on past the lost backup"
else
	tap_fail "$CONNS streams of $BYTES bytes byte-exact, on past the lost backup (exit $rc)"
fi

# no failover; P mirrors to B alone and forgot B2's progress
same() {
	local p
	p=$(bpf_td_show "$P") || return 1
	echo "P: $p" | cut -c1-200
	echo "P map: $(bpf_td_map "$P" 1)"
	grep "forgotten" "$work/td.1.log"
	echo "$p" | jq -e ".role == \"primary\" and .epoch == $epoch0" >/dev/null &&
	bpf_td_map "$P" 1 | grep -q "role=primary epoch=$epoch0 .* mirrors=r0 " &&
	grep -q "member 3 not heard: its progress on [1-9][0-9]* connections forgotten" "$work/td.1.log"
}
TANDEM_VERBOSE=1 tap_check "no failover: P primary in epoch $epoch0, mirrors to B alone, B2's progress forgotten" same

tap_done
