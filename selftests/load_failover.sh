#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failover under load with the default settings (issue 10): three nodes run
# tandemd with its default timers (heartbeat 100 ms, miss 3, lease 1 s) and
# the group's default lag bound (2 s, 4 MiB: not lifted, unlike the other
# crash tests); a CPU hog (a busy loop at normal priority) runs in every
# node's namespace, more hogs than the VM has CPUs; a client runs CONNS
# streams through the VIP; the primary crashes mid-stream, tandemd on the
# survivors elects a new primary by itself. Every connection must complete
# byte-exact with no reset and no EOF, and the new primary resets nothing.
# Each round is a fresh topology (LOAD_ROUNDS, 2). Reported, not asserted:
# the longest pause, protection lost to the lag bound, lease lapses and
# elections before the crash (false failovers).
# Not in the suite (yet): on the shared TCG development host it failed
# (resets after 8-9 epoch changes per round: backups suspecting a loaded
# primary at miss 3 x 100 ms); run it by hand:
#   selftests/vm/run.sh --timeout 1200 --cmd 'modprobe nf_defrag_ipv4;
#       insmod kmod/tandem.ko && bash selftests/load_failover.sh'
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

PORT=5009
ROUNDS=${LOAD_ROUNDS:-2}
CONNS=3
BYTES=$((3 << 20))	# per connection
RATE=384K		# per connection: the crash lands mid-stream
require_root
require_command jq
require_built "$TD_BIN" "$TSTREAM"
require_module

tap_init $((ROUNDS * 3))

# tandemd's defaults but for the count's period, which the tests' lib sets
TD_TIMERS="conns-interval = 1s"
TD_GROUP_EXTRA=
TD_TAIL="[service g $PORT]"

hog() { while :; do :; done; }

setup() {
	local i
	td_up 3 || return 1
	for i in 1 2 3; do
		vip_add $i || return 1
		tstream_server $i $PORT || return 1
	done
	for i in 1 2 3; do td_start $i || return 1; done
	wait_until 30 td_one_primary || return 1
	for i in 1 2 3; do
		node_exec $i bash -c "$(declare -f hog); hog" < /dev/null > /dev/null 2>&1 &
		disown $!
	done
}

# elections: "primary in epoch" lines in every node's log
elections() {
	local i n=0
	for i in 1 2 3; do
		node_alive $i || continue
		n=$((n + $(td_log $i | grep -c "primary in epoch")))
	done
	echo $n
}

lapses() { dmesg | grep -c "lease of epoch .* expired"; }

round() {
	local r=$1 p epoch at e0 l0 got json progress=$TOPO_DIR/progress out=$TOPO_DIR/client
	local new lost=0 i

	if ! setup; then
		td_dump
		tap_fail "round $r: three nodes with tandemd's defaults elect a primary under CPU hogs"
		tap_skip "round $r: a backup took over by itself" "no topology"
		tap_skip "round $r: $CONNS streams byte-exact" "no topology"
		return
	fi
	p=$(td_primaries) epoch=$(td_epoch "$p")
	tap_ok "round $r: three nodes with tandemd's defaults elect a primary under CPU hogs (node$p)"
	e0=$(elections) l0=$(lapses)
	tstream_client $TOPO_VIP:$PORT -c $CONNS -b $BYTES --rate $RATE --seed $SRANDOM \
		-t 90 --progress-file "$progress" > "$out" 2> "$out.err" &
	client=$!
	at=$(( (CONNS * BYTES) / 3 + SRANDOM % ((CONNS * BYTES) / 3) ))
	stream_wait_bytes "$progress" $at 180 $client
	got=$(stream_progress "$progress")
	# the primary of the moment: a false failover may have moved it
	p=$(td_primaries)
	p=${p%% *}
	epoch=$(td_epoch "$p")
	echo "# round $r: before the crash: $(( $(elections) - e0 )) elections," \
	     "$(( $(lapses) - l0 )) kernel lease lapses; crashing node$p after $got verified bytes"
	node_crash "$p"
	new_primary() {
		td_one_primary && [ "$(td_epoch "$(td_primaries)")" -gt "$epoch" ]
	}
	if wait_until 30 new_primary; then
		new=$(td_primaries)
		tap_ok "round $r: a backup took over by itself (node$new)"
	else
		td_dump
		tap_fail "round $r: a backup took over by itself"
		new=
	fi
	wait $client
	json=$(cat "$out")
	for i in 1 2 3; do
		node_alive $i && lost=$((lost + $(topo_counter $i protection_lost)))
	done
	echo "# round $r: $json"
	echo "# round $r: protection_lost $lost on the survivors;" \
	     "${new:+node$new takeover_reset $(topo_counter "$new" takeover_reset)," \
	     "takeover_resumed $(topo_counter "$new" takeover_resumed);}" \
	     "kernel lease lapses $(( $(lapses) - l0 ))"
	if [ -n "$new" ] && [ "$(json_num "$json" ok)" = $CONNS ] &&
	   [ "$(json_num "$json" bytes_verified)" = $((CONNS * BYTES)) ] &&
	   [ "$(json_num "$json" reset)" = 0 ] && [ "$(json_num "$json" eof)" = 0 ] &&
	   [ "$(topo_counter "$new" takeover_reset)" = 0 ]; then
		tap_ok "round $r: $CONNS streams byte-exact, no RST, no EOF, nothing reset (longest pause $(json_num "$json" max_pause_ms) ms)"
	else
		td_dump
		sed 's/^/# /' "$out.err"
		tap_fail "round $r: $CONNS streams byte-exact, no RST, no EOF, nothing reset"
	fi
	topo_down
}

for ((r = 1; r <= ROUNDS; r++)); do
	round $r
done
tap_done
