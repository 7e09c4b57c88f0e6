/* Unit tests for threads.c's parsers, on files recorded from /proc
 * (tests/data/proc, see its README), and for why.c's verdict rules on
 * thread sets built from those parsers' results. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "threads.h"
#include "why.h"

/* A recorded file from tests/data/proc, whole; *len its size. */
static char *load(const char *name, size_t *len)
{
	const char *d = getenv("TESTS_DATADIR");
	char path[1024];
	char *buf = malloc(1 << 16);
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/%s", d ? d : "tests/data", name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot read %s (set TESTS_DATADIR)\n", path);
		fail();
	}
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static void test_stat(void **state)
{
	static const struct { const char *file; char want; } cases[] = {
		{ "stat_parens", 'S' }, { "stat_stopped", 'T' },
		{ "stat_futex_thread", 'S' }, { "stat_running", 'R' },
	};
	size_t i, len;
	char st;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = load(cases[i].file, &len);

		st = 0;
		assert_int_equal(threads_parse_stat(buf, len, &st), 0);
		assert_int_equal(st, cases[i].want);
		free(buf);
	}
	assert_int_equal(threads_parse_stat("", 0, &st), -EINVAL);
	assert_int_equal(threads_parse_stat("1 (x)", 5, &st), -EINVAL);
	assert_int_equal(threads_parse_stat("1 (x) 5 1", 9, &st), -EINVAL);
	assert_int_equal(threads_parse_stat("1 (x) SS 1", 10, &st), -EINVAL);
	assert_int_equal(threads_parse_stat("no paren S 1", 12, &st), -EINVAL);
}

static void test_syscall_recorded(void **state)
{
	struct thr_syscall sc;
	size_t len;
	char *buf;

	(void)state;
	buf = load("syscall_epoll_wait", &len);
	assert_int_equal(threads_parse_syscall(buf, len, &sc), 0);
	assert_int_equal(sc.state, THR_SYS_OK);
	assert_int_equal(sc.nr, 232);
	assert_int_equal(sc.args[0], 3);
	assert_int_equal(sc.args[2], 4);
	assert_int_equal(sc.args[3], 0xffffffff);
	free(buf);

	buf = load("syscall_ppoll", &len);
	assert_int_equal(threads_parse_syscall(buf, len, &sc), 0);
	assert_int_equal(sc.nr, 271);
	assert_int_equal(sc.args[1], 1);
	free(buf);

	buf = load("syscall_futex", &len);
	assert_int_equal(threads_parse_syscall(buf, len, &sc), 0);
	assert_int_equal(sc.nr, 202);
	assert_int_equal(sc.args[1], 0x80);
	free(buf);

	buf = load("syscall_running", &len);
	assert_int_equal(threads_parse_syscall(buf, len, &sc), 0);
	assert_int_equal(sc.state, THR_SYS_RUNNING);
	free(buf);

	buf = load("syscall_none", &len);
	assert_int_equal(threads_parse_syscall(buf, len, &sc), 0);
	assert_int_equal(sc.state, THR_SYS_NONE);
	free(buf);
}

static void test_syscall_bad(void **state)
{
	static const char *const bad[] = {
		"", "\n", "runnin", "abc 0x1", "-2 0x1 0x2",
		"-1 0x1", "-1 0x1 0x2 0x3",
		"232 0x3 0x7 0x4 0xffffffff 0x0 0x7",		/* 6 values, 8 needed */
		"232 0x3 0x7 0x4 0xffffffff 0x0 0x7 0x1 0x2 0x9",	/* 9 */
		"232 0x3 0x7 0x4 0xffffffff 0x0 0x7 0x1 0x2z",
		"232x 0x3 0x7 0x4 0xffffffff 0x0 0x7 0x1 0x2",
		"99999999999999999999 0x3 0x7 0x4 0x5 0x0 0x7 0x1 0x2",
	};
	struct thr_syscall sc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(threads_parse_syscall(bad[i], strlen(bad[i]), &sc), -EINVAL);
		assert_int_equal(sc.state, THR_SYS_ERROR);
	}
}

