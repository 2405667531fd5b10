#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building and testing tandem need, if any
# are missing. Silent and fast when everything is present; `apt-get update`
# only when something has to be installed. Debian 12, as root (or via sudo).
set -euo pipefail

packages=(
	# build: module, CLI, selftests
	build-essential make gcc pkg-config
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	libmnl-dev libjson-c-dev libinih-dev libssl-dev
	# kernel checks; the debug kernel (scripts/debug-kernel.sh)
	sparse flex bison bc libelf-dev
	# scripts/callgraph.sh (style.sh takes checkpatch from linux-source-6.1)
	universal-ctags
	# the VM
	qemu-system-x86 busybox-static cpio kmod xz-utils gzip
	# tools the tests use (host and guest share the root)
	iproute2 jq procps util-linux coreutils
	# data-path tests and benchmarks: offload toggles, a third-party server
	ethtool redis-server redis-tools
	# make bench: the profile (perf record -e cpu-clock, in the VM)
	linux-perf
	# the eBPF data path (bpf/): compiler, libbpf, skeletons
	clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool
	# its replication transport in the VM tests (bpf_wg_*): wg(8)
	wireguard-tools
	# install checks (scripts/check-dist.sh): man pages, the systemd unit
	groff-base man-db bsdextrautils systemd
	# Debian packages (scripts/check-deb.sh)
	dpkg-dev debhelper dh-dkms dkms lintian
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case $status in
	ii*) ;;
	*) missing+=("$p") ;;
	esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps.sh: missing packages (${missing[*]}); run as root" >&2
		exit 1
	}
	sudo=sudo
fi
echo "deps.sh: installing ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
