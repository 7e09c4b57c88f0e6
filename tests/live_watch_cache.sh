#!/bin/bash
# The --watch owner cache: a process whose /proc entry and fd count did
# not change is carried over with last sample's socket fds. Helpers change
# their sockets between two samples while keeping exactly as many fds
# (sk_helper churn=N,MODE, one helper per mode), and every later sample
# must show what they really hold: the new inode on that fd with its exact
# recv_q, the old inode no longer under the helper, the process's recv_q
# and socket set equal to what ss shows for that pid, no unmatched or
# "leaked" fds. Also: a helper started after the watch began is found with
# exact bytes, and one that exits disappears.
#
# Why this fails against a skcheck that keeps stale owners (reuses a
# process's cached fds without the checks in proccache.c):
#   live  the old reader stays in the dump with data (a child holds it)
#         and the new one is already owned through another fd, so no
#         socket is unowned: only the readlink that confirms a cached fd
#         with data notices fd F moved. Stale: the old inode listed under
#         the helper and recv_q N + 2N instead of 2N.
#   move  both old sockets left the dump, the new one is owned through
#         another fd: only "a cached socket closed -> re-read" notices.
#         Stale: the new inode listed at the other fd, 2 unmatched fds and
#         a false "leaked" TCP socket on F (getxattr sees the new socket).
#   pass  as move, but the new socket's only other owner is another
#         process (fd passing): stale, the helper lists no new socket and
#         its recv_q is 0 instead of 2N.
#   swap  the old reader left the dump (-> re-read) and the new one holds
#         data nobody owns (-> full rescan): either check catches it.
#         Stale: the new inode is missing, recv_q 0 instead of 2N, a false
#         "leaked" socket on F.
#   new   nothing cached changed; the new socket holds data and nobody
#         owns it: only the full rescan finds its owner. Stale: the new
#         inode is missing and recv_q is N instead of 3N.
# A full rescan triggered by anything else on the host would hide a stale
# cache (never the other way round), hence one helper per mode, and the
# unowned-data modes (swap, new) are changed in a later gap than the
# others. -c 55 stays below the periodic full scan (every 60 samples).
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss
# The cache exists only with the /proc walk: a BPF owner join reads every
# process each sample (tests/live_owners_bpf.sh compares the two).
export SKCHECK_OWNERS=proc

tag=skwc$$	# comm of every helper here (the watch selects by it)
declare -A N OLD NEW FD UNREAD MODE CHILD

# --- helpers, one per mode -------------------------------------------------------
# distinct N per mode, so a byte count tells which socket it came from
add_churn() {
	local mode=$1 n=$2 p
	start_helper p "comm=$tag" "churn=$n,$mode"
	N[$p]=$n
	MODE[$p]=$mode
	hget "OLD[$p]" churn.rx inode
	hget "FD[$p]" churn.rx fd
	if [ "$(hcount churn.child)" = 1 ]; then hget "CHILD[$p]" churn.child pid; fi
	printf -v "$3" %s "$p"
}
add_churn live 1000 hl
add_churn move 2000 hm
add_churn pass 3000 hp
add_churn swap 4000 hs
add_churn new 5000 hn

# --- ss: what each pid really holds ---------------------------------------------
# ss_inodes PID: sorted inodes of the TCP sockets PID holds (ss -tnpe)
ss_inodes() {
	ss -tnpe | awk -v p="pid=$1," 'index($0, p) {
		for (i = 1; i <= NF; i++) if ($i ~ /^ino:/) print substr($i, 5) }' | sort -n | paste -sd ' '
}
# ss_recvq PID: Recv-Q summed over those sockets (each socket once)
ss_recvq() {
	ss -tnpe | awk -v p="pid=$1," 'index($0, p) { s += $2 } END { print s + 0 }'
}
# sk_inodes PID: sorted inodes listed under PID in $SK_OUT
sk_inodes() {
	jq -r --argjson pid "$1" '.processes[] | select(.pid == $pid) | .sockets[].inode' "$SK_OUT" |
		sort -n | paste -sd ' '
}

# --- the watch ----------------------------------------------------------------
SK_NDJSON=$SK_TMP/watch.ndjson
# 0.5 s between samples: on a busy machine the test's own checks between
# changes take long enough to use up 55 samples of 0.3 s
IVAL=0.5
bg_start wpid "$SK_NDJSON" "$SKCHECK" --settle 0 --watch -J -i "$IVAL" -c 55 -a -s --comm "$tag"

