#!/bin/sh
# Copy bench/RESULTS.md (what bench/run.sh printed) into README.md's
# performance section, between the "bench/RESULTS.md" markers; headings
# move down one level.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
readme=$here/../README.md
results=$here/RESULTS.md
grep -q '^<!-- begin bench/RESULTS.md' "$readme" || { echo "readme.sh: no markers in $readme" >&2; exit 1; }
awk -v results="$results" '
	/^<!-- begin bench\/RESULTS.md/ {
		print
		while ((getline line < results) > 0) {
			if (line ~ /^# /) continue	# the title: the section has its own
			if (line ~ /^## /) line = "#" line
			print line
		}
		skip = 1
		next
	}
	/^<!-- end bench\/RESULTS.md/ { skip = 0 }
	!skip' "$readme" >"$readme.tmp"
mv "$readme.tmp" "$readme"
