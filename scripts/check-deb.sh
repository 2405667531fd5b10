#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check-deb.sh [--vm]: the Debian packages (TAP). Builds tandem and
# tandem-dkms with dpkg-buildpackage from a copy of the tree (into
# build/deb/), then checks:
#   - lintian --pedantic: no tag but the one explained below;
#   - tandem's files, and its tandemd -V giving the package's version;
#   - tandem-dkms: `dkms build` of its sources for KDIR's kernel (a
#     private dkms tree) gives tandem.ko for that kernel;
#   - with --vm, in the VM: both packages installed with dpkg -i (DKMS
#     builds and installs the module for the VM's kernel), the module
#     loaded with modprobe, and tandemd_witness_test.sh (election, a crash of
#     the primary, failover with a witness) run with /usr/sbin/tandem and
#     /usr/sbin/tandemd from the package.
# Needs debhelper, dh-dkms, lintian and dkms (scripts/deps.sh). The VM
# part compiles the module in the VM: minutes under TCG (timeout
# TANDEM_DEB_VM_TIMEOUT, 3600 s).
#
# The lintian tag left: non-standard-dir-perm for etc/tandem/ (0700): the
# directory holds the group keys, as `make install` creates it.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
repo=$PWD
out=$repo/build/deb

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() {
	local desc=$1 o
	shift
	if o=$("$@" 2>&1); then
		ok "$desc"
	else
		[ -n "$o" ] && printf '%s\n' "$o" | tail -n 40 | sed 's/^/# /'
		not_ok "$desc"
	fi
}

# In the VM (run by --vm): install, load, fail over with the package's files.
# Progress goes out as it happens (DKMS compiles the module under TCG: slow).
if [ "${1:-}" = --in-vm ]; then
	export DEBIAN_FRONTEND=noninteractive
	echo "TAP version 13"
	echo "1..3"
	# no man-db index rebuild in the VM's throwaway overlay
	echo "man-db man-db/auto-update boolean false" | debconf-set-selections
	t0=$SECONDS
	if dpkg -i "$out"/tandem_*.deb "$out"/tandem-dkms_*.deb 2>&1 | sed -u 's/^/# dpkg: /' &&
	   dkms status tandem | sed 's/^/# /' | grep "$(uname -r).*installed"; then
		ok "dpkg -i tandem tandem-dkms: DKMS built and installed the module for $(uname -r) ($((SECONDS - t0)) s)"
	else
		not_ok "dpkg -i tandem tandem-dkms: DKMS built and installed the module for $(uname -r)"
	fi
	loaded() {
		modprobe tandem && [ -d /sys/module/tandem ] &&
			[[ $(modinfo -n tandem) == */updates/dkms/tandem.ko* ]]
	}
	check "modprobe tandem loads the DKMS module" loaded
	if TD_BIN=/usr/sbin/tandemd TANDEM_CLI=/usr/sbin/tandem \
		bash selftests/tandemd_witness_test.sh 2>&1 | sed 's/^/# /'; [ "${PIPESTATUS[0]}" -eq 0 ]; then
		ok "tandemd_witness_test.sh (a failover) with /usr/sbin/tandem and /usr/sbin/tandemd"
	else
		not_ok "tandemd_witness_test.sh (a failover) with /usr/sbin/tandem and /usr/sbin/tandemd"
	fi
	[ "$failed" -eq 0 ]
	exit
fi

vm=
[ "${1:-}" = --vm ] && vm=1
ver=$(dpkg-parsechangelog -S Version) || exit 1
upstream=${ver%-*}
src=$out/tandem-$upstream

echo "TAP version 13"
echo "1..$((vm ? 5 : 4))"

