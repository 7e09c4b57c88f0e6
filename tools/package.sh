#!/bin/bash
# The Debian package and the container image, from this checkout (CI runs
# "tools/package.sh all"; as root on Debian 12):
#   tools/package.sh deb    mandoc -Tlint on the manual, dpkg-buildpackage
#                           -us -uc -b on a copy of the tree, then lintian
#                           on the source and the binary package (any
#                           error fails; the tags are listed)
#   tools/package.sh image  the .deb of this version (built first unless $OUT
#                           has it), a Debian 12 root filesystem made of it
#                           and its runtime dependencies (mmdebstrap, no
#                           compiler), an OCI image FROM scratch (podman),
#                           then runs in it: --version, a one-shot, and the
#                           DaemonSet's settings against a known socket
#   tools/package.sh all    deb, then image
# Products go to $OUT (default _pkg/ in the tree): skcheck_VERSION_ARCH.deb,
# build.log, lintian.txt, mmdebstrap.log, image-packages.txt and
# skcheck-VERSION.oci.tar
# (load it with "podman load -i" or "ctr -n k8s.io images import").
# It installs what it needs with apt-get, bounds every step with timeout,
# and removes what it made (copies, root filesystem, podman storage,
# containers, cgroups, the helper process) on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
OUT=${OUT:-$TOP/_pkg}
SUITE=bookworm
VERSION=$(sed -n 's/^AC_INIT(\[skcheck\], *\[\([^]]*\)\].*/\1/p' configure.ac)
IMAGE=localhost/skcheck:$VERSION
# The known socket of the smoke run: unread bytes on a loopback TCP pair.
SMOKE_BYTES=200000

T=
CGPARENT=skcheck-package-$$
helper_pid=
helper_fd=

# bounded SECONDS COMMAND...: COMMAND under timeout, waited for in the
# background so that TERM/INT reach on_signal at once (bash runs a trap only
# after the foreground command ends, and mmdebstrap alone can take minutes).
# timeout makes COMMAND a process group of its own: on_signal ends it all.
bounded() {
	local secs=$1 rc=0
	shift
	timeout -k 15 "$secs" "$@" &
	step_pid=$!
	wait "$step_pid" || rc=$?
	step_pid=
	return "$rc"
}
step_pid=

on_signal() {
	local i
	if [ -n "$step_pid" ]; then
		kill -TERM -- "-$step_pid" 2>/dev/null || kill -TERM "$step_pid" 2>/dev/null
		# up to 20 s to clean up after itself (mmdebstrap does), then KILL
		for ((i = 0; i < 40; i++)); do
			kill -0 "$step_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL -- "-$step_pid" 2>/dev/null
		wait "$step_pid" 2>/dev/null
	fi
	exit 143
}

say() { printf '%s %s\n' "--- [$(date -u +%T)]" "$*"; }
die() { printf 'tools/package.sh: %s\n' "$*" >&2; exit 1; }

# A private podman: its own storage, run and temp directories under $T (so
# nothing outlives the run and nothing touches the host's images), vfs (no
# overlay mounts to leak), events in a file (no journald needed), and runc:
# crun 1.8 refuses this machine's hybrid cgroup layout ("cgroups in hybrid
# mode not supported": hugetlb is attached to the cgroup2 hierarchy).
podman_args() {
	PODMAN=(podman --root "$T/storage" --runroot "$T/run" --tmpdir "$T/tmp"
		--storage-driver vfs --events-backend file
		--cgroup-manager cgroupfs --runtime runc)
}
PODMAN=()

