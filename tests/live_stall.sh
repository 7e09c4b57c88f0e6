#!/bin/bash
# Stall verdicts: a reader that never reads is `stalled` after --settle (and
# not with --settle 0); a slow but steady reader is not; a UDP receiver
# flooded by a sender is stalled with drops rising; a listener nobody
# accepts from is `accept-stalled`; a sender blocked by a peer that does not
# read is `tx-stalled` (the receiver is not).
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

# flags of socket INODE under process PID in $SK_OUT, comma-separated
sflags() {
	jq -r --argjson pid "$1" --argjson ino "$2" \
		'.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .flags | join(",")' \
		"$SK_OUT"
}

# has_flag DESC PID INODE FLAG / lacks_flag ...
has_flag() {
	[[ ,$(sflags "$2" "$3"), == *,$4,* ]] || fail "$1: inode $3 flags '$(sflags "$2" "$3")' lack $4"
	ok "$1: inode $3 is $4"
}
lacks_flag() {
	[[ ,$(sflags "$2" "$3"), != *,$4,* ]] || fail "$1: inode $3 flags '$(sflags "$2" "$3")' include $4"
	ok "$1: inode $3 is not $4"
}

# --- a reader that never reads ---------------------------------------------
start_helper pid tcp=50000,0
hget rx tcp.rx inode
hget tx tcp.tx inode
skj --settle 0.5 -s -p "$pid"
expect_rc "never-read reader, --settle 0.5" 1
jcheck "tracked after --settle" '.summary.tracked == true'
jcheck "window defaults to the settle time" '.summary.window == 0.5'
has_flag "never-read reader" "$pid" "$rx" stalled
jget v '[.processes[] | select(.pid == $pid) | .sockets[] | select(.flags | index("stalled")) | .inode] | map(tostring) | join(",")' \
	--argjson pid "$pid"
expect_eq "the only stalled socket is the reader" "$rx" "$v"
sget v "$pid" "$rx" .stall.seconds
expect_ge "stall.seconds covers the settle time" "$v" 0.45
sget v "$pid" "$rx" '.stall.since | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")'
expect_eq "stall.since is an ISO-8601 UTC time" true "$v"
sget v "$pid" "$rx" .stall.growth
expect_eq "nothing arrives: growth" 0 "$v"
pget v "$pid" .stalled_sockets
expect_eq "process stalled_sockets" 1 "$v"
pget v "$pid" .stalled_bytes
expect_eq "process stalled_bytes = unread bytes" 50000 "$v"
pget v "$pid" '.flags | index("stalled") != null'
expect_eq "process carries the stalled flag" true "$v"
jcheck "the writer has no stall object" \
	'[.processes[].sockets[] | select(.inode == $ino) | .stall] | all(. == null)' \
	--argjson ino "$tx"
sk --settle 0.5 -s -p "$pid"
expect_rc "table, --settle 0.5" 1
grep -qw stalled "$SK_OUT" || fail "table output does not say stalled: $(cat "$SK_OUT")"
ok "table shows stalled"

skj --settle 0 -s -p "$pid"
expect_rc "never-read reader, --settle 0 (pure snapshot)" 0
jcheck "--settle 0: not tracked" '.summary.tracked == false'
lacks_flag "--settle 0" "$pid" "$rx" stalled
jcheck "--settle 0: no stall object" '[.processes[].sockets[] | select(.stall != null)] == []'