build() {
	rm -rf "$out" && mkdir -p "$src" || return 1
	if git rev-parse --git-dir > /dev/null 2>&1; then
		git ls-files -co --exclude-standard | tar -T - -cf - | tar -xf - -C "$src"
	else
		tar --exclude=./build -cf - . | tar -xf - -C "$src"
	fi || return 1
	(cd "$src" && dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1 ||
		{ tail -n 30 "$out/build.log"; return 1; }
	ls "$out"/tandem_"$ver"_*.deb "$out"/tandem-dkms_"$ver"_all.deb
}
check "dpkg-buildpackage -b: tandem and tandem-dkms $ver" build

lint() {
	lintian --pedantic -E "$out"/tandem_"$ver"_*.changes 2>&1 |
		grep -v '^running with root privileges' > "$out/lintian.txt"
	sed 's/^/lintian: /' "$out/lintian.txt"
	! grep -v '^W: tandem: non-standard-dir-perm 0700 != 0755 \[etc/tandem/\]$' \
		"$out/lintian.txt" | grep -q .
}
check "lintian --pedantic: only non-standard-dir-perm etc/tandem/ (the keys' directory, 0700)" lint

contents() {
	local x=$out/x want got
	rm -rf "$x" && mkdir -p "$x" && dpkg -x "$out"/tandem_"$ver"_*.deb "$x" || return 1
	want="./etc/tandem
./lib/systemd/system/tandemd.service
./usr/sbin/tandem
./usr/sbin/tandemd
./usr/share/bash-completion/completions/tandem
./usr/share/doc/tandem/changelog.gz
./usr/share/doc/tandem/copyright
./usr/share/doc/tandem/examples/tandemd.conf.example
./usr/share/man/man5/tandemd.conf.5.gz
./usr/share/man/man8/tandem.8.gz
./usr/share/man/man8/tandemd.8.gz"
	got=$(cd "$x" && find . \( -type f -o -empty \) | sort)
	diff <(echo "$want") <(echo "$got") || return 1
	[ "$(stat -c %a "$x/etc/tandem")" = 700 ] &&
		grep -q '^ExecStart=/usr/sbin/tandemd -c /etc/tandem/tandemd.conf$' \
			"$x/lib/systemd/system/tandemd.service" &&
		[ "$("$x/usr/sbin/tandemd" -V)" = "tandemd $upstream" ] &&
		[ "$("$x/usr/sbin/tandem" -V)" = "tandem $upstream" ]
}
check "tandem: its files, /etc/tandem 0700, the unit's paths, -V gives $upstream" contents

dkms_build() {
	local x=$out/dkms-src tree=$out/dkms-tree kdir krel ko
	kdir=$(scripts/kdir.sh) || return 1
	krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
	rm -rf "$x" "$tree" && mkdir -p "$x" "$tree" &&
		dpkg -x "$out"/tandem-dkms_"$ver"_all.deb "$x" || return 1
	dkms build -m tandem -v "$upstream" --sourcetree "$x/usr/src" \
		--dkmstree "$tree" -k "$krel" > "$out/dkms.log" 2>&1 ||
		{ tail -n 30 "$out/dkms.log"; return 1; }
	ko=$(find "$tree/tandem/$upstream/$krel" -name 'tandem.ko*' | head -n 1)
	[ -n "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$krel "
}
check "tandem-dkms: dkms build for $(basename "$(scripts/kdir.sh 2>/dev/null)")" dkms_build

if [ -n "$vm" ]; then
	in_vm() {
		selftests/vm/run.sh --timeout "${TANDEM_DEB_VM_TIMEOUT:-3600}" \
			--cmd "scripts/check-deb.sh --in-vm" |
			tee "$out/vm.log" | sed 's/^/    /'
		[ "${PIPESTATUS[0]}" -eq 0 ]
	}
	# its output as it goes (it is long), then the verdict
	if in_vm; then
		ok "in the VM: packages installed, DKMS module loaded, a failover with the installed files"
	else
		not_ok "in the VM: packages installed, DKMS module loaded, a failover with the installed files"
	fi
fi
[ "$failed" -eq 0 ]
