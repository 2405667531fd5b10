#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Object lifecycle: every group, member and service is freed when it is
# deleted, when its network namespace goes away, and when the module is
# unloaded with configuration present (a primary's lease timer included);
# the module then loads again and works, and the kernel log stays clean.
#
# Objects are counted in the slab caches tandem_group, tandem_member and
# tandem_service (the VM boots with slub_nomerge). SLUB counts the free
# objects of per-CPU slabs as active, so each count is read after the
# cache is shrunk, which flushes those slabs. The CLI is slow to start
# under emulation, so the counts here are small: slab_test.c does the same
# with thousands of objects.

. "$(dirname "$0")/lib.sh"

GROUPS_N=3	# per namespace, each with all its members and 4 services
SERVICES_N=4
CACHES="tandem_group tandem_member tandem_service"
TIMEOUT=60	# seconds for deferred frees (RCU, namespace cleanup)

require_root
[ -r /proc/slabinfo ] || ksft_skip_all "no /proc/slabinfo"
require_built "$TANDEM_CLI"
[ -r "$TANDEM_KO" ] || ksft_skip_all "no module at $TANDEM_KO (make module)"
grep -q '^tandem ' /proc/modules || ksft_skip_all "the tandem module is not loaded"
require_command ip

# Whatever happens, leave the module loaded for the tests that follow.
on_exit sh -c 'grep -q "^tandem " /proc/modules || insmod "$1"' sh "$TANDEM_KO"

max_members=$(sed -n 's/^#define TANDEM_MEMBERS_MAX \([0-9]*\).*/\1/p' \
	include/uapi/linux/tandem.h)
[ -n "$max_members" ] || ksft_skip_all "cannot read TANDEM_MEMBERS_MAX"

# A namespace deleted on exit unless a test deletes it first.
ns_new() {
	local name
	name=tandem-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	ip netns add "$name" || return 1
	on_exit sh -c 'ip netns del "$1" 2>/dev/null; true' sh "$name"
	echo "$name"
}

# "G M S": the objects in use in the three caches (reading slabinfo is
# slow under emulation: once per count).
counts() {
	local c
	for c in $CACHES; do
		[ -w "/sys/kernel/slab/$c/shrink" ] && echo 1 > "/sys/kernel/slab/$c/shrink"
	done
	awk -v caches="$CACHES" '
		BEGIN { n = split(caches, c, " ") }
		{ for (i = 1; i <= n; i++) if ($1 == c[i]) v[i] = $2 }
		END { for (i = 1; i <= n; i++) printf "%d%s", v[i], i < n ? " " : "\n" }
	' /proc/slabinfo
}

counts_are() {
	[ "$(counts)" = "$1" ]
}

# counts_at_least "G M S": every count is at least the given one.
counts_at_least() {
	local want=($1) have=($(counts)) i
	for i in 0 1 2; do
		[ "${have[$i]}" -ge "${want[$i]}" ] || return 1
	done
}

plus() {
	local a=($1)
	echo "$((a[0] + $2)) $((a[1] + $3)) $((a[2] + $4))"
}

# populate NS: GROUPS_N groups, each with max_members members and
# SERVICES_N services; group 0 is a primary holding a long lease.
populate() {
	local ns=$1 g m p key
	key=$(mktemp) || return 1
	tandem genkey > "$key" || return 1
	for g in $(seq 0 $((GROUPS_N - 1))); do
		tandem -n "$ns" group add "g$g" id $((g + 1)) vip "10.9.$g.1" node 1 \
			local 10.8.0.1 key "$key" || return 1
		for m in $(seq 2 $((max_members + 1))); do
			tandem -n "$ns" member add group "g$g" node "$m" \
				addr "10.8.$g.$m" || return 1
		done
		for p in $(seq 1 $SERVICES_N); do
			tandem -n "$ns" service add group "g$g" port "$p" || return 1
		done
	done
	rm -f "$key"
	tandem -n "$ns" group set g0 role primary epoch 1 lease 600000
}

