#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/test.sh: the whole test suite (also `make check` and .ci/run).
#
# Installs missing dependencies, builds everything, then runs, in order:
#   build          make all (module, CLI, selftests), one result
#   check-kernel   W=1 + sparse build of the module, one result
#   unit           make -C ctl check, the CLI's host unit tests (TAP)
#   agree          make -C ctl/agree check, if ctl/agree/Makefile exists (TAP)
#   hosttest       make hosttest: the eBPF data path's tests on this host's
#                  own kernel, no VM (TAP; bpf/tests/hosttest.sh)
#   dist           scripts/check-dist.sh: make install, unit, man pages,
#                  completion, dkms.conf (TAP, host only)
#   deb            scripts/check-deb.sh --vm: the Debian packages built,
#                  lintian, contents, a DKMS build on the host for the VM's
#                  kernel, packaged as tandem-modules-KREL; tandem and it
#                  installed in a VM with a failover run with the installed
#                  files (TAP). TANDEM_DEB_VM=dkms installs tandem-dkms in
#                  the VM instead (DKMS compiles there: ~40 min under a
#                  loaded TCG); TANDEM_DEB_VM=0, no VM
#   vm             selftests/vm/run.sh, the selftests inside a VM
#   debug          the debug tier's CI subset: the debug kernel (KASAN,
#                  lockdep, kmemleak, UBSAN; scripts/debug-kernel.sh, built
#                  once per machine: ~11 min on 2 idle cores) and, in a VM on
#                  it, $TANDEM_DEBUG_TESTS [lifecycle_test.sh
#                  channel_rmmod_test.sh]: load, teardown and unload paths,
#                  where a use-after-free or a leak would hide; the kernel
#                  log must stay clean (`make vmtest KERNEL=debug` runs all)
# Prints everything; the last line is "N passed, N failed, N skipped" over
# all phases. Exits 1 if anything failed.
#
# Environment: TANDEM_VM_TIMEOUT (s, whole VM run, default 3600),
# TANDEM_TEST_TIMEOUT (s, each VM test), TANDEM_PHASES (e.g. "unit vm").
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
repo=$PWD
export TANDEM_VM_TIMEOUT=${TANDEM_VM_TIMEOUT:-3600}
phases=${TANDEM_PHASES:-build check-kernel unit agree hosttest dist deb vm debug}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/tandem-test.XXXXXX") || exit 1
trap 'rm -rf "$logdir"' EXIT

passed=0 failed=0 skipped=0
suite_start=$SECONDS

add() { passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3)); }

# tap_count LOG STATUS: "P F S" for a TAP stream whose nested results are
# "# ok"/"# not ok" lines (kselftest style). A top-level result with nested
# results stands for them; a failing program with no failing result, one fail.
tap_count() {
	awk -v status="$2" '
	# SKIP, and TODO (a known failure: lib.sh tap_known) count as skipped
	function isskip(l) { return tolower(l) ~ /#[ \t]*(skip|todo)/ }
	/^# (not )?ok / {
		l = substr($0, 3)
		if (isskip(l)) ss++; else if (l ~ /^not ok /) sf++; else sp++
		subs++
		next
	}
	/^(not )?ok / {
		if (subs) {
			p += sp; f += sf; s += ss
			if ($0 ~ /^not ok / && sf == 0) f++
		} else if ($0 ~ /^not ok /) f++
		else if (isskip($0)) s++
		else p++
		subs = sp = sf = ss = 0
	}
	END {
		p += sp; f += sf; s += ss
		if (status != 0 && f == 0) f++
		printf "%d %d %d\n", p, f, s
	}' "$1"
}

# The VM suite; its own summary line is kept, as a comment, for the count.
vm_suite() {
	selftests/vm/run.sh 2>&1 |
		sed -E 's/^([0-9]+ passed, [0-9]+ failed, [0-9]+ skipped)$/# vm: \1/'
	return "${PIPESTATUS[0]}"
}

# The debug tier's subset, same summary handling as vm_suite.
debug_suite() {
	# shellcheck disable=SC2086
	TANDEM_VM_KERNEL=debug selftests/vm/run.sh \
		${TANDEM_DEBUG_TESTS:-lifecycle_test.sh channel_rmmod_test.sh} 2>&1 |
		sed -E 's/^([0-9]+ passed, [0-9]+ failed, [0-9]+ skipped)$/# vm: \1/'
	return "${PIPESTATUS[0]}"
}

