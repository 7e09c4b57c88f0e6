#!/bin/bash
# A TCP socket reset during connect and left open is in no sock_diag dump:
# skcheck reports it as leaked (fd, inode, protocol from sockprotoname).
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss

start_helper pid tcp=10,0 leak bound
hget ino leak inode
hget fd leak fd
# precondition (kernel fact): the socket is not in the dump
if ss -tan -e | grep -qw "ino:$ino"; then
	hard_error "leaked socket $ino is in the TCP dump: $(ss -tan -e | grep -w "ino:$ino")"
fi

skj --all -s --pid "$pid"
jq -e --argjson pid "$pid" '.processes[] | select(.pid == $pid) | has("leaked")' "$SK_OUT" \
	>/dev/null || skip "skcheck's JSON has no 'leaked' field (process keys:" \
	"$(jq -c --argjson pid "$pid" '.processes[] | select(.pid == $pid) | keys' "$SK_OUT"))"

jget kind ".processes[] | select(.pid == \$pid) | .leaked | type" --argjson pid "$pid"
case $kind in
number)
	pget v "$pid" .leaked
	expect_eq "leaked count" 1 "$v"
	;;
array)
	pget v "$pid" '.leaked | length'
	expect_eq "leaked entries" 1 "$v"
	jcheck "leaked entry names fd $fd, inode $ino, tcp" \
		'.processes[] | select(.pid == $pid) | .leaked[0]
		 | (has("fd") or has("inode"))
		   and (if has("fd") then .fd == $fd else true end)
		   and (if has("inode") then .inode == $ino else true end)
		   and (if has("proto") then (.proto | ascii_downcase) == "tcp" else true end)' \
		--argjson pid "$pid" --argjson fd "$fd" --argjson ino "$ino"
	;;
*)
	fail "leaked is a $kind, expected a number or an array"
	;;
esac
# the live sockets are not leaked
hget rx tcp.rx inode
sget v "$pid" "$rx" .recv_q
expect_eq "the live socket is still listed" 10 "$v"

# --watch carries the process over from sample to sample (owner cache):
# the leak must be reported in every sample, exactly once, and the
# carried-over process must not keep the previous sample's list (an ASan
# build also checks that nothing is lost between samples).
skw -i 0.1 -c 4 -a -s --pid "$pid"
expect_eq "watch samples" 4 "$SK_NLINES"
for n in 1 2 3 4; do
	watch_line "$n"
	pget v "$pid" '.leaked | length'
	expect_eq "sample $n: leaked entries" 1 "$v"
	pget v "$pid" '.leaked[0].fd'
	expect_eq "sample $n: leaked fd" "$fd" "$v"
done

# a bound, idle TCP socket is in no regular dump either, but it is not
# leaked (the kernel finds it as TCP_BOUND_INACTIVE on Linux 6.5+)
hget bfd bound fd
skj -a -s --pid "$pid"
pget v "$pid" .unmatched_fds
expect_eq "unmatched fds (leaked + bound)" 2 "$v"
case $(uname -r) in
[0-5].* | 6.[0-4].*) echo "note: kernel before 6.5, bound sockets look leaked there" ;;
*)
	pget v "$pid" '[.leaked[].fd] | join(",")'
	expect_eq "only the reset socket is leaked, not the bound one (fd $bfd)" "$fd" "$v"
	;;
esac
