#!/bin/bash
# Network namespaces: a helper in a named namespace (ip netns add) and one
# in an anonymous one (unshare -n), each with known unread data. skcheck,
# run from the test's own namespace, finds both with the right namespace
# and exact bytes, --netns selects each way, skcheck returns to its own
# namespace after every setns, and no namespace is left behind.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "ip netns add, unshare -n and setns"
require_jq
require_ss
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"
command -v nsenter >/dev/null 2>&1 || skip "nsenter (util-linux) not installed"

NS=skc-test-$$
NS_MADE=
netns_names() { ip netns list 2>/dev/null | awk '{ print $1 }' | sort; }

netns_cleanup() {
	local rc=$?
	set +e
	if [ -n "$NS_MADE" ]; then
		ip netns del "$NS" 2>/dev/null || echo "warning: ip netns del $NS failed" >&2
	fi
	(exit "$rc")
	sk_cleanup	# stops the helpers (and with them the anonymous namespace)
}
trap netns_cleanup EXIT

[ -e "/run/netns/$NS" ] && hard_error "/run/netns/$NS exists already"
names_before=$(netns_names)
ip netns add "$NS" 2>"$SK_TMP/ip.err" || skip "ip netns add failed: $(cat "$SK_TMP/ip.err")"
NS_MADE=1
ip -n "$NS" link set lo up || hard_error "cannot set lo up in $NS"

helper_via p1 ip netns exec "$NS" "$SK_HELPER" tcp=7777,0
hget p1_rx tcp.rx inode
hget p1_tx tcp.tx inode
helper_via p2 unshare -n -- sh -c 'ip link set lo up || exit 1; exec "$0" "$@"' \
	"$SK_HELPER" tcp=8888,0 unix-stream=6666
hget p2_rx tcp.rx inode
hget p2_urx ustream.rx inode
hget p2_utx ustream.tx inode

self_ino=$(stat -Lc %i /proc/self/ns/net)
ino1=$(stat -Lc %i "/proc/$p1/ns/net")
ino2=$(stat -Lc %i "/proc/$p2/ns/net")
named_ino=$(stat -Lc %i "/run/netns/$NS")
expect_eq "helper 1 lives in the named namespace" "$named_ino" "$ino1"
[ "$ino1" != "$self_ino" ] && [ "$ino2" != "$self_ino" ] && [ "$ino1" != "$ino2" ] ||
	hard_error "namespaces not distinct: self $self_ino, $ino1, $ino2"

# ss, run inside a namespace, for the cross-checks
mkdir -p "$SK_TMP/bin"
cat >"$SK_TMP/bin/ss" <<EOF
#!/bin/sh
exec nsenter --net="\$SS_NETNS" -- $(command -v ss) "\$@"
EOF
chmod +x "$SK_TMP/bin/ss"
ss_in() {	# ss_in NSPATH VAR INODE WHAT SS-ARGS...
	local _si_ns=$1
	shift
	PATH=$SK_TMP/bin:$PATH SS_NETNS=$_si_ns ss_get "$@"
}

skj -a -s --pid "$p1,$p2"
jcheck "both helpers listed" '[.processes[].pid] | sort == ([$a, $b] | sort)' \
	--argjson a "$p1" --argjson b "$p2"

sget v "$p1" "$p1_rx" .recv_q
expect_eq "named ns: tcp recv_q" 7777 "$v"
ss_in "/run/netns/$NS" ssq "$p1_rx" recvq -t -a
expect_eq "named ns: recv_q vs ss in the namespace" "$ssq" "$v"
sget v "$p1" "$p1_rx" .netns
expect_eq "named ns: socket netns" "$ino1" "$v"
pget v "$p1" .netns.inode
expect_eq "named ns: process netns.inode" "$ino1" "$v"
pget v "$p1" .netns.name
expect_eq "named ns: process netns.name" "$NS" "$v"
pget v "$p1" .recv_q
expect_eq "named ns: process recv_q" 7777 "$v"

sget v "$p2" "$p2_rx" .recv_q
expect_eq "anonymous ns: tcp recv_q" 8888 "$v"
ss_in "/proc/$p2/ns/net" ssq "$p2_rx" recvq -t -a
expect_eq "anonymous ns: recv_q vs ss in the namespace" "$ssq" "$v"
sget v "$p2" "$p2_urx" .recv_q
expect_eq "anonymous ns: unix stream recv_q" 6666 "$v"
ss_in "/proc/$p2/ns/net" ssq "$p2_urx" recvq -x -a
expect_eq "anonymous ns: unix recv_q vs ss in the namespace" "$ssq" "$v"
sget v "$p2" "$p2_rx" .netns
expect_eq "anonymous ns: tcp socket netns" "$ino2" "$v"
sget v "$p2" "$p2_urx" .netns
expect_eq "anonymous ns: unix socket netns" "$ino2" "$v"
sget v "$p2" "$p2_utx" .unix_peer
expect_eq "anonymous ns: unix peer" "$p2_urx" "$v"
pget v "$p2" .netns.inode
expect_eq "anonymous ns: process netns.inode" "$ino2" "$v"
jcheck "anonymous ns: process netns.name is null" \
	'.processes[] | select(.pid == $p) | .netns | has("name") and .name == null' --argjson p "$p2"