# vm_count NAME: add the counts of a VM run's summary line in $log
vm_count() {
	local summary p f s
	summary=$(grep -E '^# vm: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1)
	if [ -n "$summary" ]; then
		read -r p f s < <(echo "$summary" | sed -E 's/^# vm: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
		[ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	else
		echo "not ok - $1 selftests produced no summary (exit $status)"
		p=0 f=1 s=0
	fi
	echo "# $1: $p passed, $f failed, $s skipped"
	add "$p" "$f" "$s"
}

# phase NAME CMD...: run CMD with its output shown and logged; leaves the
# exit status in $status and the log in $log.
phase() {
	local name=$1 start=$SECONDS
	shift
	log=$logdir/$name.log
	echo
	echo "# ==== $name: ${*/#vm_suite/selftests/vm/run.sh} ===="
	"$@" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	echo "# ==== $name: exit $status, $((SECONDS - start)) s ===="
}

# one_result NAME DESC: the phase counts as one test
one_result() {
	if [ "$status" -eq 0 ]; then
		echo "ok - $2"; add 1 0 0
	else
		echo "not ok - $2"; add 0 1 0
	fi
}

want() { [[ " $phases " == *" $1 "* ]]; }

if ! scripts/deps.sh; then
	echo "not ok - dependencies (scripts/deps.sh)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi


if want build; then
	phase build make -j"$(nproc)" all
	one_result build "build (make all)"

fi

if want check-kernel; then
	if [ -x scripts/check-kernel.sh ]; then
		phase check-kernel make check-kernel
	else
		echo "# scripts/check-kernel.sh does not exist"
		status=1
	fi
	one_result check-kernel "check-kernel (W=1, sparse)"
fi

if want unit; then
	phase unit make -C ctl check
	read -r p f s < <(tap_count "$log" "$status")
	echo "# unit: $p passed, $f failed, $s skipped"
	add "$p" "$f" "$s"
fi

if want agree && [ -f ctl/agree/Makefile ]; then
	phase agree make -C ctl/agree check
	read -r p f s < <(tap_count "$log" "$status")
	echo "# agree: $p passed, $f failed, $s skipped"
	add "$p" "$f" "$s"
fi

if want hosttest; then
	phase hosttest make hosttest
	read -r p f s < <(tap_count "$log" "$status")
	echo "# hosttest: $p passed, $f failed, $s skipped"
	add "$p" "$f" "$s"
fi

if want dist; then
	phase dist scripts/check-dist.sh
	read -r p f s < <(tap_count "$log" "$status")
	echo "# dist: $p passed, $f failed, $s skipped"
	add "$p" "$f" "$s"
fi

if want deb; then
	case ${TANDEM_DEB_VM:-1} in
	0) deb_vm= ;;
	dkms) deb_vm=--vm-dkms ;;
	*) deb_vm=--vm ;;
	esac
	phase deb scripts/check-deb.sh $deb_vm
	read -r p f s < <(tap_count "$log" "$status")
	echo "# deb: $p passed, $f failed, $s skipped"
	add "$p" "$f" "$s"
fi

if want vm; then
	phase vm vm_suite
	vm_count vm
fi

if want debug; then
	phase debug debug_suite
	vm_count debug
fi

# digest: each failed result with the few lines its test printed before it
# (kernel log lines left out), so that the end of a long run says what
# failed and why; at most 4 failures, 7 lines each.
digest() {
	awk '
	FNR == 1 { c = 0 }
	/dmesg: |^# # *(RUN|OK) |^not ok [0-9]+ selftests[:\/]/ { next }
	/^(# )*not ok / {
		if (++n > 4) exit
		print "# -- " FILENAME ":"
		for (i = c - 6; i < c; i++) if (i >= 0) print "#  " ctx[i % 7]
		print "#  " $0
		next
	}
	{ ctx[c % 7] = $0; c++ }' "$logdir"/*.log 2>/dev/null | sed "s|$logdir/||"
}

if [ "$failed" -gt 0 ]; then
	echo
	echo "# failures, with what their tests printed before them:"
	digest
fi
echo
echo "# total time $((SECONDS - suite_start)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
