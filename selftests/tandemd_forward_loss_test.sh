#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=600
#
# A switchover asked on a backup goes to the primary in one datagram each
# way (ctl/tandemd/forward.c): the backup sends it again until answered,
# with the same request id, and the primary runs it once and answers every
# copy alike. Three nodes:
#   1. the backup's replication egress drops everything (netem loss 100%)
#      when it sends the request, and delivers again a moment later: a copy
#      gets through, the reply names the new primary (not "pending");
#   2. ROUNDS forwarded switchovers with 20% loss on every node's
#      replication egress (each request and each answer may be lost): each
#      reply names the primary of a higher epoch, never "pending" nor a
#      refusal (a copy arriving after the handover is answered as the
#      first was), and the primary runs each request once (its log). (The
#      election under loss at times elects the old primary again: the
#      reply names it then, in its new epoch. A handover lost on the way to
#      its target waits for the old lease, 2 s here: a forwarded
#      switchover is answered within 4 s.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

ROUNDS=${FWD_ROUNDS:-6}
require_root
require_built "$TD_BIN"
require_module

tap_init $((2 + ROUNDS))

td_up 3 || ksft_skip_all "no topology"
td_start_all || echo "# tandemd did not start everywhere"

# settled: one primary, and in its view every member alive, not quiet
settled() {
	td_one_primary && tandem_node "$(td_primaries)" -j group show g |
		jq -e '.[0].agreement.members | all(.[]; .alive and (.quiet | not))' > /dev/null
}
if wait_until 60 settled; then
	tap_ok "one primary elected, every member alive and past its quiet period"
else
	td_dump
	tap_fail "one primary elected, every member alive and past its quiet period"
fi

# asked P: how many switchovers P's tandemd ran for another node
asked() { td_log "$1" | grep -c "switchover asked on node"; }

# forward B EPOCH REPLY: a switchover asked on backup B, its JSON reply in
# REPLY; true if it names a primary of an epoch above EPOCH (not pending)
forward() {
	tandem_node "$1" -j switchover g > "$3" 2>&1
	jq -e --argjson e "$2" '.ok and .primary > 0 and .epoch > $e and (.pending | not)' \
		"$3" > /dev/null
}

# after EPOCH: one primary, of a higher epoch
after() { td_one_primary && [ "$(td_epoch "$(td_primaries)")" -gt "$1" ]; }

# 1. the request's first copy lost for sure
p=$(td_primaries)
e=$(td_epoch "$p")
b=$((p % 3 + 1))
reply=$TOPO_DIR/reply
n=$(td_log "$b" | grep -c "forwarded to the primary")
forwarded() { [ "$(td_log "$b" | grep -c "forwarded to the primary")" -gt "$n" ]; }
rep_netem "$b" loss 100%
forward "$b" "$e" "$reply" &
pid=$!
wait_until 10 forwarded
rep_netem_clear "$b"
if wait "$pid" && td_wait_failover "$p" "$e" > /dev/null; then
	tap_ok "the request's first copy lost: another copy gets through, the reply names node$(jq .primary "$reply")"
else
	echo "# reply: $(cat "$reply")"
	td_dump
	tap_fail "the request's first copy lost: another copy gets through, the reply names the new primary"
fi

# 2. 20% loss each way, every node
for i in 1 2 3; do rep_netem $i loss 20% || ksft_skip_all "netem failed"; done
for ((r = 1; r <= ROUNDS; r++)); do
	if ! wait_until 60 settled; then
		td_dump
		tap_fail "20% loss, round $r: no settled group to ask a switchover of"
		continue
	fi
	p=$(td_primaries)
	e=$(td_epoch "$p")
	b=$(((p + r) % 3 + 1))
	[ "$b" = "$p" ] && b=$((p % 3 + 1))
	before=$(asked "$p")
	t0=$SECONDS
	if forward "$b" "$e" "$reply" && wait_until 20 after "$e" &&
	   [ "$(asked "$p")" = $((before + 1)) ]; then
		# (under loss the old primary is at times elected again)
		tap_ok "20% loss, round $r: switchover asked on node$b, run once by node$p, the reply names node$(jq .primary "$reply") in $(jq -r .epoch_str "$reply") ($((SECONDS - t0)) s)"
	else
		echo "# reply: $(cat "$reply"); node$p ran $(($(asked "$p") - before)) requests"
		td_dump
		tap_fail "20% loss, round $r: switchover asked on node$b, run once by node$p, the reply names the primary of a higher epoch"
	fi
done

tap_done
