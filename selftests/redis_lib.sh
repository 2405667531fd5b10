#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's redis-server behind the VIP, and a client that checks every
# reply (redis_test.sh, load_failover_test.sh). Needs topo.sh; REDIS_PORT.

REDIS_PORT=${REDIS_PORT:-6379}

redis_listens() {
	[ -n "$(node_exec "$1" ss -Hltn "sport = :$REDIS_PORT")" ]
}

redis_start() {
	local dir=$TOPO_DIR/redis.$1
	mkdir -p "$dir" || return 1
	node_exec "$1" redis-server --save '' --appendonly no --port $REDIS_PORT \
		--bind 0.0.0.0 --protected-mode no --daemonize no --dir "$dir" \
		--logfile "$dir/log" < /dev/null > /dev/null 2>&1 &
	disown $!
	wait_until 20 redis_listens "$1"
}

# redis_write_client: writes TOPO_DIR/client.sh, the client: one
# connection, ROUNDS rounds; the round number in PROGRESS. With STOP, it
# goes on past ROUNDS until the file STOP exists (a client that outlasts
# whatever the test waits for, however fast the host). Exit 0 if every
# reply was the expected one. Run it as: client_exec bash
# "$TOPO_DIR/client.sh" VIP PORT ROUNDS PROGRESS [STOP]
redis_write_client() {
	cat > "$TOPO_DIR/client.sh" <<'EOF'
vip=$1 port=$2 rounds=$3 progress=$4 stop=$5
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
more() { [ $i -le $rounds ] || { [ -n "$stop" ] && [ ! -e "$stop" ]; }; }
i=1
while more; do
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
	i=$((i + 1))
done
rounds=$((i - 1))
for ((j = 1; j <= rounds; j += 7)); do
	val $j
	expect "$v" GET "k:$j"
done
expect "$rounds" GET ctr
expect "$log" GET log
echo "ok: $rounds rounds, every reply as expected, one connection"
EOF
}

redis_round_ge() {
	local n=0
	[ -f "$1" ] && read -r n < "$1"
	[ "${n:-0}" -ge "$2" ]
}

