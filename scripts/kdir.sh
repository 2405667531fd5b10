#!/bin/sh
# Print the kernel build directory to build tandem.ko against: the running
# kernel's when it has one, else the newest installed Debian linux-headers.
set -eu
running="/lib/modules/$(uname -r)/build"
if [ -d "$running" ] && [ -f "$running/Makefile" ]; then
	echo "$running"
	exit 0
fi
newest=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -z "$newest" ]; then
	echo "kdir.sh: no kernel build directory; install linux-headers-amd64 or set KDIR=" >&2
	exit 1
fi
echo "$newest"
