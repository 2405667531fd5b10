#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Maintenance mode and the operator's view (issue 13, "Operate"). Three
# replicas run tandemd and the tstream server:
#   1. with a client stream through the VIP, `tandem node standby` on the
#      primary S: it hands over (the reply names the new primary), follows
#      as a backup, shows "standby" in `group show` (text and JSON), and
#      keeps it in STATE_DIR/g.standby; the stream goes on through the new
#      primary, then ends (--end-file): every byte sent came back exactly,
#      no reset, no EOF (handovers under streams at every step are
#      tandemd_switchover_test's; here the steps are about the roles);
#   2. `tandem switchover g` asked on S, a backup: forwarded to the primary,
#      which hands over to the third node, never to S; `switchover g to S`
#      asked on a backup is refused by the primary (S is in standby), and
#      the refusal comes back to the CLI;
#   3. the primary's tandemd stalls (SIGSTOP) past its lease: the other
#      node takes over, never S; resumed, the stalled one logs its fence by
#      lease lapse (warning), and the new primary logs the member lost and
#      regained (notice/warning);
#   4. tandemd on S restarts: still in standby, a backup of the same epoch;
#   5. the primary crashes (links cut, processes killed): the remaining
#      other node takes over, never S;
#   6. `tandem node online` on S, then `switchover g to S` asked on S: S is
#      eligible again and becomes primary.
# S's log shows no role change to primary between steps 1 and 6, and the
# CLI, JSON and logs show epochs as BALLOT.NODE.
# timeout=600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

PORT=5001
BYTES=$((1024 * 1024 * 1024))	# an upper bound: the test ends the stream
RATE=${STREAM_RATE:-512K}
STEP=$((1024 * 1024))	# verified bytes the stream must make after each step
require_root
require_built "$TD_BIN"
require_module
require_built "$TSTREAM"

tap_init 16

td_stream_up $PORT || ksft_skip_all "no topology"

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
s=$(td_primaries)
e0=$(td_epoch "$s")
echo "# primary node$s, epoch $e0 ($(td_epoch_str "$e0"))"

# Epochs read BALLOT.NODE in the text output and in JSON next to the number.
text=$(tandem_node "$s" group show g 2>&1)
json=$(tandem_node "$s" -j group show g 2>&1)
want=$(td_epoch_str "$e0")
if grep -Eq "^  epoch: +$want\$" <<< "$text" &&
   grep -q "tandemd: node $s, primary, epoch $want," <<< "$text" &&
   jq -e --arg w "$want" --argjson e "$e0" '.[0] | .epoch == $e and .epoch_str == $w and
	.agreement.epoch == $e and .agreement.epoch_str == $w and
	(.agreement.promised_str | test("^[0-9]+\\.[0-9]+$"))' <<< "$json" > /dev/null; then
	tap_ok "group show: epoch $e0 reads $want (text; JSON epoch and epoch_str)"
else
	echo "$text" | sed 's/^/# /'
	echo "# $json"
	tap_fail "group show: epoch $e0 reads $want (text; JSON epoch and epoch_str)"
fi

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate $RATE --seed $SRANDOM -t 60 \
	--progress-file "$progress" --end-file "$TOPO_DIR/end" > "$out" 2> "$out.err" &
client=$!
stream_stall_watch "$progress" 8 "$TOPO_DIR/stall" $client &
if stream_wait_bytes "$progress" $STEP 120 $client && wait_until 20 td_conns_ge "$s" 1; then
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
# protects PRIMARY BACKUP: BACKUP protects the stream's connection and could
# take it over (its entry neither unprotected nor diverged)
protects() {
	conn_of "$1" | jq -e "any(.peers[]; .node == $2 and .state == \"protecting\")" \
		> /dev/null &&
	conn_of "$2" | jq -e '(.flags | index("unprotected") or index("diverged")) | not' \
		> /dev/null
}
show_conns() {
	local i
	for i in 1 2 3; do
		node_alive $i && echo "# node$i ($(td_role $i)): $(conn_of $i)"
	done
	return 0
}
# before a takeover by NODE: it must protect the connection (standby takes
# a node out of the candidates even if it alone protects it; a demoted
# primary protects again once the data path confirms it as rejoined)
ready() {
	[ -n "$streaming" ] || return 0
	wait_until 120 protects "$(td_primaries)" "$1" && return 0
	echo "# node$1 does not protect the connection (${SECONDS}s, progress $(stream_progress "$progress"))"
	show_conns
	tandem_node "$(td_primaries)" -j stats show group g 2>/dev/null |
		jq -c '(if type == "array" then .[0] else . end).counters | with_entries(select(.value > 0))' | sed 's/^/# primary counters: /'
	return 0
}

