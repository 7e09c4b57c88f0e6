/* Unit tests for judge: the per-socket rules on hand-built sockets, and
 * join + judge on a small hand-built host. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "fixture.h"
#include "join.h"
#include "judge.h"
#include "model.h"
#include "options.h"
#include "sample.h"
#include "socktab.h"

static void defaults(struct skc_opts *o)
{
	assert_int_equal(fx_parse(o, NULL), -1);
}

/* judge_socket gives a listener a rare record (sock_rare_w); the sockets
 * judged here live on the stack and are overwritten: the record of the
 * last one judged is freed when another is judged, the final one at exit
 * (free_judged). */
static struct skc_sock_rare *judged_rare;

static void free_judged(void)
{
	free(judged_rare);
	judged_rare = NULL;
}

static unsigned judge(struct skc_sock *s, const struct skc_opts *o)
{
	judge_socket(s, &o->judge);
	if (judged_rare != s->rare)
		free_judged();
	judged_rare = s->rare;
	return s->flags;
}

/* How long queued TCP data has waited: judge_socket from tcp_info's
 * clocks (milliseconds). */
static void test_ages(void **state)
{
	struct skc_opts o;
	struct skc_sock s;

	(void)state;
	defaults(&o);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 100, 500);
	s.has_tcp_times = true;
	s.last_data_recv = 1234;
	s.last_data_sent = 4500;
	s.unacked = 2;
	judge(&s, &o);
	assert_true(sock_unread_age(&s) > 1.233 && sock_unread_age(&s) < 1.235);
	assert_true(sock_unsent_age(&s) > 4.499 && sock_unsent_age(&s) < 4.501);
	/* nothing in flight (zero window): the unsent bytes' age is unknown */
	s.unacked = 0;
	judge(&s, &o);
	assert_true(sock_unsent_age(&s) < 0);
	/* SYN-SENT: lsndtime never ran */
	s = fx_sock_value(SKC_TCP, SKC_ST_SYN_SENT, 0, 1);
	s.has_tcp_times = true;
	s.unacked = 1;
	s.last_data_sent = 999999;
	judge(&s, &o);
	assert_true(sock_unsent_age(&s) < 0);
	assert_true(sock_unread_age(&s) < 0);
	/* empty queues, no clocks, other protocols: unknown */
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 0, 0);
	s.has_tcp_times = true;
	judge(&s, &o);
	assert_true(sock_unread_age(&s) < 0 && sock_unsent_age(&s) < 0);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 10, 0);
	judge(&s, &o);
	assert_true(sock_unread_age(&s) < 0);
	s = fx_sock_value(SKC_UDP, ST_CLOSE, 10, 0);
	s.has_tcp_times = true;
	judge(&s, &o);
	assert_true(sock_unread_age(&s) < 0);
	/* a listener's Recv-Q is connections, not data */
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 3, 10);
	s.has_tcp_times = true;
	judge(&s, &o);
	assert_true(sock_unread_age(&s) < 0);
	options_free(&o);
}

static void test_defaults(void **state)
{
	struct skc_opts o;

	(void)state;
	defaults(&o);
	assert_int_equal(o.judge.residue_bytes, 1024 * 1024);
	assert_int_equal(o.judge.rcvbuf_pct, 90);
	assert_int_equal(o.select.top, 10);
	assert_int_equal(o.select.port, -1);
	assert_int_equal(o.select.protos, SKC_PROTO_ALL);
	options_free(&o);
	/* and the option spellings the tests below rely on */
	assert_int_equal(fx_parse(&o, "--residue", "100", "--rcvbuf-pct", "50", NULL), -1);
	assert_int_equal(o.judge.residue_bytes, 100);
	assert_int_equal(o.judge.rcvbuf_pct, 50);
	options_free(&o);
}

/* options_init: the defaults without a command line, as parsed. */
static void test_options_init(void **state)
{
	struct skc_opts o, p;

	(void)state;
	options_init(&o);
	defaults(&p);
	assert_memory_equal(&o.judge, &p.judge, sizeof(o.judge));
	assert_memory_equal(&o.select, &p.select, sizeof(o.select));
	assert_memory_equal(&o.render, &p.render, sizeof(o.render));
	assert_int_equal(o.judge.window, 1);
	options_free(&o);
	options_free(&p);
}

