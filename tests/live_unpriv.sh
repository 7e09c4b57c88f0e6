#!/bin/bash
# Unprivileged run: skcheck as uid 65534 with every capability dropped,
# while a root helper sits in a foreign (named) namespace. It must not
# fail: it scans its own namespace, says once that it could not enter the
# others, marks them not scanned, counts root's processes as denied, and
# still finds a helper of its own user with the exact unread bytes.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "ip netns add and switching to uid 65534"
require_jq
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"

NOBODY=65534
if command -v setpriv >/dev/null 2>&1; then
	UNPRIV=(setpriv "--reuid=$NOBODY" "--regid=$NOBODY" --clear-groups
		--inh-caps=-all --bounding-set=-all --)
elif command -v capsh >/dev/null 2>&1; then
	# setuid away from root clears the permitted and effective sets
	UNPRIV=(capsh "--gid=$NOBODY" "--uid=$NOBODY" -- -c 'exec "$@"' unpriv)
else
	skip "neither setpriv nor capsh (util-linux, libcap2-bin) installed"
fi

NS=skc-unpriv-$$
NS_MADE=
unpriv_cleanup() {
	local rc=$?
	set +e
	[ -n "$NS_MADE" ] && ip netns del "$NS" 2>/dev/null
	(exit "$rc")
	sk_cleanup
}
trap unpriv_cleanup EXIT

caps=$("${UNPRIV[@]}" awk '$1 == "CapEff:" { print $2 }' /proc/self/status) ||
	skip "cannot run as uid $NOBODY with ${UNPRIV[0]}"
[ "$caps" = 0000000000000000 ] || skip "${UNPRIV[0]} left capabilities $caps"

# uid 65534 must be able to run both binaries: copy them if their
# directories are closed to it
run_sk=$SKCHECK run_helper=$SK_HELPER
if ! "${UNPRIV[@]}" test -x "$SKCHECK" || ! "${UNPRIV[@]}" test -x "$SK_HELPER"; then
	chmod 711 "$SK_TMP"
	mkdir -m 755 "$SK_TMP/bin"
	cp "$SKCHECK" "$SK_TMP/bin/skcheck" && cp "$SK_HELPER" "$SK_TMP/bin/sk_helper" ||
		hard_error "cannot copy the binaries"
	run_sk=$SK_TMP/bin/skcheck run_helper=$SK_TMP/bin/sk_helper
	"${UNPRIV[@]}" test -x "$run_sk" || skip "uid $NOBODY cannot execute $run_sk"
fi


ip netns add "$NS" 2>"$SK_TMP/ip.err" || skip "ip netns add failed: $(cat "$SK_TMP/ip.err")"
NS_MADE=1
ip -n "$NS" link set lo up || hard_error "cannot set lo up in $NS"
helper_via proot ip netns exec "$NS" "$SK_HELPER" tcp=4321,0
foreign_ino=$(stat -Lc %i "/run/netns/$NS")
self_ino=$(stat -Lc %i /proc/self/ns/net)

# a helper of uid 65534 itself, in the current namespace
helper_via pu "${UNPRIV[0]}" "${UNPRIV[@]:1}" "$run_helper" tcp=2468,0 unix-stream=1357
[ "$(stat -c %u "/proc/$pu")" = $NOBODY ] || hard_error "helper $pu does not run as $NOBODY"
hget u_rx tcp.rx inode
hget u_urx ustream.rx inode

# usk, uskj ARGS: lib.sh's sk and skj, as uid 65534 with skcheck's own
# --settle default (bash locals are seen by the functions called)
usk() {
	local SKCHECK=$run_sk SK_SETTLE=
	local -a SK_RUNAS=("${UNPRIV[@]}")
	sk "$@"
}
uskj() {
	local SKCHECK=$run_sk SK_SETTLE= SK_PARTIAL_OK=1
	local -a SK_RUNAS=("${UNPRIV[@]}")
	skj "$@"
	ok "unprivileged skcheck -J $*: exit $SK_RC, valid JSON"
}

