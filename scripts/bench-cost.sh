# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench-cost.sh: the cost of replication, sourced by scripts/bench.sh
# (issue 14, "measure the right thing"). In the VM, for each configuration:
#
#   fanout1, fanout2   no group: the client sends the same stream over plain
#             TCP to 1+N servers at once (node1 by the VIP, node2.. by their
#             own addresses; tstream client --fanout), every reply verified:
#             the work any replication must do, with 1+N servers receiving
#             and processing every byte
#   cpu_ms    CPU per MiB: a stream of BENCH_CPU_BYTES paced at
#             BENCH_CPU_RATE bytes/s (below saturation), VM-wide busy CPU
#             time from /proc/stat (user, nice, system, irq, softirq, steal)
#             per MiB delivered to the client, less the idle VM's own busy
#             time over as long (measured for BENCH_IDLE_SECS just before
#             each run, once the VM settled: namespaces deleted before are
#             cleaned up in the background for seconds); median of
#             BENCH_CPU_RUNS runs
#   lrr_p50, lrr_p99   request/response at light load: BENCH_LRR round trips
#             of 64 bytes, BENCH_THINK_US after each reply (the CPUs mostly
#             idle); medians of BENCH_RUNS runs (us)
#   setup_p50, setup_p99   connection setup as the client sees it, connect()
#             to writable (SYN to established), BENCH_SETUP connections one
#             after the other (tstream client --serial), 64 bytes each (us)
#   rep_rtt   backupN: ping round trip node1 -> node2 on the replication link
#             (us, the mean of 20; busybox ping): the one round trip the
#             SYN-ACK hold adds
#   profile   plain, backupN: perf record -e cpu-clock, system-wide, over one
#             more bulk run (BENCH_BULK, one connection; not counted in the
#             throughput rows), perf report --sort sym / dso read in the VM
#             with tandem.ko loaded (its symbols from /proc/kallsyms)
#
# Environment: BENCH_CPU_BYTES [1M], BENCH_CPU_RATE [128K], BENCH_IDLE_SECS [2],
# BENCH_CPU_RUNS [5],
# BENCH_LRR [300], BENCH_THINK_US [10000], BENCH_SETUP [100], BENCH_PROFILE [1],
# BENCH_CALLGRAPH (set: the profile records call chains and prints who takes
# the contended spinlocks).

CPU_BYTES=${BENCH_CPU_BYTES:-1M}
CPU_RATE=${BENCH_CPU_RATE:-128K}
IDLE_SECS=${BENCH_IDLE_SECS:-2}
CPU_RUNS=${BENCH_CPU_RUNS:-5}
LRR=${BENCH_LRR:-300}
THINK_US=${BENCH_THINK_US:-10000}
SETUP_N=${BENCH_SETUP:-100}
PROFILE=${BENCH_PROFILE:-1}
PROFILE_TOP=30
# the idle loop's symbols, left out of the profile's shares
IDLE_SYMS='^(native_safe_halt|default_idle|default_idle_call|cpu_idle_poll|acpi_idle_do_entry|mwait_idle_with_hints|intel_idle|poll_idle)$'

# the settings of this file, as the VM command's environment
cost_env() {
	echo "BENCH_CPU_BYTES=$CPU_BYTES BENCH_CPU_RATE=$CPU_RATE BENCH_IDLE_SECS=$IDLE_SECS BENCH_CPU_RUNS=$CPU_RUNS" \
	     "BENCH_LRR=$LRR BENCH_THINK_US=$THINK_US BENCH_SETUP=$SETUP_N BENCH_PROFILE=$PROFILE"
}

# ---- in the VM -------------------------------------------------------------

# fanout_n CONFIG: N of fanoutN (0 otherwise)
fanout_n() {
	case $1 in
	fanout*) echo "${1#fanout}" ;;
	*) echo 0 ;;
	esac
}

# fanout_args CONFIG: the client's --fanout options for CONFIG
fanout_args() {
	local i n
	n=$(fanout_n "$1")
	for ((i = 2; i <= n + 1; i++)); do
		printf -- '--fanout %s:%s ' "$(node_addr $i)" "$PORT"
	done
}

# /proc/stat's first line: "BUSY TOTAL" in USER_HZ ticks, all CPUs
cpu_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat
}

