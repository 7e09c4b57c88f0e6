#!/bin/bash
# Output at a glance (skcheck(8) OUTPUT): colour rules as util-linux's
# (a pseudo-terminal from script(1) colours, a pipe does not, NO_COLOR,
# TERM=dumb and --color=never turn it off, --color=always on), socket
# rows that carry PID and COMM with -r and -o, a listener's accept queue
# as cur/max among the default -s columns, UNIX peers as PID/COMM,
# --sort by column title, --list-columns (-H) with types and defaults
# as text, JSON and raw, sizes with a fraction (-m 1.5M), --all without
# socketless kernel threads, and -o naming the bad column.
# Variables are set by start_helper/hget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
command -v script >/dev/null 2>&1 || skip "script (util-linux) not installed"

start_helper pid comm=outhelp tcp=300000,0 listen=4,5,10 unix-stream=5000 leak
hget rx tcp.rx inode
hget lport listen port
hget acq listen acceptq
hget backlog listen backlog
hget ufd ustream.rx fd

# --- colour -----------------------------------------------------------------------
ESC=$'\033'
# in_pty OUT ENV... -- ARGS...: run skcheck ARGS on a pseudo-terminal
# (script), with the environment ENV, its output in OUT
in_pty() {
	local out=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	# shellcheck disable=SC2145
	timeout 30 env "${envs[@]}" script -qec "$(printf '%q ' "$SKCHECK" "$@")" /dev/null >"$out" 2>&1 </dev/null
}
in_pty "$SK_TMP/tty" TERM=xterm -- --settle 0 -p "$pid"
head -n 1 "$SK_TMP/tty" | grep -q "^$ESC\[1;31mouthelp\[$pid\] " ||
	fail "no red diagnosis on a terminal: $(head -c 600 "$SK_TMP/tty" | od -c | head)"
grep -q "${ESC}\[31maccept-full" "$SK_TMP/tty" ||
	fail "no red FLAGS cell on a terminal: $(head -c 2000 "$SK_TMP/tty" | cat -v)"
ok "a terminal gets colour (diagnosis, flags)"
for e in NO_COLOR=1 TERM=dumb; do
	in_pty "$SK_TMP/tty" TERM=xterm "$e" -- --settle 0 -p "$pid"
	grep -q "$ESC\[" "$SK_TMP/tty" && fail "$e: colour on a terminal: $(head -c 600 "$SK_TMP/tty" | cat -v)"
	grep -q "accept-full" "$SK_TMP/tty" || fail "$e: no table: $(cat -v "$SK_TMP/tty")"
	ok "$e: no colour on a terminal"
done
in_pty "$SK_TMP/tty" TERM=xterm -- --color=never --settle 0 -p "$pid"
grep -q "$ESC\[" "$SK_TMP/tty" && fail "--color=never: colour: $(head -c 600 "$SK_TMP/tty" | cat -v)"
ok "--color=never: no colour on a terminal"
sk --settle 0 -p "$pid"
grep -q "$ESC" "$SK_OUT" && fail "colour in a pipe: $(head -c 600 "$SK_OUT" | cat -v)"
ok "a pipe gets no colour"
NO_COLOR=1 sk --color=always --settle 0 -p "$pid"
head -n 1 "$SK_OUT" | grep -q "^$ESC\[1;31mouthelp\[$pid\] " || fail "--color=always: $(head -n 1 "$SK_OUT" | cat -v)"
ok "--color=always colours a pipe, NO_COLOR or not"
sk --color=always -r --settle 0 -p "$pid"
grep -q "$ESC" "$SK_OUT" && fail "--color=always -r: escapes in raw output"
ok "no colour in raw output"
sk --color=sometimes --settle 0 -p "$pid"
expect_rc "--color=sometimes" 2

# --- rows that stand alone -----------------------------------------------------------
sk --settle 0 -s -r -n -p "$pid"
n=$(wc -l <"$SK_OUT")
[ "$n" -ge 6 ] || fail "-s -r: $n rows: $(cat "$SK_OUT")"
awk -v p="$pid" '$1 != p || $2 != "outhelp"' "$SK_OUT" | grep . &&
	fail "-s -r: a row without PID $pid and COMM outhelp"
