/*
 * Unit tests for src/netns.c: the --netns argument parser, namespace
 * enumeration on a fake proc tree and a fake /run/netns, and selection.
 *
 * The fake tree stands in for nsfs with regular files: two pids share one
 * file through a hard link (one namespace, two processes), and a named
 * entry in the run dir is a hard link to a process's file (a bind mount of
 * the same namespace), so inode numbers behave as on a real host.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "netns.h"

/* ---- netns_parse_sel ---- */

struct sel_case {
	const char *arg;
	int ret;
	enum netns_sel_kind kind;
	uint64_t value;
	const char *name;
};

static const struct sel_case sel_cases[] = {
	{ "all", 0, NETNS_ALL, 0, NULL },
	{ "current", 0, NETNS_CURRENT, 0, NULL },
	{ "self", 0, NETNS_CURRENT, 0, NULL },
	{ "pid:1", 0, NETNS_PID, 1, NULL },
	{ "pid:4194304", 0, NETNS_PID, 4194304, NULL },
	{ "ino:4026531840", 0, NETNS_INODE, 4026531840ULL, NULL },
	{ "4026531840", 0, NETNS_INODE, 4026531840ULL, NULL },
	{ "18446744073709551615", 0, NETNS_INODE, UINT64_MAX, NULL },
	{ "blue", 0, NETNS_NAME, 0, "blue" },
	{ "cni-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901", 0, NETNS_NAME, 0,
	  "cni-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901" },
	{ "12a", 0, NETNS_NAME, 0, "12a" },
	{ "", -EINVAL, 0, 0, NULL },
	{ "pid:", -EINVAL, 0, 0, NULL },
	{ "pid:x", -EINVAL, 0, 0, NULL },
	{ "pid:12x", -EINVAL, 0, 0, NULL },
	{ "pid:-1", -EINVAL, 0, 0, NULL },
	{ "pid: 1", -EINVAL, 0, 0, NULL },
	{ "ino:", -EINVAL, 0, 0, NULL },
	{ "ino:0x10", -EINVAL, 0, 0, NULL },
	/* too big for an inode: can only be a name */
	{ "18446744073709551616", 0, NETNS_NAME, 0, "18446744073709551616" },
	{ "ino:99999999999999999999999", -EINVAL, 0, 0, NULL },
	{ "a/b", -EINVAL, 0, 0, NULL },
	{ "/run/netns/blue", -EINVAL, 0, 0, NULL },
	{ "../etc", -EINVAL, 0, 0, NULL },
};

static void test_parse_sel(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sel_cases) / sizeof(sel_cases[0]); i++) {
		const struct sel_case *t = &sel_cases[i];
		struct netns_sel sel;
		int ret;

		memset(&sel, 0x5a, sizeof(sel));
		ret = netns_parse_sel(t->arg, &sel);
		if (ret != t->ret)
			fail_msg("'%s': returned %d, expected %d", t->arg, ret, t->ret);
		if (ret < 0)
			continue;
		/* value means something for pid: and inodes only */
		if (sel.kind != t->kind ||
		    ((t->kind == NETNS_PID || t->kind == NETNS_INODE) && sel.value != t->value))
			fail_msg("'%s': kind %d value %llu, expected kind %d value %llu",
				 t->arg, (int)sel.kind, (unsigned long long)sel.value,
				 (int)t->kind, (unsigned long long)t->value);
		if (t->name) {
			assert_non_null(sel.name);
			assert_string_equal(sel.name, t->name);
		} else {
			assert_null(sel.name);
		}
	}
}

/* ---- the fake tree ---- */

struct fake {
	char root[200];
	char proc[220], run[220];
	uint64_t ino_a;		/* pids 100 and 200 (hard link), run/named-a */
	uint64_t ino_b;		/* pid 300, run/blue */
	uint64_t ino_c;		/* pid 400 */
	uint64_t ino_d;		/* run/orphan only: a namespace without processes */
	uint64_t ino_e;		/* a namespace no fake process is in */
	struct skc_proctab pt;
	struct skc_netnstab nt;
};

/* mkdir DIR/REST (REST may be empty) */
static void mkdirf(const char *dir, const char *rest)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s%s", dir, *rest ? "/" : "", rest);
	if (mkdir(path, 0755) < 0)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static uint64_t mkfile(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0444);

	if (fd < 0 || fstat(fd, &st) < 0)
		fail_msg("create %s: %s", path, strerror(errno));
	close(fd);
	return st.st_ino;
}

