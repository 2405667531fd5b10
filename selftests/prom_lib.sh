#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# prom_check FILE: true if FILE is a strict Prometheus text exposition
# (format 0.0.4) as tandemd writes it, else false with the first problem on
# stdout as a TAP comment. Checked: every line is a HELP, a TYPE or a
# sample; metric and label names are valid; label values are quoted with
# only \\, \" and \n escapes; values are numbers; each family has one HELP
# and one TYPE (counter or gauge) before its samples, and its samples are
# contiguous; counters end in _total; no series twice; no blank line,
# trailing space or missing final newline. (promtool, in Debian's
# prometheus package, is 96 MB with a web UI: not a test dependency.)
prom_check() {
	[ -s "$1" ] || { echo "# $1: empty or missing"; return 1; }
	[ -z "$(tail -c 1 "$1")" ] || { echo "# $1: no final newline"; return 1; }
	awk '
	function fail(msg) { printf "# line %d: %s: %s\n", NR, msg, $0; bad = 1; exit 1 }
	BEGIN { name_re = "^[a-zA-Z_:][a-zA-Z0-9_:]*$" }
	/[ \t]$/ { fail("trailing space") }
	/^$/ { fail("blank line") }
	/^# HELP / {
		n = $3
		if (n !~ name_re) fail("bad metric name")
		if (help[n]++) fail("second HELP")
		if (n in sampled) fail("HELP after samples")
		if (NF < 4) fail("HELP without text")
		next
	}
	/^# TYPE / {
		n = $3
		if (n !~ name_re) fail("bad metric name")
		if (type[n]) fail("second TYPE")
		if (n in sampled) fail("TYPE after samples")
		if (NF != 4 || ($4 != "counter" && $4 != "gauge")) fail("bad TYPE")
		if ($4 == "counter" && n !~ /_total$/) fail("counter without _total")
		type[n] = $4
		next
	}
	/^#/ { fail("unknown comment") }
	{
		line = $0
		if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) fail("no metric name")
		n = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1)
		if (!type[n] || !help[n]) fail("sample before its HELP and TYPE")
		if (n != cur) {
			if (n in sampled) fail("family not contiguous")
			cur = n
		}
		sampled[n] = 1
		labels = ""
		if (substr(rest, 1, 1) == "{") {
			rest = substr(rest, 2)
			while (substr(rest, 1, 1) != "}") {
				if (!match(rest, /^[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*"/))
					fail("bad label")
				l = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
				split(l, kv, "=")
				if ((n SUBSEP kv[1]) in seenlabel && seenlabel[n, kv[1]] == NR) fail("label twice")
				seenlabel[n, kv[1]] = NR
				labels = labels l ","
				if (substr(rest, 1, 1) == ",") rest = substr(rest, 2)
				else if (substr(rest, 1, 1) != "}") fail("bad label separator")
			}
			rest = substr(rest, 2)
		}
		if (rest !~ /^ (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$/) fail("bad value")
		if (series[n, labels]++) fail("series twice")
		samples++
	}
	END { if (!bad && !samples) { print "# no sample"; exit 1 } }
	' "$1"
}

# prom_value FILE SERIES: the value of the sample SERIES (name{labels},
# exactly as written), or nothing
prom_value() {
	awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2); exit }' "$1"
}
