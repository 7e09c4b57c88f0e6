#!/bin/bash
# WHY verdicts on real processes, each held up in a known way:
#   a reader stopped with SIGSTOP                     -> stopped
#   threads waiting on an epoll set without the socket -> unwatched (+ flag)
#   the socket in an epoll set without EPOLLIN, a thread waiting on it
#                                                      -> unwatched
#   an edge-triggered set whose event was taken and not acted on
#                                                      -> watched, not read
#   the reader thread blocked on a mutex another thread holds
#                                                      -> waiting on a lock
#   a slow reader that keeps up                        -> no verdict, not flagged
# and the verdict in the table (WHY column, full under -s) and in
# stall-begin events.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

STOPPED=()
why_cleanup() {
	local rc=$? p
	set +e
	# a stopped helper would sit out SIGTERM: let it run to its end
	for p in "${STOPPED[@]}"; do kill -CONT "$p" 2>/dev/null; done
	(exit "$rc")
	sk_cleanup
}
trap why_cleanup EXIT

# threads of PID, by /proc (what the test knows independently)
nthreads() { ls "/proc/$1/task" | wc -l; }

# --- stopped -----------------------------------------------------------------
start_helper pid comm=nginx tcp=60000,0
hget rx tcp.rx inode
hget fd tcp.rx fd
kill -STOP "$pid"
STOPPED+=("$pid")
for _ in $(seq 50); do [[ $(ps -o stat= -p "$pid") == T* ]] && break; sleep 0.02; done
[[ $(ps -o stat= -p "$pid") == T* ]] || hard_error "helper $pid did not stop"
skj --settle 0.3 -s -p "$pid"
expect_rc "stopped reader" 1
sget v "$pid" "$rx" '.flags | index("stalled") != null'
expect_eq "stopped reader is stalled" true "$v"
sget v "$pid" "$rx" .why.kind
expect_eq "stopped reader: why" stopped "$v"
sget v "$pid" "$rx" .why.counts.stopped
expect_eq "every thread counted stopped" "$(nthreads "$pid")" "$v"
sget v "$pid" "$rx" '[.why.threads[] | select(.state == "T")] | length'
expect_eq "evidence: the stopped threads" "$(nthreads "$pid")" "$v"
sget v "$pid" "$rx" '.flags | index("unwatched") == null'
expect_eq "stopped is not unwatched" true "$v"
pget v "$pid" '.why | join(",")'
expect_eq "process why" stopped "$v"
sk --settle 0.3 -s -p "$pid" --no-summary
expect_rc "stopped reader, table" 1
head -n 1 "$SK_OUT" | grep -qw WHY || fail "no WHY column by default though a socket is stalled: $(cat "$SK_OUT")"
grep -E " $fd tcp .*stalled +stopped: its 1 thread stopped" "$SK_OUT" >/dev/null ||
	fail "socket row does not say 'stalled ... stopped' with the evidence: $(cat "$SK_OUT")"
ok "table: socket row says stalled, stopped"

# stall-begin event carries the verdict
skw -i 0.3 -c 3 --window 0.3 -s -p "$pid"
jq -e -s --argjson ino "$rx" \
	'[.[].events[] | select(.event == "stall-begin" and .inode == $ino)] |
	 length == 1 and .[0].why == "stopped" and (.[0].why_detail | test("stopped"))' \
	"$SK_NDJSON" >/dev/null || fail "no stall-begin with why=stopped: $(jq -c '.events' "$SK_NDJSON")"
ok "stall-begin event: why stopped"
"$SKCHECK" --watch -i 0.3 -c 3 --window 0.3 --stall-event-min 0 -p "$pid" >"$SK_TMP/lines" 2>&1
grep -E "stall-begin .*inode=$rx .*why=\"stopped\" why_detail=\"" "$SK_TMP/lines" >/dev/null ||
	fail "text event line lacks why=\"stopped\": $(grep stall "$SK_TMP/lines")"
ok "stall-begin line: why=\"stopped\""
kill -CONT "$pid"
stop_helper "$pid"

