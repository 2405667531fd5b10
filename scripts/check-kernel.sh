#!/bin/sh
# Rebuild kmod/tandem.ko from a clean state with W=1 (extra compiler
# warnings) and C=1 (sparse), print the diagnostics, and fail if the build
# fails or any warning or sparse complaint names a tandem file. It builds a
# copy of the sources: the tree's own objects and tandem.ko (which a VM
# booting from the tree may be loading) are left alone.
set -u
cd "$(dirname "$0")/.."
KDIR=${KDIR:-$(scripts/kdir.sh)} || exit 1

if ! command -v sparse >/dev/null 2>&1; then
	echo "check-kernel: sparse is not installed (apt-get install sparse)" >&2
	exit 1
fi

log=$(mktemp)
src=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$src"' EXIT

mkdir -p "$src/kmod" "$src/scripts" &&
	cp Kbuild "$src/" && cp -r include "$src/" &&
	cp kmod/Kbuild kmod/*.c kmod/*.h "$src/kmod/" &&
	cp scripts/version.sh "$src/scripts/" || exit 1
make -C "$KDIR" M="$src" W=1 C=1 TANDEM_VERSION="$(scripts/version.sh)" \
	modules >"$log" 2>&1
status=$?

# Diagnostics: compiler and sparse "file:line:col: warning|error:" lines,
# and modpost WARNING/ERROR lines, that concern this tree's files.
diags=$(grep -E '(warning|error|WARNING|ERROR)' "$log" |
	grep -E "(kmod/|include/uapi/linux/tandem\.h|tandem\.(ko|o))")

if [ "$status" -ne 0 ]; then
	cat "$log"
	echo "check-kernel: build failed" >&2
	exit 1
fi
if [ -n "$diags" ]; then
	echo "$diags"
	echo "check-kernel: $(echo "$diags" | wc -l) diagnostic(s) in tandem files" >&2
	exit 1
fi
echo "check-kernel: W=1 C=1 build of kmod/tandem.ko is clean"
