#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# False failovers in a long run (issue 4's benchmark): three nodes run
# tandemd with no fault injected, netem jitter on every node's replication
# egress (both directions of every link), for CHURN_SECS; counts the
# elections after the first one (every one is a false failover), the
# fences by reason, and the distinct primaries. A benchmark, not a test:
# not in the suite. Run it with
#   selftests/vm/run.sh --timeout 2400 --cmd 'insmod kmod/tandem.ko &&
#       CHURN_SECS=600 bash selftests/tandemd_churn.sh'
# Settings (environment):
#   CHURN_SECS     how long [600]
#   CHURN_NETEM    netem arguments on each eth1, or "none"
#                  ["delay 20ms 10ms distribution normal"]
#   CHURN_TIMERS   "test" (tandemd_lib.sh's: heartbeat 100 ms, miss 5,
#                  lease 2 s), "default" (tandemd's defaults: heartbeat
#                  100 ms, miss 3, lease 1 s), "reference" (the agreement
#                  core's: heartbeat 10 ms, miss 3, lease 30 ms), or lines
#                  of [group g] (e.g. $'heartbeat = 100ms\nlease = 500ms')
#                  [test]
#   CHURN_LINK2    1: a second heartbeat link (addr2, on a bridge of its
#                  own, without netem) [0]
#   CHURN_HOGS     CPU hogs (busy loops at normal priority) started in
#                  every node's namespace once the first primary is
#                  elected [0]
#   CHURN_REALTIME "no": tandemd without realtime scheduling and locked
#                  memory (realtime = no, lock-memory = no) [yes]
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

SECS=${CHURN_SECS:-600}
NETEM=${CHURN_NETEM:-delay 20ms 10ms distribution normal}
TIMERS=${CHURN_TIMERS:-test}
require_root
require_built "$TD_BIN"
require_module

tap_init 1
case $TIMERS in
test) ;;
default) TD_TIMERS="conns-interval = 1s" ;;
reference) TD_TIMERS=$'heartbeat = 10ms\nmiss = 3\nlease = 30ms\nmargin = 1ms
election-timeout = 10ms\nstagger = 5ms\nbackoff = 10ms\nconns-interval = 1s' ;;
*) TD_TIMERS=$TIMERS ;;
esac
echo "# timers: $(echo "$TD_TIMERS" | tr '\n' ' ')"
HOGS=${CHURN_HOGS:-0}
if [ "${CHURN_REALTIME:-yes}" = no ]; then
	TD_NODE_EXTRA=$'realtime = no\nlock-memory = no'
fi
echo "# $HOGS CPU hog(s) per node namespace; realtime ${CHURN_REALTIME:-yes}"
echo "# netem on every eth1: $NETEM; ${SECS}s"

td_up 3 || ksft_skip_all "no topology"
[ "${CHURN_LINK2:-0}" = 1 ] && { td_link2_up || ksft_skip_all "no second link"; td_configure; }
if [ "$NETEM" != none ]; then
	for i in 1 2 3; do rep_netem $i $NETEM || ksft_skip_all "netem failed"; done
fi
for i in 1 2 3; do td_start $i || ksft_skip_all "tandemd did not start on node$i"; done
# (timers that cannot hold a primary here: counted all the same)
wait_until 120 td_one_primary || echo "# no stable primary within 120 s: counting anyway"


hog() { while :; do :; done; }
for ((h = 0; h < HOGS; h++)); do
	for i in 1 2 3; do
		node_exec $i bash -c "$(declare -f hog); hog" < /dev/null > /dev/null 2>&1 &
		disown $!
	done
done

# Every log line from now on counts; the first election is not a failover.
declare -A skip
for i in 1 2 3; do skip[$i]=$(td_log $i | wc -l); done
p0=$(td_primaries) e0=$(td_epoch "$(td_primaries)")
echo "# primary node$p0, epoch $e0"
t0=$SECONDS
changes=0 last="$p0 $e0" samples=0 noprimary=0
past() { [ $((SECONDS - t0)) -ge "$SECS" ]; }
# one sample per second: the one primary and its epoch, if any
while ! past; do
	p=$(td_primaries)
	samples=$((samples + 1))
	if [ "$(echo "$p" | wc -w)" = 1 ]; then
		now="$p $(td_epoch "$p")"
		[ "$now" != "$last" ] && changes=$((changes + 1)) last=$now
	else
		noprimary=$((noprimary + 1))
	fi
	wait_until 1 past
done
secs=$((SECONDS - t0))
logs() { local i; for i in 1 2 3; do td_log $i | tail -n +$((skip[$i] + 1)); done; }
elections=$(logs | grep -c "primary in epoch")
fences=$(logs | sed -n 's/.*fenced in epoch [0-9]*: \(.*\)/\1/p' | sort | uniq -c |
	awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
primaries=$(logs | sed -n 's/^\[[0-9.]*\] info: group g: role [a-z]* -> primary.*(round [0-9]*, node \([0-9]*\))/\1/p' |
	sort -u | tr '\n' ' ')
rate=$(awk -v n="$elections" -v s="$secs" 'BEGIN { printf "%.1f", n * 3600 / s }')
echo "# ${secs}s: $elections elections after the first ($rate per hour), primary seen changing in $changes of $samples one-second samples, no single primary in $noprimary"
echo "# fences by reason: ${fences:-none}; nodes primary meanwhile: ${primaries:-none}"
echo "# final: primary $(td_primaries) (none if empty); highest round $(logs |
	sed -n 's/.*(round \([0-9]*\), node.*/\1/p' | sort -n | tail -n 1)"
tap_ok "false failovers: $elections in ${secs}s ($rate per hour)"
tap_done
