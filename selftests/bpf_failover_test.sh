#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The eBPF data path (bpf/) through a crash of the primary, natively on the
# running kernel, in the topology of bpf_lib.sh. Paced streams run through
# the VIP; once the client verified part of each, the primary crashes
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
RATE=$((128 << 10))	# bytes/s per connection: 8 s per stream
HOLD=$((64 << 10))	# the crash comes once the client verified this much per stream

tap_init 7

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --timeout 60 --progress-file "$work/progress" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

# the client verified $HOLD bytes per stream (its progress file: cheap to
# poll, also in a slow VM), and the backup's stacks are in every stream
verified() {
	local v
	read -r v _ < "$work/progress" 2>/dev/null && [ "${v:-0}" -ge $((CONNS * HOLD)) ] &&
		[ "$("$TBPF" conns "$pins/b" | grep -c received=)" -eq "$CONNS" ]
}
tap_check "the client verified part of every stream" wait_until 20 verified

crash() {
	ip -n "$P" link set p0 down &&
	ip -n "$P" link set r0 down &&
	kill -9 "$(cat "$work/server.$P.pid")"
}
promote() {
	ip netns exec "$B" "$TBPF" group "$pins/b" "$VIP" primary 3600000 node 2 insecure &&
	ip -n "$C" neigh replace "$VIP" lladdr \
		"$(ip -n "$B" -j link show b0 | jq -r '.[0].address')" dev br0
}
crash_promote() { crash && promote; }
tap_check "the primary crashes; the backup is promoted" crash_promote
x0=$(bpf_stat b translated)
# the crash came mid-stream: the backup had not received the whole of each
"$TBPF" conns "$pins/b" >"$work/conns.crash"
sed 's/^/# at the crash, backup: /' "$work/conns.crash"

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
	[ "$x1" -gt "$x0" ] && [ "$n" -eq "$CONNS" ] &&
		! grep -q " received=$((BYTES + 1)) " "$work/conns.crash"
}
TANDEM_VERBOSE=1 tap_check "mid-stream crash; the new primary translated the client's segments" xlated

tap_done
