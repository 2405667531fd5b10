#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The eBPF data path over WireGuard (VM tests, bpf_wg_*_test.sh): what the
# tests share once their topology and tandemd run. Needs bpf_lib.sh and
# bpf_tandemd_lib.sh; P primary, B backup, C client and witness; w0 the
# replication device; $work.

T=$'\t'
# wg show NS WHAT: what w0 holds (read only; PEER<tab>VALUE lines)
wgs() { ip netns exec "$1" wg show w0 "$2"; }

td_map() {
	case $1 in 1) bpf_td_map "$P" 1 ;; 2) bpf_td_map "$B" 2 ;; esac
}
# node ID's non-zero counters, " name=value" each
stats() { "$TBPF" stats "$(bpf_td_pins "$1")" | awk '$2 != 0 { printf " %s=%s", $1, $2 }'; }

# P and the witness first (P is elected with it: B started with them won
# once, its programs loaded first), then B; longer waits than
# bpf_td_start's: each loads the programs, slow under TCG
p_primary() { bpf_td_show "$P" | jq -e '.role == "primary"' >/dev/null; }
bpf_wg_start_all() {
	BPF_TD_NOWAIT=1 bpf_td_start "$P" 1 && BPF_TD_NOWAIT=1 bpf_td_start "$C" 3 &&
	bpf_td_ready 1 40 && bpf_td_ready 3 40 &&
	wait_until 20 p_primary &&
	BPF_TD_NOWAIT=1 bpf_td_start "$B" 2 && bpf_td_ready 2 40
}

# bpf_wg_settled: P primary, B backup, over w0, and neither group entry
# marked insecure; epoch0 the epoch. 1 check.
bpf_wg_settled() {
	settled() {
		local p b
		p=$(bpf_td_show "$P") && b=$(bpf_td_show "$B") || return 1
		echo "$p" | jq -e '.role == "primary" and .kernel_role == "primary" and .datapath == "bpf"' >/dev/null &&
		echo "$b" | jq -e '.role == "backup" and .kernel_role == "backup" and .datapath == "bpf"' >/dev/null &&
		td_map 1 | grep -q "role=primary .*node=1 mirrors=w0 " &&
		td_map 2 | grep -q "role=backup .*node=2 mirrors=- repls=w0$"
	}
	if wait_until 30 settled; then
		epoch0=$(bpf_td_show "$P" | jq .epoch)
		tap_ok "P primary, B backup (epoch $epoch0); P mirrors over w0; no test mark"
		echo "# P: $(td_map 1)"
		echo "# B: $(td_map 2)"
	else
		tap_fail "P primary, B backup; P mirrors over w0; no test mark"
		bpf_td_show "$P" | sed 's/^/# P status: /'
		bpf_td_show "$B" | sed 's/^/# B status: /'
		td_map 1 | sed 's/^/# P map: /'
		td_map 2 | sed 's/^/# B map: /'
		bpf_td_dump 1 2
		epoch0=0
	fi
}

