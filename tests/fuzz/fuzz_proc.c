/* libFuzzer target: arbitrary bytes as every /proc text skcheck parses,
 * each parser on the same input: fd links (socket:[INODE]), cmdline,
 * cgroup lines and mountinfo, /proc/net/raw lines, io_uring fdinfo,
 * meminfo and zoneinfo, sockstat, sockstat6 and netstat, and the
 * per-thread stat, syscall and wchan with epoll / io_uring fdinfo, whose
 * results then go through why.c's verdict.  Seeds: tests/data/proc and
 * tests/data/meminfo (a real kernel's files) and tests/fuzz/seeds/proc.
 * Built by tests/fuzz/build.sh (make fuzz), run by .ci/run. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cgroup.h"
#include "diag.h"
#include "iouring.h"
#include "meminfo.h"
#include "procscan.h"
#include "socktab.h"
#include "sockstat.h"
#include "threads.h"
#include "why.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes as one thread and one epoll set of a process judged by
 * why.c. */
static void fuzz_threads(const char *buf, size_t size)
{
	static const int fds[] = { 5 };
	struct skc_thread th;
	struct skc_threads t = { .pid = 1, .v = &th, .n = 1 };
	struct skc_epoll ep = { .fd = 3 };
	struct skc_ring r = { .fd = 4 };
	struct why_owner o = { .pid = 1, .fds = fds, .nfds = 1, .t = &t };
	struct skc_why w;

	memset(&th, 0, sizeof(th));
	th.tid = 1;
	if (threads_parse_stat(buf, size, &th.state) < 0)
		th.state = '?';
	threads_parse_wchan(buf, size, th.wchan, sizeof(th.wchan));
	threads_parse_syscall(buf, size, &th.sys);
	if (th.sys.state == THR_SYS_OK) {
		th.wait = threads_syscall_wait(threads_native_arch(), th.sys.nr);
		(void)threads_syscall_name(threads_native_arch(), th.sys.nr);
	}
	threads_parse_epoll(buf, size, &ep);
	threads_parse_uring(buf, size, &r);
	t.ep = &ep;
	t.nep = 1;
	why_judge_socket(ep.n ? ep.v[0].ino : 1, &o, 1, &w);
	threads_index(&t);
	why_judge_socket(ep.n ? ep.v[ep.n - 1].ino : 1, &o, 1, &w);
	free(ep.v);
	free(ep.nested);
	free(r.files);
}

/* The parsers that read a FILE, on the bytes as one. */
static void fuzz_files(const char *buf, size_t size)
{
	struct skc_memory m;
	struct skc_sockstat ss;
	uint64_t pages, a, b;
	char mnt[256];
	FILE *f;

#define AS_FILE(call) do { \
		f = fmemopen((void *)buf, size, "r"); \
		if (f) { call; fclose(f); } \
	} while (0)
	memset(&m, 0, sizeof(m));
	AS_FILE(meminfo_parse(f, &m));
	AS_FILE(zoneinfo_pcp_parse(f, &pages));
	memset(&ss, 0, sizeof(ss));
	AS_FILE(sockstat_parse(f, &ss));
	AS_FILE(sockstat6_parse(f, &ss));
	AS_FILE(netstat_parse(f, &a, &b));
	AS_FILE(cgroup2_mount_point(f, mnt, sizeof(mnt)));
#undef AS_FILE
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);	/* NUL-terminated copy */
	struct skc_container c;
	struct iouring_file files[8];
	struct skc_socktab t = { 0 };
	char *path = NULL, *line, *save = NULL;
	size_t len = size;

	if (!size) {	/* fmemopen wants at least one byte */
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_threads(text, size);
	fuzz_files(text, size);
	(void)procscan_socket_inode(text, size);
	memset(&c, 0, sizeof(c));
	(void)cgroup_parse_file(text, &c, &path);
	free(path);
	free(cgroup_v2_path(text));
	memset(&c, 0, sizeof(c));
	(void)cgroup_parse_path(text, &c);
	(void)iouring_parse(text, files, 8);
	(void)iouring_table_shown(text);
	/* lines of /proc/net/raw and raw6 */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		(void)diag_raw_parse_line(line, AF_INET, 1, &t);
		(void)diag_raw_parse_line(line, AF_INET6, 1, &t);
	}
	socktab_free(&t);
	/* last: it rewrites the buffer in place */
	memcpy(text, data, size);
	procscan_join_cmdline(text, &len);
	free(text);
	return 0;
}
