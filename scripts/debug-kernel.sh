#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [kernel]     build the debug kernel if it is not cached;
#                              print its build directory
# debug-kernel.sh module OUT   also build tandem.ko against it in OUT
#                              (a copy of the sources); print OUT/kmod/tandem.ko
# debug-kernel.sh config       print the build directory it would use
#
# The debug tier of `make vmtest KERNEL=debug`: Debian's own linux-source-6.1
# with KASAN, lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, kmemleak, UBSAN and
# DEBUG_OBJECTS_TIMERS, configured from allnoconfig plus
# scripts/debug-kernel.config (what the VM and the selftests need, built in).
# Built once per machine, in a directory named by the hash of its inputs (the
# config fragment, the source tarball, the compiler):
#   $TANDEM_DEBUG_CACHE/debug-kernel-HASH/   [/var/cache/tandem]
#     src/  the source tree   build/  O= build directory (KDIR for tandem.ko)
#     mod/  modules_install (modules.builtin for the VM's initramfs)
#     ok    written last, with the build's duration (an interrupted
#           build resumes where it stopped)
# Builds under `nice -n 10` with TANDEM_DEBUG_JOBS jobs [2]; progress and the
# build log go to stderr and build/build.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
fragment=$here/debug-kernel.config
tarball=${KSRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
jobs=${TANDEM_DEBUG_JOBS:-2}

die() { echo "debug-kernel: $*" >&2; exit 1; }
say() { echo "debug-kernel: $*" >&2; }

[ -r "$tarball" ] || die "no $tarball (apt-get install linux-source-6.1; scripts/deps.sh)"
[ -r "$fragment" ] || die "no $fragment"
for tool in flex bison bc make gcc; do
	command -v $tool >/dev/null || die "no $tool (scripts/deps.sh installs it)"
done

cache=${TANDEM_DEBUG_CACHE:-/var/cache/tandem}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/tandem
	mkdir -p "$cache" || die "cannot create a cache directory"
fi
hash=$({
	sed '/^#/d;/^$/d' "$fragment"
	stat -c '%n %s %Y' "$tarball"
	gcc --version | head -n 1
	echo "recipe 1"
} | sha256sum | cut -c1-12)
dir=$cache/debug-kernel-$hash
kdir=$dir/build

# check_config: every option of the fragment has its value in .config
check_config() {
	local line opt val got bad=0
	while IFS= read -r line; do
		case $line in '#'*|'') continue ;; esac
		opt=${line%%=*} val=${line#*=}
		got=$(grep -E "^$opt=|^# $opt is not set" "$kdir/.config" || true)
		case $val:$got in
		n:"# $opt is not set"|n:) ;;
		*) [ "$got" = "$opt=$val" ] || { say "config: want $opt=$val, got '${got:-unset}'"; bad=1; } ;;
		esac
	done < "$fragment"
	return $bad
}

# An interrupted build resumes: the extracted source and the configured
# build directory are kept (the "ok" marker is written last).
build_kernel() {
	local start secs
	start=$(date +%s)
	rm -f "$dir/ok"
	if [ ! -f "$dir/src/.tandem-extracted" ]; then
		rm -rf "$dir/src" "$kdir" "$dir/mod"
		mkdir -p "$dir/src"
		say "extracting $tarball"
		tar -xJf "$tarball" -C "$dir/src" --strip-components=1
		touch "$dir/src/.tandem-extracted"
	fi
	mkdir -p "$kdir"
	if [ ! -f "$kdir/.config" ] || ! check_config 2>/dev/null; then
		say "configuring (allnoconfig + ${fragment#"$repo"/})"
		make -s -C "$dir/src" O="$kdir" KCONFIG_ALLCONFIG="$fragment" allnoconfig >&2
		check_config || die "the config lacks options above (see $kdir/.config)"
	fi
	say "building in $kdir with $jobs jobs (log: $kdir/build.log)"
	if ! nice -n 10 make -C "$kdir" -j"$jobs" all >> "$kdir/build.log" 2>&1; then
		tail -n 40 "$kdir/build.log" >&2
		die "kernel build failed (log: $kdir/build.log)"
	fi
	rm -rf "$dir/mod"
	make -s -C "$kdir" INSTALL_MOD_PATH="$dir/mod" modules_install >&2 ||
		die "modules_install failed"
	secs=$(($(date +%s) - start))
	say "built in $((secs / 60)) min $((secs % 60)) s"
	echo "built $(date -u +%FT%TZ) in $secs s with $jobs jobs on $(nproc) CPUs" > "$dir/ok"
}

kernel() {
	[ -f "$dir/ok" ] && { echo "$kdir"; return 0; }
	exec 9> "$cache/debug-kernel-$hash.lock"
	flock 9
	[ -f "$dir/ok" ] || build_kernel
	echo "$kdir"
}

# module OUT: tandem.ko built from a copy of Kbuild, kmod/ and include/
# (kbuild writes next to the sources; the tree's own build stays for the
# Debian kernel), with debug info so reports resolve to file:line.
module() {
	local out=$1
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	rm -rf "$out/kmod" "$out/include"
	cp -a "$repo/Kbuild" "$out/"
	cp -a "$repo/kmod" "$repo/include" "$out/"
	rm -f "$out"/kmod/*.o "$out"/kmod/*.ko "$out"/kmod/*.mod "$out"/kmod/*.mod.c \
		"$out"/kmod/.*.cmd "$out"/kmod/modules.order "$out"/kmod/Module.symvers
	make -s -C "$kdir" M="$out" KCFLAGS=-g modules >&2 || die "tandem.ko does not build against $kdir"
	echo "$out/kmod/tandem.ko"
}

case ${1:-kernel} in
kernel) kernel ;;
module)
	[ $# -eq 2 ] || die "usage: debug-kernel.sh module OUT"
	kernel > /dev/null
	module "$2"
	;;
config) echo "$kdir" ;;
*) die "usage: debug-kernel.sh [kernel | module OUT | config]" ;;
esac
