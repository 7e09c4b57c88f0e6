/* join: owners of sockets and the listener of each queued connection. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "util.h"
#include "join.h"
#include "judge.h"
#include "options.h"
#include "proccache.h"
#include "sample.h"
#include "socktab.h"

#define PORT 8080

static struct skc_sock *sock(struct skc_host *h, uint8_t family, uint8_t state,
			     uint64_t inode, uint32_t rq, uint32_t wq)
{
	struct skc_sock *s = fx_sock(h, SKC_TCP, state, inode, rq, wq);

	s->family = family;
	s->netns = 1;
	s->local.port = PORT;
	return s;
}

static void proc(struct skc_host *h, pid_t pid, const uint64_t *inodes, size_t n)
{
	struct skc_proc *p = fx_proc(h, pid, "srv");
	size_t i;

	for (i = 0; i < n; i++)
		fx_fd(p, (int)(3 + i), inodes[i]);
}

/* Pid 10 listens on 0.0.0.0:8080, pid 20 on [::]:8080 (v6 only).  A
 * connection queued on the v6 listener is an AF_INET6 socket: its bytes
 * are pid 20's, not pid 10's (found in review: the wildcard test alone
 * took the first listener on the port). */
static void test_listener_family(void **state)
{
	static const uint64_t a[] = { 11 }, b[] = { 22 };
	struct skc_host h;
	struct skc_opts o;

	(void)state;
	host_init(&h);
	sock(&h, AF_INET, 10, 11, 0, 128);
	sock(&h, AF_INET6, 10, 22, 1, 128);
	sock(&h, AF_INET6, 1, 0, 5000, 0)->local.addr[15] = 1;	/* queued on [::1] */
	sock(&h, AF_INET, 1, 0, 700, 0)->local.addr[0] = 127;	/* queued on 127.x */
	proc(&h, 10, a, 1);
	proc(&h, 20, b, 1);
	join_host(&h);
	assert_int_equal(h.socks.v[2].listener, 1);
	assert_int_equal(h.socks.v[3].listener, 0);
	assert_int_equal(fx_parse(&o, "-a", NULL), -1);
	sample_judge(&h, &o, NULL, 0);
	assert_int_equal(h.procs.v[0].fig.recv_q, 700);
	assert_int_equal(h.procs.v[1].fig.recv_q, 5000);
	assert_int_equal(h.procs.v[1].fig.accept_q, 1);
	options_free(&o);
	host_free(&h);
}

/* One socket held through two fds of one process and one fd of
 * another: each process counts it once, in order of the owners list. */
static void test_dup_owner_counted_once(void **state)
{
	static const uint64_t a[] = { 33, 33 }, b[] = { 33 };
	struct skc_host h;
	struct skc_opts o;

	(void)state;
	host_init(&h);
	sock(&h, AF_INET, 1, 33, 400, 0);
	proc(&h, 10, a, 2);
	proc(&h, 20, b, 1);
	join_host(&h);
	assert_int_equal(h.socks.v[0].nowners, 3);
	assert_int_equal(fx_parse(&o, "-a", NULL), -1);
	sample_judge(&h, &o, NULL, 0);
	assert_int_equal(h.procs.v[0].fig.sockets, 1);
	assert_int_equal(h.procs.v[0].fig.recv_q, 400);
	assert_int_equal(h.procs.v[1].fig.recv_q, 400);
	assert_int_equal(h.selected.recv_q, 400);
	options_free(&o);
	host_free(&h);
}

/* The owners of every socket share one block: each socket's range holds
 * its owners in the order of processes and fds, the ranges do not
 * overlap, a socket without owners has none, and joining again after a
 * reset gives the same; fx_own, one owner at a time, builds the same. */
