#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd on three nodes (issue 4): the configuration check, the election
# of exactly one primary (kernel roles agree, epochs equal), tandemd's view
# in "tandem group show", role changes in "tandem monitor" and the notify
# hook, a SIGHUP reload that leaves the primary alone, and "tandem
# switchover" (forwarded from a backup, the primary's refusal back; to the
# best backup; to a named node),
# and SIGTERM on the primary (it hands over before exiting).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

require_root
require_built "$TD_BIN"
require_module

tap_init 15

hook=$(mktemp "${TMPDIR:-/tmp}/tandemd-hook.XXXXXX") || exit 1
on_exit rm -f "$hook" "$hook.out"
printf '#!/bin/sh\necho "$TANDEM_NODE $1 $2 $3 $4 $TANDEM_EPOCH $TANDEM_EPOCH_STR" >> %s.out\n' "$hook" > "$hook"
chmod +x "$hook"
TD_GROUP_EXTRA="notify = $hook"
td_up 3 || ksft_skip_all "no topology"

# configuration check: a valid file, then one with two errors
out=$("$TD_BIN" -t -c "$(td_conf 1)" 2>&1)
bad=$TOPO_DIR/bad.conf
{ cat "$(td_conf 1)"; printf 'drift-ppm = 200000\n[service g 0]\n'; } > "$bad"
badout=$("$TD_BIN" -t -c "$bad" 2>&1)
rc=$?
n=$(wc -l < "$(td_conf 1)")
if [ "$out" = "$(td_conf 1): ok" ] && [ $rc -eq 1 ] &&
   [[ $badout == *"$bad:$((n + 1)): drift-ppm: \"200000\" out of range"* ]] &&
   [[ $badout == *"$bad:$((n + 2)): [service g 0]: the port must be 1..65535"* ]]; then
	tap_ok "tandemd -t: ok for a valid file, FILE:LINE: errors and exit 1 for a bad one"
else
	printf '%s\n' "$out" "exit $rc" "$badout" | sed 's/^/# /'
	tap_fail "tandemd -t: ok for a valid file, FILE:LINE: errors and exit 1 for a bad one"
fi

# a monitor on every node: the winner shows its promotion (ties in the
# election rank go to the lowest id, so with equal nodes that is node1)
for i in 1 2 3; do
	node_exec $i stdbuf -oL "$TANDEM_CLI" monitor > "$TOPO_DIR/monitor.$i" 2>&1 &
	disown $!
done
for i in 1 2 3; do td_start $i || echo "# tandemd did not start on node$i"; done
if wait_until 30 td_one_primary; then
	tap_ok "three nodes elect exactly one primary, the others back it up in its epoch"
else
	td_dump
	tap_fail "three nodes elect exactly one primary, the others back it up in its epoch"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
echo "# primary node$p, epoch $epoch"

json=$(td_status 2)
if jq -e --argjson e "$epoch" --argjson p "$p" '.[0].agreement |
	.epoch == $e and .primary == $p and .healthy and (.members | length) == 3 and
	all(.members[]; .alive)' <<< "$json" > /dev/null; then
	tap_ok "group show -j: tandemd's epoch, primary, health and members"
else
	echo "# $json"
	tap_fail "group show -j: tandemd's epoch, primary, health and members"
fi
text=$(tandem_node "$p" group show g)
if [[ $text == *"tandemd: node $p, primary, epoch $(td_epoch_str "$epoch"),"* ]] &&
   [[ $text == *"agreed lease remaining: "* ]] && [[ $text == *"member 3:"* ]]; then
	tap_ok "group show: tandemd's lines in the block"
else
	echo "$text" | sed 's/^/# /'
	tap_fail "group show: tandemd's lines in the block"
fi

mon=$TOPO_DIR/monitor.$p
if wait_until 10 grep -q "role primary.*epoch $(td_epoch_str "$epoch") " "$mon"; then
	tap_ok "tandem monitor shows the role changes"
else
	sed 's/^/# /' "$mon"
	tap_fail "tandem monitor shows the role changes"
fi

hook_ok() {
	local i want
	for i in 1 2 3; do
		want=backup
		[ "$i" = "$p" ] && want=primary
		grep -q "^$i g fenced $want $epoch $epoch $(td_epoch_str "$epoch")\$" "$hook.out" \
			2>/dev/null || return 1
	done
}
if wait_until 10 hook_ok; then
	tap_ok "notify hook ran on every node with group, old and new role, epoch"
else
	sed 's/^/# /' "$hook.out"
	tap_fail "notify hook ran on every node with group, old and new role, epoch"
fi

# SIGHUP with the same file: nothing moves
kill -HUP "$(td_pid "$p")"
if wait_until 10 grep -q "reloaded, agreement unchanged" "$TOPO_DIR/tandemd.node$p.log" &&
   td_one_primary && [ "$(td_primaries)" = "$p" ] && [ "$(td_epoch "$p")" = "$epoch" ]; then
	tap_ok "SIGHUP reload leaves the primary and its epoch alone"
else
	td_dump
	tap_fail "SIGHUP reload leaves the primary and its epoch alone"
fi

# On a backup a switchover is forwarded to the primary, whose refusal (a
# switchover to itself) comes back; nothing moves.
b=$(( p % 3 + 1 ))
out=$(tandem_node $b switchover g to "$p" 2>&1)
rc=$?
if [ $rc -eq 2 ] && [[ $out == *"the primary, node $p, refused: the target cannot stand"* ]] &&
   td_one_primary && [ "$(td_primaries)" = "$p" ] && [ "$(td_epoch "$p")" = "$epoch" ]; then
	tap_ok "switchover to the primary asked on a backup: forwarded, the primary's refusal comes back (exit 2), nothing moves"