static void test_syscall_names(void **state)
{
	(void)state;
	assert_string_equal(threads_syscall_name(THR_ARCH_X86_64, 232), "epoll_wait");
	assert_string_equal(threads_syscall_name(THR_ARCH_X86_64, 0), "read");
	assert_string_equal(threads_syscall_name(THR_ARCH_X86_64, 202), "futex");
	assert_string_equal(threads_syscall_name(THR_ARCH_X86_64, 441), "epoll_pwait2");
	assert_int_equal(threads_syscall_wait(THR_ARCH_X86_64, 271), THR_WAIT_POLL);
	assert_int_equal(threads_syscall_wait(THR_ARCH_X86_64, 426), THR_WAIT_URING);
	assert_int_equal(threads_syscall_wait(THR_ARCH_X86_64, 288), THR_WAIT_READ);
	assert_int_equal(threads_syscall_wait(THR_ARCH_X86_64, 230), THR_WAIT_SLEEP);
	assert_null(threads_syscall_name(THR_ARCH_X86_64, 61));
	assert_int_equal(threads_syscall_wait(THR_ARCH_X86_64, 61), THR_WAIT_OTHER);
	/* arm64: the generic table (no epoll_wait, poll or select) */
	assert_string_equal(threads_syscall_name(THR_ARCH_ARM64, 22), "epoll_pwait");
	assert_string_equal(threads_syscall_name(THR_ARCH_ARM64, 63), "read");
	assert_string_equal(threads_syscall_name(THR_ARCH_ARM64, 98), "futex");
	assert_string_equal(threads_syscall_name(THR_ARCH_ARM64, 73), "ppoll");
	assert_string_equal(threads_syscall_name(THR_ARCH_ARM64, 242), "accept4");
	assert_int_equal(threads_syscall_wait(THR_ARCH_ARM64, 72), THR_WAIT_SELECT);
	assert_null(threads_syscall_name(THR_ARCH_ARM64, 232));
	assert_null(threads_syscall_name(THR_ARCH_OTHER, 0));
}

static void test_wchan(void **state)
{
	char out[64];
	size_t len;
	char *buf = load("wchan_epoll", &len);

	(void)state;
	threads_parse_wchan(buf, len, out, sizeof(out));
	assert_string_equal(out, "do_epoll_wait");
	threads_parse_wchan("0", 1, out, sizeof(out));
	assert_string_equal(out, "");
	threads_parse_wchan("a\tb\n", 4, out, 3);
	assert_string_equal(out, "a?");
	free(buf);
}

static void test_epoll_fdinfo(void **state)
{
	struct skc_epoll ep = { .fd = 3 };
	size_t len;
	char *buf = load("epoll_noin_fdinfo", &len);

	(void)state;
	assert_int_equal(threads_parse_epoll(buf, len, &ep), 0);
	assert_int_equal(ep.n, 1);
	assert_int_equal(ep.v[0].tfd, 5);
	assert_int_equal(ep.v[0].ino, 2748640);
	assert_int_equal(ep.v[0].events, 0x8000001c);
	assert_false(ep.v[0].events & EPOLLIN);
	free(buf);
	free(ep.v);

	memset(&ep, 0, sizeof(ep));
	buf = load("epoll_nested_outer_fdinfo", &len);
	assert_int_equal(threads_parse_epoll(buf, len, &ep), 0);
	assert_int_equal(ep.n, 2);
	assert_int_equal(ep.v[0].tfd, 6);
	assert_int_equal(ep.v[0].ino, 2748684);
	assert_int_equal(ep.v[1].tfd, 4);
	assert_int_equal(ep.v[1].events, 0x19);
	free(buf);
	free(ep.v);

	memset(&ep, 0, sizeof(ep));
	assert_int_equal(threads_parse_epoll("tfd: x events: 1", 16, &ep), -EINVAL);
	assert_int_equal(threads_parse_epoll("pos:\t0\nflags:\t02\n", 17, &ep), 0);
	assert_int_equal(ep.n, 0);
	free(ep.v);
}

