#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An unmodified third-party server through a crash of the primary on the
# eBPF data path (bpf/), natively on the running kernel (bpf_lib.sh):
# Debian's redis-server (no persistence) on the primary and the backup; a
# client keeps ONE connection to the VIP (bash's /dev/tcp: a reset or an
# EOF ends it, nothing reconnects) and runs rounds of INCR, APPEND, SET and
# GET, checking every reply: INCR counts without gap or repeat, APPEND
# returns the exact length, GET returns what was SET (keys from before the
# crash too), and at the end the whole APPENDed string. The primary
# crashes a third of the way through and the backup is promoted.
. "$(dirname "$0")/bpf_lib.sh"

command -v redis-server >/dev/null || ksft_skip_all "no redis-server"
PORT=6379
ROUNDS=${REDIS_ROUNDS:-150}

tap_init 6

redis_up() { [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$PORT")" ]; }
redis_start() {
	local ns=$1 dir=$work/redis.$1
	mkdir -p "$dir" || return 1
	ip netns exec "$ns" redis-server --save '' --appendonly no --port $PORT \
		--bind "$VIP" --protected-mode no --daemonize no --dir "$dir" \
		--logfile "$dir/log" </dev/null >/dev/null 2>&1 &
	echo $! >"$work/server.$ns.pid"
	on_exit kill -9 $!
	wait_until 20 redis_up "$ns"
}
servers() { redis_start "$P" && redis_start "$B"; }

tap_check "topology: client LAN, primary, backup, replication link" bpf_setup
tap_check "programs loaded and attached, group and service $VIP:$PORT set" bpf_dp
tap_check "redis-server on the VIP on the primary and on the backup" servers

# the client: ROUNDS rounds on one connection, the round in $4
cat >"$work/client.sh" <<'EOS'
exec 3<>"/dev/tcp/$1/$2" || { echo "cannot connect"; exit 2; }
rounds=$3 progress=$4 log=
send() {
	local req a
	printf -v req '*%d\r\n' $#
	for a; do printf -v req '%s$%d\r\n%s\r\n' "$req" ${#a} "$a"; done
	printf '%s' "$req" >&3
}
get() {
	local line
	IFS= read -r -t 60 line <&3 || { echo "round $i: no reply (closed, reset or 60 s)"; exit 1; }
	line=${line%$'\r'}
	case $line in
	'$-1') r='(nil)' ;;
	'$'*)	IFS= read -r -t 60 r <&3 || { echo "round $i: bulk cut"; exit 1; }
		r=${r%$'\r'}
		[ ${#r} -eq "${line#\$}" ] || { echo "round $i: bulk length"; exit 1; } ;;
	*) r=$line ;;
	esac
}
want() {
	local w=$1
	shift
	send "$@"
	get
	[ "$r" = "$w" ] || { echo "round $i: $* gave '$r', not '$w'"; exit 1; }
}
v() { echo "value-$1-$(( $1 * 7919 % 100003 ))"; }
for ((i = 1; i <= rounds; i++)); do
	want ":$i" INCR counter
	log+="$i,"
	want ":${#log}" APPEND log "$i,"
	want "+OK" SET "key:$i" "$(v $i)"
	j=$(( (i * 37 + 11) % i + 1 ))
	want "$(v $j)" GET "key:$j"
	(( i % 25 )) || want "$log" GET log
	echo "$i" >"$progress"
done
for ((j = 1; j <= rounds; j += 7)); do want "$(v $j)" GET "key:$j"; done
want "$log" GET log
echo "ok: $rounds rounds on one connection, every reply as expected"
EOS

ip netns exec "$C" bash "$work/client.sh" "$VIP" "$PORT" "$ROUNDS" "$work/progress" \
	>"$work/client.out" 2>&1 &
client=$!
on_exit kill "$client"
round_ge() { local n=0; read -r n <"$work/progress" 2>/dev/null; [ "${n:-0}" -ge "$1" ]; }
tap_check "$((ROUNDS / 3)) rounds through the VIP, every reply as expected" \
	wait_until 120 round_ge $((ROUNDS / 3))

tap_check "the primary crashes at round $(cat "$work/progress"); the backup is promoted" bpf_crash_promote

t0=$SECONDS
wait "$client"
rc=$?
sed 's/^/# client: /' "$work/client.out"
if [ $rc -eq 0 ] && round_ge "$ROUNDS"; then
	tap_ok "$ROUNDS rounds on one connection through the crash ($((SECONDS - t0)) s after it), every reply as expected"
else
	tap_fail "$ROUNDS rounds on one connection through the crash, every reply as expected (exit $rc)"
fi

tap_done
