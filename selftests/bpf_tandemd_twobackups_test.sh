#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd with `datapath = bpf`, a crash of the primary with two backups
# (bpf_lib.sh with two backups: P node 1, B node 2, B2 node 3, tandemd on
# each, no witness). Once both backups follow every stream, P crashes
# (its client link cut, then its replication links once both backups hold
# the same bytes, server and tandemd SIGKILLed). B and B2 are a majority: one of
# them (X) is elected and promoted by its tandemd, which mirrors to the
# other (Y); Y's tandemd rewrites its group entry with X's device first
# (where its reports go). Checks: X primary in a higher epoch, mirroring to
# Y, Y a backup of that epoch reporting to X (X takes reports and mirrors
# after the crash); the streams complete byte-exact, no reset, no EOF.
#
# It was run by hand while it stalled in about 1 run in 7 (the new
# primary's output never reached the client): the client's bridge changed
# its address under the backups' neighbour entries (bpf_lib.sh; "The
# two-backup stall" in docs/datapath-bpf.md). On a stall it still prints
# the sockets' state (ss) of the client and both backups.
BPF_BACKUPS=2
. "$(dirname "$0")/bpf_lib.sh"
BPF_TD_MEMBERS="1 10.9.0.2
2 10.9.0.3
3 10.9.0.4"
. "$(dirname "$0")/bpf_tandemd_lib.sh"

CONNS=4
BYTES=$((3 << 19))	# 1.5 MiB
RATE=$((128 << 10))	# bytes/s per connection: 12 s per stream
HOLD=$((64 << 10))	# the crash comes once the client verified this much per stream

tap_init 8

tap_check "primary and two backups, tandemd with datapath = bpf on each" bpf_td_three
tap_check "a server on the VIP on every node" bpf_servers
bpf_td_settled3
bpf_td_client
tap_check "the client verified part of every stream; both backups follow" \
	wait_until 20 bpf_td_follow 2 3

# what each backup's stack received of every stream, sorted by client port
held() { "$TBPF" conns "$(bpf_td_pins "$1")" | sed 's/ flags=[^ ]*//; s/ rcv_nxt.*//' | sort; }
same_bytes() { [ "$(held 2)" = "$(held 3)" ]; }
# The client's link first; the replication links once both backups hold
# the same bytes (the clones in flight delivered; 5 s at most), so that the
# backups are equal at the crash.
crash() {
	ip -n "$P" link set p0 down &&
	{ wait_until 5 same_bytes || echo "# the backups differ at the crash"; } &&
	bpf_crash "$P" r0 s0 &&
	kill -9 "$(cat "$work/td.1.pid")"
}
tap_check "the primary crashes: links, server and tandemd" crash

# X (2 or 3) primary above epoch0 mirroring to Y, Y its backup reporting to X
x=
promoted() {
	local id ns e
	for id in 2 3; do
		[ $id = 2 ] && ns=$B || ns=$B2
		bpf_td_map "$ns" $id | grep -q "^role=primary " && x=$id
	done
	[ -n "$x" ] || return 1
	e=$(bpf_td_map "$([ $x = 2 ] && echo "$B" || echo "$B2")" $x | sed 's/.*epoch=\([0-9]*\).*/\1/')
	[ "$e" -gt "$epoch0" ] || return 1
	if [ $x = 2 ]; then
		bpf_td_map "$B" 2 | grep -q " mirrors=q1 " &&
		bpf_td_map "$B2" 3 | grep -q "^role=backup epoch=$e .* repls=q2,s1$"
	else
		bpf_td_map "$B2" 3 | grep -q " mirrors=q2 " &&
		bpf_td_map "$B" 2 | grep -q "^role=backup epoch=$e .* repls=q1,r1$"
	fi
}
if wait_until 20 promoted; then
	tap_ok "node $x promoted by tandemd above epoch $epoch0, mirroring to the other backup, which reports to it"
	bpf_td_map "$B" 2 | sed 's/^/# B: /'
	bpf_td_map "$B2" 3 | sed 's/^/# B2: /'
	r0=$(bpf_td_stat $x report_recv)
else
	tap_fail "a backup promoted by tandemd, mirroring to the other"
	bpf_td_map "$B" 2 | sed 's/^/# B: /'
	bpf_td_map "$B2" 3 | sed 's/^/# B2: /'
	bpf_td_dump 2 3
	x=2 r0=0
fi

# a stall after the takeover: the sockets' state, for the log
read -r v0 _ < "$work/progress"
moved() { local v; read -r v _ < "$work/progress"; [ "$v" -gt "$v0" ]; }
if ! wait_until 15 moved; then
	echo "# no progress 15 s after the takeover (verified $v0):"
	for ns in "$C" "$B" "$B2"; do
		ip netns exec "$ns" ss -tinoe | sed "s/^/# ss $ns: /" | head -40
	done
fi

if ! bpf_td_exact "$CONNS streams of $BYTES bytes byte-exact through the crash (no reset, no EOF)"; then
	for id in 2 3; do
		"$TBPF" stats "$(bpf_td_pins $id)" | grep -v ' 0$' | tr '\n' ' ' | sed "s/^/# node $id: /"
		echo
		"$TBPF" conns "$(bpf_td_pins $id)" | sed "s/^/# node $id: /"
	done
	ip -n "$C" neigh show "$VIP" | sed 's/^/# client neighbour: /'
	bpf_td_dump 2 3
fi

reports() {
	local r1
	r1=$(bpf_td_stat $x report_recv)
	echo "new primary $x: reports taken $r0 -> $r1"
	[ "$r1" -gt "$r0" ]
}
TANDEM_VERBOSE=1 tap_check "the new primary took the remaining backup's reports" reports

tap_done
