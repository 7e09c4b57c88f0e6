# shellcheck shell=bash
# tests/lib.sh - sourced by skcheck's live tests (tests/live_*.sh).
#
# Environment (set by `make check`, defaults for running a test by hand):
#   SKCHECK    skcheck binary           (default: <tests>/../src/skcheck)
#   SK_HELPER  tests/sk_helper binary   (default: <tests>/sk_helper)
#   SK_NO_UNSHARE=1  run in the caller's network namespace
#   SK_SETTLE  --settle that sk/skj/skw pass first (default 0: pure
#              snapshots; empty: none, skcheck's own default applies)
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.
#
# As root, each test re-runs itself in a private network namespace
# (unshare -n, lo up), so nothing else on the host can show up in its ss
# output or on its ports. skcheck still sees the whole host's /proc; tests
# select the helper's sockets with --pid.

SK_TESTS_DIR=$(cd -- "$(dirname -- "$0")" && pwd)
SKCHECK=${SKCHECK:-$SK_TESTS_DIR/../src/skcheck}
SK_HELPER=${SK_HELPER:-$SK_TESTS_DIR/sk_helper}
SK_TEST_NAME=$(basename -- "$0" .sh)

skip() { echo "SKIP: $SK_TEST_NAME: $*"; exit 77; }
fail() { echo "FAIL: $SK_TEST_NAME: $*" >&2; exit 1; }
hard_error() { echo "ERROR: $SK_TEST_NAME: $*" >&2; exit 99; }
ok() { echo "ok: $*"; }

[ -x "$SKCHECK" ] || hard_error "SKCHECK=$SKCHECK is not an executable"
[ -x "$SK_HELPER" ] || hard_error "SK_HELPER=$SK_HELPER is not an executable"

if [ -z "${SK_NO_UNSHARE:-}" ] && [ -z "${SK_IN_NETNS:-}" ] && [ "$(id -u)" = 0 ] &&
	command -v ip >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	export SK_IN_NETNS=1
	# shellcheck disable=SC2016
	exec unshare -n -- sh -c 'ip link set lo up || exit 99; exec bash "$0" "$@"' "$0" "$@"
fi

require_root() { [ "$(id -u)" = 0 ] || skip "needs root: $*"; }
require_jq() { command -v jq >/dev/null 2>&1 || skip "jq not installed"; }
require_ss() { command -v ss >/dev/null 2>&1 || skip "ss (iproute2) not installed"; }
require_ipv6() {
	grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6 2>/dev/null ||
		skip "no ::1 on lo"
}

SK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/skcheck-$SK_TEST_NAME.XXXXXX") ||
	hard_error "mktemp failed"
SK_HELPERS=()		# pids of started helpers
SK_HELPER_SEQ=0		# helpers started so far (names their files)
SK_CHILDREN=()		# pids the helpers forked ("child pid=")
SK_NETNS=()		# named namespaces made by netns_add
SK_FIFO_FDS=()		# our ends of the helpers' stdin
declare -A SK_HELPER_OUT	# helper pid -> its output file
SK_CUR=			# output file hval/hget read

# Wait up to 2 s for pid (our child) to exit, then SIGKILL it.
sk_stop_pid() {
	local pid=$1 i st
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 40; i++)); do
		st=$(ps -o stat= -p "$pid" 2>/dev/null) || break
		case $st in Z*) break ;; esac
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

sk_cleanup() {
	local rc=$? pid fd n
	set +e
	# namespace names first: a namespace lives on while a helper runs in
	# it, and ends with the helper
	for n in "${SK_NETNS[@]}"; do
		ip netns del "$n" 2>/dev/null || echo "warning: ip netns del $n failed" >&2
	done
	# background commands (bg_start) first: they may watch the helpers
	for pid in "${SK_BG[@]}"; do sk_stop_pid "$pid"; done
	# Children first: they are not reaped before the helper exits, so
	# their pids cannot have been reused yet.
	for pid in "${SK_CHILDREN[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for pid in "${SK_HELPERS[@]}"; do sk_stop_pid "$pid"; done
	for fd in "${SK_FIFO_FDS[@]}"; do exec {fd}>&-; done
	rm -rf -- "$SK_TMP"
	exit "$rc"
}
trap sk_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# netns_add NAME: ip netns add NAME, lo up; sk_cleanup deletes the name
# however the test ends.  Status 1 with the reason in $SK_TMP/ip.err if
# it cannot be made; a NAME that exists already is a hard error.
netns_add() {
	[ -e "/run/netns/$1" ] && hard_error "/run/netns/$1 exists already"
	ip netns add "$1" 2>"$SK_TMP/ip.err" || return 1
	SK_NETNS+=("$1")
	ip -n "$1" link set lo up || hard_error "cannot set lo up in $1"
}

