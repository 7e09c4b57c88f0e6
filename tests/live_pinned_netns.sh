#!/bin/bash
# Pinned pages in other network namespaces: the tcp, udp and unix BPF
# iterators see only the namespace of the process that creates them, so
# skcheck creates them inside every namespace it dumps.  Two helpers
# pinning pages, one in a named namespace (ip netns add) and one in an
# anonymous one (unshare -n), must both show their pinned pages when
# skcheck runs from the test's own namespace; --netns selects each alone.
# Variables are set by start_helper/hget/jget (printf -v).
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "ip netns add, unshare -n, setns and BPF"
require_jq
command -v ip >/dev/null 2>&1 || fail "ip (iproute2) not installed"
[ "${SKCHECK_HAVE_BPF:-yes}" = yes ] || skip "built without BPF (--disable-bpf): live_pinned_fallback.sh covers that build"

NS=skc-pin-$$
NS_MADE=
pin_netns_cleanup() {
	local rc=$?
	set +e
	[ -n "$NS_MADE" ] && { ip netns del "$NS" 2>/dev/null || echo "warning: ip netns del $NS failed" >&2; }
	(exit "$rc")
	sk_cleanup
}
trap pin_netns_cleanup EXIT

[ -e "/run/netns/$NS" ] && hard_error "/run/netns/$NS exists already"
ip netns add "$NS" || fail "ip netns add failed"
NS_MADE=1
ip -n "$NS" link set lo up || hard_error "cannot set lo up in $NS"

helper_via p1 ip netns exec "$NS" "$SK_HELPER" pinpages=100
hget frag pinpages frag
helper_via p2 unshare -n -- sh -c 'ip link set lo up || exit 1; exec "$0" "$@"' \
	"$SK_HELPER" pinpages=50 unix-stream=300000
hget utx ustream.tx inode
want1=$((100 * frag)); want2=$((50 * frag))

skj --pid "$p1,$p2" -s -a
jcheck "pinned figures available" '.summary.memory.pinned_unavailable == null'
pget v "$p1" .pinned
expect_ge "named namespace: >= 90% of 100 fragments" "$v" "$((want1 * 9 / 10))"
expect_ge "named namespace: <= 110%" "$((want1 * 11 / 10))" "$v"
jget v '.processes[] | select(.pid == $pid) | [.sockets[] | select(.proto == "tcp") | .pinned] | add' --argjson pid "$p2"
expect_ge "anonymous namespace: >= 90% of 50 fragments (TCP)" "$v" "$((want2 * 9 / 10))"
expect_ge "anonymous namespace: <= 110%" "$((want2 * 11 / 10))" "$v"
sget v "$p2" "$utx" .pinned
expect_ge "anonymous namespace: the UNIX iterator ran there too" "$v" 225000
ino1=$(stat -Lc %i "/run/netns/$NS")
jget v '[.summary.namespaces[] | select(.inode == $ino) | .pinned] | add' --argjson ino "$ino1"
expect_ge "the namespace's pinned total covers its helper" "$v" "$((want1 * 9 / 10))"

skj --netns "$NS" --pid "$p1,$p2"
pget v "$p1" .pinned
expect_ge "--netns $NS: the helper there" "$v" "$((want1 * 9 / 10))"
jcheck "--netns $NS: not the other one" '[.processes[] | select(.pid == $pid)] | length == 0' --argjson pid "$p2"
skj --netns current --pid "$p1"
jcheck "--netns current: nothing of the named namespace" '.processes | length == 0'
