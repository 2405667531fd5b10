#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench-bpf.sh (`make bench-bpf`, and the last step of `make bench`):
# the eBPF data path (bpf/, docs/datapath-bpf.md) against plain TCP,
# natively on the build host's kernel (network namespaces, no VM, no
# module), in the topology of the bpf host tests (selftests/bpf_lib.sh: a
# client LAN on a bridge, veth replication links). Measured and recorded,
# never asserted. Configurations:
#
#   plain   the same topology, no program attached, a tstream server on the
#           primary's VIP alone
#   bpf1    the primary mirrors to one backup (tc programs, SYN-ACK hold,
#           clamp, reports), a server on the VIP of both
#   bpf2    the same with two backups
#
# ROUNDS rounds, each running every configuration once, in turn, on a fresh
# topology (process of its own: `scripts/bench-bpf.sh --config CFG`), so
# that the host's load drifts alike over all of them; each figure is the
# median over the rounds. The measurements are scripts/bench-cost.sh's
# (the VM benchmark's definitions):
#
#   cpu_ms      CPU per MiB of a paced stream (BENCH_CPU_BYTES at
#               BENCH_CPU_RATE bytes/s, one connection): the host's busy time
#               from /proc/stat per MiB delivered, less the busy time of the
#               host just before (over BENCH_IDLE_SECS). The host is shared
#               (other agents' VMs): this row carries their noise.
#   cpu_task_ms the same stream, the CPU time of the benchmark's own
#               processes (a cpuacct or cgroup2 cgroup: the client, the
#               servers, the softirq work run in their context) and of the
#               ksoftirqd threads: exact, and blind to other jobs
#   bulk1, bulk8   Mbit/s of one connection of BENCH_BULK, 8 connections of
#               BENCH_BULK/8 (verified payload)
#   rr_p50/99   request/response of 64 bytes back to back (BENCH_RR), us
#   lrr_p50/99  the same at light load (BENCH_LRR, BENCH_THINK_US apart)
#   setup_p50/99  connect() to established, BENCH_SETUP connections in turn
#   rep_rtt     ping over the replication link, P to B (us, mean of 20)
#   dp_ms       loading, attaching and configuring the programs of the
#               backups and attaching the primary's (bpf_dp), ms
#   lost        primary hold_timeout + conn_full + mirror_err, backups'
#               no_delta: connections or segments not protected (0 wanted)
#
# Writes its own section of docs/benchmarks.md (between its markers; the
# VM benchmark's section and the hand-written ones stay) or
# $TANDEM_BENCH_OUT, prints the key figures as one JSON line last.
# `scripts/bench-bpf.sh --render LOG` renders a run's log again.
#
# Environment: BENCH_BPF_ROUNDS [5], BENCH_BULK [64M], BENCH_RR [2000],
# BENCH_CPU_BYTES [16M], BENCH_CPU_RATE [4M], BENCH_IDLE_SECS [2],
# BENCH_LRR [300], BENCH_THINK_US [2000], BENCH_SETUP [200],
# TANDEM_BENCH_OUT [docs/benchmarks.md]. (About 6 minutes on a loaded
# 2-CPU host.)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

ROUNDS=${BENCH_BPF_ROUNDS:-5}
BULK=${BENCH_BULK:-64M}
RR=${BENCH_RR:-2000}
CONFIGS="plain bpf1 bpf2"
OUT=${TANDEM_BENCH_OUT:-docs/benchmarks.md}
# bench-cost.sh's settings, sized for the host (one run per round); in
# the VM (scripts/bench.sh --in-vm runs `--config bpf1` and `bpf2` after
# the module's configurations) those of the VM run
export BENCH_CPU_BYTES=${BENCH_CPU_BYTES:-16M} BENCH_CPU_RATE=${BENCH_CPU_RATE:-4M}
export BENCH_IDLE_SECS=${BENCH_IDLE_SECS:-2}
export BENCH_LRR=${BENCH_LRR:-300} BENCH_THINK_US=${BENCH_THINK_US:-2000}
export BENCH_SETUP=${BENCH_SETUP:-200} BENCH_PROFILE=0
RUNS=${BENCH_RUNS:-1}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