mark=0 streaming=1
advances() {
	[ -n "$streaming" ] || return 0
	local want=$((mark + STEP))
	[ $want -gt $BYTES ] && want=$BYTES
	stream_wait_bytes "$progress" $want 120 $client || return 1
	mark=$(stream_progress "$progress")
}
late=
running() {
	[ -z "$streaming" ] || kill -0 $client 2>/dev/null || late=${late:-$1}
}

# switched OLD EPOCH NEW: NEW is the one primary, above EPOCH, S a backup
# of it (OLD's role not counted: a stalled primary is fenced until it
# resumes)
switched() {
	TD_SKIP=$1 td_one_primary && [ "$(td_primaries)" = "$3" ] &&
		[ "$(td_epoch "$3")" -gt "$2" ] && td_role_is "$s" backup
}
standby_is() {
	tandem_node "$s" -j group show g | jq -e ".[0].agreement.standby == $1" > /dev/null
}
slog() { td_log "$s" | wc -l; }
# current: the primary now in $p, its epoch in $e, the third node in $o. A
# host loaded by several VMs may move the primary by itself (a lease lapse
# under load): each step starts from the roles of the moment; after step
# 1 the primary is never S.
current() {
	wait_until 60 td_one_primary || echo "# no single primary (${SECONDS}s)"
	wait_until 10 eval '[ "$(td_primaries | wc -w)" = 1 ]'
	p=$(td_primaries)
	p=${p%%[!0-9]*} e=$(td_epoch "$p")
	o=$((6 - s - ${p:-0}))
}

# 1. standby on the primary, once both backups protect the stream
advances
for try in 1 2 3; do
	s=$(td_primaries)
	for i in 1 2 3; do [ "$i" != "$s" ] && ready $i; done
	[ "$(td_primaries)" = "$s" ] && break
