#!/bin/bash
# Prometheus text output: passes `promtool check metrics`, carries the
# helper's unread bytes and its stalled flag per process, escapes hostile
# label values, and --prometheus=FILE replaces FILE atomically (mode 0644,
# no temp file left), one-shot and in --watch.
# Variables are set by start_helper/hget/jget (printf -v).
# shellcheck disable=SC2154
. "$(dirname -- "$0")/lib.sh"
command -v promtool >/dev/null 2>&1 || skip "promtool not installed (Debian package prometheus)"

# promcheck FILE DESC: promtool accepts FILE (lint included)
promcheck() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) || fail "$2: promtool check metrics: $out"
	ok "$2: promtool check metrics passes"
}

# metric FILE NAME PID [EXTRA-LABELS]: the value of NAME for process PID;
# exactly one such sample must exist.
metric() {
	local v
	v=$(awk -v n="$2" -v pid="$3" -v extra="$4" '
		index($0, n "{pid=\"" pid "\",") == 1 && (extra == "" || index($0, extra "}")) { print $NF }' "$1")
	[ -n "$v" ] || fail "no $2{pid=\"$3\",...$4} in $1: $(grep -F "pid=\"$3\"" "$1" | head -n 20)"
	[ "$(wc -l <<<"$v")" = 1 ] || fail "$2 for pid $3 appears more than once"
	printf '%s\n' "$v"
}

# comm with a quote, a backslash and a newline (7 bytes, within TASK_COMM_LEN)
comm=$'a"b\\c\nd'
start_helper pid "comm=$comm" tcp=50000,0
[ "$(cat "/proc/$pid/comm")" = "$comm" ] || hard_error "helper comm not set"
hget unread tcp.rx unread

# --- one-shot to stdout ---------------------------------------------------------
sk --prometheus --settle 0.3 -p "$pid"
expect_rc "one-shot --prometheus with a stalled reader" 1
[ ! -s "$SK_ERR" ] || fail "stderr: $(cat "$SK_ERR")"
promcheck "$SK_OUT" "one-shot"
expect_eq "skcheck_process_recv_queue_bytes = helper's unread bytes" "$unread" \
	"$(metric "$SK_OUT" skcheck_process_recv_queue_bytes "$pid")"
expect_eq "skcheck_process_flag{flag=\"stalled\"}" 1 \
	"$(metric "$SK_OUT" skcheck_process_flag "$pid" ',flag="stalled"')"
expect_eq "skcheck_process_stalled_sockets" 1 "$(metric "$SK_OUT" skcheck_process_stalled_sockets "$pid")"
expect_eq "skcheck_process_stalled_bytes" "$unread" "$(metric "$SK_OUT" skcheck_process_stalled_bytes "$pid")"
expect_eq "skcheck_process_sockets" 2 "$(metric "$SK_OUT" skcheck_process_sockets "$pid")"
v=$(awk '$1 == "skcheck_stalled_sockets" { print $2 }' "$SK_OUT")
expect_gt "host skcheck_stalled_sockets counts it" "${v:-0}" 0
# every family has HELP and TYPE once; only the counter ends in _total
fams=$(awk '!/^#/ { n = $1; sub(/\{.*/, "", n); print n }' "$SK_OUT" | sort -u)
for f in $fams; do
	[ "$(grep -c "^# HELP $f " "$SK_OUT")" = 1 ] || fail "$f: not exactly one HELP line"
	[ "$(grep -c "^# TYPE $f " "$SK_OUT")" = 1 ] || fail "$f: not exactly one TYPE line"
	case $f in
	*_total) grep -q "^# TYPE $f counter\$" "$SK_OUT" || fail "$f ends in _total but is no counter" ;;
	*) grep -q "^# TYPE $f counter\$" "$SK_OUT" && fail "counter $f does not end in _total" ;;
	esac
	[[ $f == skcheck_* ]] || fail "metric $f lacks the skcheck_ prefix"
done
ok "HELP/TYPE once per family, skcheck_ prefix, _total only on counters ($(wc -w <<<"$fams") families)"
grep -q 'inode=\|socket=' "$SK_OUT" && fail "a per-socket label in the exposition"
ok "no per-socket labels"

# label escaping: the event-line escaping (backslash and control bytes as
# \xNN), then the exposition's \\ and \" (skcheck(8) ESCAPING)
expect_eq "one line per sample despite the newline in comm" 1 \
	"$(grep -c "^skcheck_process_recv_queue_bytes{pid=\"$pid\"," "$SK_OUT")"
