#!/bin/bash
# The --watch loop: -c N gives N NDJSON lines (ticks 1..N) or N text blocks
# when piped; SIGINT/SIGTERM end it cleanly between lines; a closed pipe
# (| head) ends it quietly; option errors exit 2.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

start_helper pid tcp=1000,0
hget rx tcp.rx inode

# --- NDJSON with a count ------------------------------------------------------
t0=$(date +%s%N)
skw -i 0.2 -c 4 -s -p "$pid"
secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
expect_eq "-c 4: NDJSON lines" 4 "$SK_NLINES"
expect_eq "summary.tick counts 1..4 in order" "1 2 3 4" "$(jq -r .summary.tick "$SK_NDJSON" | paste -sd ' ')"
expect_ge "4 ticks 0.2 s apart take at least 0.6 s" "$secs" 0.6
v=$(jq -r --argjson ino "$rx" '[.processes[].sockets[] | select(.inode == $ino) | .recv_q] | length' "$SK_NDJSON" | paste -sd ' ')
expect_eq "the helper's reader is in every line" "1 1 1 1" "$v"
# per-process totals are per sample: the same in every line
expect_eq "process recv_q in every line (no accumulation across ticks)" "1000 1000 1000 1000" \
	"$(jq -r --argjson pid "$pid" '.processes[] | select(.pid == $pid) | .recv_q' "$SK_NDJSON" | paste -sd ' ')"
expect_eq "process nsockets in every line" "2 2 2 2" \
	"$(jq -r --argjson pid "$pid" '.processes[] | select(.pid == $pid) | .nsockets' "$SK_NDJSON" | paste -sd ' ')"
expect_eq "first tick has no baseline; later ones are tracked" "false true true true" \
	"$(jq -r .summary.tracked "$SK_NDJSON" | paste -sd ' ')"
jq -e -s 'map(.events | type == "array") | all' "$SK_NDJSON" >/dev/null || fail "a line without an events array"
ok "every line has an events array"
[ ! -s "$SK_ERR" ] || fail "watch wrote to stderr: $(head -c 1000 "$SK_ERR")"
ok "nothing on stderr"

# --- piped text mode ----------------------------------------------------------
sk --watch -i 0.2 -c 4 -p "$pid"
[ "$SK_RC" -le 1 ] || fail "text watch exited $SK_RC: $(cat "$SK_ERR")"
expect_eq "-c 4 piped: '=== skcheck' blocks" 4 "$(grep -c '^=== skcheck ' "$SK_OUT")"
expect_eq "block headers count samples 1..4" "1 2 3 4" \
	"$(sed -n 's/^=== skcheck .* sample \([0-9][0-9]*\) .*/\1/p' "$SK_OUT" | paste -sd ' ')"
if LC_ALL=C grep -q $'\x1b' "$SK_OUT"; then
	fail "piped text mode wrote terminal escapes: $(od -c "$SK_OUT" | grep -m1 033)"
fi
ok "no terminal escapes when piped"
grep -q "^[[:space:]]*$pid " "$SK_OUT" || fail "no row for $pid in the text blocks"
ok "text blocks list the helper"

# --- signals end the loop cleanly -----------------------------------------------
# stop_watch SIG MODE...: start an endless watch, signal it after ~1 s,
# require it to end within 1.5 s with status 0/1 and complete output
stop_watch() {
	local sig=$1 out wpid lines
	shift
	out=$SK_TMP/sig-$sig.out
	bg_start wpid "$out" "$SKCHECK" --watch -i 0.2 "$@" -p "$pid"
	sleep 1
	sk_running "$wpid" || fail "watch $* ended by itself: $(cat "$out.err")"
	kill -"$sig" "$wpid"
	bg_wait "$wpid" 1.5
	case $BG_RC in
	0 | 1) ;;
	*) fail "watch $* after SIG$sig: exit $BG_RC (killed by the signal?) $(cat "$out.err")" ;;
	esac
	ok "watch $* ended $BG_SECS s after SIG$sig with status $BG_RC"
	[ ! -s "$out.err" ] || fail "watch $* wrote to stderr on SIG$sig: $(cat "$out.err")"
	if [ "$1" = -J ]; then
		ndjson_check "$out" "watch $* stopped by SIG$sig"
		lines=$(wc -l <"$out")
		expect_gt "watch $* printed lines before SIG$sig" "$lines" 0
		ok "no partial JSON line after SIG$sig ($lines complete lines)"
	else
		expect_gt "watch $* printed blocks before SIG$sig" "$(grep -c '^=== skcheck ' "$out")" 0
		[ "$(tail -c 1 "$out" | od -An -tx1 | tr -d ' ')" = 0a ] || fail "text output cut mid-line"
	fi
}
stop_watch INT -J
stop_watch TERM -J
stop_watch INT -s
stop_watch TERM -s