nlines() { wc -l <"$SK_NDJSON"; }
# wait_lines N: until the watch printed N complete lines (5 s)
wait_lines() {
	local end
	sk_deadline end 5
	while [ "$(nlines)" -lt "$1" ]; do
		sk_running "$wpid" || fail "watch ended after $(nlines) lines: $(head -c 2000 "$SK_NDJSON.err")"
		[ "$(date +%s%N)" -lt "$end" ] || fail "watch printed $(nlines) lines, waited for $1"
		sleep 0.02
	done
}

# check_same LINE PID DESC: in that sample, PID lists exactly the inodes
# ss shows for it, its recv_q is what ss shows, and no fd is unmatched
check_same() {
	local line=$1 p=$2 desc=$3 v
	watch_line "$line"
	expect_eq "$desc: line $line: inodes under $p = ss" "$(ss_inodes "$p")" "$(sk_inodes "$p")"
	pget v "$p" .recv_q
	expect_eq "$desc: line $line: recv_q of $p = ss" "$(ss_recvq "$p")" "$v"
	pget v "$p" '"\(.unmatched_fds) \(.leaked | length) \(.flags | index("leaked") != null)"'
	expect_eq "$desc: line $line: unmatched fds, leaked fds, leaked flag" "0 0 false" "$v"
}

wait_lines 2
for p in "$hl" "$hm" "$hp" "$hs" "$hn"; do
	check_same 2 "$p" "${MODE[$p]} before"
	sget v "$p" "${OLD[$p]}" '"\(.fd) \(.recv_q)"'
	expect_eq "${MODE[$p]} before: line 2: old reader's fd and recv_q" "${FD[$p]} ${N[$p]}" "$v"
done

# change PIDS...: right after a sample went out (the next is ~IVAL away),
# SIGUSR2 each helper, wait for its churn.new line, check its fd count did
# not move. LINE is then the last sample taken before the change, and
# FIRST the first sample that must show it: LINE + 1 if the change surely
# ended before that sample began (it begins IVAL after sample LINE did,
# and LINE took summary.duration), else LINE + 2 (a slow machine).
change() {
	local p n end after t_seen t_done dur
	n=$(nlines)
	wait_lines $((n + 1))
	t_seen=$(date +%s%N)
	LINE=$(nlines)
	declare -A before
	for p; do
		before[$p]=$(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 | wc -l)
		kill -USR2 "$p"
	done
	for p; do
		use_helper "$p"
		sk_deadline end 3
		until [ "$(hcount churn.new)" = 1 ]; do
			[ "$(date +%s%N)" -lt "$end" ] || fail "helper $p (${MODE[$p]}): no churn.new after SIGUSR2"
			sleep 0.01
		done
	done
	t_done=$(date +%s%N)
	dur=$(sed -n "${LINE}p" "$SK_NDJSON" | jq -r .summary.duration)
	# the interval, less 0.08 s for polling and rendering
	if awk -v a="$t_seen" -v b="$t_done" -v d="$dur" -v i="$IVAL" 'BEGIN { exit !((b - a) / 1e9 + d < i - 0.08) }'; then
		FIRST=$((LINE + 1))
	else
		FIRST=$((LINE + 2))
		echo "note: the change may have overlapped sample $((LINE + 1)); checking from $FIRST"
	fi
	for p; do
		use_helper "$p"
		hget "NEW[$p]" churn.new inode
		hget "FD[$p]" churn.new fd
		hget "UNREAD[$p]" churn.new unread
		after=$(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 | wc -l)
		expect_eq "${MODE[$p]}: open fds unchanged by the change" "${before[$p]}" "$after"
		hget v churn.new nfds_before
		hget w churn.new nfds_after
		expect_eq "${MODE[$p]}: the helper counted the same fds before and after" "$v" "$w"
		expect_eq "${MODE[$p]}: unread bytes on the new reader" $((2 * ${N[$p]})) "${UNREAD[$p]}"
	done
}

