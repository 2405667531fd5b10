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

. "$(dirname "$0")/bpf_tandemd_lib.sh"

CONNS=4
BYTES=$((1 << 20))
RATE=$((128 << 10))	# bytes/s per connection: 8 s per stream
HOLD=$((64 << 10))	# the crash comes once the client verified this much per stream

tap_init 16

td_show() { bpf_td_show "$@"; }
td_field() { td_show "$1" | jq -r ".$2"; }
td_pins() { bpf_td_pins "$@"; }
td_map() {
	case $1 in 1) bpf_td_map "$P" 1 ;; 2) bpf_td_map "$B" 2 ;; esac
}

setup() {
	bpf_setup &&
	(umask 077; "$TANDEM" genkey > "$work/group.key") &&
	bpf_td_conf 1 p0 2 r0 > "$work/td.1.conf" &&
	BPF_TD_DATAPATH= bpf_td_conf 2 b0 1 r1 > "$work/td.2.conf" &&
	bpf_td_conf 3 > "$work/td.3.conf" &&
	"$TANDEMD" -t -c "$work/td.1.conf" && "$TANDEMD" -t -c "$work/td.2.conf" &&
	"$TANDEMD" -t -c "$work/td.3.conf"
}
tap_check "topology (primary, backup, witness in the client's namespace), configs checked" setup
# tandemd -t: datapath = bpf without the replication device to member 2
# is refused, with the line and what is missing
refused() {
	local out
	grep -v '^bpf-repl-dev' "$work/td.1.conf" > "$work/bad.conf"
	out=$("$TANDEMD" -t -c "$work/bad.conf" 2>&1) && return 1
	echo "$out"
	echo "$out" | grep -q "bad.conf:[0-9]*: \[group g\]: datapath bpf needs bpf-repl-dev 2 DEVICE" &&
	sed 's/^datapath = bpf$/datapath = ebpf/' "$work/td.1.conf" > "$work/bad.conf" &&
	out=$("$TANDEMD" -t -c "$work/bad.conf" 2>&1) && return 1
	echo "$out"
	echo "$out" | grep -q 'bad.conf:6: datapath: "ebpf" unknown'
}
tap_check "tandemd -t refuses a bpf node without its devices, and an unknown datapath" refused
# datapath auto (the default) without the module and without bpf devices:
# the module was meant, its error said, tandemd exits 1
auto_kmod() {
	local ns out
	[ -e /sys/module/tandem ] && { echo "the module is loaded here"; return 0; }
	ns=$(netns_new) || return 1
	grep -v '^datapath\|^bpf-' "$work/td.1.conf" > "$work/auto.conf"
	out=$(ip netns exec "$ns" "$TANDEMD" -c "$work/auto.conf" 2>&1 </dev/null) && return 1
	echo "$out"
	echo "$out" | grep -q "tandem kernel module is not loaded"
}
tap_check "datapath auto without the module nor bpf devices: the module's error, exit 1" auto_kmod
# a veth as replication device without insecure-transport-for-tests: refused
# at start (the loader refuses the group entry too), exit 1
insecure_refused() {
	local ns out
	ns=$(netns_new) || return 1
	ip -n "$ns" link add p0 type veth peer name p1 &&
	ip -n "$ns" link add r0 type veth peer name r1 || return 1
	grep -v '^insecure-transport-for-tests' "$work/td.1.conf" |
		sed "s|^bpf-pin-dir = .*|bpf-pin-dir = $pins/tdx|" > "$work/secure.conf"
	mkdir -p "$pins/tdx"
	out=$(ip netns exec "$ns" "$TANDEMD" -c "$work/secure.conf" 2>&1 </dev/null) && return 1
	echo "$out"
	echo "$out" | grep -q "replication device r0 is not an authenticated transport"
}
tap_check "a veth as replication device without the test mark: refused at start, exit 1" insecure_refused
start_all() { bpf_td_start "$P" 1 && bpf_td_start "$B" 2 && bpf_td_start "$C" 3; }
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
	bpf_td_dump 1 2
	epoch0=0
fi

bpf_td_client
# the client verified $HOLD bytes per stream, and B's stacks are in every one
tap_check "the client verified part of every stream; B follows each" \
	wait_until 20 bpf_td_follow 2

crash() {
	ip -n "$P" link set p0 down &&
	ip -n "$P" link set r0 down &&
	kill -9 "$(cat "$work/server.$P.pid")" "$(cat "$work/td.1.pid")"
}
tap_check "the primary crashes: links, server and tandemd" crash
"$TBPF" conns "$(td_pins 2)" >"$work/conns.crash"
x0=$(bpf_td_stat 2 translated)

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
	bpf_td_dump 2
fi

# tandemd's gratuitous ARP moved the client's neighbour entry to B
garp() {
	[ "$(ip -n "$C" -j neigh show "$VIP" dev br0 | jq -r '.[0].lladdr')" = "$(bpf_mac "$B" b0)" ]
}
tap_check "the client's neighbour entry of the VIP moved to B (tandemd's GARP)" wait_until 10 garp
# and B answers the client's ARP probes: the VIP on its client device
vip_on_b0() { ip -n "$B" -j addr show dev b0 | jq -e ".[0].addr_info | any(.local == \"$VIP\")" >/dev/null; }
tap_check "the VIP on B's client device (ARP probes answered)" vip_on_b0

bpf_td_exact "$CONNS streams of $BYTES bytes byte-exact through the crash (no reset, no EOF)"

# the crash came mid-stream, and B translated the client's segments after
xlated() {
	local x1
	x1=$(bpf_td_stat 2 translated)
	echo "new primary: translated $x0 -> $x1"
	[ "$x1" -gt "$x0" ] && ! grep -q " received=$((BYTES + 1)) " "$work/conns.crash"
}
TANDEM_VERBOSE=1 tap_check "mid-stream crash; the new primary translated the client's segments" xlated

# the human-readable group show says it too
shown() { ip netns exec "$B" "$TANDEM" group show g | grep -q "datapath: bpf"; }
tap_check "tandem group show on B: datapath bpf" shown
auto_bpf() { grep -q "datapath auto: the module does not answer.*using bpf" "$work/td.2.log"; }
tap_check "B (datapath auto, no module) chose bpf" auto_bpf

tap_done
