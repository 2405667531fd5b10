#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd health checks on three nodes (issue 4): tcp (a tstream server),
# http (busybox httpd on loopback) and exec checks, probing the node's own
# loopback, not the VIP. A failing check on the primary hands over to a
# healthy backup; an unhealthy backup is never chosen; an unhealthy primary
# without a healthy backup stays.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

[ "$(id -u)" = 0 ] || ksft_skip_all "needs root"
[ -x "$TD_BIN" ] || ksft_skip_all "no $TD_BIN (make -C ctl)"
[ -d /sys/module/tandem ] || ksft_skip_all "tandem.ko not loaded"
command -v busybox > /dev/null || ksft_skip_all "no busybox"

tap_init 8

# Under TCG on a loaded host a probe of loopback can take most of a
# second (a fork for exec, a busybox httpd reply for http): timeouts near
# that flap healthy/unhealthy (seen with 290 ms).
TD_TAIL="[service g 5001]
check = tcp
interval = 1s
timeout = 900ms
rise = 1
fall = 2

[service g 8080]
check = http /health 200
interval = 1s
timeout = 900ms
rise = 1
fall = 2

[service g 8081]
check = exec test ! -e \${TMPDIR:-/tmp}/tandemd-health-fail.\$TANDEM_NODE
interval = 1s
timeout = 900ms
rise = 1
fall = 2"
td_up 3 || ksft_skip_all "no topology"
for i in 1 2 3; do
	rm -f "${TMPDIR:-/tmp}/tandemd-health-fail.$i"
	on_exit rm -f "${TMPDIR:-/tmp}/tandemd-health-fail.$i"
	mkdir -p "$TOPO_DIR/www.$i" && echo ok > "$TOPO_DIR/www.$i/health"
	tstream_server $i 5001 || echo "# no tstream server on node$i"
	node_exec $i busybox httpd -p 127.0.0.1:8080 -h "$TOPO_DIR/www.$i" ||
		echo "# no httpd on node$i"
done
for i in 1 2 3; do td_start $i || echo "# tandemd did not start on node$i"; done

all_healthy() {
	local i
	for i in 1 2 3; do
		tandem_node $i -j group show g | jq -e '.[0].agreement |
			.healthy and (.checks | length) == 3 and all(.checks[]; .healthy) and
			all(.members[]; .healthy)' > /dev/null || return 1
	done
}
if wait_until 30 td_one_primary && wait_until 20 all_healthy; then
	tap_ok "tcp, http and exec checks pass on every node; one primary"
else
	td_dump
	tap_fail "tcp, http and exec checks pass on every node; one primary"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
echo "# primary node$p, epoch $epoch"

# SIGHUP: the checks keep their state, the primary stays primary
kill -HUP "$(td_pid "$p")"
if wait_until 10 grep -q "reloaded, agreement unchanged" "$TOPO_DIR/tandemd.node$p.log" &&
   all_healthy && td_one_primary && [ "$(td_primaries)" = "$p" ] &&
   [ "$(td_epoch "$p")" = "$epoch" ] &&
   ! sed -n '/reloaded, agreement unchanged/,$p' "$TOPO_DIR/tandemd.node$p.log" |
	grep -aq "unhealthy"; then
	tap_ok "SIGHUP on the primary: checks keep their state, nothing moves"
else
	td_dump
	tap_fail "SIGHUP on the primary: checks keep their state, nothing moves"
fi

new_primary() { td_one_primary && [ "$(td_primaries)" != "$1" ] && [ "$(td_epoch "$(td_primaries)")" -gt "$2" ]; }
unhealthy() {
	tandem_node "$1" -j group show g | jq -e --arg e "$2" '.[0].agreement |
		(.healthy | not) and any(.checks[]; .last_error == $e)' > /dev/null
}

rm "$TOPO_DIR/www.$p/health"
if wait_until 20 unhealthy "$p" "status 404, expected 200"; then
	tap_ok "http check: a 404 makes the primary unhealthy"
else
	td_dump
	tap_fail "http check: a 404 makes the primary unhealthy"
fi
if wait_until 20 new_primary "$p" "$epoch"; then
	tap_ok "the unhealthy primary hands over to a healthy backup"
else
	td_dump
	tap_fail "the unhealthy primary hands over to a healthy backup"
fi
p2=$(td_primaries)
if [ -z "$p2" ]; then
	for d in "exec check" "hand over to the only healthy backup" "tcp check" "unhealthy primary stays"; do
		tap_skip "$d" "no primary"
	done
	tap_done
fi
epoch2=$(td_epoch "$p2")
t=$((6 - p - p2))
echo "# primary node$p2, epoch $epoch2; node$p unhealthy, node$t healthy"

touch "${TMPDIR:-/tmp}/tandemd-health-fail.$p2"
if wait_until 20 unhealthy "$p2" "exit code 1"; then
	tap_ok "exec check: exit code 1 makes the primary unhealthy"
else
	td_dump
	tap_fail "exec check: exit code 1 makes the primary unhealthy"
fi
if wait_until 20 new_primary "$p2" "$epoch2" && [ "$(td_primaries)" = "$t" ]; then
	tap_ok "it hands over to node$t, the only healthy backup, not to unhealthy node$p"
else
	td_dump
	tap_fail "it hands over to node$t, the only healthy backup, not to unhealthy node$p"
fi
epoch3=$(td_epoch "$t")

# No healthy backup left: an unhealthy primary stays.
kill "$(ip netns pids "$(node_ns "$t")" | while read -r pid; do
	[ "$(cat /proc/$pid/comm 2>/dev/null)" = tstream ] && echo "$pid"; done)"
if wait_until 20 unhealthy "$t" "Connection refused"; then
	tap_ok "tcp check: a refused connection makes the primary unhealthy"
else
	td_dump
	tap_fail "tcp check: a refused connection makes the primary unhealthy"
fi
# A few heartbeats' worth after it turned unhealthy, nothing moved.
hb_ok() { tandem_node "$t" -j group show g | jq -e '.[0].agreement.lease_remaining_ms > 0' > /dev/null; }
# a step-down would start at the next tick after the health change: give it
# a few heartbeats (100 ms each) before asserting that nothing moved
sleep 0.5
if td_one_primary && [ "$(td_primaries)" = "$t" ] && [ "$(td_epoch "$t")" = "$epoch3" ] && hb_ok; then
	tap_ok "without a healthy backup the unhealthy primary stays primary"
else
	td_dump
	tap_fail "without a healthy backup the unhealthy primary stays primary"
fi
tap_done
