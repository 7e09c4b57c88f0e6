#!/bin/bash
# Bash completion (contrib/bash-completion/skcheck): sourced into bash with
# bash-completion's own library, completing words as bash would; the
# candidates must be what skcheck itself accepts (its --help options, its
# --list-columns names, the sort keys it takes, a named namespace made
# for the test).
set -u
TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd -- "$(dirname -- "$0")" && pwd)}
SKCHECK=${SKCHECK:-$TESTS_SRCDIR/../src/skcheck}
COMPLETION=$TESTS_SRCDIR/../contrib/bash-completion/skcheck
BC=/usr/share/bash-completion/bash_completion

fail() { echo "FAIL: completion: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
[ -r "$BC" ] || { echo "SKIP: bash-completion not installed ($BC)"; exit 77; }
[ -x "$SKCHECK" ] || { echo "ERROR: no $SKCHECK" >&2; exit 99; }

NS=skc-comp-$$
made_ns=""
cleanup() {
	local rc=$?
	[ -n "$made_ns" ] && timeout 5 ip netns delete "$NS" 2>/dev/null
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC1090
. "$BC"
# shellcheck disable=SC1090
. "$COMPLETION"
# compopt only works while bash runs a completion; here we call it
compopt() { :; }
# skcheck itself (for -o's --list-columns) is found as `skcheck`
PATH=$(dirname -- "$SKCHECK"):$PATH
[ "$(command -v skcheck)" = "$SKCHECK" ] || fail "skcheck on PATH is $(command -v skcheck)"

# comp WORD...: the candidates bash offers for the last word, sorted,
# space-separated (as `skcheck WORD... <TAB><TAB>` lists them)
comp() {
	COMP_WORDS=(skcheck "$@")
	COMP_CWORD=$#
	local w prev=""
	COMP_LINE=skcheck
	for w in "$@"; do	# bash splits --sort=m into --sort = m
		if [ "$w" = = ] || [ "$prev" = = ]; then COMP_LINE+=$w; else COMP_LINE+=" $w"; fi
		prev=$w
	done
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_skcheck skcheck "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' '
}
expect() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	ok "$1: $3"
}

complete -p skcheck | grep -q -- '-F _skcheck' || fail "no completion registered for skcheck"
ok "complete -F _skcheck skcheck"

expect "skcheck --so<TAB>" "--sockets --sort=" "$(comp --so)"

# every long option of --help, and nothing else
want=$("$SKCHECK" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u | paste -sd ' ')
got=$(comp -- | tr ' ' '\n' | sed 's/=$//' | sort -u | paste -sd ' ')
expect "skcheck --<TAB> offers exactly --help's long options" "$want" "$got"

# and every short option
want=$("$SKCHECK" --help | grep -oE -- '^ +-[a-zA-Z],' | tr -d ' ,' | sort -u | paste -sd ' ')
got=$(comp - | tr ' ' '\n' | grep -E '^-[a-zA-Z]$' | sort -u | paste -sd ' ')
expect "skcheck -<TAB> offers exactly --help's short options" "$want" "$got"

keys=$(comp --sort '')
expect "skcheck --sort <TAB>" "close-wait drops leaked mem pinned recv_q send_q sockets" "$keys"
for k in $keys; do
	"$SKCHECK" --sort "$k" --help >/dev/null 2>&1 || fail "skcheck rejects --sort $k"
done
"$SKCHECK" --sort nosuchkey --help >/dev/null 2>&1 && fail "skcheck accepts any --sort"
ok "skcheck accepts every offered sort key (and rejects others)"
expect "skcheck --sort=m<TAB>" "mem" "$(comp --sort = m)"

cols=$("$SKCHECK" --list-columns | awk '{ print $1 }' | sort | paste -sd ' ')
[ -n "$cols" ] || fail "skcheck --list-columns printed nothing"
expect "skcheck -o <TAB> offers --list-columns' names" "$cols" "$(comp -o '')"
case " $cols " in *" RECV-Q "*) ;; *) fail "no RECV-Q column in '$cols'" ;; esac
expect "skcheck -o PID,CO<TAB>" "PID,COMM PID,CONTAINER" "$(comp -o PID,CO)"
expect "skcheck --output +RECV<TAB>" "+RECV-Q" "$(comp --output +RECV)"

expect "skcheck --proto tcp,u<TAB>" "tcp,udp tcp,udplite tcp,unix" "$(comp --proto tcp,u)"
expect "skcheck --by <TAB>" "container process" "$(comp --by '')"
expect "skcheck --netns pid:1<TAB> has pid:1" "pid:1" "$(comp --netns pid:1 | tr ' ' '\n' | grep -x 'pid:1')"

if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1; then
	timeout 5 ip netns add "$NS" || fail "ip netns add $NS"
	made_ns=1
	expect "skcheck --netns skc-comp-<TAB> lists /run/netns" "$NS" "$(comp --netns skc-comp-$$)"
	"$SKCHECK" --netns "$NS" --settle 0 -J >/dev/null ||
		fail "skcheck does not take the offered --netns $NS"
	ok "skcheck takes the offered namespace name"
else
	echo "note: not root: named namespace completion not checked"
fi
exit 0
