#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-checks of the test harness: the VM environment the runner promises
# (cwd, TANDEM_CLI/TANDEM_KO, module loaded, mounts) and the lib.sh API
# (TAP numbering and exit codes, cleanup order, netns_new, wait_until).
. "$(dirname "$0")/lib.sh"

lib=$PWD/selftests/lib.sh

# child SCRIPT: run a bash script that sources lib.sh; output in $child_out
child() {
	child_out=$(bash -c ". '$lib'; $1" 2>&1)
}

require_root
require_command ip

tap_init 13

tap_check "cwd is the repository root" test -f selftests/lib.sh -a -f include/uapi/linux/tandem.h
tap_check "TANDEM_CLI is executable" test -x "$TANDEM_CLI"
tap_check "TANDEM_KO exists" test -f "$TANDEM_KO"
tap_check "the module is loaded" test -d /sys/module/tandem
tap_check "/run/netns, debugfs and devpts are there" \
	sh -c 'test -d /run/netns && grep -q " /sys/kernel/debug debugfs " /proc/mounts &&
	       grep -q " /dev/pts devpts " /proc/mounts'
tap_check "the tandem wrapper runs the CLI" tandem help

child 'tap_init 3; tap_ok a; tap_skip b why; tap_fail c; tap_done'
rc=$?
expect=$'TAP version 13\n1..3\nok 1 a\nok 2 b # SKIP why\nnot ok 3 c'
if [ $rc -eq 1 ] && [ "${child_out%%$'\n'#*}" = "$expect" ]; then
	tap_ok "result lines are numbered; a failure exits 1"
else
	printf '%s\n' "$child_out" | sed 's/^/# /'
	tap_fail "result lines are numbered; a failure exits 1 (exit $rc)"
fi

child 'tap_init 2; tap_skip a x; tap_skip b y; tap_done'
rc1=$?
child 'tap_init 2; tap_ok a; tap_skip b y; tap_done'
rc2=$?
child 'tap_init 3; tap_ok a; tap_done'
rc3=$?
if [ $rc1 -eq 4 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 1 ]; then
	tap_ok "tap_done: all skipped 4, some passed 0, plan not met 1"
else
	tap_fail "tap_done: all skipped 4, some passed 0, plan not met 1 (got $rc1 $rc2 $rc3)"
fi

child 'ksft_skip_all "no frobnicator"'
rc=$?
if [ $rc -eq 4 ] && printf '%s\n' "$child_out" | grep -qx '1..0 # SKIP no frobnicator'; then
	tap_ok "ksft_skip_all prints a 1..0 SKIP plan and exits 4"
else
	tap_fail "ksft_skip_all prints a 1..0 SKIP plan and exits 4 (exit $rc)"
fi

child 'on_exit echo first-registered; on_exit echo "second registered"; exit 3'
rc=$?
if [ $rc -eq 3 ] && [ "$child_out" = $'second registered\nfirst-registered' ]; then
	tap_ok "on_exit runs last-registered first and keeps the exit status"
else
	printf '%s\n' "$child_out" | sed 's/^/# /'
	tap_fail "on_exit runs last-registered first and keeps the exit status (exit $rc)"
fi

child 'ns=$(netns_new) || exit 1; echo "$ns"; ip netns exec "$ns" true || exit 2'
rc=$?
ns=$(printf '%s\n' "$child_out" | tail -n 1)
if [ $rc -eq 0 ] && [[ $ns =~ ^tandem-[0-9a-f]{8}$ ]] && ! ip netns list | grep -qw "$ns"; then
	tap_ok "netns_new names tandem-XXXXXXXX and the namespace is gone on exit"
else
	printf '%s\n' "$child_out" | sed 's/^/# /'
	tap_fail "netns_new names tandem-XXXXXXXX and the namespace is gone on exit (exit $rc)"
fi

child 'trap "exit 143" TERM; ns=$(netns_new); echo "$ns"; kill -TERM $$; sleep 5'
ns=$(printf '%s\n' "$child_out" | tail -n 1)
if [ -n "$ns" ] && ! ip netns list | grep -qw "$ns"; then
	tap_ok "cleanup runs when the test is killed"
else
	tap_fail "cleanup runs when the test is killed"
fi

flag=$(mktemp -u "${TMPDIR:-/tmp}/smoke.XXXXXX")
on_exit rm -f "$flag"
(sleep 0.3; touch "$flag") &
if wait_until 30 test -e "$flag" && ! wait_until 0.2 false; then
	tap_ok "wait_until returns 0 once true, 1 on timeout"
else
	tap_fail "wait_until returns 0 once true, 1 on timeout"
fi
wait

tap_done
