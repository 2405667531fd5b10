#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd with `datapath = bpf` on the topology of bpf_lib.sh (source that
# first): every node's tandemd loads, pins and attaches the programs itself
# (bpf-pin-dir $pins/tdID, the namespace's own net-COOKIE below it).
#   bpf_td_conf ID [CLIENT_DEV [PEER_ID REPL_DEV]...]
#                       echo node ID's tandemd.conf (no device: a witness);
#                       members from $BPF_TD_MEMBERS ("ID ADDR [witness]"
#                       lines), timers loose enough for a loaded host;
#                       datapath $BPF_TD_DATAPATH (default bpf, "" for none:
#                       the default, auto)
#   bpf_td_start NS ID  tandemd in NS with $work/td.ID.conf; returns once it
#                       is ready (BPF_TD_NOWAIT=1: at once, bpf_td_ready ID
#                       SECS waits); its pid in $work/td.ID.pid, log td.ID.log
#   bpf_td_show NS      tandemd's view of group g (tandem group show -j,
#                       without the module: tandemd's status alone)
#   bpf_td_pins ID      node ID's pin directory
#   bpf_td_map NS ID    node ID's group entry as the programs read it
#   bpf_td_dump ID...   their logs as TAP comments (after a failure)
#   bpf_td_stat ID NAME node ID's counter NAME
#   bpf_td_three        two backups (BPF_BACKUPS=2): the group key, the
#                       configs of P, B and B2 (nodes 1, 2, 3), tandemd on each
#   bpf_td_settled3     that P is primary mirroring to both backups, each
#                       reporting to P (a TAP result): its epoch in $epoch0
#   bpf_td_client [ARGS]  the paced streams: CONNS of BYTES at RATE through
#                       the VIP (and ARGS), $client, $work/progress
#   bpf_td_follow ID... true once the client verified HOLD bytes per stream
#                       and every node ID's stack holds part of each
#   bpf_td_exact DESC   waits for the client: a TAP result, DESC if every
#                       stream is byte-exact (no reset, EOF, mismatch)
TANDEMD=${TANDEMD:-$PWD/ctl/tandemd/tandemd}
TANDEM=${TANDEM:-$PWD/ctl/tandem/tandem}
[ -x "$TANDEMD" ] && [ -x "$TANDEM" ] ||
	ksft_skip_all "$TANDEMD or $TANDEM not built (make)"
require_command jq

BPF_TD_MEMBERS=${BPF_TD_MEMBERS:-"1 10.9.0.2
2 10.9.0.3
3 10.9.0.1 witness"}

bpf_td_conf() {
	local id=$1 dev=${2:-} m
	printf '[node]\nid = %s\nstate-dir = %s\ncontrol = @tandemd\nlog-level = info\n' \
		"$id" "$work/state.$id"
	[ -n "${BPF_TD_DATAPATH-bpf}" ] && printf 'datapath = %s\n' "${BPF_TD_DATAPATH-bpf}"
	printf 'bpf-pin-dir = %s\ninsecure-transport-for-tests = yes\n\n' "$pins/td$id"
	printf '[group g]\nid = 9\nvip = %s\nkey = %s\n' "$VIP" "$work/group.key"
	while read -r m; do
		[ -n "$m" ] && printf 'member = %s\n' "$m"
	done <<< "$BPF_TD_MEMBERS"
	printf 'heartbeat = 100ms\nmiss = 5\nlease = 2s\nelection-timeout = 300ms\n'
	printf 'stagger = 100ms\nbackoff = 200ms\nmargin = 50ms\nconns-interval = 500ms\n'
	if [ -n "$dev" ]; then
		printf 'bpf-client-dev = %s\n' "$dev"
		shift 2
		while [ $# -ge 2 ]; do
			printf 'bpf-repl-dev = %s %s\n' "$1" "$2"
			shift 2
		done
	fi
	printf '\n[service g %s]\n' "$PORT"
}

bpf_td_start() {
	mkdir -p "$pins/td$2" || return 1
	ip netns exec "$1" "$TANDEMD" -c "$work/td.$2.conf" </dev/null >/dev/null \
		2>>"$work/td.$2.log" &
	echo $! > "$work/td.$2.pid"
	on_exit kill -9 $!
	[ -n "${BPF_TD_NOWAIT:-}" ] || bpf_td_ready "$2" 10
}

# bpf_td_ready ID SECS: node ID's tandemd said it is ready
bpf_td_ready() { wait_until "$2" grep -q "ready: node" "$work/td.$1.log"; }

bpf_td_show() { ip netns exec "$1" "$TANDEM" -j group show g | jq -c '.[0].agreement'; }
bpf_td_pins() { echo "$pins/td$1"/net-*; }
bpf_td_map() { ip netns exec "$1" "$TBPF" show "$(bpf_td_pins "$2")" "$VIP"; }
bpf_td_stat() { bpf_stat "td$1/$(basename "$(bpf_td_pins "$1")")" "$2"; }

bpf_td_three() {
	bpf_setup &&
	(umask 077; "$TANDEM" genkey > "$work/group.key") &&
	bpf_td_conf 1 p0 2 r0 3 s0 > "$work/td.1.conf" &&
	bpf_td_conf 2 b0 1 r1 3 q1 > "$work/td.2.conf" &&
	bpf_td_conf 3 b0 1 s1 2 q2 > "$work/td.3.conf" &&
	bpf_td_start "$P" 1 && bpf_td_start "$B" 2 && bpf_td_start "$B2" 3
}

_bpf_td_settled3() {
	bpf_td_show "$P" | jq -e '.role == "primary" and .kernel_role == "primary"' >/dev/null &&
	bpf_td_map "$P" 1 | grep -q "role=primary .* mirrors=r0,s0 " &&
	bpf_td_map "$B" 2 | grep -q "role=backup .* repls=r1,q1$" &&
	bpf_td_map "$B2" 3 | grep -q "role=backup .* repls=s1,q2$"
}
bpf_td_settled3() {
	epoch0=0
	if wait_until 20 _bpf_td_settled3; then
		epoch0=$(bpf_td_show "$P" | jq .epoch)
		tap_ok "P primary in epoch $epoch0, mirroring to both backups"
		return 0
	fi
	tap_fail "P primary, mirroring to both backups"
	bpf_td_map "$P" 1 | sed 's/^/# P map: /'
	bpf_td_dump 1 2 3
	return 1
}

bpf_td_client() {
	ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
		--rate "$RATE" --timeout 60 --progress-file "$work/progress" "$@" \
		>"$work/client.out" 2>&1 &
	client=$!
	on_exit kill "$client"
}

bpf_td_follow() {
	local v id
	{ read -r v _ < "$work/progress"; } 2>/dev/null && [ "${v:-0}" -ge $((CONNS * HOLD)) ] ||
		return 1
	for id in "$@"; do
		[ "$("$TBPF" conns "$(bpf_td_pins "$id")" | grep -c 'received=[1-9]')" -eq "$CONNS" ] ||
			return 1
	done
}

bpf_td_exact() {
	local rc out
	wait "$client"
	rc=$?
	out=$(cat "$work/client.out")
	echo "# client: $out"
	if [ $rc -eq 0 ] && echo "$out" | tail -n 1 |
		jq -e ".ok == $CONNS and .reset == 0 and .eof == 0 and .mismatch == 0" >/dev/null; then
		tap_ok "$1"
		return 0
	fi
	tap_fail "$1 (exit $rc)"
	return 1
}

bpf_td_dump() {
	local id
	for id in "$@"; do
		sed "s/^/# node $id log: /" "$work/td.$id.log"
	done
}