# task_us: CPU time (us) of the topology's processes (its cgroup: task time
# includes the softirq work done in their context, no IRQ_TIME_ACCOUNTING in
# Debian's kernel) and of the ksoftirqd threads; 0 without cgroup2
task_us() {
	local cg=${_topo_cgroot:-} u=0 p ns=0 rest
	[ -n "$cg" ] && [ -r "$cg/cpu.stat" ] &&
		u=$(awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat")
	for p in $(pgrep -x 'ksoftirqd/[0-9]*'); do
		read -r rest _ < "/proc/$p/schedstat" 2>/dev/null && ns=$((ns + rest))
	done
	echo $((u + ns / 1000))
}

# cpu_once CONFIG IDLE_RATE: one paced run; echo "CPU_MS_PER_MIB MBIT_S IDLE_PCT"
# TASK_MS_PER_MIB" (IDLE_RATE: the idle VM's busy ticks per second)
cpu_once() {
	local cfg=$1 idle=$2 n json b0 t0 b1 t1 us0 us1 bytes k0 k1
	n=$(fanout_n "$cfg")
	k0=$(task_us)
	read -r b0 t0 < <(cpu_ticks)
	us0=${EPOCHREALTIME/[.,]/}
	# shellcheck disable=SC2046 # fanout_args: words on purpose
	json=$(tstream_client "$TOPO_VIP:$PORT" -t 60 -b "$CPU_BYTES" --rate "$CPU_RATE" \
		--seed $SRANDOM $(fanout_args "$cfg")) || {
		echo "bench: $cfg: paced stream failed: $json" >&2
		return 1
	}
	us1=${EPOCHREALTIME/[.,]/}
	read -r b1 t1 < <(cpu_ticks)
	k1=$(task_us)
	bytes=$(json_num "$json" bytes_verified)
	echo "# $cfg: busy $((b1 - b0)) of $((t1 - t0)) ticks in $(((us1 - us0) / 1000)) ms" \
	     "(idle VM: $idle ticks/s), tasks $(((k1 - k0) / 1000)) ms, $bytes bytes" >&2
	awk -v k=$((k1 - k0)) -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v s=$(((us1 - us0))) -v idle="$idle" \
	    -v bytes="$bytes" -v n="$n" -v hz="$(getconf CLK_TCK)" \
	    -v mbit="$(json_num "$json" mbit_s)" 'BEGIN {
		mib = bytes / (n + 1) / 1048576
		busy = b - idle * s / 1e6
		if (busy < 0) busy = 0
		printf "%.1f %.1f %.0f %.1f\n", busy / hz * 1000 / mib, mbit / (n + 1),
			t ? 100 * (t - b) / t : 0, k / 1000 / mib
	}'
}

# busy_rate SECS: the VM's busy ticks per second over the next SECS seconds
busy_rate() {
	local b0 t0 b1 t1
	read -r b0 t0 < <(cpu_ticks)
	sleep "$1"	# the measurement window, not a wait for a condition
	read -r b1 t1 < <(cpu_ticks)
	awk -v b=$((b1 - b0)) -v s="$1" 'BEGIN { printf "%.1f\n", b / s }'
}

# quiet: true once the VM's busy time is under a quarter of a vCPU over a
# second (at most 15 s: an idle guest under TCG is not idle, its timer and
# RCU work cost it 20-80% of a vCPU on a loaded host); the last rate in _quiet
quiet() {
	local i
	for ((i = 0; i < 15; i++)); do
		_quiet=$(busy_rate 1)
		awk -v r="$_quiet" -v hz="$(getconf CLK_TCK)" 'BEGIN { exit !(r <= hz / 4) }' &&
			return 0
	done
	return 1
}

