#!/bin/sh
# One command from a fresh Debian 12 machine to a working skcheck:
#   sh tools/dev.sh run    install build deps, build, run skcheck on this host
#   sh tools/dev.sh test   install build deps, build with -Werror, run the suite
# Extra arguments after run are passed to skcheck.
set -eu
cd "$(dirname "$0")/.."

DEPS="build-essential autoconf automake libtool pkg-config libmnl-dev
libnl-3-dev libnl-route-3-dev libsmartcols-dev libjson-c-dev
libncurses-dev clang bpftool libbpf-dev"
# what the live tests drive or compare against (libclang-rt-14-dev: the
# libFuzzer runtime, only recommended by clang, which --no-install-recommends
# leaves out)
TEST_DEPS="libcmocka-dev jq iproute2 util-linux procps strace valgrind
curl prometheus prometheus-node-exporter libcap2-bin nftables nginx tmux bash-completion
libclang-rt-14-dev"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

deps() {
	as_root apt-get update -qq
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $* >/dev/null
}

build() {
	autoreconf -fi
	./configure "$@"
	make -j"$(nproc)"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
run)
	deps $DEPS
	build >/dev/null
	as_root ./src/skcheck "$@"
	;;
test)
	deps $DEPS $TEST_DEPS
	# the BPF part is required here: a test suite that silently lost it
	# would pass without ever checking pinned pages
	build --enable-werror --enable-bpf
	if ! make -j"$(nproc)" check; then
		cat test-suite.log 2>/dev/null || true
		exit 1
	fi
	;;
*)
	echo "usage: sh tools/dev.sh run [skcheck options] | test" >&2
	exit 2
	;;
esac
