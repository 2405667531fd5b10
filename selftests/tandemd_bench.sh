#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failover time by cause: the time from the fault to the new primary's
# decision, on CLOCK_MONOTONIC (tandemd's log stamps against /proc/uptime,
# 10 ms resolution). Causes: crash (links cut, processes killed), daemon
# (tandemd SIGKILLed), partition (the primary's replication link cut),
# health (the primary's tcp check fails: 300 ms interval, fall 2), and
# switchover. A benchmark, not a test: not in the suite. Run it with
#   selftests/vm/run.sh --cmd 'insmod kmod/tandem.ko && bash selftests/tandemd_bench.sh'
# BENCH_ROUNDS rounds per cause [3]; BENCH_CAUSES to choose. Timers: those
# of tandemd_lib.sh (heartbeat 100 ms, miss 5, lease 2 s, for TCG; or
# TD_TIMERS, lines of [group g]), or with BENCH_DEFAULT_TIMERS=1 tandemd's
# defaults (heartbeat 100 ms, miss 3, lease 1 s), or with
# BENCH_REFERENCE_TIMERS=1 the agreement core's (heartbeat 10 ms, lease
# 30 ms: not under TCG, where the group churns).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

ROUNDS=${BENCH_ROUNDS:-3}
CAUSES=${BENCH_CAUSES:-crash daemon partition health switchover}
require_root
require_built "$TD_BIN"
require_module

set -- $CAUSES
tap_init $#

[ -n "${BENCH_DEFAULT_TIMERS:-}" ] && TD_TIMERS="conns-interval = 200ms"
[ -n "${BENCH_REFERENCE_TIMERS:-}" ] && TD_TIMERS=$'heartbeat = 10ms\nmiss = 3\nlease = 30ms
margin = 1ms\nelection-timeout = 10ms\nstagger = 5ms\nbackoff = 10ms\nconns-interval = 200ms'
TD_TAIL="[service g 5001]
check = tcp
interval = 300ms
timeout = 290ms
rise = 1
fall = 2"

uptime_s() { local up _; read -r up _ < /proc/uptime; echo "$up"; }
stamp() { sed -n "s/^\[\([0-9.]*\)\] .*$2.*/\1/p" "$TOPO_DIR/tandemd.node$1.log" | tail -n 1; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
settled() {
	td_one_primary && tandem_node "$(td_primaries)" -j group show g | jq -e '.[0].agreement.members |
		all(.[]; .alive and .healthy and (.quiet | not))' > /dev/null
}
new_primary() { TD_SKIP=$1 td_one_primary && [ "$(td_primaries)" != "$1" ] && [ "$(td_epoch "$(td_primaries)")" -gt "$2" ]; }

# one CAUSE: the failover time in ms in $ft (not in a $(...): tandemd and
# its log writer, still running, would keep the substitution open)
one() {
	local cause=$1 i p epoch t0 q
	ft=
	td_up 3 > /dev/null || return 1
	for i in 1 2 3; do tstream_server $i 5001 > /dev/null || return 1; done
	for i in 1 2 3; do td_start $i || return 1; done
	wait_until 30 settled || return 1
	p=$(td_primaries) epoch=$(td_epoch "$(td_primaries)")
	t0=$(uptime_s)
	case $cause in
	crash) node_crash "$p" ;;
	daemon) td_kill "$p" KILL ;;
	partition) ip -n "$(node_ns sw)" link set "r$p" down ;;
	health) kill $(ip netns pids "$(node_ns "$p")" | while read -r pid; do
			[ "$(cat /proc/$pid/comm 2>/dev/null)" = tstream ] && echo "$pid"; done) ;;
	switchover) tandem_node "$p" switchover g > /dev/null ;;
	esac
	wait_until 20 new_primary "$p" "$epoch" || return 1
	q=$(td_primaries)
	ft=$(ms "$t0" "$(stamp "$q" "primary in epoch $(td_epoch_str "$(td_epoch "$q")")")")
}

for cause; do
	times=() fails=0
	for ((r = 1; r <= ROUNDS; r++)); do
		if one "$cause" && [ -n "$ft" ]; then times+=("$ft"); else fails=$((fails + 1)); td_dump; fi
		topo_down
		_topo_dead=()
	done
	sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
	echo "# $cause: fault -> new primary (ms): $sorted($fails failed)"
	if [ $fails -eq 0 ]; then tap_ok "$cause: $sorted ms"; else tap_fail "$cause: $fails of $ROUNDS rounds had no new primary"; fi
done
tap_done
