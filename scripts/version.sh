#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scripts/version.sh: the version of tandem, for the CLI, tandemd and the
# packages. In a git checkout: `git describe` of the newest tag v*
# (v0.2.0-3-gabcdef1[-dirty] gives 0.2.0-3-gabcdef1[-dirty]); with no tag,
# TANDEM_VERSION of kmod/tandem.h and the commit (0.1.0-gabcdef1[-dirty]);
# outside git (a release tarball), TANDEM_VERSION alone.
top=$(cd "$(dirname "$0")/.." && pwd)
base=$(sed -n 's/^#define TANDEM_VERSION "\(.*\)"$/\1/p' "$top/kmod/tandem.h" 2>/dev/null)
[ -n "$base" ] || base=0.0.0
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	v=$(git -C "$top" describe --tags --match 'v[0-9]*' --dirty 2>/dev/null) &&
		{ echo "${v#v}"; exit 0; }
	h=$(git -C "$top" describe --always --dirty 2>/dev/null) &&
		{ echo "$base-g$h"; exit 0; }
fi
echo "$base"
