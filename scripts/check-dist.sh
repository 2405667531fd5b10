#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check-dist.sh: host tests (TAP) of what `make install` lays out
# and of the files it installs: the tree under DESTDIR, an existing
# configuration left alone, uninstall, the unit (systemd-analyze verify),
# the man pages (rendered without a warning, complete against the CLI's
# help and tandemd's keys), one version everywhere, the bash completion,
# the example configuration (tandemd -t), modules_install and dkms.conf.
# Run by `make unit` and `make check-dist`; needs `make cli` (and `make
# module` for modules_install). No root, no module loaded.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
repo=$PWD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tandem-dist.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() {	# check DESC CMD...: ok if CMD succeeds; its output as comments
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
		not_ok "$desc"
	fi
}

echo "TAP version 13"
echo "1..12"

# tree DIR: every file and directory under DIR with its mode, sorted
tree() { (cd "$1" && find . -mindepth 1 -printf '%m %p\n' | sort -k2); }

# 1: the default layout under DESTDIR
dest=$tmp/dest
expected="755 ./etc
700 ./etc/tandem
644 ./etc/tandem/tandemd.conf.example
755 ./usr
755 ./usr/local
755 ./usr/local/lib
755 ./usr/local/lib/systemd
755 ./usr/local/lib/systemd/system
644 ./usr/local/lib/systemd/system/tandemd.service
755 ./usr/local/sbin
755 ./usr/local/sbin/tandem
755 ./usr/local/sbin/tandemd
755 ./usr/local/share
755 ./usr/local/share/bash-completion
755 ./usr/local/share/bash-completion/completions
644 ./usr/local/share/bash-completion/completions/tandem
755 ./usr/local/share/man
755 ./usr/local/share/man/man5
644 ./usr/local/share/man/man5/tandemd.conf.5
755 ./usr/local/share/man/man8
644 ./usr/local/share/man/man8/tandem.8
644 ./usr/local/share/man/man8/tandemd.8"
layout() {
	make -s install DESTDIR="$dest" > "$tmp/install.log" 2>&1 || {
		cat "$tmp/install.log"; return 1; }
	diff <(echo "$expected") <(tree "$dest") &&
		grep -q "^ExecStart=/usr/local/sbin/tandemd -c /etc/tandem/tandemd.conf$" \
			"$dest/usr/local/lib/systemd/system/tandemd.service" &&
		cmp ctl/tandem/tandem "$dest/usr/local/sbin/tandem" &&
		cmp ctl/tandemd/tandemd "$dest/usr/local/sbin/tandemd"
}
check "make install DESTDIR=...: the tree, modes and the unit's paths" layout

# 2: an administrator's configuration and directory mode are kept
kept() {
	chmod 0750 "$dest/etc/tandem" &&
		echo "# mine" > "$dest/etc/tandem/tandemd.conf" &&
		make -s install DESTDIR="$dest" > "$tmp/install.log" 2>&1 &&
		[ "$(cat "$dest/etc/tandem/tandemd.conf")" = "# mine" ] &&
		[ "$(stat -c %a "$dest/etc/tandem")" = 750 ]
}
check "make install again: tandemd.conf and /etc/tandem's mode untouched" kept

# 3: uninstall removes the files and only them
gone() {
	make -s uninstall DESTDIR="$dest" > "$tmp/install.log" 2>&1 &&
		[ "$(cd "$dest" && find . -type f | sort)" = "./etc/tandem/tandemd.conf" ]
}
check "make uninstall: every installed file removed, the configuration kept" gone

# 4: another prefix; the unit verified where its paths are real
real=$tmp/real
verify() {
	make -s install PREFIX="$real/usr" sysconfdir="$real/etc" \
		> "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; return 1; }
	grep -q "^ExecStart=$real/usr/sbin/tandemd -c $real/etc/tandem/tandemd.conf$" \
		"$real/usr/lib/systemd/system/tandemd.service" || return 1
	# Documentation=man:... must resolve to the installed pages
	MANPATH=$real/usr/share/man systemd-analyze verify \
		"$real/usr/lib/systemd/system/tandemd.service" 2>&1 | tee "$tmp/verify"
	[ "${PIPESTATUS[0]}" -eq 0 ] && [ ! -s "$tmp/verify" ]
}
if command -v systemd-analyze > /dev/null; then
	check "tandemd.service: systemd-analyze verify is silent (PREFIX=..., sysconfdir=...)" verify
