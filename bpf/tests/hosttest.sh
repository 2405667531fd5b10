#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bpf/tests/hosttest.sh: the eBPF data path's tests on the build host's own
# kernel, no VM (`make hosttest` builds them first): the unit tests
# (bpf/build/bpf_*_test, BPF_PROG_TEST_RUN) and every
# selftests/bpf_*_test.sh (network namespaces). TAP, kselftest style: each
# program is one result, its own TAP lines nested as "# " lines.
# Exit 1 if anything failed, 4 if everything skipped (a kernel without
# BPF), else 0. TANDEM_TEST_TIMEOUT: seconds per program (default 300).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
timeout=${TANDEM_TEST_TIMEOUT:-300}
tests=(bpf/build/bpf_unit_test bpf/build/bpf_sock_test bpf/build/bpf_invariant_test)
for t in selftests/bpf_*_test.sh; do
	# bpf_wg_*: WireGuard, which the build host's kernel lacks: VM tests
	# (selftests/vm/run-tests.sh)
	[[ $t == selftests/bpf_wg_* ]] && continue
	[ -f "$t" ] && tests+=("$t")
done

echo "TAP version 13"
echo "1..${#tests[@]}"
n=0 failed=0 skipped=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	echo "# hosttest: $t"
	if [ ! -x "$t" ]; then
		echo "not ok $n $t # missing (make hosttest builds it)"
		failed=$((failed + 1))
		continue
	fi
	timeout -k 10 "$timeout" "$t" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	case $rc in
	0) echo "ok $n $t" ;;
	4) echo "ok $n $t # SKIP"; skipped=$((skipped + 1)) ;;
	124) echo "not ok $n $t # TIMEOUT ${timeout}s"; failed=$((failed + 1)) ;;
	*) echo "not ok $n $t # exit=$rc"; failed=$((failed + 1)) ;;
	esac
done
[ "$failed" -gt 0 ] && exit 1
[ "$skipped" -eq "$n" ] && exit 4
exit 0
