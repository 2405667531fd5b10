#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=600
#
# The election picks the node that can continue the most connections now
# (issue 10, finding 2). Three replicas run tandemd; a client keeps CONNS
# streams through the VIP. The backups' tandemd is stopped (SIGSTOP: a host
# so loaded that their daemons do not run; their kernels keep protecting
# every connection): the primary hears no acks, its lease lapses and it
# fences itself, and with a kernel that marks a lapsed primary's
# connections unprotected it can then continue none of them, while its
# tandemd's periodic count still says CONNS. It stands again at once; the
# backups, resumed a while later, answer its queued pre-votes before they
# stand themselves. With ranks compared in the votes (counts read from the
# kernel then) a backup wins; before, the old primary re-elected itself and
# reset every connection. Checks: the winner's count is the highest of the
# three at the election, it reset nothing (takeover_reset 0), and every
# stream finishes byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

PORT=5001
CONNS=4
BYTES=${STREAM_BYTES:-$((3 * 1024 * 1024))}
RATE=${STREAM_RATE:-64K}
require_root
require_built "$TD_BIN"
require_module
require_built "$TSTREAM"

tap_init 5

# Roles, epochs, connections, counters and the last events of every node
# (heartbeats and acks left out).
dump() {
	local i
	for ((i = 1; i <= 3; i++)); do
		echo "# node$i: role $(td_role $i) epoch $(td_epoch $i); $(topo_counters $i)"
		tandem_node $i conn show group g 2>&1 | sed "s/^/# node$i: /"
		td_log $i | grep -v "HEARTBEAT\|ACK" | tail -n 40 |
			sed "s/^/# node$i: /"
	done
}

TD_LOG_LEVEL=debug
TD_TIMERS="heartbeat = 100ms
miss = 10
lease = 4s
election-timeout = 1s
stagger = 100ms
backoff = 200ms
margin = 50ms
conns-interval = 500ms"
td_stream_up $PORT || ksft_skip_all "no topology"
if wait_until 30 td_one_primary; then
	tap_ok "one primary elected"
else
	dump
	tap_fail "one primary elected"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
backups=$(for i in 1 2 3; do [ "$i" != "$p" ] && echo $i; done)
echo "# primary node$p, epoch $epoch; backups" $backups
echo "# node$p: $(td_log "$p" | grep -m 2 -e 'scheduling' -e 'memory' -e 'realtime' |
	sed 's/^\[[0-9.]*\] //' | tr '\n' ';')"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -c $CONNS -b $BYTES --rate $RATE \
	--seed $SRANDOM -t 120 --progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
all_protect() {
	local i
	for i in 1 2 3; do [ "$(td_protected $i)" -ge $CONNS ] || return 1; done
	td_conns_ge "$p" $CONNS
}
if stream_wait_established "$progress" $CONNS 60 &&
   stream_wait_bytes "$progress" $((CONNS * 128 * 1024)) 60 &&
   wait_until 30 all_protect; then
	tap_ok "$CONNS streams through the VIP, protected on every node and counted by tandemd"
else
	echo "# progress $(stream_progress "$progress"); protected" \
		"$(td_protected 1) $(td_protected 2) $(td_protected 3)"
	dump
	tap_fail "$CONNS streams through the VIP, protected on every node and counted by tandemd"
fi

# (a loaded host may have moved the primary meanwhile)
wait_until 30 td_one_primary || echo "# no single primary"
p=$(td_primaries)
epoch=$(td_epoch "$p")
backups=$(for i in 1 2 3; do [ "$i" != "$p" ] && echo $i; done)
echo "# primary node$p, epoch $epoch"
# The backups' daemons stop; the primary's lease lapses (4 s) and it fences.
for i in $backups; do td_signal $i STOP || echo "# cannot stop node$i's tandemd"; done
fenced() { ! td_role_is "$p" primary; }
if wait_until 20 fenced; then
	tap_ok "the primary fenced itself when its lease lapsed"
else
	dump
	tap_fail "the primary fenced itself when its lease lapsed"
fi
# It stands again (miss * heartbeat, then its rank delay) and, nobody
# answering, retries; its tandemd logs every message (debug).
prevotes() { td_log "$p" | grep -c -- "-> PREVOTE"; }
stood() { [ "$(prevotes)" -ge 2 ]; }
wait_until 20 stood || echo "# node$p did not stand while the backups were stopped"
declare -A count
best=0
for i in 1 2 3; do
	count[$i]=$(td_protected $i)
	[ "${count[$i]}" -gt "$best" ] && best=${count[$i]}
done
echo "# protected connections now: node1 ${count[1]}, node2 ${count[2]}, node3 ${count[3]} (node$p the old primary)"
# Resume the backups just after a pre-vote of the old primary: they find it
# queued and answer it before they stand themselves.
n=$(prevotes)
newer() { [ "$(prevotes)" -gt "$n" ]; }
wait_until 10 newer
for i in $backups; do td_signal $i CONT || echo "# cannot resume node$i's tandemd"; done

new_primary() { td_one_primary && [ "$(td_epoch "$(td_primaries)")" -gt "$epoch" ]; }
if wait_until 30 new_primary; then
	q=$(td_primaries)
	echo "# node$q primary in epoch $(td_epoch "$q")"
	if [ "$best" -eq 0 ]; then
		tap_fail "the node that could continue the most connections won: the streams ended before the election, nothing to compare"
	elif [ "${count[$q]}" -eq "$best" ]; then
		tap_ok "the node that could continue the most connections won (node$q, ${count[$q]} of $CONNS)"
	else
		dump
		tap_fail "the node that could continue the most connections won (node$q with ${count[$q]}, best $best)"
	fi
else
	q=
	dump
	tap_fail "a primary in a higher epoch"
fi
wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
resets=$([ -n "$q" ] && topo_counter "$q" takeover_reset || echo "?")
echo "# node$q counters: $([ -n "$q" ] && topo_counters "$q")"
if [ "$resets" = 0 ] &&
   jq -e ".ok == $CONNS and .bytes_verified == $((CONNS * BYTES)) and .reset == 0 and .eof == 0" \
	<<< "$json" > /dev/null; then
	tap_ok "no connection reset (takeover_reset 0), every stream byte-exact"
else
	dump
	tap_fail "no connection reset (takeover_reset $resets), every stream byte-exact"
fi
tap_done
