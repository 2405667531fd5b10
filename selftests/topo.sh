#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The data-path test topology, for shell tests that have sourced lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/topo.sh"
#
# A client and N replicas (node1 the first primary, node2.. its backups) are
# network namespaces with random names; a "sw" namespace holds two bridges:
#
#   client net 10.200.0.0/24      client eth0 10.200.0.2, nodeI eth0 10.200.0.(10+I)
#                                 VIP 10.200.0.100 (on the nodes given to vip_add)
#   replication net 10.201.0.0/24 nodeI eth1 10.201.0.(10+I)
#
# Each node's processes run in a cgroup of their own (or are found by
# namespace where cgroup2 is missing), so that a crash kills all of them.
# Everything is removed on exit (lib.sh's on_exit).
#
#   topo_up [N]                build it (N replicas, default 3); a topology
#                              already up is torn down first
#   topo_down                  tear it down (also on exit)
#   node_exec NODE CMD...      run CMD in NODE (1..N, nodeI, client)
#   client_exec CMD...         node_exec client CMD...
#   node_ns NODE               echo NODE's namespace
#   node_addr NODE, node_rep_addr NODE   echo its client/replication address
#   node_alive NODE            true unless crashed
#   node_crash NODE            cut NODE's links (nothing it sends escapes
#                              after that, no FIN, no RST), then kill all its
#                              processes, then delete its namespace
#   vip_add NODE, vip_del NODE the VIP on NODE's eth0 (as a /32)
#   tandem_node NODE ARGS...   the CLI in NODE's namespace
#   topo_group NAME PORT... [-- GROUP_ADD_ARGS...]
#                              a group (id 1, the VIP, a fresh key) on every
#                              live replica, every other replica its member,
#                              the ports its services
#   topo_roles PRIMARY EPOCH [LEASE_MS]
#                              every other live replica backup in EPOCH, then
#                              PRIMARY primary in EPOCH with the lease [3600000]
#   topo_lag_group PORT        the lag tests' group g: the VIP on every live
#                              replica, the group's lag bound lifted, PORT's
#                              service bound 1 MiB / 2.5 s, node1 primary
#                              in epoch 1
#   rep_netem NODE ARGS...     netem on NODE's replication egress (eth1), e.g.
#                              rep_netem 1 loss 5% reorder 25% delay 1ms duplicate 2%
#   rep_netem_clear NODE
#   rep_mtu MTU                the MTU of the whole replication net
#   topo_offload on|off        GRO, GSO and TSO on every veth (both ends)
#   topo_offload_show          one line per veth end, "NODE DEV gro on gso on
#                              tso on" (sw: the switch's ends); true if all on
#   topo_offload_check         true if GRO, GSO and TSO are on everywhere
#   topo_offload_ethtool NODE DEV   the same as ethtool -k reports it
#   topo_tcp_show NODE         NODE's TCP timestamps/SACK/window scaling sysctls
#   tstream_server NODE PORT [ARGS...]
#                              start a tstream server in NODE in the
#                              background; returns once it listens; its
#                              stderr goes to $TOPO_DIR/server.nodeI.PORT.log
#   tstream_client ARGS...     run a tstream client in the client namespace
#   stream_progress FILE       echo the bytes a --progress-file reports (0)
#   stream_wait_bytes FILE BYTES TIMEOUT_S [PID]
#                              wait until the client verified BYTES (false
#                              at once if the client PID is gone first)
#   stream_established FILE    echo the connections it established (0)
#   stream_wait_established FILE N TIMEOUT_S [PID]
#                              wait until N connections were established
#
#   json_num JSON KEY          echo the number KEY of a flat JSON object
#                              (tstream's summary; no process started)
#
# The replicated service (the crash tests):
#   topo_replicate PORT [-- GROUP_ADD_ARGS...]
#                              the VIP on every live replica, group "g"
#                              protecting PORT (lag bound at its maxima:
#                              under emulation backups trail by more than
#                              the defaults; GROUP_ADD_ARGS come after and
#                              override), node1 its primary in epoch 1, a
#                              tstream server on PORT on every replica (with
#                              the options in the array TOPO_SERVER_ARGS);
#                              sockets orphaned by the teardown die quickly
#   topo_failover NODE EPOCH [LEASE_MS]
#                              promote NODE (primary in EPOCH, lease
#                              [3600000]: the takeover), then every other
#                              live replica follows as a backup in EPOCH
#   topo_counter NODE NAME     echo a counter of the group on NODE (0 if none)
#   topo_counter_ge NODE NAME N  true if that counter is at least N
#   topo_counters NODE         echo NODE's non-zero group counters, "k=v ..."
#   topo_ns_counter NODE NAME  echo a counter of NODE's namespace (0 if none)
#   node_mib NODE NAME         echo NODE's SNMP counter NAME (nstat's name;
#                              0 if none)
#   topo_attacker              an "attacker" namespace on the client net
#                              (node "attacker", device eth0, no address);
#                              the client's frames cross the switch's port
#                              c0 (namespace "node_ns sw"), where tools/tspoof
#                              can learn its connections
#   topo_probe NODE NET DEV [ADDR/LEN]
#                              a namespace of its own, node NODE, its device
#                              DEV on the switch's bridge NET (brc: the
#                              client net, brr: the replication net), with
#                              ADDR; the switch's end of it is "v-NODE"
#   node_mute NODE             nothing NODE sends on the client net leaves it
#                              any more (its replication link stays up): what
#                              it sends last never reaches the client
#   topo_dump [MAX_LINES]      every live node's counters, connections,
#                              sockets and TCP MIB, then the client's, as
#                              "# " lines (on failure); at most MAX_LINES of
#                              each listing
#
# TOPO_VIP, TOPO_N, TOPO_DIR (a scratch directory, removed on exit),
# TSTREAM and TOFFLOAD (the tools' binaries) are set by topo_up.
#
# Processes started at the edge of the shell are slow under TCG (0.1-0.5 s
# each for ip, ethtool, jq): the functions batch ip commands, read cgroup
# files with builtins and set offloads with one toffload process.

