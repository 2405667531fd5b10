#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tandem CLI against the module, in a fresh network namespace: every
# command, its JSON output (checked with jq), exit status 1 and a message
# for bad input, exit status 2 and the kernel's extended ACK for refused
# requests, the events of "tandem monitor", and a key that never shows.

. "$(dirname "$0")/lib.sh"

require_command jq ip
require_root
require_built "$TANDEM_CLI"
ns=$(netns_new) || ksft_skip_all "cannot create a network namespace"
other=$(netns_new) || ksft_skip_all "cannot create a network namespace"
big=$(netns_new) || ksft_skip_all "cannot create a network namespace"
tmp=$(mktemp -d) || exit 1
on_exit rm -rf "$tmp"
: > "$tmp/transcript"

tap_init 40

# The CLI in the test's namespace ("ip netns exec" is used below too, but
# each process costs under emulation).
t() {
	"$TANDEM_CLI" -n "$ns" "$@"
}

# run CMD...: CMD's output in $tmp/out and $tmp/err (also in $out_lines and
# $err), its exit status in $rc;
# everything the CLI prints is kept, to look for the key in it at the end.
run() {
	local lines
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	mapfile -t lines < "$tmp/err"
	printf -v err '%s\n' "${lines[@]}"
	mapfile -t out_lines < "$tmp/out"
	printf '%s\n' "${out_lines[@]}" "$err" >> "$tmp/transcript"
}

# has_line REGEX: a line that the last command printed matches ^REGEX$.
has_line() {
	local line
	for line in "${out_lines[@]}"; do
		[[ $line =~ ^$1$ ]] && return 0
	done
	show_failure "no line matches /^$1\$/"
	return 1
}

show_failure() {
	echo "# $1"
	sed 's/^/# out: /' "$tmp/out"
	sed 's/^/# err: /' "$tmp/err"
}

# ok CMD...: exits 0 and prints nothing on stderr.
ok() {
	run "$@"
	[ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && return 0
	show_failure "$*: exit $rc"
	return 1
}

# fails STATUS REGEX CMD...: exits STATUS, and stderr matches REGEX.
fails() {
	local want=$1 regex=$2
	shift 2
	run "$@"
	if [ $rc -ne "$want" ]; then
		show_failure "$*: exit $rc, expected $want"
		return 1
	fi
	[[ $err =~ $regex ]] && return 0
	show_failure "$*: stderr does not match /$regex/"
	return 1
}

# usage REGEX CMD...: exit 1, a message matching REGEX, a hint to the help.
usage() {
	fails 1 "$@" || return 1
	[[ $err == *'Try "tandem '*'help".'* ]] && return 0
	show_failure "$*: no hint to the help"
	return 1
}

# json FILTER CMD...: CMD succeeds and jq -e FILTER holds on its output.
json() {
	local filter=$1
	shift
	ok "$@" || return 1
	jq -e "$filter" "$tmp/out" > /dev/null && return 0
	show_failure "$*: jq -e '$filter' does not hold"
	return 1
}

kill_quiet() {
	kill "$@" 2> /dev/null
	return 0
}

"$TANDEM_CLI" genkey > "$tmp/key1" && "$TANDEM_CLI" genkey > "$tmp/key2" ||
	ksft_skip_all "tandem genkey fails"
key1=$(cat "$tmp/key1")
key2=$(cat "$tmp/key2")

# --- groups ---------------------------------------------------------------
group_human() {
	ok t group show &&
		has_line 'group: g1' &&
		has_line '  key: +\(set\)' &&
		has_line '  key: +\(none\)' &&
		has_line '  vip: +10.0.0.2' &&
		has_line '  role: +fenced'
}

group_primary() {
	ok t group set g1 role primary epoch 4 lease 60000 &&
		json '.[0] | .role == "primary" and .epoch == 4 and
		      .lease_remaining_ms > 0 and .lease_remaining_ms <= 60000' \
			t -j group show g1
}

group_tunables() {
	ok t group set g3 syn-timeout 1000 max-lag-bytes 4K max-lag-ms 1 \
		max-conns 1048576 garp-count 0 garp-interval 10000 \
		local 2001:db8::3 port 9000 key "$tmp/key2" &&
		json '.[0] | .syn_timeout_ms == 1000 and .max_lag_bytes == 4096 and
		      .max_lag_ms == 1 and .max_conns == 1048576 and
		      .garp_count == 0 and .garp_interval_ms == 10000 and
		      .repl_addr == "2001:db8::3" and .repl_port == 9000 and .has_key' \
			t -j group show g3
}

tap_check "group add with every option" \
	ok t group add g1 id 1 vip 10.0.0.1 node 1 local 192.0.2.1 port 7401 \
		key "$tmp/key1" syn-timeout 300 max-lag-bytes 8M max-lag-ms 500 \
		max-conns 1000 garp-count 5 garp-interval 50
tap_check "group show NAME -j: every field" \
	json '.[0] | .name == "g1" and .id == 1 and .vip == "10.0.0.1" and
	      .node_id == 1 and .repl_addr == "192.0.2.1" and .repl_port == 7401 and
	      .has_key == true and .role == "fenced" and .epoch == 0 and
	      .syn_timeout_ms == 300 and .max_lag_bytes == 8388608 and
	      .max_lag_ms == 500 and .max_conns == 1000 and .garp_count == 5 and
	      .garp_interval_ms == 50 and .members == 0 and .services == 0 and
	      (has("key") | not) and (has("lease_remaining_ms") | not)' \
	t -j group show g1
tap_check "group add IPv6 VIP: refused, the kernel says why" \
	fails 2 '^tandem: cannot add group g2: Invalid argument: VIP: IPv6 is not supported yet' \
	t group add name g2 id 2 vip 2001:db8::2 node 7
tap_check "group add defaults, key from stdin" \
	ok t group add name g2 id 2 vip 10.0.0.2 node 7 key - < "$tmp/key2"
tap_check "group show id N -j -p: the defaults" \
	json 'length == 1 and (.[0] | .name == "g2" and .vip == "10.0.0.2" and
	      .node_id == 7 and (has("repl_addr") | not) and .repl_port == 7400 and
	      .has_key == true and .syn_timeout_ms == 200 and
	      .max_lag_bytes == 4194304 and .max_lag_ms == 2000 and
	      .max_conns == 65536 and .garp_count == 3 and .garp_interval_ms == 100 and
	      .garp_refresh_ms == 0)' \
	t -j -p group show id 2
