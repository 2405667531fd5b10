# SPDX-License-Identifier: GPL-2.0
# bash completion for tandem(8): options, objects, commands, keywords and
# their values; group names from the kernel (`tandem -j group show`, which
# needs CAP_NET_ADMIN: none are offered otherwise), network namespaces from
# `ip netns`, files after "key".

# _tandem_groups [OPTIONS...]: the group names of the namespace
_tandem_groups()
{
	"${TANDEM_CMD:-tandem}" "$@" -j group show 2>/dev/null |
		grep -o '"name":"[^"]*"' | cut -d'"' -f4 | sort -u
}

# _tandem_words LIST: COMPREPLY from the words of LIST matching cur
_tandem_words()
{
	local w
	COMPREPLY=()
	for w in $1; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

# _tandem_kw SEEN WORDS: the keywords of WORDS not yet in SEEN
_tandem_kw()
{
	local w out=
	for w in $2; do
		[[ " $1 " == *" $w "* ]] || out+=" $w"
	done
	_tandem_words "$out"
}

_tandem()
{
	local cur prev words cword
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD

	local i=1 opts=() obj= verb= seen=
	local tunables="syn-timeout max-lag-bytes max-lag-ms max-conns garp-count garp-interval garp-refresh mac"

	# the global options before the object
	while [ $i -lt $cword ]; do
		case ${words[i]} in
		-n|--netns) opts+=("${words[i]}" "${words[i + 1]}"); i=$((i + 2)) ;;
		-*) opts+=("${words[i]}"); i=$((i + 1)) ;;
		*) break ;;
		esac
	done
	case $prev in
	-n|--netns)
		_tandem_words "$(ip netns list 2>/dev/null | cut -d' ' -f1)"
		return
		;;
	esac
	if [ $i -ge $cword ]; then
		if [[ $cur == -* ]]; then
			_tandem_words "-j --json -p --pretty -n --netns -V --version -h --help"
		else
			_tandem_words "group member service monitor stats conn switchover node genkey help"
		fi
		return
	fi
	obj=${words[i]}
	i=$((i + 1))

	# the words after the object, in seen (values included)
	local j
	for ((j = i; j < cword; j++)); do seen+=" ${words[j]}"; done

	# tandem node { standby | online } [ GROUP ] | show: no keywords
	if [ "$obj" = node ]; then
		if [ $i -ge $cword ]; then
			_tandem_words "standby online show help"
		elif [ $((i + 1)) -eq $cword ] && [ "${words[i]}" != show ]; then
			_tandem_words "$(_tandem_groups "${opts[@]}")"
		fi
		return
	fi

	# a value after a keyword
	case $prev in
	key) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	role) _tandem_words "primary backup fenced"; return ;;
	witness) _tandem_words "on off"; return ;;
	group)
		[ "$obj" != group ] && { _tandem_words "$(_tandem_groups "${opts[@]}")"; return; }
		;;
	name)
		[ "$obj" = group ] && { _tandem_words "$(_tandem_groups "${opts[@]}")"; return; }
		;;
	id|vip|node|local|port|epoch|lease|lease-expiry|group-id|addr|priority|to|\
	syn-timeout|max-lag-bytes|max-lag-ms|max-conns|garp-count|garp-interval|garp-refresh)
		COMPREPLY=()
		return
		;;
	mac)
		_tandem_words "xchacha20-poly1305 hmac-sha256"
		return
		;;
	esac

	case $obj in
	group|member|service)
		if [ $i -ge $cword ]; then
			_tandem_words "add set del show help"
			return
		fi
		verb=${words[i]}
		i=$((i + 1))
		;;
	esac

	case $obj/$verb in
	group/add)
		[ $i -ge $cword ] && { COMPREPLY=(); return; }	# the new name
		_tandem_kw "$seen" "id vip node local port key $tunables"
		;;
	group/set|group/change)
		if [ $i -ge $cword ]; then
			_tandem_words "$(_tandem_groups "${opts[@]}") name id"
			return
		fi
		_tandem_kw "$seen" "role epoch lease lease-expiry local port key $tunables"
		;;
	group/del|group/delete|group/show|group/list|group/ls)
		[ $i -ge $cword ] && _tandem_words "$(_tandem_groups "${opts[@]}") name id"
		;;
	member/add|member/set|member/change)
		if [[ $seen != *" group "* && $seen != *" group-id "* ]]; then
			_tandem_words "group group-id"
		else
			_tandem_kw "$seen" "node addr port priority witness"
		fi
		;;
	member/del|member/delete|member/show|member/list|member/ls)
		if [[ $seen != *" group "* && $seen != *" group-id "* ]]; then
			_tandem_words "group group-id"
		else
			_tandem_kw "$seen" "node"
		fi
		;;
	service/add|service/set|service/change)
		if [[ $seen != *" group "* && $seen != *" group-id "* ]]; then
			_tandem_words "group group-id"
		else
			_tandem_kw "$seen" "port max-lag-bytes max-lag-ms"
		fi
		;;
	service/del|service/delete|service/show|service/list|service/ls)
		if [[ $seen != *" group "* && $seen != *" group-id "* ]]; then
			_tandem_words "group group-id"
		else
			_tandem_kw "$seen" "port"
		fi
		;;
	stats/|conn/)
		if [[ $seen == *" group "* || $seen == *" group-id "* ]]; then
			COMPREPLY=()
		else
			_tandem_kw "$seen" "show group group-id help"
		fi
		;;
	switchover/)
		if [ $i -ge $cword ]; then
			_tandem_words "$(_tandem_groups "${opts[@]}") help"
		elif [ $((i + 1)) -eq $cword ]; then
			_tandem_words "to"
		fi
		;;
	monitor/)
		[ $i -ge $cword ] && _tandem_words "help"
		;;
	*)
		COMPREPLY=()
		;;
	esac
}

complete -F _tandem tandem