static void test_residue_boundary(void **state)
{
	struct skc_opts o;
	struct skc_sock s;

	(void)state;
	defaults(&o);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 1024 * 1024 - 1, 0);
	assert_false(judge(&s, &o) & SKC_F_RESIDUE);
	assert_int_equal(s.recv_q, 1024 * 1024 - 1);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 1024 * 1024, 0);
	assert_true(judge(&s, &o) & SKC_F_RESIDUE);
	/* every protocol, UNIX included */
	s = fx_sock_value(SKC_UNIX, ST_ESTABLISHED, 1024 * 1024, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RESIDUE);
	s = fx_sock_value(SKC_UDP, ST_CLOSE, 1024 * 1024, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RESIDUE);
	/* unsent bytes are not residue */
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 0, 0xffffffffu);
	assert_int_equal(judge(&s, &o), 0);
	assert_int_equal(s.send_q, 0xffffffffu);
	options_free(&o);

	assert_int_equal(fx_parse(&o, "--residue", "100", NULL), -1);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 99, 0);
	assert_int_equal(judge(&s, &o), 0);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 100, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RESIDUE);
	/* a listener's residue is its queued children's bytes */
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 0, 128);
	sock_rare_w(&s)->pending_bytes = 99;
	assert_int_equal(judge(&s, &o), 0);
	sock_rare_w(&s)->pending_bytes = 100;
	assert_int_equal(judge(&s, &o), SKC_F_RESIDUE);
	/* flags are recomputed, not accumulated */
	sock_rare_w(&s)->pending_bytes = 0;
	s.flags = ~0u;
	assert_int_equal(judge(&s, &o), 0);
	options_free(&o);
}

static void test_rcvbuf_full(void **state)
{
	struct skc_opts o;
	struct skc_sock s;

	(void)state;
	defaults(&o);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 10, 0);
	fx_skmem(&s, 899, 1000, 0, 0, 0);
	assert_int_equal(judge(&s, &o), 0);
	fx_skmem(&s, 900, 1000, 0, 0, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RCVBUF_FULL);
	/* 90% of 1001 is 900.9: 900 is below, 901 above */
	fx_skmem(&s, 900, 1001, 0, 0, 0);
	assert_int_equal(judge(&s, &o), 0);
	fx_skmem(&s, 901, 1001, 0, 0, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RCVBUF_FULL);
	/* over 100% happens (truesize overshoot): still full */
	fx_skmem(&s, 5000, 1000, 0, 0, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RCVBUF_FULL);
	/* largest values: no overflow in the percentage */
	fx_skmem(&s, 0xffffffffu, 0xffffffffu, 0, 0, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RCVBUF_FULL);
	fx_skmem(&s, 0xe6666665u, 0xffffffffu, 0, 0, 0);	/* just under 90% */
	assert_int_equal(judge(&s, &o), 0);
	/* no rcvbuf known, or no skmem at all: no verdict */
	fx_skmem(&s, 900, 0, 0, 0, 0);
	assert_int_equal(judge(&s, &o), 0);
	fx_skmem(&s, 900, 1000, 0, 0, 0);
	s.has_skmem = false;
	assert_int_equal(judge(&s, &o), 0);
	/* UDP too */
	s = fx_sock_value(SKC_UDP, ST_CLOSE, 900, 0);
	fx_skmem(&s, 900, 1000, 0, 0, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RCVBUF_FULL);
	/* never for UNIX (data is charged to the sender) */
	s = fx_sock_value(SKC_UNIX, ST_ESTABLISHED, 10, 0);
	fx_skmem(&s, 1000, 1000, 0, 0, 0);
	assert_int_equal(judge(&s, &o), 0);
	/* never for listeners (their rmem is the SYN backlog) */
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 0, 128);
	fx_skmem(&s, 1000, 1000, 0, 0, 0);
	assert_int_equal(judge(&s, &o), 0);
	options_free(&o);

	assert_int_equal(fx_parse(&o, "--rcvbuf-pct", "100", NULL), -1);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 10, 0);
	fx_skmem(&s, 999, 1000, 0, 0, 0);
	assert_int_equal(judge(&s, &o), 0);
	fx_skmem(&s, 1000, 1000, 0, 0, 0);
	assert_int_equal(judge(&s, &o), SKC_F_RCVBUF_FULL);
	options_free(&o);
}