cleanup() {
	local rc=$? m d
	set +e
	trap - TERM INT HUP
	if [ -n "$helper_fd" ]; then exec {helper_fd}>&-; fi	# EOF: the helper exits
	if [ -n "$helper_pid" ]; then
		kill "$helper_pid" 2>/dev/null
		wait "$helper_pid" 2>/dev/null
	fi
	if [ -n "$T" ] && [ -d "$T/storage" ] && [ ${#PODMAN[@]} -gt 0 ]; then
		timeout -k 5 60 "${PODMAN[@]}" rm --all --force --time 0 >/dev/null 2>&1
		timeout -k 5 60 "${PODMAN[@]}" rmi --all --force >/dev/null 2>&1
	fi
	# Mounts a killed podman or mmdebstrap left under $T, deepest first.
	if [ -n "$T" ]; then
		awk -v t="$T" '$5 == t || index($5, t "/") == 1 { print $5 }' \
			/proc/self/mountinfo | sort -r | while read -r m; do
			umount -l "$m"
		done
	fi
	# podman --rm removes the containers' cgroups, not their parent.
	for d in /sys/fs/cgroup/"$CGPARENT" /sys/fs/cgroup/*/"$CGPARENT"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	[ -n "$T" ] && rm -rf --one-file-system "$T"
	exit "$rc"
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive bounded 900 \
		apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	bounded 600 apt-get update -qq
	apt_updated=1
}

# copy_tree DIR: the checkout's files (tracked and untracked, not ignored:
# build products stay out) into DIR.
copy_tree() {
	local dir=$1 f
	mkdir -p "$dir"
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$TOP" ls-files -z -co --exclude-standard |
			while IFS= read -r -d '' f; do
				if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
			done | xargs -0 -r cp -P --parents -t "$dir"
	else
		tar -C "$TOP" --exclude=./_pkg -cf - . | tar -C "$dir" -xf -
	fi
}

build_deb() {
	local src=$T/src/skcheck-$VERSION cl arch
	say "deb: dependencies"
	apt_update
	apt_install dpkg-dev debhelper lintian git mandoc
	copy_tree "$src"
	say "deb: mandoc -Tlint man/skcheck.8 (the manual the package installs)"
	# Warnings and errors fail (style notes are not checked).
	bounded 60 mandoc -Tlint -Wwarning "$src/man/skcheck.8" ||
		die "mandoc -Tlint finds problems in man/skcheck.8"
	cl=$(cd "$src" && dpkg-parsechangelog -S Version)
	[ "$cl" = "$VERSION" ] ||
		die "debian/changelog says $cl, configure.ac says $VERSION: add a changelog entry"
	DEBIAN_FRONTEND=noninteractive bounded 900 apt-get build-dep -y -qq \
		--no-install-recommends "$src" >/dev/null
	say "deb: dpkg-source -b (for lintian's source checks)"
	bounded 300 env -C "$T/src" dpkg-source -b "skcheck-$VERSION" >/dev/null
	say "deb: dpkg-buildpackage -us -uc -b"
	if ! bounded 1200 env -C "$src" dpkg-buildpackage -us -uc -b >"$OUT/build.log" 2>&1; then
		tail -n 60 "$OUT/build.log"
		die "dpkg-buildpackage failed (whole log: $OUT/build.log)"
	fi
	grep -E '^# (TOTAL|PASS|FAIL|SKIP|ERROR):' "$OUT/build.log" || true
	arch=$(dpkg-architecture -qDEB_HOST_ARCH)
	say "deb: lintian"
	# Errors fail the build; every other tag is listed for the reader.
	if ! bounded 600 lintian --fail-on error --pedantic --display-info \
		--display-experimental "$T/src/skcheck_${VERSION}.dsc" \
		"$T/src/skcheck_${VERSION}_${arch}.changes" >"$OUT/lintian.txt" 2>&1; then
		cat "$OUT/lintian.txt"
		die "lintian reports errors"
	fi
	grep -v 'running with root privileges' "$OUT/lintian.txt" || echo "lintian: no tags"
	cp "$T/src"/*.deb "$OUT/"
	dpkg-deb --info "$OUT/skcheck_${VERSION}_${arch}.deb" | grep -E '^ (Version|Depends|Installed-Size):'
	dpkg-deb --contents "$OUT/skcheck_${VERSION}_${arch}.deb" | awk '{ print $6 }'
}

# wait_ready FILE PID: the helper printed READY (10 s at most).
wait_ready() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qx READY "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	cat "$1" >&2
	die "sk_helper did not get ready"
}

# check_json FILE PID INODE: skcheck's JSON saw the helper's known socket,
# and the BPF iterators ran (pinned pages are counted: the package is built
# with --enable-bpf, and SYS_ADMIN is enough for bpf() and the iterators).
check_json() {
	local f=$1 pid=$2 ino=$3
	jq -e --argjson pid "$pid" --argjson ino "$ino" --argjson n "$SMOKE_BYTES" '
		.summary.partial == false and
		([.processes[] | select(.pid == $pid)] | length == 1) and
		(.processes[] | select(.pid == $pid) | .recv_q == $n and
			.pinned != null and .pinned > 0 and
			([.sockets[] | select(.inode == $ino and .recv_q == $n and
				.owners == [{pid: $pid, fd: .fd}])] | length == 1))' \
		"$f" >/dev/null || {
		cat "$f"
		die "the image's skcheck did not report the helper's $SMOKE_BYTES unread bytes and its pinned pages"
	}
}

build_image() {
	local arch deb nofile nproc ino rc out ctx=$T/ctx
	local run_opts ds_opts
	arch=$(dpkg --print-architecture)
	deb=$OUT/skcheck_${VERSION}_${arch}.deb
	[ -f "$deb" ] || build_deb
	say "image: dependencies"
	apt_update
	apt_install mmdebstrap podman runc jq gcc libc6-dev iproute2 util-linux
	mkdir -p "$ctx" "$T/tmp" "$T/textfile"

	say "image: root filesystem (mmdebstrap $SUITE, essential + skcheck)"
	# Essential packages, skcheck and what it depends on; no docs beyond
	# copyright files, no manuals or locales. file-mirror-automount lets the
	# chrooted dpkg see the .deb; merged-usr makes the /usr merge with
	# symlinks instead of the usrmerge package (and the perl it pulls in).
	TMPDIR=$T bounded 1200 mmdebstrap --quiet --variant=essential \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
		--include="$deb" \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--customize-hook="chroot \"\$1\" dpkg-query -W -f '\${Package} \${Version}\n' >'$T/image-packages.txt'" \
		"$SUITE" "$ctx/rootfs.tar" >"$OUT/mmdebstrap.log" 2>&1 || {
		tail -n 40 "$OUT/mmdebstrap.log"
		die "mmdebstrap failed (whole log: $OUT/mmdebstrap.log)"
	}
	cp "$T/image-packages.txt" "$OUT/"
	# No compiler, assembler or linker in the final image.
	if grep -E '^(gcc|gcc-[0-9]+|g\+\+(-[0-9]+)?|cpp(-[0-9]+)?|clang[^ ]*|llvm[^ ]*|binutils[^ ]*|tcc) ' \
		"$OUT/image-packages.txt" ||
		tar -tf "$ctx/rootfs.tar" | grep -E '^(\./)?usr/bin/(cc|c\+\+|gcc|clang|as|ld)([-.0-9]*)?$'; then
		die "the image holds a compiler"
	fi
	grep -E '^(skcheck|libmnl0|libnl-3-200|libnl-route-3-200|libsmartcols1|libjson-c5|libbpf1) ' "$OUT/image-packages.txt"

	say "image: podman build (FROM scratch + the root filesystem)"
	cat >"$ctx/Containerfile" <<-EOF
	FROM scratch
	ADD rootfs.tar /
	LABEL org.opencontainers.image.title="skcheck" \\
	      org.opencontainers.image.version="$VERSION" \\
	      org.opencontainers.image.description="skcheck $VERSION on Debian 12 ($SUITE, mmdebstrap essential variant)"
	ENTRYPOINT ["/usr/sbin/skcheck"]
	EOF
	bounded 600 "${PODMAN[@]}" build --quiet --pull=never --network=none \
		-f "$ctx/Containerfile" -t "$IMAGE" "$ctx" >/dev/null
	rm -f "$ctx/rootfs.tar"
	"${PODMAN[@]}" images

	# podman 4.3 lowers its own RLIMIT_NPROC to 32768, and root here lacks
	# CAP_SYS_RESOURCE, so the runtime cannot raise the limits back to
	# podman's defaults (nofile 1048576): ask for no more than we hold.
	nofile=$(ulimit -Hn)
	if [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; then nofile=1048576; fi
	nproc=$(ulimit -Hu)
	if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
	run_opts=(--rm --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc"
		--cgroup-parent="/$CGPARENT")
	# What the DaemonSet grants: the host's processes, its own network
	# namespace, three capabilities, a read-only root.
	ds_opts=(--pid=host --network=none --read-only --cap-drop=ALL
		--cap-add=SYS_ADMIN --cap-add=SYS_PTRACE --cap-add=DAC_READ_SEARCH
		--security-opt=no-new-privileges)

	say "image: skcheck --version"
	bounded 120 "${PODMAN[@]}" run "${run_opts[@]}" --network=none "$IMAGE" \
		--version >"$T/version.txt"
	out=$(cat "$T/version.txt")
	echo "$out"
	[ "$(echo "$out" | head -n 1)" = "skcheck $VERSION" ] || die "unexpected --version output"

	say "image: one-shot, --privileged --pid=host --net=host"
	rc=0
	bounded 120 "${PODMAN[@]}" run "${run_opts[@]}" --privileged --pid=host --net=host \
		"$IMAGE" --settle 0 --netns current || rc=$?
	[ "$rc" -le 1 ] || die "one-shot exited with $rc"

	say "image: the DaemonSet's settings against a helper with $SMOKE_BYTES unread bytes in its own netns"
	gcc -O2 -pthread -o "$T/sk_helper" tests/sk_helper.c
	mkfifo "$T/helper.in"
	# shellcheck disable=SC2016 # $0 and $1 are the inner shell's
	unshare -n sh -c 'ip link set lo up && exec "$0" comm=skpkg-smoke "tcp=$1,0"' \
		"$T/sk_helper" "$SMOKE_BYTES" <"$T/helper.in" >"$T/helper.out" 2>&1 &
	helper_pid=$!
	exec {helper_fd}<>"$T/helper.in"	# after the fork: the helper holds no writer
	wait_ready "$T/helper.out" "$helper_pid"
	ino=$(sed -n 's/^tcp\.rx inode=\([0-9]*\) .*/\1/p' "$T/helper.out")
	[ -n "$ino" ] || die "no tcp.rx line from sk_helper"
	rc=0
	bounded 120 "${PODMAN[@]}" run "${run_opts[@]}" "${ds_opts[@]}" "$IMAGE" \
		--settle 0 -J -s -a --pid "$helper_pid" >"$T/oneshot.json" || rc=$?
	[ "$rc" -le 1 ] || { cat "$T/oneshot.json"; die "one-shot exited with $rc"; }
	check_json "$T/oneshot.json" "$helper_pid" "$ino"
	echo "one-shot JSON: pid $helper_pid socket $ino recv_q $SMOKE_BYTES, not partial," \
		"pinned $(jq --argjson pid "$helper_pid" '.processes[] | select(.pid == $pid) | .pinned' "$T/oneshot.json")"

	say "image: --watch --prometheus into a mounted textfile directory, as the DaemonSet runs it"
	rc=0
	bounded 120 "${PODMAN[@]}" run "${run_opts[@]}" "${ds_opts[@]}" \
		-v "$T/textfile:/textfile" "$IMAGE" \
		--watch --interval=0.2 --count=2 --pid "$helper_pid" \
		--prometheus=/textfile/skcheck.prom >/dev/null || rc=$?
	[ "$rc" -le 1 ] || die "--watch --prometheus exited with $rc"
	grep -E "^skcheck_[a-z_]+\{[^}]*pid=\"$helper_pid\"[^}]*\} $SMOKE_BYTES\$" \
		"$T/textfile/skcheck.prom" || {
		cat "$T/textfile/skcheck.prom" 2>/dev/null
		die "no metric with the helper's $SMOKE_BYTES bytes in skcheck.prom"
	}

	say "image: save $OUT/skcheck-$VERSION.oci.tar"
	rm -f "$OUT/skcheck-$VERSION.oci.tar"
	bounded 300 "${PODMAN[@]}" save --quiet --format oci-archive \
		-o "$OUT/skcheck-$VERSION.oci.tar" "$IMAGE"
	ls -l "$OUT/skcheck-$VERSION.oci.tar"
}

what=${1:-}
case "$what" in
deb | image | all) ;;
*)
	echo "usage: tools/package.sh deb | image | all" >&2
	exit 2
	;;
esac
[ "$(id -u)" -eq 0 ] || die "run as root (apt-get, mmdebstrap, podman)"
[ -n "$VERSION" ] || die "no version in configure.ac's AC_INIT"

trap cleanup EXIT
trap on_signal TERM INT HUP
T=$(mktemp -d "${TMPDIR:-/tmp}/skcheck-package.XXXXXX")
podman_args
mkdir -p "$OUT"
start=$SECONDS
case "$what" in
deb) build_deb ;;
image) build_image ;;
all)
	rm -f "$OUT"/skcheck_"$VERSION"_*.deb "$OUT"/skcheck-dbgsym_"$VERSION"_*.deb
	build_deb
	build_image
	;;
esac
say "done in $((SECONDS - start)) s; products in $OUT"
