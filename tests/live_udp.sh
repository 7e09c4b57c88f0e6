#!/bin/bash
# UDP: recv_q is rmem_alloc (truesize, as ss shows it), and datagrams dropped
# at a full receive buffer show up as the drops flag and skmem.drops.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss

# 10 datagrams fit the default rcvbuf; 50 into a 4096-byte one cannot.
start_helper pid udp=10,1000 udp=50,1000,4096
skj --all -s --pid "$pid"

hget ino udp.rx inode 1
hget fd udp.rx fd 1
hget port udp.rx port 1
hget rmem udp.rx rmem 1
hget drops udp.rx drops 1
expect_eq "helper: no drops with the default rcvbuf" 0 "$drops"
sget v "$pid" "$ino" .recv_q
ss_get ssq "$ino" recvq -u -a
expect_eq "udp recv_q vs ss Recv-Q" "$ssq" "$v"
expect_eq "udp recv_q vs SO_MEMINFO rmem_alloc" "$rmem" "$v"
expect_gt "udp recv_q counts truesize, more than the 10000 payload bytes" "$v" 10000
sget v "$pid" "$ino" .skmem.rmem_alloc
expect_eq "udp skmem.rmem_alloc" "$rmem" "$v"
sget v "$pid" "$ino" .fd
expect_eq "udp fd" "$fd" "$v"
sget v "$pid" "$ino" .proto
expect_eq "udp proto" udp "$v"
sget v "$pid" "$ino" .type
expect_eq "udp type" dgram "$v"
sget v "$pid" "$ino" .state
expect_eq "unconnected receiver state" UNCONN "$v"
sget v "$pid" "$ino" .local_port
expect_eq "udp local_port" "$port" "$v"
sget v "$pid" "$ino" .local
expect_eq "udp local" "127.0.0.1:$port" "$v"
sget v "$pid" "$ino" .skmem.drops
expect_eq "udp skmem.drops" 0 "$v"
jcheck "no drops flag without drops" \
	'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
	 | index("drops") == null' --argjson pid "$pid" --argjson ino "$ino"
hget tx_ino udp.tx inode 1
sget v "$pid" "$tx_ino" .state
expect_eq "connected sender state" ESTAB "$v"
sget v "$pid" "$tx_ino" .peer_port
expect_eq "sender peer_port" "$port" "$v"

# the overflowing receiver
hget ino udp.rx inode 2
hget rmem udp.rx rmem 2
hget drops udp.rx drops 2
expect_gt "helper saw drops" "$drops" 0
sget v "$pid" "$ino" .recv_q
ss_get ssq "$ino" recvq -u -a
expect_eq "overflowing udp recv_q vs ss Recv-Q" "$ssq" "$v"
expect_eq "overflowing udp recv_q vs rmem_alloc" "$rmem" "$v"
sget v "$pid" "$ino" .skmem.drops
ss_get ssd "$ino" d -u -a
expect_eq "skmem.drops vs ss d" "$ssd" "$v"
expect_eq "skmem.drops vs SO_MEMINFO drops" "$drops" "$v"
sget v "$pid" "$ino" .drops
expect_eq "socket drops" "$drops" "$v"
jcheck "drops flag on the socket" \
	'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
	 | index("drops") != null' --argjson pid "$pid" --argjson ino "$ino"
jcheck "drops flag on the process" \
	'[.processes[] | select(.pid == $pid) | .flags[]] | index("drops") != null' --argjson pid "$pid"
pget v "$pid" .drops
expect_eq "process drops" "$drops" "$v"
expect_rc "flagged process" 1

# rcvbuf-full: rmem_alloc >= rcvbuf * pct / 100, at the exact boundary
hget rcvbuf udp.rx rcvbuf 2
pct=$((rmem * 100 / rcvbuf))
has_full='[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
	| index("rcvbuf-full")'
skj --all -s --pid "$pid" --rcvbuf-pct "$pct"
jcheck "rcvbuf-full at --rcvbuf-pct $pct (rmem $rmem, rcvbuf $rcvbuf)" "$has_full != null" \
	--argjson pid "$pid" --argjson ino "$ino"
skj --all -s --pid "$pid" --rcvbuf-pct $((pct + 1))
jcheck "no rcvbuf-full at --rcvbuf-pct $((pct + 1))" "$has_full == null" \
	--argjson pid "$pid" --argjson ino "$ino"
