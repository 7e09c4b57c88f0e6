#!/bin/bash
# Build the libFuzzer targets (make fuzz calls this from the build
# directory).  The library's sources are compiled once with clang's
# fuzzer instrumentation, ASan and UBSan into an archive, so each target
# links only the modules it calls.
#   build.sh SRCDIR "CFLAGS of the libraries" "LIBS" SOURCE...
# Products: tests/fuzz/fuzz_{diag,proc,options,escape}.  The BPF loaders and
# the ncurses screen are left out: no target reaches them.
set -eu
srcdir=$1 libcflags=$2 libs=$3
shift 3
out=tests/fuzz
obj=$out/obj
CLANG=${CLANG:-clang}
# -fno-sanitize-recover: a UBSan finding is a crash the fuzzer stops on
flags=(-g -O1 -std=gnu11 -fsanitize=fuzzer-no-link,address,undefined
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
	-DHAVE_CONFIG_H -I. -Isrc -I"$srcdir/src")
# shellcheck disable=SC2206 # word lists from pkg-config
flags+=($libcflags)
srcs=()
for f in "$@"; do
	case $f in
	*.h | src/bpf_pinned.c | src/bpf_owners.c | src/screen.c) ;;
	*) srcs+=("$f") ;;
	esac
done
rm -rf "$obj"
mkdir -p "$obj"
# one object per source, two at a time
printf '%s\n' "${srcs[@]}" | xargs -P "$(nproc)" -I{} sh -c \
	'f=$1; shift; o=$(basename "$f" .c).o; exec "$@" -c "$f" -o "'"$obj"'/$o"' \
	sh "$srcdir/{}" "$CLANG" "${flags[@]}"
rm -f "$obj/libfuzz.a"
ar rcs "$obj/libfuzz.a" "$obj"/*.o
for t in diag proc options escape; do
	# shellcheck disable=SC2086 # word list from pkg-config
	"$CLANG" "${flags[@]}" -fsanitize=fuzzer "$srcdir/tests/fuzz/fuzz_$t.c" \
		"$obj/libfuzz.a" $libs -o "$out/fuzz_$t"
done
echo "built: $out/fuzz_diag $out/fuzz_proc $out/fuzz_options $out/fuzz_escape"