# start_helper VAR SPEC...: run sk_helper SPEC... in the background, wait
# for READY (10 s), set VAR to its pid and make it the helper that
# hval/hget read. Its stdin is a fifo we hold open, so it waits until the
# test ends; cleanup stops it (and what it forked) however the test ends.
start_helper() {
	# locals are prefixed: printf -v must not hit one of them
	local _sh_var=$1 _sh_n=$((SK_HELPER_SEQ++)) _sh_pid _sh_fd _sh_i _sh_rc _sh_child
	shift
	local _sh_fifo=$SK_TMP/helper$_sh_n.in _sh_out=$SK_TMP/helper$_sh_n.out
	local _sh_err=$SK_TMP/helper$_sh_n.err
	mkfifo "$_sh_fifo" || hard_error "mkfifo $_sh_fifo"
	: >"$_sh_out"	# exists before the background shell opens it
	"$SK_HELPER" "$@" <"$_sh_fifo" >"$_sh_out" 2>"$_sh_err" &
	_sh_pid=$!
	SK_HELPERS+=("$_sh_pid")
	# O_RDWR on a fifo never blocks, even if the helper died first.
	exec {_sh_fd}<>"$_sh_fifo"
	SK_FIFO_FDS+=("$_sh_fd")
	for ((_sh_i = 0; _sh_i < 200; _sh_i++)); do
		grep -qx READY "$_sh_out" && break
		if ! kill -0 "$_sh_pid" 2>/dev/null || [[ $(ps -o stat= -p "$_sh_pid") == Z* ]]; then
			wait "$_sh_pid"
			_sh_rc=$?
			fail "sk_helper $* exited with $_sh_rc: $(cat "$_sh_err")"
		fi
		sleep 0.05
	done
	grep -qx READY "$_sh_out" || fail "sk_helper $* not READY after 10 s: $(cat "$_sh_err")"
	[ "$(head -n 1 "$_sh_out")" = "pid=$_sh_pid" ] ||
		hard_error "sk_helper printed '$(head -n 1 "$_sh_out")', expected pid=$_sh_pid"
	while read -r _sh_child; do
		SK_CHILDREN+=("$_sh_child")
	done < <(awk '$1 == "child" { sub(/^pid=/, "", $2); print $2 }' "$_sh_out")
	SK_HELPER_OUT[$_sh_pid]=$_sh_out
	SK_CUR=$_sh_out
	printf -v "$_sh_var" %s "$_sh_pid"
}

# helper_via VAR WRAPPER ARGS...: start_helper through a wrapper command
# (ip netns exec, unshare, sh -c '... exec "$@"') that keeps the pid, so
# the helper's pid is the one started.
helper_via() {
	local _hv_var=$1 _hv_saved=$SK_HELPER
	SK_HELPER=$2
	shift 2
	start_helper "$_hv_var" "$@"
	SK_HELPER=$_hv_saved
}

# stop_helper PID: end a helper now (SIGTERM, then SIGKILL after 2 s) and
# reap it; its output stays readable with use_helper/hval.
stop_helper() {
	local _sp_p _sp_keep=()
	for _sp_p in "${SK_HELPERS[@]}"; do [ "$_sp_p" = "$1" ] || _sp_keep+=("$_sp_p"); done
	[ "${#_sp_keep[@]}" -lt "${#SK_HELPERS[@]}" ] || hard_error "no helper with pid $1"
	sk_stop_pid "$1"
	SK_HELPERS=("${_sp_keep[@]}")
}

# use_helper PID: make hval/hget read that helper's output.
use_helper() {
	[ -n "${SK_HELPER_OUT[$1]:-}" ] || hard_error "no helper with pid $1"
	SK_CUR=${SK_HELPER_OUT[$1]}
}

# hval LABEL KEY [N]: print KEY of the Nth (default 1st) output line whose
# label is LABEL; status 1 (and nothing printed) if there is no such value.
hval() {
	awk -v l="$1" -v k="$2" -v n="${3:-1}" '
		$1 == l && ++c == n {
			for (i = 2; i <= NF; i++)
				if (index($i, k "=") == 1) { print substr($i, length(k) + 2); found = 1 }
		}
		END { exit !found }' "$SK_CUR"
}

