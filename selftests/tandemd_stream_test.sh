#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Automatic failover with a client stream through the VIP (issue 4): three
# replicas run tandemd and the tstream server; a client streams BYTES to the
# VIP; the primary crashes (links cut first) at a random point; tandemd on
# the backups elects a new primary by itself; the stream must complete
# byte-exact with no reset and no EOF. Prints the failover pause. Run it
# alone: selftests/vm/run.sh tandemd_stream_test.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

PORT=5001
BYTES=${STREAM_BYTES:-$((12 * 1024 * 1024))}
RATE=${STREAM_RATE:-1M}
require_root
[ -x "$TD_BIN" ] || ksft_skip_all "no $TD_BIN (make -C ctl)"
[ -d /sys/module/tandem ] || ksft_skip_all "tandem.ko not loaded"
[ -x "$TSTREAM" ] || ksft_skip_all "no $TSTREAM (make -C selftests)"

tap_init 4

TD_GROUP_EXTRA="max-lag-bytes = 1G
max-lag-time = 600s"
TD_TAIL="[service g $PORT]"
td_up 3 || ksft_skip_all "no topology"
for i in 1 2 3; do
	vip_add $i
	node_exec $i sysctl -qw net.ipv4.tcp_orphan_retries=1 net.ipv4.tcp_fin_timeout=1
	tstream_server $i $PORT || echo "# no tstream server on node$i"
done
for i in 1 2 3; do td_start $i || echo "# tandemd did not start on node$i"; done
if wait_until 30 td_one_primary; then
	tap_ok "one primary elected"
else
	td_dump
	tap_fail "one primary elected"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
echo "# primary node$p, epoch $epoch"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client mark=$TOPO_DIR/mark
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate $RATE --seed $SRANDOM -t 60 \
	--progress-file "$progress" --mark-file "$mark" > "$out" 2> "$out.err" &
client=$!
at=$(( (SRANDOM % 4 + 3) * 1024 * 1024 ))
conns_seen() {
	tandem_node "$p" -j group show g | jq -e '.[0].agreement.conns >= 1' > /dev/null
}
if stream_wait_bytes "$progress" $((1024 * 1024)) 120 && wait_until 10 conns_seen; then
	tap_ok "the stream runs through the VIP; tandemd counts the protected connection"
else
	echo "# progress $(stream_progress "$progress")"
	tap_fail "the stream runs through the VIP; tandemd counts the protected connection"
fi
stream_wait_bytes "$progress" $at 120
touch "$mark"
node_crash "$p"
echo "# crashed node$p after $(stream_progress "$progress") verified bytes"
new_primary() { td_one_primary && [ "$(td_epoch "$(td_primaries)")" -gt "$epoch" ]; }
if wait_until 20 new_primary; then
	tap_ok "a backup took over automatically in a higher epoch"
else
	td_dump
	tap_fail "a backup took over automatically in a higher epoch"
fi
wait $client
json=$(cat "$out")
echo "# $json"
sed 's/^/# /' "$out.err"
if jq -e ".ok == 1 and .bytes_verified == $BYTES and .reset == 0 and .eof == 0" \
	<<< "$json" > /dev/null; then
	tap_ok "the stream survived byte-exact (pause after the crash: $(json_num "$json" pause_after_mark_ms) ms)"
else
	td_dump
	tap_fail "the stream survived byte-exact"
fi
tap_done
