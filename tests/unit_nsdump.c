/*
 * Unit tests for src/nsdump.c: the namespace dump pool gives the same
 * host as one namespace after the other, whatever the pool size.
 *
 * Twelve namespaces are served by the recorded dumps of tests/data
 * (SKCHECK_NL_REPLAY: <netns>-<proto>.nl), each a different mix so that
 * the order of the merged sockets, warnings, family sources and
 * namespace states tells the namespaces apart: some have TCP and UNIX,
 * some UDP, some nothing, and some a TCP dump cut before NLMSG_DONE (a
 * failed dump: INCOMPLETE, a warning).  The serial run (pool size 1, no
 * thread) is checked against what the recordings hold; every pooled run
 * must then equal it field by field, repeated to give races a chance.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model.h"
#include "nsdump.h"
#include "nsearly.h"
#include "options.h"
#include "util.h"

#define NNS 12
#define NS0 4026530000ULL

/* tests/data/README: sockets in each recording */
#define TCP4_SOCKS 9
#define TCP6_SOCKS 2
#define UDP4_SOCKS 4
#define UNIX_SOCKS 6

static char dir[256];

static const char *datadir(void)
{
	const char *d = getenv("TESTS_DATADIR");

	return d && *d ? d : "tests/data";
}

static void link_rec(uint64_t ino, const char *proto, const char *file)
{
	char src[512], dst[512];

	snprintf(dst, sizeof(dst), "%s/%llu-%s.nl", dir, (unsigned long long)ino, proto);
	if (file[0] == '/')
		snprintf(src, sizeof(src), "%s", file);
	else
		snprintf(src, sizeof(src), "%s/%s", datadir(), file);
	if (src[0] != '/') {
		char cwd[256];

		assert_non_null(getcwd(cwd, sizeof(cwd)));
		snprintf(src, sizeof(src), "%s/%s/%s", cwd, datadir(), file);
	}
	assert_int_equal(symlink(src, dst), 0);
}

/* The first half of tcp4.nl: a dump cut before NLMSG_DONE. */
static void make_cut(const char *path)
{
	char src[512], buf[65536];
	ssize_t n;
	int in, out;

	snprintf(src, sizeof(src), "%s/tcp4.nl", datadir());
	in = open(src, O_RDONLY);
	assert_true(in >= 0);
	n = read(in, buf, sizeof(buf));
	close(in);
	assert_true(n > 64);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	assert_int_equal(write(out, buf, (size_t)n / 2), n / 2);
	close(out);
}

