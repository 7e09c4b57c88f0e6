#!/bin/bash
# The two pinned-page walks give the same figures.  Most queued sockets
# are walked through the files that hold them (one iter/task_file pass
# over every process); what no fd holds (connections waiting in an accept
# queue) only a namespace's tcp/udp/unix iterator reaches, and
# SKCHECK_PINNED_WALK=iterators walks everything that way.  A helper
# pins N pages on accepted sockets it shares with a forked child (walked
# through two fd tables: counted once) and N more on connections left in
# its listener's accept queue (credited to the listener: pending_pinned,
# and to its process, like their memory).
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "loading BPF programs"
require_jq

N=200

SKCHECK_PINNED_WALK=bogus sk --pid $$
expect_rc "SKCHECK_PINNED_WALK=bogus is a usage error" 2
grep -q "SKCHECK_PINNED_WALK must be files or iterators" "$SK_ERR" ||
	fail "no message for a bad SKCHECK_PINNED_WALK: $(cat "$SK_ERR")"

start_helper pid pinpages=$N fork pinpend=$N
hget frag pinpages frag
hget lino pinpend listener_inode
hget child child pid

if [ "${SKCHECK_HAVE_BPF:-yes}" = no ]; then
	SKCHECK_PINNED_WALK=iterators skj --pid "$pid" -s -a
	pget v "$pid" '.pinned == null'
	expect_eq "built without BPF: pinned is null with either walk" true "$v"
	exit 0
fi

# walk MODE [ARGS]: one run; per-socket figures of the helper into
# $SK_TMP/MODE.  MODE files or iterators; "worker": files, with a first
# sample that loads the programs, so the second's pass runs on a thread
# beside its dumps, unfiltered
walk() {
	local name=$1 m=$1
	shift
	[ "$m" = worker ] && m=files
	SKCHECK_PINNED_WALK=$m skj --pid "$pid,$child" -s -a "$@"
	jcheck "$name: pinned figures available" '.summary.memory.pinned_unavailable == null'
	jq -r '.processes[] | .pid as $p | .sockets[] |
		"\($p) \(.inode) \(.pinned) \(.pending_pinned // "-")"' "$SK_OUT" |
		sed "s/^$pid /parent /; s/^$child /child /" | sort >"$SK_TMP/$name"
	pget ppinned "$pid" .pinned
	pget cpinned "$child" .pinned
	sget pend "$pid" "$lino" .pending_pinned
	printf -v "pinned_$name" %s "$ppinned $cpinned $pend"
}

walk files
want=$((N * frag))
expect_ge "pending connections pin >= 90% of $N x $frag (pending_pinned)" "$pend" "$((want * 9 / 10))"
expect_ge "... <= 110%" "$((want * 11 / 10))" "$pend"
expect_ge "the parent's pinned covers both kinds (>= 90% of 2N frags)" "$ppinned" "$((2 * want * 9 / 10))"
expect_ge "... <= 110%" "$((2 * want * 11 / 10))" "$ppinned"
# the child shares the accepted sockets, not the listener (made after fork)
expect_ge "the child's pinned: the shared sockets (>= 90% of N frags)" "$cpinned" "$((want * 9 / 10))"
expect_ge "... <= 110%, each page once" "$((want * 11 / 10))" "$cpinned"
n=$(awk -v f="$frag" '$1 == "child" && $3 == f' "$SK_TMP/files" | wc -l)
expect_ge "shared receivers pin one fragment each, not two (>= 90%)" "$n" "$((N * 9 / 10))"
n=$(awk -v f="$frag" '$1 == "child" && $3 > f' "$SK_TMP/files" | wc -l)
expect_eq "no shared socket pins more than one fragment" 0 "$n"

for mode in iterators worker; do
	if [ "$mode" = worker ]; then walk worker --settle 0.3; else walk "$mode"; fi
	v=pinned_$mode
	expect_eq "process and listener figures: $mode == files" "$pinned_files" "${!v}"
	if ! cmp -s "$SK_TMP/files" "$SK_TMP/$mode"; then
		diff "$SK_TMP/files" "$SK_TMP/$mode" | head -20
		fail "per-socket pinned figures differ between the walks (files, $mode)"
	fi
	ok "per-socket pinned figures: $mode == files ($(wc -l <"$SK_TMP/files") sockets)"
done
