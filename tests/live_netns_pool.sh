#!/bin/bash
# Namespaces dumped on a thread pool (src/nsdump.c): 30 network
# namespaces (24 anonymous, unshare -n; 6 named, ip netns add), each with
# a helper holding TCP and UNIX sockets with unread byte counts unique to
# that namespace.  skcheck with its default pool, with 4 threads and
# with SKCHECK_NS_THREADS=1 (one namespace after the other, no thread)
# must report every helper's sockets in the helper's namespace with the
# exact bytes, and the same sockets, figures and order in all three: the
# table byte for byte, the JSON field for field (times left out).
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016,SC2034
. "$(dirname -- "$0")/lib.sh"
require_root "ip netns add, unshare -n and setns"
require_jq
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"

NANON=24
NNAMED=6
PFX=skc-pool-$$

PIDS=()
declare -A RX TX URX WANT_RX WANT_TX WANT_U NSINO
add_helper() {	# add_helper I WRAPPER...: helper I, unread bytes from I
	local i=$1 p
	shift
	WANT_RX[$i]=$((1000 + i))
	WANT_TX[$i]=$((2000 + i))
	WANT_U[$i]=$((3000 + i))
	helper_via p "$@" "$SK_HELPER" "tcp=${WANT_RX[$i]},${WANT_TX[$i]}" \
		"unix-stream=${WANT_U[$i]}"
	hget "RX[$p]" tcp.rx inode
	hget "TX[$p]" tcp.tx inode
	hget "URX[$p]" ustream.rx inode
	NSINO[$p]=$(stat -Lc %i "/proc/$p/ns/net") || hard_error "no ns of $p"
	IDX[$p]=$i
	PIDS+=("$p")
}
declare -A IDX
for ((i = 0; i < NANON; i++)); do
	add_helper "$i" unshare -n -- sh -c 'ip link set lo up || exit 1; exec "$0" "$@"'
done
for ((i = NANON; i < NANON + NNAMED; i++)); do
	n=$PFX-$i
	netns_add "$n" || fail "ip netns add $n: $(cat "$SK_TMP/ip.err")"
	add_helper "$i" ip netns exec "$n"
done
self_ino=$(stat -Lc %i /proc/self/ns/net)
distinct=$(printf '%s\n' "${NSINO[@]}" | sort -u | grep -vcx "$self_ino")
expect_eq "30 distinct namespaces, none ours" $((NANON + NNAMED)) "$distinct"
pidlist=$(IFS=,; echo "${PIDS[*]}")
inos=$(printf '%s\n' "${NSINO[@]}" | jq -sc 'map(tonumber)')

# The JSON without what changes from one run to the next: times, ages,
# and skmem.optmem, which skcheck's own BPF program raises (its socket
# storage, bpf/pinned.bpf.c, is charged to optmem and freed some time
# after the previous run exits: a run right after another sees 256).
stable='def strip: walk(if type == "object" then
		del(.duration, .why_duration, .run_duration, .time, .since, .seconds,
		    .unread_age, .unsent_age, .close_wait_seconds, .close_wait_oldest,
		    .optmem)
		else . end);
	{ processes: (.processes | strip),
	  namespaces: [.summary.namespaces[] | select(.inode as $i | $inos | index($i))] | strip }'
COLS=PID,COMM,FD,PROTO,STATE,LOCAL,PEER,INODE,NETNS,RECV-Q,SEND-Q,MEM,PINNED
run_both() {	# run_both TAG [ENV...]: JSON and table of our helpers
	local tag=$1
	shift
	SK_RUNAS=(env "$@")
	skj -a --pid "$pidlist"
	jq -S --argjson inos "$inos" "$stable" "$SK_OUT" >"$SK_TMP/$tag.json" ||
		fail "jq on the $tag JSON"
	cp "$SK_OUT" "$SK_TMP/$tag.raw.json"
	sk -a -s --pid "$pidlist" -o "$COLS" --no-summary
	[ "$SK_RC" -le 1 ] || fail "skcheck ($tag) exited $SK_RC: $(head -c 2000 "$SK_ERR")"
	cp "$SK_OUT" "$SK_TMP/$tag.table"
	SK_RUNAS=()
}

run_both serial SKCHECK_NS_THREADS=1
run_both pool
run_both pool4 SKCHECK_NS_THREADS=4

# Every helper, in its own namespace, with its own bytes (the serial run
# first: the pool runs must then equal it).
for tag in serial pool pool4; do
	cp "$SK_TMP/$tag.raw.json" "$SK_OUT"
	missing=0
	for p in "${PIDS[@]}"; do
		i=${IDX[$p]}
		jq -e --argjson pid "$p" --argjson ns "${NSINO[$p]}" \
			--argjson rx "${RX[$p]}" --argjson tx "${TX[$p]}" --argjson u "${URX[$p]}" \
			--argjson wrx "${WANT_RX[$i]}" --argjson wtx "${WANT_TX[$i]}" \
			--argjson wu "${WANT_U[$i]}" '
			[.processes[] | select(.pid == $pid) | .sockets[]] as $s
			| ($s | map(select(.inode == $rx and .netns == $ns and .recv_q == $wrx)) | length) == 1
			and ($s | map(select(.inode == $tx and .netns == $ns and .recv_q == $wtx)) | length) == 1
			and ($s | map(select(.inode == $u and .netns == $ns and .recv_q == $wu)) | length) == 1' \
			"$SK_OUT" >/dev/null || { echo "$tag: helper $i (pid $p, netns ${NSINO[$p]}) not reported right" >&2; missing=$((missing + 1)); }
	done
	expect_eq "$tag: every namespace's sockets reported" 0 "$missing"
	# the pinned walk (one namespace after the other, after the pool)
	# reached every namespace: each helper's TCP pair holds pages; a
	# --disable-bpf build has no pinned figures at all
	if [ "${SKCHECK_HAVE_BPF:-yes}" = no ]; then
		jcheck "$tag: no pinned figures without BPF" \
			'[.processes[].sockets[] | .pinned] | all(. == null)'
	else
		jcheck "$tag: pinned pages found in every namespace" \
			'[.processes[].sockets[] | select(.proto == "tcp" and (.pinned // 0) > 0) | .netns]
			 | unique | length == 30'
	fi
	jcheck "$tag: every namespace dumped completely" \
		'[.summary.namespaces[] | select(.inode as $i | $inos | index($i)) | .scanned] == [range(30) | true]' \
		--argjson inos "$inos"
done

for tag in pool pool4; do
	if cmp -s "$SK_TMP/serial.json" "$SK_TMP/$tag.json"; then
		ok "$tag JSON equals the serial JSON"
	else
		diff "$SK_TMP/serial.json" "$SK_TMP/$tag.json" | head -40 >&2
		fail "$tag JSON differs from the serial one"
	fi
	if cmp -s "$SK_TMP/serial.table" "$SK_TMP/$tag.table"; then
		ok "$tag table equals the serial table"
	else
		diff "$SK_TMP/serial.table" "$SK_TMP/$tag.table" | head -40 >&2
		fail "$tag table differs from the serial one"
	fi
done
lines=$(grep -c . "$SK_TMP/serial.table")
expect_ge "the table lists every helper socket" "$lines" $((3 * (NANON + NNAMED)))

# A bad pool size is a usage error, not a silent default.
for bad in 0 65 x -1; do
	SK_RUNAS=(env "SKCHECK_NS_THREADS=$bad")
	sk -J --pid "$pidlist"
	SK_RUNAS=()
	expect_rc "SKCHECK_NS_THREADS=$bad" 2 "$SK_RC"
done
