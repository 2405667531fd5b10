#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM, started by the initramfs after switch_root into the
# overlay of the host root. Sets up a minimal system, runs $tandem_run/cmd from
# the repository root with its output on the virtio port "tandem.out", writes
# its exit code to the port "tandem.status" and powers off. Kernel messages
# stay on the serial console (the host's console.log).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

log() { echo "tandem-vm: $*" > /dev/console; }

poweroff_now() {
	echo o > /proc/sysrq-trigger
	busybox poweroff -f
	while :; do busybox sleep 1000; done
}

# under() PATH DIR: true if PATH is DIR or below it
under() { case $1/ in "$2"/*) return 0 ;; esac; return 1; }

# Dynamic binaries load slowly over 9p; the static busybox is one file.
bb=busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb ln -s /proc/self/fd /dev/fd
$bb ln -s fd/0 /dev/stdin
$bb ln -s fd/1 /dev/stdout
$bb ln -s fd/2 /dev/stderr
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
$bb ln -sf pts/ptmx /dev/ptmx
$bb mount -t tmpfs tmpfs /dev/shm
$bb mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
$bb mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
$bb mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null

dir= run=
read -r -a args < /proc/cmdline
for arg in "${args[@]}"; do
	case $arg in
	tvm.dir=*) dir=${arg#tvm.dir=} ;;
	tvm.run=*) run=${arg#tvm.run=} ;;
	esac
done
# The overlay's upper layer is a tmpfs already; a separate tmpfs on /tmp or
# /run would hide the repository if it lives there.
under "$dir" /tmp || $bb mount -t tmpfs -o mode=1777 tmpfs /tmp
under "$dir" /run || $bb mount -t tmpfs -o mode=0755 tmpfs /run
$bb mkdir -p /run/netns /var/run
$bb hostname tandem-vm
$bb ip link set lo up

port() {
	local p
	for p in /sys/class/virtio-ports/*; do
		[ "$(< "$p/name")" = "$1" ] && { echo "/dev/${p##*/}"; return 0; }
	done
	return 1
}
out=$(port tandem.out) || { log "no virtio port tandem.out"; poweroff_now; }
status=$(port tandem.status) || { log "no virtio port tandem.status"; poweroff_now; }

export TANDEM_DIR=$dir
export TANDEM_CLI=$dir/ctl/tandem/tandem
export TANDEM_KO=$dir/kmod/tandem.ko
cd "$dir" || { log "cannot cd to $dir"; poweroff_now; }
# A virtio port opens only once: the command writes to a pipe (so it may
# reopen /dev/stdout) and cat copies that to the port.
$bb mkfifo /dev/shm/out
cat /dev/shm/out > "$out" &
cat=$!
log "running $run/cmd"
bash "$run/cmd" < /dev/null > /dev/shm/out 2>&1
rc=$?
# Processes the command left behind may still hold the pipe open.
for _ in {1..40}; do
	kill -0 $cat 2>/dev/null || break
	$bb sleep 0.05
done
if kill -0 $cat 2>/dev/null; then
	log "processes left running after the command; killing them"
	kill -TERM -1
	$bb sleep 0.2
	kill -KILL -1
fi
log "exit $rc"
echo "exit $rc" > "$status"
poweroff_now