else
	skip "tandemd.service: systemd-analyze verify" "no systemd-analyze (apt-get install systemd)"
fi

# 5: the man pages render without a warning
render() {
	local m out
	for m in docs/man/*.[1-8]; do
		out=$(groff -t -man -ww -z -Tutf8 "$m" 2>&1; MANWIDTH=80 man --warnings -l "$m" 2>&1 > /dev/null)
		[ -z "$out" ] || { echo "$m: $out"; return 1; }
	done
}
check "man pages render with no warning (groff -ww, man --warnings)" render

# 6: complete: every keyword of the CLI's help, every key of tandemd.conf,
# every option of tandemd appears in its page
man_text() { MANWIDTH=200 man -l "$1" 2>/dev/null | col -b; }
complete_pages() {
	local w miss= t8 d8 c5
	t8=$(man_text docs/man/tandem.8) d8=$(man_text docs/man/tandemd.8)
	c5=$(man_text docs/man/tandemd.conf.5)
	# the keywords of the grammar: usage and := lines, not the prose
	for w in $(ctl/tandem/tandem help 2>&1 | grep -E '^Usage:|^ {7,}[a-z[]|:=' |
		   grep -v '^OPTIONS' | sed 's/^Usage://' |
		   grep -oE '(^|[][ |{])[a-z][a-z0-9-]+' | tr -d '[]|{ ' | sort -u); do
		grep -qw -- "$w" <<< "$t8" || miss+=" tandem.8:$w"
	done
	for w in $(sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)", KT_.*/\1/p' ctl/tandemd/config_keys.c); do
		grep -q -- "$w = \|^ *$w *=" <<< "$c5" || miss+=" tandemd.conf.5:$w"
	done
	for w in $(ctl/tandem/tandem help 2>&1 | grep -oE -- '(^| )--?[a-z]+' | sort -u); do
		grep -q -- "$w" <<< "$t8" || miss+=" tandem.8:$w"
	done
	for w in $(ctl/tandemd/tandemd --help | grep -oE -- '(^| )--?[a-z]+'); do
		grep -q -- "$w" <<< "$d8" || miss+=" tandemd.8:$w"
	done
	[ -z "$miss" ] || { echo "missing:$miss"; return 1; }
}
check "man pages: every CLI keyword, tandemd option and config key documented" complete_pages

# 7: one version
versions() {
	local v
	v=$(scripts/version.sh) && [ -n "$v" ] || return 1
	echo "version $v"
	[ "$(ctl/tandem/tandem -V)" = "tandem $v" ] && [ "$(ctl/tandem/tandem --version)" = "tandem $v" ] &&
		[ "$(ctl/tandemd/tandemd -V)" = "tandemd $v" ] &&
		[ "$(ctl/tandemd/tandemd --version)" = "tandemd $v" ]
}
check "tandem -V/--version and tandemd -V/--version print scripts/version.sh" versions

# 8: bash completion, with group names from a stand-in tandem
comp() {	# comp WORDS...: _tandem's replies for the command line WORDS
	bash -c '
		fake=$1; shift
		source ctl/dist/tandem.bash
		TANDEM_CMD=$fake
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_tandem
		echo "${COMPREPLY[*]}"' bash "$tmp/fake-tandem" "$@"
}
completion() {
	printf '#!/bin/sh\necho %s\n' \
		"'[{\"name\":\"web\",\"id\":1},{\"name\":\"db\",\"agreement\":{\"name\":\"db\"}}]'" \
		> "$tmp/fake-tandem" && chmod +x "$tmp/fake-tandem"
	local fail=0
	expect() {	# expect "REPLY" WORDS...
		local want=$1 got
		shift
		got=$(comp "$@")
		[ "$got" = "$want" ] || { echo "$*: got \"$got\", want \"$want\""; fail=1; }
	}
	expect "group member service monitor stats conn switchover node genkey help" tandem ""
	expect "service stats switchover" tandem s
	expect "group member service monitor stats conn switchover node genkey help" tandem -j ""
	expect "--pretty" tandem -j --p
	expect "--json" tandem --j
	expect "add set del show help" tandem group ""
	expect "db web name id" tandem group show ""
	expect "web" tandem -j member show group w
	expect "primary" tandem group set web role p
	expect "epoch" tandem group set web role primary e
	expect "lease lease-expiry local" tandem group set web role primary epoch 3 l
	expect "group group-id" tandem service add ""
	expect "port max-lag-bytes max-lag-ms" tandem service add group web ""
	expect "max-lag-bytes max-lag-ms" tandem service add group web port 80 ""
	expect "on off" tandem member set group web node 2 witness ""
	expect "db web help" tandem switchover ""
	expect "to" tandem switchover web ""
	expect "standby online show help" tandem node ""
	expect "db web" tandem node standby ""
	expect "show group group-id help" tandem stats ""
	return $fail
}
check "bash completion: objects, commands, keywords, values, group names" completion

