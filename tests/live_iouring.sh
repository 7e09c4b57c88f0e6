#!/bin/bash
# A socket held only as an io_uring fixed file (its plain fd closed after
# IORING_REGISTER_FILES) belongs to the process holding the ring: skcheck
# reads the ring's table from /proc/PID/fdinfo and shows the socket under
# that process as RINGFD:ring[SLOT], with its unread bytes; it is neither
# unowned nor a leak.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_ss
[ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ] ||
	skip "io_uring disabled (kernel.io_uring_disabled)"

start_helper pid iouring=100000
hget ino iouring.rx inode
hget ring iouring.rx ring_fd
hget unread iouring.rx unread
expect_eq "helper queued every byte" 100000 "$unread"
# precondition: no fd of the helper names the socket any more
if ls -l "/proc/$pid/fd" | grep -q "socket:\[$ino\]"; then
	hard_error "socket $ino still has a plain fd"
fi
grep -q "socket:\[$ino\]" "/proc/$pid/fdinfo/$ring" ||
	hard_error "ring $ring does not list socket $ino: $(cat "/proc/$pid/fdinfo/$ring")"

skj -a -s --pid "$pid"
sget v "$pid" "$ino" .recv_q
expect_eq "the ring's socket is the helper's, with its unread bytes" 100000 "$v"
ss_get ssq "$ino" recvq -t -a
expect_eq "recv_q vs ss" "$ssq" "$v"
sget v "$pid" "$ino" .fd
expect_eq "fd is the ring's" "$ring" "$v"
sget v "$pid" "$ino" .io_uring_slot
expect_eq "registered slot" 0 "$v"
jget v '.processes[] | select(.pid == $pid) | .sockets[] | select(.inode == $ino) | .owners[0].io_uring_slot' \
	--argjson pid "$pid" --argjson ino "$ino"
expect_eq "owner entry names the slot too" 0 "$v"
pget v "$pid" .recv_q
expect_eq "process recv_q" 100000 "$v"
pget v "$pid" '.leaked | length'
expect_eq "not leaked" 0 "$v"
skj -a -s --netns current
jcheck "not among the unowned sockets" '[.unowned[] | select(.inode == $ino)] | length == 0' \
	--argjson ino "$ino"

sk -a -s --pid "$pid"
grep -qE " $ring:ring\[0\] +tcp " "$SK_OUT" || fail "no '$ring:ring[0]' fd in the table: $(cat "$SK_OUT")"
ok "table shows the fd as $ring:ring[0]"
