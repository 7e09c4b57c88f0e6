#!/bin/bash
# The diagnosis line (skcheck(8) DIAGNOSIS): the first line of the report
# names the worst findings with their evidence, against sockets this test
# made: a reader that never reads (stalled, its exact unread bytes and
# port), a listener nobody accepts from (its accept queue cur/max), a
# process holding leaked TCP fds (their count); the same findings in JSON
# summary.diagnosis; "nothing wrong" on a clean process, and that stalls
# were not judged without --settle; "the view is partial" when skcheck
# could not inspect the process (unprivileged, exit status 4); and the
# same line in --watch's line mode.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_jq

start_helper rd comm=stuckrd tcp=300000,0
hget rx tcp.rx inode
hget rxport tcp.rx port
start_helper be comm=backend listen=4,5,10
hget lst listen inode
hget lport listen port
hget acq listen acceptq
hget backlog listen backlog
start_helper lk comm=leaky leak leak leak
nleaks=$(hcount leak)
expect_eq "leaks made" 3 "$nleaks"

# --- the line, after a second sample ----------------------------------------
sk --settle 0.5 -b -p "$rd,$be,$lk"
expect_rc "three flagged helpers" 1
line=$(head -n 1 "$SK_OUT")
echo "line: $line"
re_stall="^stuckrd\[$rd\] 300000 unread on 127\.0\.0\.1:$rxport for >=[0-9hms]+ \(stalled[,)]"
[[ $line =~ $re_stall ]] || fail "first line does not start with the stalled reader: $line"
ok "stalled reader first, with bytes, address and age"
re_acc="; backend\[$be\] accept queue (full )?$acq/$backlog (not accepted )?on 127\.0\.0\.1:$lport"
[[ $line =~ $re_acc ]] || fail "no accept queue $acq/$backlog of backend[$be]: $line"
ok "listener: accept queue $acq/$backlog"
[[ $line == *"; leaky[$lk] $nleaks leaked TCP fds" ]] ||
	fail "line does not end with leaky[$lk] $nleaks leaked TCP fds: $line"
ok "leaked fds counted"
sed -n 2p "$SK_OUT" | grep -q '^sockets: ' || fail "the summary does not follow the line: $(head -n 3 "$SK_OUT")"
ok "summary follows"

# --- the same in JSON -------------------------------------------------------
skj --settle 0.5 -p "$rd,$be,$lk"
jget v '.summary.diagnosis | map(.kind) | join(",")'
[[ $v =~ ^stalled,accept-(stalled|full),leaked$ ]] || fail "diagnosis kinds: $v"
ok "diagnosis kinds in order: $v"
jget v '.summary.diagnosis[0] | [.pid, .comm, .socket.inode, .socket.proto, .socket.local, .figures.unread_bytes] | map(tostring) | join(" ")'
expect_eq "stalled finding" "$rd stuckrd $rx tcp 127.0.0.1:$rxport 300000" "$v"
jget v '.summary.diagnosis[1] | [.pid, .socket.inode, .figures.accept_q, .figures.accept_max] | map(tostring) | join(" ")'
expect_eq "accept finding" "$be $lst $acq $backlog" "$v"
jget v '.summary.diagnosis[2] | [.pid, .comm, .figures.fds, .figures.fd_proto, (.socket == null)] | map(tostring) | join(" ")'
expect_eq "leaked finding" "$lk leaky $nleaks TCP true" "$v"
jcheck "stalled age covers the settle time" '.summary.diagnosis[0].figures.age >= 0.45'
jcheck "each finding has its text" '.summary.diagnosis | all(.text | length > 0)'

# --- several sockets of one kind: their sum, and the largest ---------------------
start_helper grp comm=grp tcp=1000,0 tcp=3000,0 tcp=2000,0
hget gport tcp.rx port 2
sk --settle 0.5 -b -p "$grp"
expect_rc "three stalled readers in one process" 1
line=$(head -n 1 "$SK_OUT")
[[ $line =~ ^grp\[$grp\]\ 6000\ unread\ in\ 3\ sockets,\ largest\ 3000\ on\ 127\.0\.0\.1:$gport\ for\ \>=[0-9hms]+\ \(stalled ]] ||
	fail "grouped stalled finding: $line"
ok "one finding for the process: 6000 in 3 sockets, largest 3000 on port $gport"
skj --settle 0.5 -p "$grp"
jget v '.summary.diagnosis[0] | [.socket.sockets, .socket.total, .figures.unread_bytes] | map(tostring) | join(" ")'
expect_eq "JSON: sockets, total, largest" "3 6000 3000" "$v"
use_helper "$rd"

# --- one sample: no stall judged, and it says so ------------------------------
sk --settle 0 -b -p "$rd"
expect_rc "one sample of the reader" 0
line=$(head -n 1 "$SK_OUT")
[[ $line == "nothing wrong: no socket flagged (stalls not judged: one sample"* ]] ||
	fail "one sample, 300000 bytes below the residue threshold: $line"
ok "one sample says stalls were not judged"
sk --settle 0 -b --residue 1000 -p "$rd"
expect_rc "--residue 1000" 1
line=$(head -n 1 "$SK_OUT")
[[ $line =~ ^stuckrd\[$rd\]\ 300000\ unread\ on\ 127\.0\.0\.1:$rxport\ for\ \>=[0-9hms]+\ \(residue ]] ||
	fail "residue finding: $line"
ok "residue finding without a stall verdict"

# --- nothing wrong after two samples ---------------------------------------
start_helper idle comm=idle bound
sk --settle 0.3 -p "$idle"
expect_rc "an idle process" 0
expect_eq "clean line" "nothing wrong: no socket flagged" "$(head -n 1 "$SK_OUT")"
skj --settle 0.3 -p "$idle"
jcheck "empty diagnosis" '.summary.diagnosis == [] and .summary.partial == false'

# --- a view skcheck could not complete -----------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	SK_RUNAS=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --)
	sk --settle 0 --netns current -p "$rd"
	SK_RUNAS=()
	expect_rc "unprivileged, root's reader" 4
	line=$(head -n 1 "$SK_OUT")
	[[ $line == "nothing flagged, but the view is partial (1 processes not inspected, "* ]] ||
		fail "partial line: $line"
	ok "partial view said first: $line"
fi

# --- --watch line mode: the line under each sample's header -----------------
timeout 20 "$SKCHECK" --watch -i 0.3 -c 3 -b -p "$lk" >"$SK_TMP/watch.out" 2>"$SK_ERR"
rc=$?
[ "$rc" -le 1 ] || fail "--watch -c 3 exited $rc: $(cat "$SK_ERR")"
n=$(grep -c "^leaky\[$lk\] $nleaks leaked TCP fds$" "$SK_TMP/watch.out")
expect_eq "a diagnosis line per sample" 3 "$n"
