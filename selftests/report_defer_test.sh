#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A backup's reports, one per client packet (issue 14, Part 3): the primary
# splits a GRO'd client packet into several SEGMENTs and flags all but the
# last (TANDEM_WIRE_SEG_F_MORE); the backup reports its progress after the
# last one only. Two replicas, offloads on (the client's packets reach the
# primary merged):
#  - a bulk stream, 2 MiB, clean replication link: byte-exact; the primary
#    split its client packets (SEGMENTs > 2 x client packets mirrored);
#    the backup deferred reports (progress_deferred > 0) and sent at most
#    REPORTS_TENTHS/10 reports per SEGMENT it injected (a ratio of two
#    counters of one run; with a report per SEGMENT, as before the flag,
#    0.6-0.85; with the flag 0.06-0.41 under load, 0.41-0.50 on a quieter
#    host, where the backup's reader holds its socket more often and the
#    SEGMENTs that reach its backlog are not deferred);
#  - the backup sent reports once its injections returned, outside the
#    socket's lock (progress_after_inject > 0: its stack's ACKs owed to
#    then, or the progress read from the socket after it);
#  - the same (4 MiB) under 5% loss on the primary's replication egress: last
#    SEGMENTs get lost, leaving the backup's reports behind until the next
#    packet's hole (a duplicate ACK with a SACK block, reported at once) or
#    the primary's resend time-out: the stream completes byte-exact, the
#    primary resent (resent > 0), and the backup still deferred reports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5014
BYTES=$((2 << 20))
# under loss, what the backup defers varies with the holes (10-270 reports
# in 2 MiB, 0 once in 10 runs): twice as much
BYTES_LOSSY=$((4 << 20))
REPORTS_TENTHS=7
LOSS="loss 5%"

require_root
require_command ip tc
require_built "$TSTREAM"
require_module

tap_init 7

desc_split="the primary split its client packets (SEGMENTs > 2 x packets)"
desc_ratio="the backup sent at most 0.$REPORTS_TENTHS reports per injected SEGMENT"
desc_after="reports sent after the injections returned (progress_after_inject)"
desc_lossy="$LOSS on node1's replication egress: 4 MiB byte-exact"
desc_resent="under loss: node1 resent, node2 still deferred reports"

if ! topo_up 2 || ! topo_offload on || ! topo_replicate $PORT; then
	tap_fail "2 replicas, offloads on, tstream servers"
	for d in "2 MiB byte-exact" "$desc_split" "$desc_ratio" "$desc_after" \
		 "$desc_lossy" "$desc_resent"; do
		tap_skip "$d" "no topology"
	done
	tap_done
fi
tap_ok "2 replicas, offloads on, tstream servers"

# counters NODE NAME...: their values, one line
counters() {
	local node=$1 name
	shift
	for name; do echo -n "$(topo_counter "$node" "$name") "; done
}

# stream NAME BYTES: one connection; its JSON in $json
stream() {
	local out=$TOPO_DIR/client.$1
	tstream_client $TOPO_VIP:$PORT -b $2 --seed $SRANDOM -t 120 > "$out" 2> "$out.err"
	json=$(cat "$out")
	echo "# $1: $json"
	sed 's/^/# /' "$out.err"
}

read -r seg0 pkt0 <<< "$(counters 1 mirrored mirrored_pkts)"
read -r inj0 rep0 def0 aft0 <<< "$(counters 2 injected progress_sent progress_deferred \
	progress_after_inject)"
stream clean $BYTES
read -r seg1 pkt1 <<< "$(counters 1 mirrored mirrored_pkts)"
read -r inj1 rep1 def1 aft1 <<< "$(counters 2 injected progress_sent progress_deferred \
	progress_after_inject)"
segs=$((seg1 - seg0)) pkts=$((pkt1 - pkt0))
inj=$((inj1 - inj0)) reps=$((rep1 - rep0)) defs=$((def1 - def0)) afts=$((aft1 - aft0))
echo "# node1: $segs SEGMENTs of $pkts client packets; node2: $inj injected," \
     "$reps reports sent, $defs deferred, $afts after the injection"
if stream_exact "$json" $BYTES; then
	tap_ok "2 MiB byte-exact"
else
	tap_fail "2 MiB byte-exact"
fi
if [ "$pkts" -gt 0 ] && [ "$segs" -gt $((2 * pkts)) ]; then
	tap_ok "$desc_split"
else
	tap_fail "$desc_split ($segs, $pkts)"
fi
if [ "$defs" -gt 0 ] && [ "$inj" -gt 0 ] && [ $((reps * 10)) -le $((inj * REPORTS_TENTHS)) ]; then
	tap_ok "$desc_ratio ($reps for $inj)"
else
	tap_fail "$desc_ratio ($reps for $inj, $defs deferred)"
fi

if [ "$afts" -gt 0 ] && [ "$afts" -le "$reps" ]; then
	tap_ok "$desc_after ($afts of $reps)"
else
	tap_fail "$desc_after ($afts of $reps)"
fi

read -r res0 <<< "$(counters 1 resent)"
if ! rep_netem 1 $LOSS; then
	tap_skip "$desc_lossy" "no netem qdisc (sch_netem)"
	tap_skip "$desc_resent" "no netem qdisc (sch_netem)"
	tap_done
fi
stream lossy $BYTES_LOSSY
rep_netem_clear 1
read -r res1 <<< "$(counters 1 resent)"
read -r def2 <<< "$(counters 2 progress_deferred)"
echo "# node1: resent $((res1 - res0)); node2: $((def2 - def1)) reports deferred"
if stream_exact "$json" $BYTES_LOSSY; then
	tap_ok "$desc_lossy"
else
	topo_dump
	tap_fail "$desc_lossy"
fi
if [ $((res1 - res0)) -gt 0 ] && [ $((def2 - def1)) -gt 0 ]; then
	tap_ok "$desc_resent"
else
	tap_fail "$desc_resent"
fi
for node in 1 2; do echo "# node$node: $(topo_counters $node)"; done
tap_done
