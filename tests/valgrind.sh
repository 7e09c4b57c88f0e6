#!/bin/bash
# valgrind memcheck over the live suite's main cases (.ci/run, after a
# plain build's make check built skcheck and the helpers): each test runs
# as in make check, but with SKCHECK a wrapper that runs skcheck under
# memcheck, one log per skcheck process.  Fails when a test fails (an
# error makes skcheck exit 99, which no test takes) or when any log shows
# an error or a definite leak.  The --watch case is live_watch_mem.sh's
# own valgrind part (20 ticks), which make check runs.
#   tests/valgrind.sh SRCDIR [TEST...]   (from the build directory)
set -u
srcdir=$(cd -- "$1" && pwd)
shift
tests=("$@")
# the longest first: the other slot takes the rest meanwhile
[ ${#tests[@]} -gt 0 ] || tests=(live_families live_tcp live_udp live_unix replay)
command -v valgrind >/dev/null || { echo "FAIL: valgrind not installed"; exit 1; }
build=$(pwd)
vg=$(mktemp -d /tmp/skcheck-vg.XXXXXX)
trap 'rm -rf "$vg"' EXIT
cat >"$vg/skcheck" <<EOW
#!/bin/sh
# valgrind has no handler for pidfd_open and some bpf(2) commands: it
# warns in the log and skcheck takes its fallbacks
exec valgrind --log-file="$vg/vg.%p.log" --error-exitcode=99 --leak-check=full \\
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \\
	--suppressions="$srcdir/tests/valgrind.supp" "$build/src/skcheck" "\$@"
EOW
chmod +x "$vg/skcheck"

# run_one TEST: the test's output in $vg/TEST.out, status in $vg/TEST.rc
run_one() {
	local t=$1 rc=0 t0
	t0=$(date +%s)
	SKCHECK=$vg/skcheck SK_HELPER=$build/tests/sk_helper TESTS_SRCDIR=$srcdir/tests \
		TESTS_DATADIR=$srcdir/tests/data SKCHECK_HAVE_BPF=${SKCHECK_HAVE_BPF:-yes} \
		timeout -k 10 600 bash "$srcdir/tests/$t.sh" >"$vg/$t.out" 2>&1 || rc=$?
	echo "$rc $(($(date +%s) - t0))" >"$vg/$t.rc"
}

failed=0
start=$(date +%s)
# two at a time (CI has 2 cores; memcheck is one thread)
for t in "${tests[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
	run_one "$t" &
done
wait
for t in "${tests[@]}"; do
	read -r rc secs <"$vg/$t.rc"
	if [ "$rc" != 0 ]; then
		echo "FAIL: $t under valgrind (exit $rc, $secs s):"
		tail -n 20 "$vg/$t.out"
		failed=1
	else
		echo "ok: $t under valgrind ($secs s)"
	fi
done
runs=$(find "$vg" -name 'vg.*.log' | wc -l)
bad=$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$vg"/vg.*.log 2>/dev/null)
for f in $bad; do
	echo "FAIL: memcheck: $(grep -m 1 'Command:' "$f")"
	grep -v 'WARNING: unhandled\|You may be able\|README_MISSING\|Nevertheless\|it at http' "$f" | head -n 60
	failed=1
done
[ "$runs" -gt 0 ] || { echo "FAIL: no skcheck run under valgrind"; failed=1; }
echo "valgrind: $runs skcheck runs, $(echo "$bad" | grep -c .) with errors, $(($(date +%s) - start)) s"
exit "$failed"
