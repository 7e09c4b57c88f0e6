#!/bin/bash
# Connection and process churn (issue 15): a load opens 300 loopback TCP
# pairs a second (100 unread bytes on each accepted end), keeps the last
# 100 and closes the older ones, and hands every 10th pair to a forked
# child that holds it for 0.3 s and exits (tests/sk_helper.c load=).
# Meanwhile one-shot runs (JSON with --settle 0 and 0.3, and the table;
# the test's namespace or every one) follow one another and a --watch -J
# -i 0.2 run goes on.  Every run must
# end with a documented status (0, 1 or 4), every JSON document must be
# valid, and every owner skcheck reports for a socket of the load must be
# one the load's own record allows: the process that opened the pair, or
# the child it went to (which also holds, between fork() and its own
# closing, what its parent held then).
# SK_CHURN_SECS: how long the runs go on (default 25).
# Variables are set by start_helper/bg_start (printf -v).
# shellcheck disable=SC2154
. "$(dirname -- "$0")/lib.sh"
require_jq

SECS=${SK_CHURN_SECS:-25}
start_helper pid load=300,100,10,300
rec=$SK_CUR	# the helper's output: its record grows as it goes

runs=$SK_TMP/runs
mkdir "$runs"
# --netns current (the test's own namespace, where the load runs): the
# samples then follow one another fast enough to meet the churn often
bg_start wpid "$SK_TMP/watch.ndjson" "$SKCHECK" --watch -J -i 0.2 -a -s --top 0 --comm sk_helper \
	--netns current

end=$(($(date +%s) + SECS))
n=0
while [ "$(date +%s)" -lt "$end" ]; do
	n=$((n + 1))
	case $((n % 3)) in
	0) args=(--settle 0.3 --netns current -J) ;;
	1) args=(--settle 0 -J) ;;	# every namespace of the host
	2) args=(--settle 0 --netns current) ;;	# the table
	esac
	rc=0
	t0=$(date +%s%N)
	timeout -k 5 30 "$SKCHECK" "${args[@]}" -a -s --top 0 --comm sk_helper \
		>"$runs/$n.out" 2>"$runs/$n.err" || rc=$?
	echo "run $n (${args[*]}): exit $rc in $((($(date +%s%N) - t0) / 1000000)) ms"
	case $rc in
	# 4: a partial view, e.g. a process of another test that even root
	# cannot inspect
	0 | 1 | 4) ;;
	124 | 137) fail "one-shot run $n (${args[*]}) did not finish within 30 s" ;;
	*) fail "one-shot run $n (${args[*]}) exited $rc: $(head -c 2000 "$runs/$n.err")" ;;
	esac
	if [ "${args[-1]}" = -J ]; then
		[ "$(jq -s length "$runs/$n.out" 2>/dev/null)" = 1 ] ||
			fail "one-shot run $n (${args[*]}): not one valid JSON document: $(tail -c 300 "$runs/$n.out")"
		mv "$runs/$n.out" "$runs/$n.json"
	else
		grep -q '^ *PID ' "$runs/$n.out" || fail "one-shot run $n: no table: $(head -c 500 "$runs/$n.out")"
	fi
	sk_running "$wpid" || fail "--watch ended by itself: $(head -c 2000 "$SK_TMP/watch.ndjson.err")"
done
kill -TERM "$wpid"
bg_wait "$wpid" 5
case $BG_RC in
0 | 1 | 4) ok "--watch -i 0.2 ended after SIGTERM with status $BG_RC" ;;
*) fail "--watch exited $BG_RC: $(head -c 2000 "$SK_TMP/watch.ndjson.err")" ;;
esac
ok "$n one-shot runs in $SECS s: documented statuses, valid JSON"
ndjson_check "$SK_TMP/watch.ndjson" "--watch under churn"
samples=$(grep -c '' "$SK_TMP/watch.ndjson")
# each sample scans the whole host (every namespace of the tests that run
# alongside): a few per second on a quiet machine, fewer on a busy one
expect_gt "--watch samples" "$samples" 4
expect_gt "one-shot runs" "$n" 2
sk_running "$pid" || fail "the load died: $(cat "$SK_TMP"/helper*.err)"

pairs=$(grep -c '^load.pair ' "$rec")
kids=$(grep -c '^load.child ' "$rec")
expect_gt "pairs the load opened (~300/s)" "$pairs" $((SECS * 100))
expect_gt "pairs handed to short-lived children" "$kids" $((SECS * 10))

# allowed: "INODE PID" lines, from the record in its order.  A pair held
# here: this process, and each child forked while it was one of the last
# 100 (fork copies every fd before the child closes them); a child's
# pair: the child, and this process (until just after the fork).
allowed=$SK_TMP/allowed
awk -v keep=100 '
	$1 ~ /^pid=/ { split($1, kv, "="); ppid = kv[2]; next }
	$1 != "load.pair" && $1 != "load.child" { next }
	{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	{ print v["srv"], v["pid"]; print v["cli"], v["pid"] }
	$1 == "load.pair" { ring[head] = v["srv"] " " v["cli"]; head = (head + 1) % keep }
	$1 == "load.child" {
		print v["srv"], ppid; print v["cli"], ppid
		for (r in ring) { split(ring[r], io, " "); print io[1], v["pid"]; print io[2], v["pid"] }
	}
' "$rec" | sort -u >"$allowed"

# reported: "INODE PID" for every owner of every socket of every
# document (one-shot JSON and each --watch line), of the load's sockets
reported=$SK_TMP/reported
cat "$runs"/*.json "$SK_TMP/watch.ndjson" |
	jq -r '.processes[]? | .sockets[]? | .inode as $i | .owners[]? | "\($i) \(.pid)"' |
	sort -u >"$SK_TMP/all_owners"
awk 'NR == FNR { load[$1]; next } $1 in load' "$allowed" "$SK_TMP/all_owners" >"$reported"
checked=$(grep -c '' "$reported")
wrong=$(comm -23 "$reported" "$allowed")
[ -z "$wrong" ] || fail "owners the load's record does not allow (inode pid): $(echo "$wrong" | head -n 20 | tr '\n' ';')"
expect_gt "distinct (socket, owner) pairs of the load checked" "$checked" 500
child_checked=$(awk 'NR == FNR { if ($1 == "load.child") { split($2, kv, "="); kid[kv[2]] } next } $2 in kid' \
	"$rec" "$reported" | grep -c '')
expect_gt "of them owned by a short-lived child" "$child_checked" 5
ok "every reported owner of the load's sockets is one its record allows"

# Leak checks (every namespace dumped: the runs without --netns) see
# sockets opened and closed all the time: every socket of the load is
# connected while a process holds it, so none is ever leaked.  A socket
# that got its fd after its namespace's dump (our own namespace is
# dumped beside the /proc walk), or an fd number reused between the walk
# and the check, must not make one.
leak_runs=$(cat "$runs"/*.json | jq -s '[.[] | select(.summary.leaks_checked)] | length')
expect_gt "one-shot runs with leak checks" "$leak_runs" 0
cat "$runs"/*.json | jq -r '.processes[]? | .leaked[]? | .inode' | sort -u >"$SK_TMP/leaked"
wrong=$(awk '{ print $1 }' "$allowed" | sort -u | comm -12 - "$SK_TMP/leaked")
[ -z "$wrong" ] || fail "sockets of the load reported leaked: $(echo "$wrong" | wc -l) inodes, e.g. $(echo "$wrong" | head -n 5 | tr '\n' ' ')"
ok "no socket of the load reported leaked in $leak_runs runs with leak checks"
