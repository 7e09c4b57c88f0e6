#!/bin/bash
# Interface names of device-bound sockets resolve in the socket's own
# network namespace: a veth device that exists only inside an unshared
# namespace (an index that names another device, or none, in ours) must
# come out under its own name, in the table and in JSON.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "unshare -n and a dummy device"
require_jq
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"
# a veth pair: dummy devices need a module that may be missing
ip link add skcprobe0 type veth peer name skcprobe1 2>/dev/null || skip "no veth support"
ip link del skcprobe0

DEV=skcdev$$
DEV=${DEV:0:14}
helper_via p unshare -n -- sh -c \
	'ip link add "$1" type veth peer name "$1"p && ip link set "$1" up || exit 1; shift; exec "$@"' \
	sh "$DEV" "$SK_HELPER" bindtodev="$DEV"
hget ino bindtodev inode
hget fd bindtodev fd
ifindex=$(nsenter -t "$p" -n ip -o link show "$DEV" | cut -d: -f1)
[ -e "/sys/class/net/$DEV" ] && hard_error "$DEV exists in the test namespace too"

skj -a -s -u --pid "$p"
sget dev "$p" "$ino" '.dev'
expect_eq "JSON dev of the bound socket" "$DEV" "$dev"
sget local "$p" "$ino" '.local'
[[ $local =~ ^\*%$DEV:[0-9]+$ ]] || fail "JSON local '$local' is not *%$DEV:PORT"
sget sfd "$p" "$ino" '.fd'
expect_eq "fd" "$fd" "$sfd"

# the table shows the same, not our namespace's name for that index
sk -s -a -u --pid "$p" -o FD,LOCAL,INODE --no-summary
expect_rc "table run" 0
grep -qE "^ *$fd +\\*%$DEV:[0-9]+ +$ino\$" "$SK_OUT" ||
	fail "table row for fd $fd lacks *%$DEV:PORT ($(cat "$SK_OUT"); index $ifindex)"
echo "ok: device $DEV (index $ifindex) named in its own namespace"
