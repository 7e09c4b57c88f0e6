#!/bin/bash
# Process order follows --sort KEY (largest first), and --top N cuts the list.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

# A: the most unread bytes, nothing else.
start_helper a tcp=300000,0
# B: fewer unread bytes, but more memory (1000 unix datagrams are charged to
# the sender, which is also its send queue), drops and sockets.
start_helper b tcp=10000,0 unix-dgram=1000,1000 udp=20,1000,2048
hget n udgram.rx datagrams
expect_eq "helper B queued all datagrams" 1000 "$n"
hget d udp.rx drops
expect_gt "helper B has drops" "$d" 0

# check_order KEY FIELD FIRST SECOND
check_order() {
	local key=$1 field=$2
	skj --all --pid "$a,$b" ${key:+--sort "$key"}
	jcheck "--sort ${key:-(default)}: order $3, $4" '[.processes[].pid] == [$x, $y]' \
		--argjson x "$3" --argjson y "$4"
	jcheck "--sort ${key:-(default)}: $field strictly decreasing" \
		"[.processes[].$field] | .[0] > .[1]"
}
check_order "" recv_q "$a" "$b"
check_order recv_q recv_q "$a" "$b"
check_order send_q send_q "$b" "$a"
check_order mem mem "$b" "$a"
check_order drops drops "$b" "$a"
check_order sockets nsockets "$b" "$a"

skj --pid "$a,$b" --top 1
jcheck "--top 1 lists one process, the top one by recv_q" '[.processes[].pid] == [$a]' \
	--argjson a "$a"
skj --all --pid "$a,$b" --top 1 --sort mem
jcheck "--all --top 1 --sort mem lists the top one by mem" '[.processes[].pid] == [$b]' \
	--argjson b "$b"
skj --all --pid "$a,$b" -N 0
jcheck "-N 0: no limit" '.processes | length == 2'

# the table follows the same order
sk --all --pid "$a,$b" --sort mem -n -r -o PID
expect_rc "table run (B has drops: flagged)" 1
expect_eq "table order with --sort mem" "$b $a" "$(awk '{ print $1 }' "$SK_OUT" | paste -sd " ")"
sk --all --pid "$a,$b" -n -r -o PID
expect_rc "table run" 1
expect_eq "table order by default" "$a $b" "$(awk '{ print $1 }' "$SK_OUT" | paste -sd " ")"