tap_check "group add without key" ok t group add g3 id 3 vip 10.0.0.3 node 1
tap_check "group show: dump of all groups" \
	json '[.[].name] | sort == ["g1", "g2", "g3"]' t -j group show
tap_check "group show: human output" group_human
tap_check "group set role backup epoch" ok t group set g1 role backup epoch 3
tap_check "group set role primary epoch lease" group_primary
tap_check "group set tunables, address, port and key" group_tunables

# --- members --------------------------------------------------------------
member_set() {
	ok t member set group g1 node 2 priority 50 witness on addr 192.0.2.22 &&
		json 'length == 1 and (.[0] | .priority == 50 and .witness and
		      .addr == "192.0.2.22")' t -j member show group g1 node 2
}

member_all() {
	json 'length == 2' t -j member show &&
		json '.[0].members == 2' t -j group show g1 &&
		ok t member show && has_line 'member: g1 node 3'
}

member_del() {
	ok t member del group g1 node 3 &&
		json '[.[].node_id] == [2]' t -j member show group g1
}

tap_check "member add" \
	ok t member add group g1 node 2 addr 192.0.2.2 port 7402 priority 200
tap_check "member add witness, group by id" \
	ok t member add group-id 1 node 3 addr 192.0.2.3 witness on
tap_check "member show group -j" \
	json 'length == 2 and (sort_by(.node_id) |
	      (.[0] | .group == "g1" and .group_id == 1 and .node_id == 2 and
	       .addr == "192.0.2.2" and .port == 7402 and .priority == 200 and
	       .witness == false) and
	      (.[1] | .node_id == 3 and .port == 7400 and .priority == 100 and
	       .witness == true))' \
	t -j member show group g1
tap_check "member set; member show group node" member_set
tap_check "member show of all groups; the group counts them" member_all
tap_check "member del" member_del

# --- services -------------------------------------------------------------
service_set() {
	ok t service set group g1 port 80 max-lag-ms 250 &&
		json 'length == 1 and .[0].max_lag_ms == 250 and .[0].max_lag_bytes == 0' \
			t -j service show group g1 port 80
}

tap_check "service add" ok t service add group g1 port 80
tap_check "service add with limits" \
	ok t service add group g1 port 443 max-lag-bytes 64K max-lag-ms 100
tap_check "service show -j" \
	json 'sort_by(.port) | length == 2 and
	      (.[0] | .group == "g1" and .group_id == 1 and .port == 80 and
	       .max_lag_bytes == 0 and .max_lag_ms == 0) and
	      (.[1] | .port == 443 and .max_lag_bytes == 65536 and .max_lag_ms == 100)' \
	t -j service show
tap_check "service set; service show group port" service_set

# --- namespaces -----------------------------------------------------------
tap_check "-n NETNS acts in that namespace" \
	json '.[0].name == "g1" and .[0].services == 2' \
	"$TANDEM_CLI" -n "$ns" -j group show g1
