#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd failover on three nodes (issue 4): tandemd killed on the primary
# (its kernel lease lapses and fences it, a backup takes over in a higher
# epoch); the killed tandemd restarted (rejoins as a backup, the primary
# and its epoch untouched); the primary's replication link cut (it fences
# itself before the new primary is elected, then rejoins as a backup).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

require_root
require_built "$TD_BIN"
require_module

tap_init 8

td_up 3 || ksft_skip_all "no topology"
for i in 1 2 3; do td_start $i || echo "# tandemd did not start on node$i"; done
if wait_until 30 td_one_primary; then
	tap_ok "three nodes elect one primary"
else
	td_dump
	tap_fail "three nodes elect one primary"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
echo "# primary node$p, epoch $epoch"

# new_primary OLD EPOCH: one primary, not OLD, above EPOCH (OLD skipped)
new_primary() {
	TD_SKIP=$1 td_one_primary && [ "$(td_primaries)" != "$1" ] &&
		[ "$(td_epoch "$(td_primaries)")" -gt "$2" ]
}

td_kill "$p" KILL
if wait_until 10 td_role_is "$p" fenced; then
	tap_ok "tandemd killed on the primary: its kernel lease lapses, the node is fenced"
else
	td_dump
	tap_fail "tandemd killed on the primary: its kernel lease lapses, the node is fenced"
fi
if out=$(td_wait_failover "$p" "$epoch"); then
	tap_ok "a backup becomes primary in a higher epoch"
else
	td_dump
	tap_fail "a backup becomes primary in a higher epoch"
fi
read -r p2 epoch2 <<< "$out"
echo "# primary node$p2, epoch $epoch2"

# The old primary restarts: it follows the new one; once its quiet period
# is over (it could vote and stand again), nothing has moved.
td_start "$p"
rejoined() {
	td_one_primary && [ "$(td_primaries)" = "$p2" ] &&
	tandem_node "$p" -j group show g |
		jq -e '.[0].agreement.members[] | select(.self) | .quiet | not' > /dev/null
}
if wait_until 20 rejoined && [ "$(td_epoch "$p2")" = "$epoch2" ] &&
   [ "$(td_role "$p")" = backup ]; then
	tap_ok "the restarted node rejoins as a backup, the primary's epoch unchanged"
else
	td_dump
	tap_fail "the restarted node rejoins as a backup, the primary's epoch unchanged"
fi

# Cut the primary's replication link only: it must fence itself before
# anybody else becomes primary (CLOCK_MONOTONIC stamps of the logs, one
# clock for every namespace of the VM).
ip -n "$(node_ns sw)" link set "r$p2" down
if wait_until 20 td_role_is "$p2" fenced; then
	tap_ok "the partitioned primary is fenced"
else
	td_dump
	tap_fail "the partitioned primary is fenced"
fi
if wait_until 20 new_primary "$p2" "$epoch2"; then
	tap_ok "the connected majority elects a new primary in a higher epoch"
else
	td_dump
	tap_fail "the connected majority elects a new primary in a higher epoch"
fi
p3=$(td_primaries)
epoch3=$(td_epoch "$p3")
stamp() { sed -n "s/^\[\([0-9.]*\)\] .*$2.*/\1/p" "$TOPO_DIR/tandemd.node$1.log" | tail -n 1; }
fenced_at=$(stamp "$p2" "fenced in epoch $(td_epoch_str "$epoch2")")
elected_at=$(stamp "$p3" "primary in epoch $(td_epoch_str "$epoch3")")
echo "# node$p2 fenced at $fenced_at, node$p3 primary at $elected_at (epoch $epoch3)"
if [ -n "$fenced_at" ] && [ -n "$elected_at" ] &&
   awk -v f="$fenced_at" -v e="$elected_at" 'BEGIN { exit !(f < e) }'; then
	tap_ok "the old primary fenced itself before the new primary was elected"
else
	td_dump
	tap_fail "the old primary fenced itself before the new primary was elected"
fi

ip -n "$(node_ns sw)" link set "r$p2" up
if wait_until 20 td_one_primary && [ "$(td_primaries)" = "$p3" ] &&
   [ "$(td_epoch "$p2")" = "$epoch3" ]; then
	tap_ok "the link back: the old primary rejoins as a backup of epoch $epoch3"
else
	td_dump
	tap_fail "the link back: the old primary rejoins as a backup of epoch $epoch3"
fi
tap_done