static void test_drops(void **state)
{
	struct skc_opts o;
	struct skc_sock s;

	(void)state;
	defaults(&o);
	s = fx_sock_value(SKC_UDP, ST_CLOSE, 0, 0);
	fx_skmem(&s, 0, 212992, 0, 0, 0);
	assert_int_equal(judge(&s, &o), 0);
	assert_int_equal(s.drops, 0);
	fx_skmem(&s, 0, 212992, 0, 0, 1);
	assert_int_equal(judge(&s, &o), SKC_F_DROPS);
	assert_int_equal(s.drops, 1);
	/* listeners count dropped handshakes there too */
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 0, 128);
	fx_skmem(&s, 0, 131072, 0, 0, 8);
	assert_int_equal(judge(&s, &o), SKC_F_DROPS);
	/* stale numbers without has_skmem are not read */
	s.has_skmem = false;
	assert_int_equal(judge(&s, &o), 0);
	assert_int_equal(s.drops, 0);
	options_free(&o);
}

static void test_listener(void **state)
{
	struct skc_opts o;
	struct skc_sock s;

	(void)state;
	defaults(&o);
	/* Recv-Q of a listener is its accept queue, Send-Q the backlog */
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 5, 5);
	assert_int_equal(judge(&s, &o), 0);
	assert_int_equal(s.recv_q, 0);
	assert_int_equal(s.send_q, 0);
	assert_int_equal(sock_rare(&s)->accept_q, 5);
	assert_int_equal(sock_rare(&s)->accept_max, 5);
	/* full only past the backlog (sk_acceptq_is_full uses >) */
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 6, 5);
	assert_int_equal(judge(&s, &o), SKC_F_ACCEPT_FULL);
	assert_int_equal(sock_rare(&s)->accept_q, 6);
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 1, 0);
	assert_int_equal(judge(&s, &o), SKC_F_ACCEPT_FULL);
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 0, 0);
	assert_int_equal(judge(&s, &o), 0);
	/* UNIX listeners alike (unix_diag reports the same pair) */
	s = fx_sock_value(SKC_UNIX, ST_LISTEN, 3, 2);
	assert_int_equal(judge(&s, &o), SKC_F_ACCEPT_FULL);
	assert_int_equal(s.recv_q, 0);
	assert_int_equal(sock_rare(&s)->accept_q, 3);
	assert_true(sock_is_listener(&s));
	/* state 10 means nothing for UDP: its queue is data */
	s = fx_sock_value(SKC_UDP, ST_LISTEN, 6, 5);
	assert_false(sock_is_listener(&s));
	assert_int_equal(judge(&s, &o), 0);
	assert_int_equal(s.recv_q, 6);
	assert_int_equal(s.send_q, 5);
	assert_int_equal(sock_rare(&s)->accept_q, 0);
	/* an established socket with Recv-Q > Send-Q is not accept-full */
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 6, 5);
	assert_int_equal(judge(&s, &o), 0);
	assert_int_equal(sock_rare(&s)->accept_q, 0);
	options_free(&o);
}

static void test_mem(void **state)
{
	struct skc_opts o;
	struct skc_sock s;

	(void)state;
	defaults(&o);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 0, 0);
	fx_skmem(&s, 100, 1000000, 200, 300, 0);
	judge(&s, &o);
	assert_int_equal(sock_mem(&s), 400);
	fx_skmem(&s, 100, 1000000, 300, 200, 0);
	judge(&s, &o);
	assert_int_equal(sock_mem(&s), 400);
	fx_skmem(&s, 0, 1000000, 6400, 0, 0);	/* a UNIX sender */
	judge(&s, &o);
	assert_int_equal(sock_mem(&s), 6400);
	/* no overflow: u32 parts, u64 sum */
	fx_skmem(&s, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0, 0);
	judge(&s, &o);
	assert_int_equal(sock_mem(&s), 0x1fffffffeULL);
	s.has_skmem = false;
	judge(&s, &o);
	assert_int_equal(sock_mem(&s), 0);
	options_free(&o);
}

/*
 * The small host:
 *   alpha (100): fd 3 and its dup fd 4 -> shared TCP 5000 B; fd 6 -> UNIX 10 B
 *   beta  (200): fd 7 -> shared TCP; fd 5 -> listener *:8080 (3 queued, backlog 2)
 *                whose pending child 127.0.0.1:8080 holds 700 B
 *   gamma (300): one socket fd the dumps never saw
 *   delta (400): fd 3 -> UDP 2000000 B, 3 drops
 *   nobody:       TCP with 50 B
 */
enum { P_ALPHA, P_BETA, P_GAMMA, P_DELTA, NPROCS };
enum { I_SHARED = 1001, I_LISTEN, I_UDP, I_UNIX, I_ORPHAN };

