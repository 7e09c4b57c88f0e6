#!/bin/bash
# The owner join by BPF (bpf/owners.bpf.c, an iter/task_file program)
# gives the same answers as the walk of /proc/PID/fd: helpers make the
# live suite's key cases (TCP both ways, UNIX stream and datagram, a
# socket shared with a forked child, a listener with an accept queue, a
# leaked TCP socket, an epoll set and an io_uring ring for the WHY
# verdicts, a socket in a named network namespace, and a socket only a
# thread's own fd table holds), and one skcheck -J over their pids with
# SKCHECK_OWNERS=bpf is compared, process by process and socket by
# socket, with SKCHECK_OWNERS=proc; the same for the last sample of a
# short --watch.  The known owners are checked too, so two equally wrong
# joins do not pass: every helper socket under its pid and fd, the shared
# one under parent and child, the thread's socket under no one (it is
# not in /proc/PID/fd).  SKCHECK_OWNERS=bpf fails when the BPF join
# cannot be used, so the BPF side cannot quietly be the /proc walk.
# In a --disable-bpf build, SKCHECK_OWNERS=bpf must fail and say why, and
# the known owners are checked on the walk alone.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "the BPF iterator and ip netns add"
require_jq
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"

NS=skc-own-$$
NS_MADE=
owners_cleanup() {
	local rc=$?
	set +e
	[ -z "$NS_MADE" ] || ip netns del "$NS" 2>/dev/null ||
		echo "warning: ip netns del $NS failed" >&2
	(exit "$rc")
	sk_cleanup
}
trap owners_cleanup EXIT

start_helper h1 tcp=5000,300 unix-stream=4000 unix-dgram=3,500 leak
hget h1_rx tcp.rx inode
hget h1_rxfd tcp.rx fd
hget h1_tx tcp.tx inode
hget h1_leak leak inode
start_helper h2 tcp=2000,0 fork
hget h2_rx tcp.rx inode
hget h2_rxfd tcp.rx fd
h2_child=$(hval child pid) || fail "fork helper printed no child pid"
start_helper h3 listen=8,4,100 epoll=1000,noin
hget h3_ep epoll.rx inode
h4=
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ]; then
	start_helper h4 iouring=3000
	hget h4_ino iouring.rx inode
	hget h4_ring iouring.rx ring_fd
fi
start_helper h5 threadfiles=1500
hget h5_ino threadfiles.rx inode
if ls -l "/proc/$h5/fd" | grep -q "socket:\[$h5_ino\]"; then
	hard_error "the thread's socket $h5_ino is in /proc/$h5/fd"
fi
ip netns add "$NS" 2>"$SK_TMP/ip.err" || fail "ip netns add failed: $(cat "$SK_TMP/ip.err")"
NS_MADE=1
ip -n "$NS" link set lo up || hard_error "cannot set lo up in $NS"
helper_via h6 ip netns exec "$NS" "$SK_HELPER" tcp=7777,0
hget h6_rx tcp.rx inode
PIDS=$h1,$h2,$h2_child,$h3,$h5,$h6${h4:+,$h4}

NOBPF=
if [ "${SKCHECK_HAVE_BPF:-yes}" = no ]; then
	SKCHECK_OWNERS=bpf sk -J -a -s --pid "$PIDS"
	expect_eq "SKCHECK_OWNERS=bpf without BPF support: exit status" 3 "$SK_RC"
	grep -q "built without BPF support" "$SK_ERR" ||
		fail "no reason given: $(cat "$SK_ERR")"
	ok "a --disable-bpf build refuses SKCHECK_OWNERS=bpf and says why"
	NOBPF=1		# the walk's answers are still checked below
fi

# What the owner join decides, in a stable order: per process its socket
# fds and figures, per socket its owners and what is judged from them.
OWNERS='[.processes[] | {pid, comm, cmdline, uid, netns, container, nsockets, recv_q,
	send_q, accept_q, leaked_fds, unmatched_fds, inspected, socket_fds, flags,
	leaked, sockets: [.sockets[] | {inode, fd, io_uring_slot, recv_q, flags, owners,
		cgroup_matches_owner, why: (.why | if . then {kind, epoll} else null end)}]
		| sort_by(.inode)}] | sort_by(.pid)'

