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

tap_check "primary and two backups, tandemd with datapath = bpf on each" bpf_td_three
tap_check "a server on the VIP on every node" bpf_servers
bpf_td_settled3
bpf_td_client
tap_check "the client verified part of every stream; both backups follow" \
	wait_until 20 bpf_td_follow 2 3

crash() {
	bpf_crash "$B2" b0 s1 q2 &&
	kill -9 "$(cat "$work/td.3.pid")"
}
tap_check "backup B2 crashes: links, server and tandemd" crash

bpf_td_exact "$CONNS streams of $BYTES bytes byte-exact, on past the lost backup"

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
