#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "tandem stats": the counters of a fresh namespace and of a group, as text
# and as JSON (checked with jq), and its errors.

. "$(dirname "$0")/lib.sh"

require_command jq ip
require_root
require_built "$TANDEM_CLI"
ns=$(netns_new) || ksft_skip_all "cannot create a network namespace"
tmp=$(mktemp -d) || exit 1
on_exit rm -rf "$tmp"

tap_init 5

t() {
	"$TANDEM_CLI" -n "$ns" "$@"
}

# Every counter of the uapi header has a name, and they are all 0.
json_zero() {
	local n
	t -j stats > "$tmp/out" || return 1
	n=$(grep -c '^	TANDEM_STAT_[A-Z0-9_]*,' include/uapi/linux/tandem.h)
	jq -e --argjson n "$((n - 1))" \
		'(.counters | length) == $n and ([.counters[]] | all(. == 0)) and
		 (has("group") | not) and (.counters | has("chan_rx"))' \
		"$tmp/out" || { sed 's/^/# /' "$tmp/out"; return 1; }
}
tap_check "stats -j: every counter, all zero, in a fresh namespace" json_zero

text_zero() {
	t stats > "$tmp/out" || return 1
	head -n 1 "$tmp/out" | grep -qx 'stats: namespace' &&
		grep -Eq '^  chan_drop_tag: +0$' "$tmp/out" &&
		[ "$(grep -Ec '^  [a-z0-9_]+: +0$' "$tmp/out")" -eq \
		  "$(($(wc -l < "$tmp/out") - 1))" ] ||
		{ sed 's/^/# /' "$tmp/out"; return 1; }
}
tap_check "stats: text" text_zero

group_stats() {
	t group add g1 id 3 vip 192.0.2.1 node 1 || return 1
	t -j stats show group g1 > "$tmp/out" || return 1
	jq -e '.group == "g1" and .group_id == 3 and
	       ([.counters[]] | all(. == 0))' "$tmp/out" >/dev/null || return 1
	t stats group-id 3 | head -n 1 | grep -qx 'stats: group g1'
}
tap_check "stats group NAME / group-id ID" group_stats

no_group() {
	local err rc
	err=$(t stats group nope 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 2 ] && [[ $err == *"cannot read the counters of group nope"*"no such group"* ]] ||
		{ echo "# exit $rc: $err"; return 1; }
}
tap_check "stats of a group that does not exist: exit 2, kernel's message" no_group

usage() {
	local err rc
	err=$(t stats frob 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 1 ] && [[ $err == *frob* ]] || { echo "# exit $rc: $err"; return 1; }
	t stats help | grep -q 'Usage: tandem .*stats'
}
tap_check "stats: usage error, help" usage

tap_done