# hget VAR LABEL KEY [N]: like hval, into VAR; fails the test if missing.
hget() {
	local _hg_v
	_hg_v=$(hval "$2" "$3" "${4:-1}") || fail "helper output has no '$2 ... $3=' (line ${4:-1})"
	printf -v "$1" %s "$_hg_v"
}

# hcount LABEL: how many lines the current helper printed with LABEL.
hcount() {
	awk -v l="$1" '$1 == l { c++ } END { print c + 0 }' "$SK_CUR"
}

# sk ARGS...: run skcheck; stdout in $SK_OUT, stderr in $SK_ERR, status in $SK_RC.
# One-shot skcheck takes a second sample after --settle (default 1 s) and
# flags never-read sockets as stalled. The wrappers pass "--settle
# $SK_SETTLE" first (default 0: a pure snapshot, fast and without stall
# flags); a later --settle in ARGS wins. SK_SETTLE= (empty) passes no
# --settle at all, so skcheck's own default applies.
# SK_RUNAS (an array, empty by default) is put in front of the command,
# e.g. setpriv to run skcheck without privileges.
SK_SETTLE=${SK_SETTLE-0}
SK_OUT=$SK_TMP/sk.out
SK_ERR=$SK_TMP/sk.err
SK_RUNAS=()
sk() {
	local _sk_pre=()
	[ -z "$SK_SETTLE" ] || _sk_pre=(--settle "$SK_SETTLE")
	SK_RC=0
	"${SK_RUNAS[@]}" "$SKCHECK" "${_sk_pre[@]}" "$@" >"$SK_OUT" 2>"$SK_ERR" || SK_RC=$?
}

# skj ARGS...: skcheck -J ARGS; requires status 0 or 1 (or 4, a partial
# view, when SK_PARTIAL_OK is set) and one valid JSON document.
# Status 4 is also taken when the only reason is "unattributed" and the
# run names no process: some process on the host that even root cannot
# inspect (a sandbox's pid 1) may hold sockets that other tests, running
# in parallel, leave without a visible owner.  That is the host's state,
# not what a test asserts; tests of the partial view use expect_rc.
skj() {
	sk -J "$@"
	if [ "$SK_RC" = 4 ] && [ -z "${SK_PARTIAL_OK:-}" ] &&
		jq -e '.summary.partial_reasons == ["unattributed"]' "$SK_OUT" >/dev/null 2>&1 &&
		! printf '%s\n' "$@" | grep -qE '^(-p|--pid|-C|--comm|--container|--pod)'; then
		echo "note: skcheck -J $* exited 4 (partial: unattributed sockets elsewhere on the host)"
		SK_RC=0
	fi
	[ "$SK_RC" -le 1 ] || { [ -n "${SK_PARTIAL_OK:-}" ] && [ "$SK_RC" = 4 ]; } ||
		fail "skcheck -J $* exited $SK_RC: $(head -c 2000 "$SK_ERR")"
	[ "$(jq -s length "$SK_OUT" 2>/dev/null)" = 1 ] ||
		fail "skcheck -J $* did not print exactly one JSON document: $(head -c 2000 "$SK_OUT")"
}

# jget VAR FILTER [JQ-ARGS...]: run FILTER (jq -r) on the last skj output.
# It must yield exactly one value that is neither null nor empty.
jget() {
	local _jg_var=$1 _jg_filter=$2 _jg_v
	shift 2
	_jg_v=$(jq -r "$@" "$_jg_filter" "$SK_OUT") || fail "jq failed on: $_jg_filter"
	[ -n "$_jg_v" ] || fail "no value for: $_jg_filter $*"
	[ "$_jg_v" != null ] || fail "null for: $_jg_filter $*"
	[ "$(printf '%s\n' "$_jg_v" | wc -l)" = 1 ] || fail "several values for: $_jg_filter $*: $(tr '\n' ' ' <<<"$_jg_v")"
	printf -v "$_jg_var" %s "$_jg_v"
}

# pget VAR PID FIELD: field (a jq path such as .recv_q) of process PID.
pget() {
	jget "$1" ".processes[] | select(.pid == \$pid) | $3" --argjson pid "$2"
}

# sget VAR PID INODE FIELD: field of the socket INODE listed under process PID.
sget() {
	jget "$1" ".processes[] | select(.pid == \$pid) | .sockets[] | select(.inode == \$ino) | $4" \
		--argjson pid "$2" --argjson ino "$3"
}

