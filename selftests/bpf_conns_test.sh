#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 1000 concurrent connections through a crash of the primary on the eBPF
# data path (bpf/), natively on the running kernel (bpf_lib.sh): a client
# opens 1000 connections through the VIP (every SYN-ACK held until the
# backup confirmed the SYN), each streams 8 KiB paced at 512 bytes/s; a
# few seconds in, with every connection open and mid-stream, the primary
# crashes and the backup is promoted. Every connection completes
# byte-exact, no reset, no EOF. CONNS_N sets the number [1000].
. "$(dirname "$0")/bpf_lib.sh"

CONNS=${CONNS_N:-1000}
BYTES=8192
RATE=512		# bytes/s per connection: 16 s per stream
ulimit -n $((CONNS * 2 + 256)) 2>/dev/null || ksft_skip_all "cannot raise the file limit"

tap_init 7

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service set" bpf_dp
tap_check "a server on the VIP on the primary and on the backup" bpf_servers

ip netns exec "$C" "$TSTREAM" client "$VIP:$PORT" -c "$CONNS" -b "$BYTES" \
	--rate "$RATE" --timeout 60 --progress-file "$work/progress" >"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"

# every connection established, and the backup's stack in each of them
open_all() {
	local v e
	read -r v e _ < "$work/progress" 2>/dev/null && [ "${e:-0}" -ge "$CONNS" ] &&
		[ "$("$TBPF" conns "$pins/b" | grep -c 'received=[1-9]')" -ge "$CONNS" ]
}
tap_check "$CONNS connections open, the backup in every one" wait_until 30 open_all

tap_check "the primary crashes; the backup is promoted" bpf_crash_promote
"$TBPF" conns "$pins/b" >"$work/conns.crash"
whole=$(grep -c " received=$((BYTES + 1)) " "$work/conns.crash")

wait "$client"
rc=$?
out=$(tail -n 1 "$work/client.out")
echo "# client: $out"
if [ $rc -eq 0 ] && echo "$out" | jq -e ".ok == $CONNS and .reset == 0 and .eof == 0" >/dev/null; then
	tap_ok "$CONNS connections of $BYTES bytes byte-exact through the crash"
else
	tap_fail "$CONNS connections of $BYTES bytes byte-exact through the crash (exit $rc)"
fi
echo "# primary: new_conn=$(bpf_stat p new_conn) synack_held=$(bpf_stat p synack_held)" \
	"syn_replayed=$(bpf_stat p syn_replayed) hold_timeout=$(bpf_stat p hold_timeout)" \
	"conn_full=$(bpf_stat p conn_full); backup: no_conn=$(bpf_stat b no_conn)" \
	"no_delta=$(bpf_stat b no_delta); whole at the crash: $whole"
if [ "$whole" -eq 0 ] && [ "$(bpf_stat p hold_timeout)" -eq 0 ]; then
	tap_ok "every connection mid-stream at the crash, none left unconfirmed"
else
	tap_fail "every connection mid-stream at the crash, none left unconfirmed"
fi

tap_done
