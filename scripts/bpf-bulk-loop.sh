#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bpf-bulk-loop.sh [RUNS]: the bench's unpaced bulk run of the eBPF
# data path alone, RUNS times (60) on one topology (selftests/bpf_lib.sh:
# client, primary, one backup): each a connection of BULK (64M) through the
# VIP, failed if it makes no progress for TIMEOUT seconds (10). Counts the
# runs that stalled (docs/datapath-bpf.md, "The second stall"); a stalled
# run prints the connection's state on both nodes and in the maps. Measured,
# never asserted: exit 0 unless the topology cannot be set up.
#
# As root, at the repository root (tbpf and tstream built: make hosttest or
# `make -C bpf tests && make -C selftests tools`). TBPF=PATH runs another
# build's programs (a tbpf built from another commit: an A/B comparison).
# Environment: BULK [64M], TIMEOUT [10].
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
RUNS=${1:-60}
BULK=${BULK:-64M}
TIMEOUT=${TIMEOUT:-10}

. selftests/bpf_lib.sh
. selftests/topo.sh	# json_num
bpf_setup && bpf_dp && bpf_servers || { echo "bpf-bulk-loop: setup failed" >&2; exit 1; }

# the state of a stalled connection: the one with bytes queued on the primary
stalled() {
	local port
	port=$(ip netns exec "$P" ss -Htn state established "sport = :$PORT" |
		awk '$1 > 0 || $2 > 0 { sub(/.*:/, "", $4); print $4 }' | head -n 1)
	[ -n "$port" ] || return
	ip netns exec "$P" ss -tnio state established "dport = :$port" | sed 's/^/# P: /'
	ip netns exec "$B" ss -tnio state established "dport = :$port" | sed 's/^/# B: /'
	"$TBPF" conns "$pins/p" | grep ":$port " | sed 's/^/# p: /'
	"$TBPF" conns "$pins/b" | grep ":$port " | sed 's/^/# b: /'
}

fails=0
for ((i = 1; i <= RUNS; i++)); do
	j=$(ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -t "$TIMEOUT" -b "$BULK" \
		--seed "$SRANDOM" 2>/dev/null)
	if [ "$(json_num "$j" ok)" = 1 ]; then
		echo "run $i ok $(json_num "$j" mbit_s) Mbit/s"
		continue
	fi
	fails=$((fails + 1))
	echo "run $i stalled: $j"
	stalled
done
echo "stalled $fails of $RUNS"
for n in C P B; do
	echo "# $n: $(ip netns exec "${!n}" nstat -az 2>/dev/null |
		awk '$2 > 0 && $1 ~ /RetransSegs|BeyondWindow|PAWSEstab|ACKSkippedSeq/ { printf "%s=%s ", $1, $2 }')"
done
