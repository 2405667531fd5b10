#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench.sh (`make bench`): the data-path benchmarks, in one VM run,
# written into the generated section of docs/benchmarks.md (between its
# markers: the hand-written sections stay), the run's key figures printed
# last as one JSON line. Measured and recorded, never asserted.
#
# On the host: installs what is missing, builds, boots the test VM with
# `scripts/bench.sh --in-vm`, and renders what that prints ("result CONFIG
# METRIC VALUE" and "env KEY VALUE" lines) as docs/benchmarks.md (or
# $TANDEM_BENCH_OUT). In the VM (tandem.ko loaded), every configuration runs
# on the topology of the data-path tests (selftests/topo.sh, offloads on)
# with tstream, with as many replica namespaces as it uses:
#
#   plain     a tstream server on node1 holding the VIP, plain TCP (no group)
#   fanout1, fanout2   plain TCP, the client sends the same stream to 1+N
#             servers (scripts/bench-cost.sh)
#   backup1   node1 primary, node2 backup, a group protecting the port
#   backup2   node1 primary, node2 and node3 backups
#
#   bulk1     throughput of one connection (Mbit/s of verified payload each
#             way; median of BENCH_RUNS runs of BENCH_BULK bytes)
#   bulk8     the same over 8 connections at once
#   rr_p50, rr_p99   request/response round trips of 64 bytes (us; median
#             over BENCH_RUNS runs of BENCH_RR round trips)
#   lost      backupN: connections a backup stopped protecting (lag bound,
#             SYN timeout, options mismatch, unprotected) during the above
#   failover  backupN: a stream of BENCH_FO_BYTES paced at BENCH_FO_RATE;
#             after BENCH_FO_AT MiB node1 crashes and node2 is promoted at
#             once by the same shell; the client's longest wait for a byte
#             that ended after the crash began (ms), p50/p99/max over
#             BENCH_CRASHES crashes (backup1: BENCH_CRASHES1), each on a
#             fresh topology; also how long
#             the crash and promotion commands took, and the difference
#   cpu_ms, lrr_p50/p99, setup_p50/p99, rep_rtt, profile: CPU per MiB,
#             light-load request/response, connection setup, the profile
#             (scripts/bench-cost.sh, which says how)
#   pm_bulk_*, pm_paced_*   backupN: the data path's work per MiB, counted
#             (datagrams, MACs, skb allocations, reports, resends: counts()),
#             in the JSON line as "per_mib"
#
# bpf1, bpf2 (scripts/bench-bpf.sh --config, after the others; not with
# TANDEM_BENCH_BPF=0): the eBPF data path with 1 and 2 backups, its rows
# next to the module's in a section of their own.
#
# TANDEM_BENCH_REPLICATED=0 measures plain TCP only. `scripts/bench.sh --render
# LOG` renders the markdown from such lines again (the same settings).
#
# Environment: TANDEM_BENCH_REPLICATED [1], TANDEM_BENCH_OUT, TANDEM_VM_TIMEOUT
# [3600], BENCH_RUNS [3], BENCH_BULK [16M], BENCH_RR [1000], BENCH_CRASHES
# [20], BENCH_CRASHES1 [10], BENCH_FO_BYTES [4M], BENCH_FO_RATE [1M],
# BENCH_FO_AT [1], BENCH_COUNT_BYTES [2M] (the bulk stream of the counts), BENCH_MAC (the group's mac; [the kernel's default]), and
# scripts/bench-cost.sh's. `scripts/bench.sh --profile CONFIG` (in the VM,
# tandem.ko loaded) sets CONFIG up and prints its profile alone. (Sized for ~25 minutes
# under TCG on a loaded 2-CPU host.)
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

PORT=5001
RUNS=${BENCH_RUNS:-3}
BULK=${BENCH_BULK:-16M}
RR=${BENCH_RR:-1000}
CRASHES=${BENCH_CRASHES:-20}
CRASHES1=${BENCH_CRASHES1:-10}
FO_BYTES=${BENCH_FO_BYTES:-4M}
FO_RATE=${BENCH_FO_RATE:-1M}
FO_AT=${BENCH_FO_AT:-1}
COUNT_BYTES=${BENCH_COUNT_BYTES:-2M}
REPLICATED=${TANDEM_BENCH_REPLICATED:-1}
CONFIGS="plain fanout1 fanout2 backup1 backup2"
OUT=${TANDEM_BENCH_OUT:-docs/benchmarks.md}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# CPU per MiB, fan-out, light-load latency, connection setup, the profile
. scripts/bench-cost.sh

