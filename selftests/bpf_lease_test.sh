#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lease-lapse fencing on the eBPF data path (bpf/), natively on the running
# kernel (bpf_lib.sh). Paced streams run through the VIP; the primary's
# lease is cut to 1.5 s and not renewed. Once it lapses the node is fenced
# by its own programs: what its stack sends from the VIP (data, ACKs, and
# the FINs and resets of its server, killed then) is stolen
# (fenced_dropped), what the client sends is dropped (net_dropped), a new
# connection gets no SYN-ACK. Checks: from the lapse on the client receives
# no TCP segment at all, its verified bytes stay where they were, and its
# streams end in timeouts, never a reset, an EOF or a wrong byte.
. "$(dirname "$0")/bpf_lib.sh"

CONNS=4
BYTES=$((2 << 20))
RATE=$((128 << 10))	# bytes/s per connection: 16 s per stream
HOLD=$((64 << 10))

tap_init 10

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --timeout 5 --progress-file "$work/progress" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

verified() {
	local v
	read -r v _ < "$work/progress" 2>/dev/null && [ "${v:-0}" -ge $((CONNS * HOLD)) ]
}
tap_check "the client verified part of every stream" wait_until 20 verified

# TCP segments the client's stack received (it talks to the VIP only)
in_segs() { ip netns exec "$C" awk '/^Tcp:/ { n++ } n == 2 && /^Tcp:/ { print $11; exit }' /proc/net/snmp; }
lapsed() { [ "$(bpf_stat p net_dropped)" -gt 0 ]; }

tap_check "the primary's lease is cut to 1.5 s, not renewed" \
	ip netns exec "$P" "$TBPF" group "$pins/p" "$VIP" primary 1500 mirror r0 node 1 insecure
tap_check "the lease lapses: the client's segments are dropped" wait_until 10 lapsed
# what was in flight at the lapse has arrived by now
wait_until 2 false
seg0=$(in_segs)
read -r v0 _ < "$work/progress"
kill -9 "$(cat "$work/server.$P.pid")"	# its server exits: FINs, resets

if ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c 1 -b 1000 --timeout 2 >"$work/new.out" 2>&1; then
	tap_fail "a new connection to the fenced node opens"
else
	tap_ok "a new connection to the fenced node does not open ($(tail -n 1 "$work/new.out" | jq -c '{ok, timeout}'))"
fi

wait "$client"
rc=$?
out=$(tail -n 1 "$work/client.out")
seg1=$(in_segs)
read -r v1 _ < "$work/progress"
echo "# client: $out"
echo "# TCP segments received by the client after the lapse: $((seg1 - seg0)); verified bytes $v0 -> $v1"
if [ "$seg1" -eq "$seg0" ] && [ "$v1" -eq "$v0" ]; then
	tap_ok "nothing reached the client after the lapse"
else
	tap_fail "nothing reached the client after the lapse"
fi
if [ $rc -ne 0 ] && echo "$out" | jq -e ".timeout == $CONNS and .reset == 0 and .eof == 0 and .mismatch == 0" >/dev/null; then
	tap_ok "the streams time out: no reset, no EOF, no wrong byte"
else
	tap_fail "the streams time out: no reset, no EOF, no wrong byte (exit $rc)"
fi
fenced=$(bpf_stat p fenced_dropped)
if [ "$fenced" -gt 0 ]; then
	tap_ok "the fenced node's output was stolen ($fenced segments, net_dropped $(bpf_stat p net_dropped))"
else
	tap_fail "the fenced node's output was stolen (none)"
fi

tap_done
