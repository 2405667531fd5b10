#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the VM's initramfs: mount the host root (virtio-9p, read-only) under
# a tmpfs overlay and switch_root into it, running the repository's
# selftests/vm/guest-init.sh (path from tvm.dir= on the kernel cmdline).
export PATH=/bin

fail() {
	echo "tandem initramfs: $*" >&2
	busybox poweroff -f
	exec busybox sleep 1000000
}

busybox mount -t proc proc /proc || fail "mount /proc"
busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
busybox mount -t sysfs sysfs /sys

for m in $(busybox cat /lib/modules/order); do
	busybox insmod /lib/modules/$m.ko || fail "insmod $m"
done

dir=
for arg in $(busybox cat /proc/cmdline); do
	case $arg in
	tvm.dir=*) dir=${arg#tvm.dir=} ;;
	esac
done
[ -n "$dir" ] || fail "no tvm.dir= on the kernel command line"

busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 \
	hostroot /mnt/lower || fail "mount 9p hostroot"
busybox mount -t tmpfs -o mode=0755 tmpfs /mnt/rw || fail "mount tmpfs"
busybox mkdir -p /mnt/rw/upper /mnt/rw/work
busybox mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work \
	overlay /newroot || fail "mount overlay"
busybox umount /sys
busybox umount /dev 2>/dev/null
busybox umount /proc

[ -x "/newroot$dir/selftests/vm/guest-init.sh" ] ||
	fail "$dir/selftests/vm/guest-init.sh not found through 9p"
exec busybox switch_root /newroot "$dir/selftests/vm/guest-init.sh"
