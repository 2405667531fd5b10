#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tandemd on the topology of topo.sh, for shell tests that have sourced
# lib.sh and topo.sh:
#
#   td_up N [WITNESS_NODE]     topology of N replicas (topo_up), one config
#                              per replica (a witness has no data path);
#                              nothing started yet
#   td_configure               the same for a topology already up (topo_up),
#                              group g on every replica
#   td_start_all               start tandemd on every live replica
#   td_stream_up PORT          td_up 3, group g protecting PORT (lag bound at
#                              its maxima), the VIP and a tstream server on
#                              PORT on every replica (orphaned sockets die
#                              quickly), tandemd started on each; 1 if the
#                              topology could not be made
#   td_wait_failover OLD EPOCH [TIMEOUT_S]
#                              wait until a node other than OLD is the one
#                              primary in an epoch above EPOCH (OLD, if
#                              alive, is not counted); echo "NODE EPOCH"
#   td_conf NODE               echo NODE's config file; TD_NODE_EXTRA lines
#                              are appended to [node], TD_GROUP_EXTRA lines
#                              to [group g], TD_TAIL at the end
#   td_start NODE              start tandemd in NODE; returns once it is ready
#   td_kill NODE [SIGNAL]      signal NODE's tandemd [KILL]; waits until gone
#   td_signal NODE SIGNAL      signal NODE's tandemd (STOP, CONT...), no wait
#   td_protected NODE          echo how many connections NODE's kernel could
#                              continue (not closed, unprotected, diverged):
#                              the count tandemd ranks candidates by
#   td_pid NODE                echo the pid of NODE's tandemd
#   td_role NODE               echo NODE's kernel role of group g
#   td_role_is NODE ROLE       true if NODE's kernel role is ROLE
#   td_epoch NODE              echo NODE's kernel epoch of group g (the number)
#   td_epoch_str EPOCH         echo EPOCH as the CLI and the logs show it,
#                              BALLOT.NODE (8589934593 is 2.1)
#   td_primaries               echo the live nodes whose kernel is primary
#   td_conns_ge NODE N         true if NODE's tandemd counts at least N
#                              protected connections (group show -j)
#   td_one_primary             true if exactly one live node is primary and
#                              every other live non-witness node a backup
#                              of the same epoch
#   td_status NODE             tandem group show g -j in NODE (with tandemd's
#                              view under "agreement")
#   td_log NODE                NODE's tandemd log (stderr)
#   td_dump                    every node's role, epoch and log tail as TAP
#                              comments (after a failure)
#
#   td_link2_up                a second heartbeat link: bridge "brh" in sw,
#                              nodeI eth2 10.202.0.(10+I) on it (sw end hI);
#                              every member gets "addr2" in the files
#                              written after (td_configure)
#   node_rep2_addr NODE        echo its second link's address
#
# Timers are short (heartbeat 100 ms, lease 2 s) but loose enough for TCG
# on a loaded host;
# TD_TIMERS replaces them (lines of [group g]).