# ---- in the VM: one configuration, in a process of its own ----------------

# replicas CONFIG: how many replicas serve in CONFIG
replicas() {
	case $1 in
	plain) echo 1 ;;
	backup1|fanout1) echo 2 ;;
	backup2|fanout2) echo 3 ;;
	esac
}

# group_up N: the group "bench" on node1..N, every other node its member,
# the port its service, node1 primary and the others backups in epoch 1; one
# background job per node (process starts dominate under TCG). The lag bound
# is lifted: under emulation the backups trail the primary by more than its
# defaults, and a backup dropped from a connection's protection would make
# the figures those of an unprotected connection ("lost" checks that none
# was).
group_up() {
	local n=$1 i pids=() rc=0 key=$TOPO_DIR/group.key
	TOPO_GROUP=bench
	"$TANDEM_CLI" genkey > "$key" || return 1
	for ((i = 1; i <= n; i++)); do
		(
			tandem_node $i group add bench id $TOPO_GROUP_ID vip $TOPO_VIP node $i \
				local "$(node_rep_addr $i)" port $TOPO_REPL_PORT key "$key" \
				max-lag-bytes 1073741824 max-lag-ms 600000 \
				${BENCH_MAC:+mac "$BENCH_MAC"} || exit 1
			for ((j = 1; j <= n; j++)); do
				[ $j = $i ] && continue
				tandem_node $i member add group bench node $j \
					addr "$(node_rep_addr $j)" port $TOPO_REPL_PORT || exit 1
			done
			tandem_node $i service add group bench port $PORT || exit 1
			[ $i = 1 ] || tandem_node $i group set bench role backup epoch 1
		) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	[ $rc = 0 ] && tandem_node 1 group set bench role primary epoch 1 lease 3600000
}

# setup CONFIG: its topology (the replicas CONFIG uses), in the replicated
# configurations the group, and a tstream server holding the VIP on each
# replica
setup() {
	local i n pids=() rc=0
	n=$(replicas "$1")
	topo_up "$n" || return 1
	topo_offload on || return 1
	case $1 in
	backup*) group_up "$n" || return 1 ;;
	esac
	for ((i = 1; i <= n; i++)); do
		# fan-out: the VIP on node1 only, the others by their own address
		( { [ "$1" != "${1#fanout}" ] && [ $i -gt 1 ] || vip_add $i; } &&
		  tstream_server $i $PORT ) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	return $rc
}

# counter NODE NAME: a counter of the group on NODE (0 if absent)
counter() {
	tandem_node "$1" -j stats group bench 2>/dev/null |
		jq -r ".counters.$2 // .[0].counters.$2 // 0" 2>/dev/null || echo 0
}

# snap NODE: the counters of the group on NODE, as one JSON object
snap() {
	tandem_node "$1" -j stats group bench 2>/dev/null |
		jq -c '(if type == "array" then .[0] else . end).counters // {}' 2>/dev/null ||
		echo '{}'
}