# jcheck DESC FILTER [JQ-ARGS...]: FILTER must evaluate to true.
jcheck() {
	local desc=$1 filter=$2
	shift 2
	jq -e "$@" "$filter" "$SK_OUT" >/dev/null || fail "$desc: not true: $filter $*"
	ok "$desc"
}

# expect_eq DESC EXPECTED ACTUAL: neither may be empty or "null".
expect_eq() {
	if [ -z "$2" ] || [ "$2" = null ]; then fail "$1: no expected value"; fi
	if [ -z "$3" ] || [ "$3" = null ]; then fail "$1: no value (expected $2)"; fi
	[ "$2" = "$3" ] || fail "$1: expected $2, got $3"
	ok "$1 = $3"
}

# expect_gt DESC A B: integer A > B.
expect_gt() {
	[[ $2 =~ ^-?[0-9]+$ && $3 =~ ^-?[0-9]+$ ]] || fail "$1: not integers: '$2' '$3'"
	[ "$2" -gt "$3" ] || fail "$1: expected $2 > $3"
	ok "$1 ($2 > $3)"
}

# expect_rc DESC EXPECTED: status of the last sk/skj run.
expect_rc() {
	[ "$SK_RC" = "$2" ] || fail "$1: skcheck exited $SK_RC, expected $2; stderr: $(head -c 2000 "$SK_ERR")"
	ok "$1: exit $SK_RC"
}

# ss_get VAR INODE WHAT SS-ARGS...: a value ss reports for the socket with
# that inode. WHAT: recvq, sendq, or an skmem key (r rb t tb f w o bl d).
# ss names inet sockets "ino:N" (with -e); for unix sockets the inode is the
# "port" column after the local path (paths must then hold no blanks).
ss_get() {
	local _sg_var=$1 _sg_ino=$2 _sg_what=$3 _sg_v
	shift 3
	_sg_v=$(ss -n -e -m "$@" | awk -v ino="$_sg_ino" -v what="$_sg_what" '
		function skmem(line,   s, n, kv, i, k) {
			if (!match(line, /skmem:\([^)]*\)/))
				return 0
			s = substr(line, RSTART + 7, RLENGTH - 8)
			n = split(s, kv, ",")
			for (i = 1; i <= n; i++) {
				k = kv[i]
				sub(/[0-9]+$/, "", k)
				if (k == what) { print substr(kv[i], length(k) + 1); return 1 }
			}
			return 1
		}
		pending { pending = 0; skmem($0); next }
		{
			hit = 0
			if ($1 ~ /^u_/)
				hit = $6 == ino
			else
				for (i = 1; i <= NF; i++)
					if ($i == "ino:" ino) hit = 1
			if (!hit) next
			for (i = 1; i <= NF; i++)
				if ($i ~ /^[0-9]+$/) { rq = $i; sq = $(i + 1); break }
			if (what == "recvq") print rq
			else if (what == "sendq") print sq
			else if (!skmem($0)) pending = 1
		}')
	[ -n "$_sg_v" ] || fail "ss $* shows no '$_sg_what' for inode $_sg_ino"
	[ "$(printf '%s\n' "$_sg_v" | wc -l)" = 1 ] || fail "ss $* shows inode $_sg_ino more than once"
	printf -v "$_sg_var" %s "$_sg_v"
}

# expect_ge DESC A B: number A >= B (floats allowed).
expect_ge() {
	awk -v a="$2" -v b="$3" 'BEGIN {
		num = "^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$"
		exit !(a ~ num && b ~ num && a + 0 >= b + 0) }' ||
		fail "$1: expected $2 >= $3"
	ok "$1 ($2 >= $3)"
}

# skw ARGS...: skcheck --watch -J ARGS, its NDJSON in $SK_NDJSON (stderr in
# $SK_ERR, status in $SK_RC, line count in $SK_NLINES). Requires status 0
# or 1 and that every line is one complete JSON object.
SK_NDJSON=$SK_TMP/sk.ndjson
skw() {
	local _sk_pre=()
	[ -z "$SK_SETTLE" ] || _sk_pre=(--settle "$SK_SETTLE")
	SK_RC=0
	"$SKCHECK" "${_sk_pre[@]}" --watch -J "$@" >"$SK_NDJSON" 2>"$SK_ERR" || SK_RC=$?
	[ "$SK_RC" -le 1 ] || fail "skcheck --watch -J $* exited $SK_RC: $(head -c 2000 "$SK_ERR")"
	ndjson_check "$SK_NDJSON" "skcheck --watch -J $*"
	# shellcheck disable=SC2034  # for the tests
	SK_NLINES=$(wc -l <"$SK_NDJSON")
}