static void test_uring_fdinfo(void **state)
{
	struct skc_ring r = { .fd = 7 };
	size_t len;
	char *buf = load("uring_fdinfo", &len);

	(void)state;
	assert_int_equal(threads_parse_uring(buf, len, &r), 0);
	assert_int_equal(r.nfiles, 1);
	assert_int_equal(r.files[0], 2748567);
	free(buf);
	free(r.files);
}

/* --- verdicts ---------------------------------------------------------- */

#define SOCK_INO 2748640
#define SOCK_FD 5

static struct skc_thread thr(pid_t tid, char state, long nr, uint64_t a0)
{
	struct skc_thread t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	t.state = state;
	t.sys.state = nr >= 0 ? THR_SYS_OK : THR_SYS_NONE;
	t.sys.nr = nr;
	t.sys.args[0] = a0;
	t.wait = nr >= 0 ? threads_syscall_wait(threads_native_arch(), nr) : THR_WAIT_NONE;
	return t;
}

/* native syscall numbers for the verdict tests */
static long nr_of(const char *name)
{
	long nr;

	for (nr = 0; nr < 600; nr++) {
		const char *n = threads_syscall_name(threads_native_arch(), nr);

		if (n && strcmp(n, name) == 0)
			return nr;
	}
	fail_msg("no syscall %s on this architecture", name);
	return -1;
}

static struct skc_why judge(struct skc_threads *t)
{
	static const int fds[] = { SOCK_FD };
	struct why_owner o = { .pid = 100, .fds = fds, .nfds = 1, .t = t };
	struct skc_why w;

	why_judge_socket(SOCK_INO, &o, 1, &w);
	return w;
}

static void add_epoll(struct skc_threads *t, int fd, const char *file)
{
	size_t len;
	char *buf = load(file, &len);

	t->ep = realloc(t->ep, (t->nep + 1) * sizeof(*t->ep));
	memset(&t->ep[t->nep], 0, sizeof(t->ep[0]));
	t->ep[t->nep].fd = fd;
	assert_int_equal(threads_parse_epoll(buf, len, &t->ep[t->nep]), 0);
	t->nep++;
	free(buf);
}

static void test_verdicts(void **state)
{
	struct skc_thread v[3];
	struct skc_threads t = { .pid = 100, .v = v };
	struct skc_why w;

	(void)state;
	/* every thread stopped, one traced */
	v[0] = thr(100, 'T', -1, 0);
	v[1] = thr(101, 't', nr_of("futex"), 0);
	t.n = 2;
	w = judge(&t);
	assert_int_equal(w.kind, WHY_STOPPED);
	assert_int_equal(w.n.stopped, 1);
	assert_int_equal(w.n.traced, 1);
	assert_int_equal(w.nthreads, 2);

	/* a zombie thread does not keep the others from being "stopped" */
	v[1] = thr(101, 'Z', -1, 0);
	assert_int_equal(judge(&t).kind, WHY_STOPPED);

	/* blocked reading the socket's own fd: watched, not read */
	v[0] = thr(100, 'S', nr_of("recvfrom"), SOCK_FD);
	v[1] = thr(101, 'R', -1, 0);
	v[1].sys.state = THR_SYS_RUNNING;
	w = judge(&t);
	assert_int_equal(w.kind, WHY_WATCHED_NOT_READ);
	assert_int_equal(w.threads[0].tid, 100);
	assert_int_equal(w.threads[0].fd, SOCK_FD);

	/* reading another fd, one thread running: threads busy */
	v[0] = thr(100, 'S', nr_of("read"), 0);
	assert_int_equal(judge(&t).kind, WHY_BUSY);

	/* the running one now in D: blocked in kernel, wchan named */
	v[1] = thr(101, 'D', nr_of("read"), 9);
	snprintf(v[1].wchan, sizeof(v[1].wchan), "folio_wait_bit");
	w = judge(&t);
	assert_int_equal(w.kind, WHY_BLOCKED);
	assert_non_null(strstr(w.detail, "folio_wait_bit"));

	/* futex: waiting on a lock */
	v[1] = thr(101, 'S', nr_of("futex"), 0x1000);
	w = judge(&t);
	assert_int_equal(w.kind, WHY_LOCK);
	assert_int_equal(w.n.futex, 1);

	/* both sleep elsewhere: unwatched */
	v[1] = thr(101, 'S', nr_of("clock_nanosleep"), 0);
	assert_int_equal(judge(&t).kind, WHY_UNWATCHED);

	/* no ptrace access to one thread: unknown, said so */
	v[1].sys.state = THR_SYS_DENIED;
	w = judge(&t);
	assert_int_equal(w.kind, WHY_UNKNOWN);
	assert_int_equal(w.n.denied, 1);
	assert_non_null(strstr(w.detail, "no ptrace access"));

	/* io_uring: what a ring reads is not visible */
	v[1] = thr(101, 'S', nr_of("io_uring_enter"), 7);
	w = judge(&t);
	assert_int_equal(w.kind, WHY_UNKNOWN);
	assert_non_null(strstr(w.detail, "io_uring"));
	assert_null(strstr(w.detail, "registered"));
	{
		uint64_t files[] = { SOCK_INO };
		struct skc_ring ring = { .fd = 7, .files = files, .nfiles = 1 };

		t.rings = &ring;
		t.nrings = 1;
		w = judge(&t);
		assert_int_equal(w.kind, WHY_UNKNOWN);
		assert_non_null(strstr(w.detail, "registered files"));
		t.rings = NULL;
		t.nrings = 0;
	}

	/* a poll set that could not be read */
	v[1] = thr(101, 'S', nr_of("ppoll"), 0x1000);
	v[1].fds_unknown = true;
	assert_int_equal(judge(&t).kind, WHY_UNKNOWN);
	/* ... and one that polls the socket for input */
	v[1].fds_unknown = false;
	v[1].in_fds = (int[]){ 0, SOCK_FD };
	v[1].nin_fds = 2;
	assert_int_equal(judge(&t).kind, WHY_WATCHED_NOT_READ);

	/* no thread at all (all gone): unknown, not unwatched */
	t.n = 0;
	assert_int_equal(judge(&t).kind, WHY_UNKNOWN);
}