TOPO_VIP=10.200.0.100
TOPO_CLIENT_ADDR=10.200.0.2
TOPO_GROUP_ID=1
TOPO_REPL_PORT=7000
TSTREAM=${TSTREAM:-$_tap_dir/selftests/tools/tstream}
TOFFLOAD=${TOFFLOAD:-$_tap_dir/selftests/tools/toffload}
TOPO_N=0
TOPO_DIR=
TOPO_GROUP=
declare -ga TOPO_SERVER_ARGS=()
declare -gA _topo_ns=()		# node -> namespace
declare -gA _topo_cg=()		# node -> cgroup directory ("" without cgroup2)
declare -ga _topo_nodes=()	# every namespace's node name, sw first
declare -gA _topo_dead=()	# crashed nodes
_topo_cgroot=
_topo_registered=

# _topo_node NODE: the canonical name of NODE in $_node; 1 if unknown
_topo_node() {
	case $1 in
	[0-9]*) _node=node$1 ;;
	*) _node=$1 ;;
	esac
	[ -n "${_topo_ns[$_node]:-}" ] && return 0
	echo "topo: no node '$1'" >&2
	return 1
}

node_ns() { _topo_node "$1" && echo "${_topo_ns[$_node]}"; }

node_alive() { _topo_node "$1" 2>/dev/null && [ -z "${_topo_dead[$_node]:-}" ]; }

node_addr() {
	_topo_node "$1" || return 1
	[ "$_node" = client ] && { echo $TOPO_CLIENT_ADDR; return 0; }
	echo "10.200.0.$((10 + ${_node#node}))"
}

node_rep_addr() {
	_topo_node "$1" || return 1
	echo "10.201.0.$((10 + ${_node#node}))"
}

