#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd's periodic gratuitous ARP and absolute kernel lease (issue 4,
# "gratuitous ARP (count, interval, periodic refresh)"): with garp-refresh
# 300ms every node's kernel group gets the period; the primary's garp_sent
# keeps growing after its promotion ARPs while the backups send none; the
# client (arp_accept) learns the VIP's neighbour entry, the primary's MAC; the kernel
# lease, set as the agreed CLOCK_MONOTONIC expiry, never runs past the
# lease L; a SIGHUP with garp-refresh 0 switches the refresh off on every
# node (and leaves the primary alone), a second one with 300ms back on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

require_root
require_built "$TD_BIN"
require_module

tap_init 7

TD_GROUP_EXTRA="garp-refresh = 300ms"
td_up 3 || ksft_skip_all "no topology"
# the client takes a neighbour entry from a gratuitous ARP (without
# arp_accept a gratuitous ARP only updates an entry it already has)
client_exec sysctl -qw net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.eth0.arp_accept=1
for i in 1 2 3; do vip_add $i; td_start $i || echo "# tandemd did not start on node$i"; done
if wait_until 30 td_one_primary; then
	tap_ok "three nodes elect one primary"
else
	td_dump
	tap_fail "three nodes elect one primary"
fi
p=$(td_primaries)
epoch=$(td_epoch "$p")
echo "# primary node$p, epoch $epoch"

refresh_is() { # refresh_is MS: every node's kernel group has garp_refresh_ms MS
	local i
	for i in 1 2 3; do
		tandem_node $i -j group show g | jq -e ".[0].garp_refresh_ms == $1" > /dev/null ||
			return 1
	done
}
garp() { topo_counter "$1" garp_sent; }
# grown NODE FROM BY: NODE's garp_sent is at least FROM + BY
grown() { [ "$(garp "$1")" -ge $(($2 + $3)) ]; }

if refresh_is 300; then
	tap_ok "garp-refresh 300ms: every node's kernel group has it"
else
	for i in 1 2 3; do tandem_node $i -j group show g | sed "s/^/# node$i: /"; done
	tap_fail "garp-refresh 300ms: every node's kernel group has it"
fi

# The promotion's ARPs (garp-count, 3) are done within a second; the
# refresh then adds one per period for as long as the node is primary.
b1=$(( p % 3 + 1 )) b2=$(( (p + 1) % 3 + 1 ))
g0=$(garp "$p") g1=$(garp $b1) g2=$(garp $b2)
if wait_until 30 grown "$p" "$g0" 5 && [ "$(garp $b1)" = "$g1" ] && [ "$(garp $b2)" = "$g2" ] &&
   [ "$(td_epoch "$p")" = "$epoch" ]; then
	tap_ok "the primary's garp_sent grows ($g0 -> $(garp "$p")), the backups send none"
else
	echo "# node$p $g0 -> $(garp "$p"); node$b1 $g1 -> $(garp $b1); node$b2 $g2 -> $(garp $b2)"
	td_dump
	tap_fail "the primary's garp_sent grows, the backups send none"
fi

# the client learnt the VIP from them (it never sent anything to the VIP):
# its neighbour entry is the primary's eth0
mac=$(node_exec "$p" cat /sys/class/net/eth0/address)
neigh_ok() { client_exec ip neigh show $TOPO_VIP | grep -qi "lladdr $mac"; }
if wait_until 10 neigh_ok; then
	tap_ok "the client's neighbour entry for the VIP is the primary's ($mac)"
else
	echo "# client: $(client_exec ip neigh show $TOPO_VIP)"
	tap_fail "the client's neighbour entry for the VIP is the primary's ($mac)"
fi

# The kernel's lease is the agreed expiry: never more than L (2 s) ahead.
lease_ok() {
	tandem_node "$p" -j group show g |
		jq -e '.[0].role == "primary" and .[0].lease_remaining_ms > 0 and
			.[0].lease_remaining_ms <= 2000' > /dev/null
}
n=0
for r in 1 2 3 4 5; do lease_ok && n=$((n + 1)); done
if [ $n = 5 ]; then
	tap_ok "the kernel lease (an absolute expiry) is within the lease L, 5 readings"
else
	tandem_node "$p" -j group show g | sed 's/^/# /'
	tap_fail "the kernel lease (an absolute expiry) is within the lease L ($n of 5 readings)"
fi

# reload with garp-refresh 0: off everywhere, the primary stays
reload_all() {
	local i
	for i in 1 2 3; do
		sed -i "s/^garp-refresh = .*/garp-refresh = $1/" "$(td_conf $i)"
		kill -HUP "$(td_pid $i)"
	done
}
reload_all 0
if wait_until 20 refresh_is 0 && td_one_primary && [ "$(td_primaries)" = "$p" ] &&
   [ "$(td_epoch "$p")" = "$epoch" ]; then
	tap_ok "SIGHUP with garp-refresh 0: off on every node, the primary unchanged"
else
	td_dump
	tap_fail "SIGHUP with garp-refresh 0: off on every node, the primary unchanged"
fi
reload_all 300ms
g0=$(garp "$p")
if wait_until 20 refresh_is 300 && wait_until 30 grown "$p" "$g0" 3 &&
   [ "$(td_epoch "$p")" = "$epoch" ]; then
	tap_ok "SIGHUP with garp-refresh 300ms: on again, garp_sent grows ($g0 -> $(garp "$p"))"
else
	td_dump
	tap_fail "SIGHUP with garp-refresh 300ms: on again, garp_sent grows"
fi
tap_done
