#!/bin/bash
# Data flows one way: collect -> join -> judge -> track -> rollup ->
# render.  A source file may include headers of its own phase and of
# earlier ones, never of a later phase; two modules never include each
# other.  Every file under src/ must be placed below (a new file fails
# until it is), so the listing stays the architecture.
set -u
srcdir=${TESTS_SRCDIR:-$(dirname "$0")}
src=$srcdir/../src
[ -d "$src" ] || { echo "no source directory at $src"; exit 1; }

# phase of a module (file name without .c/.h); 0 is shared by all
phase_of() {
	case $1 in
	util|model|figures|socktab|options|stop) echo 0 ;;
	collect|nsdump|nsearly|procscan|proccache|netns|nlsock|diag|diag_inet|diag_unix|diag_packet|diag_netlink|diag_raw|diag_vsock|mptcp|sockns|iouring|links|cgroup|sockstat|replay|threads) echo 1 ;;
	bpf_pinned|pinned.skel|pinned_rec|meminfo) echo 1 ;;	# pinned_rec: bpf/
	bpf_owners|owners.skel|owners_rec) echo 1 ;;	# owners_rec: bpf/
	join) echo 2 ;;
	judge) echo 3 ;;
	track|evgate) echo 4 ;;
	rollup|rollup_cont|rollup_mem|rollup_unowned|rollup_cmd) echo 5 ;;
	why) echo 5 ;;	# after rollup: the filtered processes' stalled sockets
	diagnose) echo 5 ;;	# after why: the findings of the filtered view
	render|render_*|format|escape|jsonx|screen) echo 6 ;;
	sample|watch|main) echo 7 ;;	# drivers: run the phases in order
	*) echo unknown ;;
	esac
}
names=(shared collect join judge track rollup render driver)
# files that are one module split for size: the socket table and the
# figures are the model's
module_of() {
	case $1 in
	socktab|figures) echo model ;;
	nsearly) echo nsdump ;;
	*) echo "$1" ;;
	esac
}

fail=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in "$src"/*.c "$src"/*.h; do
	mod=$(basename "$f"); mod=${mod%.[ch]}
	p=$(phase_of "$mod")
	if [ "$p" = unknown ]; then
		echo "FAIL: src/$(basename "$f") has no phase in tests/layering.sh"
		fail=1
		continue
	fi
	for inc in $(sed -nE 's/^#include "([a-z_]+)\.h".*/\1/p' "$f"); do
		[ "$inc" = config ] && continue
		q=$(phase_of "$inc")
		if [ "$q" = unknown ]; then
			echo "FAIL: src/$(basename "$f") includes $inc.h, which has no phase"
			fail=1
		elif [ "$q" -gt "$p" ]; then
			echo "FAIL: src/$(basename "$f") (${names[$p]}) includes $inc.h (${names[$q]}, a later phase)"
			fail=1
		fi
		a=$(module_of "$mod"); b=$(module_of "$inc")
		[ "$a" != "$b" ] && echo "$a $b" >>"$edges"
	done
done
# a module pair that includes each other: a cycle, whatever the phases
sort -u "$edges" >"$edges.u"
while read -r a b; do
	if [[ "$a" < "$b" ]] && grep -qx "$b $a" "$edges.u"; then
		echo "FAIL: $a and $b include each other"
		fail=1
	fi
done <"$edges.u"
rm -f "$edges.u"
[ "$fail" = 0 ] && echo "layering: $(ls "$src"/*.[ch] | wc -l) files, includes run one way"
exit "$fail"
