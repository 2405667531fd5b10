#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `tandem switchover` with a stream through it (issue 4, "nothing lost"),
# and the old primary's tandemd restarted with the stream still running
# ("rejoins as backup, no disruption"). Three replicas run tandemd and the
# tstream server; a client streams BYTES through the VIP while
#   1. `tandem switchover g` moves the primary P0 to the best backup P1
#      (were P0 not to protect the connection then, `switchover g to P0`
#      must be refused: it would reset it);
#   2. tandemd on P0 (a backup now) is SIGKILLed and restarted: it rejoins
#      as a backup, past its quiet period, and nothing moves (same primary,
#      same epoch);
#   3. `tandem switchover g to P0` moves the primary back to P0, named.
# The switchover's reply names the new primary and its epoch (tandemd
# answers once the old primary follows it). After each switchover the
# stream goes on through the new primary, the node that was a backup all
# along (P2) protects it there, and the old primary is a backup of the new
# epoch and protects the connection it served again (see old_protects).
# The stream completes byte-exact, with no reset and no EOF, and every
# step happened while it was running.
# Run it alone: selftests/vm/run.sh tandemd_switchover_test.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

PORT=5001
BYTES=${STREAM_BYTES:-$((96 * 1024 * 1024))}
RATE=${STREAM_RATE:-512K}
STEP=$((1024 * 1024))	# verified bytes the stream must make after each step
require_root
require_built "$TD_BIN"
require_module
require_built "$TSTREAM"

tap_init 13

td_stream_up $PORT || ksft_skip_all "no topology"

# settled: one primary, and in its view every member alive, not quiet
settled() {
	td_one_primary && tandem_node "$(td_primaries)" -j group show g |
		jq -e '.[0].agreement.members | all(.[]; .alive and (.quiet | not))' > /dev/null
}
if wait_until 60 settled; then
	tap_ok "one primary elected, every member alive and past its quiet period"
else
	td_dump
	tap_fail "one primary elected, every member alive and past its quiet period"
fi
p0=$(td_primaries)
e0=$(td_epoch "$p0")
echo "# primary node$p0, epoch $e0"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate $RATE --seed $SRANDOM -t 60 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
if stream_wait_bytes "$progress" $STEP 120 $client && wait_until 20 td_conns_ge "$p0" 1; then
	tap_ok "the stream runs through the VIP; tandemd counts the protected connection"
else
	echo "# progress $(stream_progress "$progress")"
	td_dump
	tap_fail "the stream runs through the VIP; tandemd counts the protected connection"
fi

# conn_of NODE: NODE's entry of the stream's connection (conn show -j)
conn_of() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -c "[.[] | select(.port == $PORT and .state != \"closed\")] | .[0] // empty"
}

# protects PRIMARY BACKUP: PRIMARY has the stream's connection with BACKUP
# protecting it, and BACKUP's own entry is usable (neither unprotected nor
# diverged: it could take the connection over)
protects() {
	conn_of "$1" | jq -e "any(.peers[]; .node == $2 and .state == \"protecting\")" \
		> /dev/null &&
	conn_of "$2" | jq -e '(.flags | index("unprotected") or index("diverged")) | not' \
		> /dev/null
}

show_conns() {
	local i
	for i in 1 2 3; do
		echo "# node$i ($(td_role $i)): $(conn_of $i)"
	done
}

# advances: the stream verified STEP more bytes than at the last call
mark=0
advances() {
	local want=$((mark + STEP))
	[ $want -gt $BYTES ] && want=$BYTES
	stream_wait_bytes "$progress" $want 120 $client || return 1
	mark=$(stream_progress "$progress")
}

# running: the client has not finished the stream yet (a step taken after
# the end of the stream would prove nothing)
running() { [ "$(stream_progress "$progress")" -lt $BYTES ] && kill -0 $client 2>/dev/null; }

