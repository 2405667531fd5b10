#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shell library for the VM selftests: TAP output (kselftest style), cleanup
# on every exit path, network namespaces, polling. Source it from bash:
#   . "$(dirname "$0")/lib.sh"
#
#   tap_init N                 "TAP version 13" and "1..N"
#   tap_ok DESC                "ok I DESC"
#   tap_fail DESC              "not ok I DESC"
#   tap_skip DESC REASON       "ok I DESC # SKIP REASON"
#   tap_check DESC CMD...      ok if CMD exits 0, else not ok with CMD's output
#                              as "# " lines (always with TANDEM_VERBOSE=1)
#   tap_done                   exit 1 if anything failed (or the plan was not
#                              met), 4 if everything skipped, else 0
#   tap_skip_rest REASON       skip the rest of the plan ("case N"), tap_done
#   ksft_skip_all REASON       "1..0 # SKIP REASON", exit 4
#   require_root               ksft_skip_all unless run as root
#   require_command CMD...     ksft_skip_all unless every CMD is installed
#   require_built FILE...      ksft_skip_all unless every FILE (a program of
#                              the tree) is built
#   require_module             ksft_skip_all unless tandem.ko is loaded
#   netns_new                  create netns "tandem-XXXXXXXX", echo its name,
#                              delete it on exit (works inside $(...))
#   on_exit CMD...             run CMD on exit, last registered first
#   wait_until TIMEOUT_S CMD...  poll CMD every 0.05 s; 1 if not true in time
#   tandem ARGS...             "$TANDEM_CLI" ARGS
#   kmsg_mark                  note where the kernel log ends now (a stamp)
#   kmsg_since                 the kernel log lines after kmsg_mark
#   tap_kmsg_clean [RE]        "ok ... the kernel log is clean" unless a line
#                              logged since kmsg_mark shows a kernel bug
#                              (WARNING, BUG, Oops, ... or RE): then not ok,
#                              with those lines

_tap_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${TANDEM_CLI:=$_tap_dir/ctl/tandem/tandem}"
: "${TANDEM_KO:=$_tap_dir/kmod/tandem.ko}"
export TANDEM_CLI TANDEM_KO

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

_tap_header=
_tap_plan=
_tap_n=0
_tap_pass=0
_tap_failed=0
_tap_skipped=0
_tap_pid=$BASHPID
# Cleanup commands live in a file so that subshells ($(netns_new)) can
# register them too; only the sourcing shell runs them.
_tap_cleanups=$(mktemp "${TMPDIR:-/tmp}/tandem-cleanup.XXXXXX") || exit 1

_tap_run_cleanups() {
	local line
	[ "$BASHPID" = "$_tap_pid" ] || return 0
	[ -f "$_tap_cleanups" ] || return 0
	while IFS= read -r line; do
		eval "$line" < /dev/null
	done < <(tac "$_tap_cleanups")
	rm -f "$_tap_cleanups"
}
trap '_tap_rc=$?; _tap_run_cleanups; exit $_tap_rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

on_exit() {
	local q
	q=$(printf '%q ' "$@")
	echo "$q" >> "$_tap_cleanups"
}

_tap_print_header() {
	[ -n "$_tap_header" ] && return
	_tap_header=1
	echo "TAP version 13"
}

tap_init() {
	_tap_print_header
	_tap_plan=$1
	echo "1..$1"
}

tap_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_pass=$((_tap_pass + 1))
	echo "ok $_tap_n $1"
}

tap_fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n $1"
}

tap_skip() {
	_tap_n=$((_tap_n + 1))
	_tap_skipped=$((_tap_skipped + 1))
	echo "ok $_tap_n $1 # SKIP ${2:-}"
}

tap_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		[ -n "${TANDEM_VERBOSE:-}" ] && [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
		tap_ok "$desc"
	else
		{
			printf '%s: exit %d\n' "$*" "$rc"
			[ -n "$out" ] && printf '%s\n' "$out"
		} | sed 's/^/# /'
		tap_fail "$desc"
	fi
	return 0
}