# bpf_wg_crash: CONNS paced streams of BYTES through the VIP, held at HOLD
# bytes each; mirrored to B and B's reports back, over w0; NSEG segments
# per connection that look mirrored, sent to B on the LAN (not through w0),
# dropped; the streams resume and P crashes (its links, server and
# tandemd): B elected and promoted past epoch0, every stream byte-exact,
# the new primary translating. 7 checks.
bpf_wg_crash() {
	bpf_td_client --pause-at "$HOLD" --resume-file "$work/resume" --mark-file "$work/mark"
	echo "# ${SECONDS}s: settled"
	if wait_until 60 bpf_td_follow 2; then
		tap_ok "the client verified $HOLD bytes of every stream; B follows each"
	else
		tap_fail "the client verified $HOLD bytes of every stream; B follows each"
		echo "# P stats: $(stats 1)"
		echo "# B stats: $(stats 2)"
		"$TBPF" conns "$(bpf_td_pins 2)" | sed 's/^/# B: /'
		ip netns exec "$B" wg show w0 | sed 's/^/# B wg: /'
	fi
	echo "# ${SECONDS}s: verified"

	# mirrored to B and reported back, both through WireGuard
	# (one tbpf per node: each costs seconds under TCG on a loaded host)
	over_wg() {
		local p b
		p=$(stats 1) b=$(stats 2)
		echo "P: $p"
		echo "B: $b, w0 rx $(ip netns exec "$B" cat /sys/class/net/w0/statistics/rx_packets)"
		[[ $p == *" mirrored="[1-9]* && $p == *" report_recv="[1-9]* &&
			$b == *" report_sent="[1-9]* && $p != *" mirror_err="* ]]
	}
	TANDEM_VERBOSE=1 tap_check "mirrored to B and B's reports taken by P, over w0" over_wg

	# segments that look mirrored, sent to B on the LAN (not through w0):
	# dropped by its client_in, counted
	forged() {
		local line cport rcv isn got nd0 nd1 bmac n
		bmac=$(bpf_mac "$B" b0)
		nd0=$(bpf_td_stat 2 net_dropped)
		"$TBPF" conns "$(bpf_td_pins 2)" >"$work/conns"
		while read -r line; do
			cport=${line%% *}
			cport=${cport#*:}
			rcv=${line#*rcv_nxt=}
			rcv=${rcv%% *}
			isn=${line#*local_isn=}
			isn=${isn%% *}
			got=${line#*received=}
			got=${got%% *}
			ip netns exec "$C" "$TBPF" forge br0 "$bmac" "10.9.0.1:$cport" "$VIP:$PORT" \
				"$rcv" $(((isn + 1 + got - 16384) & 0xffffffff)) "$NSEG" || return 1
		done <"$work/conns"
		nd1=$(bpf_td_stat 2 net_dropped)
		n=$(($(wc -l < "$work/conns") * NSEG))
		echo "B's net_dropped $nd0 -> $nd1 ($n forged)"
		[ "$n" -gt 0 ] && [ $((nd1 - nd0)) -ge "$n" ]
	}
	TANDEM_VERBOSE=1 tap_check "replication segments not through w0 dropped by B (net_dropped)" forged
	echo "# ${SECONDS}s: forged"

	# resumed (the client behind its pace sends what its window allows at
	# once): P crashes at the first resumed byte echoed, the rest in flight
	resumed() {
		local v
		read -r v _ < "$work/progress" && [ "${v:-0}" -gt $((CONNS * HOLD)) ]
	}
	crash() {
		touch "$work/resume"
		wait_until 10 resumed || return 1
		touch "$work/mark"
		ip -n "$P" link set p0 down &&
		kill -9 "$(cat "$work/server.$P.pid")" "$(cat "$work/td.1.pid")"
	}
	tap_check "the streams resume; the primary crashes: its links, server and tandemd" crash
	"$TBPF" conns "$(bpf_td_pins 2)" >"$work/conns.crash"
	echo "# ${SECONDS}s: crash"
	x0=$(bpf_td_stat 2 translated)

	promoted() {
		local b
		b=$(bpf_td_show "$B") || return 1
		echo "$b" | jq -e ".role == \"primary\" and .kernel_role == \"primary\" and .epoch > $epoch0" >/dev/null &&
		td_map 2 | grep -q "^role=primary epoch=$(echo "$b" | jq .epoch) .*node=2 mirrors=- "
	}
	if wait_until 30 promoted; then
		tap_ok "B elected and promoted by tandemd: epoch $epoch0 -> $(bpf_td_show "$B" | jq .epoch)"
	else
		tap_fail "B elected and promoted by tandemd"
		bpf_td_show "$B" | sed 's/^/# B status: /'
		td_map 2 | sed 's/^/# B map: /'
		bpf_td_dump 2
	fi

	if ! bpf_td_exact "$CONNS streams of $BYTES bytes byte-exact through the crash (no reset, no EOF)"; then
		bpf_td_dump 2
		sed 's/^/# at the crash, B: /' "$work/conns.crash"
		"$TBPF" conns "$(bpf_td_pins 2)" | sed 's/^/# B now: /'
		echo "# B stats: $(stats 2)"
		td_map 2 | sed 's/^/# B map: /'
		ip netns exec "$B" ss -tni | sed 's/^/# B ss: /'
		ip netns exec "$C" ss -tni | sed 's/^/# C ss: /'
		ip -n "$C" neigh show | sed 's/^/# C neigh: /'
		ip -n "$B" addr show | sed 's/^/# B addr: /'
	fi

	xlated() {
		local x1
		x1=$(bpf_td_stat 2 translated)
		echo "new primary: translated $x0 -> $x1"
		[ "$x1" -gt "$x0" ] && ! grep -q " received=$((BYTES + 1)) " "$work/conns.crash"
	}
	TANDEM_VERBOSE=1 tap_check "mid-stream crash; the new primary translated the client's segments" xlated
}
