#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=600
#
# A switchover asked on a backup goes to the primary in one datagram each
# way (ctl/tandemd/forward.c): the backup sends it again until answered,
# with the same request id, and the primary runs it once and answers every
# copy alike. Three nodes:
#   1. the backup's replication egress drops everything (netem loss 100%)
#      when it sends the request, and delivers again a moment later: a copy
#      gets through, the reply names the new primary (not "pending");
#   2. ROUNDS forwarded switchovers with 20% loss both ways on the
#      requester's replication link (each request and each answer may be
#      lost), to the third node: each reply names the primary of a higher
#      epoch, never "pending" nor a refusal (a copy arriving after the
#      handover is answered as the first was), and the primary runs each
#      request once (its log). (With 20% loss on every node's link the
#      election itself took up to 4.4 s under TCG, past the CLI's wait;
#      the forwarding is what this tests.)
#   3. the handover itself lost: a switchover to the backup that ranks
#      last, which drops the primary's agreement datagrams without a view
#      (104 bytes: RELEASE, ELECT_NOW) but every third (tc gact determ):
#      the handover's RELEASE and ELECT_NOW are lost for sure, heartbeats
#      (with a view) still arrive, so the target is alive for the request.
#      The primary sends both again every heartbeat, so that target takes
#      over (before, the request was lost, the others stood after the
#      missed heartbeats and the best-ranked backup won).
# A step during which a primary's lease lapsed (a loaded host's false
# failover, issue 10, not the forwarding) is run again, 3 times at most.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/tandemd_lib.sh"

ROUNDS=${FWD_ROUNDS:-6}
require_root
require_built "$TD_BIN"
require_module

tap_init $((3 + ROUNDS))

td_up 3 || ksft_skip_all "no topology"
td_start_all || echo "# tandemd did not start everywhere"

# settled: one primary, and in its view every member alive, not quiet
settled() {
	td_one_primary && tandem_node "$(td_primaries)" -j group show g |
		jq -e '.[0].agreement.members | all(.[]; .alive and (.quiet | not))' > /dev/null
}
if wait_until 60 settled; then
	tap_ok "one primary elected, every member alive and past its quiet period"
else
	td_dump
	tap_fail "one primary elected, every member alive and past its quiet period"
fi

# asked P: how many switchovers P's tandemd ran for another node
asked() { td_log "$1" | grep -c "switchover asked on node"; }

# forward B EPOCH REPLY [TARGET]: a switchover asked on backup B, its JSON
# reply in REPLY; true if it names a primary of an epoch above EPOCH (not
# pending)
forward() {
	tandem_node "$1" -j switchover g ${4:+to $4} > "$3" 2>&1
	jq -e --argjson e "$2" '.ok and .primary > 0 and .epoch > $e and (.pending | not)' \
		"$3" > /dev/null
}

# link_loss NODE PCT: PCT loss both ways on NODE's replication link (its
# eth1 and the switch's end of it); 0: none
link_loss() {
	local sw
	sw=$(node_ns sw) || return 1
	if [ "$2" = 0 ]; then
		rep_netem_clear "$1"
		tc -n "$sw" qdisc del dev "r${1#node}" root 2>/dev/null
		return 0
	fi
	rep_netem "$1" loss "$2%" &&
		tc -n "$sw" qdisc replace dev "r${1#node}" root netem loss "$2%"
}

# after EPOCH: one primary, of a higher epoch
after() { td_one_primary && [ "$(td_epoch "$(td_primaries)")" -gt "$1" ]; }

# lapses: how many times a primary fenced itself by lease lapse so far
lapses() {
	local i n=0
	for i in 1 2 3; do
		n=$((n + $(td_log $i | grep -c "fenced in epoch .*: lease-lapsed")))
	done
	echo $n
}

# attempt DESC CMD...: CMD up to 3 times while a lease lapse (a loaded
# host's false failover, not the forwarding) disturbed it; ok or not
attempt() {
	local desc=$1 try l0
	shift
	for try in 1 2 3; do
		if ! wait_until 60 settled; then
			td_dump
			break
		fi
		l0=$(lapses)
		"$@" && { tap_ok "$desc: $got"; return; }
		[ "$(lapses)" -gt "$l0" ] || break
		echo "# $desc: a lease lapsed meanwhile (load): again"
	done
	echo "# reply: $(cat "$reply") $why"
	td_dump
	tap_fail "$desc"
}

