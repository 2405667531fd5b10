#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two nodes and a witness (issue 4): the witness runs tandemd with no
# kernel group and votes; the two data nodes elect a primary; the primary
# crashes (links cut, processes killed) and the other node, with the
# witness's vote, becomes primary in a higher epoch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

require_root
require_built "$TD_BIN"
require_module

tap_init 4

td_up 3 3 || ksft_skip_all "no topology"
for i in 1 2 3; do td_start $i || echo "# tandemd did not start on node$i"; done
if wait_until 30 td_one_primary && [ "$(td_primaries)" != 3 ]; then
	tap_ok "two nodes and a witness elect one of the two nodes"
else
	td_dump
	tap_fail "two nodes and a witness elect one of the two nodes"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
echo "# primary node$p, epoch $epoch"

if ! tandem_node 3 group show g > /dev/null 2>&1 &&
   grep -q "started as node 3 (witness)" "$TOPO_DIR/tandemd.node3.log" &&
   tandem_node "$p" -j group show g | jq -e '.[0].agreement.members |
	any(.[]; .node_id == 3 and .witness and .alive)' > /dev/null; then
	tap_ok "the witness has no kernel group, votes and is heard"
else
	td_dump
	tap_fail "the witness has no kernel group, votes and is heard"
fi

o=$((3 - p))
node_crash "$p"
if wait_until 20 td_role_is $o primary && [ "$(td_epoch $o)" -gt "$epoch" ]; then
	tap_ok "the primary crashes: node$o becomes primary in a higher epoch with the witness's vote"
else
	td_dump
	tap_fail "the primary crashes: node$o becomes primary in a higher epoch with the witness's vote"
fi

# The witness alone with node$o: past a whole lease (2 s) node$o is still
# primary, so the witness's acks renew it.
since=${EPOCHREALTIME/[.,]/}
lease_passed() { [ $(( ${EPOCHREALTIME/[.,]/} - since )) -gt 2500000 ]; }
lease_renewed() {
	tandem_node $o -j group show g | jq -e '.[0].role == "primary" and
		.[0].lease_remaining_ms > 0 and .[0].agreement.lease_remaining_ms > 0' > /dev/null
}
if wait_until 5 lease_passed && lease_renewed; then
	tap_ok "node$o keeps its lease past its length with the witness's acks"
else
	td_dump
	tap_fail "node$o keeps its lease past its length with the witness's acks"
fi
tap_done
