#!/bin/bash
# The top-like --watch screen in a real terminal: a tmux pane of a fixed
# size runs skcheck --watch on a helper's 30 unread TCP sockets; the test
# types keys (sort, -s and summary toggles, scrolling, help, q), resizes
# the pane to 80x20 and asserts on what the pane shows: header and column
# titles on top, rows cut to the screen with an "N more" line, no wrapped
# rows, typed letters not echoed, q and SIGTERM restoring the terminal
# (no alternate screen left, stty settings as before).
# Variables are set by start_helper (printf -v).
# shellcheck disable=SC2154
. "$(dirname -- "$0")/lib.sh"
command -v tmux >/dev/null 2>&1 || skip "tmux not installed"

# manysocks: 30 loopback pairs, 1001..1030 unread bytes on the accepted
# ends and 2030..2001 on the connecting ends (60 sockets, ~91K);
# bigone: one pair with 150000 unread bytes (2 sockets). By recv_q bigone
# ranks first, by number of sockets manysocks does.
specs=(comm=manysocks)
for i in $(seq 1 30); do specs+=("tcp=$((1000 + i)),$((2031 - i))"); done
start_helper pid "${specs[@]}"
start_helper big comm=bigone tcp=150000,0

export TMUX_TMPDIR=$SK_TMP	# the server's socket dies with the test
TM=(tmux -L "skcheck-screen-$$" -f /dev/null)
trap 'rc=$?; timeout 5 "${TM[@]}" kill-server 2>/dev/null; (exit $rc); sk_cleanup' EXIT

# the pane's script: terminal settings before and after, then the status
cat >"$SK_TMP/run.sh" <<EOF
stty -g >"$SK_TMP/stty.before"
echo \$\$ >"$SK_TMP/shell.pid"
"$SKCHECK" --watch -i 0.5 --window 1 -s -p $pid,$big
echo "RC=\$?"
stty -g >"$SK_TMP/stty.after"
EOF