line=$(grep "^skcheck_process_recv_queue_bytes{pid=\"$pid\"," "$SK_OUT")
want='comm="a\"b\\x5cc\\x0ad"'
[[ $line == *"$want"* ]] || fail "comm label in '$line', expected $want"
ok "comm label escaped: $want"

# --- honesty: what was not measured is absent ----------------------------------
sk --prometheus --settle 0 -p "$pid"
expect_rc "one-shot --settle 0 (no stall judged)" 0
promcheck "$SK_OUT" "--settle 0"
if grep -E '^skcheck_[a-z_]*stalled_(sockets|bytes)' "$SK_OUT"; then
	fail "--settle 0 exports stall series it did not measure"
fi
ok "--settle 0: no stall series"
expect_eq "--settle 0: skcheck_stall_window_seconds" 0 \
	"$(awk '$1 == "skcheck_stall_window_seconds" { print $2 }' "$SK_OUT")"
sk --prometheus --settle 0.3 -p "$pid"
v=$(awk '$1 == "skcheck_stall_window_seconds" { print $2 }' "$SK_OUT")
awk -v v="$v" 'BEGIN { exit !(v > 0.29 && v < 0.31) }' || fail "--settle 0.3: window $v"
ok "--settle 0.3: skcheck_stall_window_seconds $v"
v=$(awk '$1 == "skcheck_scrape_duration_seconds" { print $2 }' "$SK_OUT")
awk -v v="$v" 'BEGIN { exit !(v >= 0.3) }' || fail "scrape duration $v does not cover --settle 0.3"
ok "skcheck_scrape_duration_seconds $v covers the settle time"
ver=$("$SKCHECK" --version | head -n 1 | awk '{ print $NF }')
expect_eq "skcheck_build_info" "skcheck_build_info{version=\"$ver\"} 1" \
	"$(grep '^skcheck_build_info' "$SK_OUT")"
expect_eq "process states" "flagged queued idle denied failed" \
	"$(sed -nE 's/^skcheck_processes\{state="([a-z]+)"\} [0-9]+$/\1/p' "$SK_OUT" | paste -sd ' ')"

# per command: a forked child shares the parent's sockets; the command's
# series count them once, carry no pid, and count both processes
start_helper grp comm=cmdgrp tcp=7000,0 fork
hget kid child pid
sk --prometheus --settle 0 -C cmdgrp
expect_eq "cmdgrp processes" 2 "$(grep -c '^skcheck_process_sockets{pid="[0-9]*",comm="cmdgrp"' "$SK_OUT")"
cmd() { awk -v n="$1" 'index($0, n "{comm=\"cmdgrp\",container=\"\",pod=\"\"} ") == 1 { print $2 }' "$SK_OUT"; }
expect_eq "skcheck_command_recv_queue_bytes (shared socket once)" 7000 "$(cmd skcheck_command_recv_queue_bytes)"
expect_eq "skcheck_command_sockets" 2 "$(cmd skcheck_command_sockets)"
expect_eq "skcheck_command_processes (parent $grp, child $kid)" 2 "$(cmd skcheck_command_processes)"
grep -q '^skcheck_command_[a-z_]*{pid=' "$SK_OUT" && fail "a command series with a pid label"
ok "command series without pid"
stop_helper "$grp"

# --- one-shot to a file -----------------------------------------------------------
dir=$SK_TMP/textfile
mkdir "$dir"
prom=$dir/skcheck.prom
SK_RC=0
(umask 077 && exec "$SKCHECK" --prometheus="$prom" --settle 0.3 -p "$pid" >"$SK_OUT" 2>"$SK_ERR") || SK_RC=$?
expect_rc "--prometheus=FILE with a stalled reader" 1
[ ! -s "$SK_OUT" ] || fail "--prometheus=FILE printed on stdout: $(head -c 500 "$SK_OUT")"
[ ! -s "$SK_ERR" ] || fail "--prometheus=FILE stderr: $(cat "$SK_ERR")"
[ -f "$prom" ] || fail "--prometheus=FILE did not write $prom"
expect_eq "file mode despite umask 077 (node_exporter must read it)" 644 "$(stat -c %a "$prom")"
expect_eq "no temp file left behind" skcheck.prom "$(ls -A "$dir")"
promcheck "$prom" "--prometheus=FILE"
expect_eq "file: skcheck_process_recv_queue_bytes" "$unread" \
	"$(metric "$prom" skcheck_process_recv_queue_bytes "$pid")"

