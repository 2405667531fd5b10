#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [options] [TEST...]      run the VM selftests (all, or the named ones)
# run.sh [options] --cmd 'CMD'    run a shell command in the VM
#
# Boots Debian's kernel in qemu with the host root shared read-only over 9p
# under a tmpfs overlay; the command runs as root from the repository root.
# Its stdout/stderr stream to our stdout and its exit code becomes ours. The
# kernel console goes to build/vm/console.log. A VM that crashes or times out
# exits with 125 (--cmd) or fails the suite.
#
# Options (environment defaults in brackets):
#   --cmd CMD        shell command to run instead of the test suite
#   --timeout SEC    kill the VM after SEC seconds [TANDEM_VM_TIMEOUT, 1500]
#   --mem MB         guest memory [TANDEM_VM_MEM, 2048]
#   --smp N          guest CPUs [TANDEM_VM_SMP, 2]
#   --accel A        kvm, tcg or auto: kvm if /dev/kvm works [TANDEM_VM_ACCEL, auto]
#   --append ARGS    extra kernel command line [TANDEM_VM_APPEND]
#   --panic-on-oops  make an oops or WARN panic the VM (default: tests read dmesg)
#   --verbose        print all kernel messages to console.log (slower boot)
#   TANDEM_VM_CPU    qemu -cpu model [max under TCG, host under KVM]
#   TANDEM_VM_KERNEL kernel image to boot [build/vm/vmlinux-KREL, extracted
#                    from /boot/vmlinuz-KREL for a PVH boot, or that bzImage];
#                    "debug" (make vmtest KERNEL=debug): the debug kernel of
#                    scripts/debug-kernel.sh (KASAN, lockdep, kmemleak, UBSAN;
#                    built once and cached), tandem.ko built against it in
#                    build/debug-kmod; timeouts default to 3600 s (VM) and
#                    900 s (each test), and the tests' waits 4 times longer
#   TANDEM_TEST_TIMEOUT, TANDEM_VERBOSE, TANDEM_WAIT_SCALE (a factor on every
#                    wait_until timeout of the tests)  passed on to the tests
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

cmd=
timeout=${TANDEM_VM_TIMEOUT:-}
mem=${TANDEM_VM_MEM:-2048}
smp=${TANDEM_VM_SMP:-2}
accel=${TANDEM_VM_ACCEL:-auto}
append=${TANDEM_VM_APPEND:-}
quiet="quiet loglevel=4"
panic=
tests=()

usage() { sed -n '3,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-0}"; }
die() { echo "run.sh: $*" >&2; exit 125; }

while [ $# -gt 0 ]; do
	case $1 in
	--cmd) cmd=$2; [ -n "$cmd" ] || die "--cmd needs a command"; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--append) append="$append $2"; shift 2 ;;
	--panic-on-oops) panic="oops=panic panic_on_warn=1"; shift ;;
	--verbose) quiet="loglevel=7"; shift ;;
	-h|--help) usage 0 ;;
	--) shift; tests+=("$@"); break ;;
	-*) echo "run.sh: unknown option $1" >&2; usage 125 >&2 ;;
	*) tests+=("$1"); shift ;;
	esac
done
[ -z "$cmd" ] || [ ${#tests[@]} -eq 0 ] || die "--cmd and test names exclude each other"

# The release of the kernel we build against; its image boots the VM.
# (Debian's include/config/kernel.release holds the upstream version, so
# utsrelease.h comes first.)
debug_ko=
if [ "${TANDEM_VM_KERNEL:-}" = debug ]; then
	kdir=$("$repo/scripts/debug-kernel.sh") || die "no debug kernel (scripts/debug-kernel.sh)"
	debug_ko=$("$repo/scripts/debug-kernel.sh" module "$repo/build/debug-kmod") ||
		die "tandem.ko does not build against the debug kernel"
	timeout=${timeout:-3600}
	export TANDEM_TEST_TIMEOUT=${TANDEM_TEST_TIMEOUT:-900}
	export TANDEM_WAIT_SCALE=${TANDEM_WAIT_SCALE:-4}
else
	kdir=${KDIR:-$("$repo/scripts/kdir.sh")} || die "no kernel build directory"
fi
timeout=${timeout:-1500}
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null)
if [ -n "$debug_ko" ]; then
	# its modules.builtin, for the initramfs (everything it needs is built in)
	export TANDEM_VM_MODDIR=$kdir/../mod/lib/modules/$krel
	[ -d "$TANDEM_VM_MODDIR" ] || die "no $TANDEM_VM_MODDIR"
	# (its vmlinux does not boot through PVH: the bzImage)
	bzimage=$kdir/arch/x86/boot/bzImage
else
	[ -d "/lib/modules/$krel" ] || krel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null)
	[ -d "/lib/modules/$krel" ] || die "no /lib/modules for the kernel in $kdir (release '$krel')"
	bzimage=/boot/vmlinuz-$krel
