#!/bin/bash
# The man page documents every option --help prints, every column
# --list-columns prints, every flag name, and every JSON key and metric
# of the golden replay outputs: an option that is not in
# the man page does not exist.
set -u
srcdir=${TESTS_SRCDIR:-$(dirname "$0")}
man=$srcdir/../man/skcheck.8
SKCHECK=${SKCHECK:-$srcdir/../src/skcheck}
[ -f "$man" ] || { echo "no man page at $man"; exit 1; }
# the page as plain text: \- is -, font escapes gone
text=$(sed -E 's/\\-/-/g; s/\\f[BIRP]//g; s/\\\(em/-/g; s/^\.BR ([^ ]+) ", " ([^ ]+).*/\1, \2 /' "$man")
fail=0
missing() { echo "FAIL: $1 is not in skcheck.8"; fail=1; }

opts=$("$SKCHECK" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
[ -n "$opts" ] || { echo "FAIL: --help printed no options"; exit 1; }
for o in $opts; do
	grep -qF -- "$o" <<<"$text" || missing "option $o"
done
# short options paired with long ones in --help: "-x, --long"
while read -r short long; do
	grep -qE -- "${short}, ${long}([^a-z-]|$)" <<<"$text" || missing "pair $short, $long"
done < <("$SKCHECK" --help | grep -oE -- '-[a-zA-Z], --[a-z-]+' | sed 's/,//')

cols=$("$SKCHECK" --list-columns | awk '{print $1}')
for c in $cols; do
	grep -qE "^\.B \"?$c\"?\$|^\.TP.*$c|^$c\$" <<<"$text" || grep -qw -- "$c" <<<"$text" || missing "column $c"
done
for f in residue rcvbuf-full drops accept-full stalled tx-stalled accept-stalled leaked pins-pages memory-suspect unwatched; do
	grep -qw -- "$f" <<<"$text" || missing "flag $f"
done
for e in stall-begin stall-end tx-stall-begin tx-stall-end accept-stall-begin accept-stall-end accept-overflow; do
	grep -qw -- "$e" <<<"$text" || missing "event $e"
done
# every JSON key and metric name the golden replay outputs hold,
# anywhere in the page's words
words=$(sed -E 's/\\-/-/g; s/\\f[BIRP]//g; s/\\\(em/-/g' "$man")
keys=
if command -v jq >/dev/null 2>&1; then
	keys=$(jq -r '[paths | .[] | strings] | unique | .[]' "$srcdir/expected/replay.json") ||
		{ echo "FAIL: jq cannot read expected/replay.json"; exit 1; }
	for k in $keys; do
		grep -qw -- "$k" <<<"$words" || missing "JSON key $k"
	done
fi
metrics=$(grep -oE '^skcheck_[a-z_]+' "$srcdir/expected/replay.prom" | sort -u)
for m in $metrics; do
	grep -qw -- "$m" <<<"$words" || missing "metric $m"
done
n=$(wc -w <<<"$opts $cols $keys $metrics")
[ "$fail" -eq 0 ] && echo "ok: $n options, columns, JSON keys and metrics documented"
exit "$fail"