static void test_owner_block(void **state)
{
	static const uint64_t a[] = { 41, 40, 41, 99 }, b[] = { 42, 40 }, c[] = { 40 };
	static const struct { size_t sock; uint32_t proc; int fd; } want[] = {
		/* in join's order: processes, then their fds (from 3) */
		{ 1, 0, 3 }, { 0, 0, 4 }, { 1, 0, 5 }, { 2, 1, 3 }, { 0, 1, 4 },
		{ 0, 2, 3 },
	};
	struct skc_host h, g;
	size_t i, k, seen[4] = { 0 };
	int round;

	(void)state;
	host_init(&h);
	sock(&h, AF_INET, 1, 40, 0, 0);
	sock(&h, AF_INET, 1, 41, 0, 0);
	sock(&h, AF_INET, 1, 42, 0, 0);
	sock(&h, AF_INET, 1, 43, 0, 0);	/* nobody's */
	proc(&h, 10, a, 4);
	proc(&h, 20, b, 2);
	proc(&h, 30, c, 1);
	host_init(&g);
	for (i = 0; i < 4; i++)
		sock(&g, AF_INET, 1, 40 + i, 0, 0);
	for (round = 0; round < 2; round++) {
		if (round)
			join_reset(&h);
		join_host(&h);
		assert_int_equal(h.socks.nowners, 6);
		assert_int_equal(h.procs.v[0].unmatched, 1);	/* inode 99 */
		assert_int_equal(h.socks.v[0].nowners, 3);
		assert_int_equal(h.socks.v[1].nowners, 2);
		assert_int_equal(h.socks.v[2].nowners, 1);
		assert_int_equal(h.socks.v[3].nowners, 0);
		assert_null(h.socks.v[3].owners);
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < ARRAY_SIZE(want); i++) {
			const struct skc_sock *s = &h.socks.v[want[i].sock];
			const struct skc_owner *w = &s->owners[seen[want[i].sock]++];

			assert_true(w >= h.socks.owners && w < h.socks.owners + 6);
			assert_int_equal(w->proc, want[i].proc);
			assert_int_equal(w->fd, want[i].fd);
		}
		/* disjoint: the ranges tile the block */
		for (i = k = 0; i < 3; i++) {
			assert_ptr_equal(h.socks.v[i].owners, h.socks.owners + k);
			k += h.socks.v[i].nowners;
		}
	}
	/* the fixture's one-at-a-time builder, in a shuffled order */
	for (i = ARRAY_SIZE(want); i-- > 0;)
		fx_own(&g, want[i].sock, want[i].proc, want[i].fd);
	for (i = 0; i < 4; i++) {
		assert_int_equal(g.socks.v[i].nowners, h.socks.v[i].nowners);
		for (k = 0; k < g.socks.v[i].nowners; k++) {
			/* fx_own appends: the reverse order of want[] per socket */
			const struct skc_owner *x = &g.socks.v[i].owners[k];
			const struct skc_owner *y = &h.socks.v[i].owners[g.socks.v[i].nowners - 1 - k];

			assert_int_equal(x->proc, y->proc);
			assert_int_equal(x->fd, y->fd);
		}
	}
	join_reset(&h);
	assert_null(h.socks.owners);
	for (i = 0; i < 4; i++)
		assert_int_equal(h.socks.v[i].nowners, 0);
	host_free(&g);
	host_free(&h);
}

/* The --watch owner cache rescans every process when a socket holding
 * data has no owner, once: a socket still unowned after a full look
 * (kernel-held, unreadable owner) is remembered by its inode and does
 * not make each tick rescan.  The inodes sit next to the namespace in
 * the socket record; the lookup must read the inode alone. */
static void test_proccache_unplaced(void **state)
{
	char root[] = "/tmp/skc-unit-proc.XXXXXX";
	struct proccache *c = proccache_new();
	struct skc_host h;

	(void)state;
	assert_non_null(mkdtemp(root));
	host_init(&h);
	sock(&h, AF_INET, ST_ESTABLISHED, 0x7001, 100, 0)->netns = 0xf0000001u;
	join_host(&h);
	/* no previous full look: rescan */
	assert_true(proccache_need_full(c, &h));
	assert_int_equal(proccache_rescan_all(c, root, &h), 0);
	join_reset(&h);
	join_host(&h);
	proccache_keep(c, &h);
	/* the same unowned socket: known, no rescan */
	assert_false(proccache_need_full(c, &h));
	/* a new one holding data: rescan */
	sock(&h, AF_INET, ST_ESTABLISHED, 0x7002, 100, 0)->netns = 0xf0000001u;
	join_reset(&h);
	join_host(&h);
	assert_true(proccache_need_full(c, &h));
	host_free(&h);
	proccache_free(c);
	assert_int_equal(rmdir(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listener_family),
		cmocka_unit_test(test_dup_owner_counted_once),
		cmocka_unit_test(test_owner_block),
		cmocka_unit_test(test_proccache_unplaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