pane() { timeout 5 "${TM[@]}" capture-pane -p -J -t sk "$@"; }
# wait_pane DESC ERE [SECONDS]: until a line of the pane matches
wait_pane() {
	local end
	sk_deadline end "${3:-10}"
	while [ "$(date +%s%N)" -lt "$end" ]; do
		pane | grep -Eq -- "$2" && { ok "$1"; return 0; }
		sleep 0.1
	done
	fail "$1: no line matching '$2' after ${3:-10} s; pane:
$(pane)"
}
# wait_for DESC CMD...: until CMD succeeds (10 s)
wait_for() {
	local desc=$1 end
	shift
	sk_deadline end 10
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && { ok "$desc"; return 0; }
		sleep 0.1
	done
	fail "$desc: not after 10 s; pane:
$(pane)"
}
# the header on line 1 and a more-line at the bottom, within 20 lines
resized() {
	local p
	p=$(pane)
	head -n 1 <<<"$p" | grep -Eq '^skcheck [0-9T:-]+Z +sample ' &&
		tail -n 1 <<<"$p" | grep -Eq '^-- [0-9]+ more' && [ "$(wc -l <<<"$p")" -le 20 ]
}
# the command of the first process row on the screen
first_proc() { pane | grep -Eo '^ *[0-9]+ (bigone|manysocks) ' | head -n 1 | awk '{ print $2 }'; }
# first_is DESC COMM: wait until COMM is the first process row
first_is() {
	local end
	sk_deadline end 10
	while [ "$(date +%s%N)" -lt "$end" ]; do
		[ "$(first_proc)" = "$2" ] && { ok "$1: $2 ranks first"; return 0; }
		sleep 0.1
	done
	fail "$1: first process row is '$(first_proc)', expected $2; pane:
$(pane)"
}
keys() { timeout 5 "${TM[@]}" send-keys -t sk "$@" || fail "tmux send-keys $*"; }
alt_screen() { timeout 5 "${TM[@]}" display-message -p -t sk '#{alternate_on}'; }
# the skcheck running in the pane (the pane's shell's child)
sk_pid() { pgrep -P "$(cat "$SK_TMP/shell.pid")" -x skcheck; }
# assert_top: line 1 is the header, line 2 the key line, titles on top
assert_top() {
	local p
	p=$(pane)
	head -n 1 <<<"$p" | grep -Eq '^skcheck [0-9T:-]+Z +sample [0-9]+ ' ||
		fail "$1: first line is not the header:
$p"
	sed -n 2p <<<"$p" | grep -q '^sort: ' || fail "$1: second line is not the key line:
$p"
	ok "$1: header on top"
}
# no line of the pane is wider than it (capture -J joins wrapped lines)
assert_no_wrap() {
	local w
	w=$(pane | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
	[ "$w" -le "$1" ] || fail "a row wrapped: $w columns in a $1-column pane:
$(pane -N)"
	ok "no line wider than $1 columns ($w)"
}

timeout 5 "${TM[@]}" new-session -d -s sk -x 120 -y 50 \
	"env PS1='skprompt\$ ' bash --norc --noprofile" || fail "tmux new-session"
wait_pane "the pane's shell is up" '^skprompt\$'
keys "bash $SK_TMP/run.sh" Enter
wait_pane "the screen shows the helper's process row" "^ *$pid manysocks "
assert_top "120x50"
# the diagnosis under the key line: once the window has passed, bigone's
# never-read 150000 bytes are the worst finding
wait_for "the diagnosis line names bigone's stalled reader" \
	eval 'pane | sed -n 3p | grep -Eq "^bigone\[$big\] 146K unread on 127\.0\.0\.1:[0-9]+ for >=[0-9hms]+ \(stalled"'
# in red (ncurses colour, --color auto on a terminal); no raw escape
# sequences in the text itself
pane -e | sed -n 3p | grep -q $'\e\\[[0-9;]*31m' ||
	fail "the diagnosis line is not red: $(pane -e | sed -n 3p | cat -v)"
pane | grep -q $'\e' && fail "escape sequences in the pane's text: $(pane | cat -v | head)"
ok "the diagnosis line is red"
[ "$(alt_screen)" = 1 ] || fail "the screen mode does not use the alternate screen"
ok "alternate screen on"
pane | grep -Eq '^ +PID +COMM ' || fail "no column titles"
# the never-read sockets stall after the 1 s window: their stall-begin
# events end the body (looked at first, before other tests' events can
# push them out of the last 8)
sk_deadline end 10
until pane | grep -Eq "stall-begin pid=($pid|$big) "; do
	[ "$(date +%s%N)" -lt "$end" ] || fail "no stall-begin of the helpers at the end of the rows:
$(pane)"
	keys End	# again: the body grows as events come in
	sleep 0.3
done
ok "a stall-begin of the helpers among the recent events"
keys Home

# --- sort keys -----------------------------------------------------------------
first_is "sorted by recv_q" bigone
keys n
wait_pane "n sorts by number of sockets" '^sort: sockets '
first_is "sorted by sockets" manysocks
keys t
wait_pane "t sorts by send_q" '^sort: send_q '
keys m
wait_pane "m sorts by memory" '^sort: mem '
keys p
wait_pane "p sorts by pinned pages" '^sort: pinned '
keys r
wait_pane "r sorts by recv_q" '^sort: recv_q '
first_is "sorted by recv_q again" bigone

# --- typed letters are not echoed ----------------------------------------------
keys zzzz x y 'zz' Escape
sleep 0.7
if pane | grep -q 'zz'; then fail "typed letters appear on the screen:
$(pane)"; fi
ok "typed letters not echoed"
sk_pid >/dev/null || fail "skcheck ended after unknown keys"

# --- toggles ---------------------------------------------------------------------
keys s
wait_pane "s shows processes only" '^sort: recv_q +view: processes'
sleep 0.7	# one more sample, drawn in the new view
if pane | grep -Eq ' tcp +ESTAB '; then fail "socket rows after s:
$(pane)"; fi
ok "no socket rows after s"
keys s
wait_pane "s again shows the sockets" ' tcp +ESTAB '
pane | grep -q '^sockets: ' || fail "no summary before S"
keys S
sk_deadline end 5
while pane | grep -q '^sockets: '; do
	[ "$(date +%s%N)" -lt "$end" ] || fail "S did not hide the summary:
$(pane)"
	sleep 0.1
done
ok "S hides the summary"
keys S
wait_pane "S shows it again" '^sockets: '

# --- resize: rows cut to the screen, header stays on top ----------------------------
timeout 5 "${TM[@]}" resize-window -t sk -x 80 -y 20 || fail "tmux resize-window"
wait_for "redrawn for 80x20: header on top, '-- N more --' at the bottom" resized
assert_top "80x20"
assert_no_wrap 80
lines=$(pane | wc -l)
[ "$lines" -le 20 ] || fail "pane shows $lines lines in 20 rows"
n=$(pane | sed -n 's/^-- \([0-9]*\) more --.*/\1/p')
[[ $n =~ ^[0-9]+$ ]] || fail "no single '-- N more --' line: '$n'"
shown=$(pane | grep -Ec ' tcp +ESTAB ')
# the helper's 30 sockets are all listed: what is shown plus what is
# left (process row and other rows) adds up to at least 30
[ $((n + shown)) -ge 30 ] || fail "$shown socket rows shown + $n more < 30 sockets"
# a long summary gives way to the rows (half the room under the header)
[ "$shown" -ge 3 ] || fail "only $shown socket rows at 80x20:
$(pane)"
ok "$shown socket rows shown, $n more"
# above the titles: the summary's closing empty line (shown whole) or
# the note that says it was cut
above=$(pane | awk '/^ +PID +COMM / { print prev; exit } { prev = $0 }' | sed 's/[[:space:]]*$//')
case $above in
"" | "-- "[0-9]*" more summary lines (S hides the summary) --") ;;
*) fail "the summary is cut without a note (line above the titles: '$above'):
$(pane)" ;;
esac
ok "the summary is whole or says it was cut ('$above')"
pane | grep -Eq '^ +PID +COMM ' || fail "column titles gone after resize:
$(pane)"
ok "column titles on top at 80x20"

