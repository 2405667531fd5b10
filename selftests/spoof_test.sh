#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=600
#
# Forged client segments (issue 9, finding 1, and malformed TCP options).
# tandem learns from client segments at PRE_ROUTING, before TCP checked
# their checksum, window or ACK: it must learn only what the stack takes.
# An attacker namespace on the client net (tools/tspoof, which learns the
# connection from the client's frames on its switch port) sends segments
# with the client's 4-tuple. Three replicas (deterministic server on port
# 5001, nondeterministic on 5002). Connections C, D, E and A (port 5001)
# pause with everything acknowledged; C gets
#   far ACK       ack + 2^30, right checksum, seq at the client's next seq
#   far ACK       the same, wrong checksum
#   far ACK       ack + 2^30, seq + 2^30 (out of window)
# D gets
#   data          100 bytes at seq + 2^30 (out of window)
# E gets
#   options       zero-length, overlong and truncated options, two TS
#                 options (a stale one, then the client's own: the last
#                 counts, as for TCP), a SACK block of nothing sent
# and A gets
#   far TSval     TSval + 2^30, right checksum, seq + 1 (beyond rcv_wup:
#                 TCP takes it but does not record the TSval)
#   far TSval     the same at seq + 0, wrong checksum
#   far TSval     seq - 2^30 (out of window)
# Connection B (port 5002) diverges (both backups mark it) and gets an RST
# at seq + 2^30 (out of window) and one at its seq with a wrong checksum.
#  - every node still holds B as established (an RST TCP ignored closes
#    nothing);
#  - C resumes and goes on: node1 never raised a pure ACK's seq
#    (ack_seq_raised 0), none of its ACKs left the client's window; D
#    and E resume and go on;
#  - A resumes and goes on; node1 crashes, node2 is promoted: A completes
#    byte-exact with no reset, node2 counted no PAWSEstab (no forged TSval
#    reached its socket), and B, diverged, is reset (no differing byte
#    reaches the client).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=5001
PORT_B=5002
OFF_B=64K
CPORT_A=40001
CPORT_B=40002
CPORT_C=40003
CPORT_D=40004
CPORT_E=40005
PAUSE=$((256 << 10))
BYTES_A=$((12 << 20))
TSPOOF=${TSPOOF:-$_tap_dir/selftests/tools/tspoof}
G=1073741824
PLAN=16

[ "$(id -u)" = 0 ] || ksft_skip_all "needs root"
for tool in ip ss jq nstat; do
	command -v $tool >/dev/null || ksft_skip_all "no $tool"
done
[ -x "$TSTREAM" ] && [ -x "$TSPOOF" ] || ksft_skip_all "no $TSTREAM or $TSPOOF (make -C selftests)"
[ -d /sys/module/tandem ] || ksft_skip_all "tandem.ko is not loaded"

tap_init $PLAN

finish() {
	local i
	for ((i = _tap_n + 1; i <= PLAN; i++)); do tap_skip "case $i" "$1"; done
	tap_done
}

mib() {
	node_exec "$1" nstat -asz "$2" | awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }'
}

# conn_state NODE CPORT: the state of NODE's entry of the client port
conn_state() {
	tandem_node "$1" -j conn show group g 2>/dev/null |
		jq -r --argjson p "$2" '[.[] | select(.client_port == $p) | .state] | first // "none"'
}

conn_diverged() {
	tandem_node "$1" -j conn show group g 2>/dev/null | jq -en --argjson p "$2" \
		'input | any(.[]; .client_port == $p and any(.flags[]?; . == "diverged"))' >/dev/null
}

# states_established CPORT: every node's entry of CPORT is established
states_established() {
	local node s rc=0 line=
	for node in 1 2 3; do
		s=$(conn_state $node "$1")
		line+=" node$node $s"
		[ "$s" = established ] || rc=1
	done
	echo "# client port $1:$line"
	return $rc
}

# spoof ARGS...: tspoof from the attacker, sniffing on the client's port
spoof() {
	node_exec attacker "$TSPOOF" --dev eth0 --to $TOPO_VIP:"$1" \
		--sniff-netns "$(node_ns sw)" --sniff-dev c0 "${@:2}"
}