TD_BIN=${TD_BIN:-$_tap_dir/ctl/tandemd/tandemd}
TD_AGREE_PORT=7001
TD_WITNESS=
TD_GROUP_EXTRA=${TD_GROUP_EXTRA:-}
TD_TAIL=${TD_TAIL:-}
TD_TIMERS=${TD_TIMERS:-"heartbeat = 100ms
miss = 5
lease = 2s
election-timeout = 300ms
stagger = 100ms
backoff = 200ms
margin = 50ms
conns-interval = 500ms"}

td_stream_up() {
	local port=$1 i
	TD_GROUP_EXTRA="max-lag-bytes = 1G
max-lag-time = 600s"
	TD_TAIL="[service g $port]"
	td_up 3 || return 1
	for i in 1 2 3; do
		vip_add $i
		node_exec $i sysctl -qw net.ipv4.tcp_orphan_retries=1 net.ipv4.tcp_fin_timeout=1
		tstream_server $i "$port" || echo "# no tstream server on node$i"
	done
	for i in 1 2 3; do td_start $i || echo "# tandemd did not start on node$i"; done
}

td_conns_ge() {
	tandem_node "$1" -j group show g | jq -e ".[0].agreement.conns >= $2" > /dev/null
}

td_conf() { _topo_node "$1" && echo "$TOPO_DIR/tandemd.$_node.conf"; }

td_log() { _topo_node "$1" && cat "$TOPO_DIR/tandemd.$_node.log" 2>/dev/null; }

_td_write_conf() {
	local node=$1 i=${1#node} j
	{
		printf '[node]\nid = %s\nstate-dir = %s\ncontrol = @tandemd\nlog-level = %s\n' \
			"$i" "$TOPO_DIR/state.$node" "${TD_LOG_LEVEL:-info}"
		[ -n "${TD_NODE_EXTRA:-}" ] && printf '%s\n' "$TD_NODE_EXTRA"
		printf '\n'
		printf '[group g]\nid = %s\nvip = %s\nkey = %s\nport = %s\nagree-port = %s\n' \
			$TOPO_GROUP_ID $TOPO_VIP "$TOPO_DIR/group.key" $TOPO_REPL_PORT $TD_AGREE_PORT
		for ((j = 1; j <= TOPO_N; j++)); do
			printf 'member = %s %s%s%s\n' $j "$(node_rep_addr $j)" \
				"${TD_LINK2:+ addr2 $(node_rep2_addr $j)}" \
				"$([ "$j" = "$TD_WITNESS" ] && echo " witness")"
		done
		printf '%s\n' "$TD_TIMERS"
		[ -n "$TD_GROUP_EXTRA" ] && printf '%s\n' "$TD_GROUP_EXTRA"
		[ -n "$TD_TAIL" ] && printf '\n%s\n' "$TD_TAIL"
	} > "$TOPO_DIR/tandemd.$node.conf"
}

td_configure() {
	local i
	TOPO_GROUP=g
	[ -s "$TOPO_DIR/group.key" ] || "$TANDEM_CLI" genkey > "$TOPO_DIR/group.key" || return 1
	chmod 600 "$TOPO_DIR/group.key" || return 1	# tandemd refuses it otherwise
	for ((i = 1; i <= TOPO_N; i++)); do
		_td_write_conf node$i
		node_exec $i sysctl -qw net.ipv4.tcp_orphan_retries=1 || return 1
	done
}

TD_LINK2=

node_rep2_addr() {
	_topo_node "$1" || return 1
	echo "10.202.0.$((10 + ${_node#node}))"
}

td_link2_up() {
	local i sw
	sw=$(node_ns sw) || return 1
	{
		echo "link add brh netns $sw type bridge"
		for ((i = 1; i <= TOPO_N; i++)); do
			echo "link add h$i netns $sw type veth peer name eth2 netns $(node_ns $i)"
		done
	} | ip -batch - || return 1
	{
		echo "link set brh up"
		for ((i = 1; i <= TOPO_N; i++)); do echo "link set h$i master brh up"; done
	} | ip -n "$sw" -batch - || return 1
	for ((i = 1; i <= TOPO_N; i++)); do
		printf 'addr add %s/24 dev eth2\nlink set eth2 up\n' "$(node_rep2_addr $i)" |
			ip -n "$(node_ns $i)" -batch - || return 1
	done
	TD_LINK2=1
}

td_up() {
	TD_WITNESS=${2:-} TD_LINK2=
	topo_up "$1" && td_configure
}

td_start_all() {
	local i
	for ((i = 1; i <= TOPO_N; i++)); do
		node_alive $i || continue
		td_start $i || return 1
	done
}

_td_new_primary() {
	TD_SKIP=$1 td_one_primary && [ "$(td_primaries)" != "$1" ] &&
		[ "$(td_epoch "$(td_primaries)")" -gt "$2" ]
}

td_wait_failover() {
	local p
	wait_until "${3:-20}" _td_new_primary "$1" "$2" || return 1
	p=$(td_primaries)
	echo "$p $(td_epoch "$p")"
}

td_pid() {
	local ns p comm
	ns=$(node_ns "$1") || return 1
	for p in $(ip netns pids "$ns" 2>/dev/null); do
		read -r comm < "/proc/$p/comm" 2>/dev/null || continue
		[ "$comm" = tandemd ] && { echo "$p"; return 0; }
	done
	return 1
}

td_status() { tandem_node "$1" -j group show g; }

_td_ready() { grep -q "ready: node" "$1"; }

td_start() {
	local log
	_topo_node "$1" || return 1
	log=$TOPO_DIR/tandemd.$_node.log
	: > "$log.start"
	echo "--- start" >> "$log"
	node_exec "$_node" "$TD_BIN" -c "$TOPO_DIR/tandemd.$_node.conf" \
		< /dev/null > /dev/null 2> >(tee -a "$log" > "$log.start") &
	disown $!
	wait_until 10 _td_ready "$log.start"
}

_td_gone() { ! kill -0 "$1" 2>/dev/null; }

td_kill() {
	local pid
	pid=$(td_pid "$1") || return 1
	kill -"${2:-KILL}" "$pid" && wait_until 10 _td_gone "$pid"
}

td_signal() {
	local pid
	pid=$(td_pid "$1") || return 1
	kill -"$2" "$pid"
}

td_protected() {
	local n
	n=$(tandem_node "$1" -j conn show group g 2>/dev/null | jq -r '[.[] |
		select(.state != "closed" and
		       ((.flags // []) | index("unprotected") | not) and
		       ((.flags // []) | index("diverged") | not))] | length' 2>/dev/null)
	echo "${n:-0}"
}

_td_group_json() { tandem_node "$1" -j group show g 2>/dev/null; }

td_role() {
	local j
	j=$(_td_group_json "$1") || { echo none; return 0; }
	[[ $j =~ \"role\":\"([a-z]+)\" ]] && echo "${BASH_REMATCH[1]}"
}

td_role_is() { [ "$(td_role "$1")" = "$2" ]; }

td_epoch() {
	local j
	j=$(_td_group_json "$1") || { echo 0; return 0; }
	[[ $j =~ \"epoch\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

td_epoch_str() { echo "$(($1 >> 32)).$(($1 & 0xffffffff))"; }

td_primaries() {
	local i
	for ((i = 1; i <= TOPO_N; i++)); do
		node_alive $i || continue
		[ "$i" = "$TD_WITNESS" ] && continue
		[ "$(td_role $i)" = primary ] && echo $i
	done
	return 0
}

td_one_primary() {
	local i p=() e= role epoch
	for ((i = 1; i <= TOPO_N; i++)); do
		node_alive $i || continue
		[ "$i" = "$TD_WITNESS" ] && continue
		[ -n "${TD_SKIP:-}" ] && [ "$i" = "$TD_SKIP" ] && continue
		role=$(td_role $i) epoch=$(td_epoch $i)
		case $role in
		primary) p+=($i) ;;
		backup) ;;
		*) return 1 ;;
		esac
		[ -z "$e" ] && e=$epoch
		[ "$epoch" = "$e" ] || return 1
	done
	[ ${#p[@]} -eq 1 ]
}

td_dump() {
	local i
	for ((i = 1; i <= TOPO_N; i++)); do
		node_alive $i || { echo "# node$i: crashed"; continue; }
		echo "# node$i: role $(td_role $i) epoch $(td_epoch $i)"
		td_log $i | tail -n 15 | sed "s/^/# node$i: /"
	done
}
