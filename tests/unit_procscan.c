/* Unit tests for the /proc scanner, on a fake proc tree built at test time
 * in a temporary directory (removed by the group teardown). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "model.h"
#include "iouring.h"
#include "procscan.h"

struct tree {
	char root[4096];
	uint64_t netns100, netns200;
	bool is_root;
};

static void die(const char *what, const char *path)
{
	fprintf(stderr, "unit_procscan: %s %s: %s\n", what, path, strerror(errno));
}

static int mkdirf(const struct tree *T, const char *rel)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", T->root, rel);
	if (mkdir(p, 0755) < 0) {
		die("mkdir", p);
		return -1;
	}
	return 0;
}

static int writef(const struct tree *T, const char *rel, const void *data,
		  size_t len)
{
	char p[4200];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", T->root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		die("write", p);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}

static int linkf(const struct tree *T, const char *rel, const char *target)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", T->root, rel);
	if (symlink(target, p) < 0) {
		die("symlink", p);
		return -1;
	}
	return 0;
}

static uint64_t inode_of(const struct tree *T, const char *rel)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", T->root, rel);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

#define DOCKER_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define W(rel, lit) writef(T, rel, lit, sizeof(lit) - 1)

/* 100: a process with sockets; 200: fd unreadable (a regular file);
 * 300: no fd at all (it exited); 400: a number that is no directory;
 * self, 1a, 0: not process directories. */