setup() {
	local node pid
	local -a pids=()
	topo_up 3 && topo_offload on && topo_replicate $PORT && topo_attacker || return 1
	for node in 1 2 3; do
		tandem_node $node service add group g port $PORT_B || return 1
		tstream_server $node $PORT_B --nondeterministic $OFF_B &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || return 1
	done
}

if ! setup; then
	tap_fail "topology, group, servers (5001, 5002 nondeterministic), attacker"
	finish "no topology"
fi
tap_ok "topology, group, servers (5001, 5002 nondeterministic), attacker"

# pausing CPORT BYTES RATE SPEC...: a client from CPORT pausing at
# PAUSE (resumed by $TOPO_DIR/resume.CPORT), and tspoof forging SPECs once
# it is quiet there (its JSON in $TOPO_DIR/spoof.CPORT); the client's pid
# in $client, tspoof's in $spoofer
pausing() {
	local cport=$1 bytes=$2 rate=$3 ready=$TOPO_DIR/spoof.$1.ready
	shift 3
	spoof $PORT --from $TOPO_CLIENT_ADDR:$cport --ready-file "$ready" --sniff-ms 90000 \
		--quiet-ms 1000 --after-off $PAUSE "$@" > "$TOPO_DIR/spoof.$cport" &
	spoofer=$!
	wait_until 10 test -e "$ready" || echo "# tspoof did not start"
	tstream_client $TOPO_VIP:$PORT --bind $TOPO_CLIENT_ADDR:$cport -b "$bytes" \
		--rate "$rate" --seed $SRANDOM -t 30 --pause-at $PAUSE \
		--resume-file "$TOPO_DIR/resume.$cport" --progress-file "$TOPO_DIR/progress.$cport" \
		> "$TOPO_DIR/client.$cport" 2> "$TOPO_DIR/client.$cport.err" &
	client=$!
}

# spoofed NAME CPORT N: tspoof sent N segments, the client paused at PAUSE
# (its next seq PAUSE bytes past its ISN)
spoofed() {
	local json n isn nxt
	wait "$spoofer_pid"
	json=$(cat "$TOPO_DIR/spoof.$2")
	echo "# tspoof $1: $json"
	n=$(grep -o '"seq":' <<< "$json" | wc -l)
	isn=$(json_num "$json" isn) nxt=$(json_num "$json" snd_nxt)
	if [ "$n" = "$3" ] && [ -n "$nxt" ] && [ "$isn" -ge 0 ] &&
	   [ $(((nxt - isn - 1) & 0xffffffff)) = $PAUSE ]; then
		tap_ok "$1: $3 forged segments at the pause (offset $PAUSE)"
	else
		tap_fail "$1: $3 forged segments at the pause (offset $PAUSE; $n sent)"
	fi
}

# resume NAME CPORT PID KIB: resumed, KIB more verified within 15 s
resume() {
	local progress=$TOPO_DIR/progress.$2 at
	touch "$TOPO_DIR/resume.$2"
	echo "# $1 resumed ${SECONDS} s in"
	at=$(stream_progress "$progress")
	if stream_wait_bytes "$progress" $((at + ($4 << 10))) 15 "$3"; then
		tap_ok "$1: $4 KiB more verified after the forged segments"
	else
		echo "# $1 verified $(stream_progress "$progress")"
		tap_fail "$1: $4 KiB more verified after the forged segments"
	fi
}

pausing $CPORT_C $((1 << 20)) 1M "ack=$G" "ack=$G,csum=bad" "seq=$G,ack=$G"
client_c=$client spoofer_c=$spoofer
pausing $CPORT_D $((1 << 20)) 1M "seq=$G,len=100"
client_d=$client spoofer_d=$spoofer
# Not two TS options of fixed values: a last TSval that is newer than the
# client's (modulo 2^32) at the receive window's left edge becomes the
# server's ts_recent and PAWS then drops the client, with or without tandem.
pausing $CPORT_E $((1 << 20)) 1M \
	"opts=0500" "opts=05ff0000" "opts=080a0102" "opts=0200" \
	"opts=0101080a0000000100000002,ts=0" \
	"opts=0101050a0000000100000002,ts=0"
client_e=$client spoofer_e=$spoofer
pausing $CPORT_A $BYTES_A 1M "seq=1,ts=$G" "ts=$G,csum=bad" "seq=-$G,ts=$G"
client_a=$client spoofer_a=$spoofer
out_b=$TOPO_DIR/client.b
tstream_client $TOPO_VIP:$PORT_B --bind $TOPO_CLIENT_ADDR:$CPORT_B -b 64M --rate 256K \
	--seed $SRANDOM -t 30 --nondeterministic $OFF_B > "$out_b" 2> "$out_b.err" &
