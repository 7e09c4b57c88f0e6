#!/bin/bash
# skcheck benchmark (issue 13): wall time, CPU and peak memory next to ss
# on the same sockets, measured in the same run, alternating.  One
# command, as root, from a built tree:
#   bench/run.sh > bench/RESULTS.md && bench/readme.sh
# (bench/readme.sh copies the tables into README.md's performance
# section).  Knobs: SIZES="10000 50000 100000" RUNS=5 NETNS=50 NSPOP=200
# PER_PROC=14000 (sockets per farm process: the fd hard limit is 20000),
# NOTE="..." (a line for RESULTS.md, e.g. who else used the machine).
#
# Per size, farms of TCP pairs over loopback, UNIX socket pairs and bound
# UDP sockets (1 in 10 of each holding 100 unread bytes: stuck readers)
# are started, then every command below runs once as a warm-up and RUNS
# times in turn; a row is the median wall time and the largest peak RSS:
#   ss -tuaxmpn, ss -tuaxmn, floor (bench/floor.c: readlink of every fd
#   under /proc), skcheck one-shot (table and -J) with BPF (SKCHECK_OWNERS=bpf:
#   the owner join, whatever the host's size, and pinned pages; once more
#   with --no-pinned: the owner join's share) and without
#   (SKCHECK_OWNERS=proc --no-pinned), and
#   --watch -J per tick (it prints the processes with residue only; wall:
#   summary.duration of ticks 2..11; CPU: the difference between -c 11
#   and -c 1, over 10).
# After the largest size, NETNS empty namespaces are added with the
# farms still up and the one-shot is timed again, also with the
# namespaces dumped one after the other (SKCHECK_NS_THREADS=1); then
# once more with a farm of NSPOP sockets in each namespace.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SKCHECK=${SKCHECK:-$here/../src/skcheck}
SIZES=${SIZES-"10000 50000 100000"}
NETNS=${NETNS:-50}
NSPOP=${NSPOP:-200}
RUNS=${RUNS:-5}
PER_PROC=${PER_PROC:-14000}

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

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (ss -p and skcheck need to see every fd)" >&2; exit 1; }
[ -x "$SKCHECK" ] || { echo "bench: no skcheck at $SKCHECK (build first)" >&2; exit 1; }
cc -O2 -o "$tmp/sockfarm" "$here/sockfarm.c" || exit 1
cc -O2 -o "$tmp/floor" "$here/floor.c" || exit 1
SKCHECK_OWNERS=bpf "$SKCHECK" --settle 0 -a >/dev/null 2>"$tmp/bpf.err"
case $? in 0|1|4) have_bpf=yes ;; *) have_bpf="no ($(head -c 200 "$tmp/bpf.err"))" ;; esac

# start_farm N [NETNS [EVERY]]: N sockets in one process: 1/10 UDP, the
# rest half TCP (pairs), half UNIX (pairs); 1 in EVERY (10) of each kind
# holds 100 bytes
start_farm() {
	local n=$1 ns=${2:-} every=${3:-10} udp tcp unix out=$tmp/farm.$RANDOM$RANDOM
	udp=$((n / 10)); tcp=$(((n - udp) / 4)); unix=$(((n - udp) / 4))
	mkfifo "$out.in"
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$tmp/sockfarm" "$tcp" "$unix" "$every" "$udp" <"$out.in" >"$out" &
	else
		"$tmp/sockfarm" "$tcp" "$unix" "$every" "$udp" <"$out.in" >"$out" &
	fi
	pids+=($!)
	exec {fd}>"$out.in"	# keeps the farm's stdin open until we exit
	for _ in $(seq 900); do grep -q READY "$out" 2>/dev/null && return 0; sleep 0.1; done
	echo "bench: farm did not start" >&2; exit 1
}