ok "-s -r: all $n rows carry PID and COMM"
sk --settle 0 -s -n -o PID,COMM,FD,INODE -p "$pid"
grep -Eq "^ *$pid +outhelp +[0-9]+ +$rx\$" "$SK_OUT" || fail "-s -o: no row '$pid outhelp FD $rx': $(cat "$SK_OUT")"
ok "-s -o: socket rows carry PID and COMM"
sk --settle 0 -s -p "$pid"
grep -Eq "LOCAL +PEER +ACCEPTQ +RECV-Q" "$SK_OUT" || fail "-s: no ACCEPTQ before RECV-Q: $(grep PID "$SK_OUT")"
grep -Eq " LISTEN +127\.0\.0\.1:$lport +\*:\* +$acq/$backlog " "$SK_OUT" ||
	fail "-s: listener row without $acq/$backlog: $(grep LISTEN "$SK_OUT")"
ok "-s: the listener shows accept queue $acq/$backlog"
grep -Eq " $ufd u_str +ESTAB +\* +$pid/outhelp " "$SK_OUT" ||
	fail "-s: UNIX peer of fd $ufd is not $pid/outhelp: $(grep u_str "$SK_OUT")"
ok "-s: UNIX peer resolved to $pid/outhelp"

# --- --sort by column title ------------------------------------------------------------
for k in RECV-Q recv-q Send-Q CLOSE-WAIT mem; do
	sk --settle 0 --sort "$k" -p "$pid"
	[ "$SK_RC" -le 1 ] || fail "--sort $k: exit $SK_RC: $(cat "$SK_ERR")"
done
ok "--sort takes column titles"
sk --settle 0 --sort RECVQ -p "$pid"
expect_rc "--sort RECVQ" 2

# --- --list-columns / -H -------------------------------------------------------------------
sk -H
expect_rc "-H" 0
grep -Eq '^RECV-Q +<size> +all +unread data' "$SK_OUT" || fail "-H: RECV-Q line: $(grep RECV-Q "$SK_OUT")"
grep -Eq '^INODE +<number> +no ' "$SK_OUT" || fail "-H: INODE line: $(grep INODE "$SK_OUT")"
ok "-H: name, type, default, description"
sk --list-columns -J
expect_rc "--list-columns -J" 0
jq -e '.columns | length > 20 and (map(select(.name == "ACCEPTQ"))[0] | .type == "string" and .default == "sockets:listeners")' "$SK_OUT" >/dev/null ||
	fail "--list-columns -J: $(head -c 600 "$SK_OUT")"
expect_eq "-H -J: as many columns as -H lines" "$(jq '.columns | length' "$SK_OUT")" "$("$SKCHECK" -H | wc -l)"
sk --list-columns -r
grep -q '^COMM <string> process,sockets command\\x20name' "$SK_OUT" || fail "--list-columns -r: $(head -n 3 "$SK_OUT")"
ok "--list-columns -r: raw"

# --- sizes with a fraction --------------------------------------------------------------
# the helper holds 300000 + 5000 unread bytes and 50 on queued connections
skj --settle 0 -p "$pid"
pget v "$pid" .recv_q
expect_eq "the helper's unread bytes" 305050 "$v"
sk --settle 0 -m 0.29M -p "$pid" -r -n -o PID
expect_eq "-m 0.29M (304087 bytes): listed" "$pid" "$(cat "$SK_OUT")"
sk --settle 0 -m 0.291M -p "$pid" -r -n -o PID
[ ! -s "$SK_OUT" ] || fail "-m 0.291M (305135 bytes) still lists $pid: $(cat "$SK_OUT")"
ok "-m 0.291M: not listed"
sk --settle 0 -m 1.5 -p "$pid"
expect_rc "-m 1.5 (a fraction of a byte)" 2

# --- --all without kernel threads ---------------------------------------------------------
kthreads=$(for d in /proc/[0-9]*; do
	[ -s "$d/cmdline" ] || [ "$(ls -A "$d/fd" 2>/dev/null | wc -l)" != 0 ] || basename "$d"
done 2>/dev/null | head -n 200)
kt=$(for k in $kthreads; do
	[ "$(cat "/proc/$k/comm" 2>/dev/null)" = kthreadd ] && echo "$k"; done)