# --- unwatched: the only waiting thread waits on a set without the socket ----
start_helper pid epoll=60000,other
hget rx epoll.rx inode
hget epfd epoll.set fd
skj --settle 0.3 -s -p "$pid"
sget v "$pid" "$rx" .why.kind
expect_eq "socket outside the waited-on epoll set: why" unwatched "$v"
sget v "$pid" "$rx" '.flags | index("unwatched") != null'
expect_eq "unwatched flag set" true "$v"
pget v "$pid" '.flags | index("unwatched") != null'
expect_eq "process carries the unwatched flag" true "$v"
sget v "$pid" "$rx" '.why.epoll | length'
expect_eq "no epoll set holds the socket" 0 "$v"
sget v "$pid" "$rx" '[.why.threads[] | select(.syscall == "epoll_wait" and .state == "S")] | length'
expect_eq "evidence: one thread in epoll_wait" 1 "$v"
sget v "$pid" "$rx" '.why.detail | test("in no epoll set")'
expect_eq "detail says it is in no epoll set" true "$v"
sget v "$pid" "$rx" .why.counts.total
expect_eq "thread count" "$(nthreads "$pid")" "$v"
# the set really lacks the socket and holds the pipe (fdinfo, read here)
grep -q "^tfd: *$epfd " "/proc/$pid/fdinfo/$epfd" && hard_error "epoll set watches itself?"
ino_hex=$(printf '%x' "$rx")
grep -q "ino:$ino_hex " "/proc/$pid/fdinfo/$epfd" && hard_error "helper's epoll set holds the socket"
stop_helper "$pid"

# --- in an epoll set without EPOLLIN while a thread waits on that set ---------
start_helper pid epoll=60000,noin
hget rx epoll.rx inode
hget epfd epoll.set fd
skj --settle 0.3 -s -p "$pid"
sget v "$pid" "$rx" .why.kind
expect_eq "socket in a set without EPOLLIN: why" unwatched "$v"
jget v '.processes[].sockets[] | select(.inode == $ino) | .why.epoll[] | select(.fd == $e) | "\(.epollin) \(.epollout) \(.waiters)"' \
	--argjson ino "$rx" --argjson e "$epfd"
expect_eq "evidence: the set holds it for EPOLLOUT, not EPOLLIN, one waiter" "false true 1" "$v"
sget v "$pid" "$rx" '.why.detail | test("without EPOLLIN")'
expect_eq "detail says without EPOLLIN" true "$v"
stop_helper "$pid"

# --- watched, not read: edge-triggered event taken, nothing read --------------
start_helper pid epoll=60000,et
hget rx epoll.rx inode
hget epfd epoll.set fd
skj --settle 0.3 -s -p "$pid"
sget v "$pid" "$rx" .why.kind
expect_eq "waited on for EPOLLIN yet not read: why" "watched, not read" "$v"
sget v "$pid" "$rx" '.why.threads[0] | "\(.syscall) \(.fd)"'
expect_eq "evidence: the thread in epoll_wait on the set" "epoll_wait $epfd" "$v"
jget v '.processes[].sockets[] | select(.inode == $ino) | .why.epoll[] | select(.fd == $e) | "\(.epollin) \(.waiters)"' \
	--argjson ino "$rx" --argjson e "$epfd"
expect_eq "evidence: the set watches it for EPOLLIN, one waiter" "true 1" "$v"
sget v "$pid" "$rx" '.flags | index("unwatched") == null'
expect_eq "watched is not unwatched" true "$v"
stop_helper "$pid"

# --- waiting on a lock ----------------------------------------------------------
start_helper pid lockread=60000
hget rx lockread.rx inode
skj --settle 0.3 -s -p "$pid"
sget v "$pid" "$rx" .why.kind
expect_eq "reader blocked on a mutex: why" "waiting on a lock" "$v"
sget v "$pid" "$rx" .why.counts.futex
expect_eq "one thread in futex" 1 "$v"
sget v "$pid" "$rx" '.why.threads[0].syscall'
expect_eq "evidence: the futex waiter" futex "$v"
stop_helper "$pid"

# --- a slow reader that keeps up: no verdict ---------------------------------
start_helper pid slowread=200000,4096,50
hget rx slowread.rx inode
skj --settle 1 -s -a -p "$pid"
sget v "$pid" "$rx" .recv_q
expect_gt "slow reader has a queue (the test means something)" "$v" 0
sget v "$pid" "$rx" '.flags | length'
expect_eq "slow reader not flagged" 0 "$v"
sget v "$pid" "$rx" '.why == null'
expect_eq "slow reader: no verdict" true "$v"
pget v "$pid" '.why | length'
expect_eq "process: no verdict" 0 "$v"
sk --settle 1 -s -a -p "$pid" --no-summary
head -n 1 "$SK_OUT" | grep -qw WHY && fail "WHY column shown with nothing stalled: $(cat "$SK_OUT")"
ok "no WHY column when nothing is stalled"
exit 0
