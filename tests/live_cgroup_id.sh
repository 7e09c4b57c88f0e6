#!/bin/bash
# The kernel's cgroup id of an inet socket (INET_DIAG_CGROUP_ID: the
# cgroup it was created in) is cross-checked against the cgroup of the
# process holding it: a helper that starts inside a cgroup owns sockets
# with that cgroup's id (match); a helper moved in after making its
# sockets owns sockets that still carry the old id (mismatch).
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "creating cgroups and moving processes"
require_jq

CG_ROOT=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break }
	$(i + 1) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG_ROOT" ] || skip "no cgroup2 mount in /proc/self/mountinfo"
CG_SELF=$(awk -F: '$1 == "0" && $2 == "" { print $3; exit }' /proc/self/cgroup)
[ -n "$CG_SELF" ] && [ -w "$CG_ROOT$CG_SELF/cgroup.procs" ] ||
	skip "cannot move processes in cgroup2 at $CG_ROOT"
CG=$CG_ROOT/skc-cgid-$$
MOVED=()
cg_cleanup() {
	local rc=$? pid
	set +e
	# back out first: sk_cleanup ends the script
	for pid in "${MOVED[@]}"; do echo "$pid" >"$CG_ROOT$CG_SELF/cgroup.procs" 2>/dev/null; done
	rmdir "$CG" 2>/dev/null || echo "warning: cannot remove $CG" >&2
	(exit "$rc")
	sk_cleanup
}
trap cg_cleanup EXIT
mkdir "$CG" || skip "cannot create a cgroup under $CG_ROOT"
cgid=$(stat -c %i "$CG")

# born inside: the wrapper moves itself, then execs the helper (same pid)
helper_via inside sh -c 'echo $$ >"$1/cgroup.procs" || exit 1; shift; exec "$@"' \
	sh "$CG" "$SK_HELPER" tcp=1000,0
MOVED+=("$inside")
hget in_rx tcp.rx inode
start_helper moved tcp=2000,0
hget mv_rx tcp.rx inode
echo "$moved" >"$CG/cgroup.procs" || fail "cannot move $moved into $CG"
MOVED+=("$moved")

skj -s --pid "$inside,$moved"
pget v "$inside" .cgroup_id
expect_eq "process cgroup_id is the inode of its cgroup2 directory" "$cgid" "$v"
pget v "$moved" .cgroup_id
expect_eq "moved process cgroup_id" "$cgid" "$v"
sget v "$inside" "$in_rx" .cgroup_id
expect_eq "socket made inside carries the cgroup's id" "$cgid" "$v"
sget v "$inside" "$in_rx" .cgroup_matches_owner
expect_eq "socket made inside matches its owner" true "$v"
sget v "$moved" "$mv_rx" .cgroup_matches_owner
expect_eq "socket made before the move does not" false "$v"
jget v '.summary.selected.cgroup_mismatches'
expect_eq "mismatches among the listed sockets (both ends of the moved pair)" 2 "$v"
