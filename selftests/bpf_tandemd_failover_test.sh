#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `datapath = bpf` end to end with tandemd, natively on the running kernel
# (no module, no VM), in the topology of bpf_lib.sh: the primary P (node 1)
# and the backup B (node 2) each run tandemd with the bpf backend, which
# loads the programs, pins the maps in its own namespace's directory,
# attaches them and writes role, epoch and lease; a witness tandemd (node 3)
# runs in the client's namespace (the agreement needs a majority of three).
# Paced streams run through the VIP; once the client verified part of each,
# P crashes (links cut first, so that no FIN or reset escapes, then its
# server and its tandemd killed with SIGKILL). Nothing else is done by
# hand: B's tandemd must notice, be elected, promote its data path through
# the bpf backend (a map write) and send gratuitous ARPs for the VIP.
# Checks: both nodes on the bpf data path (tandem group show); every stream
# completes byte-exact (no reset, no EOF, no wrong byte); B's tandemd and
# its group map are primary in an epoch above P's; the client's neighbour
# entry of the VIP moved to B; B translated the client's segments.
. "$(dirname "$0")/bpf_lib.sh"

TANDEMD=${TANDEMD:-$PWD/ctl/tandemd/tandemd}
TANDEM=${TANDEM:-$PWD/ctl/tandem/tandem}
[ -x "$TANDEMD" ] && [ -x "$TANDEM" ] ||
	ksft_skip_all "$TANDEMD or $TANDEM not built (make)"
require_command jq

CONNS=4
BYTES=$((1 << 20))
RATE=$((128 << 10))	# bytes/s per connection: 8 s per stream
HOLD=$((64 << 10))	# the crash comes once the client verified this much per stream

tap_init 12

# td_conf ID ADDR CLIENT_DEV PEER_ID REPL_DEV: a node's tandemd.conf; the
# witness (no data path) without devices
td_conf() {
	local id=$1
	printf '[node]\nid = %s\nstate-dir = %s\ncontrol = @tandemd\nlog-level = info\n' \
		"$id" "$work/state.$id"
	printf 'datapath = bpf\nbpf-pin-dir = %s\ninsecure-transport-for-tests = yes\n\n' \
		"$pins/td$id"
	printf '[group g]\nid = 9\nvip = %s\nkey = %s\n' "$VIP" "$work/group.key"
	printf 'member = 1 10.9.0.2\nmember = 2 10.9.0.3\nmember = 3 10.9.0.1 witness\n'
	printf 'heartbeat = 100ms\nmiss = 5\nlease = 2s\nelection-timeout = 300ms\n'
	printf 'stagger = 100ms\nbackoff = 200ms\nmargin = 50ms\nconns-interval = 500ms\n'
	[ -n "${3:-}" ] && printf 'bpf-client-dev = %s\nbpf-repl-dev = %s %s\n' "$3" "$4" "$5"
	printf '\n[service g %s]\n' "$PORT"
}

# td_start NS ID: tandemd in NS, its pid in $work/td.ID.pid, ready
td_start() {
	ip netns exec "$1" "$TANDEMD" -c "$work/td.$2.conf" </dev/null >/dev/null \
		2>>"$work/td.$2.log" &
	echo $! > "$work/td.$2.pid"
	on_exit kill -9 $!
	wait_until 10 grep -q "ready: node" "$work/td.$2.log"
}

# td_show NS: tandemd's view of group g (tandem group show, without the module)
td_show() { ip netns exec "$1" "$TANDEM" -j group show g | jq -c '.[0].agreement'; }
td_field() { td_show "$1" | jq -r ".$2"; }
# the node's bpf pin directory (one per network namespace, under bpf-pin-dir)
td_pins() { echo "$pins/td$1"/net-*; }
# its group entry as the programs read it (device names of its namespace)
td_map() {
	local ns
	case $1 in 1) ns=$P ;; 2) ns=$B ;; esac
	ip netns exec "$ns" "$TBPF" show "$(td_pins "$1")" "$VIP"
}

setup() {
	bpf_setup &&
	"$TANDEM" genkey > "$work/group.key" &&
	td_conf 1 10.9.0.2 p0 2 r0 > "$work/td.1.conf" &&
	td_conf 2 10.9.0.3 b0 1 r1 > "$work/td.2.conf" &&
	td_conf 3 10.9.0.1 > "$work/td.3.conf" &&
	mkdir "$pins/td1" "$pins/td2" "$pins/td3" &&
	"$TANDEMD" -t -c "$work/td.1.conf" && "$TANDEMD" -t -c "$work/td.2.conf" &&
	"$TANDEMD" -t -c "$work/td.3.conf"
}
tap_check "topology (primary, backup, witness in the client's namespace), configs checked" setup
# tandemd -t: datapath = bpf without the replication device to member 1
# is refused, with the line and what is missing
refused() {
	local out
	grep -v '^bpf-repl-dev' "$work/td.2.conf" > "$work/bad.conf"
	out=$("$TANDEMD" -t -c "$work/bad.conf" 2>&1) && return 1
	echo "$out"
	echo "$out" | grep -q "bad.conf:[0-9]*: \[group g\]: datapath bpf needs bpf-repl-dev 1 DEVICE" &&
	sed 's/^datapath = bpf$/datapath = ebpf/' "$work/td.2.conf" > "$work/bad.conf" &&
	out=$("$TANDEMD" -t -c "$work/bad.conf" 2>&1) && return 1
	echo "$out"
	echo "$out" | grep -q 'bad.conf:6: datapath: "ebpf" unknown'
}
tap_check "tandemd -t refuses a bpf node without its devices, and an unknown datapath" refused
start_all() { td_start "$P" 1 && td_start "$B" 2 && td_start "$C" 3; }
tap_check "tandemd started on the three nodes (datapath = bpf on two)" start_all
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

