#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo.sh: the main job. On the host it installs what it needs
# (scripts/deps.sh), builds the module, the CLI and the test tools, and boots
# Debian's kernel in a VM (selftests/vm/run.sh); there (`--in-vm`):
#
#   - a client and three replicas (network namespaces, selftests/topo.sh),
#     tandem.ko loaded, one replica group "demo" protecting two services of
#     the VIP 10.200.0.100: Debian's redis-server (port 6379) and tstream's
#     transform server (port 5001), both running unmodified on every replica;
#   - node1 primary, node2 and node3 backups (epoch 1);
#   - the client keeps persistent connections through the VIP: redis
#     connections doing SET/INCR/APPEND/GET and checking every reply, and
#     paced tstream connections checking every byte they get back;
#   - node1 crashes mid-stream (links cut first, so nothing escapes, then
#     its processes killed); tandemd on the survivors detects it and elects
#     the new primary (promote() waits for that; DEMO_CONTROLLER=manual
#     promotes node2 by hand with the CLI instead);
#   - a summary: bytes verified, connections survived, the client's longest
#     pause, which node took over and in which epoch.
#
# Exit 0 only if everything was verified: every connection survived with no
# reset and no lost, duplicated or altered byte or reply, a new connection
# after the failover reads the state the old ones wrote, the kernel log is
# clean and the module unloads. TANDEM_VM_TIMEOUT bounds the VM [600 s].
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