# tap_known DESC REASON CMD...: tap_check for a check an open, known bug
# still makes fail at times (REASON names it): a failure is reported with
# TAP's known-failure directive, "not ok N DESC # TODO REASON", counted as
# skipped, not failed; a pass as usual. Never for a byte-exactness check.
tap_known() {
	local desc=$1 reason=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		tap_ok "$desc"
		return 0
	fi
	{
		printf '%s: exit %d\n' "$*" "$rc"
		[ -n "$out" ] && printf '%s\n' "$out"
	} | sed 's/^/# /'
	_tap_n=$((_tap_n + 1))
	_tap_skipped=$((_tap_skipped + 1))
	echo "not ok $_tap_n $desc # TODO $reason"
	return 0
}

tap_done() {
	if [ -n "$_tap_plan" ] && [ "$_tap_n" -ne "$_tap_plan" ]; then
		echo "# planned $_tap_plan tests but ran $_tap_n"
		exit $KSFT_FAIL
	fi
	echo "# Totals: pass:$_tap_pass fail:$_tap_failed skip:$_tap_skipped"
	[ "$_tap_failed" -gt 0 ] && exit $KSFT_FAIL
	[ "$_tap_n" -gt 0 ] && [ "$_tap_skipped" -eq "$_tap_n" ] && exit $KSFT_SKIP
	exit $KSFT_PASS
}

tap_skip_rest() {
	local i
	for ((i = _tap_n + 1; i <= _tap_plan; i++)); do tap_skip "case $i" "$1"; done
	tap_done
}

ksft_skip_all() {
	_tap_print_header
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

require_root() {
	[ "$(id -u)" -eq 0 ] || ksft_skip_all "needs root"
}

require_command() {
	local cmd
	for cmd; do
		command -v "$cmd" > /dev/null || ksft_skip_all "no $cmd"
	done
}

require_built() {
	local file
	for file; do
		[ -x "$file" ] || ksft_skip_all "no $file (make)"
	done
}

require_module() {
	[ -d /sys/module/tandem ] || ksft_skip_all "tandem.ko is not loaded"
}

netns_new() {
	local name
	name=tandem-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	ip netns add "$name" || return 1
	on_exit ip netns del "$name"
	echo "$name"
}

# jq -e exits 0 on empty input (no value is not a false one): with -e,
# no input (empty stdin, or an empty file as the last argument) fails.
jq() {
	local a e= in
	for a; do [ "$a" = -e ] && e=1; done
	if [ -z "$e" ]; then
		command jq "$@"
		return
	fi
	if [ $# -ge 2 ] && [ -f "${!#}" ]; then
		[ -s "${!#}" ] || return 1
		command jq "$@"
		return
	fi
	in=$(cat)
	[ -n "${in//[[:space:]]/}" ] || return 1
	command jq "$@" <<< "$in"
}

wait_until() {
	local timeout=$1 now deadline
	shift
	# microseconds, from bash's own clock (no fork per poll)
	now=${EPOCHREALTIME/[.,]/}
	deadline=$((now + $(awk -v t="$timeout" -v k="${TANDEM_WAIT_SCALE:-1}" \
		'BEGIN { printf "%d", t * k * 1000000 }')))
	while :; do
		"$@" && return 0
		now=${EPOCHREALTIME/[.,]/}
		[ "$now" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

tandem() {
	"$TANDEM_CLI" "$@"
}

_kmsg_start=0

# The mark is the stamp of the log's last line, not a line count: once the
# ring buffer is full (a long suite), old lines go as new ones come and a
# count would hide what came after it.
kmsg_mark() {
	_kmsg_start=$(dmesg | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
}

# kmsg_since: the kernel log's lines after kmsg_mark
kmsg_since() {
	dmesg | awk -v t="${_kmsg_start:-0}" '{
		s = $0
		if (!sub(/^\[ */, "", s) || !sub(/\].*/, "", s)) next
		if (s + 0 > t + 0) print
	}'
}

tap_kmsg_clean() {
	local re='WARNING|BUG|Oops|Call Trace|refcount|use-after-free|general protection|UBSAN|KASAN'
	local bad
	[ -n "${1:-}" ] && re="$re|$1"
	if bad=$(kmsg_since | grep -E -A 30 "$re"); then
		printf '%s\n' "$bad" | head -n 80 | sed 's/^/# /'
		tap_fail "the kernel log is clean"
	else
		tap_ok "the kernel log is clean"
	fi
}
