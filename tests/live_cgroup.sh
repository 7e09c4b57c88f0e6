#!/bin/bash
# Containers and pods: helpers with known unread data are moved into real
# cgroup-v2 directories named the way kubelet (systemd and cgroupfs
# drivers), containerd, CRI-O and Docker name them; skcheck must report
# each one's container id, runtime, pod UID and QoS class, filter by
# --container and --pod, and roll them up with --by container.
# Variables are set by start_helper/hget/jget (printf -v); jq filters are
# single-quoted on purpose.
# shellcheck disable=SC2154,SC2016
. "$(dirname -- "$0")/lib.sh"
require_root "creating cgroups and moving processes"
require_jq

CG_ROOT=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break }
	$(i + 1) == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG_ROOT" ] || skip "no cgroup2 mount in /proc/self/mountinfo"
[ -w "$CG_ROOT/cgroup.procs" ] || skip "cgroup2 at $CG_ROOT is not writable"
# the path /proc/PID/cgroup shows for CG_ROOT itself
CG_SELF=$(awk -F: '$1 == "0" && $2 == "" { print $3; exit }' /proc/self/cgroup)
[ -n "$CG_SELF" ] || skip "no cgroup v2 line in /proc/self/cgroup"
[ -d "$CG_ROOT$CG_SELF" ] || skip "our own cgroup $CG_SELF is not below $CG_ROOT (cgroup namespace?)"
[ -w "$CG_ROOT$CG_SELF/cgroup.procs" ] || skip "cannot move processes back to $CG_SELF"

# Everything lives below one directory of our own, so that no concurrent
# run shares a cgroup with us and cleanup removes only what we made. A
# prefix is also what kind, k3s or CI runners put above kubepods.
TOP=skc-test-$$
CG_MADE=()	# directories we created, in creation order
CG_MOVED=()	# pids we moved

