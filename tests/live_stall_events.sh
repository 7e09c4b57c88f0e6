#!/bin/bash
# Stall events in --watch: a reader that stops and then resumes yields a
# stall-begin and later a stall-end with reason "recovered" for its inode;
# a stalled socket that goes away (its process ends) yields a stall-end
# with reason "closed". Also the same events as text lines when piped.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

# events FILE INODE: "line event reason" for each event on INODE, in order
events() {
	jq -r --argjson ino "$2" '
		input_line_number as $n | .events[] | select(.inode == $ino) |
		"\($n) \(.event) \(.reason // "-")"' "$1"
}

# --- stops, then resumes ----------------------------------------------------
# pauseread=N,0: 100000 bytes queued, not read until we send SIGUSR1
start_helper pid pauseread=100000,0
hget rx pauseread.rx inode
hget fd pauseread.rx fd
out=$SK_TMP/recover.ndjson
bg_start wpid "$out" "$SKCHECK" --watch -J -i 0.3 -c 100 --window 0.6 -a -s -p "$pid"
wait_json "$out" 10 '.events[] | select(.event == "stall-begin" and .inode == $ino)' \
	--argjson ino "$rx" || fail "no stall-begin for inode $rx within 10 s: $(tail -c 1000 "$out") $(cat "$out.err")"
ok "stall-begin seen for the paused reader"
kill -USR1 "$pid"
wait_json "$out" 5 '.events[] | select(.event == "stall-end" and .inode == $ino)' \
	--argjson ino "$rx" || fail "no stall-end for inode $rx within 5 s of resuming"
ok "stall-end seen after the reader resumed"
hget v pauseread.resumed drained
expect_eq "helper drained everything" 100000 "$v"
kill -TERM "$wpid"
bg_wait "$wpid" 3
[ "$BG_RC" -le 1 ] || fail "watch exited $BG_RC after SIGTERM: $(cat "$out.err")"
ndjson_check "$out" "watch output"

evs=$(events "$out" "$rx")
printf '%s\n' "$evs"
expect_eq "events on the reader: begin then end" "stall-begin stall-end" \
	"$(awk '{ print $2 }' <<<"$evs" | paste -sd ' ')"
begin_line=$(awk '$2 == "stall-begin" { print $1 }' <<<"$evs")
end_line=$(awk '$2 == "stall-end" { print $1 }' <<<"$evs")
expect_gt "stall-end comes in a later sample than stall-begin" "$end_line" "$begin_line"
expect_eq "stall-end reason" recovered "$(awk '$2 == "stall-end" { print $3 }' <<<"$evs")"

SK_OUT=$SK_TMP/begin.json
sed -n "${begin_line}p" "$out" >"$SK_OUT"
jget v '.events[] | select(.inode == $ino) | "\(.pid) \(.fd) \(.proto) \(.recv_q)"' --argjson ino "$rx"
expect_eq "stall-begin names pid, fd, proto and the unread bytes" "$pid $fd tcp 100000" "$v"
jget v '.events[] | select(.inode == $ino) | .local | test("^127\\.0\\.0\\.1:[0-9]+$")' --argjson ino "$rx"
expect_eq "stall-begin names the local address" true "$v"
sget v "$pid" "$rx" '.flags | index("stalled") != null'
expect_eq "the socket is flagged stalled in the stall-begin sample" true "$v"
prev=$((begin_line - 1))
sed -n "${prev}p" "$out" >"$SK_OUT"
jcheck "not stalled in the sample before stall-begin" \
	'[.processes[].sockets[] | select(.inode == $ino) | .flags[]] | index("stalled") == null' \
	--argjson ino "$rx"
sed -n "${end_line}p" "$out" >"$SK_OUT"
jget v '.events[] | select(.inode == $ino) | "\(.pid) \(.fd) \(.recv_q)"' --argjson ino "$rx"
expect_eq "stall-end names pid and fd; the queue is empty" "$pid $fd 0" "$v"
jget v '.events[] | select(.inode == $ino) | .duration' --argjson ino "$rx"
expect_ge "stall-end duration covers the window" "$v" 0.55
jcheck "no stalled flag in the stall-end sample" \
	'[.processes[].sockets[] | select(.inode == $ino) | .flags[]] | index("stalled") == null' \
	--argjson ino "$rx"
pget v "$pid" '"\(.stalled_sockets) \(.stalled_bytes) \(.flags | index("stalled") != null)"'
expect_eq "process after recovery: stalled_sockets, stalled_bytes, stalled flag" "0 0 false" "$v"
SK_OUT=$SK_TMP/last.json
tail -n 1 "$out" >"$SK_OUT"
pget v "$pid" '"\(.recv_q) \(.nsockets) \(.flags | join(","))"'
expect_eq "process in the last sample: recv_q, nsockets, flags" "0 2 " "$v"
SK_OUT=$SK_TMP/sk.out

# --- stalled, then closed -----------------------------------------------------
start_helper cpid tcp=30000,0
hget crx tcp.rx inode
out=$SK_TMP/closed.ndjson
bg_start wpid "$out" "$SKCHECK" --watch -J -i 0.3 -c 100 --window 0.6 -s -p "$cpid"
wait_json "$out" 10 '.events[] | select(.event == "stall-begin" and .inode == $ino)' \
	--argjson ino "$crx" || fail "no stall-begin for inode $crx within 10 s: $(cat "$out.err")"
ok "stall-begin seen for the never-read reader"
stop_helper "$cpid"
wait_json "$out" 5 '.events[] | select(.event == "stall-end" and .inode == $ino)' \
	--argjson ino "$crx" || fail "no stall-end for inode $crx within 5 s of closing it"
kill -TERM "$wpid"
bg_wait "$wpid" 3
[ "$BG_RC" -le 1 ] || fail "watch exited $BG_RC after SIGTERM: $(cat "$out.err")"
ndjson_check "$out" "watch output"
evs=$(events "$out" "$crx")
printf '%s\n' "$evs"
expect_eq "events on the closed socket" "stall-begin stall-end" \
	"$(awk '{ print $2 }' <<<"$evs" | paste -sd ' ')"
expect_eq "stall-end reason" closed "$(awk '$2 == "stall-end" { print $3 }' <<<"$evs")"
v=$(jq -r --argjson ino "$crx" '.events[] | select(.inode == $ino and .event == "stall-end") | "\(.pid) \(.proto) \(.recv_q)"' "$out")
expect_eq "stall-end (closed) names the last owner and the bytes it held" "$cpid tcp 30000" "$v"

# --- the same as text lines when piped ----------------------------------------
start_helper tpid tcp=20000,0
hget trx tcp.rx inode
sk --watch -i 0.3 -c 4 --window 0.5 --stall-event-min 0 -p "$tpid"
expect_rc "text watch with a stalled reader" 1
grep -E "^[0-9T:-]+Z stall-begin pid=$tpid comm=sk_helper fd=[0-9]+ tcp inode=$trx .*recv_q=20000" "$SK_OUT" ||
	fail "no stall-begin text line for inode $trx: $(grep -v '^ ' "$SK_OUT" | head -c 2000)"
ok "stall-begin as a text line"
