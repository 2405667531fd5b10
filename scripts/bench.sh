#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench.sh (`make bench`): the data-path benchmarks, in one VM run,
# written to docs/benchmarks.md. Measured and recorded, never asserted.
#
# On the host: installs what is missing, builds, boots the test VM with
# `scripts/bench.sh --in-vm`, and renders what that prints ("result CONFIG
# METRIC VALUE" and "env KEY VALUE" lines) as docs/benchmarks.md (or
# $TANDEM_BENCH_OUT). In the VM, every configuration runs on the topology of
# the data-path tests (selftests/topo.sh, offloads on) with tstream:
#
#   plain     a tstream server on node1 holding the VIP, plain TCP
#   backup1   node1 primary, node2 backup, tandem protecting the port
#   backup2   node1 primary, node2 and node3 backups
#
#   bulk1     throughput of one connection (Mbit/s of verified payload each
#             way; median of BENCH_RUNS runs of BENCH_BULK bytes)
#   bulk8     the same over 8 connections at once
#   rr_p50, rr_p99   request/response round trips of 64 bytes (us; median
#             over BENCH_RUNS runs of BENCH_RR round trips)
#   failover  backupN only: the client's longest wait for its next byte
#             that ends after the crash of the primary (then node2 is
#             promoted), in ms, p50/p99/max over BENCH_CRASHES crashes, each
#             on a fresh topology (tstream --mark-file)
#
# The replicated configurations run only with TANDEM_BENCH_REPLICATED=1 (the
# default once the data path protects connections); otherwise their columns
# say "n/a".
#
# Environment: TANDEM_BENCH_REPLICATED, TANDEM_BENCH_OUT, TANDEM_VM_TIMEOUT
# [3600], BENCH_RUNS [5], BENCH_BULK [64M], BENCH_RR [2000], BENCH_CRASHES [20].
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

PORT=5001
RUNS=${BENCH_RUNS:-5}
BULK=${BENCH_BULK:-64M}
RR=${BENCH_RR:-2000}
CRASHES=${BENCH_CRASHES:-20}
REPLICATED=${TANDEM_BENCH_REPLICATED:-0}
CONFIGS="plain backup1 backup2"
OUT=${TANDEM_BENCH_OUT:-docs/benchmarks.md}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# ---- in the VM: one configuration, in a process of its own ----------------

# setup CONFIG: its topology with a tstream server on every replica that
# serves; 2 if the configuration is not available
setup() {
	local i n
	case $1 in
	plain) n=1 ;;
	backup1) n=2 ;;
	backup2) n=3 ;;
	esac
	[ "$1" = plain ] || [ "$REPLICATED" = 1 ] || return 2
	topo_up 3 || return 1
	topo_offload on || return 1
	if [ "$1" != plain ]; then
		topo_group bench $PORT || return 1
		topo_roles 1 1 || return 1
	fi
	for ((i = 1; i <= n; i++)); do
		vip_add $i && tstream_server $i $PORT || return 1
	done
}

# client METRIC_KEY CLIENT_ARGS...: one run; echo METRIC_KEY's value
client() {
	local key=$1 json
	shift
	json=$(tstream_client "$TOPO_VIP:$PORT" -t 60 "$@") || {
		echo "bench: tstream client $*: $json" >&2
		return 1
	}
	json_num "$json" "$key"
}

measure() {
	local cfg=$1 i bulk1=() bulk8=() p50=() p99=() j
	for ((i = 0; i < RUNS; i++)); do
		bulk1+=("$(client mbit_s -b "$BULK" --seed $i)")
		bulk8+=("$(client mbit_s -c 8 -b $(($(numfmt --from=iec "$BULK") / 8)) --seed $i)")
		j=$(tstream_client "$TOPO_VIP:$PORT" -t 60 --rr "$RR" --size 64)
		p50+=("$(json_num "$j" p50_us)")
		p99+=("$(json_num "$j" p99_us)")
	done
	echo "result $cfg bulk1 $(printf '%s\n' "${bulk1[@]}" | median)"
	echo "result $cfg bulk8 $(printf '%s\n' "${bulk8[@]}" | median)"
	echo "result $cfg rr_p50 $(printf '%s\n' "${p50[@]}" | median)"
	echo "result $cfg rr_p99 $(printf '%s\n' "${p99[@]}" | median)"
}