stop_farms() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	pids=()
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# once NAME CMD...: run CMD once; append "wall rss_kib cpu" to $tmp/r.NAME
once() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	/usr/bin/time -o "$tmp/time" -f "%M %U %S" "$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	read -r rss u s < <(tail -n 1 "$tmp/time")
	awk -v a="$t0" -v b="$t1" -v r="$rss" -v u="$u" -v s="$s" \
		'BEGIN { printf "%.4f %d %.2f\n", b - a, r, u + s }' >>"$tmp/r.$name"
}
wall() { awk '{ print $1 }' "$tmp/r.$1" | median; }
rss() { awk '$2 > m { m = $2 } END { print m + 0 }' "$tmp/r.$1"; }
cpu() { awk '{ print $3 }' "$tmp/r.$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# what each command is; sk_* are skcheck
declare -A CMD=(
	[ss_p]="ss -tuaxmpn"
	[ss]="ss -tuaxmn"
	[floor]="$tmp/floor"
	[bpf]="env SKCHECK_OWNERS=bpf $SKCHECK --settle 0 -a -N 0"
	[bpf_json]="env SKCHECK_OWNERS=bpf $SKCHECK --settle 0 -J -a -s"
	[bpf_np]="env SKCHECK_OWNERS=bpf $SKCHECK --settle 0 -a -N 0 --no-pinned"
	[proc]="env SKCHECK_OWNERS=proc $SKCHECK --settle 0 -a -N 0 --no-pinned"
	[proc_json]="env SKCHECK_OWNERS=proc $SKCHECK --settle 0 -J -a -s --no-pinned"
)
ORDER=(ss_p ss floor bpf bpf_json bpf_np proc proc_json)
[ "$have_bpf" = yes ] || ORDER=(ss_p ss floor proc proc_json)

# watch_tick NAME ENV...: per-tick wall (median of ticks 2..11) and CPU
watch_tick() {
	local name=$1 w c1 c11
	shift
	env "$@" timeout 300 "$SKCHECK" --watch -i 0.01 -c 11 -J >"$tmp/w.json" 2>/dev/null
	w=$(jq -r 'select(.summary.tick > 1) | .summary.duration' "$tmp/w.json" | median)
	/usr/bin/time -o "$tmp/time" -f "%U %S %M" env "$@" "$SKCHECK" --watch -i 0.01 -c 1 -J >/dev/null 2>&1
	c1=$(tail -n 1 "$tmp/time" | awk '{ print $1 + $2 }')
	/usr/bin/time -o "$tmp/time" -f "%U %S %M" env "$@" "$SKCHECK" --watch -i 0.01 -c 11 -J >/dev/null 2>&1
	c11=$(tail -n 1 "$tmp/time" | awk '{ print $1 + $2 }')
	echo "$w $(awk -v a="$c1" -v b="$c11" 'BEGIN { printf "%.4f", (b - a) / 10 }') $(tail -n 1 "$tmp/time" | awk '{ print $3 }')" >"$tmp/$name"
}

declare -A RES	# SIZE:NAME -> "wall rss cpu"
bench_size() {
	local size=$1 left procs=0 n name i
	left=$size
	while [ "$left" -gt 0 ]; do
		n=$(( left > PER_PROC ? PER_PROC : left ))
		start_farm "$n"; left=$((left - n)); procs=$((procs + 1))
	done
	HOSTSOCKS[$size]=$(ss -tuaxn | tail -n +2 | wc -l)
	PROCS[$size]=$procs
	for name in "${ORDER[@]}"; do rm -f "$tmp/r.$name"; done
	for ((i = 0; i <= RUNS; i++)); do	# run 0 is the warm-up
		for name in "${ORDER[@]}"; do
			# shellcheck disable=SC2086  # CMD entries are word lists
			once "$name" ${CMD[$name]}
			[ "$i" = 0 ] && rm -f "$tmp/r.$name"
		done
	done
	for name in "${ORDER[@]}"; do
		RES[$size:$name]="$(wall "$name") $(rss "$name") $(cpu "$name")"
	done
	watch_tick w_proc SKCHECK_OWNERS=proc
	RES[$size:w_proc]=$(cat "$tmp/w_proc")
	if [ "$have_bpf" = yes ]; then
		watch_tick w_bpf SKCHECK_OWNERS=bpf
		RES[$size:w_bpf]=$(cat "$tmp/w_bpf")
	fi
	[ "$size" = "$LAST" ] && bench_netns
	stop_farms
}

# NETNS empty namespaces next to the largest size's sockets
bench_netns() {
	local i ns name
	[ "$NETNS" -gt 0 ] || return 0
	for ((i = 0; i < NETNS; i++)); do
		ns=skbench-$$-$i
		ip netns add "$ns" && namespaces+=("$ns")
		ip -n "$ns" link set lo up
	done
	bench_ns_runs ""
	# then the same namespaces each holding NSPOP sockets (a small farm,
	# as pods hold): now every TCP and UDP dump walks the shared tables
	local keep=${#pids[@]}
	for ns in "${namespaces[@]}"; do start_farm "$NSPOP" "$ns"; done
	bench_ns_runs pop
	for ((i = keep; i < ${#pids[@]}; i++)); do kill "${pids[$i]}" 2>/dev/null; done
	pids=("${pids[@]:0:$keep}")
	for ns in "${namespaces[@]}"; do ip netns del "$ns"; done
	namespaces=()
}

# bench_ns_runs KEY: time the one-shots with the namespaces as they are
# into NSRES[KEY...]
bench_ns_runs() {
	local k=$1 i
	rm -f "$tmp/r.ns_bpf" "$tmp/r.ns_proc" "$tmp/r.ns_serial" "$tmp/r.ns_ss"
	for ((i = 0; i <= RUNS; i++)); do
		if [ "$have_bpf" = yes ]; then
			# shellcheck disable=SC2086
			once ns_bpf ${CMD[bpf]}
		fi
		# shellcheck disable=SC2086
		once ns_proc ${CMD[proc]}
		# shellcheck disable=SC2086
		once ns_serial env SKCHECK_NS_THREADS=1 ${CMD[proc]}
		once ns_ss ip netns exec "${namespaces[0]}" ss -tuaxmn
		[ "$i" = 0 ] && rm -f "$tmp/r.ns_bpf" "$tmp/r.ns_proc" "$tmp/r.ns_serial" "$tmp/r.ns_ss"
	done
	NSRES[${k}bpf]="$( [ -s "$tmp/r.ns_bpf" ] && echo "$(wall ns_bpf) $(rss ns_bpf)")"
	NSRES[${k}proc]="$(wall ns_proc) $(rss ns_proc)"
	NSRES[${k}serial]="$(wall ns_serial) $(rss ns_serial)"
	NSRES[${k}ss]="$(wall ns_ss) $(rss ns_ss)"
}

# The pinned pages' cost as issue 9 states it: the largest size with 1 %
# of the sockets holding data, the one-shot with and without pinned
# pages (BPF owner join both), alternating; into PINRES.
bench_pincost() {
	local left=$LAST n i
	[ "$have_bpf" = yes ] || return 0
	while [ "$left" -gt 0 ]; do
		n=$(( left > PER_PROC ? PER_PROC : left ))
		start_farm "$n" "" 100; left=$((left - n))
	done
	rm -f "$tmp/r.pc_bpf" "$tmp/r.pc_np"
	for ((i = 0; i <= RUNS; i++)); do
		# shellcheck disable=SC2086
		once pc_bpf ${CMD[bpf]}
		# shellcheck disable=SC2086
		once pc_np ${CMD[bpf_np]}
		[ "$i" = 0 ] && rm -f "$tmp/r.pc_bpf" "$tmp/r.pc_np"
	done
	PINRES[bpf]="$(wall pc_bpf) $(cpu pc_bpf)"
	PINRES[np]="$(wall pc_np) $(cpu pc_np)"
	stop_farms
}

declare -A HOSTSOCKS PROCS NSRES PINRES
LAST=${SIZES##* }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
others=$(ps -eo comm= | grep -cE '^(cc1|cc|gcc|clang|make|ld|as)$')
for s in $SIZES; do bench_size "$s"; done
bench_pincost
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

f() { echo "${RES[$1]}" | awk -v k="$2" '{ print $k }'; }	# f SIZE:NAME FIELD
sec() { awk -v v="$1" 'BEGIN { printf "%.3f s", v }'; }
mib() { awk -v v="$1" 'BEGIN { printf "%.1f MiB", v / 1024 }'; }

echo "# skcheck benchmark results"
echo
echo "Produced by \`bench/run.sh\` (see its header) on $(date -u '+%Y-%m-%d %H:%M UTC'):"
echo "kernel $(uname -r), $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)),"
echo "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; BPF owner join: $have_bpf."
echo "Load average before/after: $load_before / $load_after; compiler processes seen at the start: $others."
echo "Wall: median of $RUNS runs after a warm-up, the commands alternating; RSS: the largest peak of those runs."
[ -z "${NOTE:-}" ] || { echo; echo "$NOTE"; }
echo
for s in $SIZES; do
	b=$(f "$s:ss" 1); bp=$(f "$s:ss_p" 1); fl=$(f "$s:floor" 1); rp=$(f "$s:ss_p" 2)
	echo "## $s sockets in ${PROCS[$s]} processes (${HOSTSOCKS[$s]} sockets on the host)"
	echo
	echo "| command | wall | CPU | peak RSS | wall / \`ss -tuaxmn\` | wall / (\`ss -tuaxmn\` + floor) | RSS / \`ss -tuaxmpn\` |"
	echo "|---|---|---|---|---|---|---|"
	for name in "${ORDER[@]}"; do
		case $name in
		ss_p) label="\`ss -tuaxmpn\`" ;;
		ss) label="\`ss -tuaxmn\`" ;;
		floor) label="floor: readlink every fd under /proc (\`bench/floor.c\`)" ;;
		bpf) label="\`skcheck --settle 0 -a\`, BPF" ;;
		bpf_json) label="\`skcheck --settle 0 -J -a -s\`, BPF" ;;
		bpf_np) label="\`skcheck --settle 0 -a --no-pinned\`, BPF owner join only" ;;
		proc) label="\`skcheck --settle 0 -a\`, no BPF" ;;
		proc_json) label="\`skcheck --settle 0 -J -a -s\`, no BPF" ;;
		esac
		w=$(f "$s:$name" 1)
		printf '| %s | %s | %s | %s | x%s | x%s | x%s |\n' "$label" "$(sec "$w")" \
			"$(sec "$(f "$s:$name" 3)")" "$(mib "$(f "$s:$name" 2)")" \
			"$(ratio "$w" "$b")" "$(ratio "$w" "$(awk -v a="$b" -v c="$fl" 'BEGIN { print a + c }')")" \
			"$(ratio "$(f "$s:$name" 2)" "$rp")"
	done
	for name in w_bpf w_proc; do
		[ -n "${RES[$s:$name]:-}" ] || continue
		one=$(f "$s:${name#w_}" 1)
		printf '| `skcheck --watch -J`, per tick, %s | %s | %s | %s | x%s of the one-shot | | x%s |\n' \
			"$([ "$name" = w_bpf ] && echo BPF || echo "no BPF (owner cache)")" \
			"$(sec "$(f "$s:$name" 1)")" "$(sec "$(f "$s:$name" 2)")" "$(mib "$(f "$s:$name" 3)")" \
			"$(ratio "$(f "$s:$name" 1)" "$one")" "$(ratio "$(f "$s:$name" 3)" "$rp")"
	done
	echo
	echo "\`ss -tuaxmpn\` takes x$(ratio "$bp" "$b") the time of \`ss -tuaxmn\` here."
	echo
