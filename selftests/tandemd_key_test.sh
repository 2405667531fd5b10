#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A new group key by reload (issue 13), without overlap (key-overlap 0):
# three replicas run tandemd under a first key; the key file is replaced on
# every node and every tandemd gets SIGHUP. The agreement goes on under the
# new key at once, and so must the kernel's replication channel: with a stream through the VIP, tforge (selftests/tools)
# sends each backup, from the primary's replication address and port,
# datagrams tagged with the old key, then with the new one:
#  - under the old key, the stale-epoch datagrams fail the tag check:
#    chan_drop_tag grows by 3 * COUNT (wrong key, altered, stale) and
#    chan_drop_stale not at all (a kernel still on the old key would take
#    their tag and count them stale);
#  - under the new key, they pass the tag check and are dropped as stale:
#    chan_drop_stale grows by COUNT;
#  - the stream completes byte-exact.
# No overlap: datagrams between nodes that have and have not reloaded yet are
# dropped until they all have (tandemd_key_rotation_test.sh: with overlap).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

PORT=5001
COUNT=5
BYTES=$((32 * 1024 * 1024))
TFORGE=${TFORGE:-$_tap_dir/selftests/tools/tforge}
require_root
require_built "$TD_BIN"
require_module
require_built "$TSTREAM" "$TFORGE"

tap_init 7

TD_TIMERS="$TD_TIMERS
key-overlap = 0"

td_stream_up $PORT || ksft_skip_all "no topology"
if wait_until 30 td_one_primary; then
	tap_ok "one primary elected under the first key"
else
	td_dump
	tap_fail "one primary elected under the first key"
fi

# The new key in the same file (the configuration names the file).
key=$TOPO_DIR/group.key old=$TOPO_DIR/old.key
cp "$key" "$old"
(umask 077 && "$TANDEM_CLI" genkey > "$key.new") && mv "$key.new" "$key"
restarted() { td_log "$1" | grep -q "new key, no overlap"; }
all_restarted() { restarted 1 && restarted 2 && restarted 3; }
# node1 first: it refuses the others' agreement datagrams, and says so
# with their source address.
auth_logged() {
	td_log 1 | grep -Eq "agreement datagram\(s\) failed authentication \(wrong key, or altered\), the latest from ($(node_rep_addr 2)|$(node_rep_addr 3)) port $TD_AGREE_PORT claiming node [23]"
}
pid=$(td_pid 1) && kill -HUP "$pid" || echo "# no tandemd on node1"
if wait_until 20 auth_logged; then
	tap_ok "node1 under the new key logs the others' agreement datagrams failing authentication, with their address"
else
	td_log 1 | tail -5 | sed 's/^/# /'
	tap_fail "node1 under the new key logs the others' agreement datagrams failing authentication, with their address"
fi
for i in 2 3; do
	pid=$(td_pid $i) && kill -HUP "$pid" || echo "# no tandemd on node$i"
done
if ! cmp -s "$key" "$old" && wait_until 30 all_restarted &&
   wait_until 30 td_one_primary; then
	tap_ok "SIGHUP on every node: the agreement goes on under the new key, one primary"
else
	td_dump
	tap_fail "SIGHUP on every node: the agreement goes on under the new key, one primary"
fi
p=$(td_primaries)
backups=()
for i in 1 2 3; do [ "$i" != "$p" ] && backups+=("$i"); done
echo "# primary node$p, epoch $(td_epoch "$p"), backups ${backups[*]}"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate 1M --seed $SRANDOM -t 60 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
if stream_wait_bytes "$progress" $((1024 * 1024)) 120 && wait_until 10 td_conns_ge "$p" 1; then
	tap_ok "a stream runs through the VIP, protected"
else
	echo "# progress $(stream_progress "$progress")"
	tap_fail "a stream runs through the VIP, protected"
fi

ns_cnt_ge() { [ "$(topo_ns_counter "$1" "$2")" -ge "$3" ]; }

# forge KEYFILE: tforge from the primary to the backups with KEYFILE; waits
# until its replays (sent last) are counted; leaves the growth of
# chan_drop_tag and chan_drop_stale on each backup in tag[] and stale[]
declare -A tag stale
forge() {
	local i rc out
	declare -A t0 s0 r0
	for i in "${backups[@]}"; do
		t0[$i]=$(topo_ns_counter $i chan_drop_tag) s0[$i]=$(topo_ns_counter $i chan_drop_stale)
		r0[$i]=$(topo_ns_counter $i chan_drop_replay)
	done
	out=$(node_exec "$p" "$TFORGE" --key "$1" \
		--from "$(node_rep_addr "$p"):$TOPO_REPL_PORT" \
		--to "$(node_rep_addr "${backups[0]}"):$TOPO_REPL_PORT" \
		--to "$(node_rep_addr "${backups[1]}"):$TOPO_REPL_PORT" \
		--dev eth1 --count $COUNT)
	rc=$?
	echo "# tforge --key $(basename "$1"): exit $rc: $out"
	[ $rc -eq 0 ] || return 1
	for i in "${backups[@]}"; do
		wait_until 30 ns_cnt_ge $i chan_drop_replay $((r0[$i] + COUNT)) || return 1
	done
	for i in "${backups[@]}"; do
		tag[$i]=$(( $(topo_ns_counter $i chan_drop_tag) - t0[$i] ))
		stale[$i]=$(( $(topo_ns_counter $i chan_drop_stale) - s0[$i] ))
		echo "# node$i: chan_drop_tag +${tag[$i]}, chan_drop_stale +${stale[$i]}"
	done
}

# grew TAG STALE: every backup's counters grew by exactly that
grew() {
	local i
	for i in "${backups[@]}"; do
		[ "${tag[$i]}" -eq "$1" ] && [ "${stale[$i]}" -eq "$2" ] || return 1
	done
}

if forge "$old" && grew $((3 * COUNT)) 0; then
	tap_ok "the kernel rejects the old key: stale datagrams under it fail the tag check"
else
	tap_fail "the kernel rejects the old key: stale datagrams under it fail the tag check"
fi
if forge "$key" && grew $((2 * COUNT)) $COUNT; then
	tap_ok "the kernel holds the new key: stale datagrams under it pass the tag check"
else
	tap_fail "the kernel holds the new key: stale datagrams under it pass the tag check"
fi

wait $client
json=$(cat "$out")
echo "# client: $json"
sed 's/^/# /' "$out.err"
if jq -e ".ok == 1 and .bytes_verified == $BYTES and .reset == 0 and .eof == 0 and
	  .mismatch == 0" <<< "$json" > /dev/null; then
	tap_ok "the stream completed byte-exact"
else
	td_dump
	tap_fail "the stream completed byte-exact"
fi
tap_done