in_vm_config() {
	. selftests/lib.sh
	. selftests/topo.sh
	setup "$1"
	case $? in
	0) measure "$1" ;;
	2) echo "result $1 all n/a" ;;
	*) echo "result $1 all failed" ;;
	esac
}

# One crash of the primary during a stream; echo the client's longest wait.
in_vm_failover_once() {
	local cfg=$1 progress json rc client
	. selftests/lib.sh
	. selftests/topo.sh
	setup "$cfg" || return 1
	progress=$TOPO_DIR/progress
	tstream_client "$TOPO_VIP:$PORT" -b 16M --rate 4M -t 20 --seed $SRANDOM \
		--progress-file "$progress" --mark-file "$TOPO_DIR/mark" > "$TOPO_DIR/json" &
	client=$!
	stream_wait_bytes "$progress" $((4 << 20)) 60 || return 1
	touch "$TOPO_DIR/mark"
	node_crash 1 && topo_roles 2 2 || return 1
	wait $client
	rc=$?
	json=$(cat "$TOPO_DIR/json")
	[ $rc -eq 0 ] || { echo "bench: failover run failed: $json" >&2; return 1; }
	json_num "$json" pause_after_mark_ms
}

in_vm_failover() {
	local cfg=$1 i ms all=()
	if [ "$REPLICATED" != 1 ]; then
		echo "result $cfg failover n/a"
		return
	fi
	for ((i = 0; i < CRASHES; i++)); do
		ms=$(bash scripts/bench.sh --failover-once "$cfg") && all+=("$ms")
	done
	[ ${#all[@]} -gt 0 ] || { echo "result $cfg failover failed"; return; }
	printf '%s\n' "${all[@]}" | sort -n | awk -v cfg="$cfg" -v want="$CRASHES" '
		{ v[NR] = $1 }
		END {
			if (!NR) { print "result " cfg " failover failed"; exit }
			p50 = v[int((NR + 1) / 2)]; p99 = v[int(NR * 0.99 + 0.999)]
			printf "result %s failover %.1f/%.1f/%.1f (%d of %d)\n", cfg, p50, p99, v[NR], NR, want
		}'
}

case ${1:-} in
--config) in_vm_config "$2"; exit ;;
--failover-once) in_vm_failover_once "$2"; exit ;;
--in-vm)
	echo "env guest kernel: $(uname -r), $(nproc) vCPUs"
	if [ "$REPLICATED" = 1 ] && [ ! -d /sys/module/tandem ]; then
		insmod "$TANDEM_KO" || echo "bench: insmod $TANDEM_KO failed" >&2
	fi
	for cfg in $CONFIGS; do
		echo "# $cfg" >&2
		bash scripts/bench.sh --config $cfg
	done
	for cfg in backup1 backup2; do
		echo "# $cfg failover" >&2
		in_vm_failover $cfg
	done
	exit 0
	;;
esac

# ---- on the host -------------------------------------------------------------

