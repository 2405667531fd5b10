#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A second heartbeat link (issue 4, "optionally a second link"): every
# member has an addr2 on a second bridge; tandemd sends every agreement
# datagram on both links, takes each once (the other copy counted as a
# duplicate) and holds a peer alive while either link delivers. Cutting
# either link of the primary alone moves nothing (same primary, same epoch,
# its peers alive, heard on the other link only); cutting both fences it
# and the others elect a new primary; with the links back it rejoins as a
# backup. The backups log each link of the primary down and up, and the
# primary lost only when both are cut, regained when they are back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

require_root
require_built "$TD_BIN"
require_module

tap_init 9

td_up 3 || ksft_skip_all "no topology"
td_link2_up || ksft_skip_all "no second link"
td_configure || ksft_skip_all "no configuration"
grep -q "^member = 1 10.201.0.11 addr2 10.202.0.11$" "$(td_conf 1)" ||
	ksft_skip_all "no addr2 in $(td_conf 1)"
for i in 1 2 3; do td_start $i || echo "# tandemd did not start on node$i"; done
settled() {
	td_one_primary && tandem_node "$(td_primaries)" -j group show g |
		jq -e '.[0].agreement.members | all(.[]; .alive and (.quiet | not))' > /dev/null
}
if wait_until 60 settled; then
	tap_ok "three nodes with two links elect one primary"
else
	td_dump
	tap_fail "three nodes with two links elect one primary"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
echo "# primary node$p, epoch $epoch"

# heard NODE A B: in NODE's view every other member was heard on link 1
# within A ms (or not within 1 s, if A is "stale"), and likewise on link 2
heard() {
	local f1 f2
	case $2 in stale) f1='.links[0] == null or .links[0] > 1000' ;; *) f1=".links[0] != null and .links[0] < $2" ;; esac
	case $3 in stale) f2='.links[1] == null or .links[1] > 1000' ;; *) f2=".links[1] != null and .links[1] < $3" ;; esac
	tandem_node "$1" -j group show g | jq -e "[.[0].agreement.members[] | select(.self | not) |
		select(.alive and ($f1) and ($f2))] | length == 2" > /dev/null
}
show() { tandem_node "$1" -j group show g | jq -c '.[0].agreement | {epoch, rx_replayed, rx_duplicates,
	members: [.members[] | {node_id, alive, links}]}' | sed "s/^/# node$1: /"; }

b=$(( p % 3 + 1 ))
dups() { tandem_node "$b" -j group show g | jq -e '.[0].agreement.rx_duplicates > 0' > /dev/null; }
if wait_until 20 heard "$p" 1000 1000 && wait_until 20 dups; then
	show "$p"; show "$b"
	tap_ok "every datagram on both links, the second copy dropped as a duplicate"
else
	show "$p"; show "$b"
	tap_fail "every datagram on both links, the second copy dropped as a duplicate"
fi

# steady SECS: for SECS seconds, p stays the one primary in epoch $epoch
# (a negative check: it has to last)
unmoved() { td_one_primary && [ "$(td_primaries)" = "$p" ] && [ "$(td_epoch "$p")" = "$epoch" ]; }
moved() { ! unmoved; }
steady() { ! wait_until "$1" moved; }

# Long enough for the backups to suspect the primary (miss 5 x 100 ms)
# and for every grant to it to run out (2.05 s) several times over.
sw=$(node_ns sw)
for link in 1 2; do
	dev=r$p
	[ $link = 2 ] && dev=h$p
	ip -n "$sw" link set "$dev" down
	if steady 8 && wait_until 10 heard "$p" "$([ $link = 1 ] && echo stale || echo 1000)" \
		"$([ $link = 2 ] && echo stale || echo 1000)"; then
		show "$p"
		tap_ok "link $link of the primary cut: no failover in 8 s (node$p primary, epoch $epoch), its peers alive on the other link"
	else
		show "$p"
		td_dump
		tap_fail "link $link of the primary cut: no failover in 8 s, its peers alive on the other link"
	fi
	ip -n "$sw" link set "$dev" up
	wait_until 20 heard "$p" 1000 1000 || { show "$p"; echo "# link $link back: not heard on both links"; }
done

# A backup logged each link down (warning) and up (notice), and never the
# primary lost while one link delivered.
blog() { td_log "$b" | grep -E "group g: (node $p link|member $p )"; }
link_logs() {
	local l
	for l in 1 2; do
		blog | grep -q "warning: group g: node $p link $l down: nothing heard on it" &&
			blog | grep -q "notice: group g: node $p link $l up" || return 1
	done
}
if wait_until 10 link_logs && ! blog | grep -q "member $p lost"; then
	tap_ok "node$b logged each link of node$p down (warning) and up (notice), never the member lost"
else
	blog | sed "s/^/# node$b: /"
	tap_fail "node$b logged each link of node$p down (warning) and up (notice), never the member lost"
fi

# Both links cut: the primary is on its own.
ip -n "$sw" link set "r$p" down
ip -n "$sw" link set "h$p" down
if wait_until 20 td_role_is "$p" fenced; then
	tap_ok "both links of the primary cut: it fences itself"
else
	td_dump
	tap_fail "both links of the primary cut: it fences itself"
fi
new_primary() {
	TD_SKIP=$p td_one_primary && [ "$(td_primaries)" != "$p" ] &&
		[ "$(td_epoch "$(td_primaries)")" -gt "$epoch" ]
}
if wait_until 20 new_primary; then
	tap_ok "both links cut: node$(td_primaries) primary in a higher epoch"
else
	td_dump
	tap_fail "both links cut: another node primary in a higher epoch"
fi
p2=$(td_primaries)
epoch2=$(td_epoch "$p2")
ip -n "$sw" link set "r$p" up
ip -n "$sw" link set "h$p" up
if wait_until 20 td_one_primary && [ "$(td_primaries)" = "$p2" ] &&
   [ "$(td_epoch "$p")" = "$epoch2" ] && td_role_is "$p" backup; then
	tap_ok "the links back: node$p rejoins as a backup of epoch $epoch2"
else
	td_dump
	tap_fail "the links back: node$p rejoins as a backup of epoch $epoch2"
fi
regained() { blog | grep -q "notice: group g: member $p regained"; }
if wait_until 10 regained && blog | grep -q "warning: group g: member $p lost: nothing heard from it on any link"; then
	tap_ok "node$b logged node$p lost with both links cut (warning), regained with them back (notice)"
else
	blog | sed "s/^/# node$b: /"
	tap_fail "node$b logged node$p lost with both links cut (warning), regained with them back (notice)"
fi
tap_done
