#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forged replication traffic on the eBPF data path (bpf/), natively on the
# running kernel (bpf_lib.sh). The replication transport is what
# authenticates (WireGuard: the host has no wireguard module, so that part
# is for the VM); the programs accept mirrored segments and reports only
# from the group's replication devices, and the loader refuses a
# replication device that is not an authenticated transport unless the
# group is marked as a test. Here, while paced streams run, an attacker on
# the client's LAN sends:
#  - to the backup, segments that look mirrored (from the client, to
#    VIP:service, checksums right, seq = the next byte its stack expects
#    (the client writes 64 KiB bursts twice a second: it stays there for
#    a while), an ACK
#    its stack accepts, 100 bytes of 'X'): dropped by
#    client_in (net_dropped);
#  - to the primary, reports (from VIP:service, the backup's node id as IP
#    ID, an ACK 1 MiB ahead that would open the clamp): dropped
#    (net_dropped).
# The backup's stacks then received exactly the bytes the primary's did
# (seen failing with client_in passing the forgeries: 100 bytes more on a
# connection, 'X' in the server's input). Then the primary crashes and the
# backup is promoted: the streams complete byte-exact.
. "$(dirname "$0")/bpf_lib.sh"

CONNS=4
BYTES=$((1 << 20))
RATE=$((128 << 10))
HOLD=$((64 << 10))
N=25			# forged reports per connection
NSEG=700		# forged 100-byte segments per connection: more than a burst

tap_init 11

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

refused() {
	! ip netns exec "$B" "$TBPF" group "$pins/b" "$VIP" backup 0 repl r1 node 2 2>"$work/refused" &&
		grep -q "not an authenticated transport" "$work/refused" && cat "$work/refused"
}
TANDEM_VERBOSE=1 tap_check "the loader refuses a veth as replication device without the test mark" refused

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --burst $((64 << 10)) --timeout 60 --progress-file "$work/progress" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

verified() {
	local v
	read -r v _ < "$work/progress" 2>/dev/null && [ "${v:-0}" -ge $((CONNS * HOLD)) ] &&
		[ "$("$TBPF" conns "$pins/b" | grep -c 'received=[1-9]')" -eq "$CONNS" ]
}
tap_check "the client verified part of every stream" wait_until 20 verified

bmac=$(bpf_mac "$B" b0) pmac=$(bpf_mac "$P" p0)
nd_b0=$(bpf_stat b net_dropped) nd_p0=$(bpf_stat p net_dropped)
forge() {
	local line cport rcv isn got ack
	"$TBPF" conns "$pins/b" >"$work/conns"
	while read -r line; do
		cport=${line%% *}
		cport=${cport#*:}
		rcv=${line#*rcv_nxt=}
		rcv=${rcv%% *}
		isn=${line#*local_isn=}
		isn=${isn%% *}
		got=${line#*received=}
		got=${got%% *}
		# an ACK the backup's stack takes: in its own space, behind what
		# its server echoed (the attacker knowing the most it could)
		ack=$(((isn + 1 + got - 16384) & 0xffffffff))
		ip netns exec "$C" "$TBPF" forge br0 "$bmac" "10.9.0.1:$cport" "$VIP:$PORT" \
			"$rcv" "$ack" "$NSEG" || return 1
		ip netns exec "$C" "$TBPF" forge br0 "$pmac" "$VIP:$PORT" "10.9.0.1:$cport" \
			$(((rcv + (4 << 20)) & 0xffffffff)) $(((rcv + (1 << 20)) & 0xffffffff)) "$N" 2 || return 1
	done <"$work/conns"
}
tap_check "forged mirrored segments to the backup, forged reports to the primary" forge

dropped() {
	local b p
	b=$(( $(bpf_stat b net_dropped) - nd_b0 )) p=$(( $(bpf_stat p net_dropped) - nd_p0 ))
	echo "dropped: backup $b (sent $((CONNS * NSEG))), primary $p (sent $((CONNS * N)))"
	[ "$b" -ge $((CONNS * NSEG)) ] && [ "$p" -ge $((CONNS * N)) ]
}
TANDEM_VERBOSE=1 tap_check "every forgery dropped by the programs" wait_until 5 dropped

# each connection's bytes received by a node's stack, "PORT BYTES" sorted
rx_bytes() {
	ip netns exec "$1" ss -tniH state established "( sport = :$PORT )" | awk '
		/^[ \t]/ { for (i = 1; i <= NF; i++) if ($i ~ /^bytes_received:/) {
			split($i, b, ":"); print port, b[2] } next }
		{ n = split($(NF), a, ":"); port = a[n] }' | sort
}
same_rx() {
	rx_bytes "$P" >"$work/rx.p" && rx_bytes "$B" >"$work/rx.b" &&
		[ "$(wc -l <"$work/rx.p")" -eq "$CONNS" ] && cmp -s "$work/rx.p" "$work/rx.b"
}
if wait_until 5 same_rx; then
	tap_ok "the backup's stacks received exactly the bytes the primary's did"
else
	paste "$work/rx.p" "$work/rx.b" | sed 's/^/# primary, backup: /'
	tap_fail "the backup's stacks received exactly the bytes the primary's did"
fi

tap_check "the primary crashes; the backup is promoted" bpf_crash_promote
"$TBPF" conns "$pins/b" >"$work/conns.crash"

wait "$client"
rc=$?
out=$(tail -n 1 "$work/client.out")
echo "# client: $out"
if [ $rc -eq 0 ] && echo "$out" | jq -e ".ok == $CONNS and .reset == 0 and .mismatch == 0" >/dev/null; then
	tap_ok "$CONNS streams byte-exact through the crash: the backup took no forged byte"
else
	tap_fail "$CONNS streams byte-exact through the crash: the backup took no forged byte (exit $rc)"
fi
if ! grep -q " received=$((BYTES + 1)) " "$work/conns.crash"; then
	tap_ok "the crash came mid-stream"
else
	tap_fail "the crash came mid-stream"
fi

tap_done