# switched OLD EPOCH NEW: NEW (any node if empty) is the one primary, in an
# epoch above EPOCH, and OLD a backup of it
switched() {
	td_one_primary && [ "$(td_primaries)" != "$1" ] &&
		{ [ -z "$3" ] || [ "$(td_primaries)" = "$3" ]; } &&
		[ "$(td_epoch "$(td_primaries)")" -gt "$2" ] && td_role_is "$1" backup
}

# old_protects DESC PRIMARY OLD: the old primary, a backup now, protects the
# connection it served (the data path confirms it as rejoined once it holds
# everything the client was acknowledged; docs/datapath.md). A data path
# without that (before aebd542) marked the connections of a demoted primary
# unprotected for good: that exact state is reported as a SKIP naming the
# limitation; anything else fails.
old_protects() {
	local desc=$1
	if wait_until 10 protects "$2" "$3"; then
		tap_ok "$desc"
	elif conn_of "$3" | jq -e '.flags | index("unprotected")' > /dev/null &&
	     conn_of "$2" | jq -e "all(.peers[]; .node != $3 or .state != \"protecting\")" \
		> /dev/null; then
		show_conns
		tap_skip "$desc" "data path: a demoted primary's connections are unprotected"
	else
		show_conns
		tap_fail "$desc"
	fi
}

# replied JSON NODE EPOCH: the switchover's reply names NODE and EPOCH
# (tandemd answers once the old primary follows the new one), or says the
# new primary was not heard within its 1.5 s (a TCG stall; shown)
replied() {
	jq -e ".ok == true" <<< "$1" > /dev/null || return 1
	if jq -e '.pending == true' <<< "$1" > /dev/null; then
		echo "# the reply came before the new primary was heard (pending)"
		return 0
	fi
	jq -e ".primary == $2 and .epoch == $3" <<< "$1" > /dev/null
}

# step DESC OLD EPOCH TARGET OTHER CMD...: run the switchover CMD on OLD,
# check the outcome, the stream's progress through the new primary, OTHER
# ("third": the node neither old nor new; a backup all along) protecting it
# there, and OLD protecting it (above);
# the new primary in $new, its epoch in $enew
step() {
	local desc=$1 old=$2 epoch=$3 target=$4 other=$5 res why=
	shift 5
	advances
	echo "# $desc at $(stream_progress "$progress") verified bytes (${SECONDS}s)"
	running || why="the stream had ended before the switchover"
	res=$(tandem_node "$old" "$@" 2>&1) || why="$* failed: $res"
	echo "# reply: $res"
	if [ -z "$why" ] && wait_until 30 switched "$old" "$epoch" "$target" &&
	   replied "$res" "$(td_primaries)" "$(td_epoch "$(td_primaries)")"; then
		new=$(td_primaries) enew=$(td_epoch "$(td_primaries)")
		[ "$other" = third ] && other=$((6 - old - new))
		tap_ok "$desc: node$new primary in epoch $enew (the reply says so), node$old a backup of it"
	else
		new= enew=$epoch
		[ -n "$why" ] && echo "# $why"
		td_dump
		tap_fail "$desc: another node primary in a higher epoch, node$old a backup of it"
		tap_skip "$desc: the stream goes on" "no new primary"
		tap_skip "$desc: node$old protects the connection" "no new primary"
		return 1
	fi
	if advances && { [ -z "$other" ] || wait_until 20 protects "$new" "$other"; }; then
		tap_ok "$desc: the stream goes on through node$new${other:+, node$other protects it}"
	else
		echo "# progress $(stream_progress "$progress")"
		show_conns
		topo_dump 20
		tap_fail "$desc: the stream goes on through node$new${other:+, node$other protects it}"
	fi
	old_protects "$desc: node$old, a backup now, protects the connection" "$new" "$old"
}

