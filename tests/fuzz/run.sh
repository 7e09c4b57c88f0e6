#!/bin/bash
# Run the libFuzzer targets (built by make fuzz) from the build directory:
# each first replays its regression inputs (tests/fuzz/regress/TARGET:
# every input a fuzzer once crashed on, kept after the fix), then fuzzes
# for SECONDS from its seed corpus.  Fails on any finding; the input is
# left in tests/fuzz/findings/ (add it to regress/ with the fix).
#   run.sh SRCDIR [SECONDS]   (default 40 per target)
set -u
srcdir=$1 secs=${2:-40}
out=tests/fuzz
failed=0
mkdir -p "$out/findings"

# seeds TARGET: the seed directories of a target
seeds() {
	case $1 in
	diag) echo "$srcdir/tests/data" ;;
	proc) echo "$srcdir/tests/data/proc $srcdir/tests/data/meminfo $srcdir/tests/fuzz/seeds/proc" ;;
	options) echo "$srcdir/tests/fuzz/seeds/options" ;;
	escape) echo "$srcdir/tests/data/proc $srcdir/tests/fuzz/seeds/proc" ;;
	esac
}

for t in diag proc options escape; do
	bin=$out/fuzz_$t
	[ -x "$bin" ] || { echo "FAIL: $bin not built (make fuzz)"; failed=1; continue; }
	# usage errors and --help print: keep them out of the log
	extra=()
	[ "$t" = options ] && extra=(-close_fd_mask=3)
	reg=$srcdir/tests/fuzz/regress/$t
	if [ -d "$reg" ]; then
		if ! timeout -k 10 120 "$bin" "${extra[@]}" "$reg"/* >"$out/findings/$t.regress.log" 2>&1; then
			echo "FAIL: fuzz_$t: a regression input crashes again:"
			tail -n 40 "$out/findings/$t.regress.log"
			failed=1
			continue
		fi
		echo "ok: fuzz_$t: $(find "$reg" -type f | wc -l) regression inputs"
	fi
	corpus=$(mktemp -d)
	# shellcheck disable=SC2046 # seeds() is a word list
	timeout -k 10 $((secs + 60)) "$bin" "${extra[@]}" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$out/findings/$t-" "$corpus" $(seeds "$t") \
		>"$out/findings/$t.log" 2>&1
	rc=$?
	rm -rf "$corpus"
	if [ "$rc" != 0 ]; then
		echo "FAIL: fuzz_$t exited $rc:"
		grep -E 'ERROR|runtime error|SUMMARY|Test unit written|Base64' "$out/findings/$t.log" | head -n 20
		tail -n 60 "$out/findings/$t.log"
		failed=1
		continue
	fi
	echo "ok: fuzz_$t: $(grep -m 1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/findings/$t.log" |
		grep -o '[0-9]*$') inputs in ${secs}s, no finding"
done
exit "$failed"
