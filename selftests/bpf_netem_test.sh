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
# What a lost clone costs: this path has no resends; the clamp holds the
# client's data until the backup has it, and strips SACK blocks beyond
# it, so the client's retransmission timeout fills the hole (the longest
# pause is printed). A lost SYN or confirmation: the SYN-ACK stays held
# until the client's SYN retransmission is mirrored and confirmed.
. "$(dirname "$0")/bpf_lib.sh"

CONNS=4
BYTES=$((2 << 20))
RATE=$((256 << 10))	# bytes/s per connection: 8 s per stream
NETEM="delay 1ms reorder 25% 50% loss 2% duplicate 2%"

tap_init 8

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
	--rate "$RATE" --timeout 60 --progress-file "$work/progress" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

verified() {
	local v
	read -r v _ < "$work/progress" 2>/dev/null && [ "${v:-0}" -ge $((CONNS * BYTES * 2 / 5)) ] &&
		[ "$("$TBPF" conns "$pins/b" | grep -c 'received=[1-9]')" -eq "$CONNS" ]
}
tap_check "the client verified 40% of the streams" wait_until 60 verified

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
echo "# primary: mirrored=$(bpf_stat p mirrored) lost=$(bpf_stat p mirror_err) reports=$(bpf_stat p report_recv)" \
	"kicked=$(bpf_stat p kicked) synack_held=$(bpf_stat p synack_held)" \
	"syn_replayed=$(bpf_stat p syn_replayed) hold_timeout=$(bpf_stat p hold_timeout);" \
	"backup: translated=$(bpf_stat b translated) no_delta=$(bpf_stat b no_delta)" \
	"no_conn=$(bpf_stat b no_conn) ack_reseq=$(bpf_stat b ack_reseq)"
if [ "$(bpf_stat p hold_timeout)" -eq 0 ] && ! grep -q " received=$((BYTES + 1)) " "$work/conns.crash"; then
	tap_ok "every connection protected (no SYN-ACK left unconfirmed); the crash came mid-stream"
else
	tap_fail "every connection protected (no SYN-ACK left unconfirmed); the crash came mid-stream"
fi

tap_done