static void linkf(const char *from, const char *to)
{
	if (link(from, to) < 0)
		fail_msg("link %s %s: %s", from, to, strerror(errno));
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fail_msg("stat %s: %s", path, strerror(errno));
	return st.st_ino;
}

/* pid 500 stands for a process whose ns/net we could not stat (netns 0) */
static const pid_t fake_pids[] = { 100, 200, 300, 400, 500 };

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	char p[512], q[512];
	size_t i;

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/skc-unit-netns.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	*state = f;
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
	snprintf(f->run, sizeof(f->run), "%s/run", f->root);
	mkdirf(f->proc, "");
	mkdirf(f->run, "");
	mkdirf(f->proc, "self");
	mkdirf(f->proc, "self/ns");
	for (i = 0; i < sizeof(fake_pids) / sizeof(fake_pids[0]); i++) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", (int)fake_pids[i]);
		mkdirf(f->proc, pid);
		snprintf(pid, sizeof(pid), "%d/ns", (int)fake_pids[i]);
		mkdirf(f->proc, pid);
	}
	snprintf(p, sizeof(p), "%s/100/ns/net", f->proc);
	f->ino_a = mkfile(p);
	snprintf(q, sizeof(q), "%s/200/ns/net", f->proc);
	linkf(p, q);
	snprintf(q, sizeof(q), "%s/named-a", f->run);
	linkf(p, q);
	snprintf(p, sizeof(p), "%s/300/ns/net", f->proc);
	f->ino_b = mkfile(p);
	snprintf(q, sizeof(q), "%s/blue", f->run);
	linkf(p, q);
	snprintf(q, sizeof(q), "%s/.hidden", f->run);	/* dot entries are skipped */
	linkf(p, q);
	snprintf(p, sizeof(p), "%s/400/ns/net", f->proc);
	f->ino_c = mkfile(p);
	snprintf(p, sizeof(p), "%s/orphan", f->run);
	f->ino_d = mkfile(p);
	snprintf(p, sizeof(p), "%s/self/ns/net", f->proc);
	f->ino_e = mkfile(p);
	/* a stale entry (the namespace's mount is gone): skipped */
	snprintf(p, sizeof(p), "%s/stale", f->run);
	if (symlink("/nonexistent/skc-unit-netns", p) < 0)
		fail_msg("symlink: %s", strerror(errno));

	/* the proc table procscan would make: netns = inode of PID/ns/net */
	f->pt.n = f->pt.cap = sizeof(fake_pids) / sizeof(fake_pids[0]);
	f->pt.v = calloc(f->pt.n, sizeof(*f->pt.v));
	assert_non_null(f->pt.v);
	for (i = 0; i < f->pt.n; i++) {
		f->pt.v[i].pid = fake_pids[i];
		if (fake_pids[i] == 500)
			continue;
		snprintf(p, sizeof(p), "%s/%d/ns/net", f->proc, (int)fake_pids[i]);
		f->pt.v[i].netns = ino_of(p);
	}
	assert_int_equal(f->pt.v[1].netns, f->ino_a);	/* the hard link */
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fake *f = *state;
	size_t i;
	int ret;

	for (i = 0; i < f->nt.n; i++) {
		free(f->nt.v[i].name);
		free(f->nt.v[i].path);
		free(f->nt.v[i].error);
	}
	free(f->nt.v);
	free(f->pt.v);
	ret = nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return ret;
}

/* ---- netns_enumerate ---- */

static const struct skc_netns *find(const struct fake *f, uint64_t ino)
{
	long k = netns_find(&f->nt, ino);

	if (k < 0)
		fail_msg("namespace %llu not enumerated", (unsigned long long)ino);
	return &f->nt.v[k];
}

static void check_ns(const struct skc_netns *n, const char *name, pid_t pid,
		     const char *path)
{
	if (name) {
		assert_non_null(n->name);
		assert_string_equal(n->name, name);
	} else {
		assert_null(n->name);
	}
	assert_int_equal(n->pid, pid);
	assert_non_null(n->path);
	assert_string_equal(n->path, path);
	assert_int_equal(n->state, SKC_NS_PENDING);
	assert_null(n->error);
}