uskj -a -s --pid "$pu,$proot"
# the own helper is stalled (flagged: status 1 wins over 4, a partial view)
expect_rc "unprivileged: flagged, in a partial view" 1
jcheck "partial, for namespaces not scanned" '.summary.partial and (.summary.partial_reasons | index("netns") != null)'
jcheck "warning: not privileged to enter network namespaces (once)" \
	'[.summary.warnings[] | select(test("not privileged to enter network namespaces"))] | length == 1'
jcheck "foreign namespace listed, not scanned" \
	'[.summary.namespaces[] | select(.inode == $i)] | length == 1 and
	 (.[0] | .scanned == false and .name == $n and (.error | length > 0))' \
	--argjson i "$foreign_ino" --arg n "$NS"
jcheck "current namespace scanned" \
	'[.summary.namespaces[] | select(.current)] | length == 1 and
	 (.[0] | .inode == $i and .scanned == true)' --argjson i "$self_ino"
jcheck "no namespace but the current one scanned" \
	'[.summary.namespaces[] | select(.scanned)] | length == 1'
jget denied .summary.processes.denied
expect_gt "processes denied (root's fds unreadable)" "$denied" 0
sget v "$pu" "$u_rx" .recv_q
expect_eq "own helper: tcp recv_q" 2468 "$v"
sget v "$pu" "$u_urx" .recv_q
expect_eq "own helper: unix stream recv_q" 1357 "$v"
pget v "$pu" .netns.inode
expect_eq "own helper: netns" "$self_ino" "$v"
pget v "$pu" .recv_q
expect_eq "own helper: process recv_q" $((2468 + 1357)) "$v"
jcheck "root's helper in the foreign namespace: no sockets seen" \
	'[.processes[] | select(.pid == $p) | .nsockets] | all(. == 0)' --argjson p "$proot"

# table: the summary says what could not be seen
usk -a --pid "$pu"
expect_rc "unprivileged table run: flagged, in a partial view" 1
grep -q "^partial: [0-9]* network namespaces not scanned" "$SK_OUT" ||
	fail "table summary lacks the partial line: $(cat "$SK_OUT")"
grep -q "not inspectable" "$SK_OUT" || fail "table summary lacks 'not inspectable': $(cat "$SK_OUT")"
grep -q "^warning: not privileged to enter network namespaces" "$SK_OUT" ||
	fail "table summary lacks the namespace warning: $(cat "$SK_OUT")"
grep -qE "netns $foreign_ino \\($NS\\): not scanned" "$SK_OUT" ||
	fail "table summary does not mark $NS not scanned: $(cat "$SK_OUT")"
grep -qE "^ *$pu " "$SK_OUT" || fail "table lacks the own helper $pu: $(cat "$SK_OUT")"
ok "table summary: not inspectable, warning, namespace not scanned"

# nothing flagged (a pure snapshot), but namespaces not scanned: a
# partial view never exits 0
usk --settle 0 --pid "$pu"
expect_rc "unprivileged, nothing flagged: a partial view" 4
grep -q "^partial: [0-9]* network namespaces not scanned" "$SK_OUT" ||
	fail "partial line missing: $(cat "$SK_OUT")"

# explicitly asking for the foreign namespace: either a clear failure, or
# an output that says it was not scanned
usk -J -a --netns "$NS"
if [ "$SK_RC" = 3 ]; then
	[ -s "$SK_ERR" ] || fail "--netns NAME unprivileged: exit 3 without a message"
	ok "--netns NAME unprivileged: exit 3: $(head -n 1 "$SK_ERR")"
else
	expect_rc "--netns NAME unprivileged: nothing scanned there, a partial view" 4
	jcheck "--netns NAME unprivileged: not scanned, warned" \
		'(.summary.namespaces | length == 1 and .[0].scanned == false) and
		 ([.summary.warnings[] | select(test("not privileged"))] | length == 1)'
fi
exit 0
