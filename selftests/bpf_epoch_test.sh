#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Per-datagram epoch fencing on the eBPF data path (bpf/), natively on the
# running kernel (bpf_lib.sh, two backups): a stale primary whose lease is
# still valid in its own map keeps mirroring, and the backups drop its
# clones. Paced streams pause at HOLD bytes (every backup's stack then
# holds exactly HOLD bytes of each); B is promoted in epoch 2 (mirroring
# to B2, which follows epoch 2) while P, not told, stays primary in epoch 1
# with a lease of an hour, still on the client's LAN and on its
# replication links (its output addressed to a MAC nobody has, so that
# it cannot disturb the client). Segments of the client's connections, at B2's next
# expected byte, are then sent to P from the client's LAN: P mirrors them
# to B2 tagged with epoch 1, and B2 drops every one (stale_epoch): its
# stack receives no byte of them. Seen failing without the tags (the
# programs of commit d278cce): B2's stack took the stale primary's bytes.
# The streams then resume through B and complete byte-exact, B taking
# B2's reports of epoch 2.
BPF_BACKUPS=2
. "$(dirname "$0")/bpf_lib.sh"

CONNS=2
BYTES=$((256 << 10))
RATE=$((128 << 10))
HOLD=$((64 << 10))
NSEG=50			# 100-byte segments per connection sent to the stale primary

tap_init 9

tap_check "topology: client LAN, primary, two backups, replication links" bpf_setup
tap_check "programs loaded and attached, group and service set (epoch 1)" bpf_dp
tap_check "a server on the VIP on every node" bpf_servers

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --timeout 60 --pause-at "$HOLD" --resume-file "$work/resume" \
	--progress-file "$work/progress" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

# every backup's stack holds exactly HOLD bytes of every stream
held() {
	local b
	for b in b b2; do
		[ "$("$TBPF" conns "$pins/$b" | grep -c " received=$HOLD ")" -eq "$CONNS" ] ||
			return 1
	done
}
tap_check "the streams paused at $HOLD bytes, both backups hold them" wait_until 30 held

# B takes over in epoch 2 and B2 follows; P is not told: its lease stays
takeover() {
	# P's output to a MAC nobody has: flooded, and dropped as another
	# host's by every stack on the LAN
	ip -n "$P" neigh replace 10.9.0.1 lladdr 02:00:00:00:00:99 dev p0 nud permanent &&
	ip netns exec "$B" "$TBPF" group "$pins/b" "$VIP" primary 3600000 mirror q1 \
		repl q1 repl r1 node 2 epoch 2 insecure &&
	ip netns exec "$B2" "$TBPF" group "$pins/b2" "$VIP" backup 0 repl q2 repl s1 \
		node 3 epoch 2 insecure &&
	bpf_vip_to "$B" b0 &&
	"$TBPF" show "$pins/p" "$VIP" | grep "role=primary epoch=1 " &&
	"$TBPF" show "$pins/b" "$VIP" | grep "role=primary epoch=2 "
}
TANDEM_VERBOSE=1 tap_check "B primary in epoch 2, B2 follows, P still primary in epoch 1 with its lease" takeover

"$TBPF" conns "$pins/b2" >"$work/conns.before"
mir0=$(bpf_stat p mirrored) stale0=$(bpf_stat b2 stale_epoch)
# the client's segments to the stale primary, at B2's next expected byte
to_stale() {
	local line cport rcv pmac isn
	pmac=$(bpf_mac "$P" p0)
	"$TBPF" conns "$pins/p" >"$work/conns.p"
	while read -r line; do
		cport=${line%% *}
		cport=${cport#*:}
		rcv=$(grep "^10.9.0.1:$cport " "$work/conns.before") || return 1
		rcv=${rcv#*rcv_nxt=}
		rcv=${rcv%% *}
		isn=${line#*local_isn=}
		isn=${isn%% *}
		# an ACK of the wire space (P's): B2 raises it to its snd_una
		ip netns exec "$C" "$TBPF" forge br0 "$pmac" "10.9.0.1:$cport" "$VIP:$PORT" \
			"$rcv" $(((isn + 1) & 0xffffffff)) "$NSEG" || return 1
	done <"$work/conns.p"
}
tap_check "$NSEG segments of each connection sent to the stale primary" to_stale

mirrored() {
	local m s
	m=$(($(bpf_stat p mirrored) - mir0)) s=$(($(bpf_stat b2 stale_epoch) - stale0))
	echo "the stale primary mirrored $m, B2 dropped $s as stale (sent $((CONNS * NSEG)))"
	[ "$m" -ge $((CONNS * NSEG)) ] && [ "$s" -ge $((CONNS * NSEG)) ]
}
TANDEM_VERBOSE=1 tap_check "P mirrored them in epoch 1, B2 dropped every one as stale" \
	wait_until 5 mirrored

# B2's stack: still HOLD bytes of each stream, none of the stale primary's
untouched() {
	"$TBPF" conns "$pins/b2" >"$work/conns.after"
	[ "$(grep -c " received=$HOLD " "$work/conns.after")" -eq "$CONNS" ]
}
if untouched; then
	tap_ok "no byte of the stale primary reached B2's stack"
else
	sed 's/^/# B2 after: /' "$work/conns.after"
	tap_fail "no byte of the stale primary reached B2's stack"
fi

rep0=$(bpf_stat b report_recv)
touch "$work/resume"
wait "$client"
rc=$?
out=$(tail -n 1 "$work/client.out")
echo "# client: $out"
rep=$(($(bpf_stat b report_recv) - rep0))
echo "# B took $rep reports of epoch 2 from B2; stale_epoch: B $(bpf_stat b stale_epoch), B2 $(bpf_stat b2 stale_epoch)"
if [ $rc -eq 0 ] && echo "$out" | jq -e ".ok == $CONNS and .reset == 0 and .mismatch == 0" >/dev/null &&
	[ "$rep" -gt 0 ]; then
	tap_ok "the streams complete byte-exact through B, which takes B2's reports"
else
	tap_fail "the streams complete byte-exact through B, which takes B2's reports (exit $rc)"
fi

tap_done
