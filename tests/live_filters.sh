#!/bin/bash
# Filters select what they should: --port (local or peer), protocols
# (-t -u -x --proto), --comm, --min-bytes (with K suffix).
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

start_helper a comm=skfiltA tcp=1000,2000 udp=3,100 unix-stream=3000
hget a_tcp_rx tcp.rx inode
hget a_tcp_tx tcp.tx inode
hget a_rx_port tcp.rx port
hget a_tx_port tcp.tx port
hget a_udp_rx udp.rx inode
hget a_udp_tx udp.tx inode
hget a_udp_rmem udp.rx rmem
hget a_ux_rx ustream.rx inode
hget a_ux_tx ustream.tx inode
start_helper b comm=skfiltB tcp=100,0
hget b_tcp_rx tcp.rx inode
hget b_tcp_tx tcp.tx inode

# expect_sockets DESC INODE... -- SKCHECK-ARGS...: exactly these sockets listed
expect_sockets() {
	local desc=$1 want=() got
	shift
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	skj --all -s --pid "$a,$b" "$@"
	got=$(jq -c '[.processes[].sockets[].inode] | sort' "$SK_OUT")
	expect_eq "$desc ($*)" "$(printf '%s\n' "${want[@]}" | jq -sc 'sort')" "$got"
}
expect_sockets "no filter" "$a_tcp_rx" "$a_tcp_tx" "$a_udp_rx" "$a_udp_tx" "$a_ux_rx" "$a_ux_tx" \
	"$b_tcp_rx" "$b_tcp_tx" --
expect_sockets "local port of one, peer port of the other" "$a_tcp_rx" "$a_tcp_tx" -- --port "$a_rx_port"
expect_sockets "same pair by the other port" "$a_tcp_rx" "$a_tcp_tx" -- -P "$a_tx_port"
expect_sockets "tcp" "$a_tcp_rx" "$a_tcp_tx" "$b_tcp_rx" "$b_tcp_tx" -- -t
expect_sockets "tcp" "$a_tcp_rx" "$a_tcp_tx" "$b_tcp_rx" "$b_tcp_tx" -- --proto tcp
expect_sockets "udp" "$a_udp_rx" "$a_udp_tx" -- -u
expect_sockets "udp" "$a_udp_rx" "$a_udp_tx" -- --proto udp
expect_sockets "unix" "$a_ux_rx" "$a_ux_tx" -- -x
expect_sockets "unix" "$a_ux_rx" "$a_ux_tx" -- --proto unix
expect_sockets "udplite: none" -- -U
expect_sockets "udp and unix" "$a_udp_rx" "$a_udp_tx" "$a_ux_rx" "$a_ux_tx" -- --proto udp,unix
expect_sockets "tcp and udp" "$a_tcp_rx" "$a_tcp_tx" "$b_tcp_rx" "$b_tcp_tx" "$a_udp_rx" "$a_udp_tx" -- -t -u
expect_sockets "unix and port" -- -x --port "$a_rx_port"

# expect_pids DESC PID... -- SKCHECK-ARGS...: exactly these processes listed
expect_pids() {
	local desc=$1 want=() got
	shift
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	skj --pid "$a,$b" "$@"
	got=$(jq -c '[.processes[].pid] | sort' "$SK_OUT")
	expect_eq "$desc ($*)" "$(printf '%s\n' "${want[@]}" | jq -sc 'sort')" "$got"
}
expect_pids "--comm" "$a" -- --comm skfiltA
expect_pids "-C" "$b" -- -C skfiltB
expect_pids "--comm list" "$a" "$b" -- --comm skfiltA,skfiltB
expect_pids "-C repeated" "$a" "$b" -- -C skfiltA -C skfiltB
expect_pids "--comm is exact, not a prefix" -- --comm skfilt

skj --pid "$a"
pget a_total "$a" .recv_q
expect_eq "A's recv_q" $((1000 + 2000 + a_udp_rmem + 3000)) "$a_total"
expect_pids "--min-bytes at A's total" "$a" -- --min-bytes "$a_total"
expect_pids "--min-bytes above A's total" -- --min-bytes $((a_total + 1))
expect_pids "--min-bytes at B's total" "$a" "$b" -- --min-bytes 100
expect_pids "--min-bytes above B's total" "$a" -- -m 101
expect_pids "--min-bytes 1K = 1024" "$a" -- --min-bytes 1K
expect_pids "--min-bytes 1M" -- --min-bytes 1M