sk --prometheus="$SK_TMP/no/such/dir/x.prom" --settle 0 -p "$pid"
expect_rc "--prometheus=FILE in a missing directory" 3
grep -q 'x.prom' "$SK_ERR" || fail "the error does not name the file: $(cat "$SK_ERR")"

# never harm the host: only a regular file (or nothing) is replaced
mkfifo "$SK_TMP/fifo"
mkdir "$SK_TMP/adir"
ln -s "$prom" "$SK_TMP/alink"
for t in "$SK_TMP/fifo:FIFO" "/dev/null:device" "$SK_TMP/adir:directory" "$SK_TMP/alink:symbolic link"; do
	f=${t%%:*}
	sk --prometheus="$f" --settle 0 -p "$pid"
	expect_rc "--prometheus=$f" 2
	grep -q "refusing to replace $f: it is a ${t#*:}" "$SK_ERR" || fail "message for $f: $(cat "$SK_ERR")"
done
[ -p "$SK_TMP/fifo" ] && [ -c /dev/null ] && [ -d "$SK_TMP/adir" ] && [ -L "$SK_TMP/alink" ] ||
	fail "a refused --prometheus target was changed: $(ls -la "$SK_TMP" /dev/null)"
ok "FIFO, /dev/null, directory and symlink left alone"
sk --prometheus= --settle 0 -p "$pid"
expect_rc "--prometheus= (empty)" 2

# --- usage errors -----------------------------------------------------------------
sk --watch --prometheus -p "$pid"
expect_rc "--watch --prometheus without FILE" 2
sk --prometheus -J -p "$pid"
expect_rc "--prometheus with -J" 2

# --- watch: the file is replaced each tick ------------------------------------------
rm -f "$prom"
sk --watch -i 0.3 -c 3 --window 0.4 --stall-event-min 0 --prometheus="$prom" -p "$pid"
[ "$SK_RC" -le 1 ] || fail "--watch --prometheus=FILE exited $SK_RC: $(cat "$SK_ERR")"
[ ! -s "$SK_ERR" ] || fail "stderr: $(cat "$SK_ERR")"
promcheck "$prom" "--watch -c 3 --prometheus=FILE"
expect_eq "watch file: no temp file left behind" skcheck.prom "$(ls -A "$dir")"
expect_eq "watch file mode" 644 "$(stat -c %a "$prom")"
expect_eq "watch file: stalled flag after the window" 1 \
	"$(metric "$prom" skcheck_process_flag "$pid" ',flag="stalled"')"
grep -q "stall-begin pid=$pid " "$SK_OUT" || fail "no stall-begin event line on stdout: $(cat "$SK_OUT")"
ok "events go to stdout next to the file"

# Readers never see a partial file: read it while a fast watch rewrites it.
wout=$SK_TMP/fastwatch
bg_start wpid "$wout" "$SKCHECK" --watch -i 0.02 -c 100000 --prometheus="$prom" -p "$pid"
sleep 0.3
stamps=$SK_TMP/stamps
: >"$stamps"
for ((i = 0; i < 100; i++)); do
	# cat, not cp: GNU cp refuses a source that was renamed over
	# between its stat() and open(), which is exactly what happens here
	cat "$prom" >"$SK_TMP/snap" 2>/dev/null || fail "$prom missing while being rewritten"
	[ "$(tail -c 1 "$SK_TMP/snap" | od -An -tx1 | tr -d ' ')" = 0a ] ||
		fail "snapshot $i ends mid-line: $(tail -c 200 "$SK_TMP/snap")"
	grep -q '^# TYPE skcheck_process_flag gauge$' "$SK_TMP/snap" ||
		fail "snapshot $i lacks the last metric family: $(tail -n 5 "$SK_TMP/snap")"
	awk '$1 == "skcheck_last_sample_timestamp_seconds" { print $2 }' "$SK_TMP/snap" >>"$stamps"
	[ "$i" != 50 ] || promcheck "$SK_TMP/snap" "snapshot during rewriting"
	sleep 0.01
done
kill -TERM "$wpid"
bg_wait "$wpid" 3
[ "$BG_RC" -le 1 ] || fail "fast watch exited $BG_RC: $(cat "$wout.err")"
expect_gt "snapshots saw several samples" "$(sort -u "$stamps" | wc -l)" 5
ok "100 snapshots taken during rewriting were all complete"
expect_eq "no temp file left after SIGTERM" skcheck.prom "$(ls -A "$dir")"