tap_check "another namespace sees nothing" \
	json '. == []' ip netns exec "$other" "$TANDEM_CLI" -j group show

# A dump longer than one datagram (the namespace's deletion frees it all).
many_groups() {
	local i
	for i in {1..60}; do
		"$TANDEM_CLI" -n "$big" group add "many$i" id "$i" vip "10.1.0.$i" \
			node 1 local 192.0.2.1 || return 1
	done
	json 'length == 60 and ([.[].name] | unique | length) == 60 and
	      ([.[].id] | sort) == [range(1; 61)]' "$TANDEM_CLI" -n "$big" -j group show
}

tap_check "a dump of 60 groups" many_groups

# --- refused by the kernel: exit 2 and the extended ACK --------------------
epoch_backwards() {
	fails 2 '^tandem: cannot change group g1: Stale file handle: .+' \
		t group set g1 epoch 1 max-conns 7 &&
		json '.[0].epoch == 4 and .[0].max_conns == 1000' t -j group show g1
}

tap_check "duplicate group: exit 2 and the extack" \
	fails 2 '^tandem: cannot add group g1: File exists: .+' \
	t group add g1 id 9 vip 10.0.0.9 node 1
tap_check "unknown group: exit 2 and the extack" \
	fails 2 '^tandem: cannot show group nosuch: No such file or directory: .+' \
	t group show nosuch
tap_check "member of an unknown group: exit 2 and the extack" \
	fails 2 '^tandem: cannot add member 2 to group nosuch: No such file or directory: .+' \
	t member add group nosuch node 2 addr 192.0.2.2
tap_check "epoch backwards: exit 2, the extack, nothing changed" epoch_backwards
tap_check "group with services: exit 2 and the extack" \
	fails 2 '^tandem: cannot delete group g1: Device or resource busy: .+' \
	t group del g1

# --- usage errors: exit 1, a message naming the problem, a hint --------------
unknown_words() {
	usage 'unknown object "grope"' t grope show &&
		usage 'unknown command "make"' t group make g4 &&
		usage 'unknown argument "colour"' \
			t group add g4 id 4 vip 10.0.0.4 node 1 colour red &&
		usage 'unknown option "--frobnicate"' t --frobnicate group show
}

missing_words() {
	usage 'missing "vip"' t group add g4 id 4 node 1 &&
		usage 'missing "addr"' t member add group g1 node 4 &&
		usage '"node" needs a value' t member del group g1 node &&
		usage 'missing "group NAME"' t service add port 22 &&
		usage 'nothing to change' t group set g1
}

bad_values() {
	usage 'vip "10.0.0.256" is not an IPv4 or IPv6 address' \
		t group add g4 id 4 vip 10.0.0.256 node 1 &&
		usage 'addr "host.example" is not an IPv4 or IPv6 address' \
			t member add group g1 node 4 addr host.example &&
		usage 'port "0" is out of range' t service add group g1 port 0 &&
		usage 'port "65536" is out of range' \
			t member set group g1 node 2 port 65536 &&
		usage 'id "x" is not a number' t group add g4 id x vip 10.0.0.4 node 1 &&
		usage 'invalid group name "a b"' t group add "a b" id 4 vip 10.0.0.4 node 1 &&
		usage 'role "boss" is unknown' t group set g1 role boss
}

bad_keys() {
	echo "not a key" > "$tmp/badkey"
	usage "key file \"$tmp/badkey\" holds no key" t group set g2 key "$tmp/badkey" &&
		usage "cannot read key file \"$tmp/nokey\": No such file" \
			t group set g2 key "$tmp/nokey" &&
		usage 'key file "-" holds no key' \
			t group set g2 key - < <(head -c 31 /dev/zero)
}

tap_check "unknown object, command, keyword, option" unknown_words
tap_check "missing arguments and values" missing_words
tap_check "bad addresses, numbers, names and roles" bad_values
tap_check "bad key files" bad_keys
tap_check "usage errors changed nothing" \
	json '([.[].name] | sort) == ["g1", "g2", "g3"] and
	      (map(select(.name == "g1"))[0] | .members == 1 and .services == 2)' \
	t -j group show

# --- monitor --------------------------------------------------------------
ip netns exec "$ns" "$TANDEM_CLI" -j monitor > "$tmp/events.json" 2> "$tmp/monitor.err" &
mon_json=$!
on_exit kill_quiet "$mon_json"
ip netns exec "$ns" "$TANDEM_CLI" monitor > "$tmp/events.txt" 2>> "$tmp/monitor.err" &
mon_text=$!
on_exit kill_quiet "$mon_text"

