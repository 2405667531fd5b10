#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scripts/version.sh: the one version of tandem, for the module (kmod/Kbuild),
# the CLI and tandemd (ctl/Makefile) and the packages. In a git checkout:
# `git describe` of the newest tag v* (v0.2.0-3-gabcdef1[-dirty] gives
# 0.2.0-3-gabcdef1[-dirty]); with no tag, the base version below and the
# commit (0.1.0-gabcdef1[-dirty]); outside git (a release tarball, DKMS's
# copy), the base version alone. --base: the base version alone, always
# (dkms.conf's PACKAGE_VERSION and debian/changelog's upstream version).
base=0.1.0
if [ "${1:-}" = --base ]; then
	echo "$base"
	exit 0
fi
top=$(cd "$(dirname "$0")/.." && pwd)
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	v=$(git -C "$top" describe --tags --match 'v[0-9]*' --dirty 2>/dev/null) &&
		{ echo "${v#v}"; exit 0; }
	h=$(git -C "$top" describe --always --dirty 2>/dev/null) &&
		{ echo "$base-g$h"; exit 0; }
fi
echo "$base"