else
	echo "# exit $rc: $out"
	tap_fail "switchover to the primary asked on a backup: forwarded, the primary's refusal comes back (exit 2), nothing moves"
fi

new_primary() { td_one_primary && [ "$(td_primaries)" != "$1" ] && [ "$(td_epoch "$(td_primaries)")" -gt "$2" ]; }

out=$(tandem_node "$p" switchover g 2>&1)
rc=$?
if [ $rc -eq 0 ] && wait_until 20 new_primary "$p" "$epoch"; then
	tap_ok "switchover g: another node is primary in a higher epoch, the old one backs it up"
else
	echo "# exit $rc: $out"
	td_dump
	tap_fail "switchover g: another node is primary in a higher epoch, the old one backs it up"
fi
p2=$(td_primaries)
epoch2=$(td_epoch "$p2")
echo "# primary node$p2, epoch $epoch2"

# to a named node: the one that was not primary yet
t=$((6 - p - p2))
quiet_over() {
	tandem_node "$p2" -j group show g | jq -e --argjson t "$t" \
		'.[0].agreement.members[] | select(.node_id == $t) | .alive and .healthy and (.quiet | not)' > /dev/null
}
wait_until 10 quiet_over
out=$(tandem_node "$p2" switchover g to $t 2>&1)
rc=$?
if [ $rc -eq 0 ] && wait_until 20 new_primary "$p2" "$epoch2" && [ "$(td_primaries)" = $t ]; then
	tap_ok "switchover g to $t: node$t is primary"
else
	echo "# exit $rc: $out"
	td_dump
	tap_fail "switchover g to $t: node$t is primary"
fi

out=$(tandem_node $t switchover g to $t 2>&1)
rc=$?
if [ $rc -eq 2 ] && [[ $out == *"cannot stand"* ]]; then
	tap_ok "switchover to itself: refused, exit 2"
else
	echo "# exit $rc: $out"
	tap_fail "switchover to itself: refused, exit 2"
fi

# Reloads that change things, on a backup: a new single-member group h
# starts (and elects itself), then h's priority changes (its agreement
# restarts), then h goes (left in the kernel); g is never disturbed.
b=$(( t % 3 + 1 ))
conf=$(td_conf $b)
cp "$conf" "$conf.orig"
printf '\n[group h]\nid = 2\nvip = 10.200.0.101\nkey = %s\nport = 7100\nagree-port = 7101\nmember = %s %s\n' \
	"$TOPO_DIR/group.key" $b "$(node_rep_addr $b)" >> "$conf"
h_role() { tandem_node $b -j group show h 2>/dev/null | jq -r '.[0].role'; }
h_primary() { [ "$(h_role)" = primary ]; }
kill -HUP "$(td_pid $b)"
if wait_until 20 h_primary && td_one_primary && [ "$(td_primaries)" = $t ]; then
	tap_ok "SIGHUP adds group h, which elects its only member; g undisturbed"
else
	td_dump
	tap_fail "SIGHUP adds group h, which elects its only member; g undisturbed"
fi
h_epoch=$(tandem_node $b -j group show h | jq -r '.[0].epoch')
sed -i "s/^member = $b \(.*\)$/member = $b \1 priority 7/" "$conf"
tail -n 1 "$conf" | sed 's/^/# /'
h_restarted() { h_primary && [ "$(tandem_node $b -j group show h | jq -r '.[0].epoch')" -gt "$h_epoch" ]; }
kill -HUP "$(td_pid $b)"
if wait_until 20 h_restarted && grep -q "group h: its agreement changed: restarting it" "$TOPO_DIR/tandemd.node$b.log" &&
   td_one_primary && [ "$(td_primaries)" = $t ]; then
	tap_ok "SIGHUP with h's agreement changed restarts h alone (a higher epoch)"
else
	td_dump
	tap_fail "SIGHUP with h's agreement changed restarts h alone (a higher epoch)"
fi
cp "$conf.orig" "$conf"
kill -HUP "$(td_pid $b)"
if wait_until 20 grep -q "group h: no longer configured" "$TOPO_DIR/tandemd.node$b.log" &&
   [ -n "$(h_role)" ] && ! tandem_node $b -j group show | jq -e '.[] | select(.name == "h") | .agreement' > /dev/null &&
   td_one_primary && [ "$(td_primaries)" = $t ]; then
	tap_ok "SIGHUP without h: h left in the kernel, no longer managed"
else
	td_dump
	tap_fail "SIGHUP without h: h left in the kernel, no longer managed"
fi

# SIGTERM on the primary: it hands over first (like a switchover: its
# kernel group fenced, the best backup elected), follows the new primary,
# then exits; the kernel group stays (a backup, which needs no renewals)
pid=$(td_pid $t)
et=$(td_epoch $t)
kill -TERM "$pid"
handed() { TD_SKIP=$t td_one_primary && [ "$(td_primaries)" != "$t" ] &&
	[ "$(td_epoch "$(td_primaries)")" -gt "$et" ]; }
if wait_until 10 _td_gone "$pid" && grep -q "exiting, kernel groups left" "$TOPO_DIR/tandemd.node$t.log" &&
   grep -q "handing over to the best backup before exiting" "$TOPO_DIR/tandemd.node$t.log" &&
   wait_until 20 handed && td_role_is $t backup &&
   [ "$(td_epoch $t)" = "$(td_epoch "$(td_primaries)")" ]; then
	tap_ok "SIGTERM on the primary: it hands over (node$(td_primaries) primary in a higher epoch), exits, its kernel group stays, a backup of the new primary"
else
	td_dump
	tap_fail "SIGTERM on the primary: it hands over, exits, its kernel group stays, a backup of the new primary"
fi
tap_done