static struct skc_sock *add_sock(struct skc_host *h, struct skc_sock s, uint64_t inode,
				 const char *laddr, uint16_t lport, const char *paddr,
				 uint16_t pport)
{
	struct skc_sock *n = socktab_add(&h->socks);

	*n = s;
	n->inode = inode;
	n->netns = 4026531840ULL;
	if (s.family == AF_INET) {
		assert_int_equal(inet_pton(AF_INET, laddr, n->local.addr), 1);
		assert_int_equal(inet_pton(AF_INET, paddr, n->peer.addr), 1);
		n->local.port = lport;
		n->peer.port = pport;
	}
	return n;
}

static void build_host(struct skc_host *h)
{
	static const struct { pid_t pid; const char *comm; } procs[NPROCS] = {
		[P_ALPHA] = { 100, "alpha" }, [P_BETA] = { 200, "beta" },
		[P_GAMMA] = { 300, "gamma" }, [P_DELTA] = { 400, "delta" },
	};
	struct skc_sock s;
	size_t i;

	host_init(h);
	h->netns = 4026531840ULL;
	for (i = 0; i < NPROCS; i++)
		fx_proc(h, procs[i].pid, procs[i].comm)->netns = h->netns;
	fx_fd(&h->procs.v[P_ALPHA], 3, I_SHARED);
	fx_fd(&h->procs.v[P_ALPHA], 4, I_SHARED);
	fx_fd(&h->procs.v[P_ALPHA], 6, I_UNIX);
	fx_fd(&h->procs.v[P_BETA], 5, I_LISTEN);
	fx_fd(&h->procs.v[P_BETA], 7, I_SHARED);
	fx_fd(&h->procs.v[P_GAMMA], 3, 9999);
	fx_fd(&h->procs.v[P_DELTA], 3, I_UDP);

	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 5000, 0);
	fx_skmem(&s, 6000, 1000000, 0, 0, 0);
	add_sock(h, s, I_SHARED, "10.0.0.1", 40000, "10.0.0.2", 443);
	s = fx_sock_value(SKC_TCP, ST_LISTEN, 3, 2);
	fx_skmem(&s, 0, 131072, 0, 0, 0);
	add_sock(h, s, I_LISTEN, "0.0.0.0", 8080, "0.0.0.0", 0);
	/* the pending child: no inode, same local port as the listener */
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 700, 0);
	fx_skmem(&s, 1000, 131072, 0, 0, 0);
	add_sock(h, s, 0, "127.0.0.1", 8080, "127.0.0.1", 5555);
	s = fx_sock_value(SKC_UDP, ST_CLOSE, 2000000, 0);
	fx_skmem(&s, 2000000, 4194304, 0, 0, 3);
	add_sock(h, s, I_UDP, "0.0.0.0", 53, "0.0.0.0", 0);
	s = fx_sock_value(SKC_UNIX, ST_ESTABLISHED, 10, 0);
	add_sock(h, s, I_UNIX, NULL, 0, NULL, 0);
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 50, 0);
	add_sock(h, s, I_ORPHAN, "10.0.0.1", 40001, "10.0.0.3", 80);
	/* a TCP child of a port nobody listens on */
	s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 1, 0);
	add_sock(h, s, 0, "127.0.0.1", 9090, "127.0.0.1", 5556);
}

struct run {
	struct skc_host h;
	struct skc_opts o;
};

static void run_host(struct run *r, ...)
{
	va_list ap;
	int ret;

	va_start(ap, r);
	ret = fx_parse_va(&r->o, ap);
	va_end(ap);
	assert_int_equal(ret, -1);
	build_host(&r->h);
	join_host(&r->h);
	sample_judge(&r->h, &r->o, NULL, 0);
}

static void free_run(struct run *r)
{
	options_free(&r->o);
	host_free(&r->h);
}

static const struct skc_sock *find(const struct skc_host *h, uint64_t inode,
				   uint16_t pport)
{
	size_t i;

	for (i = 0; i < h->socks.n; i++)
		if (h->socks.v[i].inode == inode &&
		    (inode || h->socks.v[i].peer.port == pport))
			return &h->socks.v[i];
	fail_msg("socket %llu not found", (unsigned long long)inode);
	return NULL;
}

static pid_t ranked_pid(const struct skc_host *h, size_t i)
{
	return i < h->nranked ? h->ranked[i]->pid : -1;
}