# Runs CMD in NODE's namespace, in NODE's cgroup. (The shell's own stderr
# is /dev/null meanwhile: a crash kills CMD, and bash would say so.)
node_exec() {
	local cg ns
	_topo_node "$1" || return 1
	shift
	ns=${_topo_ns[$_node]} cg=${_topo_cg[$_node]}
	{
		(
			exec 2>&3 3>&-
			[ -n "$cg" ] && echo "$BASHPID" > "$cg/cgroup.procs"
			exec ip netns exec "$ns" "$@"
		)
	} 3>&2 2>/dev/null
}

client_exec() { node_exec client "$@"; }

tandem_node() {
	_topo_node "$1" || return 1
	shift
	"$TANDEM_CLI" -n "${_topo_ns[$_node]}" "$@"
}

# _topo_ns_name NODE: choose NODE's namespace name and cgroup
_topo_ns_name() {
	printf -v "_topo_ns[$1]" 'tandem-%08x' "$SRANDOM"
	_topo_cg[$1]=${_topo_cgroot:+$_topo_cgroot/$1}
	_topo_nodes+=("$1")
}

# _topo_pids NODE: the processes of NODE
_topo_pids() {
	local cg=${_topo_cg[$1]}
	if [ -n "$cg" ]; then
		cat "$cg/cgroup.procs" 2>/dev/null
	else
		ip netns pids "${_topo_ns[$1]}" 2>/dev/null
	fi
}

_topo_no_pids() {
	local cg=${_topo_cg[$1]} line
	if [ -n "$cg" ]; then
		# "populated 0" once the cgroup is empty (no fork to find out)
		while read -r line; do
			[ "$line" = "populated 0" ] && return 0
		done < "$cg/cgroup.events"
		return 1
	fi
	[ -z "$(_topo_pids "$1")" ]
}

# _topo_kill NODE: SIGKILL every process of NODE, wait until they are gone
_topo_kill() {
	local cg=${_topo_cg[$1]} pids
	if [ -n "$cg" ] && [ -e "$cg/cgroup.kill" ]; then
		echo 1 > "$cg/cgroup.kill"
	else
		# without cgroup.kill, until no process (forks included) is left
		while pids=$(_topo_pids "$1") && [ -n "$pids" ]; do
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null
			sleep 0.01
		done
	fi
	_topo_no_pids "$1" || wait_until 10 _topo_no_pids "$1"
}

# _topo_orphans_go NODE: the sockets its processes leave behind die soon
# and do not keep the namespace (and its group) alive. Only at the end: a
# backup's shadow sockets learn of the client's ACKs late (through the
# mirror), and under load an orphan allowed one retry dies before they come.
_topo_orphans_go() {
	ip netns exec "${_topo_ns[$1]}" sysctl -qw net.ipv4.tcp_orphan_retries=1 \
		net.ipv4.tcp_fin_timeout=1 2>/dev/null
}

# Kills everything, then deletes the namespaces (one ip), the cgroups and
# the scratch directory.
topo_down() {
	local node
	for node in "${_topo_nodes[@]}"; do
		[ -n "${_topo_dead[$node]:-}" ] && continue
		_topo_orphans_go "$node"
		_topo_kill "$node" || echo "topo: processes of $node do not die" >&2
	done
	for node in "${_topo_nodes[@]}"; do
		[ -n "${_topo_dead[$node]:-}" ] || echo "netns del ${_topo_ns[$node]}"
	done | ip -force -batch - 2>/dev/null
	[ -n "$_topo_cgroot" ] &&
		rmdir "${_topo_nodes[@]/#/$_topo_cgroot/}" "$_topo_cgroot" 2>/dev/null
	rm -rf "$TOPO_DIR"
	_topo_nodes=() _topo_ns=() _topo_cg=() _topo_dead=()
	_topo_cgroot= TOPO_DIR= TOPO_GROUP= TOPO_N=0
	return 0
}

