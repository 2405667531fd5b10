#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The eBPF data path (bpf/) end to end, natively on the running kernel (no
# module, no VM needed), in the topology of bpf_lib.sh. The backup's stack
# runs the same server on the VIP from the mirrored segments, translated
# into its own sequence space, and its output is stolen at its egress,
# except the segments that report its progress to the primary over the
# replication link. The primary clamps the ACKs and windows it sends to
# what the backup acknowledged, and makes its stack ACK at once when a
# report opens the clamp. Checks: the streams through the VIP are
# byte-exact, the backup's stack received every client byte and FIN of
# every connection, nothing left the backup's client-facing device while it
# stole its output, the primary clamped, took reports and kicked its stack,
# and no segment was dropped for a missing translation.
. "$(dirname "$0")/bpf_lib.sh"

CONNS=4
BYTES=$((4 << 20))

tap_init 8

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

tx0=$(bpf_txb)
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

# Its output: each segment stolen, or, acknowledging more than it
# reported, turned into a report (how they split varies: 70 and 185 once)
stolen=$(bpf_stat b stolen) breps=$(bpf_stat b report_sent) tx=$(( $(bpf_txb) - tx0 ))
if [ "${stolen:-0}" -gt 0 ] && [ $(( ${stolen:-0} + ${breps:-0} )) -gt 100 ] &&
   [ "$tx" -eq 0 ]; then
	tap_ok "the backup stole its output ($stolen segments, $breps as reports), sent nothing to the client"
else
	tap_fail "the backup stole its output ($stolen segments, $breps as reports), sent nothing to the client ($tx packets left b0)"
fi

check_counters() {
	local p_clamped p_mirrored b_nodelta b_notrepl b_xlated p_reports p_kicked
	p_clamped=$(bpf_stat p clamped) p_mirrored=$(bpf_stat p mirrored)
	p_reports=$(bpf_stat p report_recv) p_kicked=$(bpf_stat p kicked)
	b_nodelta=$(bpf_stat b no_delta) b_notrepl=$(bpf_stat b not_repl)
	b_xlated=$(bpf_stat b translated)
	echo "primary: mirrored=$p_mirrored clamped=$p_clamped csum_bad=$(bpf_stat p csum_bad)" \
		"handshake_bad=$(bpf_stat p handshake_bad) reports=$p_reports kicked=$p_kicked;" \
		"backup: translated=$b_xlated reports=$(bpf_stat b report_sent)" \
		"no_delta=$b_nodelta not_repl=$b_notrepl ack_clamped=$(bpf_stat b ack_clamped)"
	[ "$p_clamped" -gt 0 ] && [ "$p_mirrored" -gt 0 ] && [ "$b_xlated" -gt 0 ] &&
		[ "$p_reports" -gt 0 ] && [ "$p_kicked" -gt 0 ] &&
		[ "$b_nodelta" -eq 0 ] && [ "$b_notrepl" -eq 0 ] &&
		[ "$(bpf_stat p csum_bad)" -eq 0 ] && [ "$(bpf_stat p handshake_bad)" -eq 0 ]
}
TANDEM_VERBOSE=1 tap_check "the primary mirrored, clamped, took reports and ACKed at once; the backup translated every segment" \
	check_counters

# the SYN-ACK hold: every SYN-ACK waited for the backup's confirmation,
# then the stack sent it again; none went out unconfirmed
check_hold() {
	local held conf rep tmo
	held=$(bpf_stat p synack_held) conf=$(bpf_stat p confirmed)
	rep=$(bpf_stat p syn_replayed) tmo=$(bpf_stat p hold_timeout)
	echo "primary: synack_held=$held confirmed=$conf syn_replayed=$rep hold_timeout=$tmo"
	[ "$held" -ge "$CONNS" ] && [ "$conf" -ge "$CONNS" ] &&
		[ "$rep" -ge "$CONNS" ] && [ "$tmo" -eq 0 ]
}
TANDEM_VERBOSE=1 tap_check "every SYN-ACK held until the backup confirmed the SYN, then sent" check_hold

tap_done
