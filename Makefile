# SPDX-License-Identifier: GPL-2.0
#
# make            build kmod/tandem.ko, the CLI ctl/tandem and the selftests
# make check      everything the README's test command runs (after deps)
# make help       the other targets

KDIR ?= $(shell scripts/kdir.sh)
KREL := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
export KDIR KREL

all: module cli selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# W=1 and sparse over the module; any diagnostic fails the build.
check-kernel:
	@scripts/check-kernel.sh

cli:
	$(MAKE) -C ctl

selftests: cli
	$(MAKE) -C selftests

unit: cli
	$(MAKE) -C ctl check
	$(MAKE) -C ctl/agree check

# KERNEL=debug: the debug kernel (scripts/debug-kernel.sh: KASAN, lockdep,
# kmemleak, UBSAN; built once per machine), tandem.ko built against it
vmtest: all
	$(if $(filter debug,$(KERNEL)),TANDEM_VM_KERNEL=debug )selftests/vm/run.sh $(TESTS)

check:
	@scripts/test.sh

demo: all
	@scripts/demo.sh

# data-path benchmarks in the VM, written to docs/benchmarks.md
bench:
	@scripts/bench.sh

# The eBPF data path (bpf/, docs/datapath-bpf.md) and its tests on the build
# host's own kernel (no VM): bpf unit tests and selftests/bpf_*_test.sh, TAP.
bpf:
	$(MAKE) -C bpf

# A kernel without BPF makes every test a SKIP (the script exits 4): not a
# failure of the target.
hosttest: bpf
	$(MAKE) -C bpf tests
	$(MAKE) -C selftests tools
	@bpf/tests/hosttest.sh || [ $$? -eq 4 ]

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	$(MAKE) -C bpf clean
	$(MAKE) -C ctl clean
	$(MAKE) -C selftests clean
	rm -rf build

help:
	@echo "targets: all module cli selftests check-kernel unit vmtest check demo bench clean"
	@echo "         bpf hosttest"
	@echo "  KDIR=dir       kernel build directory (default: $(KDIR))"
	@echo "  TESTS='a b'    vmtest: run only these selftests"
	@echo "  KERNEL=debug   vmtest: boot the debug kernel (KASAN, lockdep, kmemleak, UBSAN)"

.PHONY: all module check-kernel cli selftests unit vmtest check demo bench clean help
.PHONY: bpf hosttest
