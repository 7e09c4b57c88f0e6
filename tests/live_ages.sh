#!/bin/bash
# How long data has waited (issue 11): tcp_info's tcpi_last_data_recv says
# when data last arrived, so a one-shot run (no second sample) already
# knows that unread bytes have waited at least that long -- WAITING and
# JSON unread_age.  A TCP socket stuck in SYN-SENT (its SYN dropped by a
# full accept queue) is connect-stalled, not tx-stalled.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

# --- unread age -------------------------------------------------------------------
start_helper pid tcp=3000,0
hget rx tcp.rx inode
hget tx tcp.tx inode
t0=$(date +%s.%N)
sleep 2.5
skj -s -a -p "$pid"
waited=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
sget age "$pid" "$rx" .unread_age
expect_ge "unread_age covers the time since the data arrived" "$age" 2.4
expect_ge "unread_age is not older than the helper ($waited s + 1)" "$(awk -v w="$waited" 'BEGIN { print w + 1 }')" "$age"
jcheck "the idle writer has no unread age (nothing unread)" \
	'.processes[0].sockets[] | select(.inode == $i) | .unread_age == null' --argjson i "$tx"
jcheck "nothing unacknowledged: no unsent age" \
	'[.processes[0].sockets[] | .unsent_age] | all(. == null)'

sk -s -p "$pid" --no-summary
row=$(grep -E ' tcp +ESTAB ' "$SK_OUT" | grep ' 2[.]9K ')
[ -n "$row" ] || fail "no row for the reader: $(cat "$SK_OUT")"
[[ $row =~ \>=([0-9]+)s ]] || fail "no WAITING >=Ns on the reader's row: $row"
expect_ge "WAITING on the reader's row" "${BASH_REMATCH[1]}" 2
stop_helper "$pid"

# --- connect-stalled ----------------------------------------------------------------
# backlog 0: one connection fills the accept queue, the next SYNs are dropped
start_helper pid acceptstall=0,3
mapfile -t waiting < <(awk '$1 == "acceptstall.client" && $5 == "connected=0" { sub(/^inode=/, "", $2); print $2 }' \
	"${SK_HELPER_OUT[$pid]}")
expect_eq "clients left in SYN-SENT" 2 "${#waiting[@]}"
skj --settle 1.2 -s -a -p "$pid"
expect_rc "connect-stalled is a flag" 1
for ino in "${waiting[@]}"; do
	sget st "$pid" "$ino" .state
	expect_eq "client $ino state" SYN-SENT "$st"
	sget fl "$pid" "$ino" '.flags | join(",")'
	expect_eq "client $ino flags: connect-stalled, not tx-stalled" connect-stalled "$fl"
	jcheck "client $ino: SYN-SENT has no unsent age (its send clock never ran)" \
		'.processes[0].sockets[] | select(.inode == $i) | .unsent_age == null' --argjson i "$ino"
done

# --watch: the stall begins as connect-stall-begin
skw -i 0.3 -c 6 --window 0.5 -s -p "$pid"
n=$(jq -r '.events[] | select(.event == "connect-stall-begin") | .inode' "$SK_NDJSON" | sort -u | wc -l)
expect_eq "connect-stall-begin events, one per waiting client" 2 "$n"
n=$(jq -r --argjson a "${waiting[0]}" --argjson b "${waiting[1]}" \
	'.events[] | select(.event == "tx-stall-begin" and (.inode == $a or .inode == $b)) | .inode' \
	"$SK_NDJSON" | wc -l)
expect_eq "no tx-stall-begin for the SYN-SENT clients" 0 "$n"
exit 0
