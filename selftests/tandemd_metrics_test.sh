#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd's metrics (issue 13): three replicas with a stream through the
# VIP; metrics-file is added to each node's [node] and tandemd reloaded.
# Each node writes a textfile for node_exporter that is a strict Prometheus
# exposition (prom_check, prom_lib.sh; first shown to refuse malformed
# ones) and says what the kernel and the agreement say: the primary's role,
# the epoch (and its BALLOT.NODE), the primary's lease, the members heard,
# the kernel's counters, the protected connection, the promotions.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"
. "$(dirname "$0")/prom_lib.sh"

PORT=5001
BYTES=$((16 * 1024 * 1024))
require_root
require_built "$TD_BIN"
require_module
require_built "$TSTREAM"
require_command awk

tap_init 6

# The checker itself: each of these must be refused.
bad=0 tmp=$(mktemp) && on_exit rm -f "$tmp"
hd='# HELP a x\n# TYPE a gauge\n'
for text in "# HELP a x\n# TYPE a counter\na 3\n" "${hd}a 3\n# HELP b x\n# TYPE b gauge\nb 1\na 2\n" \
	    "${hd}a{g=\"1\"} 3\na{g=\"1\"} 3\n" "a 3\n" "${hd}a{g=1} 3\n" "${hd}a 3 \n" "${hd}a 3" \
	    "${hd}a x\n" "${hd}\na 1\n" "${hd}a{g=\"1\",g=\"2\"} 1\n" "${hd}a{g=\"\\\\q\"} 1\n"; do
	printf "$text" > "$tmp"
	prom_check "$tmp" > /dev/null && { echo "# accepted: $text"; bad=$((bad + 1)); }
done
printf '# HELP a_total x y\n# TYPE a_total counter\na_total{g="a\\"b\\\\c\\n"} 3\n' > "$tmp"
if [ $bad -eq 0 ] && prom_check "$tmp"; then
	tap_ok "prom_check refuses 11 malformed expositions and takes a valid one"
else
	tap_fail "prom_check refuses 11 malformed expositions and takes a valid one"
fi

td_stream_up $PORT || ksft_skip_all "no topology"
if wait_until 30 td_one_primary; then
	tap_ok "one primary elected"
else
	td_dump
	tap_fail "one primary elected"
fi
p=$(td_primaries)

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --rate 512K --seed $SRANDOM -t 120 \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
stream_wait_bytes "$progress" $((256 * 1024)) 120 && wait_until 10 td_conns_ge "$p" 1 ||
	echo "# the stream is not running: progress $(stream_progress "$progress")"

prom() { echo "$TOPO_DIR/metrics.$1.prom"; }
for i in 1 2 3; do
	sed -i "/^\[node\]/a metrics-file = $(prom $i)\nmetrics-interval = 300ms" "$(td_conf $i)"
	pid=$(td_pid $i) && kill -HUP "$pid"
done
written() { [ -s "$(prom 1)" ] && [ -s "$(prom 2)" ] && [ -s "$(prom 3)" ]; }
ok=1
if wait_until 30 written; then
	for i in 1 2 3; do
		prom_check "$(prom $i)" || { ok=0; echo "# node$i's file:"; sed 's/^/#   /' "$(prom $i)" | head -40; }
	done
else
	ok=0
	echo "# not written: $(ls "$TOPO_DIR"/metrics.* 2>&1)"
fi
[ $ok = 1 ] && tap_ok "every node writes its textfile, a strict exposition" ||
	tap_fail "every node writes its textfile, a strict exposition"

# Values, once a file written after the connection is protected.
protected() { [ "$(prom_value "$(prom "$p")" 'tandem_connections{group="g",state="protected"}')" -ge 1 ] 2>/dev/null; }
wait_until 20 protected || echo "# no protected connection in node$p's file"
f=$(prom "$p") e=$(td_epoch "$p")
sed -n '/^tandem_role\|^tandem_epoch\|^tandem_lease\|^tandem_member\|^tandem_connections\|^tandem_promotions\|^tandem_kernel_chan_tx_total/p' "$f" | sed 's/^/# /'
v() { prom_value "$f" "$1"; }
if [ "$(v 'tandem_role{group="g",role="primary"}')" = 1 ] &&
   [ "$(v 'tandem_role{group="g",role="backup"}')" = 0 ] &&
   [ "$(v 'tandem_epoch{group="g"}')" = "$e" ] &&
   [ "$(v 'tandem_epoch_ballot{group="g"}')" = $((e >> 32)) ] &&
   [ "$(v 'tandem_epoch_node{group="g"}')" = $((e & 0xffffffff)) ] &&
   [ "$(v 'tandem_promotions_total{group="g"}')" -ge 1 ] &&
   awk -v l="$(v 'tandem_lease_remaining_seconds{group="g"}')" 'BEGIN { exit !(l > 0) }'; then
	tap_ok "the primary's file: role primary, epoch $e ($((e >> 32)).$((e & 0xffffffff))), a lease, a promotion"
else
	tap_fail "the primary's file: role primary, epoch $e, a lease, a promotion"
fi
heard=0
for i in 1 2 3; do
	[ "$i" = "$p" ] && continue
	[ -n "$(v "tandem_member_last_heard_seconds{group=\"g\",member=\"$i\"}")" ] && heard=$((heard + 1))
done
tx=$(v 'tandem_kernel_chan_tx_total{group="g"}') mirrored=$(v 'tandem_kernel_mirrored_total{group="g"}')
# One file for every value: a later one may be between two kernel reads.
if [ "$(v 'tandem_connections{group="g",state="protected"}')" -ge 1 ] 2>/dev/null &&
   [ $heard -eq 2 ] && [ "${tx:-0}" -gt 0 ] && [ "${mirrored:-0}" -gt 0 ] &&
   [ -n "$(v 'tandem_lag_bytes{group="g"}')" ] &&
   [ "$(v 'tandem_kernel_chan_drop_tag_total{group="g"}')" = 0 ]; then
	tap_ok "the primary's file: a protected connection, both members heard, kernel counters (chan_tx $tx, mirrored $mirrored)"
else
	tap_fail "the primary's file: a protected connection, both members heard, kernel counters"
fi
wait $client
json=$(cat "$out")
if jq -e ".ok == 1 and .bytes_verified == $BYTES and .mismatch == 0" <<< "$json" > /dev/null; then
	tap_ok "the stream completed byte-exact (reloads for the metrics disturbed nothing)"
else
	echo "# client: $json"
	td_dump
	tap_fail "the stream completed byte-exact (reloads for the metrics disturbed nothing)"
fi
tap_done
