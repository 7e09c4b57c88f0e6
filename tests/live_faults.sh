#!/bin/bash
# Faults that must end with the failure status (3) and a message, never a
# silent or misleading result (skcheck(8) EXIT STATUS):
#  - a --prometheus=FILE that can never be written ends --watch after 5
#    failed writes in a row; one that becomes writable again is picked up;
#  - out of memory at any point (tests/failmalloc.so makes every
#    allocation fail from the Nth on, in skcheck and in its libraries):
#    exit 3 with "skcheck: ..." on standard error, whatever was already
#    printed; or, where a library absorbed the failure, a whole output
#    (libsmartcols' own print buffer excepted: see oom_sweep); a run whose
#    allocations all succeeded is complete and valid.
# Variables are set by start_helper/bg_start (printf -v).
# shellcheck disable=SC2154
. "$(dirname -- "$0")/lib.sh"

command -v jq >/dev/null || hard_error "jq is needed"
FAILMALLOC=$(dirname -- "$SK_HELPER")/failmalloc.so
[ -f "$FAILMALLOC" ] || hard_error "$FAILMALLOC not built (make check builds it)"

# ~230 sockets with data: 100 TCP pairs, a listener with 30 queued
# connections, a UNIX stream pair; a JSON document of ~170 KB
specs=()
for ((i = 0; i < 100; i++)); do specs+=("tcp=100,100"); done
start_helper pid "${specs[@]}" listen=64,30,100 unix-stream=1000

# --- Prometheus file never writable ------------------------------------------------
prom=$SK_TMP/nodir/skcheck.prom
bg_start wpid "$SK_TMP/w1" "$SKCHECK" --watch -i 0.1 --prometheus="$prom" -p "$pid"
bg_wait "$wpid" 20
expect_eq "--watch, FILE never writable: exit status" 3 "$BG_RC"
expect_eq "--watch, FILE never writable: failed writes reported" 5 \
	"$(grep -c "^skcheck: cannot write $prom (attempt [1-5] of 5): No such file or directory\$" "$SK_TMP/w1.err")"
grep -q "^skcheck: giving up on $prom after 5 failed writes in a row\$" "$SK_TMP/w1.err" ||
	fail "no 'giving up' line: $(cat "$SK_TMP/w1.err")"
ok "--watch gives up after 5 failed writes"

# -c ends the run before the fifth attempt: the last file is missing, 3
bg_start wpid "$SK_TMP/w2" "$SKCHECK" --watch -i 0.1 -c 2 --prometheus="$prom" -p "$pid"
bg_wait "$wpid" 20
expect_eq "--watch -c 2, FILE never written: exit status" 3 "$BG_RC"
expect_eq "--watch -c 2: failed writes reported" 2 "$(grep -c 'cannot write' "$SK_TMP/w2.err")"

# the directory appears after the first failure: the next write succeeds,
# the count starts again, and the run ends as the samples say (0 or 1)
bg_start wpid "$SK_TMP/w3" "$SKCHECK" --watch -i 0.3 -c 8 --prometheus="$prom" -p "$pid"
for ((i = 0; i < 100; i++)); do
	grep -q 'attempt 1 of 5' "$SK_TMP/w3.err" && break
	sleep 0.05
done
mkdir "$SK_TMP/nodir"
bg_wait "$wpid" 20
[ "$BG_RC" -le 1 ] || fail "--watch with FILE writable again exited $BG_RC: $(cat "$SK_TMP/w3.err")"
grep -q '^skcheck_' "$prom" || fail "$prom not written once writable: $(head -c 300 "$prom")"
n=$(grep -c 'cannot write' "$SK_TMP/w3.err")
[ "$n" -ge 1 ] && [ "$n" -lt 5 ] || fail "$n failed writes reported, expected 1-4: $(cat "$SK_TMP/w3.err")"
ok "FILE writable again after $n failed writes: written, exit $BG_RC"

# --- out of memory -----------------------------------------------------------------
# fm_run ARGS...: skcheck ARGS with failmalloc preloaded (FAILMALLOC_AFTER
# from the caller); status in FM_RC, "failed" or "calls N" in FM_REPORT.
# LeakSanitizer is off: a run cut short by skc_oom exits with what it held.
fm_run() {
	rm -f "$SK_TMP/fm.report"
	FM_RC=0
	# env: timeout itself must run with every allocation
	timeout -k 5 60 env FAILMALLOC_AFTER="${FAILMALLOC_AFTER:-0}" \
		FAILMALLOC_REPORT="$SK_TMP/fm.report" LD_PRELOAD="$FAILMALLOC" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0" \
		"$SKCHECK" "$@" >"$SK_OUT" 2>"$SK_ERR" || FM_RC=$?
	FM_REPORT=$(head -n 1 "$SK_TMP/fm.report" 2>/dev/null)
}

