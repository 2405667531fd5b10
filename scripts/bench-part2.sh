#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench-part2.sh (issue 14, part 2, docs/benchmarks.md "Part 2:
# before and after"): in one VM run, the profile of the backup2
# configuration (scripts/bench.sh --profile) under each KO:MAC given, in
# order (tandem.ko files in the repository, the group's mac), then the MACs'
# micro-benchmark (the mac_bench parameter of the last module). On the host:
#
#   selftests/vm/run.sh --timeout 3000 --cmd \
#     'bash scripts/bench-part2.sh before.ko:hmac-sha256 kmod/tandem.ko:xchacha20-poly1305'
#
# (a module of an earlier commit: `git worktree add /tmp/b COMMIT && make -C
# /tmp/b module && cp /tmp/b/kmod/tandem.ko before.ko`; a module without the
# mac attribute takes "-" for MAC). BENCH_BULK [8M]; BENCH_CALLGRAPH=1 adds
# who takes the contended spinlocks; BENCH_MAC_N [20000] datagrams.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
modprobe -q nf_defrag_ipv4
modprobe -q libchacha20poly1305
for spec; do
	ko=${spec%%:*} mac=${spec#*:}
	[ "$mac" = - ] && mac=
	rmmod tandem 2>/dev/null
	insmod "$ko" || { echo "insmod $ko failed"; continue; }
	echo "=== $ko ${mac:-default} $(date -u +%T)"
	BENCH_MAC=$mac BENCH_BULK=${BENCH_BULK:-8M} bash scripts/bench.sh --profile backup2
done
if [ -w /sys/module/tandem/parameters/mac_bench ]; then
	echo "${BENCH_MAC_N:-20000}" > /sys/module/tandem/parameters/mac_bench
	dmesg | grep 'mac_bench:' | tail -n 1
fi
