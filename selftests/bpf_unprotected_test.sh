#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A connection opened while the backup was cut off is served unprotected
# and reset, not continued, when that backup takes over; the eBPF data path
# (bpf/), natively on the running kernel (bpf_lib.sh). The primary holds a
# SYN-ACK until the backup confirmed the SYN (its own SYN-ACK, as a
# report), at most 0.5 s here:
#  - connection "old" opens with the backup present, streams, paced;
#  - the replication link goes down: "old" stalls (clamped to what the
#    backup holds); connection "late" opens: its SYN-ACK is held for the
#    hold time, then sent (hold_timeout); "late" is unprotected, not
#    clamped, and streams;
#  - the link comes back, "old" streams again (the client's retransmissions
#    are mirrored; what the backup lost while the link was down costs the
#    client retransmission timeouts, backed off during the outage: no
#    resends on this path, and the clamp strips SACK blocks, so no fast
#    retransmit either; hence a short outage and a 60 s client timeout);
#  - the primary crashes, the backup is promoted: "old" completes
#    byte-exact, "late" is reset (the backup never saw its opening: its
#    stack answers the client's next segment with a reset), no wrong byte.
# The backup's server is behind the old primary's on "old" at the crash
# (it lost input during the outage that the primary's server had echoed):
# its pure ACKs go out at the client's rcv_nxt (ack_reseq), or the client
# drops them out of window and the stream stalls (seen failing: "old"
# timed out, no byte after the crash).
. "$(dirname "$0")/bpf_lib.sh"

BYTES=$((3 << 19))	# 1.5 MiB
RATE=$((128 << 10))	# 12 s per stream
STEP=$((64 << 10))

tap_init 10

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp
tap_check "the primary's SYN-ACK hold: 0.5 s" \
	ip netns exec "$P" "$TBPF" group "$pins/p" "$VIP" primary 3600000 mirror r0 \
		node 1 hold 500 insecure
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

stream() {
	ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c 1 -b "$BYTES" --rate "$RATE" \
		--timeout 60 --progress-file "$work/progress.$1" >"$work/client.$1" 2>&1 &
	echo $! >"$work/client.$1.pid"
	on_exit kill $!
}
at_least() {
	local v
	read -r v _ < "$work/progress.$1" 2>/dev/null && [ "${v:-0}" -ge "$2" ]
}
backup_has() { [ "$("$TBPF" conns "$pins/b" | grep -c 'received=[1-9]')" -ge 1 ]; }

stream old
tap_check "connection old streams, the backup follows it" \
	wait_until 20 eval 'at_least old $STEP && backup_has'

ip -n "$P" link set r0 down
stream late
late_open() {
	at_least late "$STEP" && [ "$(bpf_stat p hold_timeout)" -ge 1 ]
}
tap_check "the replication link down: connection late opens after the hold, unprotected, and streams" \
	wait_until 20 late_open
read -r v_old _ < "$work/progress.old"

ip -n "$P" link set r0 up
tap_check "the link back up: connection old streams again" \
	wait_until 20 at_least old $((v_old + STEP))

tap_check "the primary crashes; the backup is promoted" bpf_crash_promote

wait "$(cat "$work/client.old.pid")"
echo "# new primary: ack_reseq=$(bpf_stat b ack_reseq) translated=$(bpf_stat b translated) no_conn=$(bpf_stat b no_conn)"
rc=$?
out=$(tail -n 1 "$work/client.old")
echo "# old: $out"
if [ $rc -eq 0 ] && echo "$out" | jq -e '.ok == 1 and .reset == 0' >/dev/null; then
	tap_ok "connection old completes byte-exact through the takeover"
else
	tap_fail "connection old completes byte-exact through the takeover (exit $rc)"
fi
wait "$(cat "$work/client.late.pid")"
rc=$?
out=$(tail -n 1 "$work/client.late")
echo "# late: $out"
if [ $rc -ne 0 ] && echo "$out" | jq -e '.reset == 1 and .mismatch == 0' >/dev/null; then
	tap_ok "connection late is reset at the takeover, no wrong byte"
else
	tap_fail "connection late is reset at the takeover, no wrong byte (exit $rc)"
fi

tap_done