# in_scols_print REPORT: did the failed allocation come from libsmartcols
# itself (the first frame that is not failmalloc's, libc's or ASan's), under
# scols_print_table?
in_scols_print() {
	awk 'NR > 1 && !/failmalloc\.so|libc\.so|libasan\.so/ { if (!first) first = $0 }
		/libsmartcols\.so[^(]*\(scols_print_table/ { p = 1 }
		END { exit !(p && first ~ /libsmartcols\.so/) }' "$1"
}

# oom_sweep VALID ARGS...: a run with every allocation, then runs where
# allocations fail from N on, N spread over the whole run and closer
# together near its end (the rendering).  VALID checks a complete output.
oom_sweep() {
	local valid=$1 total n k failed=0 whole=0 absorbed=0 scols=0
	shift
	fm_run "$@"
	[[ $FM_REPORT == "calls "* ]] || fail "failmalloc did not report ($FM_REPORT); stderr: $(cat "$SK_ERR")"
	total=${FM_REPORT#calls }
	[ "$FM_RC" -le 1 ] || fail "skcheck $* with every allocation: exit $FM_RC: $(cat "$SK_ERR")"
	$valid || fail "skcheck $* with every allocation: output not valid: $(head -c 300 "$SK_OUT")"
	for k in 3 40 75 92 99 100; do
		n=$((total * k / 100))
		[ "$n" -ge 1 ] || n=1
		FAILMALLOC_AFTER=$n fm_run "$@"
		if [ "$FM_REPORT" = failed ] && [ "$FM_RC" -le 1 ] && ! $valid &&
			in_scols_print "$SK_TMP/fm.report"; then
			# libsmartcols (util-linux 2.38) ignores a failed
			# allocation of its own while it prints (its line
			# buffer): rows go missing and scols_print_table()
			# still returns 0.  Not ours to fix here (upstream);
			# counted, and the run must still have ended cleanly
			scols=$((scols + 1))
		elif [ "$FM_REPORT" = failed ] && [ "$FM_RC" -le 1 ]; then
			# a library absorbed the failure: fine if the output
			# is whole
			absorbed=$((absorbed + 1))
			$valid || fail "skcheck $*, allocations failing from $n of ~$total: exit $FM_RC but the output is not whole: $(head -c 600 "$SK_OUT"; echo; echo "... $(wc -l <"$SK_OUT") lines"); where the allocation failed: $(tail -n +2 "$SK_TMP/fm.report" | head -n 12)"
		elif [ "$FM_REPORT" = failed ]; then
			failed=$((failed + 1))
			[ "$FM_RC" = 3 ] ||
				fail "skcheck $*, allocations failing from $n of ~$total: exit $FM_RC, expected 3; stderr: $(tail -c 500 "$SK_ERR")"
			tail -n 1 "$SK_ERR" | grep -qE '^skcheck: (out of memory|.*Cannot allocate memory)$' ||
				fail "skcheck $*, allocations failing from $n: last stderr line is not an out-of-memory message: $(tail -c 500 "$SK_ERR")"
		else
			# the run needed fewer allocations this time (the host's
			# processes come and go): it must be a whole, valid one
			whole=$((whole + 1))
			[[ $FM_REPORT == "calls "* ]] || fail "failmalloc did not report ($FM_REPORT)"
			[ "$FM_RC" -le 1 ] || fail "skcheck $* (no allocation failed): exit $FM_RC: $(cat "$SK_ERR")"
			$valid || fail "skcheck $* (no allocation failed): output not valid"
		fi
	done
	[ "$failed" -ge 3 ] || fail "skcheck $*: only $failed runs hit a failing allocation"
	ok "skcheck $*: $failed runs out of memory at points spread over ~$total allocations: exit 3 with a message each; $absorbed absorbed with a whole output, $scols cut inside libsmartcols, $whole whole runs"
}

json_valid() { jq -e --argjson p "$pid" '.processes | map(select(.pid == $p)) | length == 1' "$SK_OUT" >/dev/null; }
ndjson_valid() { [ "$(jq -c --argjson p "$pid" '.processes[] | select(.pid == $p) | .pid' "$SK_OUT" | wc -l)" = 2 ]; }
table_valid() { grep -qE "^ *$pid +sk_helper" "$SK_OUT"; }

oom_sweep json_valid --settle 0 -J -a -s -p "$pid"
oom_sweep table_valid --settle 0 -a -s -p "$pid"
oom_sweep ndjson_valid --watch -J -i 0.05 -c 2 -a -s -p "$pid"