# 9: the example configuration is valid (tandemd -t), once its key exists
example() {
	(umask 077 && ctl/tandem/tandem genkey > "$tmp/web.key") &&
		sed "s|^key = .*|key = $tmp/web.key|" ctl/dist/tandemd.conf > "$tmp/tandemd.conf" &&
		ctl/tandemd/tandemd -t -c "$tmp/tandemd.conf"
}
check "the example tandemd.conf passes tandemd -t" example

# 10: the unit starts tandemd as its file says: -t on the example
unit_cmd() {
	local u=ctl/dist/tandemd.service.in
	grep -q '^Type=notify$' $u && grep -q '^WatchdogSec=' $u &&
		grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' $u &&
		grep -q '^Restart=on-failure$' $u &&
		grep -q '^ExecStartPre=-+/sbin/modprobe tandem$' $u &&
		grep -q '^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_NICE CAP_IPC_LOCK$' $u &&
		grep -q '^ProtectSystem=strict$' $u && grep -q '^StateDirectory=tandemd$' $u &&
		grep -q '^state-dir = /var/lib/tandemd\|^# state-dir = /var/lib/tandemd' ctl/dist/tandemd.conf
}
check "tandemd.service: notify, watchdog, reload, restart, modprobe, capabilities, state dir" unit_cmd

# 11: modules_install into a staging root
modinst() {
	local krel
	krel=$(make -s -f - <<< 'include Makefile
print-krel: ; @echo $(KREL)' print-krel 2>/dev/null) || return 1
	make -s modules_install INSTALL_MOD_PATH="$tmp/mod" > "$tmp/mod.log" 2>&1 || {
		cat "$tmp/mod.log"; return 1; }
	[ -f "$tmp/mod/lib/modules/$krel/updates/kmod/tandem.ko" ] &&
		modinfo -F name "$tmp/mod/lib/modules/$krel/updates/kmod/tandem.ko" | grep -qx tandem
}
if [ -f kmod/tandem.ko ]; then
	check "make modules_install INSTALL_MOD_PATH=...: tandem.ko under updates/" modinst
else
	skip "make modules_install" "kmod/tandem.ko not built (make module)"
fi

# 12: dkms.conf names the module and builds it with the top Makefile
dkms_conf() {
	[ -f dkms.conf ] || { echo "no dkms.conf"; return 1; }
	(
		# shellcheck disable=SC1091
		kernelver=6.1.0-0-amd64 kernel_source_dir=/lib/modules/6.1.0-0-amd64/build
		dkms_tree=/var/lib/dkms
		. ./dkms.conf
		[ "$PACKAGE_NAME" = tandem ] && [ "$BUILT_MODULE_NAME" = tandem ] &&
			[ "$BUILT_MODULE_LOCATION" = kmod/ ] &&
			[ "$DEST_MODULE_LOCATION" = /updates/dkms ] &&
			[ "$PACKAGE_VERSION" = "$(scripts/version.sh --base)" ] &&
			[[ $MAKE == *"KDIR=$kernel_source_dir"* ]]
	)
}
check "dkms.conf: the package and module, built against kernel_source_dir" dkms_conf

[ "$failed" -eq 0 ]
