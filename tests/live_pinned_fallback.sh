#!/bin/bash
# Without BPF, skcheck runs as it does without pinned figures: as root
# with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN dropped (setpriv), the table
# is the same as a root run with --no-pinned, no PINNED column, JSON pinned
# null, no pinned Prometheus series, and the summary says once why.  In a
# --disable-bpf build (SKCHECK_HAVE_BPF=no) a plain root run is that run.
# Variables are set by start_helper/jget (printf -v).
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "dropping capabilities from root"
require_jq
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) not installed"

# shellcheck disable=SC2054  # setpriv takes comma-separated capability lists
DROP=(setpriv --inh-caps=-bpf,-perfmon,-sys_admin
	--bounding-set=-bpf,-perfmon,-sys_admin --)
caps=$("${DROP[@]}" awk '$1 == "CapEff:" { print $2 }' /proc/self/status) ||
	fail "setpriv cannot drop capabilities"
# CAP_SYS_ADMIN is bit 21, CAP_PERFMON 38, CAP_BPF 39
(( (0x$caps >> 21 & 1) == 0 && (0x$caps >> 38 & 3) == 0 )) ||
	fail "setpriv left CapEff $caps"

start_helper pid pinpages=40 tcp=200000,0
ARGS=(--netns current --pid "$pid" -s -a -b --no-summary)

# the reference: root without pinned figures
sk "${ARGS[@]}" --no-pinned
cp "$SK_OUT" "$SK_TMP/ref.out"
grep -q PINNED "$SK_TMP/ref.out" && fail "--no-pinned table has a PINNED column"

if [ "${SKCHECK_HAVE_BPF:-yes}" = no ]; then
	SK_RUNAS=()
	reason="without BPF support"
else
	# with BPF, root sees the pages (the fallback is not the only path)
	sk "${ARGS[@]}"
	grep -q PINNED "$SK_OUT" || fail "root run has no PINNED column: $(cat "$SK_ERR")"
	ok "root: PINNED column"
	SK_RUNAS=("${DROP[@]}")
	reason="not privileged to load BPF programs"
fi

sk "${ARGS[@]}"
expect_rc "without BPF: same exit status as the reference" 0
# WAITING (how long data has waited) moves between the runs: compare
# the tables without it
unage() { sed -E 's/>=[0-9]+[hms][0-9]*[ms]?/AGE/g; s/ +/ /g' "$1"; }
diff -u <(unage "$SK_TMP/ref.out") <(unage "$SK_OUT") >&2 || fail "table differs from the --no-pinned run"
ok "same table as --no-pinned"

sk --netns current --pid "$pid"
n=$(grep -c "^pinned: .*$reason" "$SK_OUT")
expect_eq "the summary says once why" 1 "$n"

skj --netns current --pid "$pid" -s -a
jcheck "process pinned is null" '.processes[0].pinned == null'
jcheck "socket pinned is null" '[.processes[0].sockets[].pinned] | all(. == null)'
jcheck "summary.memory.socket_pinned is null" '.summary.memory.socket_pinned == null'
jget why '.summary.memory.pinned_unavailable'
case $why in *"$reason"*) ok "JSON says why: $why" ;; *) fail "JSON reason: $why" ;; esac
jcheck "host memory breakdown still there" '.summary.memory.unaccounted != null'

sk --netns current --pid "$pid" --prometheus
grep -q pinned_bytes "$SK_OUT" && fail "Prometheus has pinned series without BPF"
grep -q 'part="socket_pinned"' "$SK_OUT" && fail "Prometheus has socket_pinned without BPF"
ok "no pinned Prometheus series"
