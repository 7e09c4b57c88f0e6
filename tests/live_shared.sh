#!/bin/bash
# A socket shared by two processes after fork: listed under both, with both
# owners, and counted once in the summary totals.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

SUMMARY='(.summary.selected // .summary)'

start_helper pid tcp=200000,1000 fork
hget child child pid
hget rx tcp.rx inode
hget rx_fd tcp.rx fd
hget tx tcp.tx inode
hget tx_fd tcp.tx fd
total=201000

skj --all -s --pid "$pid,$child"
jcheck "both processes listed" '[.processes[].pid] | sort == ([$a, $b] | sort)' \
	--argjson a "$pid" --argjson b "$child"
for p in "$pid" "$child"; do
	sget v "$p" "$rx" .recv_q
	expect_eq "pid $p lists the socket" 200000 "$v"
	sget v "$p" "$rx" .fd
	expect_eq "pid $p fd" "$rx_fd" "$v"
	pget v "$p" .recv_q
	expect_eq "pid $p recv_q" "$total" "$v"
	pget v "$p" .nsockets
	expect_eq "pid $p nsockets" 2 "$v"
	jcheck "pid $p: rx socket owners are both processes" \
		'[.processes[] | select(.pid == $p) | .sockets[] | select(.inode == $ino) | .owners[]]
		 | sort_by(.pid) == ([{pid: $a, fd: $fd}, {pid: $b, fd: $fd}] | sort_by(.pid))' \
		--argjson p "$p" --argjson ino "$rx" --argjson a "$pid" --argjson b "$child" \
		--argjson fd "$rx_fd"
	jcheck "pid $p: tx socket owners are both processes" \
		'[.processes[] | select(.pid == $p) | .sockets[] | select(.inode == $ino) | .owners[]]
		 | sort_by(.pid) == ([{pid: $a, fd: $fd}, {pid: $b, fd: $fd}] | sort_by(.pid))' \
		--argjson p "$p" --argjson ino "$tx" --argjson a "$pid" --argjson b "$child" \
		--argjson fd "$tx_fd"
done
jget both_recv "$SUMMARY.recv_q"
expect_eq "summary recv_q counts the shared sockets once" "$total" "$both_recv"
jget v "$SUMMARY.mem"
both_mem=$v
jget v "$SUMMARY.sockets.total"
expect_eq "summary sockets counts the shared sockets once" 2 "$v"

for p in "$pid" "$child"; do
	skj --all -s --pid "$p"
	jcheck "only pid $p listed" '[.processes[].pid] == [$p]' --argjson p "$p"
	jget v "$SUMMARY.recv_q"
	expect_eq "summary recv_q with only pid $p" "$both_recv" "$v"
	jget v "$SUMMARY.mem"
	expect_eq "summary mem with only pid $p" "$both_mem" "$v"
	# the other owner is still named, though not listed
	jcheck "pid $p: owners still name both processes" \
		'[.processes[] | select(.pid == $p) | .sockets[] | select(.inode == $ino) | .owners[].pid]
		 | sort == ([$a, $b] | sort)' \
		--argjson p "$p" --argjson ino "$rx" --argjson a "$pid" --argjson b "$child"
done

# the table marks shared sockets: OWNERS (after FD) says how many
# processes hold each one, in every row with -r
sk --all -s -r --pid "$pid,$child" -o PID,FD,OWNERS,INODE
n=$(awk -v a="$rx" -v b="$tx" '($4 == a || $4 == b) && $3 == 2' "$SK_OUT" | wc -l)
expect_eq "rows of the two shared sockets with OWNERS 2 (under both processes)" 4 "$n"
sk -s --pid "$pid"
grep -Eq '^ +PID +COMM .*SOCKETS +FD +OWNERS ' "$SK_OUT" || fail "no OWNERS column after FD by default: $(head -n 12 "$SK_OUT")"
grep -Eq " $rx_fd +2 tcp " "$SK_OUT" || fail "socket row of fd $rx_fd does not say 2 owners: $(cat "$SK_OUT")"
ok "default -s columns mark the shared socket: OWNERS 2"