# check_changed LINE PID: the sample shows PID's new reader on its fd
check_changed() {
	local line=$1 p=$2 m=${MODE[$2]} v ssq
	check_same "$line" "$p" "$m after"
	sget v "$p" "${NEW[$p]}" '"\(.fd) \(.recv_q)"'
	expect_eq "$m after: line $line: new inode ${NEW[$p]}: fd, recv_q" "${FD[$p]} ${UNREAD[$p]}" "$v"
	ss_get ssq "${NEW[$p]}" recvq -t
	expect_eq "$m after: line $line: new inode's recv_q = ss" "$ssq" "${UNREAD[$p]}"
	if [ "$m" != new ]; then
		jcheck "$m after: line $line: old inode ${OLD[$p]} not under $p" \
			'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino)] | length == 0' \
			--argjson pid "$p" --argjson ino "${OLD[$p]}"
	fi
	case $m in
	new) pget v "$p" .recv_q
		expect_eq "new after: line $line: recv_q of $p is N + 2N" $((3 * ${N[$p]})) "$v" ;;
	*) pget v "$p" .recv_q
		expect_eq "$m after: line $line: recv_q of $p is 2N" $((2 * ${N[$p]})) "$v" ;;
	esac
	case $m in
	live) # the old reader lives on in the child, with its bytes
		sget v "${CHILD[$p]}" "${OLD[$p]}" .recv_q
		expect_eq "live after: line $line: the child holds the old reader" "${N[$p]}" "$v" ;;
	pass) # the new reader is shared with the child
		jget v '[.processes[] | .sockets[] | select(.inode == $ino) | .owners[].pid] | unique | sort | map(tostring) | join(" ")' \
			--argjson ino "${NEW[$p]}"
		expect_eq "pass after: line $line: owners of the new reader" \
			"$(printf '%s\n' "$p" "${CHILD[$p]}" | sort -n | paste -sd ' ')" "$v" ;;
	esac
}

# --- gap 1: changes no unowned socket reveals ----------------------------------
change "$hl" "$hm" "$hp"
wait_lines $((LINE + 3))
for ((line = FIRST; line <= LINE + 3; line++)); do
	for p in "$hl" "$hm" "$hp"; do check_changed "$line" "$p"; done
done

# --- gap 2: new sockets with data that nobody owned -------------------------------
change "$hs" "$hn"
wait_lines $((LINE + 3))
for ((line = FIRST; line <= LINE + 3; line++)); do
	for p in "$hs" "$hn"; do check_changed "$line" "$p"; done
done

# --- a helper started after the watch began ------------------------------------
start_helper late "comm=$tag" tcp=6000,0
hget lrx tcp.rx inode
wait_json "$SK_NDJSON" 5 '.processes[] | select(.pid == $pid)' --argjson pid "$late" ||
	fail "the late helper $late never showed up: $(tail -c 1000 "$SK_NDJSON")"
n=$(nlines)
wait_lines $((n + 2))
for line in $((n + 1)) $((n + 2)); do
	check_same "$line" "$late" "late helper"
	sget v "$late" "$lrx" .recv_q
	expect_eq "late helper: line $line: its reader's recv_q" 6000 "$v"
done

# --- a helper that exits --------------------------------------------------------
stop_helper "$late"
stop_helper "$hs"
n=$(nlines)
wait_lines $((n + 2))
watch_line $((n + 2))
jcheck "exited helpers are gone" '[.processes[] | select(.pid == $a or .pid == $b)] | length == 0' \
	--argjson a "$late" --argjson b "$hs"
jcheck "their sockets are gone" '[.processes[].sockets[] | select(.inode == $a or .inode == $b)] | length == 0' \
	--argjson a "$lrx" --argjson b "${NEW[$hs]}"
# the others are still right
for p in "$hl" "$hm" "$hp" "$hn"; do check_changed $((n + 2)) "$p"; done

kill -TERM "$wpid"
bg_wait "$wpid" 3
[ "$BG_RC" -le 1 ] || fail "watch exited $BG_RC after SIGTERM: $(head -c 2000 "$SK_NDJSON.err")"
ndjson_check "$SK_NDJSON" "watch output"
[ ! -s "$SK_NDJSON.err" ] || fail "watch wrote to stderr: $(head -c 2000 "$SK_NDJSON.err")"
ok "watch ended cleanly after $(nlines) samples, nothing on stderr"