# --- a closed pipe ends it quietly ----------------------------------------------
for mode in -J -s; do
	err=$SK_TMP/head$mode.err
	t0=$(date +%s%N)
	first=$(timeout 10 "$SKCHECK" --watch -i 0.2 $mode -p "$pid" 2>"$err" | head -n 1)
	rcs=("${PIPESTATUS[@]}")
	secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	[ "${rcs[0]}" != 124 ] || fail "watch $mode | head -1 still running after 10 s"
	case ${rcs[0]} in
	0 | 1) ;;
	*) fail "watch $mode | head -1: skcheck exited ${rcs[0]}: $(cat "$err")" ;;
	esac
	[ ! -s "$err" ] || fail "watch $mode | head -1 complained: $(cat "$err")"
	[ -n "$first" ] || fail "watch $mode | head -1 printed nothing"
	if [ "$mode" = -J ]; then
		jq -e .summary <<<"$first" >/dev/null || fail "first line is not a JSON document: ${first:0:300}"
	fi
	ok "watch $mode | head -1 ended quietly after $secs s with status ${rcs[0]}"
done

# --- option errors ----------------------------------------------------------------
usage_error() {
	sk "$@"
	[ "$SK_RC" = 2 ] || fail "skcheck $*: exit $SK_RC, expected 2 $(cat "$SK_ERR")"
	[ ! -s "$SK_OUT" ] || fail "skcheck $*: printed on stdout: $(head -c 500 "$SK_OUT")"
	grep -q "^Try 'skcheck --help'" "$SK_ERR" || fail "skcheck $*: no Try line: $(cat "$SK_ERR")"
	ok "skcheck $*: usage error (exit 2): $(head -n 1 "$SK_ERR")"
}
usage_error --count 3
usage_error -c 3 -p "$pid"
usage_error --watch -i 0
usage_error --watch -i abc
usage_error --watch --interval -1
usage_error --watch -c 0
usage_error --watch -c abc
usage_error --watch --window 0
usage_error --settle abc

# --- on a terminal: a redrawn top-like screen ---------------------------------------
# script(1) gives skcheck a pseudo-terminal, so it takes the screen path.
if command -v script >/dev/null 2>&1; then
	# (keys, resizing and what the screen shows: live_screen.sh)
	TERM=xterm script -qec "'$SKCHECK' --settle 0 --watch -i 0.2 -c 3 --window 0.3 -p $pid" \
		"$SK_TMP/tty.typescript" >"$SK_TMP/tty.out" 2>&1 </dev/null ||
		true	# the status is skcheck's (1: flagged) as script passes it on with -e
	expect_eq "alternate screen entered once, left once" "1 1" \
		"$(grep -c $'\033\\[?1049h' "$SK_TMP/tty.out") $(grep -c $'\033\\[?1049l' "$SK_TMP/tty.out")"
	# ncurses rewrites only what changed: later headers are not whole in
	# the byte stream (live_screen.sh reads the screen itself)
	grep -q "sample 1 " "$SK_TMP/tty.out" || fail "no 'sample 1' header on the screen: $(head -c 600 "$SK_TMP/tty.out")"
	ok "the first screen has its header"
else
	echo "note: script(1) missing, terminal mode not checked"
fi
