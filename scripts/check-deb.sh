#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check-deb.sh [--vm|--vm-dkms]: the Debian packages (TAP). Builds
# tandem and tandem-dkms with dpkg-buildpackage from a copy of the tree (into
# build/deb/), then checks:
#   - lintian --pedantic: no tag but the one explained below;
#   - tandem's files, and its tandemd -V giving the package's version;
#   - tandem-dkms: `dkms build` of its sources for KDIR's kernel (the VM's;
#     a private dkms tree) gives tandem.ko for that kernel;
#   - that module in a binary package, tandem-modules-KREL
#     (scripts/mkbmdeb.sh);
#   - with --vm, in the VM: tandem and tandem-modules-KREL installed with
#     dpkg -i, the module loaded by the unit's modprobe line from
#     /lib/modules/KREL/updates/dkms, tandem and tandemd on PATH the
#     package's, the packaged example accepted by tandemd -t, and
#     tandemd_witness_test.sh (election, a crash of the primary, failover
#     with a witness) run with them (~2 min under TCG; timeout
#     TANDEM_DEB_VM_TIMEOUT, 900 s);
#   - with --vm-dkms, the same with tandem-dkms instead: DKMS compiles the
#     module in the VM, ~40 min under a loaded TCG (timeout 3600 s).
# Needs debhelper, dh-dkms, lintian and dkms (scripts/deps.sh).
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

# In the VM (run by the checks below): install, load, fail over with the
# package's files, not the build tree's. "--in-vm dkms" installs tandem-dkms
# (DKMS compiles the module there: ~40 min under TCG) instead of the binary
# module package built on the host.
if [ "${1:-}" = --in-vm ]; then
	export DEBIAN_FRONTEND=noninteractive
	krel=$(uname -r)
	echo "TAP version 13"
	echo "1..4"
	# no man-db index rebuild in the VM's throwaway overlay
	echo "man-db man-db/auto-update boolean false" | debconf-set-selections
	t0=$SECONDS
	if [ "${2:-}" = dkms ]; then
		if dpkg -i "$out"/tandem_*.deb "$out"/tandem-dkms_*.deb 2>&1 | sed -u 's/^/# dpkg: /' &&
		   dkms status tandem | sed 's/^/# /' | grep "$krel.*installed"; then
			ok "dpkg -i tandem tandem-dkms: DKMS built and installed the module for $krel ($((SECONDS - t0)) s)"
		else
			not_ok "dpkg -i tandem tandem-dkms: DKMS built and installed the module for $krel"
		fi
	else
		check "dpkg -i tandem tandem-modules-$krel" \
			dpkg -i "$out"/tandem_*.deb "$out/tandem-modules-${krel}"_*.deb
	fi
	unit=/lib/systemd/system/tandemd.service
	# the module's file is the package's (or DKMS's) for this kernel
	owned() {
		if [ "${1:-}" = dkms ]; then
			dkms status tandem | grep -q "$krel.*installed"
		else
			dpkg -S "$(modinfo -n tandem)" | grep -q "^tandem-modules-$krel:"
		fi
	}
	# the unit's own modprobe line; its tandemd the one on PATH, the package's
	installed() {
		local pre
		pre=$(sed -n 's|^ExecStartPre=-+\(/sbin/modprobe tandem\)$|\1|p' "$unit")
		[ -n "$pre" ] && $pre && [ -d /sys/module/tandem ] &&
			[[ $(modinfo -n tandem) == "/lib/modules/$krel/updates/dkms/tandem.ko"* ]] &&
			[ "$(modinfo -F srcversion tandem)" = "$(cat /sys/module/tandem/srcversion)" ] &&
			owned "$@" &&
			[ "$(command -v tandemd)" = /usr/sbin/tandemd ] &&
			[ "$(command -v tandem)" = /usr/sbin/tandem ] &&
			grep -qx "ExecStart=$(command -v tandemd) -c /etc/tandem/tandemd.conf" "$unit" &&
			dpkg -S /usr/sbin/tandemd | grep -q '^tandem:'
	}
	check "the unit's modprobe loads /lib/modules/$krel/updates/dkms/tandem.ko; tandem, tandemd on PATH are the package's" \
		installed "${2:-}"
	# the README's deployment steps 3 and 4: a key, the example, tandemd -t
	conf_ok() {
		(umask 077 && tandem genkey > /etc/tandem/web.key) &&
			cp /usr/share/doc/tandem/examples/tandemd.conf.example /etc/tandem/tandemd.conf &&
			tandemd -t -c /etc/tandem/tandemd.conf
	}
	check "tandemd -t accepts the packaged example with a key from tandem genkey" conf_ok
	if TD_BIN=$(command -v tandemd) TANDEM_CLI=$(command -v tandem) \
		bash selftests/tandemd_witness_test.sh 2>&1 | sed 's/^/# /'; [ "${PIPESTATUS[0]}" -eq 0 ]; then
		ok "tandemd_witness_test.sh (a failover) with /usr/sbin/tandem, /usr/sbin/tandemd and the installed module"
	else
		not_ok "tandemd_witness_test.sh (a failover) with /usr/sbin/tandem, /usr/sbin/tandemd and the installed module"
	fi
	[ "$failed" -eq 0 ]
	exit
fi

vm=
case ${1:-} in
--vm) vm=modules ;;
--vm-dkms) vm=dkms ;;
esac
ver=$(dpkg-parsechangelog -S Version) || exit 1
upstream=${ver%-*}
src=$out/tandem-$upstream

echo "TAP version 13"
echo "1..$([ -n "$vm" ] && echo 6 || echo 5)"

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

# the module DKMS built above in a binary package, for the VM's kernel
modules_deb() {
	local krel ko deb
	krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
		"$(scripts/kdir.sh)/include/generated/utsrelease.h") || return 1
	ko=$(find "$out/dkms-tree/tandem/$upstream/$krel" -name 'tandem.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "no tandem.ko from dkms build"; return 1; }
	deb=$(scripts/mkbmdeb.sh "$ko" "$krel" "$ver" "$out") || return 1
	dpkg-deb -c "$deb" > "$out/modules.txt" &&
		grep -q " ./lib/modules/$krel/updates/dkms/tandem.ko" "$out/modules.txt" &&
		dpkg-deb -f "$deb" Depends | grep -qx "linux-image-$krel"
}
check "tandem-modules-KREL: the DKMS-built module in a binary package (scripts/mkbmdeb.sh)" modules_deb

if [ -n "$vm" ]; then
	in_vm() {
		local t0=$SECONDS
		selftests/vm/run.sh --timeout "${TANDEM_DEB_VM_TIMEOUT:-$([ "$vm" = dkms ] && echo 3600 || echo 900)}" \
			--cmd "scripts/check-deb.sh --in-vm $vm" |
			tee "$out/vm.log" | sed 's/^/    /'
		[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
		echo "    # in the VM: $((SECONDS - t0)) s"
	}
	# its output as it goes, then the verdict
	pkgs="tandem and tandem-$([ "$vm" = dkms ] && echo dkms || echo modules-KREL)"
	if in_vm; then
		ok "in the VM: $pkgs installed, the module loaded, a failover with the installed files"
	else
		not_ok "in the VM: $pkgs installed, the module loaded, a failover with the installed files"
	fi
fi
[ "$failed" -eq 0 ]