reply=$TOPO_DIR/reply

# 1. the request's first copy lost for sure
first_lost() {
	local p e b n pid ok=1
	p=$(td_primaries)
	e=$(td_epoch "$p")
	b=$((p % 3 + 1))
	n=$(td_log "$b" | grep -c "forwarded to the primary")
	rep_netem "$b" loss 100%
	forward "$b" "$e" "$reply" &
	pid=$!
	wait_until 10 eval '[ "$(td_log "$b" | grep -c "forwarded to the primary")" -gt "$n" ]'
	rep_netem_clear "$b"
	wait "$pid" && td_wait_failover "$p" "$e" > /dev/null || ok=
	why=
	got="node$(jq .primary "$reply") in $(jq -r .epoch_str "$reply")"
	[ -n "$ok" ]
}
attempt "the request's first copy lost: another copy gets through, the reply names the new primary" first_lost

# 2. 20% loss both ways on the requester's link: a switchover to the
# third node asked on backup B, run once by the primary
round() {
	local p e b t before ok=1
	p=$(td_primaries)
	e=$(td_epoch "$p")
	b=$(((p + $1) % 3 + 1))
	[ "$b" = "$p" ] && b=$((p % 3 + 1))
	t=$((6 - p - b))
	before=$(asked "$p")
	link_loss "$b" 20 || return 1
	t0=$SECONDS
	forward "$b" "$e" "$reply" "$t" && wait_until 20 after "$e" &&
		[ "$(asked "$p")" = $((before + 1)) ] || ok=
	link_loss "$b" 0
	got="asked on node$b, node$p ran it once, the reply names node$(jq .primary "$reply") in $(jq -r .epoch_str "$reply") ($((SECONDS - t0)) s)"
	why="(asked on node$b; node$p ran $(($(asked "$p") - before)) requests)"
	[ -n "$ok" ]
}
for ((r = 1; r <= ROUNDS; r++)); do
	attempt "20% loss on the requester's link, round $r: a switchover asked on a backup, run once, the reply names the primary of a higher epoch" round $r
done

# 3. the target drops ELECT_NOW (and RELEASE) while the primary hands over
# drop_short NODE FROM: NODE's replication ingress drops FROM's agreement
# datagrams without a view (IP total length 104: 20 + 8 + the 20-byte
# header + a 40-byte message + the 16-byte tag) but every third
drop_short() {
	local ns
	ns=$(node_ns "$1") && [ -n "$2" ] || return 1
	tc -n "$ns" qdisc del dev eth1 ingress 2>/dev/null
	tc -n "$ns" qdisc add dev eth1 handle ffff: ingress &&
		tc -n "$ns" filter add dev eth1 parent ffff: protocol ip prio 1 u32 \
			match ip src "$(node_rep_addr "$2")/32" match ip protocol 17 0xff \
			match ip dport $TD_AGREE_PORT 0xffff match u16 104 0xffff at 2 \
			action drop random determ pass 3
}
drop_short_clear() { tc -n "$(node_ns "$1")" qdisc del dev eth1 ingress 2>/dev/null; }

handover_lost() {
	local p e t n q pid ok=1
	p=$(td_primaries)
	[ -n "$p" ] || return 1
	e=$(td_epoch "$p")
	t=3
	[ "$p" = 3 ] && t=2
	n=$(td_log "$p" | grep -c "fenced in epoch .*: switchover")
	drop_short "$t" "$p" || return 1
	tandem_node "$p" -j switchover g to "$t" > "$reply" 2>&1 &
	pid=$!
	wait_until 10 eval '[ "$(td_log "$p" | grep -c "fenced in epoch .*: switchover")" -gt "$n" ]' || ok=
	drop_short_clear "$t"
	wait "$pid"
	td_wait_failover "$p" "$e" > /dev/null || ok=
	q=$(td_primaries)
	[ "$q" = "$t" ] || ok=
	got="node$p handed over to node$t: the primary is node$q in epoch $(td_epoch_str "$(td_epoch "$q")")"
	why="($got)"
	[ -n "$ok" ]
}
attempt "the handover's ELECT_NOW lost: sent again, the named target takes over" handover_lost

tap_done
