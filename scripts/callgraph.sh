#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The file-level call graph of a C directory (default: kmod/) and its
# strongly connected components: which .c files reach which, and which call
# each other in a cycle.
#
#   scripts/callgraph.sh [DIR]
#
# An edge A -> B means that A names (calls, or takes the address of) a
# function B.c defines and exports to the other files. Names used through
# an inline function or function-like macro of a header count as the names
# that function or macro uses. Comments are stripped first (cpp
# -fpreprocessed), so a function mentioned only in a comment is no edge.
# Needs universal-ctags (Debian: universal-ctags) and cpp.
set -euo pipefail

dir=${1:-kmod}
cd "$(dirname "$0")/.."
command -v ctags >/dev/null || { echo "callgraph: ctags not found (apt-get install universal-ctags)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The identifiers a piece of C uses, one per line, comments and strings out.
idents() {
	cpp -fpreprocessed -P -w 2>/dev/null |
		sed -e 's/"\([^"\\]\|\\.\)*"//g' |
		{ grep -o '[A-Za-z_][A-Za-z0-9_]*' || true; } | sort -u
}

# name file scope(file|-) start end, for functions and (in headers) macros.
ctags -x --kinds-C=fd --fields=+fe --_xformat='%N %F %{file} %n %{end}' \
	$(ls "$dir"/*.[ch] | grep -v "\.mod\.c$") >"$tmp/tags"

# Exported functions of the .c files: name -> file.
awk '$2 ~ /\.c$/ && $3 == "-" { sub(".*/", "", $2); print $1, $2 }' \
	"$tmp/tags" | sort -u >"$tmp/exported"

# Header inline functions and macros: name -> the identifiers of its body.
: >"$tmp/inline"
awk '$2 ~ /\.h$/ && $5 != "-"' "$tmp/tags" |
while read -r name file _ start end; do
	sed -n "${start},${end}p" "$file" | idents |
		awk -v n="$name" '$1 != n { print n, $1 }' >>"$tmp/inline"
done

# Edges: per .c file, the exported functions of other files it names,
# through header inlines and macros (to a fixed point).
for f in $(ls "$dir"/*.c | grep -v "\.mod\.c$"); do
	base=${f##*/}
	idents <"$f" >"$tmp/used"
	while :; do
		n=$(wc -l <"$tmp/used")
		awk 'NR == FNR { use[$1] = 1; next } ($1 in use) { print $2 }' \
			"$tmp/used" "$tmp/inline" | sort -u |
			sort -u - "$tmp/used" >"$tmp/used2"
		mv "$tmp/used2" "$tmp/used"
		[ "$(wc -l <"$tmp/used")" -eq "$n" ] && break
	done
	awk -v me="$base" 'NR == FNR { use[$1] = 1; next }
		($1 in use) && $2 != me { print me, $2 }' \
		"$tmp/used" "$tmp/exported" | sort -u
done >"$tmp/edges"

echo "# calls (file -> files whose functions it names)"
for f in $(ls "$dir"/*.c | grep -v "\.mod\.c$"); do
	base=${f##*/}
	printf '%-12s -> %s\n' "${base%.c}" \
		"$(awk -v me="$base" '$1 == me { sub(/\.c$/, "", $2); print $2 }' \
			"$tmp/edges" | tr '\n' ' ')"
done

# Strongly connected components: transitive closure over the few files,
# then the classes of mutual reachability.
echo "# strongly connected components (cycles of more than one file)"
ls "$dir"/*.c | grep -v "\.mod\.c$" | sed 's|.*/||' | awk '
	NR == FNR { e[$1, $2] = 1; next }
	{ v[++n] = $1 }
	END {
		for (k = 1; k <= n; k++)
			for (i = 1; i <= n; i++)
				if (e[v[i], v[k]])
					for (j = 1; j <= n; j++)
						if (e[v[k], v[j]])
							e[v[i], v[j]] = 1
		for (i = 1; i <= n; i++) {
			if (done[i])
				continue
			s = v[i]; size = 1
			for (j = i + 1; j <= n; j++)
				if (e[v[i], v[j]] && e[v[j], v[i]]) {
					done[j] = 1; s = s " " v[j]; size++
				}
			if (size > 1) {
				gsub(/\.c/, "", s)
				printf "%d files: %s\n", size, s
				cycles++
			}
		}
		if (!cycles)
			print "none"
	}' "$tmp/edges" -
