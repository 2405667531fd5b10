#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh [TEST...]   (inside the VM; started by run.sh)
#
# Loads $TANDEM_KO, runs every selftests/*_test and selftests/*_test.sh (or the
# named ones) in sorted order from the repository root, each under a timeout
# (TANDEM_TEST_TIMEOUT, or timeout=N in selftests/settings, default 300 s;
# a shell test may raise its own with a line "# timeout=N" near its top), and
# relays their TAP output as "# " lines. Then checks that the module unloads
# and that the kernel log is clean. Counts the test cases of every program
# (their ok / not ok lines) plus its own checks and ends with the line
# "N passed, N failed, N skipped"; exits 1 if anything failed.
set -u
shopt -s lastpipe nullglob

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo" || exit 1
export TANDEM_CLI=${TANDEM_CLI:-$repo/ctl/tandem/tandem}
export TANDEM_KO=${TANDEM_KO:-$repo/kmod/tandem.ko}

timeout=300
[ -f selftests/settings ] && timeout=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' selftests/settings | tail -n 1)
timeout=${TANDEM_TEST_TIMEOUT:-${timeout:-300}}

# Kernel messages that mean a kernel bug, whatever the tests printed.
bad_kmsg='Oops|\bBUG\b|WARNING|sleeping function called from invalid context|general protection|Call Trace'
bad_kmsg="$bad_kmsg|UBSAN:|KASAN:"
# A debug kernel's (scripts/debug-kernel.sh) leak detector: what boot left
# is cleared, and the suite ends with a scan.
kmemleak=/sys/kernel/debug/kmemleak
[ -w $kmemleak ] || kmemleak=

tests=()
if [ $# -eq 0 ]; then
	for t in selftests/*_test selftests/*_test.sh; do
		# bpf_*: the eBPF path's host tests (make hosttest), not the module's;
		# but bpf_wg_*: the eBPF path over WireGuard, which only the VM has
		[[ $t == selftests/bpf_* && $t != selftests/bpf_wg_* ]] && continue
		[ -f "$t" ] && tests+=("$t")
	done
else
	for t in "$@"; do
		t=selftests/${t#selftests/}
		tests+=("$t")
	done
fi
readarray -t tests < <(printf '%s\n' "${tests[@]}" | LC_ALL=C sort -u | sed '/^$/d')

passed=0 failed=0 skipped=0 n=0
result() { # result ok|fail|skip DESC [REASON]
	n=$((n + 1))
	case $1 in
	ok) passed=$((passed + 1)); echo "ok $n $2" ;;
	fail) failed=$((failed + 1)); echo "not ok $n $2${3:+ # $3}" ;;
	skip) skipped=$((skipped + 1)); echo "ok $n $2 # SKIP $3" ;;
	esac
	echo "# totals: $passed $failed $skipped"
}

module_loaded() { [ -d /sys/module/tandem ]; }

load_module() {
	local out
	module_loaded && return 0
	# tandem.ko needs nf_defrag_ipv4 and libchacha20poly1305 (insmod does
	# not resolve dependencies)
	modprobe -q nf_defrag_ipv4 2>/dev/null
	modprobe -q libchacha20poly1305 2>/dev/null
	if ! out=$(insmod "$TANDEM_KO" 2>&1); then
		printf '# insmod %s: %s\n' "$TANDEM_KO" "$out"
		return 1
	fi
}

# One test program; its result lines are counted, its output relayed.
run_one() {
	local t=$1 name=${1#selftests/} line p=0 f=0 s=0 rc start secs
	local -a argv
	echo "# selftests: $name"
	if [ ! -e "$t" ]; then
		echo "# $t: no such test"
		result fail "selftests: $name" "missing"
		return
	fi
	if [ -x "$t" ]; then argv=("./$t"); else argv=(bash "./$t"); fi
	# a shell test may ask for more: a line "# timeout=N" near its top
	local t_timeout=$timeout want=
	[[ $t == *.sh ]] && want=$(sed -n '1,40s/^# timeout=\([0-9]\+\)$/\1/p' "$t" | head -n 1)
	[ -n "$want" ] && [ "$want" -gt "$t_timeout" ] && t_timeout=$want &&
		echo "# $name: timeout ${t_timeout}s"
	start=${EPOCHREALTIME/[.,]/}
	timeout -k 10 "$t_timeout" "${argv[@]}" < /dev/null 2>&1 |
	while IFS= read -r line || [ -n "$line" ]; do
		printf '# %s\n' "$line"
		case $line in
		"not ok "*) f=$((f + 1)) ;;
		"ok "*)
			shopt -s nocasematch
			if [[ $line =~ \#[[:space:]]*skip ]]; then s=$((s + 1)); else p=$((p + 1)); fi
			shopt -u nocasematch
			;;
		esac
	done
	rc=${PIPESTATUS[0]}
	secs=$(( (${EPOCHREALTIME/[.,]/} - start) / 100000 ))
	secs="$((secs / 10)).$((secs % 10))"
	echo "# $name: exit $rc in ${secs}s ($p passed, $f failed, $s skipped)"
	local why=
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timeout after ${t_timeout}s"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && [ "$f" -eq 0 ]; then
		why="exit $rc"
		f=$((f + 1))
	elif [ $((p + f + s)) -eq 0 ]; then
		if [ "$rc" -eq 4 ]; then s=1; else p=1; fi
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	# the program's summary line; its cases are counted above, not this
	n=$((n + 1))
	if [ "$f" -gt 0 ]; then
		echo "not ok $n selftests: $name${why:+ # $why}"
	elif [ "$rc" -eq 4 ]; then
		echo "ok $n selftests: $name # SKIP"
	else
		echo "ok $n selftests: $name"
	fi
	echo "# totals: $passed $failed $skipped"
}

echo "TAP version 13"
checks=3
[ -z "$kmemleak" ] || checks=4
echo "1..$(( ${#tests[@]} + checks ))"
[ -z "$kmemleak" ] || echo clear > $kmemleak
echo "# $(uname -r), $(nproc) CPUs, test timeout ${timeout}s"

if load_module; then
	result ok "module loads"
else
	result fail "module loads"
fi

for t in "${tests[@]}"; do
	if ! module_loaded; then
		echo "# tandem is not loaded; loading it again"
		load_module
	fi
	run_one "$t"
done

if ! module_loaded; then
	result skip "module unloads" "module not loaded"
elif out=$(rmmod tandem 2>&1); then
	result ok "module unloads"
else
	echo "# rmmod tandem: $out"
	result fail "module unloads"
fi

if ! kmsg=$(dmesg 2>&1); then
	echo "# dmesg: $kmsg"
	result fail "kernel log clean"
elif bad=$(printf '%s\n' "$kmsg" | grep -En -- "$bad_kmsg"); then
	first=$(printf '%s\n' "$bad" | head -n 1 | cut -d: -f1)
	echo "# kernel log since boot, from the first bad line:"
	printf '%s\n' "$kmsg" | tail -n +"$((first > 5 ? first - 5 : 1))" | head -n 80 | sed 's/^/# /'
	result fail "kernel log clean"
else
	result ok "kernel log clean"
fi

if [ -n "$kmemleak" ]; then
	# an object is reported once it is 5 s old: a second scan after that
	echo scan > $kmemleak
	sleep 6
	echo scan > $kmemleak
	if [ -s $kmemleak ]; then
		echo "# kmemleak: $(grep -c '^unreferenced object' $kmemleak) suspected leaks:"
		head -n 120 $kmemleak | sed 's/^/# /'
		result fail "no kmemleak report"
	else
		result ok "no kmemleak report"
	fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
