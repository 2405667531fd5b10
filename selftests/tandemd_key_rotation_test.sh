#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A key rotation with overlap (issue 13): three replicas run tandemd under a
# first key with a stream through the VIP. The key file is replaced and the
# nodes are reloaded one after the other (SIGHUP), all within key-overlap:
#  - no failover: no role or epoch change on any node between the first
#    node's "new key accepted" and the last one's "key rotation done"
#    (tandemd's logs), the stream still running then;
#  - no datagram dropped for authentication: chan_drop_tag of every
#    node's kernel and rx_dropped of every tandemd's agreement unchanged,
#    while chan_auth_key_alt grew (the overlap was used);
#  - once every node is done (2 * key-overlap), the old key is refused:
#    tforge's stale datagrams under it fail the tag check on the backups
#    (under the new key they pass it and are dropped as stale), and the
#    kernel logs the failure with the sender's address (a second stream
#    gives tforge the SEGMENTs it copies);
#  - both streams complete byte-exact.
# timeout=600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

PORT=5001
COUNT=5
OVERLAP=20
BYTES=$((48 * 1024 * 1024))
TFORGE=${TFORGE:-$_tap_dir/selftests/tools/tforge}
require_root
require_built "$TD_BIN"
require_module
require_built "$TSTREAM" "$TFORGE"

tap_init 7

# A lease of 6 s: on a loaded host under TCG, 2 s lapses now and then
# (renewals 1.5 s late), a failover that would say nothing of the keys.
TD_TIMERS="heartbeat = 200ms
miss = 10
lease = 6s
election-timeout = 600ms
stagger = 200ms
backoff = 400ms
margin = 100ms
conns-interval = 500ms
key-overlap = ${OVERLAP}s"
td_stream_up $PORT || ksft_skip_all "no topology"
if wait_until 30 td_one_primary; then
	tap_ok "one primary elected under the first key"
else
	td_dump
	tap_fail "one primary elected under the first key"
fi
p=$(td_primaries)
progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate 512K --seed $SRANDOM -t 200 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
if stream_wait_bytes "$progress" $((1024 * 1024)) 120 && wait_until 10 td_conns_ge "$p" 1; then
	tap_ok "a stream runs through the VIP, protected"
else
	echo "# progress $(stream_progress "$progress")"
	tap_fail "a stream runs through the VIP, protected"
fi

p=$(td_primaries) epoch=$(td_epoch "$p")
echo "# primary node$p, epoch $epoch"

agree_dropped() { td_status "$1" | jq -r '.[0].agreement.rx_dropped // "none"'; }
declare -A tag0 alt0 agr0
for i in 1 2 3; do
	tag0[$i]=$(topo_ns_counter $i chan_drop_tag) alt0[$i]=$(topo_ns_counter $i chan_auth_key_alt)
	agr0[$i]=$(agree_dropped $i)
done

# The new key in the same file; each node reads it when it is reloaded.
key=$TOPO_DIR/group.key old=$TOPO_DIR/old.key
cp "$key" "$old"
(umask 077 && "$TANDEM_CLI" genkey > "$key.new") && mv "$key.new" "$key"
accepted() { td_log "$1" | grep -q "new key accepted"; }
done_on() { td_log "$1" | grep -q "key rotation done"; }
ok=1
for i in 1 2 3; do
	pid=$(td_pid $i) && kill -HUP "$pid" && wait_until $OVERLAP accepted $i || ok=0
	echo "# node$i reloaded"
done
# Every node reloaded within the overlap of the first (else the test proves
# nothing), by the logs' stamps: the VM's monotonic clock, one for all
# nodes (the host's commands into the VM are slower than the reloads).
stamps() { td_log "$1" | sed -n "s/^\[\([0-9.]*\)\] [a-z]*: group g: $2.*/\1/p"; }
spread=$(for i in 1 2 3; do stamps $i "new key accepted"; done | sort -n |
	 awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR == 3) printf "%.1f", b - a }')
echo "# the three reloads within ${spread:-?} s"
if [ $ok = 1 ] && ! cmp -s "$key" "$old" && [ -n "$spread" ] &&
   awk -v s="$spread" -v w=$OVERLAP 'BEGIN { exit !(s < w) }'; then
	tap_ok "nodes reloaded one by one within key-overlap (${OVERLAP} s): the new key accepted"
else
	td_dump
	tap_fail "nodes reloaded one by one within key-overlap (${OVERLAP} s): the new key accepted"
fi