static void test_pipeline(void **state)
{
	struct run r;
	const struct skc_proc *alpha, *beta, *gamma, *delta;
	const struct skc_sock *l, *child, *stray;

	(void)state;
	run_host(&r, NULL);
	alpha = &r.h.procs.v[P_ALPHA];
	beta = &r.h.procs.v[P_BETA];
	gamma = &r.h.procs.v[P_GAMMA];
	delta = &r.h.procs.v[P_DELTA];

	/* join: owners, the dup, the child's listener, the unmatched fd */
	assert_int_equal(find(&r.h, I_SHARED, 0)->nowners, 3);
	l = find(&r.h, I_LISTEN, 0);
	child = find(&r.h, 0, 5555);
	stray = find(&r.h, 0, 5556);
	assert_int_equal(child->listener, l - r.h.socks.v);
	assert_int_equal(stray->listener, -1);
	assert_int_equal(gamma->unmatched, 1);
	assert_int_equal(alpha->unmatched, 0);

	/* judge: the listener carries its child's bytes */
	assert_int_equal(sock_rare(l)->pending_bytes, 700);
	assert_int_equal(l->recv_q, 0);
	assert_int_equal(sock_rare(l)->accept_q, 3);
	assert_int_equal(l->flags, SKC_F_ACCEPT_FULL);
	assert_int_equal(find(&r.h, I_UDP, 0)->flags, SKC_F_RESIDUE | SKC_F_DROPS);

	/* per process: a socket once per process, dup or not */
	assert_int_equal(alpha->fig.sockets, 2);
	assert_int_equal(alpha->fig.recv_q, 5010);
	assert_int_equal(alpha->fig.mem, 6000);
	assert_int_equal(alpha->fig.flags, 0);
	assert_int_equal(beta->fig.sockets, 2);
	assert_int_equal(beta->fig.recv_q, 5700);
	assert_int_equal(beta->fig.accept_q, 3);
	/* the shared socket's 6000 and its queued child's 1000 */
	assert_int_equal(sock_rare(l)->pending_mem, 1000);
	assert_int_equal(beta->fig.mem, 6000 + 1000);
	assert_int_equal(beta->fig.flags, SKC_F_ACCEPT_FULL);
	assert_int_equal(gamma->fig.sockets, 0);
	assert_int_equal(gamma->fig.recv_q, 0);
	assert_int_equal(delta->fig.sockets, 1);
	assert_int_equal(delta->fig.recv_q, 2000000);
	assert_int_equal(delta->fig.drops, 3);
	assert_int_equal(delta->fig.flags, SKC_F_RESIDUE | SKC_F_DROPS);

	/* host: every socket once; the child's bytes as its own, once */
	assert_int_equal(r.h.total.sockets, 7);
	assert_int_equal(r.h.total.by_proto[SKC_TCP], 5);
	assert_int_equal(r.h.total.by_proto[SKC_UDP], 1);
	assert_int_equal(r.h.total.by_proto[SKC_UNIX], 1);
	assert_int_equal(r.h.total.recv_q, 5000 + 700 + 2000000 + 10 + 50 + 1);
	assert_int_equal(r.h.total.accept_q, 3);
	assert_int_equal(r.h.total.drops, 3);
	assert_int_equal(r.h.total.mem, 6000 + 1000 + 2000000);
	assert_int_equal(r.h.total.flagged_sockets, 2);

	/* ranking: residue only, by recv_q; gamma has none */
	assert_int_equal(r.h.nranked, 3);
	assert_int_equal(ranked_pid(&r.h, 0), 400);
	assert_int_equal(ranked_pid(&r.h, 1), 200);
	assert_int_equal(ranked_pid(&r.h, 2), 100);
	assert_int_equal(r.h.procs_queued, 3);
	assert_int_equal(r.h.procs_flagged, 2);
	assert_false(gamma->selected);

	/* no fd holds the orphan nor the stray child: one "(no process)"
	 * row for their namespace, listed (it has residue) */
	assert_int_equal(r.h.nunowned, 1);
	assert_true(r.h.unowned_known);
	assert_int_equal(r.h.unowned[0].fig.sockets, 2);
	assert_int_equal(r.h.unowned[0].fig.recv_q, 50 + 1);
	assert_int_equal(r.h.unowned[0].pid, 0);
	assert_true(r.h.unowned[0].selected);
	assert_int_equal(r.h.unowned_total.sockets, 2);
	assert_int_equal(r.h.unowned_total.recv_q, 51);
	/* the host totals are the rows': processes (shared socket once,
	 * queued child in its listener) and the unowned row */
	assert_int_equal(r.h.total.recv_q, alpha->fig.recv_q + beta->fig.recv_q - 5000 +
			 delta->fig.recv_q + r.h.unowned[0].fig.recv_q);

	/* listed processes' sockets, the shared one once, pending bytes
	 * in, and the listed unowned row's */
	assert_int_equal(r.h.selected.sockets, 4 + 2);
	assert_int_equal(r.h.selected.recv_q, 5000 + 700 + 2000000 + 10 + 51);
	assert_int_equal(r.h.selected.accept_q, 3);
	free_run(&r);
}

