#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Injection under RPS (issue 9, finding 7). A backup injects each mirrored
# client segment into its own stack and must tell it from the same segment
# coming from the network (dropped, net_dropped). With RPS on the device
# (rps_cpus mask 3: both vCPUs), the stack may handle the injected skb on
# another CPU than the one that injected it. Three replicas:
#  - rps_cpus 3 on both backups' eth0 and eth1 before connection A (1 MiB):
#    A completes byte-exact, both backups opened it (the primary counted no
#    syn_timeout), they dropped nothing as network traffic (net_dropped 0)
#    and found few segments not ready for injection (inject_not_ready);
#  - rps_cpus 0 again, connection B starts; rps_cpus 3 set on both backups
#    mid-stream: B goes on, node1 crashes, node2 is promoted, B completes
#    byte-exact with no reset, node2 resumed it, and net_dropped stayed 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
BYTES_B=$((16 << 20))	# still running when node1 crashes
NOT_READY_MAX=10
PLAN=8

require_root
require_command ip
require_built "$TSTREAM"
require_module
[ "$(nproc)" -ge 2 ] || ksft_skip_all "RPS needs 2 CPUs ($(nproc))"

tap_init $PLAN

# rps MASK NODE...: rps_cpus of NODE's eth0 and eth1
rps() {
	local mask=$1 node
	shift
	for node; do
		node_exec "$node" sh -c "echo $mask > /sys/class/net/eth0/queues/rx-0/rps_cpus &&
			echo $mask > /sys/class/net/eth1/queues/rx-0/rps_cpus" || return 1
	done
}

rps_show() {
	local node
	for node; do
		echo "# node$node rps_cpus eth0 $(node_exec "$node" cat /sys/class/net/eth0/queues/rx-0/rps_cpus)" \
		     "eth1 $(node_exec "$node" cat /sys/class/net/eth1/queues/rx-0/rps_cpus)"
	done
}

exact() {
	[ "$(json_num "$1" ok)" = 1 ] && [ "$(json_num "$1" bytes_verified)" = "$2" ] &&
		[ "$(json_num "$1" reset)" = 0 ]
}

if ! topo_up 3 || ! topo_offload on || ! topo_replicate $PORT || ! rps 3 2 3; then
	tap_fail "topology, group, servers, rps_cpus 3 on the backups"
	for ((i = 2; i <= PLAN; i++)); do tap_skip "case $i" "no topology"; done
	tap_done
fi
tap_ok "topology, group, servers, rps_cpus 3 on the backups"
rps_show 2 3

# A: RPS from the start.
out=$TOPO_DIR/client.a
tstream_client $TOPO_VIP:$PORT -b 1M --seed $SRANDOM -t 30 > "$out" 2> "$out.err"
json=$(cat "$out")
echo "# A: $json"
sed 's/^/# /' "$out.err"
if exact "$json" $((1 << 20)); then
	tap_ok "A: 1 MiB byte-exact"
else
	tap_fail "A: 1 MiB byte-exact"
fi
st=$(topo_counter 1 syn_timeout)
nd2=$(topo_counter 2 net_dropped) nd3=$(topo_counter 3 net_dropped)
nr2=$(topo_counter 2 inject_not_ready) nr3=$(topo_counter 3 inject_not_ready)
for node in 1 2 3; do echo "# node$node: $(topo_counters $node)"; done
if [ "$st" = 0 ] && [ "$nd2" = 0 ] && [ "$nd3" = 0 ]; then
	tap_ok "A: both backups opened it (node1 syn_timeout 0, net_dropped 0 on node2 and node3)"
else
	tap_fail "A: both backups opened it (node1 syn_timeout $st, net_dropped $nd2 on node2, $nd3 on node3)"
fi
if [ "$nr2" -le $NOT_READY_MAX ] && [ "$nr3" -le $NOT_READY_MAX ]; then
	tap_ok "A: inject_not_ready at most $NOT_READY_MAX (node2 $nr2, node3 $nr3)"
else
	tap_fail "A: inject_not_ready at most $NOT_READY_MAX (node2 $nr2, node3 $nr3)"
fi

# B: RPS set mid-stream, then a crash.
rps 0 2 3
progress=$TOPO_DIR/progress out=$TOPO_DIR/client.b
tstream_client $TOPO_VIP:$PORT -b $BYTES_B --rate 768K --seed $SRANDOM -t 30 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
stream_wait_bytes "$progress" $((512 << 10)) 60 $client ||
	echo "# B did not reach 512 KiB before RPS: $(stream_progress "$progress")"
nd2=$(topo_counter 2 net_dropped) nd3=$(topo_counter 3 net_dropped)
rps 3 2 3
at=$(stream_progress "$progress")
echo "# rps_cpus 3 on node2 and node3 after $at verified bytes"
if stream_wait_bytes "$progress" $((at + (1 << 20))) 30 $client; then
	tap_ok "B: 1 MiB more verified after rps_cpus was set"
else
	echo "# verified $(stream_progress "$progress")"
	for node in 1 2 3; do echo "# node$node: $(topo_counters $node)"; done
	tap_fail "B: 1 MiB more verified after rps_cpus was set"
fi
node_crash 1
echo "# node1 crashed after $(stream_progress "$progress") verified bytes"
topo_failover 2 2 || echo "# promoting node2 failed"
wait $client
json=$(cat "$out")
echo "# B: $json"
sed 's/^/# /' "$out.err"
if exact "$json" $BYTES_B; then
	tap_ok "B: byte-exact, no reset across the crash"
else
	tap_fail "B: byte-exact, no reset across the crash"
fi
echo "# node2: $(topo_counters 2)"
resumed=$(topo_counter 2 takeover_resumed) treset=$(topo_counter 2 takeover_reset)
if [ "$resumed" -ge 1 ] && [ "$treset" = 0 ]; then
	tap_ok "node2 resumed B (takeover_resumed $resumed, takeover_reset 0)"
else
	tap_fail "node2 resumed B (takeover_resumed $resumed, takeover_reset $treset)"
fi
nd2b=$(topo_counter 2 net_dropped) nd3b=$(topo_counter 3 net_dropped)
if [ "$nd2b" = "$nd2" ] && [ "$nd3b" = "$nd3" ]; then
	tap_ok "B: no mirrored segment dropped as network traffic (net_dropped node2 +0, node3 +0)"
else
	tap_fail "B: no mirrored segment dropped as network traffic (net_dropped node2 +$((nd2b - nd2)), node3 +$((nd3b - nd3)))"
fi
tap_done
