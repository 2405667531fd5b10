#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KREL OUT
#
# Build the VM's tiny initramfs: a static busybox, the modules that mount the
# host root over virtio-9p with a tmpfs overlay, and initramfs-init.sh as /init.
# Modules come from /lib/modules/KREL (or $TANDEM_VM_MODDIR), loaded in
# modules.dep order.
set -euo pipefail

krel=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
moddir=${TANDEM_VM_MODDIR:-/lib/modules/$krel}
want=(virtio_pci virtio_console 9pnet_virtio 9p overlay)

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep (install linux-image-$krel)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "no busybox (install busybox-static)"
if command -v readelf >/dev/null &&
   readelf -l "$(readlink -f "$busybox")" | grep -q 'program interpreter'; then
	die "$busybox is not static (install busybox-static)"
fi

# modules.dep: "path/name.ko[.xz|.zst]: dep1 dep2 ..." with deps of deps
# already flattened; load order is deps (last first), then the module.
declare -A deps path
while IFS= read -r line; do
	m=${line%%:*}
	n=${m##*/}; n=${n%%.ko*}; n=${n//-/_}
	path[$n]=$m
	deps[$n]=${line#*:}
done < "$moddir/modules.dep"

order=()
declare -A seen
add() {
	local n=${1//-/_} d dn list i
	[ -n "${seen[$n]:-}" ] && return
	if [ -z "${path[$n]:-}" ]; then
		# built into the kernel
		grep -q "/${1}.ko" "$moddir/modules.builtin" 2>/dev/null && return
		die "module $1 not found in $moddir"
	fi
	read -r -a list <<< "${deps[$n]}"
	for ((i = ${#list[@]} - 1; i >= 0; i--)); do
		d=${list[i]##*/}; dn=${d%%.ko*}
		add "$dn"
	done
	seen[$n]=1
	order+=("$n")
}
for m in "${want[@]}"; do add "$m"; done

tmp=$(mktemp -d "${out}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,mnt/lower,mnt/rw,newroot,lib/modules}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
: > "$root/lib/modules/order"	# empty when everything is built in
for n in "${order[@]}"; do
	src=$moddir/${path[$n]}
	case $src in
	*.ko) cp "$src" "$root/lib/modules/$n.ko" ;;
	*.ko.xz) xz -dc "$src" > "$root/lib/modules/$n.ko" ;;
	*.ko.zst) zstd -qdc "$src" > "$root/lib/modules/$n.ko" ;;
	*.ko.gz) gzip -dc "$src" > "$root/lib/modules/$n.ko" ;;
	*) die "unknown module format: $src" ;;
	esac
	echo "$n" >> "$root/lib/modules/order"
done
install -m 0755 "$here/initramfs-init.sh" "$root/init"
# init's stdio; the kernel's built-in initramfs usually has it already.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) > "$tmp/initramfs.cpio"
gzip -1 -n < "$tmp/initramfs.cpio" > "$tmp/out"
mv -f "$tmp/out" "$out"
