#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Replication channels through the CLI, and their end: a primary and a
# backup in two namespaces joined by a veth pair exchange heartbeats
# ("tandem stats", "tandem member show"); then the backup's namespace is
# deleted while the primary keeps sending, and the module is unloaded
# with the primary's channel live. The module then loads again, and the
# kernel log stays clean.

. "$(dirname "$0")/lib.sh"

require_command jq ip
require_root
require_built "$TANDEM_CLI"
[ -r "$TANDEM_KO" ] || ksft_skip_all "no module at $TANDEM_KO (make module)"
grep -q '^tandem ' /proc/modules || ksft_skip_all "the tandem module is not loaded"

# Whatever happens, leave the module loaded for the tests that follow.
on_exit sh -c 'grep -q "^tandem " /proc/modules || insmod "$1"' sh "$TANDEM_KO"

# A namespace deleted on exit unless the test deletes it first.
ns_new() {
	local name
	name=tandem-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	ip netns add "$name" || return 1
	on_exit sh -c 'ip netns del "$1" 2>/dev/null; true' sh "$name"
	echo "$name"
}

a=$(ns_new) || ksft_skip_all "cannot create a network namespace"
b=$(ns_new) || ksft_skip_all "cannot create a network namespace"
tmp=$(mktemp -d) || exit 1
on_exit rm -rf "$tmp"

tap_init 6
log_start=$(dmesg | wc -l)

# counter NS NAME: a counter of the namespace.
counter() {
	tandem -n "$1" -j stats | jq -e ".counters.$2"
}

# counter_at_least NS NAME N
counter_at_least() {
	[ "$(counter "$1" "$2")" -ge "$3" ]
}

setup() {
	ip link add ta netns "$a" type veth peer name tb netns "$b" &&
	ip -n "$a" addr add 10.99.0.1/24 dev ta &&
	ip -n "$b" addr add 10.99.0.2/24 dev tb &&
	ip -n "$a" link set ta up &&
	ip -n "$b" link set tb up &&
	tandem genkey > "$tmp/key" &&
	tandem -n "$b" group add g id 1 vip 192.0.2.1 node 2 local 10.99.0.2 \
		key "$tmp/key" &&
	tandem -n "$b" member add group g node 1 addr 10.99.0.1 &&
	tandem -n "$b" group set g role backup epoch 3 &&
	tandem -n "$a" group add g id 1 vip 192.0.2.1 node 1 local 10.99.0.1 \
		key "$tmp/key" &&
	tandem -n "$a" member add group g node 2 addr 10.99.0.2 &&
	tandem -n "$a" group set g role primary epoch 3 lease 600000
}
tap_check "a primary and a backup in two namespaces" setup

flow() {
	wait_until 30 counter_at_least "$b" heartbeat_rx 2 &&
		wait_until 30 counter_at_least "$a" heartbeat_rx 2 &&
		[ "$(counter "$b" chan_drop_tag)" -eq 0 ]
}
tap_check "heartbeats flow, none dropped" flow

heard() {
	tandem -n "$a" member show group g node 2 > "$tmp/out" &&
		grep -Eq '^  heard: +[0-9]+ ms ago$' "$tmp/out" &&
		tandem -n "$b" -j member show group g | jq -e '.[0].last_heard_ms >= 0' >/dev/null ||
		{ sed 's/^/# /' "$tmp/out"; return 1; }
}
tap_check "member show: when each member was last heard" heard

# The backup goes away with its namespace, and the veth pair with it: the
# primary's heartbeats have no route any more.
gone() {
	local err
	ip netns del "$b" || return 1
	err=$(counter "$a" chan_tx_errors) || return 1
	wait_until 30 counter_at_least "$a" chan_tx_errors $((err + 3))
}
tap_check "deleting the backup's namespace" gone

tap_check "unloading the module with a live channel" rmmod tandem

reload() {
	insmod "$TANDEM_KO" && tandem -n "$a" group show > /dev/null
}
tap_check "the module loads again" reload

trouble='WARNING|BUG|Oops|Call Trace|leak|refcount|use-after-free|general protection'
if dmesg | tail -n +$((log_start + 1)) | grep -E "$trouble"; then
	echo "# the kernel log shows trouble (above)"
	exit $KSFT_FAIL
fi
tap_done
