#!/bin/bash
# Command line: usage errors, --help/--version/--list-columns, exit status
# (0 nothing flagged, 1 flagged, 2 usage), -o/-b/-n/-r.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"

# usage_error ARGS...: exit 2, nothing on stdout, "skcheck: ..." plus the
# "Try" line on stderr
usage_error() {
	sk "$@"
	[ "$SK_RC" = 2 ] || fail "skcheck $*: exit $SK_RC, expected 2"
	[ ! -s "$SK_OUT" ] || fail "skcheck $*: printed on stdout: $(head -c 500 "$SK_OUT")"
	grep -q "^Try 'skcheck --help' for more information\.\$" "$SK_ERR" ||
		fail "skcheck $*: no Try line on stderr: $(cat "$SK_ERR")"
	head -n 1 "$SK_ERR" | grep -q '^skcheck: ' ||
		fail "skcheck $*: first stderr line is not 'skcheck: <problem>': $(head -n 1 "$SK_ERR")"
	expect_eq "skcheck $*: stderr lines" 2 "$(wc -l <"$SK_ERR")"
}
usage_error --bogus
usage_error --top abc
usage_error --sort nope
usage_error --min-bytes 12Q
usage_error --residue 1X
usage_error --pid abc
usage_error --proto nope
usage_error -o NOPE
usage_error --top
usage_error operand

for opt in --help -h; do
	sk $opt
	expect_rc "$opt" 0
	grep -q -- --json "$SK_OUT" || fail "$opt does not mention --json"
	[ ! -s "$SK_ERR" ] || fail "$opt wrote to stderr: $(cat "$SK_ERR")"
done
for opt in --version -V; do
	sk $opt
	expect_rc "$opt" 0
	grep -q skcheck "$SK_OUT" || fail "$opt does not name skcheck: $(cat "$SK_OUT")"
done
sk --list-columns
expect_rc "--list-columns" 0
for col in PID COMM CMDLINE UID SOCKETS ACCEPTQ RECV-Q SEND-Q MEM DROPS FLAGS FD PROTO STATE \
	LOCAL PEER INODE; do
	grep -qE "^[[:space:]]*$col([[:space:]]|\$)" "$SK_OUT" || fail "--list-columns lacks $col"
done
ok "--list-columns lists every documented column"

# 2000000 unread bytes on a UNIX stream: nothing but residue can flag it
# (UNIX sockets do not drop, and the data is charged to the sender).
start_helper pid unix-stream=2000000
hget unread ustream.rx unread
expect_eq "helper queued all" 2000000 "$unread"
for fmt in "" -J; do
	sk $fmt --pid "$pid"
	expect_rc "${fmt:-table}: residue over the default 1M" 1
	sk $fmt --pid "$pid" --residue 10M
	expect_rc "${fmt:-table}: --residue 10M" 0
	sk $fmt --pid "$pid" --residue 2000000
	expect_rc "${fmt:-table}: --residue at exactly the unread bytes" 1
	sk $fmt --pid "$pid" --residue 2000001
	expect_rc "${fmt:-table}: --residue one byte above" 0
done

sk --pid "$pid" -o PID,RECV-Q -n -r -b
expect_rc "-o PID,RECV-Q" 1
expect_eq "-o PID,RECV-Q -n -r -b" "$pid 2000000" "$(cat "$SK_OUT")"
sk --pid "$pid" -o PID -n -r
expect_eq "-o PID" "$pid" "$(cat "$SK_OUT")"
sk --pid "$pid" -o +INODE -r --no-summary
expect_eq "'-o +INODE' keeps the defaults and appends INODE" "PID INODE" \
	"$(awk 'NR == 1 { print $1, $NF }' "$SK_OUT")"
hget ino ustream.rx inode
sk --pid "$pid" -s -o +INODE -n -r --no-summary
grep -qw -- "$ino" "$SK_OUT" || fail "-s -o +INODE does not show inode $ino: $(cat "$SK_OUT")"
ok "-s -o +INODE shows the socket inode"
sk --pid "$pid" --no-summary
head -n 1 "$SK_OUT" | grep -q PID || fail "table without a header: $(head -n 2 "$SK_OUT")"
ok "header by default"

# output that cannot be written is an error, never a silent success
if [ -w /dev/full ]; then
	for opt in --help --version --list-columns; do
		rc=0
		"$SKCHECK" $opt >/dev/full 2>"$SK_TMP/full.err" || rc=$?
		expect_eq "$opt to /dev/full: exit status" 3 "$rc"
		grep -q "write error" "$SK_TMP/full.err" || fail "$opt to /dev/full: no message: $(cat "$SK_TMP/full.err")"
	done
fi
# a reader that closes the pipe early does not turn "flagged" into 0
set +o pipefail
"$SKCHECK" --settle 0 --pid "$pid" -s -a 2>"$SK_TMP/pipe.err" | (exec 0<&-; sleep 0.5)
rc=${PIPESTATUS[0]}
expect_eq "flagged one-shot into a closed pipe: exit status" 1 "$rc"
grep -q "output cut short" "$SK_TMP/pipe.err" || fail "no 'output cut short' on stderr: $(cat "$SK_TMP/pipe.err")"
ok "closed pipe reported"
