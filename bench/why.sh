#!/bin/bash
# The cost of the WHY verdicts (the performance table is bench/run.sh's).
# Run as root from a built tree:
#   bench/why.sh
#   WHY=100000 BASE=/path/to/skcheck-without-why bench/why.sh
# SIZES and NETNS also run the older size and namespace rows.
# Prints medians of RUNS runs and the ratio skcheck / ss; with WHY, the
# cost of the WHY verdicts (against BASE, a build without them, if given).
set -u
here=$(cd "$(dirname "$0")" && pwd)
SKCHECK=${SKCHECK:-$here/../src/skcheck}
SIZES=${SIZES-}
NETNS=${NETNS:-0}
RUNS=${RUNS:-3}
WHY=${WHY:-100000}	# sockets for the WHY cost (0: skip)
BASE=${BASE:-}		# skcheck without WHY verdicts, to compare with
PER_PROC=10000		# sockets per farm process (fd limit is 20000)

tmp=$(mktemp -d)
pids=()
namespaces=()
cleanup() {
	local p n
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "${namespaces[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (ss -p and skcheck need to see every fd)"; exit 1; }
[ -x "$SKCHECK" ] || { echo "bench: no skcheck at $SKCHECK (build first)"; exit 1; }
cc -O2 -o "$tmp/sockfarm" "$here/sockfarm.c" || exit 1

# start_farm SOCKETS [netns [UNREAD_EVERY]]: half TCP (pairs over
# loopback), half UNIX; every UNREAD_EVERY-th pair (default 10, 0: none)
# holds 100 unread bytes
start_farm() {
	local n=$1 ns=${2:-} every=${3:-10} tcp unix out=$tmp/farm.$RANDOM$RANDOM
	tcp=$((n / 4)); unix=$((n / 4))
	mkfifo "$out.in"
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$tmp/sockfarm" "$tcp" "$unix" "$every" <"$out.in" >"$out" &
	else
		"$tmp/sockfarm" "$tcp" "$unix" "$every" <"$out.in" >"$out" &
	fi
	pids+=($!)
	exec {fd}>"$out.in"	# keeps the farm's stdin open until we exit
	for _ in $(seq 600); do grep -q READY "$out" 2>/dev/null && return 0; sleep 0.1; done
	echo "bench: farm did not start" >&2; exit 1
}

# measure CMD...: prints "median_wall_s peak_rss_kib" (wall from the
# monotonic clock: /usr/bin/time only has 10 ms resolution)
measure() {
	local i t0 t1 walls=() rss=0 r
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s.%N)
		/usr/bin/time -o "$tmp/time" -f "%M" "$@" >/dev/null 2>&1
		t1=$(date +%s.%N)
		walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
		r=$(tail -1 "$tmp/time")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	printf '%s %s\n' "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" "$rss"
}

row() {	# row LABEL "wall rss" [ref_wall]
	local label=$1 w=${2% *} r=${2#* } ref=${3:-}
	if [ -n "$ref" ]; then
		printf '  %-44s %8.3fs %8d KiB   x%s of ss -p\n' "$label" "$w" "$r" \
			"$(awk -v a="$w" -v b="$ref" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
	else
		printf '  %-44s %8.3fs %8d KiB\n' "$label" "$w" "$r"
	fi
}

bench_size() {
	local size=$1 left procs=0 ss_p ss_np sk sk_json w
	left=$size
	while [ "$left" -gt 0 ]; do
		local n=$(( left > PER_PROC ? PER_PROC : left ))
		start_farm "$n"; left=$((left - n)); procs=$((procs + 1))
	done
	echo "== $size sockets in $procs processes (half TCP loopback, half UNIX; 1 in 10 pairs holds 100 unread bytes)"
	echo "   host total now: $(ss -tuaxn | wc -l) sockets seen by ss"
	ss_p=$(measure ss -tuaxmpn)
	ss_np=$(measure ss -tuaxmn)
	sk=$(measure "$SKCHECK" --settle 0 -a -N 0)
	sk_np=$(measure "$SKCHECK" --settle 0 -a -N 0 --no-pinned)
	sk_json=$(measure "$SKCHECK" --settle 0 -J -a -s)
	row "ss -tuaxmpn" "$ss_p"
	row "ss -tuaxmn (no process names)" "$ss_np"
	row "skcheck --settle 0 -a (every process)" "$sk" "${ss_p% *}"
	row "skcheck --settle 0 -a --no-pinned" "$sk_np" "${ss_p% *}"
	awk -v a="${sk% *}" -v b="${sk_np% *}" 'BEGIN {
		printf "  %-44s x%.2f\n", "pinned pages cost (with / --no-pinned)", (b > 0 ? a / b : 0) }'
	row "skcheck --settle 0 -J -a -s (every socket)" "$sk_json" "${ss_p% *}"
	/usr/bin/time -o "$tmp/time" -f "%e %U %S %M" "$SKCHECK" --watch -i 0.01 -c 10 -J >/dev/null 2>&1
	awk -v l="$(tail -1 "$tmp/time")" 'BEGIN { split(l, a, " "); printf "  %-44s %8.3fs wall %6.3fs cpu per sample, %d KiB peak\n", "skcheck --watch -J (10 samples)", a[1] / 10, (a[2] + a[3]) / 10, a[4] }'
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	pids=()
}