# --- sideways: columns past the right edge -------------------------------------------
# the socket view is wider than 80 columns; Right brings RECV-Q in
if ! pane | grep -Eq '^ +PID +COMM .*RECV-Q'; then
	sk_deadline end 10
	until pane | grep -Eq '^ *(PID +)?.*RECV-Q'; do
		[ "$(date +%s%N)" -lt "$end" ] || fail "Right never showed RECV-Q:
$(pane)"
		keys Right
		sleep 0.2
	done
	ok "Right scrolls the columns to RECV-Q"
	assert_top "scrolled sideways"
	pane | grep -Eq '^ +PID +COMM ' && fail "the titles did not move with the rows"
	keys Home
	wait_pane "Home goes back to the first column" '^ +PID +COMM '
fi

# --- scrolling -------------------------------------------------------------------
keys End
wait_pane "End scrolls to the last rows" '^-- 0 more \(scrolled'
assert_top "after End"
pane | grep -Eq '^ +PID +COMM ' || fail "column titles scrolled away"
ok "column titles stay when scrolled"
keys Home
wait_pane "Home goes back to the top" "^ *$big bigone "
keys NPage
wait_pane "PgDn scrolls" '^-- [0-9]+ more \(scrolled'
keys PPage
wait_pane "PgUp scrolls back" "^ *$big bigone "
keys Down Down
wait_pane "Down scrolls" 'scrolled'
keys Up Up

# --- help ----------------------------------------------------------------------------
keys h
wait_pane "h shows the keys" 'sort by socket memory'
sleep 0.7
pane | grep -q 'Keys:' || fail "the help went away at the next sample"
pane | head -n 1 | grep -Eq '^skcheck [0-9T:-]+Z +sample ' || fail "no header above the help"
ok "header above the help"
keys h
sk_deadline end 5
while pane | grep -q 'Keys:'; do
	[ "$(date +%s%N)" -lt "$end" ] || fail "h did not close the help"
	sleep 0.1
done
ok "h again closes the help"

# --- q: quits, terminal restored ---------------------------------------------------------
keys q
wait_pane "q ends skcheck with status 0/1" '^RC=[01]$' 5
wait_pane "the shell prompt is back" '^skprompt\$ $'
[ "$(alt_screen)" = 0 ] || fail "the alternate screen is still on after q"
ok "alternate screen off after q"
cmp -s "$SK_TMP/stty.before" "$SK_TMP/stty.after" ||
	fail "terminal settings changed: $(cat "$SK_TMP/stty.before") -> $(cat "$SK_TMP/stty.after")"
ok "stty settings restored after q"

# --- SIGTERM: ends within an interval, terminal restored ------------------------------
keys clear Enter
rm -f "$SK_TMP/stty.after"
keys "bash $SK_TMP/run.sh" Enter
wait_pane "the screen again" "^ *$pid manysocks "
spid=$(sk_pid) || fail "no skcheck under the pane's shell"
kill -TERM "$spid"
wait_pane "SIGTERM ends it (status 0/1, as live_watch.sh)" '^RC=[01]$' 3
wait_pane "the shell prompt is back after SIGTERM" '^skprompt\$ $'
[ "$(alt_screen)" = 0 ] || fail "the alternate screen is still on after SIGTERM"
ok "alternate screen off after SIGTERM"
cmp -s "$SK_TMP/stty.before" "$SK_TMP/stty.after" ||
	fail "terminal settings changed by SIGTERM"
ok "stty settings restored after SIGTERM"

# --- ^C typed in the terminal: SIGINT still works in the screen mode -------------
keys clear Enter
rm -f "$SK_TMP/stty.after"
keys "bash $SK_TMP/run.sh" Enter
wait_pane "the screen once more" "^ *$pid manysocks "
keys C-c
wait_for "^C ends it: the shell prompt is back" test -s "$SK_TMP/stty.after"
[ "$(alt_screen)" = 0 ] || fail "the alternate screen is still on after ^C"
ok "alternate screen off after ^C"
cmp -s "$SK_TMP/stty.before" "$SK_TMP/stty.after" ||
	fail "terminal settings changed by ^C"
ok "stty settings restored after ^C"
exit 0
