#!/bin/bash
# Sockets no process holds, and queued connections' memory.
#  - A TCP sender closed with ~1 MB unsent behind a zero window stays in
#    the kernel as an orphan (FIN-WAIT-1): skcheck lists it in the
#    namespace's "(no process)" row (table, -s, JSON unowned array and
#    summary.unowned), tx-stalled over two samples, exit status 1.
#  - With -a, the host totals equal the sum of the rows shown.
#  - Connections waiting in a TCP accept queue: their memory is the
#    listener owner's (as their bytes already are); a UNIX listener's
#    pending bytes are unknown (the kernel does not dump embryo UNIX
#    sockets): "-" and null, never 0.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss
require_root "the orphan must be the only unowned socket with data in a private namespace"
[ -n "${SK_IN_NETNS:-}" ] || skip "needs its own network namespace (unshare -n)"

start_helper pid orphan=1000000 listen=8,4,50000 unix-listen=3,1000
hget oport orphan.tx port
hget opeer orphan.tx peer_port
hget unsent orphan.tx unsent
expect_gt "helper: data left unsent behind the zero window" "$unsent" 0

# ss_orphan WHAT: the orphan's Recv-Q or Send-Q as ss sees it
ss_orphan() {
	ss -tn state fin-wait-1 "( sport = :$oport )" | awk -v w="$1" 'NR == 2 { print (w == "recvq" ? $1 : $2) }'
}

skj -a -s --netns current --settle 0.3
expect_rc "a stalled orphan is flagged" 1
osel='.unowned[] | select(.local_port == $p and .peer_port == $q)'
jget n "[$osel] | length" --argjson p "$oport" --argjson q "$opeer"
expect_eq "the orphan is listed once among the unowned sockets" 1 "$n"
jget v "$osel | .state" --argjson p "$oport" --argjson q "$opeer"
expect_eq "orphan state" FIN-WAIT-1 "$v"
jcheck "orphan has no fd (null)" "$osel | .fd == null" --argjson p "$oport" --argjson q "$opeer"
jget sq "$osel | .send_q" --argjson p "$oport" --argjson q "$opeer"
ssq=$(ss_orphan sendq)
expect_eq "orphan send_q vs ss Send-Q" "$ssq" "$sq"
expect_gt "orphan holds its unsent data" "$sq" 0
jcheck "orphan tx-stalled" \
	"[$osel | .flags[]] | index(\"tx-stalled\") != null" --argjson p "$oport" --argjson q "$opeer"
jcheck "orphan is in no process" \
	'[.processes[].sockets[] | select(.local_port == $p and .peer_port == $q)] | length == 0' \
	--argjson p "$oport" --argjson q "$opeer"
# summary.unowned: every unowned socket (all listed with -a)
for k in send_q recv_q mem drops; do
	jget a ".summary.unowned.$k"
	jget b "[.unowned[].$k] | add"
	expect_eq "summary.unowned.$k = sum of the unowned sockets" "$b" "$a"
done
jget a '.summary.unowned.sockets.total'
jget b '.unowned | length'
expect_eq "summary.unowned.sockets = unowned sockets listed with -a" "$b" "$a"

# the host totals are the sum of the rows shown with -a: processes and
# unowned rows (queued TCP connections are dumped sockets, counted in
# their listener's accept_q; embryo UNIX connections are not dumped)
for k in recv_q send_q mem drops; do
	jget tot ".summary.$k"
	jget sum "([.processes[].$k] | add) + .summary.unowned.$k"
	expect_eq "host $k = sum of the rows" "$tot" "$sum"
done
jget tot '.summary.sockets.total'
jget sum '([.processes[].nsockets] | add) + .summary.unowned.sockets.total +
	([.processes[].sockets[] | select(.proto == "tcp") | .accept_q // 0] | add)'
expect_eq "host sockets = rows' sockets + unowned + queued connections" "$tot" "$sum"

# the table: a "(no process)" row with no pid, its socket with no fd
sk -a -s --netns current --settle 0
grep -qE '^ +- \(no process\) ' "$SK_OUT" || fail "no '(no process)' row: $(cat "$SK_OUT")"
grep -qE '^ +- tcp +FIN-WAIT-1 .*:'"$oport"' ' "$SK_OUT" ||
	fail "no orphan socket line under it: $(cat "$SK_OUT")"
ok "table lists the (no process) row and the orphan under it"
# a process filter asks for processes only
skj -a -s --pid "$pid"
jget v '.unowned | length'
expect_eq "--pid lists no unowned sockets" 0 "$v"

# accept queue: the queued connections' memory is the listener owner's
hget lino listen inode
hget lport listen port
skj -a -s --pid "$pid"
childmem=$(ss -tn -m state established "( sport = :$lport )" |
	awk '/skmem:/ { if (match($0, /skmem:\(r[0-9]+/)) s += substr($0, RSTART + 8, RLENGTH - 8) } END { print s + 0 }')
expect_gt "ss: the queued connections hold memory" "$childmem" 0
sget v "$pid" "$lino" .pending_mem
expect_eq "listener pending_mem = its queued connections' rmem (ss)" "$childmem" "$v"
sget own "$pid" "$lino" .mem
jget procmem '[.processes[] | select(.pid == $pid) | .sockets[] | .mem + (.pending_mem // 0)] | add' --argjson pid "$pid"
pget v "$pid" .mem
expect_eq "process mem includes its queued connections" "$procmem" "$v"

# UNIX listener: pending bytes unknown
hget uino unixlisten inode
sget v "$pid" "$uino" .accept_q
expect_eq "unix listener accept queue" 3 "$v"
jcheck "unix listener pending_bytes is null (unknown)" \
	'.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | has("pending_bytes") and .pending_bytes == null' \
	--argjson pid "$pid" --argjson ino "$uino"
sk -a -s --pid "$pid" -o FD,PROTO,STATE,INODE,RECV-Q --settle 0
[ "$SK_RC" -le 1 ] || fail "table with chosen columns: exit $SK_RC: $(cat "$SK_ERR")"
awk -v ino="$uino" '$4 == ino && $5 == "-" { f = 1 } END { exit !f }' "$SK_OUT" ||
	fail "unix listener RECV-Q is not '-': $(grep -w "$uino" "$SK_OUT")"
ok "unix listener RECV-Q shows '-'"
