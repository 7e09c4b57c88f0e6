#!/bin/bash
# Pinned pages of TCP's other queues: with an nft rule in this test's own
# network namespace dropping every TCP packet longer than 1000 bytes on
# lo, 2 MB sent over loopback are never acknowledged: part sits in the
# retransmit queue (sent, an rb-tree), the rest in the write queue (not
# sent).  The sender's pinned figure must cover all of it (each 32 KiB
# fragment page holds payload only); without the retransmit queue it
# would fall short by the unacknowledged segments.
# Variables are set by start_helper/hget/jget (printf -v).
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "nft rules and BPF"
require_jq
[ "${SKCHECK_HAVE_BPF:-yes}" = yes ] || skip "built without BPF (--disable-bpf): live_pinned_fallback.sh covers that build"
command -v nft >/dev/null 2>&1 || fail "nft (nftables) not installed (tools/dev.sh TEST_DEPS)"
# the rule must never reach the host's lo
[ "${SK_IN_NETNS:-}" = 1 ] || fail "needs lib.sh's private network namespace (unset SK_NO_UNSHARE)"

tcpq_cleanup() {
	local rc=$?
	nft delete table inet skcheck_test 2>/dev/null
	(exit "$rc")
	sk_cleanup
}
trap tcpq_cleanup EXIT

nft add table inet skcheck_test || fail "nft add table"
nft add chain inet skcheck_test in '{ type filter hook input priority 0; }' || fail "nft add chain"
nft add rule inet skcheck_test in iifname lo meta l4proto tcp meta length gt 1000 drop ||
	fail "nft add rule"

start_helper pid unacked=2000000
hget tx unacked.tx inode
hget outq unacked.tx outq
hget rx unacked.rx inode
hget inq unacked.rx inq
expect_eq "nothing arrived" 0 "$inq"
expect_eq "all 2000000 bytes wait in the sender" 2000000 "$outq"
un=$(ss -tni | grep -o 'unacked:[0-9]*' | head -1)
[ -n "$un" ] || fail "ss shows no unacknowledged segments: the data is not in the retransmit queue"
ok "ss: $un (sent, never acknowledged)"

skj --netns current --pid "$pid" -s -a
sget v "$pid" "$tx" .send_q
expect_eq "SEND-Q" 2000000 "$v"
sget pinned "$pid" "$tx" .pinned
expect_ge "write + retransmit queues pin at least their 2000000 bytes" "$pinned" 2000000
expect_ge "... at most 5% + one fragment more" "$((2000000 * 105 / 100 + 32768))" "$pinned"
sget v "$pid" "$rx" .pinned
expect_eq "the receiver got nothing and pins nothing" 0 "$v"
