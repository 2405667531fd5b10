#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failover under load with the default settings (issue 10): three nodes run
# tandemd with its default timers (heartbeat 100 ms, miss 3, lease 1 s) and
# the group's default lag bound (2 s, 4 MiB: not lifted, unlike the other
# crash tests); a CPU hog (a busy loop at normal priority) runs in every
# node's namespace, more hogs than the VM has CPUs; a client runs CONNS
# streams through the VIP, and a redis client one connection to Debian's
# redis-server on every replica, checking every reply; the primary crashes
# mid-stream, tandemd on the survivors elects a new primary by itself. Every
# stream must complete byte-exact with no reset and no EOF, every redis
# reply must be the expected one, and the new primary resets nothing. Each
# round is a fresh topology (LOAD_ROUNDS, 2). Reported, not asserted: the
# longest pause, protection lost to the lag bound, lease lapses and
# elections before the crash (false failovers).
# timeout=900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"
. "$(dirname "$0")/redis_lib.sh"

PORT=5009
ROUNDS=${LOAD_ROUNDS:-2}
CONNS=3
BYTES=$((3 << 20))	# per connection
RATE=384K		# per connection: the crash lands mid-stream
require_root
require_command jq redis-server
require_built "$TD_BIN" "$TSTREAM"
require_module

REDIS_ROUNDS=${LOAD_REDIS_ROUNDS:-20}	# at least; then on until the streams are done
tap_init $((ROUNDS * 4))

# tandemd's defaults but for the count's period, which the tests' lib sets
TD_TIMERS="conns-interval = 1s"
TD_GROUP_EXTRA=
TD_TAIL="[service g $PORT]
[service g $REDIS_PORT]"

hog() { while :; do :; done; }

setup() {
	local i
	td_up 3 || return 1
	for i in 1 2 3; do
		vip_add $i || return 1
		tstream_server $i $PORT || return 1
		redis_start $i || return 1
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
	local r=$1 p epoch at e0 l0 got json progress out new lost=0 i crash_round rprogress rout rc reset

	if ! setup; then
		td_dump
		tap_fail "round $r: three nodes with tandemd's defaults elect a primary under CPU hogs"
		tap_skip "round $r: a backup took over by itself" "no topology"
		tap_skip "round $r: $CONNS streams byte-exact" "no topology"
		tap_skip "round $r: redis on one connection, every reply consistent" "no topology"
		topo_down
		return
	fi
	p=$(td_primaries) epoch=$(td_epoch "$p")
	tap_ok "round $r: three nodes with tandemd's defaults elect a primary under CPU hogs (node$p)"
	e0=$(elections) l0=$(lapses)
	# the round's own TOPO_DIR (setup made it)
	progress=$TOPO_DIR/progress out=$TOPO_DIR/client
	rprogress=$TOPO_DIR/rprogress rout=$TOPO_DIR/redis.out
	redis_write_client
	client_exec bash "$TOPO_DIR/client.sh" $TOPO_VIP $REDIS_PORT $REDIS_ROUNDS "$rprogress" \
		"$TOPO_DIR/rstop" > "$rout" 2>&1 &
	rclient=$!
	tstream_client $TOPO_VIP:$PORT -c $CONNS -b $BYTES --rate $RATE --seed $SRANDOM \
		-t 90 --progress-file "$progress" > "$out" 2> "$out.err" &
	client=$!
	at=$(( (CONNS * BYTES) / 3 + SRANDOM % ((CONNS * BYTES) / 3) ))
	# redis first: its client is the slower one under the hogs
	wait_until 60 redis_round_ge "$rprogress" 5
	stream_wait_bytes "$progress" $at 180 $client
	got=$(stream_progress "$progress")
	# the primary of the moment: a false failover may have moved it
	p=$(td_primaries)
	p=${p%% *}
	epoch=$(td_epoch "$p")
	crash_round=$(cat "$rprogress" 2>/dev/null)
	echo "# round $r: before the crash: $(( $(elections) - e0 )) elections," \
	     "$(( $(lapses) - l0 )) kernel lease lapses; crashing node$p after $got verified bytes," \
	     "redis round ${crash_round:-0} (${SECONDS}s)"
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
	# redis goes on until the streams are done: rounds after the crash
	touch "$TOPO_DIR/rstop"
	wait $rclient
	rc=$?
	for i in 1 2 3; do
		node_alive $i && lost=$((lost + $(topo_counter $i protection_lost)))
	done
	reset=${new:+$(topo_counter "$new" takeover_reset)}
	echo "# round $r: $json"
	[ -n "$new" ] && echo "# round $r: node$new takeover_reset $reset," \
		"takeover_resumed $(topo_counter "$new" takeover_resumed)"
	echo "# round $r: protection_lost $lost on the survivors;" \
	     "kernel lease lapses $(( $(lapses) - l0 ))"
	if [ "$got" -ge $((CONNS * BYTES)) ]; then
		tap_fail "round $r: the streams across the crash: they were done before it (raise BYTES)"
	elif [ -n "$new" ] && stream_exact "$json" $((CONNS * BYTES)) $CONNS && [ "$reset" = 0 ]; then
		tap_ok "round $r: $CONNS streams byte-exact, no RST, no EOF, nothing reset (longest pause $(json_num "$json" max_pause_ms) ms)"
	else
		td_dump
		sed 's/^/# /' "$out.err"
		tap_fail "round $r: $CONNS streams byte-exact, no RST, no EOF, nothing reset"
	fi
	if [ $rc = 0 ] && redis_round_ge "$rprogress" $(( ${crash_round:-0} + 1 )); then
		tap_ok "round $r: redis on one connection across the crash, every reply consistent ($(cat "$rprogress") rounds, $crash_round before the crash)"
	else
		sed 's/^/# redis client: /' "$rout"
		tap_fail "round $r: redis on one connection across the crash, every reply consistent"
	fi
	topo_down
}

for ((r = 1; r <= ROUNDS; r++)); do
	round $r
done
tap_done