static int setup(void **state)
{
	char cut[300];
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/skc-nsdump.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cut, sizeof(cut), "%s/cut-tcp4", dir);
	make_cut(cut);
	for (i = 0; i < NNS; i++) {
		uint64_t ino = NS0 + (uint64_t)i;

		switch (i % 4) {
		case 0:
			link_rec(ino, "tcp4", "tcp4.nl");
			link_rec(ino, "unix", "unix.nl");
			break;
		case 1:
			link_rec(ino, "udp4", "udp4.nl");
			break;
		case 2:
			link_rec(ino, "tcp4", cut);
			link_rec(ino, "tcp6", "tcp6.nl");
			break;
		default:
			break;	/* nothing recorded: every family "unavailable" */
		}
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* own: which namespace is ours; early: its dump begun ahead
 * (nsdump_early_start), as collect.c does before the process scan */
static void run_as(struct skc_host *h, unsigned threads, int own, bool early)
{
	struct skc_opts o;
	struct skc_err err = { 0, "" };
	struct nsdump_early *e = NULL;
	int i;

	options_init(&o);
	o.replay_dir = dir;
	o.ns_threads = threads;
	host_init(h);
	h->netns = NS0 + (uint64_t)own;
	if (early) {
		e = nsdump_early_start(&o, h->netns);
		assert_non_null(e);
	}
	for (i = 0; i < NNS; i++) {
		struct skc_netns *ns;

		grow_array((void **)&h->nets.v, &h->nets.cap, h->nets.n + 1,
			   sizeof(*h->nets.v));
		ns = &h->nets.v[h->nets.n++];
		memset(ns, 0, sizeof(*ns));
		ns->ino = NS0 + (uint64_t)i;
		ns->path = xstrdup("/nonexistent");
		ns->state = SKC_NS_PENDING;
	}
	assert_int_equal(nsdump_all(h, &o, e, &err), 0);
}

static void run(struct skc_host *h, unsigned threads)
{
	run_as(h, threads, 0, false);	/* the first is ours */
}

/* What the recordings say, on the serial run. */
static void test_serial_matches_recordings(void **state)
{
	struct skc_host h;
	size_t per[NNS] = { 0 }, k, named = 0;
	uint64_t last = 0;
	int i;

	(void)state;
	run(&h, 1);
	for (k = 0; k < h.socks.n; k++)
		named += h.socks.v[k].family == AF_UNIX && h.socks.v[k].unix_path_len;
	/* the recordings name some UNIX sockets: assert_same compares paths */
	assert_true(named > 0);
	for (k = 0; k < h.socks.n; k++) {
		uint64_t ino = h.socks.v[k].netns;

		assert_true(ino >= NS0 && ino < NS0 + NNS);
		assert_true(ino >= last);	/* namespace order */
		last = ino;
		per[ino - NS0]++;
	}
	for (i = 0; i < NNS; i++) {
		switch (i % 4) {
		case 0:
			assert_int_equal(per[i], TCP4_SOCKS + UNIX_SOCKS);
			assert_int_equal(h.nets.v[i].state, SKC_NS_COMPLETE);
			break;
		case 1:
			assert_int_equal(per[i], UDP4_SOCKS);
			assert_int_equal(h.nets.v[i].state, SKC_NS_COMPLETE);
			break;
		case 2:
			/* what the cut dump parsed stays; tcp6 is whole */
			assert_true(per[i] >= TCP6_SOCKS);
			assert_int_equal(h.nets.v[i].state, SKC_NS_INCOMPLETE);
			break;
		default:
			assert_int_equal(per[i], 0);
			assert_int_equal(h.nets.v[i].state, SKC_NS_COMPLETE);
		}
	}
	/* one failed-dump warning per cut namespace, in order */
	assert_int_equal(h.nwarnings, NNS / 4);
	for (k = 0; k < h.nwarnings; k++) {
		char want[64];

		snprintf(want, sizeof(want), "netns %llu: tcp dump failed",
			 (unsigned long long)(NS0 + 2 + 4 * k));
		assert_true(strncmp(h.warnings[k], want, strlen(want)) == 0);
	}
	assert_true(h.partial_why & SKC_PARTIAL_DUMP);
	assert_string_equal(h.family_src[SKC_TCP], "sock_diag");
	assert_string_equal(h.family_src[SKC_UDP], "sock_diag");
	assert_string_equal(h.family_src[SKC_PACKET], "unavailable");
	host_free(&h);
}

static void assert_same(const struct skc_host *a, const struct skc_host *b)
{
	size_t k;

	assert_int_equal(a->socks.n, b->socks.n);
	for (k = 0; k < a->socks.n; k++) {
		const struct skc_sock *x = &a->socks.v[k], *y = &b->socks.v[k];

		assert_int_equal(x->inode, y->inode);
		assert_int_equal(x->cookie, y->cookie);
		assert_int_equal(x->netns, y->netns);
		assert_int_equal(x->proto, y->proto);
		assert_int_equal(x->rqueue, y->rqueue);
		assert_int_equal(x->wqueue, y->wqueue);
		/* UNIX paths live in each table's string pool, moved on
		 * merge (socktab_take_strings) */
		if (x->family == AF_UNIX) {
			assert_int_equal(x->unix_path_len, y->unix_path_len);
			assert_int_equal(!x->unix_path, !y->unix_path);
			if (x->unix_path_len)
				assert_memory_equal(x->unix_path, y->unix_path, x->unix_path_len);
		}
	}
	assert_int_equal(a->nwarnings, b->nwarnings);
	for (k = 0; k < a->nwarnings; k++)
		assert_string_equal(a->warnings[k], b->warnings[k]);
	for (k = 0; k < SKC_PROTO_MAX; k++) {
		assert_int_equal(!a->family_src[k], !b->family_src[k]);
		if (a->family_src[k])
			assert_string_equal(a->family_src[k], b->family_src[k]);
	}
	assert_int_equal(a->nets.n, b->nets.n);
	for (k = 0; k < a->nets.n; k++) {
		assert_int_equal(a->nets.v[k].state, b->nets.v[k].state);
		assert_int_equal(!a->nets.v[k].error, !b->nets.v[k].error);
	}
	assert_int_equal(a->partial_why, b->partial_why);
	assert_int_equal(a->partial, b->partial);
}

static void test_pool_equals_serial(void **state)
{
	static const unsigned sizes[] = { 2, 3, 4, 12, 64 };
	struct skc_host serial, pooled;
	size_t s;
	int rep;

	(void)state;
	run(&serial, 1);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (rep = 0; rep < 10; rep++) {
			run(&pooled, sizes[s]);
			assert_same(&serial, &pooled);
			host_free(&pooled);
		}
	host_free(&serial);
}

/* Our namespace dumped ahead, beside the process scan, then taken as
 * its job: the same sockets, order, warnings, states and sources as the
 * serial run; also when ours is a namespace whose dump was cut short
 * (2: INCOMPLETE and its warning come from the early thread). */
static void test_early_equals_serial(void **state)
{
	static const unsigned sizes[] = { 2, 3, 64 };
	static const int owns[] = { 0, 2, 3 };
	struct skc_host serial, early;
	size_t s, k;
	int rep;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();		/* nsdump_early_start declines on one CPU */
	for (k = 0; k < sizeof(owns) / sizeof(owns[0]); k++) {
		run_as(&serial, 1, owns[k], false);
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (rep = 0; rep < 5; rep++) {
				run_as(&early, sizes[s], owns[k], true);
				assert_same(&serial, &early);
				host_free(&early);
			}
		host_free(&serial);
	}
}

/* A sample that ends before the dumps (a failed process scan) waits for
 * the early thread and frees what it made; one thread asked for means
 * no early thread. */
static void test_early_cancel(void **state)
{
	struct skc_opts o;

	(void)state;
	options_init(&o);
	o.replay_dir = dir;
	o.ns_threads = 1;
	assert_null(nsdump_early_start(&o, NS0));
	o.ns_threads = 0;
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		nsdump_early_cancel(nsdump_early_start(&o, NS0));
	nsdump_early_cancel(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial_matches_recordings),
		cmocka_unit_test(test_pool_equals_serial),
		cmocka_unit_test(test_early_equals_serial),
		cmocka_unit_test(test_early_cancel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
