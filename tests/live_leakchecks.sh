#!/bin/bash
# The socket-leak checks of the tool skcheck replaces (sysak skcheck), as
# process flags with settable thresholds (issue 11): close-wait (sockets
# in CLOSE-WAIT), many-sockets (open socket fds), leaked-sockets (leaked
# socket fds), with their counts in the table, JSON and --sort; -s lists
# the leaked descriptors themselves.  A CLOSE-WAIT socket whose only
# "unread byte" is the peer's FIN holds no data.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

start_helper pid closewait=6 leak leak leak
mapfile -t cw < <(awk '$1 == "closewait" { sub(/^inode=/, "", $2); print $2 }' "${SK_HELPER_OUT[$pid]}")
mapfile -t lk < <(awk '$1 == "leak" { sub(/^fd=/, "", $3); print $3 }' "${SK_HELPER_OUT[$pid]}")
expect_eq "helper: sockets in CLOSE-WAIT" 6 "${#cw[@]}"
expect_eq "helper: leaked descriptors" 3 "${#lk[@]}"

# defaults (100, 2000, 500): only the per-descriptor 'leaked' flag
skj -s -a -p "$pid"
pget v "$pid" '.flags | join(",")'
expect_eq "default thresholds: flags" leaked "$v"
pget v "$pid" .close_wait
expect_eq "close_wait count" 6 "$v"
pget v "$pid" .socket_fds
expect_eq "socket_fds (6 in CLOSE-WAIT, 3 leaked)" 9 "$v"
pget v "$pid" '.leaked | length'
expect_eq "leaked descriptors listed" 3 "$v"
pget v "$pid" .recv_q
expect_eq "the peers' FINs are no unread data" 0 "$v"
for ino in "${cw[@]}"; do
	sget st "$pid" "$ino" .state
	expect_eq "socket $ino" CLOSE-WAIT "$st"
	sget v "$pid" "$ino" .recv_q
	expect_eq "socket $ino: Recv-Q 1 is the FIN, recv_q" 0 "$v"
done
ss_get rq "${cw[0]}" recvq -t state close-wait
expect_eq "ss shows the FIN as Recv-Q" 1 "$rq"

# thresholds at the counts: each flag is set exactly there
skj -s -p "$pid" --close-wait 6 --many-sockets 9 --leaked-sockets 3
expect_rc "flagged" 1
pget v "$pid" '.flags | sort | join(",")'
expect_eq "thresholds at the counts: flags" "close-wait,leaked,leaked-sockets,many-sockets" "$v"
skj -s -p "$pid" --close-wait 7 --many-sockets 10 --leaked-sockets 4
pget v "$pid" '.flags | join(",")'
expect_eq "thresholds one above the counts: flags" leaked "$v"

# table: counts in their columns, leaked fds listed under the process
sk -s -a -p "$pid" --close-wait 6 --no-summary
head -n 1 "$SK_OUT" | grep -q "CLOSE-WAIT *LEAKED *FLAGS" ||
	fail "no CLOSE-WAIT and LEAKED columns: $(head -n 1 "$SK_OUT")"
grep -qE "^ *$pid .* 6 +3 +leaked,close-wait$" "$SK_OUT" || fail "process row: $(grep -E "^ *$pid " "$SK_OUT")"
for fd in "${lk[@]}"; do
	grep -qE "^ +$fd +tcp +CLOSED .*leaked$" "$SK_OUT" || fail "no row for leaked fd $fd: $(cat "$SK_OUT")"
done
ok "table: CLOSE-WAIT 6, LEAKED 3, a row per leaked descriptor"

# --sort close-wait / leaked rank by those counts
start_helper other tcp=900000,0
sk -p "$pid,$other" --sort close-wait --no-summary -o PID
expect_eq "--sort close-wait ranks the CLOSE-WAIT pile first" "$pid" "$(sed -n 2p "$SK_OUT" | tr -d ' ')"
sk -p "$pid,$other" --sort leaked --no-summary -o PID
expect_eq "--sort leaked ranks the leaker first" "$pid" "$(sed -n 2p "$SK_OUT" | tr -d ' ')"
sk -p "$pid,$other" --no-summary -o PID
expect_eq "default sort (recv_q) ranks the other first" "$other" "$(sed -n 2p "$SK_OUT" | tr -d ' ')"

# --watch: how long each socket has been seen in CLOSE-WAIT
skw -i 0.3 -c 5 -s -a -p "$pid"
watch_line last
for ino in "${cw[@]}"; do
	sget v "$pid" "$ino" .close_wait_seconds
	expect_ge "socket $ino seen in CLOSE-WAIT over 4 samples" "$v" 1.1
done
pget v "$pid" .close_wait_oldest
expect_ge "process: oldest CLOSE-WAIT" "$v" 1.1

# bad thresholds are usage errors
for a in "--close-wait 0" "--many-sockets x" "--leaked-sockets -1"; do
	# shellcheck disable=SC2086
	sk $a
	expect_rc "$a" 2
done
exit 0