client_b=$!

# B diverges; an out-of-window RST.
if wait_until 60 conn_diverged 2 $CPORT_B && wait_until 30 conn_diverged 3 $CPORT_B; then
	tap_ok "B: diverged on node2 and node3"
else
	tandem_node 2 conn show group g | sed 's/^/# node2: /'
	tap_fail "B: diverged on node2 and node3"
fi
spoofed=$(spoof $PORT_B --from $TOPO_CLIENT_ADDR:$CPORT_B --sniff-ms 500 "seq=$G,flags=R" \
	"flags=R,csum=bad")
echo "# tspoof B: $spoofed"
# the RST reaches the backups through node1's mirror
wait_until 2 eval '[ "$(conn_state 2 $CPORT_B)" = closed ]'
if states_established $CPORT_B; then
	tap_ok "B: established on every node after an out-of-window RST and one with a wrong checksum"
else
	tap_fail "B: established on every node after an out-of-window RST and one with a wrong checksum"
fi

# C: the far ACKs.
spoofer_pid=$spoofer_c spoofed C $CPORT_C 3
resume C $CPORT_C $client_c 256
raised=$(topo_counter 1 ack_seq_raised)
echo "# node1: $(topo_counters 1)"
if [ "$raised" = 0 ]; then
	tap_ok "node1 raised no pure ACK's seq (ack_seq_raised 0)"
else
	tap_fail "node1 raised no pure ACK's seq (ack_seq_raised $raised)"
fi

# D: the out-of-window data; E: the malformed options.
spoofer_pid=$spoofer_d spoofed D $CPORT_D 1
resume D $CPORT_D $client_d 256
spoofer_pid=$spoofer_e spoofed E $CPORT_E 6
resume E $CPORT_E $client_e 256

# A: the far TSvals; the crash follows at once.
spoofer_pid=$spoofer_a spoofed A $CPORT_A 3
resume A $CPORT_A $client_a 512
if states_established $CPORT_A; then
	tap_ok "A: established on every node"
else
	tap_fail "A: established on every node"
fi

# The crash.
paws0=$(mib 2 TcpExtPAWSEstab)
node_crash 1
echo "# node1 crashed ${SECONDS} s in, after $(stream_progress "$TOPO_DIR/progress.$CPORT_A") verified bytes of A"
topo_failover 2 2 || echo "# promoting node2 failed"
wait $client_a
json=$(cat "$TOPO_DIR/client.$CPORT_A")
echo "# A: $json"
sed 's/^/# /' "$TOPO_DIR/client.$CPORT_A.err"
if [ "$(json_num "$json" ok)" = 1 ] && [ "$(json_num "$json" bytes_verified)" = $BYTES_A ]; then
	tap_ok "A: byte-exact, no reset across the crash"
else
	tap_fail "A: byte-exact, no reset across the crash"
fi
paws=$(mib 2 TcpExtPAWSEstab)
# A poisoned ts_recent drops every segment of the client (hundreds: +450
# on 7084897); segments reordered around the takeover, a few.
if [ $((paws - paws0)) -lt 50 ]; then
	tap_ok "node2 dropped no stream of the client's as PAWS (TcpExtPAWSEstab +$((paws - paws0)))"
else
	tap_fail "node2 dropped no stream of the client's as PAWS (TcpExtPAWSEstab +$((paws - paws0)))"
fi
wait $client_b
json=$(cat "$out_b")
echo "# B: $json"
sed 's/^/# /' "$out_b.err"
if [ "$(json_num "$json" reset)" = 1 ] && [ "$(json_num "$json" mismatch)" = 0 ]; then
	tap_ok "B: reset at the takeover, no differing byte"
else
	tap_fail "B: reset at the takeover, no differing byte"
fi
echo "# node2: $(topo_counters 2)"
kill $client_c $client_d $client_e 2>/dev/null
wait $client_c $client_d $client_e
for cport in $CPORT_C $CPORT_D $CPORT_E; do
	sed "s/^/# client port $cport: /" "$TOPO_DIR/client.$cport" "$TOPO_DIR/client.$cport.err"
done
tap_done