fi
[ -r "$bzimage" ] || die "no readable $bzimage (install linux-image-$krel)"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (install qemu-system-x86)"

vmdir=$repo/build/vm
mkdir -p "$vmdir/runs" || die "cannot create $vmdir"

# The uncompressed vmlinux boots through its PVH entry point, which under TCG
# saves seconds of decompression per boot; cached, bzImage as a fallback.
vmlinux() {
	local out=$vmdir/vmlinux-$krel magic tool off
	[ -s "$out" ] && [ ! "$bzimage" -nt "$out" ] && { echo "$out"; return 0; }
	grep -q '^CONFIG_PVH=y' "/boot/config-$krel" 2>/dev/null || return 1
	for magic in '\xfd7zXZ:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
		tool=${magic##*:}
		command -v "$tool" >/dev/null || continue
		off=$(LC_ALL=C grep -obUaP "${magic%:*}" "$bzimage" | head -n 1 | cut -d: -f1)
		[ -n "$off" ] || continue
		tail -c +$((off + 1)) "$bzimage" | "$tool" -dc > "$out.tmp.$$" 2>/dev/null
		if [ "$(head -c 4 "$out.tmp.$$" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv -f "$out.tmp.$$" "$out"
			echo "$out"
			return 0
		fi
	done
	rm -f "$out.tmp.$$"
	return 1
}
if [ -n "$debug_ko" ]; then
	kernel=$bzimage
else
	kernel=${TANDEM_VM_KERNEL:-$(vmlinux || echo "$bzimage")}
fi

# The initramfs, rebuilt when its inputs change.
initrd=$vmdir/initramfs-$krel.cpio.gz
rebuild=
for f in "$here/mkinitramfs.sh" "$here/initramfs-init.sh" "$(command -v busybox || echo /nonexistent)" \
	"${TANDEM_VM_MODDIR:-/lib/modules/$krel}/modules.dep"; do
	[ -e "$initrd" ] && [ ! "$f" -nt "$initrd" ] || rebuild=1
done
if [ -n "$rebuild" ]; then
	"$here/mkinitramfs.sh" "$krel" "$initrd" || die "building the initramfs failed"
fi

# KVM is used when it boots this kernel (where /dev/kvm exists but hangs,
# as on nested setups, a 10 s probe falls back to TCG); the answer is cached
# per host boot.
probe_kvm() {
	local cache boot
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
	cache=/var/tmp/tandem-kvm-probe.$(id -u).$krel.$boot
	[ -w /var/tmp ] || cache=$vmdir/kvm-probe.$krel.$boot
	if [ ! -f "$cache" ]; then
		rm -f /var/tmp/tandem-kvm-probe.$(id -u).* "$vmdir"/kvm-probe.*
		if TANDEM_VM_QUIET=1 "$0" --accel kvm --timeout 10 --cmd true >/dev/null 2>&1; then
			echo kvm > "$cache"
		else
			echo tcg > "$cache"
		fi
	fi
	[ "$(cat "$cache")" = kvm ]
}
case $accel in
auto) if probe_kvm; then accel=kvm; else accel=tcg; fi ;;
kvm|tcg) ;;
*) die "--accel must be kvm, tcg or auto" ;;
esac

