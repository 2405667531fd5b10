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
require_built "$TD_BIN"
require_module
require_built "$TSTREAM"

tap_init 4

td_stream_up $PORT || ksft_skip_all "no topology"
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
if stream_wait_bytes "$progress" $((1024 * 1024)) 120 && wait_until 10 td_conns_ge "$p" 1; then
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