done
set -- $SIZES
if [ $# -ge 2 ]; then
	echo "## Scaling (time at N / time at $1, against N / $1)"
	echo
	echo "| command | $(printf '%s | ' "$@")"
	echo "|---|$(printf -- '---|%.0s' "$@")"
	for name in "${ORDER[@]}"; do
		printf '| %s |' "$name"
		for s in "$@"; do
			printf ' x%s (x%s) |' "$(ratio "$(f "$s:$name" 1)" "$(f "$1:$name" 1)")" "$(ratio "$s" "$1")"
		done
		echo
	done
	echo
fi
# ns_table KEY TITLE: the namespace rows of bench_ns_runs KEY
ns_table() {
	local k=$1 w
	echo "## $2"
	echo
	echo "| command | wall | per extra namespace |"
	echo "|---|---|---|"
	if [ -n "${NSRES[${k}bpf]}" ]; then
		w=${NSRES[${k}bpf]% *}
		printf '| `skcheck --settle 0 -a`, BPF | %s | %s |\n' "$(sec "$w")" \
			"$(sec "$(awk -v a="$w" -v b="$(f "$LAST:bpf" 1)" -v n="$NETNS" 'BEGIN { print (a - b) / n }')")"
	fi
	w=${NSRES[${k}proc]% *}
	printf '| `skcheck --settle 0 -a`, no BPF | %s | %s |\n' "$(sec "$w")" \
		"$(sec "$(awk -v a="$w" -v b="$(f "$LAST:proc" 1)" -v n="$NETNS" 'BEGIN { print (a - b) / n }')")"
	w=${NSRES[${k}serial]% *}
	printf '| same, one namespace after the other (`SKCHECK_NS_THREADS=1`) | %s | %s |\n' "$(sec "$w")" \
		"$(sec "$(awk -v a="$w" -v b="$(f "$LAST:proc" 1)" -v n="$NETNS" 'BEGIN { print (a - b) / n }')")"
	printf '| `ss -tuaxmn` in one of the namespaces | %s | |\n' "$(sec "${NSRES[${k}ss]% *}")"
	echo
	echo "Namespaces on the thread pool (src/nsdump.c) against one after the other, no BPF: $(ratio "${NSRES[${k}proc]% *}" "$w")x."
	echo
}
if [ -n "${PINRES[bpf]:-}" ]; then
	echo "## Pinned pages' cost: $LAST sockets, 1 % of them holding data"
	echo
	echo "| command | wall | CPU |"
	echo "|---|---|---|"
	printf '| `skcheck --settle 0 -a`, BPF | %s | %s |\n' "$(sec "${PINRES[bpf]% *}")" "$(sec "${PINRES[bpf]#* }")"
	printf '| `skcheck --settle 0 -a --no-pinned`, BPF owner join only | %s | %s |\n' \
		"$(sec "${PINRES[np]% *}")" "$(sec "${PINRES[np]#* }")"
	echo
	echo "With pinned pages: x$(ratio "${PINRES[bpf]% *}" "${PINRES[np]% *}") the wall time, x$(ratio "${PINRES[bpf]#* }" "${PINRES[np]#* }") the CPU time of the run without them (the BPF load runs on a second thread, beside the dumps)."
	echo
fi
if [ "$NETNS" -gt 0 ]; then
	ns_table "" "$NETNS empty network namespaces next to the $LAST sockets"
	echo "An empty namespace's TCP and UDP dumps are not made (its sockstat counts none), so it costs about as much as its UNIX, netlink and packet dumps."
	echo
	ns_table pop "The same $NETNS namespaces holding $NSPOP sockets each (a farm per namespace)"
fi
exit 0