# 1. to the best backup
step "switchover g" "$p0" "$e0" "" third -j switchover g
p1=$new e1=$enew
# A named switchover to a node that would reset the connection (the old
# primary, while it does not protect it) is refused, and nothing moves.
# (A SKIP when the old primary protects it already, as it should.)
if [ -n "$p1" ] && conn_of "$p0" | jq -e '.flags | index("unprotected")' > /dev/null; then
	res=$(tandem_node "$p1" switchover g to "$p0" 2>&1)
	rc=$?
	echo "# switchover g to $p0 (${SECONDS}s): exit $rc: $res"
	if [ $rc = 2 ] && [[ $res == *"would be reset"* ]] && td_one_primary &&
	   [ "$(td_primaries)" = "$p1" ] && [ "$(td_epoch "$p1")" = "$e1" ]; then
		tap_ok "switchover g to $p0 (it does not protect the connection): refused, nothing moves"
	else
		td_dump
		tap_fail "switchover g to $p0 (it does not protect the connection): refused, nothing moves"
	fi
else
	tap_skip "switchover to a node that does not protect the connection: refused" \
		"node$p0 protects it"
fi
# The old primary of step 1, a backup now, restarts its tandemd while the
# stream runs: it follows the primary at once, and once its quiet period is
# over (it could vote and stand again) nothing has moved, and the stream
# is still running.
late=
if [ -n "$p1" ] && [ "$(td_primaries)" = "$p1" ]; then
	advances
	echo "# tandemd on node$p0 restarted at $(stream_progress "$progress") verified bytes (${SECONDS}s)"
	running || late="the restart"
	rejoined() {
		td_one_primary && [ "$(td_primaries)" = "$p1" ] &&
		tandem_node "$p0" -j group show g |
			jq -e '.[0].agreement.members[] | select(.self) | (.quiet | not)' > /dev/null
	}
	if td_kill "$p0" KILL && td_start "$p0" && wait_until 30 rejoined &&
	   [ "$(td_epoch "$p1")" = "$e1" ] && [ "$(td_epoch "$p0")" = "$e1" ] &&
	   td_role_is "$p0" backup; then
		tap_ok "tandemd restarted on node$p0 (the old primary): a backup again, epoch $e1 unchanged"
	else
		td_dump
		tap_fail "tandemd restarted on node$p0 (the old primary): a backup again, epoch $e1 unchanged"
	fi
	running || late="the end of the restart"
	if advances && [ "$(td_epoch "$p1")" = "$e1" ] && td_one_primary; then
		tap_ok "after the restart the stream goes on through node$p1, epoch unchanged"
	else
		echo "# progress $(stream_progress "$progress")"
		td_dump
		tap_fail "after the restart the stream goes on through node$p1, epoch unchanged"
	fi
else
	tap_skip "tandemd restarted on the old primary" "the first switchover failed"
	tap_skip "after the restart the stream goes on" "the first switchover failed"
fi

# 3. back to P0, named: it protects the connection again (step 1), so
# nothing is reset at its takeover
if [ -n "$p1" ] && [ "$(td_primaries)" = "$p1" ]; then
	p2=$((6 - p0 - p1))
	running || late=${late:-the second switchover}
	step "switchover g to $p0" "$p1" "$e1" "$p0" "$p2" -j switchover g to "$p0"
else
	for d in "" "the stream goes on" "the old primary protects it"; do
		tap_skip "switchover g back to the first primary${d:+: $d}" "the first switchover failed"
	done
fi
if [ -z "$late" ]; then
	tap_ok "every step happened while the stream was running"
else
	tap_fail "every step happened while the stream was running: not $late (raise STREAM_BYTES)"
fi

wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
if jq -e ".ok == 1 and .bytes_verified == $BYTES and .reset == 0 and .eof == 0 and
	.mismatch == 0" <<< "$json" > /dev/null; then
	tap_ok "the stream survived byte-exact, no reset, no EOF (longest pause $(json_num "$json" max_pause_ms) ms)"
else
	td_dump
	topo_dump 20
	tap_fail "the stream survived byte-exact, no reset, no EOF"
fi
tap_done
