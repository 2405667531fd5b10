#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch (the kernel's coding style checker) over the module and its
# uapi headers; exits non-zero on any message not explained below.
#
# checkpatch.pl: $CHECKPATCH, or an unpacked kernel source in /usr/src, or
# the one in Debian's linux-source-6.1 (scripts/deps.sh installs it),
# unpacked once into build/checkpatch/.
#
# Checked in the default mode (as WireGuard is), with --no-tree. Ignored:
#   LINE_SPACING at kmod/datapath.h's struct_group(inc, ...): checkpatch
#     takes the macro's closing ");" for a declaration.
set -euo pipefail
cd "$(dirname "$0")/.."

find_checkpatch() {
	local tar dir=build/checkpatch

	if [ -n "${CHECKPATCH:-}" ]; then
		echo "$CHECKPATCH"
		return
	fi
	for f in /usr/src/linux-source-*/scripts/checkpatch.pl "$dir"/*/scripts/checkpatch.pl; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
	tar=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | tail -n 1)
	if [ -z "$tar" ]; then
		echo "style: no checkpatch.pl: apt-get install linux-source-6.1, or set CHECKPATCH" >&2
		exit 4
	fi
	mkdir -p "$dir"
	tar -xf "$tar" -C "$dir" --wildcards '*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	ls "$dir"/*/scripts/checkpatch.pl
}

cp=$(find_checkpatch)
out=$(perl "$cp" --no-tree --terse --file --show-types --quiet \
	$(git ls-files 'kmod/*.[ch]' 'include/uapi/linux/*.h') || true)
left=$(printf '%s\n' "$out" | grep -v \
	-e '^kmod/datapath\.h:[0-9]*: WARNING:LINE_SPACING: Missing a blank line after declarations$' \
	-e '^$' -e '^total: ' || true)
if [ -n "$left" ]; then
	printf '%s\n' "$left"
	echo "style: checkpatch found the above" >&2
	exit 1
fi
echo "style: checkpatch clean (kmod/, include/uapi/linux/)"