# counts CONFIG: the data path's work per MiB (docs/benchmarks.md, "Part
# 3"): every node's counters before and after one stream through the VIP,
# bulk (BENCH_COUNT_BYTES, one connection) and paced (BENCH_CPU_BYTES at
# BENCH_CPU_RATE); "result CONFIG pm_KIND_NAME VALUE" per MiB the client
# got back verified (node1 is the primary, the others its backups)
counts() {
	local cfg=$1 n i kind json bytes files
	n=$(replicas "$cfg")
	for kind in bulk paced; do
		files=()
		for ((i = 1; i <= n; i++)); do
			snap $i > "$TOPO_DIR/cnt0.$i"
			files+=("$TOPO_DIR/cnt0.$i" "$TOPO_DIR/cnt1.$i")
		done
		if [ $kind = bulk ]; then
			json=$(tstream_client "$TOPO_VIP:$PORT" -t 120 -b "$COUNT_BYTES" --seed 11)
		else
			json=$(tstream_client "$TOPO_VIP:$PORT" -t 120 -b "$CPU_BYTES" \
				--rate "$CPU_RATE" --seed 12)
		fi || { echo "bench: $cfg: $kind count run failed: $json" >&2; continue; }
		bytes=$(json_num "$json" bytes_verified)
		for ((i = 1; i <= n; i++)); do snap $i > "$TOPO_DIR/cnt1.$i"; done
		[ "${bytes:-0}" -gt 0 ] || continue
		jq -rs --arg cfg "$cfg" --arg kind "$kind" --argjson bytes "$bytes" '
		def d($a; $b): reduce ($b | keys[]) as $k ({}; .[$k] = ($b[$k] - ($a[$k] // 0)));
		def z(x): (x // 0);
		[range(0; length; 2) as $i | d(.[$i]; .[$i + 1])] as $d
		| $d[0] as $p | $d[1:] as $b
		| def bk(f): ($b | map(z(f)) | add // 0);
		  def every(f): ($d | map(z(f)) | add // 0);
		{
			client_pkts: z($p.mirrored_pkts),
			segment: z($p.mirrored),
			segment_tx: (z($p.mirrored) * ($d | length - 1)),
			progress_tx: bk(.progress_sent),
			progress_rx_primary: z($p.progress_rx),
			progress_rx_backups: bk(.progress_rx),
			dgrams_tx: every(.chan_tx),
			macs: every(.chan_tagged),
			verifies: every(z(.chan_auth_key) + z(.chan_auth_key_alt) + z(.chan_drop_tag)),
			skb_allocs: every(z(.chan_tagged) + z(.chan_tx_copies) + z(.injected) + z(.resend_kept)),
			tx_copies: every(.chan_tx_copies),
			resend_kept: every(.resend_kept),
			injected: bk(.injected),
			suppressed: bk(.suppressed),
			acks_reapplied: bk(.ack_reapplied),
			resent: every(.resent),
			resent_fast: every(.resent_fast),
			window_updates: z($p.window_updates),
			clamped: z($p.clamped),
			digests: (z($p.digest_sent) + z($p.digest_tail_sent)),
			heartbeats: every(.heartbeat_tx)
		} | to_entries[]
		| "result \($cfg) pm_\($kind)_\(.key) \(.value * 1048576 / $bytes * 10 | round / 10)"
		' "${files[@]}" || echo "bench: $cfg: $kind counts: jq failed" >&2
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

# per_server CONFIG MBIT: fan-out's total over its 1+N servers
per_server() {
	awk -v m="$2" -v n="$(fanout_n "$1")" 'BEGIN { if (m ~ /^[0-9.]+$/) printf "%.1f\n", m / (n + 1) }'
}

# measure CONFIG: throughput; request/response back to back (not fan-out)
measure() {
	local cfg=$1 i bulk1=() bulk8=() p50=() p99=() j fan
	fan=$(fanout_args "$cfg")
	for ((i = 0; i < RUNS; i++)); do
		# shellcheck disable=SC2086 # $fan: words on purpose
		bulk1+=("$(per_server "$cfg" "$(client mbit_s -b "$BULK" --seed $i $fan)")")
		# shellcheck disable=SC2086
		bulk8+=("$(per_server "$cfg" "$(client mbit_s -c 8 \
			-b $(($(numfmt --from=iec "$BULK") / 8)) --seed $i $fan)")")
		[ -z "$fan" ] || continue
		j=$(tstream_client "$TOPO_VIP:$PORT" -t 60 --rr "$RR" --size 64) ||
			echo "bench: tstream client --rr: $j" >&2
		p50+=("$(json_num "$j" p50_us)")
		p99+=("$(json_num "$j" p99_us)")
	done
	echo "result $cfg bulk1 $(printf '%s\n' "${bulk1[@]}" | median)"
	echo "result $cfg bulk8 $(printf '%s\n' "${bulk8[@]}" | median)"
	[ -z "$fan" ] || return 0
	echo "result $cfg rr_p50 $(printf '%s\n' "${p50[@]}" | median)"
	echo "result $cfg rr_p99 $(printf '%s\n' "${p99[@]}" | median)"
}

# lost CONFIG: connections a backup stopped protecting, mirrored segments
lost() {
	local cfg=$1
	# every connection protected by every backup from start to end?
	tandem_node 1 -j stats group bench |
		jq -r --arg cfg "$cfg" '(if type == "array" then .[0] else . end).counters |
			"result \($cfg) lost \([.lag_dropped, .protection_lost, .syn_timeout,
				.opts_mismatch, .unprotected] | map(. // 0) | add)",
			"result \($cfg) mirrored \(.mirrored // 0)"' ||
		echo "result $cfg lost unknown"
}

in_vm_config() {
	. selftests/lib.sh
	. selftests/topo.sh
	if [ "$1" != "${1#backup}" ] && [ "$REPLICATED" != 1 ]; then
		echo "result $1 all n/a"
		return
	fi
	if ! setup "$1"; then
		echo "result $1 all failed"
		return
	fi
	# the quiet measurements first, saturation last
	cpu_measure "$1"
	case $1 in
	fanout*)
		measure "$1"
		return
		;;
	backup*) rep_rtt "$1"; counts "$1" ;;
	esac
	light_rr "$1"
	setup_time "$1"
	measure "$1"
	profile "$1"
	[ "$1" = plain ] || lost "$1"
}

# in_vm_profile CONFIG: the profile alone (docs/benchmarks.md, "Part 2")
in_vm_profile() {
	. selftests/lib.sh
	. selftests/topo.sh
	setup "$1" || { echo "result $1 all failed"; return; }
	profile "$1"
	[ "$1" = plain ] || lost "$1"
}

# in_vm_counts CONFIG: the counts alone (docs/benchmarks.md, "Part 3")
in_vm_counts() {
	. selftests/lib.sh
	. selftests/topo.sh
	setup "$1" || { echo "result $1 all failed"; return; }
	counts "$1"
	lost "$1"
}

# promote NODE EPOCH: NODE becomes the primary in EPOCH (the manual
# promotion; the one call tandemd's automatic failover will replace)
promote() {
	tandem_node "$1" group set bench role primary epoch "$2" lease 3600000
}

# One crash of the primary during a paced stream: node1's links are cut and
# its processes killed (node_crash), node2 is promoted at once by the same
# shell, the other backup follows the new epoch. Echo "PAUSE CRASH PROMOTE
# NEXT" (ms): the client's longest wait for a byte that ended after the crash
# began, how long the crash and the promotion commands took, and the time
# from the promotion command's return to the client's next verified byte.
in_vm_failover_once() {
	local cfg=$1 progress json rc client t0 t1 t2 t3 b1 n i tick
	. selftests/lib.sh
	. selftests/topo.sh
	setup "$cfg" || return 1
	n=$(replicas "$cfg")
	progress=$TOPO_DIR/progress
	tstream_client "$TOPO_VIP:$PORT" -b "$FO_BYTES" --rate "$FO_RATE" -t 60 \
		--seed $SRANDOM --progress-file "$progress" \
		--mark-file "$TOPO_DIR/mark" > "$TOPO_DIR/json" 2> "$TOPO_DIR/err" &
	client=$!
	if ! stream_wait_bytes "$progress" $((FO_AT << 20)) 60; then
		echo "bench: $cfg: the stream never reached $FO_AT MiB" \
		     "($(stream_progress "$progress") bytes)" >&2
		kill $client 2>/dev/null
		return 1
	fi
	touch "$TOPO_DIR/mark"
	t0=${EPOCHREALTIME/[.,]/}
	node_crash 1 || return 1
	t1=${EPOCHREALTIME/[.,]/}
	_topo_progress "$progress"
	b1=$_b
	promote 2 2 || return 1
	t2=${EPOCHREALTIME/[.,]/}
	# the client's next verified byte after the promotion command returned
	# (tstream rewrites its progress file every 20 ms; polled every 5 ms)
	exec {tick}<> <(:)
	while _topo_progress "$progress"; [ "$_b" -le "$b1" ] && [ "$_d" = 0 ]; do
		(( ${EPOCHREALTIME/[.,]/} - t2 > 60000000 )) && break
		read -r -t 0.005 -u $tick
	done
	t3=${EPOCHREALTIME/[.,]/}
	exec {tick}<&-
	# a stream that ended before the crash took effect measured nothing
	if [ "$_b" -le "$b1" ] || [ "$b1" -ge $(($(numfmt --from=iec "$FO_BYTES"))) ]; then
		echo "bench: $cfg: no byte after the crash, or the stream ended before it" \
		     "($b1 bytes at the crash)" >&2
		wait $client
		return 1
	fi
	for ((i = 3; i <= n; i++)); do
		tandem_node $i group set bench role backup epoch 2 || return 1
	done
	wait $client
	rc=$?
	json=$(cat "$TOPO_DIR/json")
	if [ $rc -ne 0 ]; then
		echo "bench: $cfg: failover run failed: $json $(cat "$TOPO_DIR/err")" \
		     "node2 takeover_resumed=$(counter 2 takeover_resumed)" \
		     "takeover_reset=$(counter 2 takeover_reset)" >&2
		return 1
	fi
	echo "$(json_num "$json" pause_after_mark_ms) $(((t1 - t0) / 1000)) $(((t2 - t1) / 1000))" \
	     "$(((t3 - t2) / 1000))"
}

# pct: p50/p99/max of the numbers on stdin (nearest rank)
pct() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR) printf "%.0f/%.0f/%.0f", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], v[NR]
	}'
}

in_vm_failover() {
	local cfg=$1 i out pause=() crash=() prom=() next=() want=$CRASHES
	if [ "$REPLICATED" != 1 ]; then
		echo "result $cfg failover n/a"
		return
	fi
	[ "$cfg" = backup1 ] && want=$CRASHES1
	for ((i = 0; i < want; i++)); do
		out=$(bash scripts/bench.sh --failover-once "$cfg") || continue
		read -r -a out <<< "$out"
		pause+=("${out[0]}") crash+=("${out[1]}") prom+=("${out[2]}") next+=("${out[3]}")
		echo "# $cfg crash $((i + 1)): pause ${out[0]} ms (crash command ${out[1]} ms," \
		     "promotion command ${out[2]} ms, then ${out[3]} ms to the next byte)" >&2
	done
	if [ ${#pause[@]} -eq 0 ]; then
		echo "result $cfg failover failed (0 of $want)"
		return
	fi
	echo "result $cfg failover $(printf '%s\n' "${pause[@]}" | pct) (${#pause[@]} of $want)"
	echo "result $cfg fo_crash $(printf '%s\n' "${crash[@]}" | pct)"
	echo "result $cfg fo_promote $(printf '%s\n' "${prom[@]}" | pct)"
	echo "result $cfg fo_next $(printf '%s\n' "${next[@]}" | pct)"
	echo "result $cfg fo_samples $(printf '%s\n' "${pause[@]}" | sort -n |
		awk '{ printf "%s%.0f", (NR > 1 ? ", " : ""), $1 }')"
}

case ${1:-} in
--config) in_vm_config "$2"; exit ;;
--profile) in_vm_profile "$2"; exit ;;
--counts) in_vm_counts "$2"; exit ;;
--failover-once) in_vm_failover_once "$2"; exit ;;
--in-vm)
	echo "env guest kernel: $(uname -r), $(nproc) vCPUs"
	if [ "$REPLICATED" = 1 ] && [ ! -d /sys/module/tandem ]; then
		modprobe -q nf_defrag_ipv4; modprobe -q libchacha20poly1305; insmod "$TANDEM_KO" || echo "bench: insmod $TANDEM_KO failed" >&2
	fi
	for cfg in $CONFIGS; do
		echo "# $cfg ($(date -u +%T))" >&2
		bash scripts/bench.sh --config $cfg
	done
	# the eBPF data path in the same run (scripts/bench-bpf.sh, issue 12)
	for cfg in bpf1 bpf2; do
		[ "$REPLICATED" = 1 ] && [ "${TANDEM_BENCH_BPF:-1}" = 1 ] || break
		echo "# $cfg ($(date -u +%T))" >&2
		bash scripts/bench-bpf.sh --config $cfg
	done
	for cfg in backup1 backup2; do
		echo "# $cfg failover ($(date -u +%T))" >&2
		in_vm_failover $cfg
	done
	exit 0
	;;