run=$(mktemp -d "$vmdir/runs/XXXXXX") || die "mktemp failed"
qpid= tpid=
cleanup() {
	[ -n "$qpid" ] && kill -TERM "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	[ -f "$run/console.log" ] && cp -f "$run/console.log" "$vmdir/console.log" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP PIPE

# The guest runs this file from the repository root; the caller's
# TANDEM_* settings (test timeout, verbosity) pass through.
{
	for v in $(compgen -e | grep -E '^TANDEM_(TEST_TIMEOUT|VERBOSE|WAIT_SCALE)$'); do
		printf 'export %s=%q\n' "$v" "${!v}"
	done
	[ -z "$debug_ko" ] || printf 'export TANDEM_KO=%q\n' "$debug_ko"
	if [ -n "$cmd" ]; then
		printf '%s\n' "$cmd"
	else
		printf 'exec selftests/vm/run-tests.sh'
		[ ${#tests[@]} -eq 0 ] || printf ' %q' "${tests[@]}"
		echo
	fi
} > "$run/cmd"
: > "$run/out"
: > "$run/status"
: > "$run/console.log"

cpu=${TANDEM_VM_CPU:-max}
[ "$accel" = kvm ] && cpu=${TANDEM_VM_CPU:-host}
# tvm.*: ours; dotted, so the kernel neither warns nor passes them to init.
# no_timer_check: a loaded host makes the emulated timer look broken (a panic at boot)
cmdline="console=ttyS0 $quiet slub_nomerge panic=-1 mitigations=off no_timer_check $panic"
cmdline="$cmdline tvm.dir=$repo tvm.run=$run $append"
cmdline=$(printf "%s" "$cmdline" | tr -s " ")

start=$(date +%s.%N)
# timeout(1) passes our TERM on to qemu; -k kills a qemu that ignores it.
timeout -k 5 "$timeout" qemu-system-x86_64 \
	-machine q35,accel="$accel" -cpu "$cpu" -smp "$smp" -m "$mem" \
	-nodefaults -display none -vga none -no-reboot -no-user-config \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-serial file:"$run/console.log" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-device virtio-serial-pci \
	-chardev file,id=out,path="$run/out" \
	-device virtserialport,chardev=out,name=tandem.out \
	-chardev file,id=status,path="$run/status" \
	-device virtserialport,chardev=status,name=tandem.status \
	</dev/null >"$run/qemu.log" 2>&1 &
qpid=$!
# Stream the command's output as it arrives; tail ends once qemu is gone.
tail -s 0.1 --pid="$qpid" -c +1 -f "$run/out" &
tpid=$!
wait "$qpid"
qrc=$?
qpid=
wait "$tpid"
tpid=
end=$(date +%s.%N)
secs=$(awk "BEGIN { printf \"%.1f\", $end - $start }")

rc=$(sed -n 's/^exit \([0-9]\+\)$/\1/p' "$run/status" | tail -n 1)
if [ -z "$rc" ]; then
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		why="timed out after ${timeout}s"
	else
		why="stopped without reporting an exit code (qemu status $qrc)"
	fi
	{
		echo "vm: the VM $why"
		[ -s "$run/qemu.log" ] && sed 's/^/vm: qemu: /' "$run/qemu.log"
		# From the first sign of trouble if there is one, else the end.
		first=$(grep -anE 'Kernel panic|Oops|BUG|WARNING|Call Trace|tandem initramfs' \
			"$run/console.log" | head -n 1 | cut -d: -f1)
		if [ -n "$first" ]; then
			echo "vm: build/vm/console.log from line $first:"
			tail -n +"$first" "$run/console.log" | head -n 60 | sed 's/^/vm:   /'
			echo "vm:   ..."
			tail -n 5 "$run/console.log" | sed 's/^/vm:   /'
		else
			echo "vm: last lines of build/vm/console.log:"
			tail -n 40 "$run/console.log" | sed 's/^/vm:   /'
		fi
	} >&2
	if [ -z "$cmd" ]; then
		# The suite did not finish: count what it reported plus this failure.
		last=$(grep -a '^# totals: ' "$run/out" | tail -n 1)
		read -r _ _ p f s <<< "${last:-# totals: 0 0 0}"
		echo "not ok - VM completed # $why"
		echo "$p passed, $((f + 1)) failed, $s skipped"
	fi
	exit 125
fi
[ -n "${TANDEM_VM_QUIET:-}" ] || echo "vm: $accel, up and down in ${secs}s, exit $rc" >&2
exit "$rc"
