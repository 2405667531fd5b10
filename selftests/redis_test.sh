#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An unmodified third-party server survives a crash of the primary (issue 3,
# test 11). Debian's redis-server runs on three replicas (no persistence);
# a client keeps ONE connection to the VIP (bash's /dev/tcp: a reset or an
# EOF ends it, nothing reconnects behind the test's back) and runs rounds
# of INCR, APPEND, SET and GET, checking every reply against what it
# expects: the INCR sequence has no gap and no repeat, APPEND returns the
# exact length, GET returns the value SET earlier (keys from before the
# crash included), and now and then the whole APPENDed string. The primary
# crashes a third of the way through, node2 is promoted: every reply stays
# consistent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

PORT=6379
ROUNDS=${REDIS_ROUNDS:-150}
PLAN=5

require_root
require_command ip jq ss redis-server
require_built "$TSTREAM"
require_module

tap_init $PLAN

redis_listens() {
	[ -n "$(node_exec "$1" ss -Hltn "sport = :$PORT")" ]
}

redis_start() {
	local dir=$TOPO_DIR/redis.$1
	mkdir -p "$dir" || return 1
	node_exec "$1" redis-server --save '' --appendonly no --port $PORT \
		--bind 0.0.0.0 --protected-mode no --daemonize no --dir "$dir" \
		--logfile "$dir/log" < /dev/null > /dev/null 2>&1 &
	disown $!
	wait_until 20 redis_listens "$1"
}

setup() {
	local node
	topo_up 3 || return 1
	topo_offload on
	for node in 1 2 3; do
		vip_add $node || return 1
		node_exec $node sysctl -qw net.ipv4.tcp_orphan_retries=1 \
			net.ipv4.tcp_fin_timeout=1 || return 1
	done
	topo_group g $PORT -- max-lag-bytes 1073741824 max-lag-ms 600000 ||
		return 1
	topo_roles 1 1 || return 1
	for node in 1 2 3; do
		redis_start $node || { echo "# redis-server on node$node:"; \
			sed 's/^/#   /' "$TOPO_DIR/redis.node$node/log"; return 1; }
	done
}

# The client: one connection, ROUNDS rounds; the round number in PROGRESS.
# Exit 0 if every reply was the expected one.
write_client() {
	cat > "$TOPO_DIR/client.sh" <<'EOF'
vip=$1 port=$2 rounds=$3 progress=$4
exec 3<>"/dev/tcp/$vip/$port" || { echo "connect failed"; exit 2; }
# One write per command (no Nagle wait between its pieces).
cmd() {
	local req part a
	printf -v req '*%d\r\n' $#
	for a; do
		printf -v part '$%d\r\n%s\r\n' ${#a} "$a"
		req+=$part
	done
	printf '%s' "$req" >&3
}
# reply: one RESP reply in $r (a bulk string: its value)
reply() {
	local line rc
	IFS= read -r -t 60 line <&3
	rc=$?
	if [ $rc -gt 128 ]; then echo "round $i: no reply in 60 s"; exit 1; fi
	if [ $rc -ne 0 ]; then echo "round $i: connection closed or reset"; exit 1; fi
	line=${line%$'\r'}
	case $line in
	\$-1) r='(nil)' ;;
	\$*)
		IFS= read -r -t 60 r <&3 || { echo "round $i: bulk cut"; exit 1; }
		r=${r%$'\r'}
		[ ${#r} -eq "${line#\$}" ] || { echo "round $i: bulk length"; exit 1; }
		;;
	*) r=$line ;;
	esac
}
expect() { # expect WANT CMD...
	local want=$1
	shift
	cmd "$@"
	reply
	[ "$r" = "$want" ] && return 0
	echo "round $i: $* -> '$r', expected '$want'"
	exit 1
}
val() { v="v$1-$(( $1 * 7919 % 100003 ))"; }
log=
for ((i = 1; i <= rounds; i++)); do
	expect ":$i" INCR ctr
	log+="$i,"
	expect ":${#log}" APPEND log "$i,"
	val $i
	expect "+OK" SET "k:$i" "$v"
	j=$(( (i * 37 + 11) % i + 1 ))
	val $j
	expect "$v" GET "k:$j"
	if (( i % 20 == 0 )); then
		expect "$log" GET log
		expect "(nil)" GET "k:$((i + 1))"
	fi
	echo $i > "$progress"
done
for ((j = 1; j <= rounds; j += 7)); do
	val $j
	expect "$v" GET "k:$j"
done
expect "$rounds" GET ctr
expect "$log" GET log
echo "ok: $rounds rounds, every reply as expected, one connection"
EOF
}

round_ge() {
	local n=0
	[ -f "$1" ] && read -r n < "$1"
	[ "${n:-0}" -ge "$2" ]
}

if ! setup; then
	tap_fail "topology, group, redis-server on every replica"
	topo_dump
	tap_skip_rest "no topology"
fi
tap_ok "topology, group, redis-server on every replica (${SECONDS}s)"

write_client
progress=$TOPO_DIR/progress
out=$TOPO_DIR/client.out
client_exec bash "$TOPO_DIR/client.sh" $TOPO_VIP $PORT $ROUNDS "$progress" \
	> "$out" 2>&1 &
client=$!
if wait_until 120 round_ge "$progress" $((ROUNDS / 3)); then
	tap_ok "$((ROUNDS / 3)) rounds through the VIP, every reply consistent"
else
	sed 's/^/# client: /' "$out"
	topo_dump
	tap_fail "$((ROUNDS / 3)) rounds through the VIP, every reply consistent"
fi

node_crash 1
echo "# crashed node1 at round $(cat "$progress" 2>/dev/null) (${SECONDS}s)"
if tandem_node 2 group set g role primary epoch 2 lease 3600000 &&
   tandem_node 3 group set g role backup epoch 2; then
	tap_ok "node2 promoted, node3 follows epoch 2"
else
	tap_fail "node2 promoted, node3 follows epoch 2"
fi
wait $client
rc=$?
sed 's/^/# client: /' "$out"
echo "# client done (${SECONDS}s)"
if [ $rc -eq 0 ] && round_ge "$progress" $ROUNDS; then
	tap_ok "$ROUNDS rounds on one connection across the crash, every reply consistent"
else
	topo_dump
	tap_fail "$ROUNDS rounds on one connection across the crash, every reply consistent"
fi
echo "# node2: $(topo_counters 2)"
echo "# node3: $(topo_counters 3)"
if [ "$(topo_counter 2 takeover_resumed)" -ge 1 ] && [ "$(topo_counter 2 diverged)" -eq 0 ] &&
   [ "$(topo_counter 3 diverged)" -eq 0 ]; then
	tap_ok "node2 resumed the connection; no backup saw redis diverge"
else
	tap_fail "node2 resumed the connection; no backup saw redis diverge"
fi
tap_done