cgroup_cleanup() {
	local rc=$? pid i
	set +e
	for pid in "${CG_MOVED[@]}"; do
		echo "$pid" >"$CG_ROOT$CG_SELF/cgroup.procs" 2>/dev/null
	done
	for ((i = ${#CG_MADE[@]} - 1; i >= 0; i--)); do
		rmdir "${CG_MADE[i]}" 2>/dev/null ||
			echo "warning: cannot remove cgroup ${CG_MADE[i]}" >&2
	done
	(exit "$rc")
	sk_cleanup
}
trap cgroup_cleanup EXIT

# mkcg REL: mkdir -p below CG_ROOT, remembering what we made.
mkcg() {
	local path=$CG_ROOT part
	local -a parts
	IFS=/ read -r -a parts <<<"$1"
	for part in "${parts[@]}"; do
		[ -n "$part" ] || continue
		path=$path/$part
		[ -d "$path" ] && continue
		mkdir "$path" || fail "mkdir $path"
		CG_MADE+=("$path")
	done
}

# cg_helper VAR REL SPEC...: start a helper and move it into cgroup REL.
cg_helper() {
	local _ch_var=$1 _ch_rel=$2 _ch_pid
	shift 2
	start_helper _ch_pid "$@"
	mkcg "$_ch_rel"
	CG_MOVED+=("$_ch_pid")
	echo "$_ch_pid" >"$CG_ROOT/$_ch_rel/cgroup.procs" || fail "cannot move $_ch_pid into $_ch_rel"
	grep -qx "0::$_ch_rel" "/proc/$_ch_pid/cgroup" ||
		fail "pid $_ch_pid not in $_ch_rel: $(cat "/proc/$_ch_pid/cgroup")"
	printf -v "$_ch_var" %s "$_ch_pid"
}

hex64() { printf '%s' "$$-$1" | sha256sum | cut -c1-64; }
uuid() {
	local h
	h=$(printf '%s' "$$-uid-$1" | sha256sum)
	echo "${h:0:8}-${h:8:4}-${h:12:4}-${h:16:4}-${h:20:12}"
}

base=${CG_SELF%/}/$TOP
id_a=$(hex64 a); uid_a=$(uuid a)
id_b=$(hex64 b); uid_b=$(uuid b)
id_c=$(hex64 c); uid_c=$(uuid c)
id_d=$(hex64 d); uid_d=$(uuid d)
id_e=$(hex64 e)
id_f=$(hex64 f); uid_f=$(uuid f)

# (a) systemd driver, containerd, burstable
rel_a=$base/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid_a//-/_}.slice/cri-containerd-$id_a.scope
cg_helper pa "$rel_a" tcp=1111,0
# (b) systemd driver, CRI-O, besteffort, and its conmon monitor
pod_b=$base/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid_b//-/_}.slice
cg_helper pb "$pod_b/crio-$id_b.scope" tcp=2222,0
cg_helper pm "$pod_b/crio-conmon-$id_b.scope" unix-stream=3333
# (c) cgroupfs driver: guaranteed (no QoS level) and burstable
cg_helper pc "$base/kubepods/pod$uid_c/$id_c" tcp=4444,0
cg_helper pd "$base/kubepods/burstable/pod$uid_d/$id_d" tcp=5555,0
# (d) Docker with the systemd driver
cg_helper pe "$base/system.slice/docker-$id_e.scope" tcp=6666,0
# (d') Docker with the cgroupfs driver
id_g=$(hex64 g)
cg_helper pg "$base/docker/$id_g" tcp=999,0
# (e) systemd driver, guaranteed pod: kubepods-pod<uid>.slice
cg_helper pf "$base/kubepods.slice/kubepods-pod${uid_f//-/_}.slice/cri-containerd-$id_f.scope" tcp=7777,0
# a process outside any container, for contrast
start_helper p0 tcp=8888,0
all=$pa,$pb,$pm,$pc,$pd,$pe,$pf,$pg,$p0

skj -a --pid "$all"
jcheck "all helpers listed" '[.processes[].pid] | length == 9'

# check_cont PID ID RUNTIME POD QOS RECV_Q
check_cont() {
	local pid=$1 v cg
	jcheck "pid $pid: container {id:${2:0:12}.., runtime:'$3', pod:'$4', qos:'$5'}" \
		'.processes[] | select(.pid == $p) | .container |
		 .id == $id and .runtime == $rt and .pod == $pod and .qos == $qos' \
		--argjson p "$pid" --arg id "$2" --arg rt "$3" --arg pod "$4" --arg qos "$5"
	cg=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
	pget v "$pid" .container.cgroup
	expect_eq "pid $pid: container.cgroup is its v2 path" "$cg" "$v"
	pget v "$pid" .recv_q
	expect_eq "pid $pid: recv_q" "$6" "$v"
}
check_cont "$pa" "$id_a" containerd "$uid_a" burstable 1111
check_cont "$pb" "$id_b" cri-o "$uid_b" besteffort 2222
# conmon is CRI-O's monitor: it belongs to the pod, it is no container
check_cont "$pm" "" "" "$uid_b" besteffort 3333
check_cont "$pc" "$id_c" "" "$uid_c" guaranteed 4444
check_cont "$pd" "$id_d" "" "$uid_d" burstable 5555
check_cont "$pe" "$id_e" docker "" "" 6666
check_cont "$pf" "$id_f" containerd "$uid_f" guaranteed 7777
check_cont "$pg" "$id_g" docker "" "" 999
jcheck "plain process: container null" \
	'.processes[] | select(.pid == $p) | has("container") and .container == null' --argjson p "$p0"

# --container: id prefix, any process on the host
skj -a --container "${id_a:0:12}"
jcheck "--container <12-char prefix>: only that container" '[.processes[].pid] == [$p]' --argjson p "$pa"
skj -a --container "$id_e"
jcheck "--container <full id>: only that container" '[.processes[].pid] == [$p]' --argjson p "$pe"
skj -a --container "${id_a:0:12}" --container "${id_c:0:12}"
jcheck "--container twice: either" '[.processes[].pid] | sort == ([$a, $c] | sort)' \
	--argjson a "$pa" --argjson c "$pc"
skj -a --container "0123456789abcdef-no-such"
jcheck "--container unknown: nothing" '.processes == []'

# --pod: uid prefix; conmon belongs to the pod
skj -a --pod "$uid_b"
jcheck "--pod <uid>: the container and conmon" '[.processes[].pid] | sort == ([$b, $m] | sort)' \
	--argjson b "$pb" --argjson m "$pm"
skj -a --pod "${uid_d:0:8}"
jcheck "--pod <uid prefix>: cgroupfs pod" '[.processes[].pid] == [$p]' --argjson p "$pd"
skj -a --pod "$uid_b" --container "$id_b"
jcheck "--pod and --container together" '[.processes[].pid] == [$p]' --argjson p "$pb"

# --by container: one row per container, ranked like processes
skj -a --by container --pid "$all"
jcheck "--by container: containerd row" \
	'[.containers[] | select(.id == $id)] | length == 1 and
	 (.[0] | .runtime == "containerd" and .pod == $pod and .qos == "burstable" and
	  .recv_q == 1111 and .nprocs == 1)' --arg id "$id_a" --arg pod "$uid_a"
jcheck "--by container: cri-o row" \
	'[.containers[] | select(.id == $id)] | length == 1 and .[0].recv_q == 2222' --arg id "$id_b"
jcheck "--by container: conmon row has the pod, no id" \
	'[.containers[] | select(.id == "" and .pod == $pod)] | length == 1 and .[0].recv_q == 3333' \
	--arg pod "$uid_b"
jcheck "--by container: docker row" \
	'[.containers[] | select(.id == $id)] | length == 1 and (.[0] | .runtime == "docker" and .recv_q == 6666)' \
	--arg id "$id_e"
jcheck "--by container: host row" \
	'[.containers[] | select(.id == "" and .pod == "")] | length == 1 and .[0].recv_q == 8888'
jcheck "--by container: 9 rows, ranked by recv_q" \
	'[.containers[].recv_q] | length == 9 and . == (sort | reverse)'

# table: CONTAINER and POD columns only when a listed process is in one
sk -a --pid "$pa,$p0"
expect_rc "table with a container" 0
grep -qE '^ *PID +COMM +(NETNS +)?CONTAINER +POD ' "$SK_OUT" || fail "no CONTAINER POD header: $(cat "$SK_OUT")"
grep -qE "^ *$pa +[^ ]+ +([^ ]+ +)?${id_a:0:12} +$uid_a " "$SK_OUT" ||
	fail "row of $pa lacks ${id_a:0:12} $uid_a: $(cat "$SK_OUT")"
ok "table: CONTAINER and POD columns"
sk -a --pid "$p0"
grep -q CONTAINER "$SK_OUT" && fail "CONTAINER column without containers: $(cat "$SK_OUT")"
ok "table: no CONTAINER column without containers"
sk --by container -a --pid "$all"
expect_rc "table --by container" 0
grep -q "${id_b:0:12}" "$SK_OUT" || fail "--by container table lacks ${id_b:0:12}: $(cat "$SK_OUT")"
ok "table --by container lists containers"
exit 0