all_done() { done_on 1 && done_on 2 && done_on 3; }
wait_until $((4 * OVERLAP)) all_done || echo "# the rotation did not end on every node"
at_end=$(stream_progress "$progress")
echo "# the stream at the end of the rotation: $at_end of $BYTES bytes"
# The rotation ran from the first "new key accepted" to the last "key
# rotation done". No role or epoch change in between, on any node: no
# failover.
# (On a host loaded enough to delay renewals by seconds, a lease may lapse
# later in the test: not the rotation's doing, and not counted.)
t0=$(for i in 1 2 3; do stamps $i "new key accepted"; done | sort -n | head -1)
t1=$(for i in 1 2 3; do stamps $i "key rotation done"; done | sort -n | tail -1)
moved=0
for i in 1 2 3; do
	lines=$(td_log $i | awk -v a="${t0:-0}" -v b="${t1:-0}" -F'[][]' '
		/group g: (role .* -> |primary in epoch|following node|fenced in epoch)/ &&
		$2 + 0 >= a && $2 + 0 <= b')
	[ -z "$lines" ] && continue
	sed "s/^/# node$i during the rotation: /" <<< "$lines"
	moved=$((moved + $(wc -l <<< "$lines")))
done
fails=0 alts=0
for i in 1 2 3; do
	tag=$(( $(topo_ns_counter $i chan_drop_tag) - tag0[$i] ))
	alt=$(( $(topo_ns_counter $i chan_auth_key_alt) - alt0[$i] ))
	agr=$(agree_dropped $i)
	echo "# node$i: role $(td_role $i), epoch $(td_epoch $i), chan_drop_tag +$tag, chan_auth_key_alt +$alt, agreement rx_dropped ${agr0[$i]} -> $agr"
	[ "$tag" -eq 0 ] && [ "$agr" = "${agr0[$i]}" ] || fails=$((fails + 1))
	alts=$((alts + alt))
done
echo "# rotation from ${t0:-?} s to ${t1:-?} s (VM clock): $moved role or epoch changes"
if all_done && [ -n "$t0" ] && [ -n "$t1" ] && [ "$moved" -eq 0 ] && [ $fails -eq 0 ] &&
   [ "${at_end:-0}" -lt $BYTES ]; then
	tap_ok "the stream running, no failover during the rotation (node$p primary in epoch $epoch), no datagram dropped for authentication"
else
	td_dump
	tap_fail "the stream running, no failover during the rotation (node$p primary in epoch $epoch), no datagram dropped for authentication"
fi
if [ $alts -gt 0 ]; then
	tap_ok "the overlap was used: $alts datagrams authenticated under the alternate key"
else
	tap_fail "the overlap was used: $alts datagrams authenticated under the alternate key"
fi

ns_cnt_ge() { [ "$(topo_ns_counter "$1" "$2")" -ge "$3" ]; }

# forge KEYFILE: tforge's stale and replayed datagrams from the primary to
# the backups under KEYFILE; the growth of chan_drop_tag and chan_drop_stale
# on each backup in tag[] and stale[]
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
		--dev eth1 --count $COUNT 2>&1)
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

grew() {
	local i
	for i in "${backups[@]}"; do
		[ "${tag[$i]}" -eq "$1" ] && [ "${stale[$i]}" -eq "$2" ] || return 1
	done
}

# The primary now (a lease lapsed since on a loaded host moves it), and a
# second stream: tforge copies the SEGMENTs it mirrors.
wait_until 30 td_one_primary || echo "# no single primary"
p=$(td_primaries)
backups=()
for i in 1 2 3; do [ "$i" != "$p" ] && backups+=("$i"); done
echo "# primary node$p, backups ${backups[*]}"
progress2=$TOPO_DIR/progress2 out2=$TOPO_DIR/client2
BYTES2=$((16 * 1024 * 1024))
tstream_client $TOPO_VIP:$PORT -b $BYTES2 --rate 512K --seed $SRANDOM -t 200 \
	--progress-file "$progress2" > "$out2" 2> "$out2.err" &
client2=$!
stream_wait_bytes "$progress2" $((256 * 1024)) 60 || echo "# the second stream does not run"
kmsg_mark
if forge "$old" && grew $((3 * COUNT)) 0 && forge "$key" && grew $((2 * COUNT)) $COUNT &&
   kmsg_since |
   grep -q "group g: a datagram from node $p at $(node_rep_addr "$p"):$TOPO_REPL_PORT failed authentication"; then
	tap_ok "after the rotation the old key is refused (logged with the sender's address), the new one taken"
else
	dmesg | tail -5 | sed 's/^/# /'
	echo "# progress $(stream_progress "$progress"); node$p's connections:"
	tandem_node "$p" conn show 2>&1 | sed 's/^/#   /'
	td_dump
	tap_fail "after the rotation the old key is refused (logged with the sender's address), the new one taken"
fi

wait $client $client2
json=$(cat "$out") json2=$(cat "$out2")
echo "# client: $json"
echo "# second client: $json2"
sed 's/^/# /' "$out.err" "$out2.err"
if jq -e ".ok == 1 and .bytes_verified == $BYTES and .reset == 0 and .eof == 0 and
	  .mismatch == 0" <<< "$json" > /dev/null &&
   jq -e ".ok == 1 and .bytes_verified == $BYTES2 and .reset == 0 and .eof == 0 and
	  .mismatch == 0" <<< "$json2" > /dev/null; then
	tap_ok "both streams completed byte-exact"
else
	td_dump
	tap_fail "both streams completed byte-exact"
fi
tap_done