/* The pins-pages rule on one socket: both thresholds, settable. */
static void test_pins_pages_rule(void **state)
{
	struct skc_opts o;
	struct skc_sock s = fx_sock_value(SKC_TCP, ST_ESTABLISHED, 1, 0);

	(void)state;
	assert_int_equal(fx_parse(&o, NULL), -1);
	fx_skmem(&s, 1000, 1000000, 0, 0, 0);
	s.pinned = 2 << 20;
	judge_socket(&s, &o.judge);
	assert_true(s.flags & SKC_F_PINS_PAGES);
	s.pinned = (1 << 20) - 1;		/* below --pins-min 1M */
	judge_socket(&s, &o.judge);
	assert_false(s.flags & SKC_F_PINS_PAGES);
	s.pinned = 1 << 20;
	judge_socket(&s, &o.judge);
	assert_true(s.flags & SKC_F_PINS_PAGES);
	fx_skmem(&s, 600000, 1000000, 0, 0, 0);	/* 2 MiB < 4 x 600000 */
	s.pinned = 2 << 20;
	judge_socket(&s, &o.judge);
	assert_false(s.flags & SKC_F_PINS_PAGES);
	options_free(&o);

	assert_int_equal(fx_parse(&o, "--pins-ratio", "2", "--pins-min", "512K", NULL), -1);
	judge_socket(&s, &o.judge);
	assert_true(s.flags & SKC_F_PINS_PAGES);
	s.pinned = 512 * 1024 - 1;
	fx_skmem(&s, 0, 1000000, 0, 0, 0);
	judge_socket(&s, &o.judge);
	assert_false(s.flags & SKC_F_PINS_PAGES);
	/* nothing pinned is never pins-pages, whatever the thresholds */
	assert_false(judge_pins_pages(0, 0, &o.judge));
	options_free(&o);
	assert_int_equal(fx_parse(&o, "--pins-ratio", "0", NULL), 2);
	assert_int_equal(fx_parse(&o, "--pins-min", "0", NULL), 2);
	assert_int_equal(fx_parse(&o, "--memory-suspect", "x", NULL), 2);
}

/* build_host, join, pinned bytes on sockets, then judge..rollup */
static void run_pinned(struct run *r, uint64_t shared, uint64_t unx, uint64_t udp,
		       int64_t unaccounted, const char *arg1, const char *arg2)
{
	assert_int_equal(fx_parse(&r->o, arg1, arg2, NULL), -1);
	build_host(&r->h);
	join_host(&r->h);
	r->h.pinned_avail = shared || unx || udp;
	r->h.socks.v[socktab_find(&r->h.socks, I_SHARED)].pinned = shared;
	r->h.socks.v[socktab_find(&r->h.socks, I_UNIX)].pinned = unx;
	r->h.socks.v[socktab_find(&r->h.socks, I_UDP)].pinned = udp;
	r->h.memory.valid = true;
	r->h.memory.part[SKC_MEM_UNACCOUNTED] = unaccounted;
	sample_judge(&r->h, &r->o, NULL, 0);
}

/* Pinned bytes roll up like MEM: per process (a shared socket once per
 * process), per host once; the rule also applies to a process's sums;
 * --sort pinned ranks by them; memory-suspect needs both figures. */
static void test_pinned_rollup(void **state)
{
	struct run r;

	(void)state;
	/* each below 1M: no socket flag; the UNIX one has no peer */
	run_pinned(&r, 700 * 1024, 700 * 1024, 0, 2LL << 30, "--sort", "pinned");
	assert_false(find(&r.h, I_SHARED, 0)->flags & SKC_F_PINS_PAGES);
	assert_false(find(&r.h, I_UNIX, 0)->flags & SKC_F_PINS_PAGES);
	/* alpha holds both: 1400K >= 1M and >= 4 x 6000 */
	assert_int_equal(r.h.procs.v[P_ALPHA].fig.pinned, 1400 * 1024);
	assert_true(r.h.procs.v[P_ALPHA].fig.flags & SKC_F_PINS_PAGES);
	/* beta holds only the shared one */
	assert_int_equal(r.h.procs.v[P_BETA].fig.pinned, 700 * 1024);
	assert_false(r.h.procs.v[P_BETA].fig.flags & SKC_F_PINS_PAGES);
	assert_int_equal(r.h.total.pinned, 1400 * 1024);
	assert_int_equal(ranked_pid(&r.h, 0), 100);
	assert_int_equal(ranked_pid(&r.h, 1), 200);
	/* host: 2 GiB unaccounted but 1.4M pinned: not suspect at 1G */
	assert_true(r.h.memory.pinned_valid);
	assert_int_equal(r.h.memory.pinned, 1400 * 1024);
	assert_int_equal(r.h.memory.truesize, r.h.total.mem);
	assert_false(r.h.memory.suspect);
	free_run(&r);

	run_pinned(&r, 0, 0, 3 << 20, 2 << 20, "--memory-suspect", "1M");
	assert_true(r.h.memory.suspect);
	free_run(&r);

	/* the same figures without pinned figures: never suspect */
	run_pinned(&r, 0, 0, 0, 2 << 20, "--memory-suspect", "1M");
	assert_false(r.h.memory.suspect);
	assert_false(r.h.memory.pinned_valid);
	free_run(&r);
}