esac

# ---- on the host -------------------------------------------------------------

# render LOG: docs/benchmarks.md from the result/env lines
render() {
	local log=$1 cmd="make bench" load
	load=$(sed -n 's/^env host: .*load average \([0-9.]*\) .*/\1/p' "$log")
	[ "$REPLICATED" = 1 ] || cmd="TANDEM_BENCH_REPLICATED=0 $cmd"
	[ -z "${BENCH_RUNS:-}${BENCH_BULK:-}${BENCH_RR:-}${BENCH_CRASHES:-}${BENCH_CRASHES1:-}${BENCH_FO_BYTES:-}${BENCH_FO_RATE:-}${BENCH_FO_AT:-}" ] &&
	[ -z "${BENCH_CPU_BYTES:-}${BENCH_CPU_RATE:-}${BENCH_IDLE_SECS:-}${BENCH_CPU_RUNS:-}${BENCH_LRR:-}${BENCH_THINK_US:-}${BENCH_SETUP:-}${BENCH_PROFILE:-}" ] ||
		cmd="BENCH_RUNS=$RUNS BENCH_BULK=$BULK BENCH_RR=$RR BENCH_CRASHES=$CRASHES BENCH_CRASHES1=$CRASHES1 BENCH_FO_BYTES=$FO_BYTES BENCH_FO_RATE=$FO_RATE BENCH_FO_AT=$FO_AT BENCH_COUNT_BYTES=$COUNT_BYTES $(cost_env) $cmd"
	cat <<EOF
Written by \`make bench\` (scripts/bench.sh, scripts/bench-cost.sh): in one VM run (selftests/vm/run.sh),
on the topology of the data-path tests (selftests/topo.sh: a client and the
replicas as network namespaces on veth bridges, GRO, GSO and TSO on), with
tstream (selftests/tools/) as client and server. Measured, never asserted.
Reproduce with (from the repository root, as root, on Debian 12):

    $cmd

It ends by printing the run's key figures as one JSON line; this run's:

    $(cost_json "$log")

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
	$1 == "result" { k = $2 "," $3; v[k] = $4; for (i = 5; i <= NF; i++) v[k] = v[k] " " $i }
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
	function rep(m, label, target, plain) {
		printf "| %s | %s | %s | %s | - | - | %s |\n", label, plain,
			get("backup1", m), get("backup2", m), target
	}
	END {
		row("bulk1", "bulk throughput, 1 connection (Mbit/s)", "≥ 0.9x")
		row("bulk8", "bulk throughput, 8 connections (Mbit/s)", "≥ 0.9x")
		row("rr_p50", "request/response back to back, p50 (µs)", "≤ 1.3x")
		row("rr_p99", "request/response back to back, p99 (µs)", "≤ 1.3x")
		rep("lost", "connections a backup stopped protecting", "0", "-")
		rep("failover", "failover: crash to the client'"'"'s next byte, p50/p99/max (ms)",
			"p99 < 100 ms", "(a crash ends plain TCP)")
		rep("fo_crash", "duration of the crash command, p50/p99/max (ms)", "-", "-")
		rep("fo_promote", "duration of the promotion command, p50/p99/max (ms)", "-", "-")
		rep("fo_next", "from the promotion command'"'"'s return to the next byte, p50/p99/max (ms)", "-", "-")
	}' "$log"
	echo
	echo "## Against the targets"
	echo
	awk '
	$1 == "result" { k = $2 "," $3; v[k] = $4; for (i = 5; i <= NF; i++) v[k] = v[k] " " $i }
	function num(x) { return x ~ /^[0-9.]+$/ }
	# verdict M CFG LIMIT DIR: the ratio of CFG to plain against LIMIT
	function verdict(m, cfg, limit, dir,   a, b, r) {
		a = v[cfg "," m]; b = v["plain," m]
		if (!num(a) || !num(b) || b + 0 == 0) return "not measured"
		r = a / b
		if (dir == "le" && r < 0.9)
			return sprintf("met (%.2fx: below plain TCP, i.e. within the noise)", r)
		if ((dir == "ge" && r >= limit) || (dir == "le" && r <= limit))
			return sprintf("met (%.2fx)", r)
		return sprintf("**missed** (%.2fx)", r)
	}
	function fo(cfg,   f, p) {
		f = v[cfg ",failover"]
		if (split(f, p, "/") < 3 || !num(p[2])) return "not measured"
		return (p[2] + 0 < 100 ? "met" : "**missed**") sprintf(" (p99 %s ms)", p[2])
	}
	END {
		n = split("bulk1 bulk8 rr_p50 rr_p99", ms, " ")
		split("1-connection throughput ≥ 0.9x|8-connection throughput ≥ 0.9x|request/response back to back p50 ≤ 1.3x|request/response back to back p99 ≤ 1.3x", lb, "|")
		for (i = 1; i <= n; i++) {
			lim = i <= 2 ? 0.9 : 1.3; dir = i <= 2 ? "ge" : "le"
			printf "- %s: 1 backup %s, 2 backups %s\n", lb[i],
				verdict(ms[i], "backup1", lim, dir), verdict(ms[i], "backup2", lim, dir)
		}
		printf "- failover p99 < 100 ms: 1 backup %s, 2 backups %s (the figure includes\n", fo("backup1"), fo("backup2")
		printf "  the crash and promotion commands under TCG: see Failover below)\n"
	}' "$log"
	if awk -v l="${load:-0}" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n + 0) }'; then
		cat <<EOF

The host's load average ($load) exceeded its $(nproc) CPUs when the run began:
other VMs competed for the CPUs, and every figure carries their noise, the
request/response latencies (a few hundred µs on a quiet host) most of all.
EOF
	fi
	cat <<EOF

Bulk: one connection streams $BULK (8 connections: $BULK in all) through the
VIP to the transform server, which runs on every replica, and verifies every
returned byte; Mbit/s of payload one way, the median of $RUNS runs.
Request/response: $RR round trips of 64 bytes on one connection, each sent
when the previous reply is back; the medians of $RUNS runs' p50 and p99.
Plain TCP runs with tandem.ko loaded but no group in any namespace. In the
replicated configurations the group's lag bound is lifted (max-lag-bytes
1 GiB, max-lag-ms 600000): under emulation the backups trail the primary by
more than the defaults, and a backup dropped from a connection's protection
would make the figure that of an unprotected connection; the row
"connections a backup stopped protecting" (node1's lag_dropped,
protection_lost, syn_timeout, opts_mismatch and unprotected counters after
the runs) checks that none was.

Failover: a stream of $FO_BYTES paced at $FO_RATE/s; once $FO_AT MiB came back
verified, the primary (node1) crashes (selftests/topo.sh node_crash: its
links are deleted, then its processes killed, then its namespace deleted)
and node2 is promoted at once by the same shell (\`tandem group set bench
role primary epoch 2\`), then node3 (2 backups) follows epoch 2 as a backup.
The figure is tstream's pause_after_mark_ms: the client's longest wait for
its next byte, while it had bytes outstanding, among the waits that ended
after the crash began. It therefore includes the crash and promotion
commands themselves (process starts, slow under TCG) - what an automatic
failover replaces with failure detection - and the tail of the gap before
the crash (up to one pacing burst). The last three rows give how long the
crash command (links deleted, processes killed, namespace deleted: two ip
processes) and the promotion command (one tandem process) took, timed by the
shell around them, and the time from the promotion command's return to the
client's next verified byte (tstream's progress file, rewritten every 20 ms,
polled every 5 ms; near 0 when the byte came before the command had
exited). The last is the closest this harness gets to the data path's own
share: the takeover, the resumed retransmissions and the client's reaction
to them. On a loaded TCG host process start and exit dominate the commands,
and the link deletion takes effect somewhere inside the crash command, so
the rows do not add up to the pause. Why the client's next byte can come
hundreds of ms after the promotion: the segments the client had in flight
were lost with the primary; unless the new primary has output of its own to
retransmit at takeover, the client's next byte waits for the client's next
retransmission timeout, which backs off (200 ms, 400 ms, 800 ms, ...) for
as long as the promotion is pending (\`ss -tni\` on the client during the
promotion shows backoff 1-2, rto 440-860 ms under TCG). A promotion before
the client's tail loss probe or first RTO fires, as an automatic failover
can aim for, avoids the backoff. Every run must also end byte-exact
with no reset and no EOF, otherwise it does not count ("k of n"), nor does
a run whose stream ended before the crash took effect. $CRASHES crashes with 2 backups (the
three-replica group of the tests and the demo), $CRASHES1 with 1 backup,
each on a fresh topology; with 20 samples or fewer p99 is the maximum.
Every sample, sorted (ms):

$(sed -n 's/^result backup\([12]\) fo_samples /- \1 backup(s): /p' "$log")

EOF
	cost_render "$log"
	bash scripts/bench-bpf.sh --vm-rows "$log"
}

# The generated section's markers in docs/benchmarks.md: what lies outside
# them (the hand-written sections) is kept.
BEGIN_MARK='<!-- generated by scripts/bench.sh (make bench): begin -->'
END_MARK='<!-- generated by scripts/bench.sh (make bench): end -->'

# write_region MD OUT: MD between OUT's markers (a new OUT: a title and MD;
# an OUT without the markers: MD added at its end)
write_region() {
	local md=$1 out=$2 tmp
	tmp=$(mktemp "$out.XXXXXX") || return 1
	if [ ! -e "$out" ]; then
		printf '# Benchmarks\n\n%s\n' "$BEGIN_MARK" > "$tmp"
		cat "$md" >> "$tmp"
		printf '%s\n' "$END_MARK" >> "$tmp"
	elif grep -qxF "$BEGIN_MARK" "$out" && grep -qxF "$END_MARK" "$out"; then
		awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v md="$md" '
			$0 == b { print; while ((getline l < md) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip' "$out" > "$tmp"
	else
		{ cat "$out"; printf '\n%s\n' "$BEGIN_MARK"; cat "$md"; printf '%s\n' "$END_MARK"; } > "$tmp"
	fi
	chmod 644 "$tmp" && mv -f "$tmp" "$out"
}

if [ "${1:-}" = --render ]; then
	render "$2"
	cost_json "$2" >&2
	exit
fi
scripts/deps.sh || exit 1
# what was built and measured (others may commit during the run)
built=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- kmod include ctl selftests/tools 2>/dev/null ||
	built+=" (with uncommitted changes in kmod/, include/, ctl/ or selftests/tools/)"
built+=", built at $(date -u +%H:%M) UTC"
echo "# building (make all)"
make -s -j"$(nproc)" all 2>&1 | { grep -v '^Skipping BTF generation' || true; }
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
log=$(mktemp "${TMPDIR:-/tmp}/tandem-bench.XXXXXX") || exit 1
trap 'rm -f "$log" "$log.vm" "$log.md"' EXIT
start=$SECONDS
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# benchmarks in the VM (selftests/vm/run.sh), results to $OUT"
# the VM's stderr (progress, then run.sh's summary) live and into $log.vm
exec {vmerr}> >(tee "$log.vm" >&2)
teepid=$!
selftests/vm/run.sh --timeout "${TANDEM_VM_TIMEOUT:-3600}" \
	--cmd "TANDEM_BENCH_REPLICATED=$REPLICATED BENCH_RUNS=$RUNS BENCH_BULK=$BULK BENCH_RR=$RR BENCH_CRASHES=$CRASHES BENCH_CRASHES1=$CRASHES1 BENCH_FO_BYTES=$FO_BYTES BENCH_FO_RATE=$FO_RATE BENCH_FO_AT=$FO_AT BENCH_COUNT_BYTES=$COUNT_BYTES $(cost_env) scripts/bench.sh --in-vm" \
	2>&$vmerr | tee "$log"
rc=${PIPESTATUS[0]}
exec {vmerr}>&-
wait $teepid
[ $rc -eq 0 ] || { echo "bench: the VM run failed (exit $rc)" >&2; exit 1; }
{
	echo "env date: $(date -u '+%Y-%m-%d %H:%M UTC') (the end of the run), commit $built"
	echo "env host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	sed -n 's/^vm: \([a-z]*\), up and down in \(.*\), exit .*/env VM: qemu \1, up and down in \2/p' "$log.vm"
	echo "env whole run: $((SECONDS - start)) s (VM boot, topologies, measurements)"
} >> "$log"
render "$log" > "$log.md" || exit 1
write_region "$log.md" "$OUT" || exit 1
echo "# wrote $OUT"
cost_json "$log"