# P primary and B backup of one epoch, both on the bpf data path, and P's
# group entry mirrors to B (it heard B): the streams open protected
settled() {
	local p b
	p=$(td_show "$P") && b=$(td_show "$B") || return 1
	echo "$p" | jq -e '.role == "primary" and .kernel_role == "primary" and .datapath == "bpf"' >/dev/null &&
	echo "$b" | jq -e '.role == "backup" and .kernel_role == "backup" and .datapath == "bpf"' >/dev/null &&
	[ "$(echo "$p" | jq .epoch)" = "$(echo "$b" | jq .epoch)" ] &&
	td_map 1 | grep -q "role=primary .* mirrors=r0 " &&
	td_map 2 | grep -q "role=backup .* repls=r1$"
}
if wait_until 20 settled; then
	epoch0=$(td_field "$P" epoch)
	tap_ok "P primary, B backup, epoch $epoch0, datapath bpf; P mirrors to B"
	echo "# P: $(td_map 1)"
	echo "# B: $(td_map 2)"
else
	tap_fail "P primary, B backup, datapath bpf; P mirrors to B"
	td_show "$P" | sed 's/^/# P status: /'
	td_show "$B" | sed 's/^/# B status: /'
	td_map 1 | sed 's/^/# P map: /'
	td_map 2 | sed 's/^/# B map: /'
	sed 's/^/# P log: /' "$work/td.1.log"
	sed 's/^/# B log: /' "$work/td.2.log"
	epoch0=0
fi

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --timeout 60 --progress-file "$work/progress" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

# the client verified $HOLD bytes per stream, and B's stacks are in every one
verified() {
	local v
	read -r v _ < "$work/progress" 2>/dev/null && [ "${v:-0}" -ge $((CONNS * HOLD)) ] &&
		[ "$("$TBPF" conns "$(td_pins 2)" | grep -c received=)" -eq "$CONNS" ]
}
tap_check "the client verified part of every stream; B follows each" wait_until 20 verified

crash() {
	ip -n "$P" link set p0 down &&
	ip -n "$P" link set r0 down &&
	kill -9 "$(cat "$work/server.$P.pid")" "$(cat "$work/td.1.pid")"
}
tap_check "the primary crashes: links, server and tandemd" crash
"$TBPF" conns "$(td_pins 2)" >"$work/conns.crash"
x0=$(bpf_stat "td2/$(basename "$(td_pins 2)")" translated)

# B's tandemd elected and its data path promoted, by nobody but tandemd
promoted() {
	local b
	b=$(td_show "$B") || return 1
	echo "$b" | jq -e ".role == \"primary\" and .kernel_role == \"primary\" and .epoch > $epoch0" >/dev/null &&
	td_map 2 | grep -q "^role=primary epoch=$(echo "$b" | jq .epoch) "
}
if wait_until 20 promoted; then
	tap_ok "B elected and promoted by tandemd: epoch $epoch0 -> $(td_field "$B" epoch)"
	echo "# B: $(td_map 2)"
else
	tap_fail "B elected and promoted by tandemd"
	td_show "$B" | sed 's/^/# B status: /'
	td_map 2 | sed 's/^/# B map: /'
	sed 's/^/# B log: /' "$work/td.2.log"
fi

# tandemd's gratuitous ARP moved the client's neighbour entry to B
garp() {
	[ "$(ip -n "$C" -j neigh show "$VIP" dev br0 | jq -r '.[0].lladdr')" = "$(bpf_mac "$B" b0)" ]
}
tap_check "the client's neighbour entry of the VIP moved to B (tandemd's GARP)" wait_until 10 garp

wait "$client"
rc=$?
out=$(cat "$work/client.out")
echo "# client: $out"
if [ $rc -eq 0 ] && echo "$out" | tail -n 1 |
	jq -e ".ok == $CONNS and .reset == 0 and .eof == 0 and .mismatch == 0" >/dev/null; then
	tap_ok "$CONNS streams of $BYTES bytes byte-exact through the crash (no reset, no EOF)"
else
	tap_fail "$CONNS streams of $BYTES bytes byte-exact through the crash (exit $rc)"
fi

# the crash came mid-stream, and B translated the client's segments after
xlated() {
	local x1
	x1=$(bpf_stat "td2/$(basename "$(td_pins 2)")" translated)
	echo "new primary: translated $x0 -> $x1"
	[ "$x1" -gt "$x0" ] && ! grep -q " received=$((BYTES + 1)) " "$work/conns.crash"
}
TANDEM_VERBOSE=1 tap_check "mid-stream crash; the new primary translated the client's segments" xlated

# the human-readable group show says it too
shown() { ip netns exec "$B" "$TANDEM" group show g | grep -q "datapath: bpf"; }
tap_check "tandem group show on B: datapath bpf" shown

tap_done
