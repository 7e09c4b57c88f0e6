#!/bin/bash
# UNIX sockets: stream recv_q is the exact byte count, dgram recv_q is the
# first datagram only, memory is charged to the sender, and socket paths
# with control bytes are escaped in table output while JSON keeps them.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss

path=$SK_TMP/u$'\x1b[31mred\nline'
abstract=@skcheck-test-$$
start_helper pid unix-stream=300000 unix-dgram=5,700 "unix-stream=5000,$path" \
	"unix-stream=700,$abstract"
skj --all -s --pid "$pid"

# socketpair stream
hget rx ustream.rx inode 1
hget tx ustream.tx inode 1
hget fd ustream.rx fd 1
hget unread ustream.rx unread 1
expect_eq "helper queued all" 300000 "$unread"
sget v "$pid" "$rx" .recv_q
expect_eq "unix stream recv_q" 300000 "$v"
ss_get ssq "$rx" recvq -x -a
expect_eq "unix stream recv_q vs ss Recv-Q" "$ssq" "$v"
sget v "$pid" "$rx" .fd
expect_eq "unix stream fd" "$fd" "$v"
sget v "$pid" "$rx" .proto
expect_eq "unix proto" unix "$v"
sget v "$pid" "$rx" .family
expect_eq "unix family" unix "$v"
sget v "$pid" "$rx" .type
expect_eq "unix type" stream "$v"
sget v "$pid" "$rx" .state
expect_eq "unix state" ESTAB "$v"
sget v "$pid" "$rx" .unix_peer
expect_eq "unix_peer of the receiver" "$tx" "$v"
sget v "$pid" "$tx" .unix_peer
expect_eq "unix_peer of the sender" "$rx" "$v"
sget v "$pid" "$rx" .local
expect_eq "unnamed socket local" '*' "$v"
sget v "$pid" "$rx" .peer
expect_eq "unix peer column" "peer:$tx" "$v"
# the queued bytes are charged to the sender (unix_stream_sendmsg)
sget v "$pid" "$tx" .skmem.wmem_alloc
ss_get sst "$tx" t -x -a
expect_eq "sender skmem.wmem_alloc vs ss t" "$sst" "$v"
expect_gt "sender wmem_alloc holds the data" "$v" 300000
sget v "$pid" "$tx" .send_q
ss_get ssq "$tx" sendq -x -a
expect_eq "sender send_q vs ss Send-Q" "$ssq" "$v"
ss_get ssr "$tx" r -x -a
ss_get ssw "$tx" w -x -a
sget v "$pid" "$tx" .mem
expect_eq "sender mem = r + max(w, t) per ss" $((ssr + (ssw > sst ? ssw : sst))) "$v"

# dgram: sock_diag reports the first datagram's length only
hget rx udgram.rx inode
hget n udgram.rx datagrams
expect_eq "helper queued all datagrams" 5 "$n"
sget v "$pid" "$rx" .recv_q
expect_eq "unix dgram recv_q (first datagram)" 700 "$v"
ss_get ssq "$rx" recvq -x -a
expect_eq "unix dgram recv_q vs ss" "$ssq" "$v"
sget v "$pid" "$rx" .type
expect_eq "unix dgram type" dgram "$v"

# bound path with ESC and newline
hget rx ustream.rx inode 2
sget v "$pid" "$rx" .recv_q
expect_eq "bound unix stream recv_q" 5000 "$v"
# The kernel's UNIX_DIAG_NAME for a path bound with its terminating NUL in
# addrlen includes that NUL: it is not part of the name (ss drops it too).
sget v "$pid" "$rx" '.local | (endswith("\u0000") or endswith("\\x00")) | not'
expect_eq "no NUL terminator in the JSON path" true "$v"
# JSON strings carry the bytes themselves; JSON escaping keeps them safe
jcheck "JSON local is the exact path" \
	'.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .local == $path' \
	--argjson pid "$pid" --argjson ino "$rx" --arg path "$path"
hget rx ustream.rx inode 3
jcheck "JSON local is the abstract name" \
	'.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .local == $name' \
	--argjson pid "$pid" --argjson ino "$rx" --arg name "$abstract"

# Table and raw output: control bytes hex-escaped once, the util-linux way
# (libsmartcols' mbs_safe_encode: ESC -> \x1b, newline -> \x0a).
shown="$SK_TMP/u\\x1b[31mred\\x0aline "
for mode in "" -r; do
	sk -s --pid "$pid" $mode
	expect_rc "table ${mode:-(aligned)} runs" 0
	grep -qF "$abstract" "$SK_OUT" || fail "table $mode does not show $abstract"
	grep -qF '[31mred' "$SK_OUT" || fail "table $mode does not show the bound path"
	if LC_ALL=C grep -q $'\x1b' "$SK_OUT"; then
		fail "raw ESC byte in table $mode output: $(od -c "$SK_OUT" | grep -m1 033)"
	fi
	grep -qE '^[[:space:]]*line' "$SK_OUT" && fail "raw newline from the path in table $mode output"
	grep -qF -- "$shown" "$SK_OUT" ||
		fail "table $mode shows the path as '$(grep -o -m1 -- '/u[^ ]*red[^ ]*' "$SK_OUT")', expected '$shown'"
	ok "path escaped once in table ${mode:-(aligned)} output"
done
