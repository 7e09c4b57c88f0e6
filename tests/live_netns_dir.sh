#!/bin/bash
# /run/netns may hold leftovers that are not namespaces (a regular file,
# a dangling entry): they are ignored, not reported as namespaces that
# failed, and they do not make every sample partial.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "ip netns add"
require_jq
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"

dir=$SK_TMP/netns
mkdir -p "$dir"
echo junk >"$dir/not-a-namespace"
ln -s /nonexistent "$dir/dangling"
# one real namespace file, bind-mounted like ip netns does
NS=skc-dir-$$
ns_cleanup() {
	local rc=$?
	set +e
	umount "$dir/real" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	(exit "$rc")
	sk_cleanup
}
trap ns_cleanup EXIT
ip netns add "$NS" || skip "ip netns add failed"
touch "$dir/real"
mount --bind "/run/netns/$NS" "$dir/real" || skip "cannot bind-mount a namespace file"
ino=$(stat -Lc %i "/run/netns/$NS")

SKCHECK_NETNS_DIR=$dir skj -a
# junk there is no namespace that failed (the view may still be partial
# for another reason, unattributed sockets elsewhere on the host)
jget partial '[.summary.partial_reasons[] | select(. == "netns" or . == "dump")] | length'
expect_eq "namespace reasons for a partial view with junk in the netns directory" 0 "$partial"
jget names '[.summary.namespaces[].name | select(. != null)] | sort | join(",")'
expect_eq "named namespaces found" "real" "$names"
jget scanned ".summary.namespaces[] | select(.inode == $ino) | .scanned"
expect_eq "the real one was scanned" true "$scanned"
jget warnings '.summary.warnings | length'
expect_eq "no warnings" 0 "$warnings"
