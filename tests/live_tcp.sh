#!/bin/bash
# TCP: unread bytes per socket and per process are exactly what sk_helper
# queued, for IPv4 and IPv6, and agree with ss for the same inodes.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss

# check_pair LABEL FAMILY LOCAL-FMT: the helper's LABEL.rx/LABEL.tx pair
check_pair() {
	local label=$1 family=$2 fmt=$3 end ino fd port peer unread v ssq
	for end in rx tx; do
		hget ino "$label.$end" inode
		hget fd "$label.$end" fd
		hget port "$label.$end" port
		hget peer "$label.$end" peer_port
		hget unread "$label.$end" unread
		sget v "$pid" "$ino" .recv_q
		expect_eq "$label.$end recv_q" "$unread" "$v"
		ss_get ssq "$ino" recvq -t -a
		expect_eq "$label.$end recv_q vs ss Recv-Q" "$ssq" "$v"
		sget v "$pid" "$ino" .send_q
		expect_eq "$label.$end send_q (all acked)" 0 "$v"
		sget v "$pid" "$ino" .fd
		expect_eq "$label.$end fd" "$fd" "$v"
		sget v "$pid" "$ino" .proto
		expect_eq "$label.$end proto" tcp "$v"
		sget v "$pid" "$ino" .family
		expect_eq "$label.$end family" "$family" "$v"
		sget v "$pid" "$ino" .type
		expect_eq "$label.$end type" stream "$v"
		sget v "$pid" "$ino" .state
		expect_eq "$label.$end state" ESTAB "$v"
		sget v "$pid" "$ino" .local_port
		expect_eq "$label.$end local_port" "$port" "$v"
		sget v "$pid" "$ino" .peer_port
		expect_eq "$label.$end peer_port" "$peer" "$v"
		sget v "$pid" "$ino" .local
		# shellcheck disable=SC2059
		expect_eq "$label.$end local" "$(printf "$fmt" "$port")" "$v"
		sget v "$pid" "$ino" .peer
		# shellcheck disable=SC2059
		expect_eq "$label.$end peer" "$(printf "$fmt" "$peer")" "$v"
		jcheck "$label.$end owned by the helper at fd $fd" \
			'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .owners[]]
			 == [{pid: $pid, fd: $fd}]' --argjson pid "$pid" --argjson ino "$ino" --argjson fd "$fd"
	done
}

start_helper pid tcp=100000,3000
hget rx tcp.rx unread
hget tx tcp.tx unread
expect_eq "helper queued all of N" 100000 "$rx"
expect_eq "helper queued all of M" 3000 "$tx"
skj --all -s --pid "$pid"
jcheck "only the helper is listed" '[.processes[].pid] == [$pid]' --argjson pid "$pid"
pget v "$pid" .recv_q
expect_eq "process recv_q (both ends)" 103000 "$v"
pget v "$pid" .nsockets
expect_eq "process nsockets" 2 "$v"
pget v "$pid" '.sockets | length'
expect_eq "process sockets[] with --all" 2 "$v"
pget v "$pid" .send_q
expect_eq "process send_q" 0 "$v"
check_pair tcp inet '127.0.0.1:%s'
# worst first: the socket holding 100000 comes before the one holding 3000
hget ino tcp.rx inode
pget v "$pid" '.sockets[0].inode'
expect_eq "worst socket first" "$ino" "$v"

require_ipv6
start_helper pid tcp6=200000,7000
skj --all -s --pid "$pid"
pget v "$pid" .recv_q
expect_eq "tcp6 process recv_q" 207000 "$v"
check_pair tcp6 inet6 '[::1]:%s'