static int build_tree(struct tree *T)
{
	char longlink[80];

	if (mkdirf(T, "100") || mkdirf(T, "100/fd") ||
	    mkdirf(T, "100/ns") ||
	    W("100/comm", "server\n") ||
	    W("100/cmdline", "/usr/sbin/server\0--name\0evil\x1b[2Jname\0\0") ||
	    W("100/ns/net", "") ||
	    W("100/cgroup", "0::/system.slice/docker-" DOCKER_ID ".scope\n") ||
	    linkf(T, "100/fd/0", "/dev/null") ||
	    linkf(T, "100/fd/1", "pipe:[42]") ||
	    linkf(T, "100/fd/3", "socket:[1234]") ||
	    linkf(T, "100/fd/4", "socket:[99999999999]") ||
	    linkf(T, "100/fd/5", "socket:[12x]") ||
	    linkf(T, "100/fd/6", "socket:[5678]") ||
	    linkf(T, "100/fd/7", "socket:[]") ||
	    linkf(T, "100/fd/.9", "socket:[777]"))
		return -1;
	/* a target readlinkat truncates (64 bytes): never a real socket */
	snprintf(longlink, sizeof(longlink), "socket:[%0*d]", 60, 1);
	if (linkf(T, "100/fd/8", longlink))
		return -1;

	if (mkdirf(T, "200") || mkdirf(T, "200/ns") ||
	    W("200/comm", "no-newline-comm") ||
	    W("200/cmdline", "client") ||
	    W("200/ns/net", "x") ||
	    W("200/fd", "not a directory"))
		return -1;
	if (T->is_root) {
		char p[4200];

		snprintf(p, sizeof(p), "%s/200", T->root);
		if (chown(p, 1234, 1234) < 0)
			return -1;
	}

	if (mkdirf(T, "300") || W("300/comm", "gone\n") ||
	    W("400", "") ||
	    mkdirf(T, "self") || mkdirf(T, "self/fd") ||
	    linkf(T, "self/fd/3", "socket:[1]") ||
	    mkdirf(T, "1a") || mkdirf(T, "0") ||
	    mkdirf(T, "big") || mkdirf(T, "big/9999999999") ||
	    mkdirf(T, "big/9999999999/fd") ||
	    linkf(T, "big/9999999999/fd/3", "socket:[3]"))
		return -1;
	T->netns100 = inode_of(T, "100/ns/net");
	T->netns200 = inode_of(T, "200/ns/net");
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int setup_tree(void **state)
{
	struct tree *T = calloc(1, sizeof(*T));
	const char *tmp = getenv("TMPDIR");

	if (!T)
		return -1;
	*state = T;
	T->is_root = geteuid() == 0;
	snprintf(T->root, sizeof(T->root), "%s/skcheck-procscan.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(T->root)) {
		T->root[0] = '\0';
		return -1;
	}
	return build_tree(T);	/* on failure cmocka still runs the teardown */
}

static int teardown_tree(void **state)
{
	struct tree *T = *state;
	int ret = 0;

	if (T && T->root[0])
		ret = nftw(T->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(T);
	return ret;
}

static const struct skc_proc *find_pid(const struct skc_proctab *pt, pid_t pid)
{
	size_t i;

	for (i = 0; i < pt->n; i++)
		if (pt->v[i].pid == pid)
			return &pt->v[i];
	return NULL;
}

/* model.c knows every field the scanner allocates */
static void free_pt(struct skc_proctab *pt)
{
	struct skc_host h;

	host_init(&h);
	h.procs = *pt;
	host_free(&h);
	memset(pt, 0, sizeof(*pt));
}

static uint64_t fd_inode(const struct skc_proc *p, int fd)
{
	size_t i;

	for (i = 0; i < p->nfds; i++)
		if (p->fds[i].fd == fd)
			return p->fds[i].inode;
	return 0;
}

static void test_scan(void **state)
{
	const struct tree *T = *state;
	struct skc_proctab pt = { 0 };
	const struct skc_proc *p;
	size_t np;

	assert_int_equal(procscan_run(T->root, &pt, true), 0);
	/* 100 and 200 kept; 300 (no fd) and 400 (no dir) counted as gone */
	np = pt.n;
	assert_int_equal(pt.scanned, 2);
	assert_int_equal(pt.denied, 1);
	assert_int_equal(pt.vanished, 2);

	p = find_pid(&pt, 100);
	assert_non_null(p);
	assert_string_equal(p->comm, "server");
	assert_string_equal(p->cmdline, "/usr/sbin/server --name evil\x1b[2Jname");
	assert_int_equal(p->netns, T->netns100);
	assert_int_not_equal(p->netns, 0);
	assert_int_equal(p->uid, geteuid());
	/* sockets only: /dev/null, pipe, "12x", "[]", the truncated link
	 * and the dot entry are not */
	assert_int_equal(p->nfds, 3);
	assert_int_equal(fd_inode(p, 3), 1234);
	assert_int_equal(fd_inode(p, 4), 99999999999ULL);
	assert_int_equal(fd_inode(p, 6), 5678);
	/* the cgroup file is read and attributed (cgroup.c) */
	assert_string_equal(p->cont.id, DOCKER_ID);
	assert_non_null(p->cgroup);

	p = find_pid(&pt, 200);
	assert_non_null(p);
	assert_string_equal(p->comm, "no-newline-comm");
	assert_string_equal(p->cmdline, "client");
	assert_int_equal(p->netns, T->netns200);
	assert_int_equal(p->nfds, 0);
	if (T->is_root)
		assert_int_equal(p->uid, 1234);

	assert_null(find_pid(&pt, 300));
	assert_null(find_pid(&pt, 400));
	assert_null(find_pid(&pt, 0));
	assert_int_equal(np, 2);
	free_pt(&pt);
}

/* fds from a list (the BPF owner join) instead of fd/: the same socket
 * fds and per-process facts as the walk; epoll and io_uring kinds become
 * wait fds; list entries of pids not in the tree are ignored; a process
 * without fd/ (300) is gone as in the walk. */
static void test_scan_list(void **state)
{
	const struct tree *T = *state;
	struct procscan_fd v[] = {
		{ 50, 3, 11, PROCSCAN_FD_SOCKET },
		{ 100, 3, 1234, PROCSCAN_FD_SOCKET },
		{ 100, 4, 99999999999ULL, PROCSCAN_FD_SOCKET },
		{ 100, 6, 5678, PROCSCAN_FD_SOCKET },
		{ 100, 9, 0, PROCSCAN_FD_EPOLL },
		{ 300, 3, 12, PROCSCAN_FD_SOCKET },
		{ 999, 3, 13, PROCSCAN_FD_SOCKET },
	};
	struct procscan_fdlist list = { v, sizeof(v) / sizeof(v[0]), 0 };
	struct skc_proctab pt = { 0 }, walk = { 0 };
	const struct skc_proc *p, *w;
	size_t i;

	assert_int_equal(procscan_run_list(T->root, &pt, &list), 0);
	assert_int_equal(procscan_run(T->root, &walk, true), 0);
	assert_int_equal(pt.n, 2);
	assert_int_equal(pt.vanished, 2);
	p = find_pid(&pt, 100);
	w = find_pid(&walk, 100);
	assert_non_null(p);
	assert_non_null(w);
	assert_string_equal(p->comm, w->comm);
	assert_string_equal(p->cmdline, w->cmdline);
	assert_string_equal(p->cont.id, w->cont.id);
	assert_int_equal(p->netns, w->netns);
	assert_int_equal(p->uid, w->uid);
	assert_int_equal(p->nfds, w->nfds);
	/* a fake tree lists fd/ in directory order, /proc in fd order */
	for (i = 0; i < p->nfds; i++)
		assert_int_equal(p->fds[i].inode, fd_inode(w, p->fds[i].fd));
	assert_int_equal(p->nwaitfds, 1);
	assert_int_equal(p->waitfds[0], 9);
	p = find_pid(&pt, 200);
	assert_non_null(p);
	assert_int_equal(p->nfds, 0);
	assert_int_equal(p->nfd_total, -1);	/* fd is no directory there */
	assert_null(find_pid(&pt, 300));
	assert_null(find_pid(&pt, 50));
	free_pt(&pt);
	free_pt(&walk);
}

/* A light scan reads no fds: nobody is denied or gone for lack of them. */
static void test_scan_light(void **state)
{
	const struct tree *T = *state;
	struct skc_proctab pt = { 0 };
	const struct skc_proc *p;

	assert_int_equal(procscan_run(T->root, &pt, false), 0);
	assert_int_equal(pt.n, 3);
	assert_int_equal(pt.scanned, 3);
	assert_int_equal(pt.denied, 0);
	assert_int_equal(pt.vanished, 1);
	p = find_pid(&pt, 100);
	assert_non_null(p);
	assert_string_equal(p->comm, "server");
	assert_int_equal(p->netns, T->netns100);
	assert_int_equal(p->nfds, 0);
	assert_string_equal(p->cmdline, "");
	p = find_pid(&pt, 300);
	assert_non_null(p);
	assert_string_equal(p->comm, "gone");
	assert_int_equal(p->netns, 0);
	free_pt(&pt);
}

/* A second scan appends to the same table (the caller owns it). */
static void test_scan_twice(void **state)
{
	const struct tree *T = *state;
	struct skc_proctab pt = { 0 };

	assert_int_equal(procscan_run(T->root, &pt, true), 0);
	assert_int_equal(procscan_run(T->root, &pt, true), 0);
	assert_int_equal(pt.n, 4);
	assert_int_equal(pt.scanned, 4);
	free_pt(&pt);
}

static void test_bad_root(void **state)
{
	const struct tree *T = *state;
	struct skc_proctab pt = { 0 };
	char p[4200];

	snprintf(p, sizeof(p), "%s/does-not-exist", T->root);
	assert_int_equal(procscan_run(p, &pt, true), -ENOENT);
	snprintf(p, sizeof(p), "%s/400", T->root);
	assert_int_equal(procscan_run(p, &pt, true), -ENOTDIR);
	assert_int_equal(pt.n, 0);
	/* a directory with no process in it is fine and empty */
	snprintf(p, sizeof(p), "%s/1a", T->root);
	assert_int_equal(procscan_run(p, &pt, true), 0);
	assert_int_equal(pt.n, 0);
	assert_int_equal(pt.scanned, 0);
}

/* readlink results are not NUL-terminated: give the parser exactly len
 * bytes so ASan catches a read past them. */
static uint64_t sock_ino(const char *s, size_t len)
{
	char *b = calloc(1, len ? len : 1);
	uint64_t v;

	memcpy(b, s, len);
	v = procscan_socket_inode(b, len);
	free(b);
	return v;
}

#define SI(lit) sock_ino(lit, sizeof(lit) - 1)

static void test_socket_inode(void **state)
{
	(void)state;
	assert_int_equal(SI("socket:[1234]"), 1234);
	assert_int_equal(SI("socket:[1]"), 1);
	assert_int_equal(SI("socket:[0007]"), 7);
	assert_int_equal(SI("socket:[4294967295]"), 4294967295ULL);
	assert_int_equal(SI("socket:[4294967296]"), 4294967296ULL);
	assert_int_equal(SI("socket:[18446744073709551615]"), UINT64_MAX);
	/* not sockets, or not numbers */
	assert_int_equal(SI("socket:[0]"), 0);
	assert_int_equal(SI("socket:[]"), 0);
	assert_int_equal(SI("socket:["), 0);
	assert_int_equal(SI("socket:[12"), 0);
	assert_int_equal(SI("socket:[12x]"), 0);
	assert_int_equal(SI("socket:[-1]"), 0);
	assert_int_equal(SI("socket:[+1]"), 0);
	assert_int_equal(SI("socket:[ 1]"), 0);
	assert_int_equal(SI("socket:[1 ]"), 0);
	assert_int_equal(SI("socket:[1]]"), 0);
	assert_int_equal(SI("Socket:[1]"), 0);
	assert_int_equal(SI("pipe:[1234]"), 0);
	assert_int_equal(SI("anon_inode:[eventpoll]"), 0);
	assert_int_equal(SI("/dev/null"), 0);
	assert_int_equal(SI(""), 0);
	assert_int_equal(SI("s"), 0);
	/* 20+ digits do not fit */
	assert_int_equal(SI("socket:[99999999999999999999]"), 0);
	assert_int_equal(SI("socket:[184467440737095516150]"), 0);
	/* len, not the NUL, ends the link */
	assert_int_equal(procscan_socket_inode("socket:[12]34]", 11), 12);
	assert_int_equal(procscan_socket_inode("socket:[1234]", 12), 0);
}

/* UINT64_MAX + 1 .. + 4 must not wrap around to small inodes. */
static void test_socket_inode_overflow(void **state)
{
	(void)state;
	assert_int_equal(SI("socket:[18446744073709551616]"), 0);
	assert_int_equal(SI("socket:[18446744073709551617]"), 0);
	assert_int_equal(SI("socket:[18446744073709551619]"), 0);
}

/* procscan_join_cmdline writes the terminator at buf[len]: buffers here
 * are exactly len + 1 bytes. */
static char *join(const char *s, size_t len, size_t *out_len)
{
	char *b = malloc(len + 1);

	memcpy(b, s, len);
	b[len] = 'Z';	/* must be overwritten */
	*out_len = len;
	procscan_join_cmdline(b, out_len);
	return b;
}

#define JOIN(lit, expect) do { \
	size_t n_; \
	char *b_ = join(lit, sizeof(lit) - 1, &n_); \
	assert_int_equal(n_, sizeof(expect) - 1); \
	assert_memory_equal(b_, expect, sizeof(expect)); \
	free(b_); \
} while (0)

static void test_join_cmdline(void **state)
{
	(void)state;
	JOIN("a\0b\0c\0", "a b c");
	JOIN("/bin/sh\0-c\0echo hi\0", "/bin/sh -c echo hi");
	JOIN("a\0\0\0", "a");
	JOIN("\0\0\0", "");
	JOIN("", "");
	/* setproctitle style: no trailing NUL at all */
	JOIN("nginx: worker", "nginx: worker");
	/* empty arguments in the middle stay visible as extra spaces */
	JOIN("a\0\0b\0", "a  b");
	/* control bytes are not this function's business (escape_bytes is) */
	JOIN("x\x1b[2J\0\x7f\0", "x\x1b[2J \x7f");
	JOIN("\0a\0", " a");
}

/* Linux pids stay below 2^22 (PID_MAX_LIMIT): a longer name is no pid and
 * must not be truncated into one. */
static void test_pid_overflow(void **state)
{
	const struct tree *T = *state;
	struct skc_proctab pt = { 0 };
	char p[4200];
	pid_t pid;

	snprintf(p, sizeof(p), "%s/big", T->root);
	assert_int_equal(procscan_run(p, &pt, true), 0);
	pid = pt.n ? pt.v[0].pid : 0;
	free_pt(&pt);
	if (pid)
		fail_msg("directory 9999999999 scanned as pid %d", (int)pid);
}

/* /proc/PID/fdinfo of an io_uring fd as Linux 6.18 prints it (copied
 * from a ring with a registered socket and a hole at slot 1). */
static void test_iouring_fdinfo(void **state)
{
	static const char text[] =
		"pos:\t0\nflags:\t02000002\nmnt_id:\t16\nino:\t2075\n"
		"SqMask:\t0x3\nSqHead:\t0\nSqTail:\t0\nCachedSqHead:\t0\n"
		"CqMask:\t0x7\nCqHead:\t0\nCqTail:\t0\nCachedCqTail:\t0\n"
		"SQEs:\t0\nCQEs:\t0\nSqThread:\t-1\nSqThreadCpu:\t-1\n"
		"UserFiles:\t3\n    0: socket:[5524233]\n    2: socket:[77]\n"
		"UserBufs:\t0\nPollList:\nCqOverflowList:\n";
	static const char other[] =
		"UserFiles:\t2\n    0: /tmp/x\n    1: socket:[9]\nUserBufs:\t0\n";
	struct iouring_file f[4];

	(void)state;
	assert_int_equal(iouring_parse(text, f, 4), 2);
	assert_int_equal(f[0].slot, 0);
	assert_int_equal(f[0].inode, 5524233);
	assert_int_equal(f[1].slot, 2);
	assert_int_equal(f[1].inode, 77);
	/* a regular file in the table is skipped, the socket after it kept */
	assert_int_equal(iouring_parse(other, f, 4), 1);
	assert_int_equal(f[0].slot, 1);
	assert_int_equal(f[0].inode, 9);
	/* at most max; no table at all */
	assert_int_equal(iouring_parse(text, f, 1), 1);
	assert_int_equal(iouring_parse("pos:\t0\n", f, 4), 0);
	/* was the table shown: a busy ring prints nothing (6.x) or the
	 * count alone (older); an empty table is shown */
	assert_true(iouring_table_shown(text));
	assert_true(iouring_table_shown(other));
	assert_true(iouring_table_shown("UserFiles:\t0\nUserBufs:\t0\n"));
	assert_false(iouring_table_shown("pos:\t0\nflags:\t02000002\nmnt_id:\t16\nino:\t2075\n"));
	assert_false(iouring_table_shown("SqThread:\t-1\nUserFiles:\t3\nUserBufs:\t0\n"));
	assert_false(iouring_table_shown("UserFiles:\t3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_light),
		cmocka_unit_test(test_scan_list),
		cmocka_unit_test(test_scan_twice),
		cmocka_unit_test(test_bad_root),
		cmocka_unit_test(test_pid_overflow),
		cmocka_unit_test(test_socket_inode),
		cmocka_unit_test(test_socket_inode_overflow),
		cmocka_unit_test(test_join_cmdline),
		cmocka_unit_test(test_iouring_fdinfo),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