# unpopulate NS: delete everything populate created, one by one.
unpopulate() {
	local ns=$1 g m p
	for g in $(seq 0 $((GROUPS_N - 1))); do
		for p in $(seq 1 $SERVICES_N); do
			tandem -n "$ns" service del group "g$g" port "$p" || return 1
		done
		# Half the members one by one, the rest with their group.
		for m in $(seq 2 $((max_members / 2 + 1))); do
			tandem -n "$ns" member del group "g$g" node "$m" || return 1
		done
		tandem -n "$ns" group del "g$g" || return 1
	done
}

created() {
	plus "$1" "$GROUPS_N" $((GROUPS_N * max_members)) $((GROUPS_N * SERVICES_N))
}

kernel_log_lines() {
	dmesg | wc -l
}

# Kernel messages since line $1 that show a problem.
trouble='WARNING|BUG|Oops|Call Trace|leak|still has objects|Objects remaining'
trouble="$trouble|refcount|use-after-free|general protection"
kernel_log_trouble() {
	dmesg | tail -n +$(($1 + 1)) | grep -E "$trouble"
}

tap_init 8
log_start=$(kernel_log_lines)
# Namespaces of earlier tests are freed asynchronously: wait for them.
wait_until 10 counts_are "0 0 0"
base=$(counts)
echo "# baseline (groups members services): $base"

# 1-2: a namespace's objects go away with it.
ns=$(ns_new)
if populate "$ns"; then
	tap_check "objects are counted in the slab caches" counts_at_least "$(created "$base")"
	ip netns del "$ns"
	tap_check "deleting the namespace frees every object" \
		wait_until $TIMEOUT counts_are "$base"
else
	tap_fail "objects are counted in the slab caches (populating failed)"
	tap_fail "deleting the namespace frees every object"
fi

# 3: deleting objects one by one frees them.
ns=$(ns_new)
if populate "$ns" && counts_at_least "$(created "$base")" && unpopulate "$ns"; then
	tap_check "deleting every object frees it" wait_until $TIMEOUT counts_are "$base"
else
	tap_fail "deleting every object frees it (the CLI failed)"
fi
ip netns del "$ns"

# 4-7: unloading with configuration present, in a namespace that stays.
ns=$(ns_new)
populate "$ns" || echo "# populating before rmmod failed"
# A listener subscribed to the events across the unload (not through
# the tandem function: $! must be the CLI itself).
"$TANDEM_CLI" -n "$ns" monitor > /dev/null 2>&1 &
monitor=$!
on_exit sh -c 'kill "$1" 2>/dev/null; true' sh "$monitor"
tap_check "rmmod with groups, members, services and a lease present" rmmod tandem
tap_check "the slab caches are destroyed on unload" \
	sh -c "! grep -qE '^tandem_(group|member|service) ' /proc/slabinfo"
kill "$monitor" 2>/dev/null
wait "$monitor" 2>/dev/null

reload_works() {
	local shown
	insmod "$TANDEM_KO" || return 1
	# The namespace outlived the module: it starts empty.
	shown=$(tandem -n "$ns" group show) || return 1
	[ -z "$shown" ] || { echo "left over: $shown"; return 1; }
	populate "$ns" || { echo "populating failed"; return 1; }
	counts_at_least "$(created "0 0 0")" || { echo "counts: $(counts)"; return 1; }
	ip netns del "$ns"
	wait_until $TIMEOUT counts_are "0 0 0" || { echo "counts: $(counts)"; return 1; }
}
tap_check "insmod again: the module works and frees what it holds" reload_works
tap_check "unload and reload once more" sh -c "rmmod tandem && insmod '$TANDEM_KO'"

trouble=$(kernel_log_trouble "$log_start")
if [ -z "$trouble" ]; then
	tap_ok "the kernel log is clean"
else
	printf '%s\n' "$trouble" | sed 's/^/# /'
	tap_fail "the kernel log is clean"
fi
tap_done
