#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The eBPF data path (bpf/) over a bad replication link, natively on the
# running kernel (bpf_lib.sh): both directions of the link (the primary's
# clones, the backup's reports and confirmations) lose 2% of the packets,
# duplicate 2% and reorder 25% (netem, 1 ms delay). Where the kernel has
# no netem (the build host loads no modules), a tc program of the test's
# own (bpf/tests/lossy.bpf.c) loses 2% and duplicates 2%, no reordering.
# Paced streams run
# through the VIP; mid-stream the primary crashes and the backup is
# promoted, the link still bad. Every stream completes byte-exact, no
# reset, no EOF.
# What a lost clone costs: the clamp holds the client's data until the
# backup has it; the backup's duplicate ACKs (SACK beyond the hole) become
# duplicate ACKs to the client (dupack_sent), whose loss recovery resends
# the hole at once; a hole with nothing after it waits for the client's
# retransmission timeout. The longest client pauses before the crash and
# from it on are printed (tstream's --mark-file). A lost SYN or
# confirmation: the SYN-ACK stays held until the client's SYN
# retransmission is mirrored and confirmed.
. "$(dirname "$0")/bpf_lib.sh"

CONNS=4
BYTES=$((2 << 20))
RATE=$((256 << 10))	# bytes/s per connection: 8 s per stream
NETEM="delay 1ms reorder 25% 50% loss 2% duplicate 2%"

tap_init 9

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp
if ip netns exec "$P" tc qdisc add dev r0 root netem $NETEM 2>/dev/null; then
	bad_link() { ip netns exec "$B" tc qdisc add dev r1 root netem $NETEM; }
else
	NETEM="loss 2% duplicate 2% (a tc program: no netem in this kernel)"
	bad_link() {
		ip netns exec "$P" "$TBPF" lossy r0 2 2 &&
		ip netns exec "$B" "$TBPF" lossy r1 2 2
	}
fi
tap_check "the replication link, both ways: $NETEM" bad_link
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --timeout 60 --progress-file "$work/progress" \
	--mark-file "$work/crashed" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

verified() {
	local v
	read -r v _ < "$work/progress" 2>/dev/null && [ "${v:-0}" -ge $((CONNS * BYTES * 2 / 5)) ] &&
		[ "$("$TBPF" conns "$pins/b" | grep -c 'received=[1-9]')" -eq "$CONNS" ]
}
tap_check "the client verified 40% of the streams" wait_until 60 verified

touch "$work/crashed"
tap_check "the primary crashes; the backup is promoted" bpf_crash_promote
"$TBPF" conns "$pins/b" >"$work/conns.crash"

wait "$client"
rc=$?
out=$(tail -n 1 "$work/client.out")
echo "# client: $out"
if [ $rc -eq 0 ] && echo "$out" | jq -e ".ok == $CONNS and .reset == 0 and .eof == 0" >/dev/null; then
	tap_ok "$CONNS streams of $BYTES bytes byte-exact over the bad link, through the crash"
else
	tap_fail "$CONNS streams of $BYTES bytes byte-exact over the bad link, through the crash (exit $rc)"
fi
echo "# longest client pause before the crash $(echo "$out" | jq .pause_before_mark_ms) ms," \
	"from the crash on $(echo "$out" | jq .pause_after_mark_ms) ms"
echo "# primary: mirrored=$(bpf_stat p mirrored) lost=$(bpf_stat p mirror_err) reports=$(bpf_stat p report_recv)" \
	"kicked=$(bpf_stat p kicked) dupack_sent=$(bpf_stat p dupack_sent) sack_cut=$(bpf_stat p sack_cut)" \
	"synack_held=$(bpf_stat p synack_held)" \
	"syn_replayed=$(bpf_stat p syn_replayed) hold_timeout=$(bpf_stat p hold_timeout);" \
	"backup: translated=$(bpf_stat b translated) no_delta=$(bpf_stat b no_delta)" \
	"no_conn=$(bpf_stat b no_conn) ack_reseq=$(bpf_stat b ack_reseq)"
if [ "$(bpf_stat p dupack_sent)" -gt 0 ]; then
	tap_ok "the backup's SACKed duplicate ACKs went to the client as duplicate ACKs"
else
	tap_fail "the backup's SACKed duplicate ACKs went to the client as duplicate ACKs"
fi
if [ "$(bpf_stat p hold_timeout)" -eq 0 ] && ! grep -q " received=$((BYTES + 1)) " "$work/conns.crash"; then
	tap_ok "every connection protected (no SYN-ACK left unconfirmed); the crash came mid-stream"
else
	tap_fail "every connection protected (no SYN-ACK left unconfirmed); the crash came mid-stream"
fi

tap_done
