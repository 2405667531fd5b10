#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench-ab.sh: `make bench`'s measurements for two (or more) builds
# of tandem.ko in one VM run, interleaved configuration by configuration
# (each replicated configuration under every module in turn, so that the
# host's load weighs on them alike; plain TCP and fan-out, which use no
# group, once for all), and `make bench`'s JSON line for each module
# (docs/benchmarks.md, "Part 2": before and after). On the host:
#
#   scripts/bench-ab.sh build/before.ko kmod/tandem.ko
#
# (a module of an earlier commit: `mkdir /tmp/b && git archive COMMIT |
# tar -x -C /tmp/b && make -C /tmp/b module && cp /tmp/b/kmod/tandem.ko
# build/before.ko`). Prints, per module, "== KO" and its JSON line; the
# whole log (result/profile/callers lines, "=== KO" before each part) goes
# to $BENCH_AB_LOG [/tmp/tandem-bench-ab.log], each module's markdown
# rendering (scripts/bench.sh --render) to $BENCH_AB_LOG.N.md. No failover
# rounds (BENCH_CRASHES=0). Smaller than make bench's defaults, to fit two
# modules in about 40 minutes under TCG: BENCH_RUNS [1], BENCH_BULK [2M],
# BENCH_RR [200], BENCH_CPU_RUNS [3], BENCH_SETUP [50], BENCH_CALLGRAPH
# (set: the profiles record call chains; scripts/bench-cost.sh).
# BENCH_AB_COUNTS=1: the replicated configurations' counts alone
# (scripts/bench.sh --counts: the work per MiB, "per_mib" in the JSON
# line; docs/benchmarks.md, "Part 3"), a few minutes per module.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

export BENCH_RUNS=${BENCH_RUNS:-1} BENCH_BULK=${BENCH_BULK:-2M}
export BENCH_RR=${BENCH_RR:-200} BENCH_CPU_RUNS=${BENCH_CPU_RUNS:-3}
export BENCH_SETUP=${BENCH_SETUP:-50} BENCH_CRASHES=0 BENCH_CRASHES1=0

if [ "${1:-}" = --in-vm ]; then
	shift
	modprobe -q nf_defrag_ipv4
	modprobe -q libchacha20poly1305
	echo "env guest kernel: $(uname -r), $(nproc) vCPUs"
	mode=--config
	[ "${BENCH_AB_COUNTS:-}" = 1 ] && mode=--counts
	# no group in plain TCP and fan-out: measured once, for every module
	[ $mode = --counts ] ||
	for cfg in plain fanout1 fanout2; do
		rmmod tandem 2>/dev/null
		insmod "$1" || echo "bench-ab: insmod $1 failed" >&2
		echo "=== *"
		echo "# $cfg ($(date -u +%T))" >&2
		bash scripts/bench.sh --config "$cfg"
	done
	for cfg in backup1 backup2; do
		for ko; do
			rmmod tandem 2>/dev/null
			insmod "$ko" || { echo "bench-ab: insmod $ko failed" >&2; continue; }
			echo "=== $ko"
			echo "# $cfg under $ko ($(date -u +%T))" >&2
			bash scripts/bench.sh $mode "$cfg"
		done
	done
	rmmod tandem 2>/dev/null
	exit 0
fi

[ $# -ge 1 ] || { echo "usage: scripts/bench-ab.sh KO..." >&2; exit 2; }
for ko; do
	[ -f "$ko" ] || { echo "bench-ab: no $ko" >&2; exit 1; }
done
log=${BENCH_AB_LOG:-/tmp/tandem-bench-ab.log}
. scripts/bench-cost.sh
echo "# $* in one VM, from $(date -u +%T) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
selftests/vm/run.sh --timeout "${TANDEM_VM_TIMEOUT:-5400}" \
	--cmd "BENCH_RUNS=$BENCH_RUNS BENCH_BULK=$BENCH_BULK BENCH_RR=$BENCH_RR BENCH_CALLGRAPH=${BENCH_CALLGRAPH:-} BENCH_AB_COUNTS=${BENCH_AB_COUNTS:-} BENCH_COUNT_BYTES=${BENCH_COUNT_BYTES:-2M} $(cost_env) bash scripts/bench-ab.sh --in-vm $*" \
	> "$log" || { echo "bench-ab: the VM run failed; log in $log" >&2; exit 1; }
echo "# ended $(date -u +%T) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
i=0
for ko; do
	i=$((i + 1))
	awk -v ko="$ko" '/^=== / { on = ($2 == ko || $2 == "*"); next } /^env / || on' "$log" > "$log.$i"
	echo "== $ko"
	scripts/bench.sh --render "$log.$i" 2>&1 > "$log.$i.md" | tail -n 1
done
