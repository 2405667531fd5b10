#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo.sh: the main job. Installs what it needs, builds the module and
# the CLI, boots Debian's kernel in a VM and there loads tandem.ko and
# configures a replica group in a network namespace "node" with the CLI,
# printing a transcript. (`scripts/demo.sh --in-vm` is the part in the VM.)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${1:-}" != --in-vm ]; then
	scripts/deps.sh
	echo "# building the module, the CLI and the selftests (make all)"
	make -s -j"$(nproc)" all 2>&1 | { grep -v '^Skipping BTF generation' || true; }
	echo "# booting $(uname -m) Debian kernel in qemu (selftests/vm/run.sh)"
	exec selftests/vm/run.sh --timeout "${TANDEM_VM_TIMEOUT:-600}" --cmd 'scripts/demo.sh --in-vm'
fi

# ---- in the VM, as root, from the repository root ----
tandem() { "$TANDEM_CLI" "$@"; }
say() { printf '\n# %s\n' "$*"; }
# show() ARGS: the command line as one would type it
show() {
	local a line='$'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=,+-]*|'') line+=" '$a'" ;;
		*) line+=" $a" ;;
		esac
	done
	echo "$line"
}
run() { show "$@"; "$@"; }
set -E
trap 'echo "demo: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

say "Kernel $(uname -r) on $(nproc) CPUs; load the module"
run insmod "${TANDEM_KO#$PWD/}"
run grep -E '^tandem ' /proc/modules

say "A node is a network namespace; give it a replication interface"
run ip netns add node
run ip -n node link set lo up
run ip -n node link add rep0 type dummy
run ip -n node addr add 198.51.100.1/24 dev rep0
run ip -n node link set rep0 up

say "Watch the namespace's configuration events"
"$TANDEM_CLI" -n node monitor > /tmp/monitor.log 2>&1 &
monitor=$!
# the monitor subscribes right after opening its netlink socket
for _ in $(seq 100); do
	ls -l /proc/$monitor/fd 2>/dev/null | grep -q 'socket:' && break
	sleep 0.02
done
sleep 0.2

say "A replica group: VIP 192.0.2.10, this node is node 1, with a fresh key"
echo '$ tandem genkey > /tmp/web.key'
tandem genkey > /tmp/web.key
run tandem -n node group add web id 1 vip 192.0.2.10 node 1 local 198.51.100.1 port 7000 key /tmp/web.key
say "Its peers: two backups and a witness"
run tandem -n node member add group web node 2 addr 198.51.100.2 priority 50
run tandem -n node member add group web node 3 addr 198.51.100.3 priority 20
run tandem -n node member add group web node 4 addr 198.51.100.4 witness on
say "The TCP services of the VIP it protects"
run tandem -n node service add group web port 80
run tandem -n node service add group web port 443 max-lag-ms 50

say "What the kernel holds"
run tandem -n node group show
run tandem -n node member show
run tandem -n node service show
say "The same, as JSON"
run tandem -n node -j -p group show web
run tandem -n node -j member show group web
run tandem -n node -j service show group web

say "Changes are events: what 'tandem -n node monitor' printed"
kill -TERM $monitor
wait $monitor || true
cat /tmp/monitor.log

say "Other namespaces see nothing"
run tandem group show

say "Deleting the namespace frees its groups; the module unloads cleanly"
run ip netns del node
run rmmod tandem
say "The kernel log since boot: the module's lines, and no oops, BUG or WARNING"
echo "\$ dmesg | grep -E 'tandem|Oops|BUG|WARNING|Call Trace'"
dmesg | grep -E 'tandem|Oops|BUG|WARNING|Call Trace'
echo
echo "demo: done"