static void enumerate(struct fake *f, uint64_t self, const char *run)
{
	assert_int_equal(netns_enumerate(&f->pt, f->proc, run, self, &f->nt), 0);
}

static char *pathf(char *buf, size_t len, const char *dir, const char *rest)
{
	snprintf(buf, len, "%s/%s", dir, rest);
	return buf;
}

/* Our own namespace is no process's: it comes first, then one entry per
 * distinct process namespace, then the named ones nobody lives in. */
static void test_enumerate_own_apart(void **state)
{
	struct fake *f = *state;
	char p[512];

	enumerate(f, f->ino_e, f->run);
	assert_int_equal(f->nt.n, 5);
	assert_int_equal(f->nt.v[0].ino, f->ino_e);
	check_ns(&f->nt.v[0], NULL, 0, pathf(p, sizeof(p), f->proc, "self/ns/net"));
	/* pids 100 and 200 share it: one entry, the first pid's */
	assert_int_equal(f->nt.v[1].ino, f->ino_a);
	check_ns(&f->nt.v[1], "named-a", 100, pathf(p, sizeof(p), f->run, "named-a"));
	assert_int_equal(f->nt.v[2].ino, f->ino_b);
	check_ns(&f->nt.v[2], "blue", 300, pathf(p, sizeof(p), f->run, "blue"));
	assert_int_equal(f->nt.v[3].ino, f->ino_c);
	check_ns(&f->nt.v[3], NULL, 400, pathf(p, sizeof(p), f->proc, "400/ns/net"));
	assert_int_equal(f->nt.v[4].ino, f->ino_d);
	check_ns(&f->nt.v[4], "orphan", 0, pathf(p, sizeof(p), f->run, "orphan"));
	assert_int_equal(netns_find(&f->nt, 0), -1);
	assert_int_equal(netns_find(&f->nt, 1), -1);
}

/* We share pid 100's namespace: it is deduplicated into our entry. */
static void test_enumerate_own_shared(void **state)
{
	struct fake *f = *state;
	char p[512];

	enumerate(f, f->ino_a, f->run);
	assert_int_equal(f->nt.n, 4);
	assert_int_equal(f->nt.v[0].ino, f->ino_a);
	/* named: the run dir entry's name and path win over /proc/self */
	check_ns(&f->nt.v[0], "named-a", 0, pathf(p, sizeof(p), f->run, "named-a"));
	check_ns(find(f, f->ino_b), "blue", 300, pathf(p, sizeof(p), f->run, "blue"));
	check_ns(find(f, f->ino_c), NULL, 400, pathf(p, sizeof(p), f->proc, "400/ns/net"));
	check_ns(find(f, f->ino_d), "orphan", 0, pathf(p, sizeof(p), f->run, "orphan"));
}

/* No run dir (no `ip netns` ever ran): processes only. */
static void test_enumerate_no_run_dir(void **state)
{
	struct fake *f = *state;
	char p[512], run[512];

	enumerate(f, f->ino_e, pathf(run, sizeof(run), f->root, "no-such-dir"));
	assert_int_equal(f->nt.n, 4);
	check_ns(find(f, f->ino_a), NULL, 100, pathf(p, sizeof(p), f->proc, "100/ns/net"));
	check_ns(find(f, f->ino_b), NULL, 300, pathf(p, sizeof(p), f->proc, "300/ns/net"));
	assert_int_equal(netns_find(&f->nt, f->ino_d), -1);
}

static void test_label(void **state)
{
	struct fake *f = *state;
	char buf[32], want[32];

	enumerate(f, f->ino_e, f->run);
	assert_string_equal(netns_label(&f->nt, f->ino_b, buf, sizeof(buf)), "blue");
	snprintf(want, sizeof(want), "%llu", (unsigned long long)f->ino_c);
	assert_string_equal(netns_label(&f->nt, f->ino_c, buf, sizeof(buf)), want);
	assert_string_equal(netns_label(&f->nt, 4026531840ULL, buf, sizeof(buf)), "4026531840");
}

/* ---- netns_select ---- */

static int select_arg(struct fake *f, const char *arg)
{
	struct netns_sel sel;

	assert_int_equal(netns_parse_sel(arg, &sel), 0);
	enumerate(f, f->ino_e, f->run);
	return netns_select(&f->nt, &f->pt, &sel);
}