# What changes before a monitor has subscribed is not reported to it: touch
# a group until both monitors have seen a change.
probe=0
monitors_ready() {
	probe=$((probe + 1))
	t group set g3 garp-count $((probe % 100)) || return 1
	grep -q '"group_set"' "$tmp/events.json" && grep -q '^group_set ' "$tmp/events.txt"
}

events_done() {
	grep -q '"event":"group_del","name":"g5"' "$tmp/events.json" &&
		grep -q '^group_del name g5 ' "$tmp/events.txt"
}

if wait_until 20 monitors_ready; then
	t group add g5 id 5 vip 10.0.0.5 node 1 local 192.0.2.1 &&
		t member add group g5 node 2 addr 192.0.2.2 &&
		t service add group g5 port 8080 &&
		t service set group g5 port 8080 max-lag-ms 40 &&
		t service del group g5 port 8080 &&
		t member set group g5 node 2 priority 7 &&
		t member del group g5 node 2 &&
		t group set g5 key "$tmp/key1" role backup epoch 2 &&
		t group del g5 &&
		wait_until 20 events_done
fi
kill_quiet "$mon_json" "$mon_text"
wait "$mon_json"
rc_json=$?
wait "$mon_text"
rc_text=$?
sed 's/^/# monitor: /' "$tmp/monitor.err"
cat "$tmp/events.json" "$tmp/events.txt" >> "$tmp/transcript"

g5_events='[.[] | select(.name == "g5" or .group == "g5")]'

events_are_json() {
	[ -s "$tmp/events.json" ] || { echo "# no events"; return 1; }
	json 'split("\n") | map(select(length > 0) | fromjson) |
	      all(type == "object" and (.event | type) == "string")' \
		jq -R -s . "$tmp/events.json"
}

events_text() {
	local n
	n=$(grep -Ec '^(group|member|service)_(new|set|del) .*\bg5\b' "$tmp/events.txt")
	[ "$n" -eq 9 ] || { echo "# $n lines about g5, not 9"; cat "$tmp/events.txt"; return 1; }
	grep -q '^group_new name g5 id 5 vip 10.0.0.5 ' "$tmp/events.txt" &&
		grep -q '^service_new group g5 group_id 5 port 8080 ' "$tmp/events.txt" &&
		grep -q '^member_del group g5 group_id 5 node_id 2 ' "$tmp/events.txt" &&
		[ "$rc_json" -eq 0 ] && [ "$rc_text" -eq 0 ]
}

tap_check "monitor -j: one JSON object per line" events_are_json
tap_check "monitor -j: every change, in order" \
	json "$g5_events | map(.event) ==
	      [\"group_new\", \"member_new\", \"service_new\", \"service_set\",
	       \"service_del\", \"member_set\", \"member_del\", \"group_set\",
	       \"group_del\"]" \
	jq -s . "$tmp/events.json"
tap_check "monitor -j: the fields of the events" \
	json "$g5_events |
	      (.[0] | .id == 5 and .vip == \"10.0.0.5\" and .repl_addr == \"192.0.2.1\" and
	       .role == \"fenced\" and .has_key == false) and
	      (.[1] | .group_id == 5 and .node_id == 2 and .addr == \"192.0.2.2\") and
	      (.[2] | .port == 8080) and (.[3] | .max_lag_ms == 40) and
	      (.[5] | .priority == 7) and
	      (.[7] | .role == \"backup\" and .epoch == 2 and .has_key == true) and
	      (.[8] | .name == \"g5\")" \
	jq -s . "$tmp/events.json"
tap_check "monitor: one line per event; both exit 0 when stopped" events_text

# --- the key never shows ------------------------------------------------------
hex() {
	base64 -d <<< "$1" | od -An -tx1 | tr -d ' \n'
}

no_key() {
	run t group show
	run t -j group show
	if grep -qF -e "$key1" -e "$key2" "$tmp/transcript" ||
		tr -d ' \n' < "$tmp/transcript" | grep -qF -e "$(hex "$key1")" -e "$(hex "$key2")" ||
		grep -q '"key"' "$tmp/transcript"; then
		echo "# a key was printed"
		return 1
	fi
}

tap_check "no output shows the key" no_key

# --- deleting everything ---------------------------------------------------
delete_all() {
	ok t service del group g1 port 80 &&
		ok t service del group g1 port 443 &&
		ok t member del group g1 node 2 &&
		ok t group del g1 && ok t group del g2 && ok t group del id 3 &&
		json '. == []' t -j group show &&
		json '. == []' t -j member show &&
		json '. == []' t -j service show &&
		ok t group show && [ ! -s "$tmp/out" ]
}

tap_check "service del, member del, group del: nothing left" delete_all

tap_done