pget v "$p2" .recv_q
expect_eq "anonymous ns: process recv_q" $((8888 + 6666)) "$v"
pget v "$p2" .unmatched_fds
expect_eq "anonymous ns: every socket fd found in a dump" 0 "$v"

jcheck "summary: named ns scanned, with its name" \
	'[.summary.namespaces[] | select(.inode == $i)] | length == 1 and
	 (.[0] | .scanned == true and .current == false and .name == $n)' \
	--argjson i "$ino1" --arg n "$NS"
jcheck "summary: anonymous ns scanned" \
	'[.summary.namespaces[] | select(.inode == $i)] | length == 1 and
	 (.[0] | .scanned == true and .current == false and .name == null)' --argjson i "$ino2"
jcheck "summary: own ns is current" \
	'[.summary.namespaces[] | select(.current)] | length == 1 and .[0].inode == $i' \
	--argjson i "$self_ino"
jcheck "summary: namespaces listed once each" \
	'[.summary.namespaces[].inode] | length == (unique | length)'
jget v '.summary.namespaces[] | select(.inode == $i) | .recv_q' --argjson i "$ino1"
expect_eq "named ns: unread bytes" 7777 "$v"
# only the helpers live in these namespaces: their counts are exact, plus
# the kernel's own netlink sockets that every namespace has (port id 0:
# rtnl, ...), but no sock_diag socket (protocol 4: ours, ss's, the
# kernel's; they hold only dumps being served and skcheck leaves them out)
kernel_nl() {
	nsenter --net="/proc/$1/ns/net" -- ss -A netlink -an |
		awk 'NR > 1 { split($4, a, ":"); if (a[2] == "0" && a[1] != "4") n++ } END { print n + 0 }'
}
ns_count() {	# ns_count VAR PID INODE NETNS-SEL EXTRA
	local _k _v
	_k=$(kernel_nl "$2")
	skj -a -s --netns "$4"
	jget _v '.summary.namespaces[] | select(.inode == $i) | .sockets' --argjson i "$3"
	expect_eq "ns $3: socket count ($5 + $_k kernel netlink)" $(($5 + _k)) "$_v"
	printf -v "$1" %s $(($5 + _k))
}
ns_count n1 "$p1" "$ino1" "$NS" 2
ns_count n2 "$p2" "$ino2" "pid:$p2" 4
jget v '.summary.namespaces[] | select(.inode == $i) | .recv_q' --argjson i "$ino2"
expect_eq "anonymous ns: unread bytes" $((8888 + 6666)) "$v"
jcheck "summary: no partial data" '.summary.partial == false'

# --netns selection
skj -a -s --pid "$p1,$p2" --netns "$NS"
jcheck "--netns NAME: only the named ns helper" '[.processes[].pid] == [$p]' --argjson p "$p1"
jcheck "--netns NAME: one namespace scanned" \
	'.summary.namespaces | length == 1 and .[0].inode == $i and .[0].scanned' --argjson i "$ino1"
sget v "$p1" "$p1_rx" .recv_q
expect_eq "--netns NAME: recv_q" 7777 "$v"

skj -a -s --pid "$p1,$p2" --netns "pid:$p2"
jcheck "--netns pid:P2: only P2" '[.processes[].pid] == [$p]' --argjson p "$p2"
jcheck "--netns pid:P2: its namespace only" \
	'.summary.namespaces | length == 1 and .[0].inode == $i' --argjson i "$ino2"
sget v "$p2" "$p2_urx" .recv_q
expect_eq "--netns pid:P2: unix recv_q" 6666 "$v"

skj -a -s --pid "$p1,$p2" --netns "ino:$ino2"
jcheck "--netns ino:INODE: only P2" '[.processes[].pid] == [$p]' --argjson p "$p2"
skj -a -s --pid "$p1,$p2" --netns "$ino1"
jcheck "--netns INODE: only P1" '[.processes[].pid] == [$p]' --argjson p "$p1"

skj -a -s --pid "$p1,$p2" --netns current
jcheck "--netns current: neither helper" '.processes == []'
jcheck "--netns current: our namespace only" \
	'.summary.namespaces | length == 1 and .[0].current and .[0].inode == $i' --argjson i "$self_ino"

