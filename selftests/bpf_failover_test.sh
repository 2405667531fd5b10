#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The eBPF data path (bpf/) through a crash of the primary, natively on the
# running kernel, in the topology of bpf_lib.sh. Paced streams run through
# the VIP; once the backup's stack holds part of each, the primary crashes
# (its links cut first, so that no FIN or reset escapes, then its server
# killed). The backup is promoted by a write to its group map (role
# primary, a lease), and the client's neighbour entry for the VIP moves to
# it (what tandemd's gratuitous ARP will do). The promoted node translates
# the client's segments into its own space and its output into the wire
# space, the timestamps past what the client echoed. Checks: every stream
# completes byte-exact, without reset, through the crash.
. "$(dirname "$0")/bpf_lib.sh"

CONNS=4
BYTES=$((1 << 20))
RATE=$((256 << 10))	# bytes/s per connection: 4 s per stream, slow VMs too
HOLD=$((64 << 10))	# the crash comes once the backup holds this much of each

tap_init 7

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --timeout 60 >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

# every connection's shadow on the backup holds at least $HOLD bytes
holds() {
	[ "$("$TBPF" conns "$pins/b" |
		awk -F'received=' -v h="$HOLD" '{ split($2, a, " "); if (a[1] >= h) n++ }
			END { print n + 0 }')" -eq "$CONNS" ]
}
tap_check "the backup's stacks hold part of every stream" wait_until 20 holds

crash() {
	ip -n "$P" link set p0 down &&
	ip -n "$P" link set r0 down &&
	kill -9 "$(cat "$work/server.$P.pid")"
}
promote() {
	ip netns exec "$B" "$TBPF" group "$pins/b" "$VIP" primary 3600000 &&
	ip -n "$C" neigh replace "$VIP" lladdr \
		"$(ip -n "$B" -j link show b0 | jq -r '.[0].address')" dev br0
}
crash_promote() { crash && promote; }
tap_check "the primary crashes; the backup is promoted" crash_promote
x0=$(bpf_stat b translated)

wait "$client"
rc=$?
out=$(cat "$work/client.out")
echo "# client: $out"
if [ $rc -eq 0 ] && echo "$out" | tail -n 1 | jq -e ".ok == $CONNS and .reset == 0" >/dev/null; then
	tap_ok "$CONNS streams of $BYTES bytes byte-exact through the crash"
else
	tap_fail "$CONNS streams of $BYTES bytes byte-exact through the crash (exit $rc)"
fi

# the connections are in another space on the backup (random ISNs), and
# the new primary translated the client's own segments after its promotion
xlated() {
	local x1 n
	x1=$(bpf_stat b translated)
	n=$("$TBPF" conns "$pins/b" | grep -c -v ' seq_delta=0$')
	echo "new primary: translated $x0 -> $x1; connections with a delta: $n of $CONNS"
	[ "$x1" -gt "$x0" ] && [ "$n" -eq "$CONNS" ]
}
TANDEM_VERBOSE=1 tap_check "the new primary translated the client's segments into its own space" xlated

tap_done
