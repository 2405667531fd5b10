#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bulk stall of the eBPF data path (docs/datapath-bpf.md, "The bulk
# stall"): unpaced bulk streams through the VIP, one backup whose stack's
# output lags behind the primary's. The client's ACKs of the primary's
# output then reach the backup before its own stack has sent those bytes:
# clamped to its snd_nxt, the rest of them pending. Once the client has
# everything the primary sent and waits for the backup's window (the
# clamp), nothing more comes from it: the backup's server blocks on a send
# buffer full of output its stack never saw acknowledged, stops reading,
# its window stays closed, and the stream stops for good (in the bench,
# 1 run in 3 to 12; the backup's stack there paced its output by an RTT
# estimate of 40 ms against the primary's 0.5 ms). Here the backup's server
# paces its output (SO_MAX_PACING_RATE), so that it lags every time.
# Checks: every stream of every round is byte-exact and completes, the
# backup gave its stack the pending ACKs (ack_reapplied), and its stack saw
# all its output acknowledged in the end (nothing left unacknowledged, as
# on the primary).
. "$(dirname "$0")/bpf_lib.sh"

PACE=2M		# the backup's output, bytes/s
ROUNDS="1:4M 4:1M 1:4M"	# connections:bytes of each round

tap_init $((5 + $(echo $ROUNDS | wc -w)))

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp

servers() {
	local ns pace
	for ns in "$P" "$B"; do
		pace=
		[ "$ns" = "$B" ] && pace="--pacing-rate $PACE"
		ip netns exec "$ns" "$TSTREAM" server -l "$VIP" -p "$PORT" $pace \
			--ready-file "$work/ready.$ns" >>"$work/server.log" 2>&1 &
		on_exit kill $!
	done
	wait_until 10 test -e "$work/ready.$P" -a -e "$work/ready.$B"
}
tap_check "a server on the VIP of both, the backup's paced at $PACE/s" servers

# the programs' counters and both stacks' sockets, at a failure
state() {
	local n
	for n in p b; do
		echo "# $n: $("$TBPF" stats "$pins/$n" | awk '$2 != 0' | tr '\n' ' ')"
		"$TBPF" conns "$pins/$n" | tail -n 4 | sed "s/^/# $n: /"
	done
	ip netns exec "$P" ss -tnio | sed 's/^/# P: /'
	ip netns exec "$B" ss -tnio | sed 's/^/# B: /'
}

i=0
for r in $ROUNDS; do
	i=$((i + 1))
	conns=${r%%:*} bytes=${r#*:}
	out=$(ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$conns" -b "$bytes" \
		-t 5 --seed $((SRANDOM)) 2>&1)
	rc=$?
	echo "# round $i: $(echo "$out" | tail -n 1)"
	if [ $rc -eq 0 ] && echo "$out" | tail -n 1 | jq -e ".ok == $conns" >/dev/null; then
		tap_ok "round $i: $conns unpaced streams of $bytes, byte-exact"
	else
		state
		tap_fail "round $i: $conns unpaced streams of $bytes, byte-exact (exit $rc)"
		tap_skip_rest "the streams stalled"
	fi
done

reapplied=$(bpf_stat b ack_reapplied)
echo "# backup: ack_clamped=$(bpf_stat b ack_clamped) ack_reapplied=$reapplied" \
	"report_sent=$(bpf_stat b report_sent); primary: kicked=$(bpf_stat p kicked)"
if [ "${reapplied:-0}" -gt 0 ]; then
	tap_ok "the backup gave its stack the client's pending ACKs ($reapplied times)"
else
	tap_fail "the backup gave its stack the client's pending ACKs"
fi

# every socket of the backup's server had all its output acknowledged
# (the streams ended with the backup behind, its last output pending)
unacked() {
	ip netns exec "$B" ss -Htn "sport = :$PORT" | awk '$3 > 0' | grep -c .
}
all_acked() { [ "$(unacked)" -eq 0 ]; }
if wait_until 10 all_acked; then
	tap_ok "the backup's stack saw all its output acknowledged"
else
	ip netns exec "$B" ss -tnio "sport = :$PORT" | sed 's/^/# B: /'
	tap_fail "the backup's stack saw all its output acknowledged ($(unacked) sockets with output unacknowledged)"
fi

tap_done