# render RESULTS: docs/benchmarks.md from the result/env lines
render() {
	local log=$1
	cat <<EOF
# Benchmarks

Written by \`make bench\` (scripts/bench.sh): in one VM run (selftests/vm/run.sh),
on the topology of the data-path tests (selftests/topo.sh: a client and three
replicas as network namespaces on veth bridges, GRO, GSO and TSO on), with
tstream (selftests/tools/) as client and server. Measured, never asserted.
Reproduce with:

    make bench                              # plain TCP; replicated columns n/a
    TANDEM_BENCH_REPLICATED=1 make bench    # with the data path

## Environment

$(sed -n 's/^env /- /p' "$log")

Under TCG (software emulation) every number is dominated by the emulator,
and on a shared host by the host's load (other VMs): compare the columns of
one run with each other, not with hardware or with another run.

## Results

| metric | plain TCP | 1 backup | 2 backups | 1 backup / plain | 2 backups / plain | target |
|---|---|---|---|---|---|---|
EOF
	awk '
	$1 == "result" { v[$2 "," $3] = $4; for (i = 5; i <= NF; i++) v[$2 "," $3] = v[$2 "," $3] " " $i }
	function get(cfg, m) {
		if ((cfg "," m) in v) return v[cfg "," m]
		if ((cfg ",all") in v) return v[cfg ",all"]
		return "n/a"
	}
	function ratio(a, b) {
		return (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) ? sprintf("%.2fx", a / b) : "-"
	}
	function row(m, label, target,   p, b1, b2) {
		p = get("plain", m); b1 = get("backup1", m); b2 = get("backup2", m)
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", label, p, b1, b2,
			ratio(b1, p), ratio(b2, p), target
	}
	END {
		row("bulk1", "bulk throughput, 1 connection (Mbit/s)", "≥ 0.9x")
		row("bulk8", "bulk throughput, 8 connections (Mbit/s)", "≥ 0.9x")
		row("rr_p50", "request/response p50 (µs)", "≤ 1.3x")
		row("rr_p99", "request/response p99 (µs)", "≤ 1.3x")
		printf "| %s | %s | %s | %s | - | - | %s |\n",
			"failover: crash to next byte, p50/p99/max (ms)",
			"(a crash ends plain TCP)", get("backup1", "failover"),
			get("backup2", "failover"), "p99 < 100 ms"
	}' "$log"
	cat <<EOF

Bulk: one connection streams $BULK (8 connections: $BULK in all) through the
VIP to the transform server and verifies every returned byte; Mbit/s of
payload one way, the median of $RUNS runs. Request/response: $RR round trips
of 64 bytes on one connection, each sent when the previous reply is back;
the medians of $RUNS runs' p50 and p99. Failover: a 16 MiB stream at 4 MiB/s,
the primary (node1) crashed after 4 MiB (links cut, then processes killed),
node2 promoted by hand (\`tandem group set ... role primary\`); the client's
longest wait for a byte, while it had bytes outstanding, among the waits that
ended after the crash began; $CRASHES crashes, each on a fresh topology.
EOF
}

scripts/deps.sh || exit 1
echo "# building (make all)"
make -s -j"$(nproc)" all 2>&1 | { grep -v '^Skipping BTF generation' || true; }
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
log=$(mktemp "${TMPDIR:-/tmp}/tandem-bench.XXXXXX") || exit 1
trap 'rm -f "$log" "$log.vm"' EXIT
start=$SECONDS
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# benchmarks in the VM (selftests/vm/run.sh), results to $OUT"
selftests/vm/run.sh --timeout "${TANDEM_VM_TIMEOUT:-3600}" \
	--cmd "TANDEM_BENCH_REPLICATED=$REPLICATED BENCH_RUNS=$RUNS BENCH_BULK=$BULK BENCH_RR=$RR BENCH_CRASHES=$CRASHES scripts/bench.sh --in-vm" \
	2> "$log.vm" | tee "$log"
rc=${PIPESTATUS[0]}
cat "$log.vm" >&2
[ $rc -eq 0 ] || { echo "bench: the VM run failed (exit $rc)" >&2; exit 1; }
{
	echo "env date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "env host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	sed -n 's/^vm: \([a-z]*\), up and down in \(.*\), exit .*/env VM: qemu \1, up and down in \2/p' "$log.vm"
	echo "env whole run: $((SECONDS - start)) s (VM boot, topologies, measurements)"
} >> "$log"
render "$log" > "$OUT"
echo "# wrote $OUT"
