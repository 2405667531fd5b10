# SPDX-License-Identifier: GPL-2.0
#
# tandemd, the per-node controller daemon (included by ctl/Makefile, run
# from ctl/). It links lib/libtandem.a (netlink, requests, decoding) and the
# agreement core (agree/libagree.a).

TANDEMD_CONFIG_OBJS := tandemd/config.o tandemd/config_keys.o \
		       tandemd/config_check.o tandemd/config_bpf.o
TANDEMD_OBJS := $(TANDEMD_CONFIG_OBJS) $(patsubst %.c,%.o,$(filter-out \
	$(patsubst %.o,%.c,$(TANDEMD_CONFIG_OBJS)) tandemd/main.c, \
	$(wildcard tandemd/*.c)))
TANDEMD_TESTS := $(patsubst %.c,%,$(wildcard tandemd/tests/*_test.c))
TANDEMD_LDLIBS := -linih -lcrypto
UNIT_TESTS += $(TANDEMD_TESTS)

all: tandemd/tandemd

agree/libagree.a: FORCE
	$(MAKE) -C agree libagree.a

tandemd/%.o: tandemd/%.c
	$(CC) $(CFLAGS) -Ilib -Iagree -c -o $@ $<

tandemd/tandemd: tandemd/main.o $(TANDEMD_OBJS) lib/libtandem.a agree/libagree.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TANDEMD_LDLIBS)

tandemd/tests/%_test.o: tandemd/tests/%_test.c $(KSFT_HEADERS)
	$(CC) $(CFLAGS) -Ilib -Iagree -Itandemd -isystem $(KSFT_DIR) -c -o $@ $<

tandemd/tests/%_test: tandemd/tests/%_test.o $(TANDEMD_OBJS) \
		      lib/libtandem.a agree/libagree.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TANDEMD_LDLIBS)

# The bpf backend (backend_bpf.c) on the loader of bpf/ (libbpf; the
# programs are embedded in it by their skeleton).
TANDEMD_BPF_LIB := ../bpf/build/libtandem_bpf.a
TANDEMD_LDLIBS += $(TANDEMD_BPF_LIB) $(or $(shell pkg-config --libs libbpf 2>/dev/null),-lbpf) -lelf -lz

$(TANDEMD_BPF_LIB): FORCE
	$(MAKE) -C ../bpf lib

tandemd/backend_bpf.o: tandemd/backend_bpf.c $(TANDEMD_BPF_LIB)
	$(CC) $(CFLAGS) -Ilib -Iagree -I../bpf -c -o $@ $<

tandemd/tandemd $(TANDEMD_TESTS): $(TANDEMD_BPF_LIB)

tandemd-clean:
	rm -f tandemd/tandemd tandemd/*.o tandemd/*.d tandemd/tests/*.o \
	      tandemd/tests/*.d $(TANDEMD_TESTS)

clean: tandemd-clean

.PHONY: tandemd-clean FORCE