# cpu_measure CONFIG: the cpu_ms, cpu_mbit (achieved rate) and cpu_idle rows
cpu_measure() {
	local cfg=$1 i idle out ms=() mbit=() idlep=() base=() task=()
	quiet || echo "bench: $cfg: the VM never went quiet (busy $_quiet ticks/s)" >&2
	for ((i = 0; i < CPU_RUNS; i++)); do
		# the idle VM's own busy time, just before each run
		idle=$(busy_rate "$IDLE_SECS")
		out=$(cpu_once "$cfg" "$idle") || continue
		read -r -a out <<< "$out"
		ms+=("${out[0]}") mbit+=("${out[1]}") idlep+=("${out[2]}") base+=("$idle")
		task+=("${out[3]}")
	done
	if [ ${#ms[@]} -eq 0 ]; then
		echo "result $cfg cpu_ms failed"
		return
	fi
	echo "result $cfg cpu_ms $(printf '%s\n' "${ms[@]}" | median)"
	echo "result $cfg cpu_task_ms $(printf '%s\n' "${task[@]}" | median)"
	echo "result $cfg cpu_mbit $(printf '%s\n' "${mbit[@]}" | median)"
	echo "result $cfg cpu_idle $(printf '%s\n' "${idlep[@]}" | median)"
	echo "result $cfg cpu_base $(printf '%s\n' "${base[@]}" | median)"
}

# light_rr CONFIG: request/response at light load
light_rr() {
	local cfg=$1 i j p50=() p99=()
	for ((i = 0; i < RUNS; i++)); do
		j=$(tstream_client "$TOPO_VIP:$PORT" -t 60 --rr "$LRR" --size 64 \
			--think "$THINK_US") || {
			echo "bench: $cfg: tstream client --rr --think: $j" >&2
			continue
		}
		p50+=("$(json_num "$j" p50_us)")
		p99+=("$(json_num "$j" p99_us)")
	done
	[ ${#p50[@]} -gt 0 ] || { echo "result $cfg lrr_p50 failed"; return; }
	echo "result $cfg lrr_p50 $(printf '%s\n' "${p50[@]}" | median)"
	echo "result $cfg lrr_p99 $(printf '%s\n' "${p99[@]}" | median)"
}

# setup_time CONFIG: connection setup, one connection at a time
setup_time() {
	local cfg=$1 j
	j=$(tstream_client "$TOPO_VIP:$PORT" -t 60 --serial -c "$SETUP_N" -b 64) || {
		echo "bench: $cfg: tstream client --serial: $j" >&2
		echo "result $cfg setup_p50 failed"
		return
	}
	echo "result $cfg setup_p50 $(json_num "$j" setup_p50_us)"
	echo "result $cfg setup_p99 $(json_num "$j" setup_p99_us)"
}

# rep_rtt CONFIG: node1 -> node2 on the replication link (ICMP echo; the
# mean: busybox ping gives no median)
rep_rtt() {
	local rtt
	rtt=$(node_exec 1 busybox ping -q -c 20 -i 0.05 "$(node_rep_addr 2)" 2>/dev/null |
		sed -n 's|^round-trip [^=]*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
	[ -n "$rtt" ] || { echo "result $1 rep_rtt failed"; return; }
	echo "result $1 rep_rtt $(awk -v r="$rtt" 'BEGIN { printf "%.0f", r * 1000 }')"
}

# profile CONFIG: perf record over one bulk run; "profile CFG sym|dso PCT NAME"
profile() {
	local cfg=$1 data=$TOPO_DIR/perf.data j ns
	[ "$PROFILE" = 1 ] || return 0
	command -v perf >/dev/null || { echo "bench: no perf (linux-perf)" >&2; return 0; }
	sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
	ns=$(node_ns client) || return 0
	j=$(perf record -e cpu-clock -F 1000 -a -N -q ${BENCH_CALLGRAPH:+-g} -o "$data" -- \
		ip netns exec "$ns" "$TSTREAM" client "$TOPO_VIP:$PORT" -t 60 -b "$BULK" \
		--seed 7 2>/dev/null) || echo "bench: $cfg: profiled bulk run failed: $j" >&2
	echo "result $cfg prof_mbit $(json_num "$j" mbit_s || echo failed)"
	# shares of the busy samples: the idle loop's left out
	perf report -i "$data" --stdio -q -n ${BENCH_CALLGRAPH:+--no-children -g none} --sort dso,sym 2>/dev/null |
		awk -v c="$cfg" -v top="$PROFILE_TOP" -v idle_re="$IDLE_SYMS" '
		BEGIN {	# perf puts the module under [kernel.kallsyms]: its names
			while ((getline l < "/proc/kallsyms") > 0)
				if (l ~ /\[tandem\]$/) { split(l, f, " "); tandem[f[3]] = 1 }
		}
		NF >= 5 && $2 ~ /^[0-9]+$/ {
			n = $2; all += n
			if ($5 ~ idle_re) { idle += n; next }
			d = ($5 in tandem) ? "tandem.ko" : $3
			dso[d] += n; nsym++; cnt[nsym] = n; name[nsym] = d " " $4 " " $5
		}
		END {
			busy = all - idle
			printf "result %s prof_samples %d\nresult %s prof_idle %.1f\n", c, all, c,
				all ? 100 * idle / all : 0
			if (!busy) exit
			for (d in dso)
				if (100 * dso[d] / busy >= 0.5)
					printf "profile %s dso %.2f %s\n", c, 100 * dso[d] / busy, d
			for (i = 1; i <= nsym && i <= top; i++)
				printf "profile %s sym %.2f %s\n", c, 100 * cnt[i] / busy, name[i]
		}'
	[ -n "${BENCH_CALLGRAPH:-}" ] && callers "$cfg" "$data"
	rm -f "$data"
}

# callers CONFIG DATA: who takes the contended spinlocks (BENCH_CALLGRAPH=1:
# perf record -g), "callers CFG PCT CHAIN" with the chain's share of the
# slow path's samples
callers() {
	perf report -i "$2" --stdio -q --no-children -S native_queued_spin_lock_slowpath \
		-g graph,0.5,callee,function,percent --percent-limit 1 2>/dev/null |
		head -n 300 | sed "s/^/callers $1 /"
}

# ---- on the host: rendering --------------------------------------------------

# The awk functions the renderings share: v[CFG,METRIC] from the result lines.
COST_AWK='
$1 == "result" { k = $2 "," $3; v[k] = $4; for (i = 5; i <= NF; i++) v[k] = v[k] " " $i }
function num(x) { return x ~ /^[0-9.]+$/ }
function get(cfg, m) { return ((cfg "," m) in v) ? v[cfg "," m] : "n/a" }
# (a CPU figure of 0: the idle VM'"'"'s background exceeded the run'"'"'s busy time)
function ratio(a, b) { return (num(a) && num(b) && a + 0 > 0 && b + 0 > 0) ? sprintf("%.2f", a / b) : "null" }
function rx(a, b,   r) { r = ratio(a, b); return r == "null" ? "-" : r "x" }
function ms(us) { return num(us) ? sprintf("%.2f", us / 1000) : "null" }
'

# cost_json LOG: the key figures of the run as one JSON line
cost_json() {
	awk "$COST_AWK"'
	function n(x) { return num(x) && x + 0 > 0 ? x + 0 : "null" }
	# the counts of scripts/bench.sh (pm_KIND_NAME), in the order they came
	$1 == "result" && $3 ~ /^pm_[a-z]+_/ && !(($2 "," $3) in pm_seen) {
		pm_seen[$2 "," $3] = 1; pm_n[$2]++; pm_key[$2, pm_n[$2]] = $3
	}
	function per_mib(cfg, label,   i, k, kind, name, out, cur, sep) {
		out = ""; cur = ""
		for (i = 1; i <= pm_n[cfg]; i++) {
			k = pm_key[cfg, i]; kind = k; sub(/^pm_/, "", kind); name = kind
			sub(/_.*/, "", kind); sub(/^[a-z]+_/, "", name)
			if (kind != cur) {
				out = out (cur == "" ? "" : "}, ") "\"" kind "\": {"; cur = kind; sep = ""
			}
			out = out sep "\"" name "\": " (num(v[cfg "," k]) ? v[cfg "," k] + 0 : "null"); sep = ", "
		}
		return "\"" label "\": {" out (cur == "" ? "" : "}") "}"
	}
	END {
		printf "{\"cpu_per_mib\": {\"plain\": %s, \"fanout1\": %s, \"fanout2\": %s, \"tandem1\": %s, \"tandem2\": %s}, ",
			n(get("plain", "cpu_ms")), n(get("fanout1", "cpu_ms")), n(get("fanout2", "cpu_ms")),
			n(get("backup1", "cpu_ms")), n(get("backup2", "cpu_ms"))
		printf "\"overhead_ratio\": {\"1\": %s, \"2\": %s}, ",
			ratio(get("backup1", "cpu_ms"), get("fanout1", "cpu_ms")),
			ratio(get("backup2", "cpu_ms"), get("fanout2", "cpu_ms"))
		printf "\"cpu_per_mib_tasks\": {\"plain\": %s, \"fanout1\": %s, \"fanout2\": %s, \"tandem1\": %s, \"tandem2\": %s}, ",
			n(get("plain", "cpu_task_ms")), n(get("fanout1", "cpu_task_ms")),
			n(get("fanout2", "cpu_task_ms")), n(get("backup1", "cpu_task_ms")),
			n(get("backup2", "cpu_task_ms"))
		printf "\"overhead_ratio_tasks\": {\"1\": %s, \"2\": %s}, ",
			ratio(get("backup1", "cpu_task_ms"), get("fanout1", "cpu_task_ms")),
			ratio(get("backup2", "cpu_task_ms"), get("fanout2", "cpu_task_ms"))
		printf "\"rr_p50_ratio\": {\"1\": %s, \"2\": %s}, ",
			ratio(get("backup1", "lrr_p50"), get("plain", "lrr_p50")),
			ratio(get("backup2", "lrr_p50"), get("plain", "lrr_p50"))
		printf "\"rr_p99_ratio\": {\"1\": %s, \"2\": %s}, ",
			ratio(get("backup1", "lrr_p99"), get("plain", "lrr_p99")),
			ratio(get("backup2", "lrr_p99"), get("plain", "lrr_p99"))
		printf "\"setup_ms\": {\"plain\": %s, \"1\": %s, \"2\": %s}, ",
			ms(get("plain", "setup_p50")), ms(get("backup1", "setup_p50")),
			ms(get("backup2", "setup_p50"))
		printf "\"throughput_ratio\": {\"plain\": {\"1\": %s, \"2\": %s}, \"fanout\": {\"1\": %s, \"2\": %s}}, ",
			ratio(get("backup1", "bulk1"), get("plain", "bulk1")),
			ratio(get("backup2", "bulk1"), get("plain", "bulk1")),
			ratio(get("backup1", "bulk1"), get("fanout1", "bulk1")),
			ratio(get("backup2", "bulk1"), get("fanout2", "bulk1"))
		printf "\"per_mib\": {%s, %s}}\n", per_mib("backup1", "1"), per_mib("backup2", "2")
	}' "$1"
}

# cost_render LOG: the markdown of the cost sections
cost_render() {
	local log=$1
	echo "## The cost of replication"
	echo
	echo "| metric | plain TCP | fan-out 1+1 | fan-out 1+2 | tandem, 1 backup | tandem, 2 backups | tandem / fan-out, 1 backup | 2 backups | target |"
	echo "|---|---|---|---|---|---|---|---|---|"
	awk "$COST_AWK"'
	function row(m, label, target) {
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label,
			get("plain", m), get("fanout1", m), get("fanout2", m),
			get("backup1", m), get("backup2", m),
			rx(get("backup1", m), get("fanout1", m)), rx(get("backup2", m), get("fanout2", m)),
			target
	}
	END {
		row("cpu_ms", "**CPU per MiB** (ms of busy vCPU time, paced stream)", "≤ 1.25x")
		row("cpu_task_ms", "CPU per MiB, the topology'"'"'s processes and ksoftirqd (ms)", "≤ 1.25x")
		row("cpu_mbit", "rate achieved in that stream (Mbit/s, each server)", "the pacing")
		row("cpu_idle", "VM idle during that stream (%)", "-")
		row("cpu_base", "idle VM'"'"'s busy time (ticks/s, 100 = one vCPU)", "-")
		row("bulk1", "bulk throughput, 1 connection (Mbit/s, each server)", "report")
		row("bulk8", "bulk throughput, 8 connections (Mbit/s, each server)", "report")
	}' "$log"
	echo
	echo "| metric | plain TCP | 1 backup | 2 backups | 1 backup / plain | 2 backups / plain | target |"
	echo "|---|---|---|---|---|---|---|"
	awk "$COST_AWK"'
	function row(m, label, target,   p, b1, b2) {
		p = get("plain", m); b1 = get("backup1", m); b2 = get("backup2", m)
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", label, p, b1, b2,
			rx(b1, p), rx(b2, p), target
	}
	END {
		row("lrr_p50", "request/response at light load, p50 (µs)", "≤ 1.3x")
		row("lrr_p99", "request/response at light load, p99 (µs)", "≤ 1.5x")
		row("setup_p50", "connection setup (connect() to established), p50 (µs)", "≤ 1.2 (plain + RTT)")
		row("setup_p99", "connection setup, p99 (µs)", "-")
		printf "| replication link round trip, node1 to node2 (µs, ping, mean of 20) | - | %s | %s | - | - | - |\n",
			get("backup1", "rep_rtt"), get("backup2", "rep_rtt")
	}' "$log"
	echo
	echo "Against the targets:"
	echo
	awk "$COST_AWK"'
	function verdict(r, lim) {
		if (r == "null") return "not measured"
		return (r + 0 <= lim ? "met" : "**missed**") " (" r "x)"
	}
	function setupv(cfg,   p, s, t) {
		p = get("plain", "setup_p50"); s = get(cfg, "setup_p50"); t = get(cfg, "rep_rtt")
		if (!num(p) || !num(s) || !num(t)) return "not measured"
		lim = 1.2 * (p + t)
		return sprintf("%s (%s µs against %.0f µs)", s + 0 <= lim ? "met" : "**missed**", s, lim)
	}
	END {
		printf "- CPU per MiB ≤ 1.25x fan-out (VM-wide): 1 backup %s, 2 backups %s\n",
			verdict(ratio(get("backup1", "cpu_ms"), get("fanout1", "cpu_ms")), 1.25),
			verdict(ratio(get("backup2", "cpu_ms"), get("fanout2", "cpu_ms")), 1.25)
		printf "- CPU per MiB ≤ 1.25x fan-out (processes and ksoftirqd): 1 backup %s, 2 backups %s\n",
			verdict(ratio(get("backup1", "cpu_task_ms"), get("fanout1", "cpu_task_ms")), 1.25),
			verdict(ratio(get("backup2", "cpu_task_ms"), get("fanout2", "cpu_task_ms")), 1.25)
		printf "- request/response p50 ≤ 1.3x plain at light load: 1 backup %s, 2 backups %s\n",
			verdict(ratio(get("backup1", "lrr_p50"), get("plain", "lrr_p50")), 1.3),
			verdict(ratio(get("backup2", "lrr_p50"), get("plain", "lrr_p50")), 1.3)
		printf "- request/response p99 ≤ 1.5x plain at light load: 1 backup %s, 2 backups %s\n",
			verdict(ratio(get("backup1", "lrr_p99"), get("plain", "lrr_p99")), 1.5),
			verdict(ratio(get("backup2", "lrr_p99"), get("plain", "lrr_p99")), 1.5)
		printf "- connection setup p50 ≤ plain + one replication round trip + 20%%: 1 backup %s, 2 backups %s\n",
			setupv("backup1"), setupv("backup2")
		printf "- throughput at saturation (1 connection): %s / %s of plain, %s / %s of fan-out (1 / 2 backups)\n",
			rx(get("backup1", "bulk1"), get("plain", "bulk1")),
			rx(get("backup2", "bulk1"), get("plain", "bulk1")),
			rx(get("backup1", "bulk1"), get("fanout1", "bulk1")),
			rx(get("backup2", "bulk1"), get("fanout2", "bulk1"))
	}' "$log"
	cat <<EOF

CPU per MiB: one connection streams $CPU_BYTES paced at $CPU_RATE bytes/s
(fan-out: the same stream to each of the 1+N servers, each at that rate),
the VM's busy time over the run from /proc/stat (all vCPUs: user, nice,
system, irq, softirq, steal), less the idle VM's busy time over as long
(measured for ${IDLE_SECS} s just before each run; its median is the row
"idle VM's busy time"), divided by the MiB delivered to the client on one
connection (fan-out: on the connection to node1); the median of $CPU_RUNS runs.
An idle guest under TCG is not idle: its timer and RCU work cost it
20-80% of a vCPU on a loaded host, and that background moves from second
to second, so the CPU rows carry its noise (the more, the cheaper the
configuration: plain TCP and fan-out most). The second CPU row has no such
background: the CPU time of the topology's processes (the cgroup of its
namespaces: a task's time includes the softirq work done in its context,
Debian's kernel has no IRQ_TIME_ACCOUNTING) and of the ksoftirqd threads,
exact rather than sampled; it misses the work of softirqs and timers that
ran while a vCPU was idle and of kworkers (tandem's timer-driven work among
them), so it undercounts, tandem probably more than plain TCP. The rate row says whether the pacing
held (below saturation: it should read the pacing rate, $CPU_RATE/s =
$(awk -v r="$(numfmt --from=iec "$CPU_RATE")" 'BEGIN { printf "%.1f", r * 8 / 1e6 }') Mbit/s).
Fan-out counts work tandem's backups do not do: the N extra replies travel
back to the client, which receives and verifies them (tandem's backups
produce the same output, but it is dropped before it leaves them), so
the ratio tandem / fan-out, tandem's overhead, is if anything flattered by
that share. Bulk rows give each server's stream (fan-out's total divided by
1+N). Request/response at light load: $LRR round trips of 64 bytes on one
connection, ${THINK_US} µs after each reply before the next request, medians of
$RUNS runs. Connection setup: $SETUP_N connections one after the other,
tstream's time from connect() to the socket turning writable (the client's
SYN to its ACK of the SYN-ACK), each then carrying 64 bytes each way and
closed; the SYN-ACK hold adds one replication round trip by design (the
ping row; the target reads plain + that round trip, + 20%).

Which figures are CPU-bound: the bulk throughput rows measure saturation of
the VM's 2 vCPUs, which under TCG are the host's CPUs emulated, shared with
other VMs on a loaded host: they move with the host's load, and their
ratios are ratios of CPU cost, not of a network's capacity. The
back-to-back request/response rows (Results above) keep a vCPU busy too.
CPU per MiB is measured below saturation and is a cost, not a rate; it is
inflated by emulation about uniformly across configurations, so its ratios
hold better than its absolute values. Light-load request/response and
connection setup run with the vCPUs mostly idle, but under TCG every
packet's path length is time, so their figures are CPU path lengths too.
EOF
	profile_render "$log"
}

# profile_render LOG: the perf profile tables
profile_render() {
	local log=$1 cfg
	grep -q '^profile ' "$log" || return 0
	cat <<EOF

## Profile

\`perf record -e cpu-clock -F 1000 -a\` (the software clock: it works under
TCG) over one more bulk run of $BULK on one connection per configuration,
system-wide: the client, the primary, the backups and the emulated
network all share the VM's kernel and its 2 vCPUs, and a packet's
receive path mostly runs in the softirq of whoever sent it, so samples
cannot be split by namespace; tandem's symbols tell the primary's work
(mirroring, the SYN-ACK hold, the clamp, the resend queue) from the
backups' (injection, output stealing, progress reports) by name.
\`perf report\` ran in the VM with tandem.ko loaded (its symbols from
/proc/kallsyms). Shares are of the busy samples: the idle loop's are left
out (its share of all samples is given). The cpu-clock event is driven by
a timer interrupt, so time spent with interrupts off is charged to where
they come back on: \`_raw_spin_unlock_irqrestore\`, \`handle_softirqs\` and
the like stand partly for the work before them.
EOF
	for cfg in plain backup1 backup2; do
		grep -q "^profile $cfg " "$log" || continue
		echo
		awk -v c="$cfg" "$COST_AWK"'
		END {
			printf "### %s (%s samples, %s%% of them idle; %s Mbit/s under perf)\n\n", c,
				get(c, "prof_samples"), get(c, "prof_idle"), get(c, "prof_mbit")
		}' "$log"
		echo "By object (tandem.ko: its own functions; the crypto, UDP and IP
functions it calls count under the kernel): $(awk -v c="$cfg" '$1 == "profile" && $2 == c && $3 == "dso"' "$log" |
			sort -k4,4nr | awk '{ printf "%s%s %s%%", (n++ ? ", " : ""), $5, $4 }')"
		echo
		echo "| share | object | symbol |"
		echo "|---|---|---|"
		awk -v c="$cfg" '$1 == "profile" && $2 == c && $3 == "sym" {
			s = $7; for (i = 8; i <= NF; i++) s = s " " $i
			printf "| %s%% | %s | %s `%s` |\n", $4, $5, $6, s }' "$log"
	done
}