# join MODE: skcheck -J over the helpers with SKCHECK_OWNERS=MODE (two
# samples, so that stalls and their WHY verdicts are judged too)
join() {
	SKCHECK_OWNERS=$1 skj --settle 0.3 -a -s --pid "$PIDS"
	jq -S "$OWNERS" "$SK_OUT" >"$SK_TMP/$1.json" || fail "jq on the $1 run"
}
if [ -n "$NOBPF" ]; then
	join proc
	cp "$SK_OUT" "$SK_TMP/bpf.full"	# what is checked below: the walk's
else
	join bpf
	cp "$SK_OUT" "$SK_TMP/bpf.full"
	join proc
	if ! cmp -s "$SK_TMP/bpf.json" "$SK_TMP/proc.json"; then
		# processes come and go between two runs only outside the
		# helpers: one more try before calling it a difference
		join bpf
		cp "$SK_OUT" "$SK_TMP/bpf.full"
		cmp -s "$SK_TMP/bpf.json" "$SK_TMP/proc.json" ||
			fail "BPF join and /proc walk differ: $(diff "$SK_TMP/proc.json" "$SK_TMP/bpf.json" | head -40)"
	fi
	ok "BPF join and /proc walk give the same $(jq length "$SK_TMP/bpf.json") processes, owners and figures"
fi

# ... and they are right (checked on the BPF run; without BPF, the walk's)
SK_OUT=$SK_TMP/bpf.full
sget v "$h1" "$h1_rx" .fd
expect_eq "tcp reader under its fd" "$h1_rxfd" "$v"
sget v "$h1" "$h1_rx" .recv_q
expect_eq "tcp reader recv_q" 5000 "$v"
sget v "$h1" "$h1_tx" .recv_q
expect_eq "tcp writer recv_q" 300 "$v"
pget v "$h1" '[.leaked[] | .inode] | map(tostring) | join(",")'
expect_eq "leaked socket" "$h1_leak" "$v"
jcheck "shared socket under parent and child" \
	'[.processes[] | select(.sockets[].inode == $ino) | .pid] | sort == ([$a, $b] | sort)' \
	--argjson ino "$h2_rx" --argjson a "$h2" --argjson b "$h2_child"
sget v "$h2" "$h2_rx" .fd
expect_eq "shared socket's fd in the parent" "$h2_rxfd" "$v"
pget v "$h3" .accept_q
expect_eq "listener's accept queue credited to its owner" 4 "$v"
sget v "$h3" "$h3_ep" .recv_q
expect_eq "epoll reader recv_q" 1000 "$v"
sget v "$h3" "$h3_ep" .why.kind
expect_eq "epoll reader's WHY verdict (its epoll fd was found)" unwatched "$v"
if [ -n "$h4" ]; then
	sget v "$h4" "$h4_ino" .fd
	expect_eq "io_uring socket under the ring's fd" "$h4_ring" "$v"
	sget v "$h4" "$h4_ino" .recv_q
	expect_eq "io_uring socket recv_q" 3000 "$v"
fi
jcheck "the thread's own socket is under no process" \
	'[.processes[].sockets[] | select(.inode == $ino)] | length == 0' --argjson ino "$h5_ino"
sget v "$h6" "$h6_rx" .recv_q
expect_eq "named namespace: tcp recv_q" 7777 "$v"
pget v "$h6" .netns.name
expect_eq "named namespace: process netns.name" "$NS" "$v"

# --watch: a BPF host keeps no owner cache; the last of 3 samples agrees
watch_last() {
	SKCHECK_OWNERS=$1 timeout 60 "$SKCHECK" --watch -i 0.2 -c 3 -J -a -s --pid "$PIDS" \
		>"$SK_TMP/w.$1" 2>"$SK_TMP/w.$1.err"
	[ "$(jq -s length "$SK_TMP/w.$1")" = 3 ] ||
		fail "--watch ($1) did not print 3 samples: $(head -c 1000 "$SK_TMP/w.$1.err")"
	jq -s '.[-1]' "$SK_TMP/w.$1" | jq -S "$OWNERS | map(del(.flags) |
		.sockets |= map(del(.flags, .why)))" >"$SK_TMP/w.$1.json"
}
[ -z "$NOBPF" ] || exit 0
watch_last bpf
watch_last proc
cmp -s "$SK_TMP/w.bpf.json" "$SK_TMP/w.proc.json" ||
	fail "--watch: BPF join and /proc walk differ: $(diff "$SK_TMP/w.proc.json" "$SK_TMP/w.bpf.json" | head -40)"
ok "--watch: same owners and figures with either join"