static void expect_one(struct fake *f, const char *arg, uint64_t ino)
{
	int ret = select_arg(f, arg);

	if (ret != 0)
		fail_msg("--netns %s: returned %d", arg, ret);
	if (f->nt.n != 1 || f->nt.v[0].ino != ino)
		fail_msg("--netns %s: %zu namespaces, first %llu, expected only %llu", arg,
			 f->nt.n, f->nt.n ? (unsigned long long)f->nt.v[0].ino : 0ULL,
			 (unsigned long long)ino);
}

static void test_select_all(void **state)
{
	struct fake *f = *state;

	assert_int_equal(select_arg(f, "all"), 0);
	assert_int_equal(f->nt.n, 5);
}

static void test_select_current(void **state)
{
	struct fake *f = *state;
	char p[512];

	expect_one(f, "current", f->ino_e);
	check_ns(&f->nt.v[0], NULL, 0, pathf(p, sizeof(p), f->proc, "self/ns/net"));
}

static void test_select_name(void **state)
{
	struct fake *f = *state;
	char p[512];

	expect_one(f, "blue", f->ino_b);
	check_ns(&f->nt.v[0], "blue", 300, pathf(p, sizeof(p), f->run, "blue"));
}

static void test_select_name_orphan(void **state)
{
	struct fake *f = *state;
	char p[512];

	expect_one(f, "orphan", f->ino_d);
	check_ns(&f->nt.v[0], "orphan", 0, pathf(p, sizeof(p), f->run, "orphan"));
}

static void test_select_inode(void **state)
{
	struct fake *f = *state;
	char arg[48];

	snprintf(arg, sizeof(arg), "ino:%llu", (unsigned long long)f->ino_c);
	expect_one(f, arg, f->ino_c);
}

static void test_select_bare_inode(void **state)
{
	struct fake *f = *state;
	char arg[48];

	snprintf(arg, sizeof(arg), "%llu", (unsigned long long)f->ino_a);
	expect_one(f, arg, f->ino_a);
	assert_int_equal(f->nt.v[0].pid, 100);
}

/* pid 200 shares pid 100's namespace */
static void test_select_pid(void **state)
{
	struct fake *f = *state;

	expect_one(f, "pid:200", f->ino_a);
}

static void test_select_pid_named(void **state)
{
	struct fake *f = *state;

	expect_one(f, "pid:300", f->ino_b);
	assert_string_equal(f->nt.v[0].name, "blue");
}

static void expect_enoent(struct fake *f, const char *arg)
{
	int ret = select_arg(f, arg);

	if (ret != -ENOENT)
		fail_msg("--netns %s: returned %d, expected -ENOENT", arg, ret);
}

static void test_select_missing_name(void **state)
{
	expect_enoent(*state, "nosuch");
}

static void test_select_hidden_name(void **state)
{
	expect_enoent(*state, ".hidden");
}

static void test_select_stale_name(void **state)
{
	expect_enoent(*state, "stale");
}

static void test_select_missing_inode(void **state)
{
	expect_enoent(*state, "ino:12345678901");
}

static void test_select_inode_zero(void **state)
{
	expect_enoent(*state, "0");
}

/* no such process: -ESRCH, said as such (collect.c) */
static void test_select_missing_pid(void **state)
{
	int ret = select_arg(*state, "pid:999");

	if (ret != -ESRCH)
		fail_msg("--netns pid:999: returned %d, expected -ESRCH", ret);
}

/* a process whose namespace link could not be read (another user's,
 * unprivileged): permission denied, not "no such namespace" */
static void test_select_pid_unknown_ns(void **state)
{
	int ret = select_arg(*state, "pid:500");

	if (ret != -EACCES)
		fail_msg("--netns pid:500: returned %d, expected -EACCES", ret);
}

int main(void)
{
	const struct CMUnitTest parse[] = {
		cmocka_unit_test(test_parse_sel),
	};
	const struct CMUnitTest tree[] = {
		cmocka_unit_test_setup_teardown(test_enumerate_own_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enumerate_own_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enumerate_no_run_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_current, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_name_orphan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_inode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_bare_inode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_pid_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_missing_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_hidden_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_stale_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_missing_inode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_inode_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_missing_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_pid_unknown_ns, setup, teardown),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("netns_parse_sel", parse, NULL, NULL);
	failed += cmocka_run_group_tests_name("netns_enumerate_select", tree, NULL, NULL);
	return failed ? 1 : 0;
}
