#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/mkbmdeb.sh KO KREL VERSION OUTDIR: a binary module package,
# tandem-modules-KREL_VERSION_ARCH.deb in OUTDIR, holding KO (a tandem.ko
# built for kernel KREL, e.g. by `dkms build` of tandem-dkms) at
# /lib/modules/KREL/updates/dkms/tandem.ko, where DKMS would install it;
# depmod runs on install and removal. What Debian's dkms (3.0) no longer
# makes with `dkms mkbmdeb`: the module for hosts without compiler or
# headers, built once elsewhere for the kernel they run. It conflicts with
# tandem-dkms (both would own that file) and provides tandem-modules.
# Prints the package's path.
set -euo pipefail

[ $# -eq 4 ] || { sed -n '4,12{s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
ko=$1 krel=$2 ver=$3 outdir=$4

cd "$(dirname "${BASH_SOURCE[0]}")/.."
vermagic=$(modinfo -F vermagic "$ko") ||
	{ echo "mkbmdeb.sh: $ko: not a kernel module" >&2; exit 1; }
[ "${vermagic%% *}" = "$krel" ] ||
	{ echo "mkbmdeb.sh: $ko is built for ${vermagic%% *}, not $krel" >&2; exit 1; }
arch=$(dpkg --print-architecture)
pkg=tandem-modules-$krel
root=$(mktemp -d "${TMPDIR:-/tmp}/mkbmdeb.XXXXXX")
trap 'rm -rf "$root"' EXIT

# (as DKMS built it: compressed or not)
install -D -m 0644 "$ko" "$root/lib/modules/$krel/updates/dkms/tandem.ko${ko##*.ko}"
install -D -m 0644 debian/copyright "$root/usr/share/doc/$pkg/copyright"
install -d "$root/DEBIAN"
for script in postinst postrm; do
	cat > "$root/DEBIAN/$script" <<-EOF
	#!/bin/sh
	set -e
	if [ -e /boot/System.map-$krel ]; then
	    depmod -a -F /boot/System.map-$krel $krel || true
	else
	    depmod -a $krel || true
	fi
	EOF
	chmod 0755 "$root/DEBIAN/$script"
done
size=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: $pkg
Source: tandem
Version: $ver
Architecture: $arch
Maintainer: $(sed -n 's/^Maintainer: //p' debian/control)
Installed-Size: $size
Depends: linux-image-$krel
Provides: tandem-modules
Conflicts: tandem-dkms
Section: kernel
Priority: optional
Description: TCP failover that keeps the connections (kernel module for $krel)
 tandem gives a Linux TCP service a virtual IP whose connections survive
 the loss of the server that holds them.
 .
 This package holds the kernel module tandem.ko built for Linux $krel.
EOF
mkdir -p "$outdir"
deb=$outdir/${pkg}_${ver}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" > /dev/null
echo "$deb"