bench_netns() {
	local n=$1 per=400 i ns one many ssall
	echo "== $n network namespaces x $per sockets, against the same sockets in one namespace"
	for ((i = 0; i < n; i++)); do start_farm "$per"; done
	one=$(measure "$SKCHECK" --settle 0 -a -N 0)
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null; pids=()
	for ((i = 0; i < n; i++)); do
		ns=skbench-$$-$i
		ip netns add "$ns" && namespaces+=("$ns")
		ip -n "$ns" link set lo up
		start_farm "$per" "$ns"
	done
	many=$(measure "$SKCHECK" --settle 0 -a -N 0)
	ssall=$(measure ip -all netns exec ss -tuaxmpn)
	row "skcheck, $((n * per)) sockets in 1 netns" "$one"
	row "skcheck, $((n * per)) sockets in $n netns" "$many"
	row "ip -all netns exec ss -tuaxmpn ($n netns)" "$ssall"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null; pids=()
}

# cpu CMD...: prints "median_wall_s median_cpu_s" (user + system)
cpu() {
	local i walls=() cpus=()
	for ((i = 0; i < RUNS; i++)); do
		/usr/bin/time -o "$tmp/time" -f "%e %U %S" "$@" >/dev/null 2>&1
		read -r e u s < <(tail -n 1 "$tmp/time")
		walls+=("$e")
		cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
	done
	printf '%s %s\n' "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" \
		"$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")"
}

why_row() {	# why_row LABEL CMD...: skcheck and BASE on the same command
	local label=$1 mine base=
	shift
	mine=$(cpu "$SKCHECK" "$@")
	[ -n "$BASE" ] && base=$(cpu "$BASE" "$@")
	printf '  %-52s %6.2fs wall %6.2fs cpu' "$label" "${mine% *}" "${mine#* }"
	[ -n "$base" ] && printf '   without WHY: %6.2fs wall %6.2fs cpu' "${base% *}" "${base#* }"
	echo
}

# why_cost: the WHY step alone (JSON summary.why_duration) against the
# whole sample (summary.duration), medians of RUNS runs, and how many
# sockets and processes got a verdict
why_cost() {
	local i d=() w=() out=$tmp/why.json
	for ((i = 0; i < RUNS; i++)); do
		"$SKCHECK" --settle 0.5 -J -a -s -p "$(pidlist)" >"$out" 2>/dev/null
		d+=("$(jq .summary.duration "$out")")
		w+=("$(jq .summary.why_duration "$out")")
	done
	printf '  %-52s %6.4fs of a %6.3fs sample; %s sockets in %s processes judged\n' "WHY step alone (summary.why_duration)" \
		"$(printf '%s\n' "${w[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" \
		"$(printf '%s\n' "${d[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" \
		"$(jq '[.processes[].sockets[] | select(.why)] | length' "$out")" \
		"$(jq '[.processes[] | select(.why | length > 0)] | length' "$out")"
}

# The farm's pids, comma-separated: the WHY rows select them (--pid), so
# that other processes of the host with stalled sockets are not judged.
pidlist() { local IFS=,; echo "${pids[*]}"; }

# The WHY verdicts read the threads of processes holding stalled or
# residue sockets.  A few stalled processes among many sockets, then the
# worst case: every farm process stalled, thousands of sockets each.
bench_why() {
	local size=$1 left p
	echo "== WHY: $size idle sockets (no unread data) + 3 stalled processes (20 TCP pairs each, all unread)"
	left=$size
	while [ "$left" -gt 0 ]; do
		local n=$(( left > PER_PROC ? PER_PROC : left ))
		start_farm "$n" "" 0; left=$((left - n))
	done
	for p in 1 2 3; do start_farm 80 "" 1; done
	why_row "skcheck --settle 0.5 -a -N 0 (3 verdict processes)" --settle 0.5 -a -N 0 -p "$(pidlist)"
	why_cost
	why_row "skcheck --settle 0.5 -J -a -s" --settle 0.5 -J -a -s -p "$(pidlist)"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null; pids=()
	echo "== WHY worst case: $size sockets, every farm process stalled (1 pair in 10 unread)"
	left=$size
	while [ "$left" -gt 0 ]; do
		local n=$(( left > PER_PROC ? PER_PROC : left ))
		start_farm "$n"; left=$((left - n))
	done
	why_row "skcheck --settle 0.5 -a -N 0 (all stalled)" --settle 0.5 -a -N 0 -p "$(pidlist)"
	why_cost
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null; pids=()
}

echo "skcheck bench on $(uname -r), $(nproc) cores; median of $RUNS runs; peak RSS is the max"
for s in $SIZES; do bench_size "$s"; done
[ "$NETNS" -gt 0 ] && bench_netns "$NETNS"
[ "$WHY" -gt 0 ] && bench_why "$WHY"
exit 0
