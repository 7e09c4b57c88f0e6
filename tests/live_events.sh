#!/bin/bash
# Event lines a person can read (skcheck(8) WATCH MODE, Event lines):
#  - --stall-event-min: a paused reader holding 300000 bytes gets its
#    stall-begin and stall-end lines, one holding 1000 bytes gets neither
#    (default 64K), while the NDJSON events keep both;
#  - logfmt quoting: comm "my app" is written comm="my app";
#  - grouping: five small stalls of one process in one sample are one
#    "grouped=5" line with their bytes summed (--stall-event-min 0), and
#    five separate events in NDJSON.
# Variables are set by start_helper/hget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

# wait_file DESC FILE ERE [SECONDS]: until a line of FILE matches
wait_file() {
	local end
	sk_deadline end "${4:-10}"
	while [ "$(date +%s%N)" -lt "$end" ]; do
		grep -Eq -- "$3" "$2" 2>/dev/null && { ok "$1"; return 0; }
		sleep 0.1
	done
	fail "$1: no line matching '$3' in $2 after ${4:-10} s: $(tail -n 20 "$2") $(cat "$2.err" 2>/dev/null)"
}

# --- threshold and quoting ----------------------------------------------------
start_helper pid "comm=my app" pauseread=300000,0 pauseread=1000,0
hget big pauseread.rx inode 1
hget small pauseread.rx inode 2
lines=$SK_TMP/lines
json=$SK_TMP/events.ndjson
bg_start wl "$lines" "$SKCHECK" --watch -i 0.2 -c 200 --window 0.5 -p "$pid"
bg_start wj "$json" "$SKCHECK" --watch -J -i 0.2 -c 200 --window 0.5 -p "$pid"
wait_file "stall-begin line of the 300000-byte reader" "$lines" \
	"stall-begin pid=$pid comm=\"my app\" fd=[0-9]+ tcp inode=$big "
wait_json "$json" 10 '.events[] | select(.event == "stall-begin" and .inode == $i)' --argjson i "$small" ||
	fail "NDJSON has no stall-begin of the 1000-byte reader $small: $(tail -c 1000 "$json")"
ok "NDJSON keeps the small stall's begin"
# resume both readers (one SIGUSR1 each, in spec order)
kill -USR1 "$pid"
sleep 0.2
kill -USR1 "$pid"
wait_file "stall-end line of the 300000-byte reader" "$lines" \
	"stall-end pid=$pid comm=\"my app\" fd=[0-9]+ tcp inode=$big .*reason=recovered"
wait_json "$json" 10 '.events[] | select(.event == "stall-end" and .inode == $i)' --argjson i "$small" ||
	fail "NDJSON has no stall-end of the 1000-byte reader $small: $(tail -c 1000 "$json")"
ok "NDJSON keeps the small stall's end"
sleep 0.5	# a sample more in the line output
kill -TERM "$wl" "$wj"
bg_wait "$wl" 5
bg_wait "$wj" 5
if grep -E "inode=$small( |$)" "$lines"; then
	fail "an event line of the 1000-byte stall (below the 64K default)"
fi
ok "no event line of the 1000-byte stall"
# the line parses as logfmt: comm's value is the whole name
line=$(grep -m1 "stall-begin pid=$pid " "$lines")
v=$(sed -E 's/.* comm="(([^"\\]|\\.)*)".*/\1/' <<<"$line")
expect_eq "comm parsed from the quoted value" "my app" "$v"

# with --stall-event-min 0 the small one has lines too
start_helper p2 comm=small2 pauseread=1000,0
hget s2 pauseread.rx inode
timeout 20 "$SKCHECK" --watch -i 0.2 -c 6 --window 0.5 --stall-event-min 0 -p "$p2" >"$lines" 2>"$SK_ERR"
rc=$?
[ "$rc" -le 1 ] || fail "--stall-event-min 0: exit $rc: $(cat "$SK_ERR")"
grep -Eq "stall-begin pid=$p2 comm=small2 fd=[0-9]+ tcp inode=$s2 " "$lines" ||
	fail "--stall-event-min 0: no stall-begin line of $s2: $(cat "$lines")"
ok "--stall-event-min 0 shows the 1000-byte stall"
"$SKCHECK" --stall-event-min 1x -p "$p2" >/dev/null 2>"$SK_ERR"
expect_eq "--stall-event-min 1x: usage error" 2 "$?"

# --- grouping -------------------------------------------------------------------
specs=(comm=manystall)
for i in 1 2 3 4 5; do specs+=("tcp=$((1000 * i)),0"); done
start_helper p3 "${specs[@]}"
timeout 20 "$SKCHECK" --watch -i 0.2 -c 6 --window 0.5 --stall-event-min 0 -p "$p3" >"$lines" 2>"$SK_ERR"
rc=$?
[ "$rc" -le 1 ] || fail "grouping run: exit $rc: $(cat "$SK_ERR")"
grep -E "stall-begin pid=$p3 " "$lines"
n=$(grep -c "stall-begin pid=$p3 " "$lines")
expect_eq "one stall-begin line for the five stalls" 1 "$n"
hget big5 tcp.rx inode 5
grep -Eq "stall-begin pid=$p3 comm=manystall grouped=5 recv_q=15000 send_q=0 largest_fd=[0-9]+ largest_inode=$big5 largest_local=127\.0\.0\.1:[0-9]+$" "$lines" ||
	fail "grouped line: $(grep "stall-begin pid=$p3 " "$lines")"
ok "grouped=5, bytes summed, the largest named"
skw -i 0.2 -c 6 --window 0.5 -p "$p3"
n=$(jq -s '[.[].events[] | select(.event == "stall-begin")] | length' "$SK_NDJSON")
expect_eq "NDJSON: five stall-begin events" 5 "$n"