/* UNIX pages move to the sender (the receiver's peer), whatever the
 * order of the two in the table, and both ways at once. */
static void unix_pair(struct skc_host *h, uint64_t a_pinned, uint64_t b_pinned,
		      bool b_first)
{
	struct skc_sock *a, *b;

	host_init(h);
	if (b_first) {
		b = fx_sock(h, SKC_UNIX, ST_ESTABLISHED, 2002, 0, 0);
		b->unix_peer = 2001;
		b->pinned = b_pinned;
	}
	a = fx_sock(h, SKC_UNIX, ST_ESTABLISHED, 2001, 0, 0);
	a->unix_peer = 2002;
	a->pinned = a_pinned;
	if (!b_first) {
		b = fx_sock(h, SKC_UNIX, ST_ESTABLISHED, 2002, 0, 0);
		b->unix_peer = 2001;
		b->pinned = b_pinned;
	}
	h->pinned_avail = true;
	socktab_index(&h->socks);
}

static uint64_t pinned_of(const struct skc_host *h, uint64_t inode)
{
	return h->socks.v[socktab_find(&h->socks, inode)].pinned;
}

static void test_unix_pins(void **state)
{
	struct skc_opts o;
	struct skc_host h;
	int first;

	(void)state;
	assert_int_equal(fx_parse(&o, NULL), -1);
	for (first = 0; first < 2; first++) {
		unix_pair(&h, 100000, 0, first);
		sample_judge(&h, &o, NULL, 0);
		assert_int_equal(pinned_of(&h, 2001), 0);
		assert_int_equal(pinned_of(&h, 2002), 100000);
		assert_int_equal(h.total.pinned, 100000);
		host_free(&h);

		unix_pair(&h, 10000, 20000, first);
		sample_judge(&h, &o, NULL, 0);
		assert_int_equal(pinned_of(&h, 2001), 20000);
		assert_int_equal(pinned_of(&h, 2002), 10000);
		host_free(&h);
	}
	options_free(&o);
}

static void test_top_and_all(void **state)
{
	struct run r;

	(void)state;
	run_host(&r, "--top", "1", NULL);
	assert_int_equal(r.h.nranked, 1);
	assert_int_equal(ranked_pid(&r.h, 0), 400);
	assert_true(r.h.procs.v[P_DELTA].selected);
	assert_false(r.h.procs.v[P_BETA].selected);
	/* --top counts processes; the "(no process)" row (2 sockets,
	 * 51 bytes) is listed besides */
	assert_int_equal(r.h.selected.sockets, 1 + 2);
	assert_int_equal(r.h.selected.recv_q, 2000000 + 51);
	/* totals do not depend on what is listed */
	assert_int_equal(r.h.total.sockets, 7);
	free_run(&r);

	run_host(&r, "-a", NULL);
	assert_int_equal(r.h.nranked, 4);
	assert_int_equal(ranked_pid(&r.h, 3), 300);
	free_run(&r);

	run_host(&r, "-a", "--top", "2", NULL);
	assert_int_equal(r.h.nranked, 2);
	assert_int_equal(ranked_pid(&r.h, 1), 200);
	free_run(&r);

	run_host(&r, "--top", "0", NULL);
	assert_int_equal(r.h.nranked, 3);
	free_run(&r);
}