if [ $# -eq 0 ]; then
	scripts/deps.sh || exit 1
	echo "# building the module, the CLI and the test tools (make all)"
	make -s -j"$(nproc)" all 2>&1 | { grep -v '^Skipping BTF generation' || true; }
	[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
	echo "# booting $(uname -m) Debian kernel in qemu (selftests/vm/run.sh)"
	exec selftests/vm/run.sh --timeout "${TANDEM_VM_TIMEOUT:-600}" --cmd 'scripts/demo.sh --in-vm'
fi

# tandemd on every replica detects the crash and elects the new primary;
# DEMO_CONTROLLER=manual promotes by hand with the CLI instead.
CONTROLLER=${DEMO_CONTROLLER:-tandemd}
GROUP=demo
[ "$CONTROLLER" = tandemd ] && GROUP=g
OLD=1 OLD_EPOCH=1
REDIS_PORT=6379
STREAM_PORT=5001
REDIS_CONNS=4
STREAM_CONNS=2
STREAM_BYTES=3M		# per connection
STREAM_RATE=256K	# per connection, bytes/s: paced, so the crash lands mid-stream
CRASH_AT=$((512 << 10))	# bytes the stream verified before the crash

# ---- the redis client (in the client namespace) -----------------------------
#
# redis_client VIP PORT CONNS STOP PROGRESS: CONNS persistent connections
# (bash's /dev/tcp), each in turn doing SET demo:C:val, INCR demo:C:ctr,
# APPEND demo:C:log and GET demo:C:val and checking every reply against what
# it must be; once STOP exists, reads each connection's counter and log back,
# then QUITs. Keeps the rounds done in PROGRESS. Prints one line:
# "conns N ok N commands N bytes N max_ms F counters C0,C1,..." and exits 0
# if every reply was right.
redis_client() {
	local vip=$1 port=$2 n=$3 stop=$4 prog=$5
	local -a fd=() ctr=() logs=()
	local c f k=0 ok=0 cmds=0 bytes=0 max=0 line data t0 dt err=0 rounds=0

	# send ARGS...: one command in RESP, timed; reply in $line (and $data)
	send() {
		local a req="*$#"$'\r\n'
		for a in "$@"; do req+="\$${#a}"$'\r\n'"$a"$'\r\n'; done
		t0=${EPOCHREALTIME/[.,]/}
		printf '%s' "$req" >&"${fd[c]}" ||
			{ echo "redis client: conn $c: $1: write failed" >&2; return 1; }
		IFS= read -r -t 60 -u "${fd[c]}" line ||
			{ echo "redis client: conn $c: $1: no reply (EOF, reset or 60 s timeout)" >&2; return 1; }
		line=${line%$'\r'} data=
		bytes=$((bytes + ${#line} + 2))
		if [[ $line == \$[0-9]* ]]; then
			IFS= read -r -t 60 -u "${fd[c]}" data ||
				{ echo "redis client: conn $c: $1: truncated reply" >&2; return 1; }
			data=${data%$'\r'}
			bytes=$((bytes + ${#data} + 2))
		fi
		dt=$((${EPOCHREALTIME/[.,]/} - t0))
		((dt > max)) && max=$dt
		cmds=$((cmds + 1))
	}
	# expect WHAT REPLY [DATA]: the reply must be REPLY (and DATA)
	expect() {
		[ "$line" = "$2" ] && [ "$data" = "${3:-}" ] && return 0
		echo "redis client: conn $c: $1: got '$line' '$data', want '$2' '${3:-}'" >&2
		return 1
	}

	for ((c = 0; c < n; c++)); do
		exec {f}<>"/dev/tcp/$vip/$port" ||
			{ echo "redis client: connect $vip:$port failed" >&2; return 1; }
		fd[c]=$f
		ctr[c]=0 logs[c]=
		# a fresh state (the keys may exist from an earlier run)
		send DEL "demo:$c:val" "demo:$c:ctr" "demo:$c:log" || return 1
	done
	while [ ! -e "$stop" ]; do
		for ((c = 0; c < n; c++)); do
			send SET "demo:$c:val" "v$k" && expect SET +OK || { err=1; break 2; }
			ctr[c]=$((ctr[c] + 1))
			send INCR "demo:$c:ctr" && expect INCR ":${ctr[c]}" || { err=1; break 2; }
			logs[c]+="$k,"
			send APPEND "demo:$c:log" "$k," && expect APPEND ":${#logs[c]}" || { err=1; break 2; }
			send GET "demo:$c:val" && expect GET "\$$((${#k} + 1))" "v$k" || { err=1; break 2; }
		done
		k=$((k + 1)) rounds=$((rounds + 1))
		echo "$rounds" > "$prog"
	done
	for ((c = 0; c < n; c++)); do
		if [ $err = 0 ] && send GET "demo:$c:ctr" && expect "GET ctr" "\$${#ctr[c]}" "${ctr[c]}" &&
		   send GET "demo:$c:log" && expect "GET log" "\$${#logs[c]}" "${logs[c]}" &&
		   send QUIT && expect QUIT +OK; then
			ok=$((ok + 1))
		fi
		f=${fd[c]}
		exec {f}>&-
	done
	local IFS=,
	echo "conns $n ok $ok commands $cmds bytes $bytes max_ms $((max / 1000)).$(((max % 1000) / 100)) counters ${ctr[*]}"
	[ $ok = "$n" ]
}

if [ "$1" = --redis-client ]; then
	shift
	redis_client "$@"
	exit
fi
[ "$1" = --in-vm ] || { echo "usage: scripts/demo.sh [--in-vm]" >&2; exit 1; }

# ---- in the VM, as root, from the repository root ---------------------------

. selftests/lib.sh
. selftests/topo.sh
. selftests/tandemd_lib.sh

say() { printf '\n# %s\n' "$*"; }
# on NODE ARGS...: the CLI in NODE, shown as typed there
on() {
	echo "[node$1]\$ tandem ${*:2}"
	tandem_node "$@"
}
die() {
	echo "demo: FAILED: $*" >&2
	exit 1
}

# promote: the failover. By hand for now: node2 becomes the primary in epoch
# 2 and node3 follows it as a backup. (tandemd's automatic failover replaces
# this function: it detects the crash and does the same kernel operations.)
promote() {
	if [ "$CONTROLLER" = tandemd ]; then
		echo "(tandemd on node2 and node3: heartbeats missed, election, kernel role switch)"
		td_wait_failover node$OLD "$OLD_EPOCH" 60 > /dev/null
		return
	fi
	on 2 group set $GROUP role primary epoch 2 lease 3600000 &&
	on 3 group set $GROUP role backup epoch 2
}

# tandemd_setup: one INI file per replica, tandemd started on each, a primary elected
tandemd_setup() {
	say "tandemd on every replica: one configuration file each (node1's below; the others differ in [node] id)"
	"$TANDEM_CLI" genkey > "$TOPO_DIR/group.key" || die "genkey"
	TD_GROUP_EXTRA=$'max-lag-bytes = 1G\nmax-lag-time = 600s'
	TD_TAIL=$'[service g '$REDIS_PORT$']\n\n[service g '$STREAM_PORT$']'
	td_configure || die "tandemd configuration"
	sed 's/^/    /' "$(td_conf 1)"
	td_start_all || die "tandemd did not start: $(td_log 1 | tail -5)"
	wait_until 60 td_one_primary || die "tandemd elected no primary"
	OLD=$(td_primaries)
	OLD=${OLD#node}
	OLD_EPOCH=$(td_epoch node$OLD)
	echo "tandemd elected node$OLD primary in epoch $OLD_EPOCH; the other two are its backups"
	on $OLD group show $GROUP
}

# primary: echo "NODE EPOCH" of the live replica that is primary
primary() {
	local i j
	for ((i = 1; i <= TOPO_N; i++)); do
		node_alive $i || continue
		j=$(tandem_node $i -j group show $GROUP |
			jq -r 'if type == "array" then .[0] else . end | "\(.role) \(.epoch)"')
		[ "${j%% *}" = primary ] && { echo "node$i ${j#* }"; return 0; }
	done
	return 1
}

say "Kernel $(uname -r) on $(nproc) emulated CPUs; tandem.ko loaded"
if [ ! -d /sys/module/tandem ]; then
	modprobe -q nf_defrag_ipv4; modprobe -q libchacha20poly1305; insmod "$TANDEM_KO" || die "insmod $TANDEM_KO"
fi
grep -E '^tandem ' /proc/modules

say "A client and three replicas (network namespaces on a client bridge and a replication bridge)"
topo_up 3 || die "topology"
topo_offload on || die "offloads"
for i in 1 2 3; do
	vip_add $i || die "VIP on node$i"
	node_exec $i sysctl -qw net.ipv4.tcp_orphan_retries=1 net.ipv4.tcp_fin_timeout=1
done
echo "client 10.200.0.2; node1..3 10.200.0.11-13, VIP 10.200.0.100 on each;" \
     "replication net 10.201.0.0/24"

if [ "$CONTROLLER" = tandemd ]; then
	tandemd_setup
else
say "The group on every replica (node1's commands shown; node2 and node3 get the same with their own node id and address)"
	key=$TOPO_DIR/demo.key
	echo "\$ tandem genkey > demo.key     # the group key, copied to every replica"
	"$TANDEM_CLI" genkey > "$key" || die "genkey"
	for i in 1 2 3; do
		# show node1's commands, run the others' quietly
		if [ $i = 1 ]; then cli=on; else cli=tandem_node; fi
		# The lag bound is lifted: under emulation the backups trail the
		# primary by more than its defaults, and a backup dropped from
		# protection would turn the failover into a reset (the lag tests' case).
		$cli $i group add $GROUP id 1 vip $TOPO_VIP node $i local "$(node_rep_addr $i)" \
			port $TOPO_REPL_PORT key "$key" max-lag-bytes 1G max-lag-ms 600000 || die "group add on node$i"
		for j in 1 2 3; do
			[ $j = $i ] && continue
			$cli $i member add group $GROUP node $j addr "$(node_rep_addr $j)" \
				port $TOPO_REPL_PORT || die "member add on node$i"
		done
		$cli $i service add group $GROUP port $REDIS_PORT || die "service add on node$i"
		$cli $i service add group $GROUP port $STREAM_PORT || die "service add on node$i"
	done
	say "Roles: node2 and node3 backups, then node1 primary, in epoch 1 (a lease of an hour: no controller renews it here)"
	on 2 group set $GROUP role backup epoch 1 || die "role on node2"
	on 3 group set $GROUP role backup epoch 1 || die "role on node3"
	on 1 group set $GROUP role primary epoch 1 lease 3600000 || die "role on node1"
	on 1 group show $GROUP
	
fi

say "Every replica runs the same unmodified servers: Debian's redis-server, tstream's transform server"
for i in 1 2 3; do
	dir=$TOPO_DIR/redis.node$i
	mkdir -p "$dir"
	node_exec $i redis-server --port $REDIS_PORT --bind 0.0.0.0 --protected-mode no \
		--save '' --appendonly no --dir "$dir" --logfile "$dir/log" \
		< /dev/null > /dev/null 2>&1 &
	disown $!
	tstream_server $i $STREAM_PORT || die "tstream server on node$i"
done
for i in 1 2 3; do
	wait_until 30 grep -q 'Ready to accept connections' "$TOPO_DIR/redis.node$i/log" ||
		die "redis-server on node$i did not start: $(cat "$TOPO_DIR/redis.node$i/log")"
done
redis-server --version

say "The client: $REDIS_CONNS redis connections, $STREAM_CONNS paced streams of $STREAM_BYTES, all through the VIP"
rprog=$TOPO_DIR/redis.progress rstop=$TOPO_DIR/redis.stop sprog=$TOPO_DIR/stream.progress
client_exec bash scripts/demo.sh --redis-client $TOPO_VIP $REDIS_PORT $REDIS_CONNS \
	"$rstop" "$rprog" > "$TOPO_DIR/redis.out" 2> "$TOPO_DIR/redis.err" &
rclient=$!
rounds() { local r=0; [ -f "$rprog" ] && read -r r < "$rprog"; echo "${r:-0}"; }
rounds_ge() { [ "$(rounds)" -ge "$1" ]; }
wait_until 60 rounds_ge 5 || die "the redis client made no progress: $(cat "$TOPO_DIR/redis.err")"
tstream_client $TOPO_VIP:$STREAM_PORT -c $STREAM_CONNS -b $STREAM_BYTES --rate $STREAM_RATE \
	--seed $SRANDOM -t 60 --progress-file "$sprog" > "$TOPO_DIR/stream.out" \
	2> "$TOPO_DIR/stream.err" &
sclient=$!
stream_wait_bytes "$sprog" $CRASH_AT 60 ||
	die "the stream never reached $CRASH_AT bytes ($(stream_progress "$sprog"))"
echo "redis: $(rounds) rounds of SET/INCR/APPEND/GET per connection so far;" \
     "stream: $(stream_progress "$sprog") bytes verified so far"
say "The primary's connection table: every connection protected by both backups"
on $OLD conn show group $GROUP

say "CRASH node$OLD, the primary: its links cut (nothing it sends escapes), then its processes killed"
node_crash $OLD || die "crash"
at=$(stream_progress "$sprog")
echo "node$OLD crashed with $at stream bytes verified, redis at round $(rounds)"
promote || die "promotion"

say "The client carries on; waiting for the streams to finish"
wait $sclient
src=$?
touch "$rstop"
wait $rclient
rrc=$?
sjson=$(cat "$TOPO_DIR/stream.out")
rline=$(cat "$TOPO_DIR/redis.out")
echo "stream: $sjson"
echo "redis:  $rline"
sed 's/^/stream: /' "$TOPO_DIR/stream.err"
sed 's/^/redis: /' "$TOPO_DIR/redis.err"

say "A new connection after the failover reads what the old ones wrote (redis-cli through the VIP)"
read -r -a rfield <<< "$rline"
IFS=, read -r -a want <<< "${rfield[11]:-}"
keys=()
for ((c = 0; c < REDIS_CONNS; c++)); do keys+=("demo:$c:ctr"); done
echo "\$ redis-cli -h $TOPO_VIP MGET ${keys[*]}"
got=$(client_exec redis-cli -h $TOPO_VIP -p $REDIS_PORT MGET "${keys[@]}" | tr '\n' ',')
got=${got%,}
echo "$got (the client counted ${want[*]+"${want[*]}"})"
want_s=$(IFS=,; echo "${want[*]+"${want[*]}"}")

read -r took epoch <<< "$(primary)"
NEW=${took#node}
say "What the new primary's kernel says"
on $NEW group show $GROUP
on $NEW conn show group $GROUP
read -r resumed reset < <(tandem_node $NEW -j stats group $GROUP |
	jq -r '(if type == "array" then .[0] else . end).counters |
		"\(.takeover_resumed // 0) \(.takeover_reset // 0)"')
echo "$took: takeover_resumed $resumed (connections resumed), takeover_reset $reset"

# ---- the summary and the verdict ----
fails=()
sok=$(json_num "$sjson" ok)
sbytes=$(json_num "$sjson" bytes_verified) spause=$(json_num "$sjson" max_pause_ms)
sreset=$(json_num "$sjson" reset) seof=$(json_num "$sjson" eof)
[ "$src" = 0 ] && [ "${sok:-0}" = $STREAM_CONNS ] && [ "${sreset:-1}" = 0 ] && [ "${seof:-1}" = 0 ] &&
	[ "${sbytes:-0}" = $(($(numfmt --from=iec $STREAM_BYTES) * STREAM_CONNS)) ] ||
	fails+=("the stream: $sjson")
rok=${rfield[3]:-0} rbytes=${rfield[7]:-0} rcmds=${rfield[5]:-0} rpause=${rfield[9]:-0}
[ "$rrc" = 0 ] && [ "$rok" = $REDIS_CONNS ] || fails+=("the redis client: $rline")
[ -n "$want_s" ] && [ "$got" = "$want_s" ] || fails+=("a new connection read counters $got, want $want_s")
[ "$reset" = 0 ] || fails+=("$took reset $reset connections at takeover")
[ "$at" -lt $(($(numfmt --from=iec $STREAM_BYTES) * STREAM_CONNS)) ] ||
	fails+=("the stream had ended before the crash took effect (a slow host): run again")
[ -n "$took" ] && [ "$took" != node$OLD ] && [ "${epoch:-0}" -gt "$OLD_EPOCH" ] ||
	fails+=("the primary is '$took' in epoch '$epoch'")
pause=$(awk -v a="${spause:-0}" -v b="$rpause" 'BEGIN { printf "%.0f", (a + 0 > b + 0) ? a : b }')

say "Clean up: the namespaces go, the module unloads, the kernel log is clean"
topo_down
wait_until 60 rmmod tandem 2>/dev/null && echo "tandem.ko unloaded" ||
	fails+=("tandem.ko does not unload")
if dmesg | grep -E 'Oops|BUG|WARNING|Call Trace'; then
	fails+=("the kernel log shows the above")
fi

cat <<EOF

================================ summary ================================
 bytes verified        $((sbytes + rbytes)) ($sbytes stream bytes, each checked; $rbytes bytes
                       of $rcmds redis replies, each checked)
 connections survived  $((sok + rok)) of $((STREAM_CONNS + REDIS_CONNS)) ($sok of $STREAM_CONNS streams, $rok of $REDIS_CONNS redis), $sreset resets
 longest client pause  $pause ms (the longest wait for a byte or a reply: stream
                       ${spause:-?} ms, redis $rpause ms); the crash, the
                       failover ($CONTROLLER) and the takeover fall in it,
                       all under TCG emulation
 took over             $took in epoch $epoch (ballot $((${epoch:-0} >> 32)) of node $((${epoch:-0} & 0xffffffff)));
                       node$OLD was primary in epoch $OLD_EPOCH
=========================================================================
EOF
if [ ${#fails[@]} -gt 0 ]; then
	printf 'demo: FAILED: %s\n' "${fails[@]}"
	exit 1
fi
echo "demo: everything verified"
