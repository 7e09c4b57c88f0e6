#!/bin/bash
# Network namespaces that come and go while skcheck samples (issue 7): a
# churn loop keeps starting, 3 at a time, short-lived processes that each
# unshare(CLONE_NEWNET) and hold 150 loopback TCP pairs with 1000 unread
# bytes each for 0.3 s.  A namespace that vanishes between enumeration
# and setns() used to make the tracker spin forever.  Here --watch -i 0.05
# must keep printing a valid sample every second and stop within 2 s of
# SIGTERM, and repeated one-shot runs with --settle 0.3 must all finish.
# Variables are set by bg_start/bg_wait (printf -v).
# shellcheck disable=SC2154
. "$(dirname -- "$0")/lib.sh"
require_root "unshare -n for the churning namespaces"
require_jq

PAIRS=150
# SK_CHURN_WATCH_SECS: how long --watch runs under churn (the issue's
# 5-minute soak: SK_CHURN_WATCH_SECS=300)
WATCH_SECS=${SK_CHURN_WATCH_SECS:-12}
CHURN_SECS=$((WATCH_SECS + 10))

# churn SECONDS: keep 3 short-lived namespaces with PAIRS loaded TCP pairs
# each alive, until SECONDS have passed.  Each batch is waited for, so
# nothing outlives the loop (and the helpers die with their parent).
churn() {
	local end=$(($(date +%s) + $1)) specs=() k
	for ((k = 0; k < PAIRS; k++)); do specs+=(tcp=1000,0); done
	while [ "$(date +%s)" -lt "$end" ]; do
		for k in 1 2 3; do
			# shellcheck disable=SC2016
			timeout 10 unshare -n -- sh -c \
				'ip link set lo up || exit 1; sleep 0.3 | "$0" "$@" >/dev/null' \
				"$SK_HELPER" "${specs[@]}" &
		done
		wait
		echo batch
	done
}

bg_start cpid "$SK_TMP/churn.out" churn "$CHURN_SECS"

# --- --watch keeps sampling -----------------------------------------------------
out=$SK_TMP/watch.ndjson
bg_start wpid "$out" "$SKCHECK" --watch -i 0.05 -J
prev=0
for ((s = 1; s <= WATCH_SECS; s++)); do
	sleep 1
	sk_running "$wpid" || fail "watch ended by itself after $s s: $(head -c 2000 "$out.err")"
	n=$(grep -c '' "$out")
	[ "$n" -gt "$prev" ] ||
		fail "watch printed no sample during second $s (still $n lines; state $(ps -o stat=,time= -p "$wpid"), wchan $(cat "/proc/$wpid/wchan" 2>/dev/null))"
	prev=$n
done
ok "watch printed samples every second for $WATCH_SECS s ($prev lines)"
kill -TERM "$wpid"
bg_wait "$wpid" 2
case $BG_RC in
0 | 1 | 4) ok "watch ended $BG_SECS s after SIGTERM with status $BG_RC" ;;
*) fail "watch exited $BG_RC after SIGTERM: $(head -c 2000 "$out.err")" ;;
esac
ndjson_check "$out" "watch under namespace churn"
batches=$(grep -c batch "$SK_TMP/churn.out")
expect_gt "churn batches ran meanwhile" "$batches" 5
# the churning namespaces were seen: some sample dumped one with every pair
seen=$(jq -R -r --argjson n $((2 * PAIRS)) \
	'fromjson? | [.summary.namespaces[] | select(.scanned and .sockets >= $n)] | length' \
	"$out" | awk '$1 > 0' | wc -l)
expect_gt "samples that dumped a churning namespace" "$seen" 0

# --- one-shot runs with --settle 0.3 ------------------------------------------------
for ((r = 1; r <= 10; r++)); do
	rc=0
	timeout 10 "$SKCHECK" --settle 0.3 -J >"$SK_TMP/once.json" 2>"$SK_TMP/once.err" || rc=$?
	case $rc in
	# 4: a partial view, e.g. a dying helper's sockets not yet gone
	# while some process (here pid 1 of a sandbox) cannot be inspected
	0 | 1 | 4) ;;
	124) fail "one-shot run $r did not finish within 10 s" ;;
	*) fail "one-shot run $r exited $rc: $(head -c 2000 "$SK_TMP/once.err")" ;;
	esac
	[ "$(jq -s length "$SK_TMP/once.json" 2>/dev/null)" = 1 ] ||
		fail "one-shot run $r did not print one JSON document"
done
ok "10 one-shot runs with --settle 0.3 finished with valid JSON"

# --- SIGTERM during a one-shot's settle ends it at once ---------------------------------
bg_start opid "$SK_TMP/term.out" "$SKCHECK" --settle 30
sleep 0.5
kill -TERM "$opid"
bg_wait "$opid" 2
expect_eq "one-shot killed by SIGTERM during --settle (status 128+15)" 143 "$BG_RC"
[ ! -s "$SK_TMP/term.out" ] || fail "an interrupted one-shot printed output: $(head -c 500 "$SK_TMP/term.out")"
ok "an interrupted one-shot printed nothing"

bg_wait "$cpid" $((CHURN_SECS + 15))
