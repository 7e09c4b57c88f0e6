#!/bin/bash
# A command name with an escape sequence and a newline (anyone can set
# their comm) is escaped in table output and exact in valid JSON.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

comm=$'\x1b[31mev\nname'	# 13 bytes: within TASK_COMM_LEN
start_helper pid "comm=$comm" tcp=5000,0
[ "$(cat "/proc/$pid/comm")" = "$comm" ] || hard_error "helper comm not set"

skj --pid "$pid"
jcheck "JSON comm is the exact name" '.processes[] | select(.pid == $pid) | .comm == $comm' \
	--argjson pid "$pid" --arg comm "$comm"

# Table and raw output: hex-escaped once, the util-linux way (ESC -> \x1b,
# newline -> \x0a), so a terminal shows the name and runs nothing.
shown='\x1b[31mev\x0aname'
for mode in "" -r; do
	sk --pid "$pid" --no-summary $mode
	expect_rc "table ${mode:-(aligned)}" 0
	if LC_ALL=C grep -q $'\x1b' "$SK_OUT"; then
		fail "raw ESC byte in table $mode output: $(od -c "$SK_OUT" | grep -m1 033)"
	fi
	grep -q '^[[:space:]]*name' "$SK_OUT" && fail "raw newline from comm in table $mode output"
	grep -q "^[[:space:]]*$pid " "$SK_OUT" || fail "table $mode has no row for $pid"
	row=$(grep "^[[:space:]]*$pid " "$SK_OUT")
	[[ $row == *" $shown "* ]] || fail "table $mode row '$row' does not show comm as '$shown'"
	ok "comm escaped once in table ${mode:-(aligned)} output"
done

# --comm matches the real name, not its escaped form
skj --all --pid "$pid" --comm "$comm"
jcheck "--comm with the real name selects it" '[.processes[].pid] == [$pid]' --argjson pid "$pid"
skj --all --pid "$pid" --comm "$shown"
jcheck "--comm with the escaped text does not" '.processes == []'