static void test_verdicts_epoll(void **state)
{
	struct skc_thread v[2];
	struct skc_threads t = { .pid = 100, .v = v, .n = 2 };
	struct skc_why w;

	(void)state;
	/* recorded: epoll fd 3 holds inode 2748640 with EPOLLOUT|EPOLLET */
	add_epoll(&t, 3, "epoll_noin_fdinfo");
	v[0] = thr(100, 'S', nr_of("ppoll"), 0x1000);
	v[1] = thr(101, 'S', nr_of("epoll_wait"), 3);
	w = judge(&t);
	assert_int_equal(w.kind, WHY_UNWATCHED);
	assert_int_equal(w.nepolls, 1);
	assert_int_equal(w.epolls[0].fd, 3);
	assert_true(w.epolls[0].member);
	assert_int_equal(w.epolls[0].events, 0x8000001c);
	assert_int_equal(w.epolls[0].waiters, 1);
	assert_non_null(strstr(w.detail, "without EPOLLIN"));

	/* the same set with EPOLLIN, waited on: watched, not read */
	t.ep[0].v[0].events |= EPOLLIN;
	w = judge(&t);
	assert_int_equal(w.kind, WHY_WATCHED_NOT_READ);
	assert_int_equal(w.threads[0].tid, 101);
	assert_int_equal(w.threads[0].fd, 3);

	/* ... with EPOLLIN, but the thread waits on another (empty) set:
	 * unwatched */
	t.ep = realloc(t.ep, 2 * sizeof(*t.ep));
	memset(&t.ep[1], 0, sizeof(t.ep[1]));
	t.ep[1].fd = 9;
	t.nep = 2;
	v[1] = thr(101, 'S', nr_of("epoll_wait"), 9);
	w = judge(&t);
	assert_int_equal(w.kind, WHY_UNWATCHED);
	assert_non_null(strstr(w.detail, "no thread waits on that set"));

	/* waiting on an epoll fd whose fdinfo was not read: unknown */
	v[1] = thr(101, 'S', nr_of("epoll_wait"), 11);
	w = judge(&t);
	assert_int_equal(w.kind, WHY_UNKNOWN);
	assert_non_null(strstr(w.detail, "epoll set it waits on could not be read"));
	free(t.ep[0].v);
	free(t.ep);
}