. scripts/bench-cost.sh

# ---- one configuration, in a process of its own -----------------------------

# The benchmark's processes in a cgroup of their own: its CPU time is
# theirs alone (task_us). cgroup2 (the VM) or cgroup v1's cpuacct (the
# build host); none: task_us counts ksoftirqd alone.
bench_cg=
bench_cg_usage() {
	case $bench_cg in
	'') echo 0 ;;
	*/cpuacct/*) echo $(($(cat "$bench_cg/cpuacct.usage") / 1000)) ;;
	*) awk '$1 == "usage_usec" { print $2 }' "$bench_cg/cpu.stat" ;;
	esac
}
bench_cg_init() {
	local root
	for root in /sys/fs/cgroup /sys/fs/cgroup/cpuacct; do
		[ -w "$root/cgroup.procs" ] || continue
		[ "$root" = /sys/fs/cgroup ] && [ ! -e "$root/cgroup.controllers" ] && continue
		bench_cg=$root/tandem-bench-bpf-$$
		mkdir "$bench_cg" && echo $BASHPID > "$bench_cg/cgroup.procs" || { bench_cg=; return; }
		on_exit wait_until 5 rmdir "$bench_cg"
		on_exit eval "echo \$BASHPID > $root/cgroup.procs"
		return
	done
}

# bench-cost.sh's task_us on this cgroup
task_us() {
	local u p ns=0 rest
	u=$(bench_cg_usage)
	for p in $(pgrep -x 'ksoftirqd/[0-9]*'); do
		read -r rest _ < "/proc/$p/schedstat" 2>/dev/null && ns=$((ns + rest))
	done
	echo $((u + ns / 1000))
}

# The host is never quiet (other jobs): the idle baseline before each run
# is subtracted instead (the VM waits for quiet as the module's runs do).
[ -z "${BENCH_BPF_HOST:-}" ] || quiet() { _quiet=0; }

# failed CFG WHAT JSON: a run that failed, and the programs' state then
failed() {
	local n ports port
	echo "bench-bpf: $1: $2 failed: $3" >&2
	[ "$1" = plain ] && return
	# the stalled connections: those with bytes queued on the primary
	ports=$(ip netns exec "$P" ss -Htn state established "sport = :$PORT" |
		awk '$1 > 0 || $2 > 0 { sub(/.*:/, "", $4); print $4 }')
	for n in p b ${B2:+b2}; do
		echo "bench-bpf: $n: $("$TBPF" stats "$pins/$n" | awk '$2 != 0' | tr '\n' ' ')" >&2
		for port in $ports; do
			"$TBPF" conns "$pins/$n" | grep ":$port " | sed "s/^/bench-bpf: $n: /" >&2
		done
	done
	ip netns exec "$P" ss -tnio state established | tail -n 4 | sed 's/^/bench-bpf: P: /' >&2
	ip netns exec "$B" ss -tnio state established | tail -n 4 | sed 's/^/bench-bpf: B: /' >&2
	# the stacks' drops (PAWS, out of window, old ACKs, backlog, pruning)
	for n in C P B; do
		ip netns exec "${!n}" nstat -az 2>/dev/null |
			awk '$2 > 0 && $1 ~ /Drop|Prune|PAWS|Paws|Backlog|Challenge|OutOfWindow|Old|Unsent|OFO/ { print $1, $2 }' |
			tr '\n' ' ' | sed "s/^/bench-bpf: $n: /; s/\$/\n/" >&2
	done
}

# bulk_rr CFG: throughput, one and 8 connections; back-to-back round trips
bulk_rr() {
	local cfg=$1 j seed=$SRANDOM
	j=$(tstream_client "$VIP:$PORT" -t 60 -b "$BULK" --seed "$seed") &&
		echo "result $cfg bulk1 $(json_num "$j" mbit_s)" ||
		failed "$cfg" "bulk run" "$j"
	j=$(tstream_client "$VIP:$PORT" -t 60 -c 8 -b $(($(numfmt --from=iec "$BULK") / 8)) \
		--seed "$seed") &&
		echo "result $cfg bulk8 $(json_num "$j" mbit_s)" ||
		failed "$cfg" "bulk run of 8" "$j"
	j=$(tstream_client "$VIP:$PORT" -t 60 --rr "$RR" --size 64) || {
		echo "bench-bpf: $cfg: request/response failed: $j" >&2
		return
	}
	echo "result $cfg rr_p50 $(json_num "$j" p50_us)"
	echo "result $cfg rr_p99 $(json_num "$j" p99_us)"
}

# bpf_lost: what the programs did not protect, and what they did
bpf_lost() {
	local cfg=$1 n b lost
	lost=$(( $(bpf_stat p hold_timeout) + $(bpf_stat p conn_full) + $(bpf_stat p mirror_err) ))
	for b in b ${B2:+b2}; do
		lost=$((lost + $(bpf_stat $b no_delta)))
	done
	echo "result $cfg lost $lost"
	for n in mirrored report_recv kicked dupack_sent; do
		echo "result $cfg $n $(bpf_stat p $n)"
	done
}

in_config() {
	local cfg=$1 t0 rtt
	case $cfg in
	plain|bpf1) BPF_BACKUPS=1 ;;
	bpf2) BPF_BACKUPS=2 ;;
	*) echo "bench-bpf: no configuration '$cfg'" >&2; exit 1 ;;
	esac
	. selftests/bpf_lib.sh
	. selftests/topo.sh	# json_num
	TOPO_VIP=$VIP
	tstream_client() { ip netns exec "$C" "$TSTREAM" client "$@"; }
	bench_cg_init
	bpf_setup || { echo "result $cfg all failed"; exit 1; }
	if [ "$cfg" = plain ]; then
		# plain TCP: the primary's server alone, nothing attached
		ip netns exec "$P" "$TSTREAM" server -l "$VIP" -p "$PORT" \
			--ready-file "$work/ready.$P" >>"$work/server.log" 2>&1 &
		on_exit kill $!
		wait_until 10 test -e "$work/ready.$P"
	else
		t0=${EPOCHREALTIME/[.,]/}
		bpf_dp || { echo "result $cfg all failed"; exit 1; }
		echo "result $cfg dp_ms $(((${EPOCHREALTIME/[.,]/} - t0) / 1000))"
		bpf_servers || { echo "result $cfg all failed"; exit 1; }
		rtt=$(ip netns exec "$P" busybox ping -q -c 20 -i 0.05 10.9.1.2 2>/dev/null |
			sed -n 's|^round-trip [^=]*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
		[ -z "$rtt" ] ||
			echo "result $cfg rep_rtt $(awk -v r="$rtt" 'BEGIN { printf "%.0f", r * 1000 }')"
	fi
	# the quiet measurements first, saturation last
	cpu_measure "$cfg"
	light_rr "$cfg"
	setup_time "$cfg"
	bulk_rr "$cfg"
	[ "$cfg" = plain ] || bpf_lost "$cfg"
}

# ---- rendering ---------------------------------------------------------------

# medians LOG: "CFG METRIC MEDIAN N" per configuration and metric
medians() {
	awk '$1 == "result" && $4 ~ /^-?[0-9.]+$/ { print $2, $3, $4 }' "$1" | sort -k1,2 -k3,3n |
		awk '{ k = $1 " " $2; n[k]++; v[k, n[k]] = $3 }
		END { for (k in n) print k, v[k, int((n[k] + 1) / 2)], n[k] }' | sort
}

BPF_AWK='
FILENAME == ARGV[1] { m[$1 "," $2] = $3; c[$1 "," $2] = $4; next }
function num(x) { return x ~ /^-?[0-9.]+$/ }
function get(cfg, k) { return ((cfg "," k) in m) ? m[cfg "," k] : "n/a" }
function ratio(a, b) { return (num(a) && num(b) && a + 0 > 0 && b + 0 > 0) ? sprintf("%.2f", a / b) : "null" }
function rx(a, b,   r) { r = ratio(a, b); return r == "null" ? "-" : r "x" }
function n(x) { return num(x) ? x + 0 : "null" }
'

# json MEDIANS: the key figures as one JSON line
json() {
	awk "$BPF_AWK"'
	function ms(us) { return num(us) ? us / 1000 : "null" }
	function each(name, k) {
		printf "\"%s\": {\"plain\": %s, \"bpf1\": %s, \"bpf2\": %s}, ", name,
			n(get("plain", k)), n(get("bpf1", k)), n(get("bpf2", k))
	}
	function rat(name, k) {
		printf "\"%s\": {\"1\": %s, \"2\": %s}, ", name,
			ratio(get("bpf1", k), get("plain", k)), ratio(get("bpf2", k), get("plain", k))
	}
	END {
		printf "{\"host_bpf\": {"
		each("cpu_per_mib", "cpu_ms")
		each("cpu_per_mib_tasks", "cpu_task_ms")
		rat("cpu_ratio", "cpu_ms")
		rat("cpu_ratio_tasks", "cpu_task_ms")
		rat("throughput_ratio", "bulk1")
		rat("rr_p50_ratio", "rr_p50")
		rat("rr_p99_ratio", "rr_p99")
		rat("lrr_p50_ratio", "lrr_p50")
		printf "\"setup_ms\": {\"plain\": %s, \"1\": %s, \"2\": %s}, ",
			ms(get("plain", "setup_p50")), ms(get("bpf1", "setup_p50")), ms(get("bpf2", "setup_p50"))
		printf "\"lost\": {\"1\": %s, \"2\": %s}}}\n", n(get("bpf1", "lost")), n(get("bpf2", "lost"))
	}' "$1" /dev/null
}

# render LOG MEDIANS: the markdown of the section
render() {
	local log=$1 med=$2 cmd="make bench-bpf"
	[ -z "${BENCH_BPF_ROUNDS:-}${BENCH_BULK:-}${BENCH_RR:-}" ] ||
		cmd="BENCH_BPF_ROUNDS=$ROUNDS BENCH_BULK=$BULK BENCH_RR=$RR $cmd"
	cat <<EOF
## The eBPF data path on the host (issue 12)

Written by \`make bench-bpf\` (scripts/bench-bpf.sh; also the last step of
\`make bench\`): the eBPF data path against plain TCP, natively on the
build host's kernel in network namespaces (no VM, no module), on the
topology of the bpf host tests (selftests/bpf_lib.sh: the client LAN a
bridge, the replication links veths), with tstream. $ROUNDS rounds, each
configuration once per round on a fresh topology, in turn; every figure is
the median over the rounds (the count of samples in brackets where a run
failed: its stderr says how, the programs' counters and the sockets then;
docs/datapath-bpf.md, *Measured*, on the bulk stall). Measured, never asserted. Reproduce with (repository root, as root):

    $cmd

This run's key figures (its last line):

    $(json "$med")

$(sed -n 's/^env /- /p' "$log")

| metric | plain TCP | bpf, 1 backup | bpf, 2 backups | 1 backup / plain | 2 backups / plain |
|---|---|---|---|---|---|
EOF
	awk -v R="$ROUNDS" "$BPF_AWK"'
	function cell(cfg, k,   v) {
		v = get(cfg, k)
		return ((cfg "," k) in c && c[cfg "," k] < R) ? v " (" c[cfg "," k] ")" : v
	}
	function row(k, label, noratio) {
		printf "| %s | %s | %s | %s | %s | %s |\n", label, cell("plain", k),
			cell("bpf1", k), cell("bpf2", k),
			noratio ? "-" : rx(get("bpf1", k), get("plain", k)),
			noratio ? "-" : rx(get("bpf2", k), get("plain", k))
	}
	END {
		row("cpu_ms", "**CPU per MiB**, host-wide busy time (ms, paced stream)")
		row("cpu_task_ms", "**CPU per MiB**, the benchmark'"'"'s processes and ksoftirqd (ms)")
		row("cpu_mbit", "rate achieved in that stream (Mbit/s)")
		row("cpu_base", "the host'"'"'s busy time before it (ticks/s, 100 = one CPU)", 1)
		row("bulk1", "bulk throughput, 1 connection (Mbit/s)")
		row("bulk8", "bulk throughput, 8 connections (Mbit/s)")
		row("rr_p50", "request/response back to back, p50 (µs)")
		row("rr_p99", "request/response back to back, p99 (µs)")
		row("lrr_p50", "request/response at light load, p50 (µs)")
		row("lrr_p99", "request/response at light load, p99 (µs)")
		row("setup_p50", "connection setup (connect() to established), p50 (µs)")
		row("setup_p99", "connection setup, p99 (µs)")
		row("rep_rtt", "replication link round trip, P to B (µs, ping)", 1)
		row("dp_ms", "programs loaded, attached, configured (ms)", 1)
		row("lost", "not protected: SYN-ACK hold timeouts, full table, clone errors, no deltas", 1)
		row("mirrored", "clones sent by the primary (all runs of a round)", 1)
		row("report_recv", "reports taken by the primary", 1)
		row("kicked", "the primary'"'"'s stack made to ACK (clamp opened)", 1)
	}' "$med" /dev/null
	cat <<EOF

Every sample of the CPU rows (ms per MiB; plain, bpf1, bpf2):

$(for k in cpu_ms cpu_task_ms; do
	for cfg in $CONFIGS; do
		printf -- '- %s %s: %s\n' "$k" "$cfg" "$(awk -v c="$cfg" -v k="$k" \
			'$1 == "result" && $2 == c && $3 == k { printf "%s%s", (n++ ? ", " : ""), $4 }' "$log")"
	done
done)

How: CPU per MiB is bench-cost.sh's measure on the host: one connection
streams $BENCH_CPU_BYTES paced at $BENCH_CPU_RATE bytes/s (below saturation: the
rate row reads the pacing), and the figure is the CPU time spent per MiB
delivered. The host-wide row takes the host's busy time from /proc/stat,
less its busy time over ${BENCH_IDLE_SECS} s just before: the build host is shared
with other agents' VMs (TCG, a CPU each when they run), whose load moves
from second to second, so this row is noisy and its ratios are not to be
trusted alone. The second row has no such background: the CPU time of the
benchmark's processes (a cgroup holding the configuration's shell, the
client and the servers: the host kernel has no IRQ_TIME_ACCOUNTING, so the
softirq work run in their context, the veth receive path and the tc
programs included, counts as theirs) and of the ksoftirqd threads; it
misses softirq and timer work that ran while another job's task was on the
CPU, which is small here (the packets of a veth are received in the
sender's context). Bulk: one connection of $BULK (8 connections of an
eighth each), every byte verified, Mbit/s of payload one way.
Request/response: $RR round trips of 64 bytes back to back; at light load
$BENCH_LRR round trips ${BENCH_THINK_US} µs apart. Connection setup: $BENCH_SETUP
connections one after the other, connect() to writable: the SYN-ACK hold
adds the backups' confirmation, one replication round trip (the ping row)
plus the primary's stack resending its SYN-ACK when the replayed SYN
arrives. Every run with the bpf path is checked to be a protected one: the
"not protected" row must read 0, the clone and report rows show the
programs at work. What the VM benchmark (above) measures for the module
is not comparable with these figures: another kernel, under emulation;
docs/datapath-bpf.md (*Measured*) says what remains for bpf against the
module in one run.
EOF
}

# The section's markers in docs/benchmarks.md (bench.sh keeps what lies
# outside its own)
BEGIN_MARK='<!-- generated by scripts/bench-bpf.sh (make bench-bpf): begin -->'
END_MARK='<!-- generated by scripts/bench-bpf.sh (make bench-bpf): end -->'

# write_region MD OUT: MD between OUT's markers, or at its end
write_region() {
	local md=$1 out=$2 tmp
	tmp=$(mktemp "$out.XXXXXX") || return 1
	if grep -qxF "$BEGIN_MARK" "$out" 2>/dev/null && grep -qxF "$END_MARK" "$out"; then
		awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v md="$md" '
			$0 == b { print; while ((getline l < md) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip' "$out" > "$tmp"
	else
		{ [ -e "$out" ] && cat "$out" && echo; echo "$BEGIN_MARK"; cat "$md"; echo "$END_MARK"; } > "$tmp"
	fi
	chmod 644 "$tmp" && mv -f "$tmp" "$out"
}

render_all() {
	local log=$1
	medians "$log" > "$log.med" || return 1
	render "$log" "$log.med" > "$log.md" || return 1
	write_region "$log.md" "$OUT" || return 1
	echo "# wrote $OUT" >&2
	json "$log.med"
}

# vm_rows LOG: the VM run's bpf rows next to its module rows (bench.sh's
# render: one VM run, one kernel, both data paths)
vm_rows() {
	grep -q '^result bpf[12] ' "$1" || return 0
	cat <<EOF

## The eBPF data path in the same VM run (issue 12)

scripts/bench-bpf.sh --config bpf1 and bpf2 in the VM after the module's
configurations: the bpf data path with 1 and 2 backups on the topology of
the bpf host tests (selftests/bpf_lib.sh: a bridge, veth replication links,
no WireGuard), bench-cost.sh's measures with this run's settings.

| metric | plain TCP | module, 1 backup | bpf, 1 backup | module, 2 backups | bpf, 2 backups | bpf / module, 1 backup | 2 backups |
|---|---|---|---|---|---|---|---|
EOF
	awk '$1 == "result" { v[$2 "," $3] = $4 }
	function g(c, k) { return ((c "," k) in v) ? v[c "," k] : "n/a" }
	function num(x) { return x ~ /^[0-9.]+$/ && x + 0 > 0 }
	function r(a, b) { return num(a) && num(b) ? sprintf("%.2fx", a / b) : "-" }
	function row(k, label) {
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", label, g("plain", k),
			g("backup1", k), g("bpf1", k), g("backup2", k), g("bpf2", k),
			r(g("bpf1", k), g("backup1", k)), r(g("bpf2", k), g("backup2", k))
	}
	END {
		row("cpu_ms", "CPU per MiB, VM-wide (ms, paced stream)")
		row("cpu_task_ms", "CPU per MiB, processes and ksoftirqd (ms)")
		row("cpu_mbit", "rate achieved in that stream (Mbit/s)")
		row("bulk1", "bulk throughput, 1 connection (Mbit/s)")
		row("bulk8", "bulk throughput, 8 connections (Mbit/s)")
		row("rr_p50", "request/response back to back, p50 (µs)")
		row("rr_p99", "request/response back to back, p99 (µs)")
		row("lrr_p50", "request/response at light load, p50 (µs)")
		row("lrr_p99", "request/response at light load, p99 (µs)")
		row("setup_p50", "connection setup, p50 (µs)")
		row("setup_p99", "connection setup, p99 (µs)")
		row("lost", "connections or segments not protected")
	}' "$1"
}

case ${1:-} in
--config) in_config "$2"; exit ;;
--vm-rows) vm_rows "$2"; exit ;;
--render) log=$(mktemp) && cp "$2" "$log" && render_all "$log"; rc=$?; rm -f "$log"*; exit $rc ;;
esac

# ---- on the host ----------------------------------------------------------------

[ "$(id -u)" = 0 ] || { echo "bench-bpf: run as root (namespaces, BPF)" >&2; exit 1; }
echo "# building (the programs, tbpf, tstream)" >&2
{ make -s -C bpf tests && make -s -C selftests tools; } >/dev/null || exit 1
built=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- bpf selftests/tools 2>/dev/null ||
	built+=" (with uncommitted changes in bpf/ or selftests/tools/)"
log=$(mktemp "${TMPDIR:-/tmp}/tandem-bench-bpf.XXXXXX") || exit 1
export BENCH_BPF_HOST=1 BENCH_CPU_RUNS=1
trap 'rm -f "$log" "$log.med" "$log.md"' EXIT
start=$SECONDS
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= ROUNDS; r++)); do
	for cfg in $CONFIGS; do
		echo "# round $r of $ROUNDS: $cfg ($(date -u +%T))" >&2
		bash scripts/bench-bpf.sh --config "$cfg" >> "$log" ||
			echo "bench-bpf: round $r, $cfg: exit $?" >&2
	done
done
{
	echo "env date: $(date -u '+%Y-%m-%d %H:%M UTC') (the end of the run), commit $built"
	echo "env host: kernel $(uname -r), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "env whole run: $((SECONDS - start)) s"
} >> "$log"
[ -z "${TANDEM_BENCH_LOG:-}" ] || cp "$log" "$TANDEM_BENCH_LOG"
render_all "$log"
