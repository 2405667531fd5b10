#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Divergence (issue 3, test 8). Three replicas run two tstream servers:
# port 5001 deterministic (the same output on every replica), port 5002
# nondeterministic (each replica salts its output with its own random bytes
# from output offset 64 KiB on). The backups digest their own output in
# 32 KiB blocks and compare it with the primary's DIGESTs:
#  - control: a stream through 5001 is byte-exact, the backups matched
#    digests and marked nothing diverged;
#  - a stream through 5002 is marked diverged by both backups (counter and
#    conn show flag); after a crash of the primary, the promoted backup
#    resets it: the client sees a reset, never a byte that differs from
#    what the primary sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT_DET=5001
PORT_NONDET=5002
OFF=64K

require_root
require_command ip jq ss
require_built "$TSTREAM"
require_module

tap_init 7

# conn_flagged NODE PORT FLAG: a connection to PORT on NODE has FLAG
conn_flagged() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -en --argjson p "$2" --arg f "$3" \
		'input | (any(.[]; .port == $p and any(.flags[]?; . == $f)))' >/dev/null
}

setup() {
	local node
	topo_up 3 || return 1
	topo_offload on
	for node in 1 2 3; do
		vip_add $node || return 1
		# Sockets orphaned by the teardown must not keep the namespaces.
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	# The lag bound is lag_test's: under emulation the backups may trail
	# by more than its defaults.
	topo_group g $PORT_DET $PORT_NONDET -- \
		max-lag-bytes 1073741824 max-lag-ms 600000 || return 1
	topo_roles 1 1 || return 1
	for node in 1 2 3; do
		tstream_server $node $PORT_DET || return 1
		tstream_server $node $PORT_NONDET --nondeterministic $OFF || return 1
	done
}

if ! setup; then
	tap_fail "topology, group and servers"
	topo_dump
	for ((i = 2; i <= 7; i++)); do tap_skip "case $i" "no topology"; done
	tap_done
fi
tap_ok "topology, group and servers"

# Control: deterministic servers.
out=$TOPO_DIR/control
tstream_client $TOPO_VIP:$PORT_DET -b 1M --seed $SRANDOM -t 60 > "$out" 2> "$out.err"
json=$(cat "$out")
echo "# control: $json"
if jq -en 'input | (.ok == 1 and .bytes_verified == 1048576 and .mismatch == 0)' \
	<<< "$json" >/dev/null; then
	tap_ok "control: 1 MiB byte-exact from deterministic servers"
else
	sed 's/^/# /' "$out.err"
	topo_dump
	tap_fail "control: 1 MiB byte-exact from deterministic servers"
fi
# A backup's output trails the primary's: its last blocks may be checked
# a little after the client is done.
wait_until 30 topo_counter_ge 2 digest_matched 1
wait_until 30 topo_counter_ge 3 digest_matched 1
sent=$(topo_counter 1 digest_sent)
m2=$(topo_counter 2 digest_matched) m3=$(topo_counter 3 digest_matched)
d2=$(topo_counter 2 diverged) d3=$(topo_counter 3 diverged)
echo "# control: node1 digest_sent=$sent; node2 digest_matched=$m2 diverged=$d2;" \
     "node3 digest_matched=$m3 diverged=$d3"
if [ "$sent" -gt 0 ] && [ "$m2" -gt 0 ] && [ "$m3" -gt 0 ] &&
   [ "$d2" -eq 0 ] && [ "$d3" -eq 0 ]; then
	tap_ok "control: digests sent and matched by both backups, nothing diverged"
else
	topo_dump
	tap_fail "control: digests sent and matched by both backups, nothing diverged"
fi

# Nondeterministic servers: the client learns the primary's salt and checks
# every byte after it against the primary's output. The stream is long
# enough to be running whatever the checks below cost (the reset ends it).
progress=$TOPO_DIR/progress
out=$TOPO_DIR/nondet
tstream_client $TOPO_VIP:$PORT_NONDET -b 64M --seed $SRANDOM -t 30 --rate 1M \
	--nondeterministic $OFF --progress-file "$progress" > "$out" 2> "$out.err" &
client=$!

if wait_until 60 topo_counter_ge 2 diverged 1 && wait_until 30 topo_counter_ge 3 diverged 1; then
	tap_ok "both backups marked the connection diverged"
else
	echo "# node2 diverged=$(topo_counter 2 diverged), node3 diverged=$(topo_counter 3 diverged)"
	topo_dump
	tap_fail "both backups marked the connection diverged"
fi
if conn_flagged 2 $PORT_NONDET diverged && conn_flagged 3 $PORT_NONDET diverged; then
	tap_ok "conn show flags it diverged on both backups"
else
	tandem_node 2 -j conn show group g | sed 's/^/# node2: /'
	tandem_node 3 -j conn show group g | sed 's/^/# node3: /'
	tap_fail "conn show flags it diverged on both backups"
fi

# Crash the primary once the client checked bytes past the salt; promote
# node2.
stream_wait_bytes "$progress" $((512 * 1024)) 60 ||
	echo "# the stream did not reach 512 KiB: $(stream_progress "$progress")"
echo "# node1 before the crash: $(topo_counters 1)"
node_crash 1
echo "# crashed node1 after $(stream_progress "$progress") verified bytes"
promoted=1
tandem_node 2 group set g role primary epoch 2 lease 3600000 || promoted=0
tandem_node 3 group set g role backup epoch 2 || promoted=0
wait $client
json=$(cat "$out")
echo "# nondeterministic: $json"
sed 's/^/# /' "$out.err"
if [ $promoted = 1 ] &&
   jq -en 'input | (.reset == 1 and .mismatch == 0 and .ok == 0)' <<< "$json" >/dev/null; then
	tap_ok "after the takeover the client got a reset, no differing byte"
else
	topo_dump
	tap_fail "after the takeover the client got a reset, no differing byte"
fi
echo "# node2 after the takeover: $(topo_counters 2)"
if topo_counter_ge 2 takeover_reset 1; then
	tap_ok "the new primary counted the reset (takeover_reset)"
else
	tap_fail "the new primary counted the reset (takeover_reset)"
fi
tap_done