# --- a slow but steady reader ----------------------------------------------
# 200000 bytes queued; 4096 read (and topped up) every 50 ms
start_helper pid slowread=200000,4096,50
hget rx slowread.rx inode
skj --settle 1 -s -a -p "$pid"
lacks_flag "slow steady reader, --settle 1" "$pid" "$rx" stalled
sget v "$pid" "$rx" .recv_q
expect_gt "slow reader's queue is not empty (the test means something)" "$v" 0
pget v "$pid" .stalled_sockets
expect_eq "slow reader: process stalled_sockets" 0 "$v"
# every sample: queue non-empty, consumption moving, never stalled
skw -i 0.5 -c 3 --window 1 -s -a -p "$pid"
expect_eq "slow reader: watch lines" 3 "$SK_NLINES"
recvqs=$(jq -r --argjson ino "$rx" '.processes[].sockets[] | select(.inode == $ino) | .recv_q' "$SK_NDJSON" | tr '\n' ' ')
consumed=$(jq -r --argjson ino "$rx" '.processes[].sockets[] | select(.inode == $ino) | .bytes_received - .recv_q' "$SK_NDJSON" | tr '\n' ' ')
read -r -a q <<<"$recvqs"
read -r -a c <<<"$consumed"
expect_eq "slow reader seen in every sample" 3 "${#q[@]}"
for i in 0 1 2; do expect_gt "slow reader recv_q in sample $((i + 1))" "${q[$i]}" 0; done
for i in 1 2; do expect_gt "slow reader consumed more by sample $((i + 1))" "${c[$i]}" "${c[$((i - 1))]}"; done
v=$(jq -s --argjson ino "$rx" '[.[].processes[].sockets[] | select(.inode == $ino) | .flags[] | select(test("stall"))] | length' "$SK_NDJSON")
expect_eq "slow reader never flagged in watch mode" 0 "$v"

# --- UDP receiver that does not read, sender keeps sending ------------------
start_helper pid udpflood=1000,200
hget rx udpflood.rx inode
hget drops0 udpflood.rx drops
expect_gt "helper filled the queue up to drops" "$drops0" 0
skw -i 0.5 -c 3 --window 0.5 -s -p "$pid"
expect_eq "udpflood: watch lines" 3 "$SK_NLINES"
watch_line last
# the proof that a UDP reader stopped is its head skb (BPF); without
# BPF the same queue is only no-progress-seen (live_dgram_stall.sh)
if [ "${SKCHECK_HAVE_BPF:-yes}" = no ]; then
	has_flag "flooded UDP receiver (no BPF)" "$pid" "$rx" no-progress-seen
else
	has_flag "flooded UDP receiver" "$pid" "$rx" stalled
fi
has_flag "flooded UDP receiver" "$pid" "$rx" drops
sget v "$pid" "$rx" .drops
expect_gt "drops rose since the helper filled the queue" "$v" "$drops0"
sget v "$pid" "$rx" .drops_rate
expect_ge "drops_rate > 0" "$v" 0.000001
sget v "$pid" "$rx" .recv_q
expect_gt "UDP queue is full" "$v" 0
watch_line 1
sget v "$pid" "$rx" '.flags | index("stalled") == null'
expect_eq "first sample has no baseline: not stalled yet" true "$v"

# --- a listener nobody accepts from -----------------------------------------
start_helper pid acceptstall=4,3
hget lino acceptstall inode
hget acceptq acceptstall acceptq
expect_eq "helper: three queued connections" 3 "$acceptq"
skj --settle 0.5 -s -a -p "$pid"
has_flag "listener nobody accepts from" "$pid" "$lino" accept-stalled
lacks_flag "listener (rx rule does not apply)" "$pid" "$lino" stalled
sget v "$pid" "$lino" .accept_q
expect_eq "listener accept_q" 3 "$v"
for n in 1 2 3; do
	hget cino acceptstall.client inode "$n"
	lacks_flag "client $n" "$pid" "$cino" accept-stalled
done
pget v "$pid" .stalled_sockets
expect_eq "accept-stalled listener counts as a stalled socket" 1 "$v"

# --- a sender blocked by a peer that does not read --------------------------
start_helper pid txblock=1000000
hget txino txblock.tx inode
hget rxino txblock.rx inode
hget sendq txblock.tx sendq
hget unread txblock.rx unread
skj --settle 0.5 -s -a -p "$pid"
has_flag "blocked sender" "$pid" "$txino" tx-stalled
lacks_flag "blocked sender (it reads everything it gets)" "$pid" "$txino" stalled
lacks_flag "receiver (sends nothing)" "$pid" "$rxino" tx-stalled
has_flag "receiver that never reads" "$pid" "$rxino" stalled
sget v "$pid" "$txino" .send_q
expect_eq "blocked sender send_q = SIOCOUTQ" "$sendq" "$v"
sget v "$pid" "$txino" '.stall.seconds >= 0.45'
expect_eq "tx stall.seconds covers the settle time" true "$v"
pget v "$pid" .stalled_bytes
expect_eq "stalled bytes = unread + unsent = everything written" 1000000 "$v"
expect_eq "helper: every byte is queued on one side" 1000000 $((sendq + unread))
