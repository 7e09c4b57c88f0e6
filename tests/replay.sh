#!/bin/bash
# Golden outputs of one recorded host.  The real skcheck binary replays
# the sock_diag dumps in tests/data (SKCHECK_NL_REPLAY) against a fake
# /proc tree built here for the helper process that held those sockets
# (SKCHECK_PROC_ROOT): no root, no running kernel's sockets, the same
# bytes every time.  The table, -s, JSON and Prometheus outputs must
# equal tests/expected/replay.*; the numbers tests/data/README documents
# are checked on their own as well, so a regenerated golden file cannot
# quietly carry a wrong figure.
#   SKCHECK_UPDATE_GOLDEN=1 tests/replay.sh   rewrites tests/expected/
# (then review the diff: it is the change in what users see).
set -u
srcdir=$(cd -- "${TESTS_SRCDIR:-$(dirname -- "$0")}" && pwd)
data=$(cd -- "${TESTS_DATADIR:-$srcdir/data}" && pwd)
expected=$srcdir/expected
SKCHECK=${SKCHECK:-$srcdir/../src/skcheck}
[ -x "$SKCHECK" ] || { echo "ERROR: no skcheck at $SKCHECK"; exit 99; }
command -v jq >/dev/null || { echo "ERROR: jq is needed (tools/dev.sh installs it)"; exit 99; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/skcheck-replay.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

# --- the recorded host (tests/data/README) -------------------------------
NETNS=4026532177
PID=8586
mkdir -p "$tmp/rec" "$tmp/proc/$PID/fd" "$tmp/proc/$PID/ns" "$tmp/proc/self/ns" \
	"$tmp/proc/net" "$tmp/netns"
for p in tcp4 tcp6 udp4 unix; do
	ln -s "$data/$p.nl" "$tmp/rec/$NETNS-$p.nl"
done
ln -s "net:[$NETNS]" "$tmp/proc/$PID/ns/net"
ln -s "net:[$NETNS]" "$tmp/proc/self/ns/net"	# skcheck ran in it
printf 'sk_helper\n' >"$tmp/proc/$PID/comm"
printf '/tmp/skh\0tcp=100000,3000\0tcp6=20000,700\0udp=10,1000\0' >"$tmp/proc/$PID/cmdline"
printf '0::/\n' >"$tmp/proc/$PID/cgroup"
for fd in 0 1 2; do ln -s /dev/null "$tmp/proc/$PID/fd/$fd"; done
# fd inode, as the helper printed them
while read -r fd ino; do
	ln -s "socket:[$ino]" "$tmp/proc/$PID/fd/$fd"
done <<'FDS'
3 14696
4 14691
5 14692
6 14694
7 14695
8 14697
9 14698
11 14699
12 14706
13 14701
14 14702
15 14704
16 14705
17 14707
18 14708
19 14709
20 14710
21 14711
22 14712
FDS
cat >"$tmp/proc/net/sockstat" <<'SS'
sockets: used 40
TCP: inuse 7 orphan 0 tw 0 alloc 9 mem 2
UDP: inuse 4 mem 3
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
SS
cat >"$tmp/proc/net/netstat" <<'NS'
TcpExt: SyncookiesSent ListenOverflows ListenDrops
TcpExt: 0 2 2
NS
# host memory: a recorded /proc/meminfo and /proc/zoneinfo (tests/data/README)
cp "$data/meminfo/6.18-pair-meminfo" "$tmp/proc/meminfo"
cp "$data/meminfo/6.18-pair-zoneinfo" "$tmp/proc/zoneinfo"

run() {
	LC_ALL=C COLUMNS=160 SKCHECK_PROC_ROOT="$tmp/proc" SKCHECK_NL_REPLAY="$tmp/rec" \
		SKCHECK_NETNS_DIR="$tmp/netns" "$SKCHECK" --settle 0 "$@"
}

# --- outputs, with what changes from run to run masked ---------------------
run -a >"$tmp/table" 2>"$tmp/err"; rc_table=$?
run -a -s -b >"$tmp/sockets" 2>>"$tmp/err"
run -a -J 2>>"$tmp/err" | jq -S '.version = "VERSION"
	| .summary.time = "TIME" | .summary.duration = 0 | .summary.why_duration = 0
	| .processes[].uid = 0' >"$tmp/json"
run -a --prometheus 2>>"$tmp/err" | sed -E \
	-e 's/^(skcheck_scan_duration_seconds) .*/\1 0/' \
	-e 's/^(skcheck_scrape_duration_seconds) .*/\1 0/' \
	-e 's/^(skcheck_build_info\{version=)"[^"]*"/\1"VERSION"/' \
	-e 's/^(skcheck_last_sample_timestamp_seconds) .*/\1 0/' >"$tmp/prom"

[ -s "$tmp/err" ] && { echo "FAIL: skcheck wrote to stderr:"; cat "$tmp/err"; fail=1; }
[ "$rc_table" = 1 ] || { echo "FAIL: exit status $rc_table, expected 1 (flags set)"; fail=1; }

# --- the documented figures, independent of the golden files --------------
check() {
	local what=$1 want=$2 got
	got=$(jq -r "$3" "$tmp/json")
	if [ "$got" = "$want" ]; then
		echo "ok: $what = $got"
	else
		echo "FAIL: $what: expected $want, got $got"
		fail=1
	fi
}
p=".processes[] | select(.pid == $PID)"
check "helper: sockets recv_q send_q mem drops" "19 160362 11010 173148 25" \
	"$p | \"\(.nsockets) \(.recv_q) \(.send_q) \(.mem) \(.drops)\""
check "helper: flags" "drops,accept-full" "$p | .flags | join(\",\")"
check "host: sockets (queued connections included)" 21 ".summary.sockets.total"
check "host recv_q = helper's (each byte once)" 160362 ".summary.recv_q"
check "listener: accept queue, pending bytes" "2/1 1000" \
	"$p | .sockets[] | select(.inode == 14708) | \"\(.accept_q)/\(.accept_max) \(.pending_bytes)\""
check "namespace: current, scanned" "true true" \
	".summary.namespaces[0] | \"\(.current) \(.scanned)\""

# the process states of the Prometheus output do not overlap: they add
# up to the processes scanned, and the one-shot --settle 0 has no stall
# series (not measured) and a stall window of 0
got=$(awk '/^skcheck_processes\{/ { n += $2 } END { print n + 0 }' "$tmp/prom")
want=$(jq -r .summary.processes.scanned "$tmp/json")
if [ "$got" = "$want" ] && [ "$want" -gt 0 ]; then
	echo "ok: sum(skcheck_processes) = $got processes scanned"
else
	echo "FAIL: sum(skcheck_processes) = $got, $want processes scanned"
	fail=1
fi
if grep -q '^skcheck_[a-z_]*stalled' "$tmp/prom" || ! grep -qx 'skcheck_stall_window_seconds 0' "$tmp/prom"; then
	echo "FAIL: --settle 0 exports stall series or no window of 0: $(grep stall "$tmp/prom")"
	fail=1
else
	echo "ok: --settle 0: no stall series, skcheck_stall_window_seconds 0"
fi

# --- golden files ---------------------------------------------------------
for f in table sockets json prom; do
	want=$expected/replay.$f
	if [ -n "${SKCHECK_UPDATE_GOLDEN:-}" ]; then
		cp "$tmp/$f" "$want"
		echo "updated $want"
	elif diff -u "$want" "$tmp/$f"; then
		echo "ok: $f output equals $(basename "$want")"
	else
		echo "FAIL: $f output differs from $want (diff above)"
		fail=1
	fi
done
exit "$fail"