# ip is slow to start under TCG: one batch creates the namespaces and every
# link, then one per namespace configures it.
topo_up() {
	local n=${1:-3} i node sw
	[ -x "$TSTREAM" ] || { echo "topo: no $TSTREAM (make -C selftests)" >&2; return 1; }
	[ ${#_topo_nodes[@]} -eq 0 ] || topo_down
	TOPO_N=$n
	TOPO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tandem-topo.XXXXXX") || return 1
	[ -n "$_topo_registered" ] || on_exit topo_down
	_topo_registered=1
	[ -w /sys/fs/cgroup/cgroup.procs ] && _topo_cgroot=/sys/fs/cgroup/${TOPO_DIR##*/}
	_topo_ns_name sw
	_topo_ns_name client
	for ((i = 1; i <= n; i++)); do
		_topo_ns_name node$i
	done
	if [ -n "$_topo_cgroot" ] && ! mkdir "$_topo_cgroot" "${_topo_cg[@]}"; then
		echo "topo: no cgroups; processes are found by namespace" >&2
		for node in "${_topo_nodes[@]}"; do _topo_cg[$node]=; done
		_topo_cgroot=
	fi
	sw=${_topo_ns[sw]}
	{
		for node in "${_topo_nodes[@]}"; do
			echo "netns add ${_topo_ns[$node]}"
		done
		echo "link add brc netns $sw type bridge"
		echo "link add brr netns $sw type bridge"
		echo "link add c0 netns $sw type veth peer name eth0 netns ${_topo_ns[client]}"
		for ((i = 1; i <= n; i++)); do
			echo "link add c$i netns $sw type veth peer name eth0 netns ${_topo_ns[node$i]}"
			echo "link add r$i netns $sw type veth peer name eth1 netns ${_topo_ns[node$i]}"
		done
	} | ip -batch - || return 1
	{
		printf 'link set %s up\n' lo brc brr
		echo "link set c0 master brc up"
		for ((i = 1; i <= n; i++)); do
			echo "link set c$i master brc up"
			echo "link set r$i master brr up"
		done
	} | ip -n "$sw" -batch - || return 1
	printf 'link set lo up\naddr add %s/24 dev eth0\nlink set eth0 up\n' \
		$TOPO_CLIENT_ADDR | ip -n "${_topo_ns[client]}" -batch - || return 1
	for ((i = 1; i <= n; i++)); do
		{
			printf 'link set lo up\naddr add %s/24 dev eth0\nlink set eth0 up\n' \
				"10.200.0.$((10 + i))"
			printf 'addr add %s/24 dev eth1\nlink set eth1 up\n' "10.201.0.$((10 + i))"
		} | ip -n "${_topo_ns[node$i]}" -batch - || return 1
	done
}

# node_crash NODE: links first (deleting the switch's end of a veth deletes
# both ends), then every process, then the namespace.
node_crash() {
	local i
	_topo_node "$1" || return 1
	[ "$_node" != client ] && [ "$_node" != sw ] || { echo "topo: cannot crash $_node" >&2; return 1; }
	i=${_node#node}
	printf 'link del c%s\nlink del r%s\n' "$i" "$i" | ip -n "${_topo_ns[sw]}" -batch - || return 1
	_topo_dead[$_node]=1
	_topo_orphans_go "$_node"
	_topo_kill "$_node" || { echo "topo: processes of $_node do not die" >&2; return 1; }
	ip netns del "${_topo_ns[$_node]}"
}

vip_add() {
	_topo_node "$1" || return 1
	ip -n "${_topo_ns[$_node]}" addr add "$TOPO_VIP/32" dev eth0
}

vip_del() {
	_topo_node "$1" || return 1
	ip -n "${_topo_ns[$_node]}" addr del "$TOPO_VIP/32" dev eth0
}

# _topo_replicas: the live replicas
_topo_replicas() {
	local i
	for ((i = 1; i <= TOPO_N; i++)); do
		node_alive $i && echo node$i
	done
}

topo_group() {
	local name=$1 node j key=$TOPO_DIR/group.key
	local -a ports=() extra=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do ports+=("$1"); shift; done
	[ "${1:-}" = -- ] && { shift; extra=("$@"); }
	TOPO_GROUP=$name
	[ -s "$key" ] || (umask 077 && "$TANDEM_CLI" genkey > "$key") || return 1
	for node in $(_topo_replicas); do
		tandem_node "$node" group add "$name" id $TOPO_GROUP_ID vip $TOPO_VIP \
			node "${node#node}" local "$(node_rep_addr "$node")" \
			port $TOPO_REPL_PORT key "$key" "${extra[@]}" || return 1
		for ((j = 1; j <= TOPO_N; j++)); do
			[ "node$j" = "$node" ] && continue
			tandem_node "$node" member add group "$name" node $j \
				addr "$(node_rep_addr $j)" port $TOPO_REPL_PORT || return 1
		done
		for j in "${ports[@]}"; do
			tandem_node "$node" service add group "$name" port "$j" || return 1
		done
	done
}

topo_roles() {
	local primary node epoch=$2 lease=${3:-3600000}
	_topo_node "$1" || return 1
	primary=$_node
	for node in $(_topo_replicas); do
		[ "$node" = "$primary" ] && continue
		tandem_node "$node" group set "$TOPO_GROUP" role backup epoch "$epoch" || return 1
	done
	tandem_node "$primary" group set "$TOPO_GROUP" role primary epoch "$epoch" lease "$lease"
}

topo_lag_group() {
	local node
	for node in $(_topo_replicas); do
		vip_add "$node" || return 1
	done
	topo_group g "$1" -- max-lag-bytes 1073741824 max-lag-ms 600000 ||
		return 1
	for node in $(_topo_replicas); do
		tandem_node "$node" service set group g port "$1" \
			max-lag-bytes 1048576 max-lag-ms 2500 || return 1
	done
	topo_roles 1 1
}

rep_netem() {
	_topo_node "$1" || return 1
	shift
	tc -n "${_topo_ns[$_node]}" qdisc replace dev eth1 root netem "$@"
}

rep_netem_clear() {
	_topo_node "$1" || return 1
	tc -n "${_topo_ns[$_node]}" qdisc del dev eth1 root 2>/dev/null
	return 0
}

rep_mtu() {
	local node sw=${_topo_ns[sw]}
	ip -n "$sw" link set brr mtu "$1" || return 1
	for node in $(_topo_replicas); do
		ip -n "$sw" link set "r${node#node}" mtu "$1" &&
		ip -n "${_topo_ns[$node]}" link set eth1 mtu "$1" || return 1
	done
}

# _topo_ifaces: NAMESPACE/DEVICE for every veth end of the live nodes
_topo_ifaces() {
	local node sw=${_topo_ns[sw]}
	for node in client $(_topo_replicas); do
		echo "${_topo_ns[$node]}/eth0"
		[ "$node" = client ] && echo "$sw/c0" && continue
		echo "${_topo_ns[$node]}/eth1"
		echo "$sw/c${node#node}"
		echo "$sw/r${node#node}"
	done
}

# toffload: what ethtool -K/-k does, for all devices in one process
topo_offload() {
	# shellcheck disable=SC2046
	"$TOFFLOAD" gro "$1" gso "$1" tso "$1" $(_topo_ifaces) > /dev/null
}

topo_offload_show() {
	local line node rc
	# shellcheck disable=SC2046
	line=$("$TOFFLOAD" -c $(_topo_ifaces))
	rc=$?
	for node in "${!_topo_ns[@]}"; do
		line=${line//${_topo_ns[$node]}\//$node }
	done
	echo "$line" | sort
	return $rc
}

topo_offload_check() {
	# shellcheck disable=SC2046
	"$TOFFLOAD" -c $(_topo_ifaces) > /dev/null
}

# ethtool's own view of NODE's DEV (slower: two processes)
topo_offload_ethtool() {
	_topo_node "$1" || return 1
	ip netns exec "${_topo_ns[$_node]}" ethtool -k "$2" |
		grep -E '^(generic-receive|generic-segmentation|tcp-segmentation)-offload:'
}

topo_tcp_show() {
	_topo_node "$1" || return 1
	ip netns exec "${_topo_ns[$_node]}" sh -c 'cd /proc/sys/net/ipv4 &&
		echo "tcp_timestamps $(cat tcp_timestamps) tcp_sack $(cat tcp_sack)" \
		     "tcp_window_scaling $(cat tcp_window_scaling)"'
}

tstream_server() {
	local port=$2 node ready
	_topo_node "$1" || return 1
	node=$_node
	shift 2
	ready=$TOPO_DIR/ready.$node.$port
	rm -f "$ready"
	# not on our stdout: a caller's $(...) would wait for the server to end
	node_exec "$node" "$TSTREAM" server -v -p "$port" --ready-file "$ready" "$@" \
		< /dev/null > /dev/null 2> "$TOPO_DIR/server.$node.$port.log" &
	disown $!	# no "Killed" from bash when its node crashes
	# a start takes seconds under TCG on a loaded host
	wait_until 30 test -e "$ready" && return 0
	echo "# topo: the tstream server on $node port $port not ready in 30 s" >&2
	sed 's/^/# /' "$TOPO_DIR/server.$node.$port.log" >&2
	return 1
}

tstream_client() { client_exec "$TSTREAM" client "$@"; }

# _topo_progress FILE: its fields in _b (bytes), _e (established), _d (done)
_topo_progress() {
	_b=0 _e=0 _d=0
	[ -f "$1" ] && read -r _b _e _d < "$1"
	: "${_b:=0}" "${_e:=0}" "${_d:=0}"
}

stream_progress() { _topo_progress "$1"; echo "$_b"; }

stream_established() { _topo_progress "$1"; echo "$_e"; }

# _topo_progress_ge FILE BYTES [PID]: true once BYTES are verified or PID is gone
_topo_progress_ge() {
	_topo_progress "$1"
	[ "$_b" -ge "$2" ] || { [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; }
}

_topo_established_ge() {
	_topo_progress "$1"
	[ "$_e" -ge "$2" ] || { [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; }
}

stream_wait_bytes() {
	wait_until "$3" _topo_progress_ge "$1" "$2" "${4:-}" && _topo_progress "$1" &&
		[ "$_b" -ge "$2" ]
}

stream_wait_established() {
	wait_until "$3" _topo_established_ge "$1" "$2" "${4:-}" && _topo_progress "$1" &&
		[ "$_e" -ge "$2" ]
}

# stream_stall_watch FILE SECS OUT [PID]: in the background, each time the
# progress FILE stands still for SECS while the stream PID runs, appends a
# dump of every node (topo_dump) to OUT: the state during a stall, not after.
stream_stall_watch() {
	local file=$1 secs=$2 out=$3 pid=${4:-} last=-1 since=$SECONDS dumped=0
	while [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null; do
		_topo_progress "$file"
		if [ "$_b" != "$last" ]; then
			last=$_b since=$SECONDS dumped=0
		elif [ $dumped = 0 ] && [ $((SECONDS - since)) -ge "$secs" ]; then
			{ echo "stall at ${SECONDS}s: $_b bytes verified, none for ${secs}s"
			  _topo_dump 1000000; } >> "$out" 2>&1
			dumped=1
		fi
		sleep 0.5
	done
}

json_num() {
	[[ $1 =~ \"$2\":(-?[0-9.]+) ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

# stream_exact JSON TOTAL [CONNS]: tstream's result says every one of its
# CONNS (1) connections completed, TOTAL bytes verified in all, no RST, no EOF
stream_exact() {
	[ "$(json_num "$1" ok)" = "${3:-1}" ] && [ "$(json_num "$1" bytes_verified)" = "$2" ] &&
		[ "$(json_num "$1" reset)" = 0 ] && [ "$(json_num "$1" eof)" = 0 ]
}

topo_replicate() {
	local port=$1 node
	local -a extra=()
	shift
	[ "${1:-}" = -- ] && { shift; extra=("$@"); }
	for node in $(_topo_replicas); do
		vip_add "$node" || return 1
	done
	topo_group g "$port" -- max-lag-bytes 1073741824 max-lag-ms 600000 \
		"${extra[@]}" || return 1
	topo_roles 1 1 || return 1
	# the servers start at once (each is slow to start under TCG)
	local -a pids=()
	for node in $(_topo_replicas); do
		tstream_server "$node" "$port" "${TOPO_SERVER_ARGS[@]}" &
		pids+=($!)
	done
	for node in "${pids[@]}"; do
		wait "$node" || return 1
	done
}

topo_failover() {
	local primary node epoch=$2 lease=${3:-3600000}
	_topo_node "$1" || return 1
	primary=$_node
	tandem_node "$primary" group set "$TOPO_GROUP" role primary epoch "$epoch" \
		lease "$lease" || return 1
	for node in $(_topo_replicas); do
		[ "$node" = "$primary" ] && continue
		tandem_node "$node" group set "$TOPO_GROUP" role backup epoch "$epoch" ||
			return 1
	done
}

topo_counter() {
	local out
	out=$(tandem_node "$1" -j stats group "$TOPO_GROUP" 2>/dev/null)
	json_num "$out" "$2" || echo 0
}

topo_ns_counter() {
	json_num "$(tandem_node "$1" -j stats 2>/dev/null)" "$2" || echo 0
}

node_mib() {
	node_exec "$1" nstat -asz "$2" | awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }'
}

topo_counter_ge() { [ "$(topo_counter "$1" "$2")" -ge "$3" ]; }

topo_counters() {
	local out re='"([a-z0-9_]+)":([1-9][0-9]*)(.*)' line=
	out=$(tandem_node "$1" -j stats group "$TOPO_GROUP" 2>/dev/null)
	out=${out#*\"counters\"}
	while [[ $out =~ $re ]]; do
		line+="${BASH_REMATCH[1]}=${BASH_REMATCH[2]} "
		out=${BASH_REMATCH[3]}
	done
	echo "${line% }"
}

# _topo_mib NODE: the non-zero TCP MIB counters of NODE, on one line
_topo_mib() {
	node_exec "$1" nstat -az 2>/dev/null |
		awk '$2 > 0 && $1 ~ /Tcp/ { printf "%s=%s ", $1, $2 }'
}

_topo_dump() {
	local node log max=$1
	dmesg | grep -v "entered\|left\|state\|link becomes" | tail -n 20 | sed 's/^/dmesg: /'
	for node in $(_topo_replicas); do
		echo "$node counters: $(topo_counters "$node")"
		tandem_node "$node" conn show group "$TOPO_GROUP" 2>&1 | head -n "$max" |
			sed "s/^/$node: /"
		node_exec "$node" ss -tnio | head -n "$max" | sed "s/^/$node: /"
		echo "$node mib: $(_topo_mib "$node")"
	done
	client_exec ss -tnio | head -n "$max" | sed 's/^/client: /'
	echo "client mib: $(_topo_mib client)"
	for log in "$TOPO_DIR"/server.*.log; do
		[ -s "$log" ] && tail -n 5 "$log" | sed "s/^/${log##*/}: /"
	done
	for node in $(_topo_replicas); do
		echo "$node counters: $(topo_counters "$node")"
	done
}

topo_dump() { _topo_dump "${1:-1000000}" 2>&1 | sed 's/^/# /'; }

topo_probe() {
	local node=$1 net=$2 dev=$3 addr=${4:-} sw=${_topo_ns[sw]} ns end
	end=v-${node:0:13}
	_topo_ns_name "$node"
	ns=${_topo_ns[$node]}
	[ -n "${_topo_cg[$node]}" ] && { mkdir "${_topo_cg[$node]}" || return 1; }
	printf 'netns add %s\nlink add %s netns %s type veth peer name %s netns %s\n' \
		"$ns" "$end" "$sw" "$dev" "$ns" | ip -batch - || return 1
	{
		printf 'link set lo up\nlink set %s up\n' "$dev"
		[ -n "$addr" ] && printf 'addr add %s dev %s\n' "$addr" "$dev"
	} | ip -n "$ns" -batch - || return 1
	ip -n "$sw" link set "$end" master "$net" up
}

topo_attacker() { topo_probe attacker brc eth0; }

node_mute() {
	_topo_node "$1" || return 1
	tc -n "${_topo_ns[$_node]}" qdisc replace dev eth0 root netem loss 100%
}
