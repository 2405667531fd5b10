#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A primary whose lease lapses and that is re-elected before anybody else
# was primary resumes every connection (issue 10, fence_resume): tandemd on
# three nodes, a stream through the VIP; every tandemd is frozen (SIGSTOP:
# a host-wide stall), the primary's kernel lease lapses and fences it, its
# connection suspended, not unprotected. The primary's tandemd resumes
# first, then at once the others: it stands again with its suspended
# connection in its rank, wins, and the quorum's prior epoch (docs/agreement.md,
# "Resuming after a lapse") proves that nobody else was primary in between:
# the kernel resumes the connection (fence_resumed, no takeover_reset) and
# the stream completes byte-exact.
#
# The stall watcher dumps every node if the stream stands still for 5 s
# outside the freeze (printed when the stream's check fails).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

PORT=5008
BYTES=$((16 << 20))
RATE=512K	# 32 s: the stream runs across the freeze
require_root
require_command jq
require_built "$TD_BIN" "$TSTREAM"
require_module

tap_init 6

_flagged() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -e --arg f "$2" 'any(.[0].flags[]; . == $f)' >/dev/null 2>&1
}

if ! td_stream_up $PORT || ! wait_until 30 td_one_primary; then
	td_dump
	tap_fail "tandemd on three nodes elects a primary"
	tap_skip_rest "no primary"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
tap_ok "tandemd on three nodes elects a primary (node$p, epoch $epoch)"
# Equal counts after the stall: the tie goes to the lowest id.
[ "$p" = 1 ] || tap_skip_rest "the first primary is node$p: a tie after the stall goes to node1"

progress=$TOPO_DIR/progress out=$TOPO_DIR/client
tstream_client $TOPO_VIP:$PORT -b $BYTES --seed $SRANDOM -t 120 --rate $RATE \
	--progress-file "$progress" > "$out" 2> "$out.err" &
client=$!
stream_stall_watch "$progress" 5 "$TOPO_DIR/stall" $client &
stream_wait_bytes "$progress" $((1 << 20)) 120 $client
protected_all() { td_conns_ge 1 1 && td_conns_ge 2 1 && td_conns_ge 3 1; }
wait_until 30 protected_all || echo "# not every node protects the connection"

echo "# $(stream_progress "$progress") bytes verified: freezing every tandemd"
# The stall: every daemon frozen, the primary's kernel lease runs out.
# (topo_down kills the frozen daemons too, on any path.)
for i in 1 2 3; do td_signal $i STOP; done
if wait_until 20 td_role_is "$p" fenced && _flagged "$p" suspended &&
   ! _flagged "$p" unprotected; then
	tap_ok "every tandemd frozen: node$p's lease lapsed, its connection suspended"
else
	tandem_node "$p" conn show group g | sed 's/^/# /'
	tap_fail "every tandemd frozen: node$p's lease lapsed, its connection suspended"
fi

# Every daemon again, node$p's first: the first thing it does is to see
# its lease lapsed; with its suspended connection counted it outranks the
# others (a tie broken by the lowest id), and vetoes their candidacies.
# (Resumed alone, it would fail to reach a majority and, for a while,
# veto nobody: docs/agreement.md, "Election rank".)
td_signal "$p" CONT
for i in 1 2 3; do [ "$i" = "$p" ] || td_signal $i CONT; done
reelected() {
	td_one_primary && [ "$(td_primaries)" = "$p" ] && [ "$(td_epoch "$p")" -gt "$epoch" ]
}
if wait_until 30 reelected; then
	tap_ok "node$p re-elected in a higher epoch ($(td_epoch "$p"))"
else
	td_dump
	tap_fail "node$p re-elected in a higher epoch"
fi
echo "# node$p: $(topo_counters "$p")"
if [ "$(topo_counter "$p" fence_resumed)" = 1 ] &&
   [ "$(topo_counter "$p" takeover_reset)" = 0 ] &&
   [ "$(topo_counter "$p" takeover_resumed)" -ge 1 ]; then
	tap_ok "it resumed its suspended connection (fence_resumed, no reset)"
else
	td_log "$p" | grep -i "primary\|fenced\|suspend" | tail -n 5 | sed 's/^/# /'
	tap_fail "it resumed its suspended connection (fence_resumed, no reset)"
fi
if td_log "$p" | grep -q "suspended connections resumed"; then
	tap_ok "its tandemd logged the resumption"
else
	tap_fail "its tandemd logged the resumption"
fi

wait $client
json=$(cat "$out")
if stream_exact "$json" $BYTES; then
	echo "# $json"
	tap_ok "the stream completed byte-exact, no RST, no EOF"
else
	td_dump
	[ -s "$TOPO_DIR/stall" ] && sed 's/^/# /' "$TOPO_DIR/stall"
	sed 's/^/# /' "$out.err"
	echo "# $json"
	tap_fail "the stream completed byte-exact, no RST, no EOF"
fi
tap_done
