#!/bin/bash
# No false all-clear (issue 11): as root without CAP_SYS_PTRACE, other
# processes' fds cannot be read (EACCES, proc_fd_access_allowed).  Such a
# process is "not inspected", never "its fds closed meanwhile": the
# helper's unread bytes, which no visible process then holds, make the
# view partial in every output mode, with exit status 4 -- where a full
# root run flags the helper.  Also: a selection that matches nothing says
# so, and --top never hides flagged processes without a footer.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "dropping CAP_SYS_PTRACE from root"
require_jq
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) not installed"

NOPTRACE=(setpriv --inh-caps=-all --bounding-set=-sys_ptrace --)
caps=$("${NOPTRACE[@]}" awk '$1 == "CapEff:" { print $2 }' /proc/self/status)
# CAP_SYS_PTRACE is bit 19
(((0x$caps >> 19) & 1)) && hard_error "setpriv left CAP_SYS_PTRACE in $caps"

start_helper pid tcp=70000,0
hget rx tcp.rx inode

# the full view: the helper holds 70000 unread bytes, flagged with --residue 64K
skj -p "$pid" --residue 64K
expect_rc "root: the helper is flagged" 1
pget v "$pid" .recv_q
expect_eq "root: the helper's unread bytes" 70000 "$v"
jcheck "root: the helper was inspected" '.processes[0].inspected == true'

# nptr ARGS: sk as root without CAP_SYS_PTRACE
nptr() {
	local -a SK_RUNAS=("${NOPTRACE[@]}")
	sk "$@"
}

nptr -J -p "$pid" --residue 64K
expect_rc "no CAP_SYS_PTRACE: nothing flagged that can be seen, a partial view" 4
[ "$(jq -s length "$SK_OUT")" = 1 ] || fail "not one JSON document: $(head -c 500 "$SK_OUT")"
jcheck "JSON: partial, reason unattributed" \
	'.summary.partial and (.summary.partial_reasons | index("unattributed") != null)'
jcheck "JSON: the helper is not inspected (Permission denied), with no sockets" \
	'[.processes[] | select(.pid == $p)] | length == 0 or
	 (.[0].inspected == false and .[0].fds_error == "Permission denied" and .[0].nsockets == 0)' \
	--argjson p "$pid"
jget denied .summary.processes.denied
expect_gt "JSON: processes denied" "$denied" 0
jget ub .summary.unattributed_bytes
expect_ge "JSON: unattributed bytes cover the helper's unread bytes" "$ub" 70000
grep -q "^skcheck: partial: .*processes not inspected, and [0-9]* sockets with .* queued that no visible process holds" "$SK_ERR" ||
	fail "-J: no partial line on stderr: $(cat "$SK_ERR")"
ok "-J: the partial line is on stderr"

nptr -p "$pid" --residue 64K
expect_rc "table without CAP_SYS_PTRACE" 4
grep -q "not inspectable (permission denied" "$SK_OUT" || fail "table: no 'not inspectable': $(cat "$SK_OUT")"
grep -q "^partial: .*processes not inspected" "$SK_OUT" || fail "table: no partial line: $(cat "$SK_OUT")"
grep -q "^no process holds unread socket data" "$SK_OUT" &&
	fail "table says all clear although it could not look: $(cat "$SK_OUT")"
grep -q "^no visible process holds unread socket data, but the view is partial" "$SK_OUT" ||
	fail "table: no partial verdict line: $(cat "$SK_OUT")"
ok "table: partial, never 'no process holds unread socket data'"

nptr -p "$pid" --residue 64K --no-summary
expect_rc "--no-summary without CAP_SYS_PTRACE" 4
grep -q "^skcheck: partial: " "$SK_ERR" || fail "--no-summary: no partial line on stderr: $(cat "$SK_ERR")"
ok "--no-summary: the partial line is on stderr"

nptr --prometheus -p "$pid" --residue 64K
expect_rc "--prometheus without CAP_SYS_PTRACE" 4
grep -qx 'skcheck_partial 1' "$SK_OUT" || fail "no 'skcheck_partial 1': $(grep partial "$SK_OUT")"
grep -qx 'skcheck_partial_reason{reason="unattributed"} 1' "$SK_OUT" ||
	fail "no unattributed reason: $(grep partial "$SK_OUT")"
ok "Prometheus: skcheck_partial 1, reason unattributed"

# --watch -J: said once on stderr, not once per sample; status 4
local_out=$SK_TMP/watch.ndjson
SK_RC=0
"${NOPTRACE[@]}" "$SKCHECK" --watch -J -i 0.1 -c 4 -p "$pid" >"$local_out" 2>"$SK_ERR" || SK_RC=$?
expect_rc "--watch -c 4 without CAP_SYS_PTRACE" 4
ndjson_check "$local_out"
expect_eq "watch: the partial line once for 4 samples" 1 "$(grep -c '^skcheck: partial: ' "$SK_ERR")"
expect_eq "watch: every sample partial" "true true true true" \
	"$(jq -r .summary.partial "$local_out" | paste -sd ' ')"

# with full privileges nothing is partial here, and the selection works
skj -p "$pid"
expect_rc "root, default residue: not flagged, complete view" 0
jcheck "root: not partial" '.summary.partial == false and (.summary.partial_reasons | length == 0)'

# --- a selection that matches nothing says so ------------------------------------
sk -C ngnix
expect_rc "--comm matching nothing" 0
grep -qx "no process matches --comm ngnix" "$SK_OUT" || fail "--comm ngnix: $(tail -n 3 "$SK_OUT")"
grep -q "no process holds unread socket data" "$SK_OUT" && fail "--comm ngnix reads as healthy"
ok "--comm ngnix: no process matches --comm ngnix"
sk -p 2147483646 --proto udp
grep -qx "no process matches --pid 2147483646 --proto udp" "$SK_OUT" || fail "--pid/--proto: $(tail -n 3 "$SK_OUT")"
ok "--pid --proto matching nothing names both"
sk --no-summary -C ngnix
grep -qx "no process matches --comm ngnix" "$SK_ERR" || fail "--no-summary -C ngnix: stderr $(cat "$SK_ERR")"
[ ! -s "$SK_OUT" ] || fail "--no-summary -C ngnix printed on stdout: $(cat "$SK_OUT")"
ok "--no-summary: the empty selection is said on stderr"

# --- --top never hides flagged processes silently ------------------------------------
start_helper p2 tcp=90000,0
start_helper p3 tcp=80000,0
sk -p "$pid,$p2,$p3" --residue 64K -N 1
expect_rc "-N 1 of three flagged" 1
grep -qE "^ *$p2 " "$SK_OUT" || fail "-N 1: the biggest ($p2) is not listed: $(cat "$SK_OUT")"
grep -qx "2 more processes not shown (--top 1), 2 with data queued and 2 flagged among them: use --top 0 to see every one" "$SK_OUT" ||
	fail "-N 1: no footer for the two left out: $(tail -n 3 "$SK_OUT")"
ok "-N 1: footer names the 2 flagged processes left out"
skj -p "$pid,$p2,$p3" --residue 64K -N 1
jcheck "JSON: full counts with -N 1" \
	'.summary.processes | .listed == 1 and .not_listed_top == 2 and .not_listed_top_flagged == 2 and .flagged >= 3'
exit 0
