# SPDX-License-Identifier: GPL-2.0
#
# make            build kmod/tandem.ko, the CLI ctl/tandem/tandem, tandemd and the selftests
# make check      everything the README's test command runs (after deps)
# make install    tandem, tandemd, unit, man pages, completion, example config
# make modules_install   tandem.ko into /lib/modules/KREL/updates, depmod
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

# checkpatch over the module and its uapi headers (scripts/style.sh)
style:
	@scripts/style.sh

cli:
	$(MAKE) -C ctl

selftests: cli
	$(MAKE) -C selftests

unit: cli
	$(MAKE) -C ctl check
	$(MAKE) -C ctl/agree check
	@scripts/check-dist.sh

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
	@scripts/bench-bpf.sh

# the eBPF data path against plain TCP, natively on the host (no VM)
bench-bpf:
	@scripts/bench-bpf.sh

# The eBPF data path (bpf/, docs/datapath-bpf.md) and its tests on the build
# host's own kernel (no VM): bpf unit tests and selftests/bpf_*_test.sh, TAP.
bpf:
	$(MAKE) -C bpf

# A kernel without BPF makes every test a SKIP (the script exits 4): not a
# failure of the target.
hosttest: bpf cli
	$(MAKE) -C bpf tests
	$(MAKE) -C selftests tools
	@bpf/tests/hosttest.sh || [ $$? -eq 4 ]

# Install: DESTDIR, PREFIX (/usr/local) and the directories of
# ctl/dist/install.mk (sbindir, sysconfdir, unitdir, bashcompdir, ...);
# mandir here. Builds nothing as root that is not built yet: run `make`
# first as a user, then `sudo make install`.
PREFIX ?= /usr/local
mandir ?= $(PREFIX)/share/man
MANPAGES := $(wildcard docs/man/*.[1-8])
export PREFIX DESTDIR

install: cli
	$(MAKE) -C ctl install
	for m in $(MANPAGES); do \
		s=$${m##*.}; \
		install -d $(DESTDIR)$(mandir)/man$$s && \
		install -m 0644 $$m $(DESTDIR)$(mandir)/man$$s/ || exit 1; \
	done

uninstall:
	$(MAKE) -C ctl uninstall
	for m in $(MANPAGES); do rm -f $(DESTDIR)$(mandir)/man$${m##*.}/$${m##*/}; done

# INSTALL_MOD_PATH (a staging root, as DESTDIR) and INSTALL_MOD_DIR
# (updates) as for any out-of-tree module; depmod only for the live root.
# The module is not signed (distribution headers carry no signing key):
# under Secure Boot use DKMS, which signs with its MOK (dkms.conf).
INSTALL_MOD_DIR ?= updates
modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		CONFIG_MODULE_SIG_ALL= \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) DEPMOD=true) \
		modules_install
	$(if $(INSTALL_MOD_PATH),,depmod -a $(KREL))

# The host tests of the install tree, the man pages, the unit and the
# completion (scripts/check-dist.sh; also run by `make unit`).
check-dist: cli
	@scripts/check-dist.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	$(MAKE) -C bpf clean
	$(MAKE) -C ctl clean
	$(MAKE) -C selftests clean
	rm -rf build

help:
	@echo "targets: all module cli selftests check-kernel unit vmtest check demo bench clean"
	@echo "         bpf hosttest style"
	@echo "         install uninstall modules_install check-dist"
	@echo "  PREFIX=/usr/local DESTDIR= sbindir= sysconfdir=/etc mandir= unitdir="
	@echo "  bashcompdir= exampledir=   install (see ctl/dist/install.mk)"
	@echo "  KDIR=dir       kernel build directory (default: $(KDIR))"
	@echo "  TESTS='a b'    vmtest: run only these selftests"
	@echo "  KERNEL=debug   vmtest: boot the debug kernel (KASAN, lockdep, kmemleak, UBSAN)"

.PHONY: all module check-kernel cli selftests unit vmtest check demo bench clean help
.PHONY: bpf hosttest style bench-bpf

.PHONY: all module check-kernel cli selftests unit vmtest check demo bench clean help \
	install uninstall modules_install check-dist
