#!/bin/bash
# WHY without ptrace access: the verdict must be `unknown`, saying so,
# never a guess.
#
# skcheck runs as root without CAP_SYS_PTRACE, CAP_DAC_OVERRIDE and
# CAP_DAC_READ_SEARCH (setpriv, as live_unpriv.sh drops privileges).
#  1. Against a helper that kept every capability, the kernel denies the
#     helper's fds too (ptrace_may_access: the target's capabilities are
#     not a subset of ours), so its sockets cannot be attributed: the run
#     is partial (exit 4), the process counts as denied and no verdict is
#     claimed.
#  2. Against a helper without capabilities its fds are readable.  Where
#     Yama's ptrace_scope=1 (Ubuntu's default) is in force, the syscall
#     files (PTRACE_MODE_ATTACH) are then still denied while the fds
#     (PTRACE_MODE_READ) are not; this kernel has no Yama, so the test
#     makes the same split by hiding the helper's
#     /proc/PID/task/TID/syscall files behind an unreadable file, bind-
#     mounted in a private mount namespace that ends with the run.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "setpriv and bind mounts in a private mount namespace"
require_jq
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) not installed"
unshare -m true 2>/dev/null || skip "cannot unshare a mount namespace"

DROP=-sys_ptrace,-dac_override,-dac_read_search
NOPTRACE=(setpriv "--inh-caps=$DROP" "--bounding-set=$DROP" --)
NOCAPS=(setpriv --inh-caps=-all --bounding-set=-all --)
caps=$("${NOPTRACE[@]}" awk '$1 == "CapEff:" { print $2 }' /proc/self/status)
[ $((0x$caps & (1 << 19))) = 0 ] || hard_error "setpriv left CAP_SYS_PTRACE: $caps"

# --- 1: a helper with every capability: not inspectable, no verdict ------
start_helper pfull tcp=50000,0
SK_RUNAS=("${NOPTRACE[@]}")
sk -J --settle 0.3 -s -a -p "$pfull"
# exit 4: partial (a process not inspected), said on stderr
[ "$SK_RC" = 4 ] || fail "not inspectable helper: exit $SK_RC, expected 4 (partial): $(head -c 500 "$SK_ERR")"
grep -q "not inspected" "$SK_ERR" || fail "partial run does not say what it could not see: $(cat "$SK_ERR")"
ok "not inspectable helper: exit 4, partial, said so"
jget v .summary.processes.denied
expect_gt "full-capability helper is not inspectable (denied)" "$v" 0
pget v "$pfull" .nsockets
expect_eq "its sockets are not attributed" 0 "$v"
jcheck "no verdict claimed for it" \
	'[.processes[] | select(.pid == $p) | .why[]] | length == 0' --argjson p "$pfull"
SK_RUNAS=()

# --- 2: fds readable, syscalls not -----------------------------------------
helper_via pid "${NOCAPS[0]}" "${NOCAPS[@]:1}" "$SK_HELPER" comm=app tcp=50000,0
hget rx tcp.rx inode
[ "$(awk '$1 == "CapPrm:" { print $2 }' "/proc/$pid/status")" = 0000000000000000 ] ||
	hard_error "helper $pid kept capabilities"
tids=$(ls "/proc/$pid/task")
ntids=$(wc -w <<<"$tids")
mask=$SK_TMP/mask
: >"$mask"
chmod 000 "$mask"
export WHY_PID=$pid WHY_TIDS=$tids WHY_MASK=$mask
# shellcheck disable=SC2016
MASKED=(unshare -m -- sh -c 'for t in $WHY_TIDS; do
		mount --bind "$WHY_MASK" "/proc/$WHY_PID/task/$t/syscall" || exit 99
	done
	exec "$@"' masked "${NOPTRACE[@]}")
SK_RUNAS=("${MASKED[@]}")
skj --settle 0.3 -s -p "$pid"
expect_rc "no ptrace access, stalled socket" 1
sget v "$pid" "$rx" '.flags | index("stalled") != null'
expect_eq "still stalled (the queue is read by sock_diag)" true "$v"
sget v "$pid" "$rx" .why.kind
expect_eq "no ptrace access: why" unknown "$v"
sget v "$pid" "$rx" '.why.detail | test("^no ptrace access")'
expect_eq "the detail says no ptrace access" true "$v"
sget v "$pid" "$rx" .why.counts.no_ptrace_access
expect_eq "every thread's syscall unreadable" "$ntids" "$v"
sget v "$pid" "$rx" '[.why.threads[] | select(.syscall == "unknown (no ptrace access)")] | length'
expect_eq "evidence: threads with syscall 'unknown (no ptrace access)'" "$ntids" "$v"
sget v "$pid" "$rx" '.flags | index("unwatched") == null'
expect_eq "no unwatched guess" true "$v"
sk --settle 0.3 -s -p "$pid" --no-summary
grep -q "unknown: no ptrace access" "$SK_OUT" || fail "table does not state it: $(cat "$SK_OUT")"
ok "table: unknown: no ptrace access"

# the same helper, same capabilities, without the mask: a real verdict,
# so the unknown above came from the missing access alone
SK_RUNAS=("${NOPTRACE[@]}")
skj --settle 0.3 -s -p "$pid"
sget v "$pid" "$rx" .why.kind
expect_eq "with access to the syscalls: why" unwatched "$v"
exit 0