sk -J --netns "nosuch-$$"
expect_rc "--netns nosuch" 3
grep -q "no such network namespace: nosuch-$$" "$SK_ERR" ||
	fail "--netns nosuch: stderr lacks 'no such network namespace': $(cat "$SK_ERR")"
[ -s "$SK_OUT" ] && fail "--netns nosuch printed output: $(head -c 500 "$SK_OUT")"
ok "--netns nosuch: message"
sk -J --netns "pid:999999999"
expect_rc "--netns pid:<no such pid>" 3
sk -J --netns a/b
expect_rc "--netns a/b is a usage error" 2

# table: a NETNS column with the ip netns name, else the inode
sk -a --pid "$p1,$p2"
expect_rc "table run" 0
grep -qE '^ *PID +COMM +NETNS ' "$SK_OUT" || fail "table has no NETNS column: $(cat "$SK_OUT")"
grep -E "^ *$p1 .* $NS( |\$)" "$SK_OUT" >/dev/null || fail "table row of $p1 lacks $NS: $(cat "$SK_OUT")"
grep -E "^ *$p2 .* $ino2( |\$)" "$SK_OUT" >/dev/null || fail "table row of $p2 lacks $ino2: $(cat "$SK_OUT")"
v=$(sed -nE "s/^  netns $ino1 \($NS\): ([0-9]+) sockets.*/\1/p" "$SK_OUT")
[ -n "$v" ] || fail "table summary lacks the named ns line: $(cat "$SK_OUT")"
expect_eq "table summary: named ns sockets (helper's and the kernel's)" "$n1" "$v"
ok "table: NETNS column and namespace summary"

# every setns() into a foreign namespace is followed by one back to ours,
# thread by thread (namespaces are dumped on a pool: src/nsdump.c)
if command -v strace >/dev/null 2>&1; then
	# LeakSanitizer cannot run under ptrace: off for a sanitizer build
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -ff -qq -y -e trace=setns -o "$SK_TMP/strace.out" \
		"$SKCHECK" -J -a --pid "$p1,$p2" >/dev/null 2>"$SK_TMP/strace.err" ||
		[ $? -le 1 ] || fail "skcheck under strace failed: $(cat "$SK_TMP/strace.err")"
	awk -v self="net:[$self_ino]" '
		/(^| )setns\(/ && / = 0$/ {
			t = $0
			sub(/^[^<]*</, "", t)
			sub(/>, .*/, "", t)
			tid = FILENAME	# -ff: one file per thread, whole lines
			if (t == self) {
				if (!inside[tid]) { print "setns back without a foreign one: " $0; bad = 1 }
				inside[tid] = 0; back++
			} else {
				if (inside[tid]) { print "setns into a foreign ns from a foreign ns: " $0; bad = 1 }
				inside[tid] = 1; foreign++
			}
		}
		END {
			for (tid in inside)
				if (inside[tid]) { print "thread " tid ": last setns left it in a foreign namespace"; bad = 1 }
			if (foreign < 2) { print "only " foreign + 0 " foreign setns calls"; bad = 1 }
			exit bad
		}' "$SK_TMP"/strace.out.* >"$SK_TMP/strace.check" ||
		fail "setns sequence: $(cat "$SK_TMP/strace.check"); trace: $(head -c 3000 "$SK_TMP"/strace.out.*)"
	ok "every setns into a foreign namespace is followed by setns back ($(cat "$SK_TMP"/strace.out.* | grep -c ' = 0$') calls in $(ls "$SK_TMP"/strace.out.* | wc -l) threads)"
else
	echo "skipped: setns sequence check (strace not installed)"
fi

# skcheck made no named namespace; after deleting ours the list is as
# before. Other programs on a shared host may add or remove namespaces
# meanwhile: that is reported, not failed.
names_mid=$(netns_names)
extra=$(comm -13 <(printf '%s\n' "$names_before") <(printf '%s\n' "$names_mid") | grep -vxF -e "$NS")
ip netns del "$NS" || fail "ip netns del $NS"
NS_MADE=
[ -e "/run/netns/$NS" ] && fail "/run/netns/$NS still exists"
netns_names | grep -qxF -e "$NS" && fail "ip netns list still shows $NS"
names_after=$(netns_names)
if [ "$names_before" = "$names_after" ] && [ -z "$extra" ]; then
	ok "ip netns list identical before and after ($(echo $names_after | wc -w) names)"
else
	echo "note: other programs changed the named namespaces meanwhile:" \
		"$(comm -3 <(printf '%s\n' "$names_before") <(printf '%s\n' "$names_after") | tr -d '\t' | xargs)"
	ok "$NS deleted, none of ours left"
fi
exit 0