static void test_sort_keys(void **state)
{
	struct run r;

	(void)state;
	/* alpha and beta hold 2 sockets each: recv_q breaks the tie */
	run_host(&r, "--sort", "sockets", NULL);
	assert_int_equal(ranked_pid(&r.h, 0), 200);
	assert_int_equal(ranked_pid(&r.h, 1), 100);
	assert_int_equal(ranked_pid(&r.h, 2), 400);
	free_run(&r);

	run_host(&r, "--sort", "mem", NULL);
	assert_int_equal(ranked_pid(&r.h, 0), 400);
	/* alpha and beta: same mem and ... recv_q decides */
	assert_int_equal(ranked_pid(&r.h, 1), 200);
	free_run(&r);

	run_host(&r, "--sort", "drops", NULL);
	assert_int_equal(ranked_pid(&r.h, 0), 400);
	free_run(&r);
}

static void test_filters(void **state)
{
	struct run r;

	(void)state;
	run_host(&r, "--pid", "100", NULL);
	assert_int_equal(r.h.nranked, 1);
	assert_int_equal(ranked_pid(&r.h, 0), 100);
	assert_int_equal(r.h.selected.sockets, 2);
	free_run(&r);

	run_host(&r, "--comm", "beta", NULL);
	assert_int_equal(r.h.nranked, 1);
	assert_int_equal(ranked_pid(&r.h, 0), 200);
	free_run(&r);

	/* --port: only the listener (and its child's bytes) count for beta */
	run_host(&r, "--port", "8080", NULL);
	assert_int_equal(r.h.nranked, 1);
	assert_int_equal(ranked_pid(&r.h, 0), 200);
	assert_int_equal(r.h.procs.v[P_BETA].fig.sockets, 1);
	assert_int_equal(r.h.procs.v[P_BETA].fig.recv_q, 700);
	assert_int_equal(r.h.procs.v[P_ALPHA].fig.sockets, 0);
	free_run(&r);

	/* --unix: only alpha's UNIX socket */
	run_host(&r, "-x", "-a", NULL);
	assert_int_equal(r.h.nranked, 1);
	assert_int_equal(ranked_pid(&r.h, 0), 100);
	assert_int_equal(r.h.procs.v[P_ALPHA].fig.recv_q, 10);
	free_run(&r);

	/* --min-bytes: at least that much unread */
	run_host(&r, "--min-bytes", "5500", NULL);
	assert_int_equal(r.h.nranked, 2);
	assert_int_equal(ranked_pid(&r.h, 1), 200);
	free_run(&r);
	run_host(&r, "--min-bytes", "5700", NULL);
	assert_int_equal(r.h.nranked, 2);
	free_run(&r);
	run_host(&r, "--min-bytes", "5701", NULL);
	assert_int_equal(r.h.nranked, 1);
	free_run(&r);
}

/* Inode of the i-th socket rollup listed under process k. */
static uint64_t listed_inode(const struct run *r, size_t k, size_t i)
{
	return r->h.socks.v[r->h.procs.v[k].listed[i].sock].inode;
}

static void test_proc_sockets(void **state)
{
	struct run r;
	const struct skc_proc *p;

	(void)state;
	/* a table without -s shows no socket rows: nothing is listed */
	run_host(&r, "-a", NULL);
	assert_int_equal(r.h.procs.v[P_ALPHA].nlisted, 0);
	free_run(&r);
	run_host(&r, "-a", "-s", NULL);
	/* alpha's dup lists the socket once, under the lower fd */
	p = &r.h.procs.v[P_ALPHA];
	assert_int_equal(p->nlisted, 2);
	assert_int_equal(listed_inode(&r, P_ALPHA, 0), I_SHARED);
	assert_int_equal(p->listed[0].fd, 3);
	assert_int_equal(listed_inode(&r, P_ALPHA, 1), I_UNIX);
	assert_int_equal(p->listed[1].fd, 6);
	/* beta: the listener ranks by its pending bytes (700) */
	p = &r.h.procs.v[P_BETA];
	assert_int_equal(p->nlisted, 2);
	assert_int_equal(listed_inode(&r, P_BETA, 0), I_SHARED);
	assert_int_equal(listed_inode(&r, P_BETA, 1), I_LISTEN);
	assert_int_equal(r.h.procs.v[P_GAMMA].nlisted, 0);
	free_run(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options_init),
		cmocka_unit_test(test_ages),
		cmocka_unit_test(test_residue_boundary),
		cmocka_unit_test(test_rcvbuf_full),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_listener),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_pins_pages_rule),
		cmocka_unit_test(test_pinned_rollup),
		cmocka_unit_test(test_unix_pins),
		cmocka_unit_test(test_top_and_all),
		cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_proc_sockets),
	};

	atexit(free_judged);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