[ -n "$kt" ] || kt=$(head -n 1 <<<"$kthreads")
if [ -n "$kt" ]; then
	sk --settle 0 -a -N 0 -r -n -o PID
	if grep -qx "$kt" "$SK_OUT"; then
		fail "-a lists kernel thread $kt ($(cat "/proc/$kt/comm" 2>/dev/null))"
	fi
	grep -qx "$pid" "$SK_OUT" || fail "-a does not list the helper $pid"
	ok "-a: the helper listed, kernel thread $kt ($(cat "/proc/$kt/comm" 2>/dev/null)) not"
else
	echo "note: no kernel thread visible (a pid namespace?): the --all check has nothing to look at"
fi

# --- the summary counts idle namespaces, lists them with --summary=full ------------------
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1; then
	IDLE=skc-idle-$$
	ip netns add "$IDLE" || hard_error "ip netns add $IDLE"
	trap 'rc=$?; ip netns del "$IDLE" 2>/dev/null; (exit $rc); sk_cleanup' EXIT
	idle_ino=$(stat -L -c %i "/run/netns/$IDLE")
	sk --settle 0 -p "$pid"
	grep -Eq '^namespaces: [0-9]+ \([0-9]+ scanned, [1-9][0-9]* idle(, [0-9]+ not scanned)?\)$' "$SK_OUT" ||
		fail "no namespace counts with idle ones: $(grep -A3 '^namespaces' "$SK_OUT")"
	grep -q "netns $idle_ino ($IDLE)" "$SK_OUT" && fail "idle namespace $IDLE listed: $(grep -A5 '^namespaces' "$SK_OUT")"
	grep -Eq "^  netns [0-9]+: .*\(current\)|^  netns [0-9]+: [0-9]+ sockets, recv [1-9]" "$SK_OUT" ||
		fail "the helper's namespace (data queued) not listed: $(grep -A5 '^namespaces' "$SK_OUT")"
	ok "idle namespace $IDLE counted, not listed"
	sk --settle 0 --summary=full -p "$pid"
	grep -Eq "^  netns $idle_ino \($IDLE\): [0-9]+ sockets, recv 0," "$SK_OUT" ||
		fail "--summary=full does not list $IDLE: $(grep -A8 '^namespaces' "$SK_OUT")"
	ok "--summary=full lists the idle namespace"
	skj --settle 0 -p "$pid"
	jcheck "JSON lists the idle namespace" '[.summary.namespaces[] | select(.inode == $i)] | length == 1' --argjson i "$idle_ino"
	sk --summary=long -p "$pid"
	expect_rc "--summary=long" 2
	ip netns del "$IDLE"
fi
# kernel socket memory in bytes as well as pages
sk --settle 0 -b -p "$pid"
line=$(grep '^kernel: ' "$SK_OUT")
pg=$(getconf PAGESIZE)
[[ $line =~ TCP\ .*mem\ ([0-9]+)\ pages\ \(([0-9]+)\)\;\ UDP\ .*mem\ ([0-9]+)\ pages\ \(([0-9]+)\)$ ]] ||
	fail "kernel line without bytes: $line"
expect_eq "TCP mem bytes = pages x $pg" "$((BASH_REMATCH[1] * pg))" "${BASH_REMATCH[2]}"
expect_eq "UDP mem bytes = pages x $pg" "$((BASH_REMATCH[3] * pg))" "${BASH_REMATCH[4]}"

# --- -o names the bad column -------------------------------------------------------------------
sk -o PID,NOSUCH,COMM -p "$pid"
expect_rc "-o PID,NOSUCH,COMM" 2
expect_eq "-o: the bad column named" "skcheck: unknown column 'NOSUCH' in --output (see --list-columns)" \
	"$(head -n 1 "$SK_ERR")"

# --- --netns pid:N: no such process vs. permission denied --------------------------------
sk --settle 0 --netns pid:2147483646
expect_rc "--netns pid: of no process" 3
grep -q "no such network namespace: pid:2147483646: no process with that pid" "$SK_ERR" ||
	fail "--netns pid: of no process: $(cat "$SK_ERR")"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	SK_RUNAS=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --)
	sk --settle 0 --netns "pid:$pid"
	SK_RUNAS=()
	expect_rc "unprivileged --netns pid:$pid (root's helper)" 3
	grep -q "cannot read the network namespace of pid:$pid: permission denied" "$SK_ERR" ||
		fail "unprivileged --netns pid:$pid: $(cat "$SK_ERR")"
	ok "unprivileged --netns pid: of root's process: permission denied"
fi
