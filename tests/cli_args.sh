#!/bin/bash
# Arguments, as skcheck(8) OPTIONS says they are checked: an ambiguous
# long-option abbreviation names its candidates; an empty list is a usage
# error for every list option; every argument is checked whatever the
# mode (-J -o bogus as -o bogus); --count and --interval need --watch; the
# table's options under -J or --prometheus, and --settle under --watch,
# are checked and then ignored.
# Variables are set by start_helper (printf -v).
# shellcheck disable=SC2154
. "$(dirname -- "$0")/lib.sh"

# usage_error MESSAGE-REGEX ARGS...: exit 2, nothing on stdout, the
# message as the first stderr line and the "Try" line as the second
usage_error() {
	local re=$1
	shift
	sk "$@"
	[ "$SK_RC" = 2 ] || fail "skcheck $*: exit $SK_RC, expected 2; stderr: $(cat "$SK_ERR")"
	[ ! -s "$SK_OUT" ] || fail "skcheck $*: printed on stdout: $(head -c 500 "$SK_OUT")"
	head -n 1 "$SK_ERR" | grep -qE "^skcheck: $re\$" ||
		fail "skcheck $*: expected 'skcheck: $re', got: $(head -n 1 "$SK_ERR")"
	sed -n 2p "$SK_ERR" | grep -q "^Try 'skcheck --help' for more information\.\$" ||
		fail "skcheck $*: no Try line: $(cat "$SK_ERR")"
	expect_eq "skcheck $*: stderr lines" 2 "$(wc -l <"$SK_ERR")"
}

# --- abbreviations ----------------------------------------------------------
usage_error "option '--pro' is ambiguous: --proto, --prometheus" --pro tcp
usage_error "option '--pr' is ambiguous: --proto, --prometheus" --pr
usage_error "option '--p' is ambiguous: --pid, --proto, --port, --pins-ratio, --pins-min, --pod, --prometheus" --p 1
usage_error "option '--memory' doesn't allow an argument" --memory=1
usage_error "option '--all' doesn't allow an argument" --al=1
usage_error "unrecognized option '--nope'" --nope
usage_error "unrecognized option '--nope=1'" --nope=1
# an unambiguous abbreviation and an exact name that prefixes another work
sk --no-pinned --proto tcp --pid $$ --memory-s 1G --memory
expect_rc "--memory-s (unambiguous) and --memory (exact, prefix of --memory-suspect)" 0

# --- empty lists -------------------------------------------------------------
for a in "" , ,,; do
	usage_error "empty protocol list '$a'" --proto "$a"
	usage_error "invalid pid list '$a'" --pid "$a"
	usage_error "empty command name list" --comm "$a"
done
usage_error "empty column list ''" -o ""
usage_error "empty column list '\+'" -o +
usage_error "empty column list '\+,,'" -o +,,
usage_error "empty container id" --container ""
usage_error "empty pod uid" --pod ""
usage_error "invalid network namespace ''" --netns ""
usage_error "--prometheus=: empty file name .*" --prometheus=

# --- every argument checked in every mode -------------------------------------
for mode in "" -J --prometheus "--watch -c 1" "--watch -J -c 1"; do
	# shellcheck disable=SC2086 # $mode is a word list
	usage_error "unknown column 'bogus' in --output \(see --list-columns\)" $mode -o bogus
	# shellcheck disable=SC2086
	usage_error "empty protocol list ','" $mode --proto ,
	# shellcheck disable=SC2086
	usage_error "invalid settle time 'x'" $mode --settle x
done
usage_error "--count needs --watch" -c 2
usage_error "--interval needs --watch" -i 1
usage_error "--interval needs --watch" -J --interval=0.5
usage_error "--count needs --watch" --prometheus -c 1

# --- options of another mode are ignored ---------------------------------------
# a socket with known unread data, so the ignored options have rows to shape
start_helper pid unix-stream=3000
sk -J -o PID,RECV-Q -n -r -s -b --no-summary -p "$pid"
expect_rc "-J with the table's options" 0
jq -e --argjson p "$pid" '.processes | map(select(.pid == $p)) | length == 1' "$SK_OUT" >/dev/null ||
	fail "-J with table options: not one JSON document listing the helper: $(head -c 500 "$SK_OUT")"
ok "-J ignores -o/-n/-r/-s/-b/--no-summary (checked, then ignored)"
sk --prometheus -o +PID -n -p "$pid"
expect_rc "--prometheus with the table's options" 0
grep -q '^skcheck_' "$SK_OUT" || fail "--prometheus -o +PID: no metrics: $(head -c 500 "$SK_OUT")"
ok "--prometheus ignores -o/-n"
sk --settle 0.1 --watch -J -i 0.1 -c 2 -p "$pid"
expect_rc "--settle under --watch" 0
expect_eq "--settle under --watch: one JSON line per sample" 2 "$(jq -c . "$SK_OUT" | wc -l)"
