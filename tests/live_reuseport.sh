#!/bin/bash
# SO_REUSEPORT groups (issue 10's reproduction): workers B then A bind
# 127.0.0.1:8443 with SO_REUSEPORT and listen(64); B never accepts, A (its
# own process) accepts and drains; 40 clients send 64000 bytes each.  The
# connections waiting in B's accept queue, and their bytes, are B's; A
# shows nothing.  When two members both have queued connections, which
# connection waits where is unknown: both are marked pending_ambiguous and
# the group's bytes are counted once.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
[ -n "${SK_IN_NETNS:-}" ] || skip "needs its own network namespace for port 8443 (root: unshare -n)"

start_helper pid reuseport=40,64000,1
hget bino reuseport.b inode
hget bq reuseport.b acceptq
hget bpending reuseport.b pending_bytes
hget apid reuseport.a pid
hget aino reuseport.a inode
expect_gt "helper: connections wait on B" "$bq" 0
expect_gt "helper: and hold bytes" "$bpending" 0
[ "$apid" != "$pid" ] || hard_error "worker A should be its own process"

skj -a -s --pid "$pid,$apid" --settle 0.3
sget v "$pid" "$bino" .accept_q
expect_eq "B's accept queue" "$bq" "$v"
sget v "$pid" "$bino" .pending_bytes
expect_eq "B holds its queued connections' bytes" "$bpending" "$v"
sget v "$pid" "$bino" .pending_ambiguous
expect_eq "B's share is not ambiguous" false "$v"
jcheck "B is accept-stalled" \
	'[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags[]]
	 | index("accept-stalled") != null' --argjson pid "$pid" --argjson ino "$bino"
sget v "$apid" "$aino" .pending_bytes
expect_eq "A (draining) holds no queued bytes" 0 "$v"
sget v "$apid" "$aino" .accept_q
expect_eq "A's accept queue is empty" 0 "$v"
pget v "$apid" .recv_q
expect_eq "A's process shows nothing unread" 0 "$v"
jcheck "A is not flagged" '.processes[] | select(.pid == $pid) | .flags | length == 0' \
	--argjson pid "$apid"
pget v "$pid" .recv_q
expect_ge "B's process carries the bytes" "$v" "$bpending"
stop_helper "$pid"

# both members wedged: the split is unknown, said, and counted once
start_helper pid reuseport=40,64000,0
hget bino reuseport.b inode
hget aino reuseport.a inode
hget total reuseport.b pending_bytes
skj -a -s --pid "$pid"
sget qa "$pid" "$aino" .accept_q
sget qb "$pid" "$bino" .accept_q
expect_gt "A has queued connections" "$qa" 0
expect_gt "B has queued connections" "$qb" 0
for i in "$aino" "$bino"; do
	sget v "$pid" "$i" .pending_ambiguous
	expect_eq "listener $i marked pending_ambiguous" true "$v"
done
jget v '[.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $a or .inode == $b) | .pending_bytes] | add' \
	--argjson pid "$pid" --argjson a "$aino" --argjson b "$bino"
expect_eq "the group's queued bytes counted once" "$total" "$v"
sk -a -s --pid "$pid" -o INODE,RECV-Q
grep -qE "^ *$aino +[0-9.]+[KM]?\?$" "$SK_OUT" || fail "A's RECV-Q has no '?': $(cat "$SK_OUT")"
ok "table marks the ambiguous split with '?'"