/* Nested: outer set 3 holds inner set 4 (EPOLLIN) which holds socket fd 5,
 * inode 2748683, for EPOLLIN; outer also holds fd 6 (2748684) for
 * EPOLLOUT.  A thread waiting on the outer set watches inode 2748683. */
static void test_verdicts_nested(void **state)
{
	static const int fd5[] = { 5 }, fd6[] = { 6 };
	struct skc_thread v[1];
	struct skc_threads t = { .pid = 100, .v = v, .n = 1 };
	struct why_owner o = { .pid = 100, .t = &t, .nfds = 1 };
	struct skc_why w;

	(void)state;
	add_epoll(&t, 3, "epoll_nested_outer_fdinfo");
	add_epoll(&t, 4, "epoll_nested_inner_fdinfo");
	v[0] = thr(100, 'S', nr_of("epoll_wait"), 3);
	o.fds = fd5;
	why_judge_socket(2748683, &o, 1, &w);
	assert_int_equal(w.kind, WHY_WATCHED_NOT_READ);
	o.fds = fd6;
	why_judge_socket(2748684, &o, 1, &w);
	assert_int_equal(w.kind, WHY_UNWATCHED);

	/* the same through the index (sorted sets, nested ones listed) */
	threads_index(&t);
	assert_true(t.ep[0].indexed);
	assert_int_equal(t.ep[0].nnested, 1);
	assert_int_equal(t.ep[0].v[t.ep[0].nested[0]].tfd, 4);
	assert_int_equal(t.ep[1].nnested, 0);
	assert_non_null(threads_epoll_find(&t.ep[0], 2748684));
	assert_null(threads_epoll_find(&t.ep[0], 2748683));
	assert_null(threads_epoll_find(&t.ep[0], 1));
	o.fds = fd5;
	why_judge_socket(2748683, &o, 1, &w);
	assert_int_equal(w.kind, WHY_WATCHED_NOT_READ);
	o.fds = fd6;
	why_judge_socket(2748684, &o, 1, &w);
	assert_int_equal(w.kind, WHY_UNWATCHED);
	free(t.ep[0].v);
	free(t.ep[0].nested);
	free(t.ep[1].v);
	free(t.ep[1].nested);
	free(t.ep);
}

/* An epoll fd with nothing registered (fdinfo without tfd lines): its
 * set is empty, and indexing it must not qsort a NULL array (UBSan;
 * tests/fuzz/fuzz_proc found it with the input "running\n"). */
static void test_index_empty_epoll(void **state)
{
	static const int fd5[] = { 5 };
	static const char text[] = "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\n";
	struct skc_epoll ep = { .fd = 3 };
	struct skc_thread v[1];
	struct skc_threads t = { .pid = 100, .v = v, .n = 1, .ep = &ep, .nep = 1 };
	struct why_owner o = { .pid = 100, .t = &t, .nfds = 1, .fds = fd5 };
	struct skc_why w;

	(void)state;
	assert_int_equal(threads_parse_epoll(text, sizeof(text) - 1, &ep), 0);
	assert_int_equal(ep.n, 0);
	v[0] = thr(100, 'S', nr_of("epoll_wait"), 3);
	threads_index(&t);
	assert_true(ep.indexed);
	assert_int_equal(ep.nnested, 0);
	assert_null(threads_epoll_find(&ep, 1));
	why_judge_socket(1, &o, 1, &w);
	assert_int_equal(w.kind, WHY_UNWATCHED);
	free(ep.v);
	free(ep.nested);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_syscall_recorded),
		cmocka_unit_test(test_syscall_bad),
		cmocka_unit_test(test_syscall_names),
		cmocka_unit_test(test_wchan),
		cmocka_unit_test(test_epoll_fdinfo),
		cmocka_unit_test(test_uring_fdinfo),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_verdicts_epoll),
		cmocka_unit_test(test_verdicts_nested),
		cmocka_unit_test(test_index_empty_epoll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
