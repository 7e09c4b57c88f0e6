#!/bin/bash
# Memory stays flat in --watch: hundreds of fast ticks over ~200 helper
# sockets grow skcheck's VmRSS by less than 2 MiB between ~2 s and ~8 s,
# SIGTERM then ends it cleanly; under valgrind, 20 ticks leak nothing.
# An ASan build (CI) checks leaks with LeakSanitizer instead of RSS and
# valgrind, which do not fit a sanitizer's allocator.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"

# ~250 sockets: 60 TCP pairs (120), a listener with 60 clients queued (121),
# a UDP pair and a UNIX stream pair
specs=()
for ((i = 0; i < 60; i++)); do specs+=("tcp=100,100"); done
start_helper pid "${specs[@]}" listen=128,60,100 udp=3,100 unix-stream=1000
nsock=0
for f in "/proc/$pid/fd/"*; do
	[[ $(readlink "$f") == socket:* ]] && nsock=$((nsock + 1))
done
expect_gt "the helper holds ~200 sockets" "$nsock" 180

asan=
if ldd "$SKCHECK" 2>/dev/null | grep -q libasan; then asan=1; fi

rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }

# --- RSS over many ticks --------------------------------------------------------
err=$SK_TMP/mem.err
if [ -n "$asan" ]; then
	# LeakSanitizer reports at exit; keep freed memory out of the quarantine
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
fi
"$SKCHECK" --settle 0 --watch -i 0.02 -c 100000 -a -s -J -p "$pid" >/dev/null 2>"$err" &
wpid=$!
SK_BG+=("$wpid")
sleep 2
sk_running "$wpid" || fail "watch ended early: $(cat "$err")"
rss1=$(rss_kib "$wpid")
sleep 6
sk_running "$wpid" || fail "watch ended early: $(cat "$err")"
rss2=$(rss_kib "$wpid")
echo "VmRSS after ~2 s: $rss1 KiB, after ~8 s: $rss2 KiB (growth $((rss2 - rss1)) KiB)"
if [ -n "$asan" ]; then
	echo "ASan build: RSS is not meaningful (shadow memory, quarantine); LeakSanitizer checks at exit"
else
	[ $((rss2 - rss1)) -lt 2048 ] || fail "VmRSS grew by $((rss2 - rss1)) KiB in 6 s of ticks (from $rss1 to $rss2 KiB)"
	ok "VmRSS growth $((rss2 - rss1)) KiB < 2 MiB"
fi
kill -TERM "$wpid"
bg_wait "$wpid" 3
case $BG_RC in
0 | 1) ok "SIGTERM after many ticks: exit $BG_RC" ;;
*) fail "watch exited $BG_RC after SIGTERM: $(head -c 3000 "$err")" ;;
esac
[ ! -s "$err" ] || fail "watch wrote to stderr: $(head -c 3000 "$err")"
ok "nothing on stderr (no sanitizer report)"

# --- valgrind ------------------------------------------------------------------
if [ -n "$asan" ]; then
	echo "SKIP part: valgrind does not run ASan binaries"
elif ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP part: valgrind not installed"
else
	vlog=$SK_TMP/valgrind.log
	rc=0
	# tests/valgrind.supp: libbpf's own uninitialised bpf(2) fields
	valgrind --leak-check=full --error-exitcode=9 --log-file="$vlog" \
		--suppressions="$SK_TESTS_DIR/valgrind.supp" \
		"$SKCHECK" --settle 0 --watch -i 0.05 -c 20 -J -a -s -p "$pid" >"$SK_TMP/vg.out" 2>&1 || rc=$?
	grep -E 'definitely lost|ERROR SUMMARY|no leaks are possible' "$vlog"
	[ "$rc" != 9 ] || fail "valgrind found errors: $(grep -A 30 -m 1 -E 'Invalid|uninitialised|definitely lost in' "$vlog")"
	[ "$rc" -le 1 ] || fail "skcheck under valgrind exited $rc: $(tail -n 30 "$vlog")"
	grep -qE 'definitely lost: 0 bytes|no leaks are possible' "$vlog" ||
		fail "valgrind: leaks: $(grep -A 3 'LEAK SUMMARY' "$vlog")"
	expect_eq "20 NDJSON lines under valgrind" 20 "$(wc -l <"$SK_TMP/vg.out")"
	ok "valgrind: no errors, nothing definitely lost"
fi