# ndjson_check FILE [DESC]: FILE is non-empty, ends with a newline, and
# each line is exactly one JSON object (NDJSON).
ndjson_check() {
	local f=$1 desc=${2:-$1} types n
	[ -s "$f" ] || fail "$desc: no output"
	[ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" = 0a ] ||
		fail "$desc: last line is not terminated: $(tail -c 300 "$f")"
	types=$(jq -R -r 'fromjson | type' "$f" 2>&1) ||
		fail "$desc: a line is not one JSON document: $types"
	n=$(wc -l <"$f")
	[ "$(grep -cx object <<<"$types")" = "$n" ] ||
		fail "$desc: not every line is a JSON object: $(sort <<<"$types" | uniq -c | tr '\n' ' ')"
}

# watch_line N: make line N (or "last") of $SK_NDJSON the document that
# jget/sget/pget/jcheck read ($SK_OUT).
watch_line() {
	if [ "$1" = last ]; then
		tail -n 1 "$SK_NDJSON" >"$SK_OUT"
	else
		sed -n "${1}p" "$SK_NDJSON" >"$SK_OUT"
	fi
	[ -s "$SK_OUT" ] || fail "no line $1 in the NDJSON output ($(wc -l <"$SK_NDJSON") lines)"
}

# wait_json FILE SECONDS FILTER [JQ-ARGS...]: wait until some complete line
# of the NDJSON FILE (still being written) makes FILTER true; status 1 on
# timeout. A partial last line is ignored.
wait_json() {
	local _wj_f=$1 _wj_end _wj_filter=$3
	sk_deadline _wj_end "$2"
	shift 3
	while [ "$(date +%s%N)" -lt "$_wj_end" ]; do
		if [ -s "$_wj_f" ] && jq -R -e -n "$@" \
			"[inputs | fromjson? | select($_wj_filter)] | length > 0" "$_wj_f" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# sk_deadline VAR SECONDS: VAR = now + SECONDS (may be fractional), in ns.
sk_deadline() {
	local _dl_now
	_dl_now=$(date +%s%N)
	printf -v "$1" %s "$(awk -v n="$_dl_now" -v s="$2" 'BEGIN { printf "%.0f", n + s * 1e9 }')"
}

# sk_running PID: PID exists and is not a zombie.
sk_running() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}

# bg_start VAR OUTFILE CMD...: run CMD in the background with stdout in
# OUTFILE and stderr in OUTFILE.err; VAR gets its pid. Cleanup stops it
# (SIGTERM, then SIGKILL) if the test has not reaped it with bg_wait.
SK_BG=()
bg_start() {
	local _bg_var=$1 _bg_out=$2
	shift 2
	"$@" >"$_bg_out" 2>"$_bg_out.err" &
	SK_BG+=("$!")
	printf -v "$_bg_var" %s "$!"
}

# bg_wait PID SECONDS: wait (SECONDS may be fractional) for a bg_start
# process to end by itself and reap it; its status in $BG_RC and the time
# it took in $BG_SECS. Fails the test if it is still running by then.
bg_wait() {
	local _bw_pid=$1 _bw_end _bw_start _bw_p _bw_keep=()
	_bw_start=$(date +%s%N)
	sk_deadline _bw_end "$2"
	while sk_running "$_bw_pid" && [ "$(date +%s%N)" -lt "$_bw_end" ]; do
		sleep 0.02
	done
	sk_running "$_bw_pid" &&
		fail "process $_bw_pid ($(tr '\0' ' ' <"/proc/$_bw_pid/cmdline" 2>/dev/null)) still running after $2 s;" \
			"state $(ps -o stat= -p "$_bw_pid"), wchan $(cat "/proc/$_bw_pid/wchan" 2>/dev/null)," \
			"syscall $(cat "/proc/$_bw_pid/syscall" 2>/dev/null), stack: $(tr '\n' ' ' <"/proc/$_bw_pid/stack" 2>/dev/null)"
	# shellcheck disable=SC2034  # for the tests
	BG_SECS=$(awk -v a="$_bw_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	BG_RC=0
	# shellcheck disable=SC2034  # for the tests
	wait "$_bw_pid" || BG_RC=$?
	for _bw_p in "${SK_BG[@]}"; do [ "$_bw_p" = "$_bw_pid" ] || _bw_keep+=("$_bw_p"); done
	SK_BG=("${_bw_keep[@]}")
}
