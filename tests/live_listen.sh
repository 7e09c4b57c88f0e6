#!/bin/bash
# TCP listener nobody accepts from: accept queue length and limit, the
# accept-full flag, and the unread bytes of queued connections (inode 0,
# not owned by any fd yet) credited to the listener's process.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss

# summary totals over what was selected (the "selected" block when the
# summary also carries host-wide totals)
SUMMARY='(.summary.selected // .summary)'

# ss_pending PORT: unread bytes of established, not yet accepted (ino:0)
# connections on local port PORT, summed
ss_pending() {
	ss -tn -e state established "( sport = :$1 )" |
		awk '/ ino:0 / { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { s += $i; break } }
		     END { print s + 0 }'
}

check_listener() {
	local backlog=$1 conns=$2 bytes=$3 want_full=$4
	local lino port acceptq pending with_data v ssv
	start_helper pid "listen=$backlog,$conns,$bytes"
	hget lino listen inode
	hget port listen port
	hget acceptq listen acceptq
	hget pending listen pending_bytes
	expect_eq "helper made $conns clients" "$conns" "$(hcount listen.client)"
	with_data=$(awk -v b="$bytes" '$1 == "listen.client" && $NF == "delivered=" b' "$SK_CUR" | wc -l)
	expect_eq "pending bytes = $bytes x queued connections with data" $((bytes * with_data)) "$pending"
	expect_eq "every queued connection carried data" "$acceptq" "$with_data"
	expect_eq "pending bytes vs ss (ino:0 on port $port)" "$(ss_pending "$port")" "$pending"
	ss_get ssv "$lino" recvq -t -l
	expect_eq "ss listener Recv-Q = accept queue" "$acceptq" "$ssv"

	skj --all -s --pid "$pid"
	sget v "$pid" "$lino" .state
	expect_eq "listener state" LISTEN "$v"
	sget v "$pid" "$lino" .accept_q
	expect_eq "listener accept_q" "$acceptq" "$v"
	sget v "$pid" "$lino" .accept_max
	expect_eq "listener accept_max" "$backlog" "$v"
	ss_get ssv "$lino" sendq -t -l
	expect_eq "accept_max vs ss Send-Q" "$ssv" "$v"
	sget v "$pid" "$lino" .pending_bytes
	expect_eq "listener pending_bytes" "$pending" "$v"
	pget v "$pid" .recv_q
	expect_eq "process recv_q includes pending bytes" "$pending" "$v"
	pget v "$pid" .accept_q
	expect_eq "process accept_q" "$acceptq" "$v"
	jget v "$SUMMARY.recv_q"
	expect_eq "summary recv_q" "$pending" "$v"
	jget v "$SUMMARY.accept_q"
	expect_eq "summary accept_q" "$acceptq" "$v"
	if [ "$want_full" = yes ]; then
		expect_gt "accept queue over its limit" "$acceptq" "$backlog"
		jcheck "accept-full flag on the listener" \
			'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
			 | index("accept-full") != null' --argjson pid "$pid" --argjson ino "$lino"
		jcheck "accept-full flag on the process" \
			'[.processes[] | select(.pid == $pid) | .flags[]] | index("accept-full") != null' \
			--argjson pid "$pid"
		expect_rc "flagged" 1
	else
		jcheck "no accept-full flag below the limit" \
			'[.processes[] | select(.pid == $pid) | .sockets[] | .flags[]]
			 | index("accept-full") == null' --argjson pid "$pid"
	fi
}

# backlog 1 holds 2 connections (full means > limit: sk_acceptq_is_full),
# the other 2 clients stay in SYN-SENT
check_listener 1 4 500 yes
check_listener 5 2 300 no
