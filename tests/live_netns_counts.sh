#!/bin/bash
# A namespace's TCP and UDP dumps are skipped when its sockstat counts
# say they can find nothing (each would walk the hash tables all
# namespaces share).  The skip must never lose a socket: namespaces
# holding only IPv6 TCP, only IPv4 UDP, only a listener with queued
# connections, or nothing, are compared with what ss sees in each.
# shellcheck disable=SC2154
. "$(dirname -- "$0")/lib.sh"
require_root "ip netns add"
require_jq
require_ss
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"

PFX=skc-cnt-$$

# case NAME SPEC...: a namespace holding sk_helper SPEC..., or nothing
case_ns() {
	local ns=$PFX-$1
	shift
	netns_add "$ns" || skip "ip netns add failed: $(cat "$SK_TMP/ip.err")"
	[ $# -eq 0 ] || helper_via _pid ip netns exec "$ns" "$SK_HELPER" "$@"
}

case_ns tcp6 tcp6=10,0
case_ns udp4 udp=2,100
case_ns listen listen=16,3,100
case_ns empty

for c in tcp6 udp4 listen empty; do
	ns=$PFX-$c
	read -r c4 c6 <<<"$(ip netns exec "$ns" cat /proc/net/sockstat /proc/net/sockstat6 |
		awk '$1 == "TCP:" { t = $3 } $1 == "TCP6:" { t6 = $3 } END { print t, t6 }')"
	want_tcp=$(ip netns exec "$ns" ss -Htan exclude time-wait exclude syn-recv | wc -l)
	want_udp=$(ip netns exec "$ns" ss -Huan | wc -l)
	skj --netns "$ns"
	jget tcp .summary.sockets.tcp
	jget udp .summary.sockets.udp
	expect_eq "$c: TCP sockets = ss's (sockstat inuse v4 $c4, v6 $c6)" "$want_tcp" "$tcp"
	expect_eq "$c: UDP sockets = ss's" "$want_udp" "$udp"
	jcheck "$c: complete, not partial" '.summary.partial == false'
	jcheck "$c: TCP and UDP served by sock_diag" \
		'.summary.families.tcp == "sock_diag" and .summary.families.udp == "sock_diag"'
done
# the cases are not empty where they should not be
[ "$(ip netns exec "$PFX-tcp6" ss -Htan | wc -l)" -gt 0 ] || fail "tcp6 case holds no TCP socket"
[ "$(ip netns exec "$PFX-udp4" ss -Huan | wc -l)" -gt 0 ] || fail "udp4 case holds no UDP socket"
[ "$(ip netns exec "$PFX-listen" ss -Htan state syn-recv state established | wc -l)" -gt 0 ] ||
	fail "listen case holds no queued connection"
ok "the cases hold what they should"