done
e0=$(td_epoch "$s")
echo "# standby of node$s (epoch $(td_epoch_str "$e0")) at $(stream_progress "$progress") verified bytes (${SECONDS}s)"
running "the standby"
standby_at=$(slog)
res=$(tandem_node "$s" -j node standby 2>&1)
echo "# node standby: $res"
away() { td_one_primary && [ "$(td_primaries)" != "$s" ] && [ "$(td_epoch "$(td_primaries)")" -gt "$e0" ]; }
# the reply names the node that took over and its epoch (which may have
# moved on since: a primary re-prepares above a promise it learns of)
if jq -e '.ok == true' <<< "$res" > /dev/null && wait_until 60 away && td_role_is "$s" backup &&
   { jq -e '.pending == true' <<< "$res" > /dev/null ||
     jq -e --argjson s "$s" --argjson e "$e0" '.primary != $s and .epoch > $e and
	    .epoch_str == "\(.epoch / 4294967296 | floor).\(.primary)"' <<< "$res" > /dev/null; }; then
	tap_ok "node standby on the primary node$s: node$(td_primaries) primary in epoch $(td_epoch_str "$(td_epoch "$(td_primaries)")") (the reply says so), node$s a backup of it"
else
	td_dump
	tap_fail "node standby on the primary node$s: another node primary, node$s a backup of it"
fi
text=$(tandem_node "$s" group show g 2>&1)
if standby_is true && [ -e "$TOPO_DIR/state.node$s/g.standby" ] &&
   grep -q "tandemd: node $s, backup (standby)," <<< "$text" &&
   td_log "$s" | grep -q "notice: group g: standby: never elected" &&
   tandem_node "$s" node show | grep -q "group g: backup, epoch .*, standby"; then
	tap_ok "standby shown in group show (text and JSON) and node show, kept in state-dir/g.standby, logged"
else
	echo "$text" | sed 's/^/# /'
	ls -l "$TOPO_DIR/state.node$s" | sed 's/^/# /'
	tap_fail "standby shown in group show (text and JSON) and node show, kept in state-dir/g.standby, logged"
fi
current
if advances; then
	tap_ok "the stream goes on through node$p"
else
	echo "# progress $(stream_progress "$progress")"
	show_conns
	tap_fail "the stream goes on through node$p"
fi
touch "$TOPO_DIR/end"
wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
if [ -z "$late" ] && jq -e ".ok == 1 and .bytes_verified >= $mark and .reset == 0 and
	.eof == 0 and .mismatch == 0" <<< "$json" > /dev/null; then
	tap_ok "the stream survived the standby handover byte-exact, no reset, no EOF (longest pause $(json_num "$json" max_pause_ms) ms)"
else
	echo "# the stream ${late:+ended before $late}"
	td_dump
	topo_dump 20
	[ -s "$TOPO_DIR/stall" ] && sed 's/^/# /' "$TOPO_DIR/stall"
	tap_fail "the stream survived the standby handover byte-exact, no reset, no EOF"
fi
streaming=

# 2. a switchover asked on S (a backup): forwarded to the primary, which
# hands over to the third node, the only eligible one
current
ready "$o"
current
echo "# forwarded switchover (primary node$p) (${SECONDS}s)"
running "the forwarded switchover"
res=$(tandem_node "$s" -j switchover g 2>&1)
echo "# switchover g on node$s: $res"
if wait_until 60 switched "$p" "$e" "$o" && td_role_is "$p" backup &&
   { jq -e '.pending == true' <<< "$res" > /dev/null ||
     jq -e ".ok == true and .primary == $o and .epoch > $e" <<< "$res" > /dev/null; } &&
   td_log "$p" | grep -q "notice: group g: switchover asked on node $s"; then
	tap_ok "switchover asked on node$s (a backup, in standby): forwarded to node$p, node$o primary in epoch $(td_epoch_str "$(td_epoch "$o")"), not node$s"
else
	td_dump
	tap_fail "switchover asked on node$s (a backup, in standby): forwarded to node$p, node$o primary"
fi
current
res=$(tandem_node "$o" switchover g to "$s" 2>&1)
rc=$?
echo "# switchover g to $s on node$o: exit $rc: $res"
if [ $rc = 2 ] && [[ $res == *"the primary, node $p, refused"*"not in standby"* ]] &&
   td_one_primary && [ "$(td_primaries)" = "$p" ] && [ "$(td_epoch "$p")" = "$e" ]; then
	tap_ok "switchover to node$s (standby) asked on node$o: the primary's refusal comes back, nothing moves"
else
	td_dump
	tap_fail "switchover to node$s (standby) asked on node$o: the primary's refusal comes back, nothing moves"
fi

# 3. the primary's tandemd stalls past its lease: the other node (not S)
# takes over; resumed, the stalled one fences itself by lease lapse
advances
current
ready "$o"
current
r=$p q=$o e2=$e
echo "# stall of node$r (${SECONDS}s)"
running "the stall"
td_signal "$r" STOP
if wait_until 60 switched "$r" "$e2" "$q"; then
	e3=$(td_epoch "$q")
	tap_ok "tandemd on the primary node$r stalled: node$q takes over in epoch $(td_epoch_str "$e3"), never node$s"
else
	e3=$(td_epoch "$q")
	td_dump
	tap_fail "tandemd on the primary node$r stalled: node$q takes over, never node$s"
fi
td_signal "$r" CONT
rejoined() { td_one_primary && td_role_is "$r" backup; }
if wait_until 30 rejoined &&
   wait_until 10 eval 'td_log "$r" | grep -Eq "warning: group g: fenced in epoch $(td_epoch_str "$e2"): lease-lapsed"' &&
   td_log "$r" | grep -Eq "warning: group g: role primary -> fenced, epoch $(td_epoch_str "$e2"): lease-lapsed" &&
   wait_until 10 eval 'td_log "$q" | grep -q "notice: group g: member $r regained"' &&
   td_log "$q" | grep -q "warning: group g: member $r lost: nothing heard from it on any link" &&
   td_log "$q" | grep -Eq "notice: group g: role backup -> primary, epoch $(td_epoch_str "$e3"): elected by a majority"; then
	tap_ok "logs: node$r fenced by lease lapse (warning), node$q saw it lost and regained, and its election with the cause"
else
	td_log "$r" | grep -E "fenced|role" | tail -n 5 | sed "s/^/# node$r: /"
	td_log "$q" | grep -E "member|role" | tail -n 5 | sed "s/^/# node$q: /"
	tap_fail "logs: node$r fenced by lease lapse (warning), node$q saw it lost and regained, and its election with the cause"
fi

# 4. tandemd on S restarts: still standby, a backup of the same epoch
advances
current
echo "# restart of node$s (${SECONDS}s)"
running "the restart"
back() {
	td_one_primary && [ "$(td_primaries)" = "$p" ] && td_role_is "$s" backup &&
	tandem_node "$s" -j group show g |
		jq -e '.[0].agreement | .standby and (.members[] | select(.self) | .quiet | not)' > /dev/null
}
if td_kill "$s" KILL && td_start "$s" && wait_until 60 back &&
   grep -q "in standby (tandem node online ends it)" "$TOPO_DIR/tandemd.node$s.log.start"; then
	tap_ok "tandemd restarted on node$s: still in standby, a backup of node$p"
else
	td_dump
	tap_fail "tandemd restarted on node$s: still in standby, a backup of node$p"
fi

# 5. the primary crashes: the remaining other node takes over, never S
advances
current
ready "$o"
current
echo "# crash of node$p (${SECONDS}s)"
running "the crash"
node_crash "$p"
if wait_until 60 switched "$p" "$e" "$o"; then
	tap_ok "the primary node$p crashed: node$o takes over in epoch $(td_epoch_str "$(td_epoch "$o")"), never node$s"
else
	td_dump
	tap_fail "the primary node$p crashed: node$o takes over, never node$s"
fi
r=$o

# 6. online: eligible again; a switchover to S asked on S itself (a backup:
# forwarded) makes it primary
ready "$s"
echo "# online (${SECONDS}s)"
running "online"
res=$(tandem_node "$s" -j node online 2>&1)
echo "# node online: $res"
online_at=$(slog)
if jq -e '.ok == true and .groups[0].standby == false' <<< "$res" > /dev/null &&
   standby_is false && [ ! -e "$TOPO_DIR/state.node$s/g.standby" ]; then
	tap_ok "node online: standby off, state-dir/g.standby removed"
else
	tap_fail "node online: standby off, state-dir/g.standby removed"
fi
# the primary sees S healthy again (its acks), then the switchover
healthy_at_r() {
	tandem_node "$r" -j group show g |
		jq -e ".[0].agreement.members[] | select(.node_id == $s) | .healthy" > /dev/null
}
wait_until 10 healthy_at_r || echo "# node$r does not see node$s healthy yet"
e4=$(td_epoch "$r")
s_primary() { td_one_primary && [ "$(td_primaries)" = "$s" ] && [ "$(td_epoch "$s")" -gt "$e4" ]; }
res=$(tandem_node "$s" -j switchover g to "$s" 2>&1)
echo "# switchover g to $s on node$s: $res"
if wait_until 60 s_primary && td_role_is "$r" backup; then
	tap_ok "switchover to node$s (online again), asked on node$s: primary in epoch $(td_epoch_str "$(td_epoch "$s")")"
else
	td_dump
	tap_fail "switchover to node$s (online again), asked on node$s: primary"
fi

# S never became primary while in standby (its log between the two)
promoted=$(td_log "$s" | sed -n "$((standby_at + 1)),${online_at}p" | grep -c -- "-> primary")
if [ "$promoted" = 0 ] && [ -n "$online_at" ]; then
	tap_ok "node$s never became primary while in standby (its log)"
else
	td_log "$s" | sed -n "$((standby_at + 1)),${online_at}p" | grep -- "-> primary" | sed 's/^/# /'
	tap_fail "node$s never became primary while in standby (its log)"
fi
tap_done
