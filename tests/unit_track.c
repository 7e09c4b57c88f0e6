/* Unit tests for track: stall verdicts, stall times and events, driven
 * with hand-built samples at chosen monotonic times and a 1 s window
 * (track.c allows 10 ms of slack: a stall counts from window - 0.01). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "fixture.h"
#include "judge.h"
#include "model.h"
#include "options.h"
#include "socktab.h"
#include "track.h"

/* kernel TCP_* states (include/net/tcp_states.h); UNIX reuses them */

#define WINDOW 1.0
#define WALL0 1700000000.0	/* wall clock at mono 0 */

/* the processes every sample holds (index into h->procs.v) */
enum { P_READER, P_SERVER, NPROCS };
#define READER_PID 4242
#define SERVER_PID 4343

/* a TCP reader: cookie/inode, owned by the reader as fd 7 */
#define C_READER 1
#define I_READER 100
#define FD_READER 7
/* a listener owned by the server as fd 3, children with cookies 11.. */
#define C_LISTEN 10
#define I_LISTEN 200
#define FD_LISTEN 3

static struct skc_opts opts;

static int setup(void **state)
{
	(void)state;
	options_init(&opts);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	options_free(&opts);
	return 0;
}

#define assert_near(a, b) assert_near_at((a), (b), #a, __FILE__, __LINE__)
static void assert_near_at(double a, double b, const char *what,
			   const char *file, int line)
{
	if (fabs(a - b) > 1e-6) {
		print_error("%s = %.9f, expected %.9f\n", what, a, b);
		_fail(file, line);
	}
}

/* A sample taken at mono t: empty socket table, the two processes. */
static void begin(struct skc_host *h, double t)
{
	static const struct { pid_t pid; const char *comm; } procs[NPROCS] = {
		[P_READER] = { READER_PID, "reader" },
		[P_SERVER] = { SERVER_PID, "server" },
	};
	size_t i;

	host_init(h);
	h->time = WALL0 + t;
	for (i = 0; i < NPROCS; i++)
		fx_proc(h, procs[i].pid, procs[i].comm);
}

static size_t add(struct skc_host *h, uint8_t proto, uint8_t state,
		  uint64_t cookie, uint64_t inode, uint32_t rq, uint32_t wq)
{
	fx_sock(h, proto, state, inode, rq, wq)->cookie = cookie;
	return h->socks.n - 1;
}

static void tcpi(struct skc_host *h, size_t i, uint64_t received, uint64_t acked)
{
	h->socks.v[i].has_tcpi = true;
	h->socks.v[i].bytes_received = received;
	h->socks.v[i].bytes_acked = acked;
}

static void drops(struct skc_host *h, size_t i, uint32_t n)
{
	h->socks.v[i].has_skmem = true;
	h->socks.v[i].skmem[SK_MEMINFO_DROPS] = n;
}

/* Like join_owners: proc holds socket i as fd. */
static void own(struct skc_host *h, size_t i, uint32_t proc, int fd)
{
	fx_own(h, i, proc, fd);
}

/* The judge_host steps track depends on, then the tracker. */
static void step(struct tracker *tr, struct skc_host *h, double t)
{
	size_t i;

	for (i = 0; i < h->socks.n; i++)
		judge_socket(&h->socks.v[i], &opts.judge);
	track_update(tr, h, t);
}

static size_t nev(const struct skc_host *h, enum skc_event_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < h->nevents; i++)
		n += h->events[i].kind == k;
	return n;
}

/* The one event of kind k. */
static const struct skc_event *ev(const struct skc_host *h, enum skc_event_kind k)
{
	size_t i;

	assert_int_equal(nev(h, k), 1);
	for (i = 0; i < h->nevents; i++)
		if (h->events[i].kind == k)
			return &h->events[i];
	return NULL;
}

/* One TCP reader: rq unread bytes, received = tcpi_bytes_received, so
 * consumed = received - rq; wq unsent bytes, acked = tcpi_bytes_acked. */
static const struct skc_sock *reader(struct tracker *tr, struct skc_host *h,
				     double t, uint32_t rq, uint64_t received,
				     uint32_t wq, uint64_t acked)
{
	size_t i;

	begin(h, t);
	i = add(h, SKC_TCP, ST_ESTABLISHED, C_READER, I_READER, rq, wq);
	tcpi(h, i, received, acked);
	own(h, i, P_READER, FD_READER);
	step(tr, h, t);
	return &h->socks.v[i];
}

static void test_tcp_rx_stall(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	const struct skc_event *e;
	struct skc_host h;

	(void)state;
	/* consumed = 1000 - 500 never moves while 500 bytes wait */
	s = reader(tr, &h, 0.0, 500, 1000, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 0);
	assert_false(h.tracked);
	assert_near(h.window, WINDOW);
	host_free(&h);
	s = reader(tr, &h, 0.5, 500, 1000, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 0);
	assert_true(h.tracked);
	host_free(&h);
	/* before the window (less its 10 ms of slack) */
	s = reader(tr, &h, 0.985, 500, 1000, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	/* within the slack: stalled since the last progress (t = 0) */
	s = reader(tr, &h, 0.995, 500, 1000, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 0.0);
	assert_near(sock_rare(s)->growth, 0);
	assert_int_equal(h.nevents, 1);
	e = ev(&h, EV_STALL_BEGIN);
	assert_int_equal(e->pid, READER_PID);
	assert_int_equal(e->fd, FD_READER);
	assert_string_equal(e->comm, "reader");
	assert_int_equal(e->inode, I_READER);
	assert_int_equal(e->proto, SKC_TCP);
	assert_int_equal(e->recv_q, 500);
	assert_near(e->time, WALL0 + 0.995);
	host_free(&h);
	/* still stalled, and the queue grows while nothing is consumed:
	 * no second stall-begin; growth = 200 bytes over 1.5 s */
	s = reader(tr, &h, 1.5, 700, 1200, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 0.0);
	assert_near(sock_rare(s)->growth, 200 / 1.5);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	/* consumed moves (1300 - 700 = 600): recovered */
	s = reader(tr, &h, 2.0, 700, 1300, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 1);
	e = ev(&h, EV_STALL_END);
	assert_string_equal(end_reason_name(e->reason), "recovered");
	assert_near(e->duration, 2.0);
	assert_int_equal(e->pid, READER_PID);
	assert_int_equal(e->recv_q, 700);
	host_free(&h);
	/* and stalls again one window after that progress */
	s = reader(tr, &h, 2.5, 700, 1300, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	host_free(&h);
	s = reader(tr, &h, 2.995, 700, 1300, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 2.0);
	assert_int_equal(nev(&h, EV_STALL_BEGIN), 1);
	host_free(&h);
	assert_int_equal(track_samples(tr), 8);
	track_free(tr);
}

static void test_tcp_rx_progress_resets(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	struct skc_host h;

	(void)state;
	s = reader(tr, &h, 0.0, 500, 1000, 0, 0);
	host_free(&h);
	/* the reader took 50 bytes and 50 new ones arrived: Recv-Q is the
	 * same, but consumed moved, so this is progress */
	s = reader(tr, &h, 0.6, 500, 1050, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	host_free(&h);
	s = reader(tr, &h, 1.3, 500, 1050, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	s = reader(tr, &h, 1.595, 500, 1050, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 0.6);
	assert_int_equal(nev(&h, EV_STALL_BEGIN), 1);
	host_free(&h);
	track_free(tr);
}

static void test_empty_queue_never_stalls(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	struct skc_host h;
	int k;

	(void)state;
	for (k = 0; k <= 10; k++) {
		/* nothing unread, nothing unsent, no counter moves */
		s = reader(tr, &h, 0.5 * k, 0, 1000, 0, 0);
		assert_int_equal(s->flags, 0);
		assert_int_equal(h.nevents, 0);
		host_free(&h);
	}
	track_free(tr);
}

/* Queues without a consumed-bytes counter whose "no progress" still
 * proves a stop: a UDP socket and a UNIX stream whose dequeues BPF
 * counted (the count stays). */
static void test_dgram_and_unix(void **state)
{
	static const uint8_t protos[] = { SKC_UDP, SKC_UNIX };
	static const struct { double t; uint32_t rq; unsigned stalled; uint64_t reads; } seq[] = {
		{ 0.0, 300, 0, 7 }, { 0.5, 300, 0, 7 },
		{ 1.0, 300, SKC_F_STALLED, 7 },
		{ 1.5, 400, SKC_F_STALLED, 7 },	/* higher: still no progress */
		{ 2.0, 350, 0, 9 },		/* lower, two dequeued: progress */
		{ 2.5, 350, 0, 9 },
		{ 3.0, 350, SKC_F_STALLED, 9 },
	};
	size_t p, k;

	(void)state;
	for (p = 0; p < sizeof(protos) / sizeof(protos[0]); p++) {
		struct tracker *tr = track_new(WINDOW);

		for (k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
			struct skc_host h;
			struct skc_sock *s;
			size_t i;

			begin(&h, seq[k].t);
			i = add(&h, protos[p], protos[p] == SKC_UDP ? ST_CLOSE : ST_ESTABLISHED,
				5, 500, seq[k].rq, 0);
			own(&h, i, P_READER, 9);
			s = &h.socks.v[i];
			if (protos[p] == SKC_UDP) {
				s->has_rx_head = true;
				sock_rare_w(s)->rx_head = 0xa0;
				sock_rare_w(s)->rx_qlen = 3;
			}
			s->has_rx_reads = true;
			sock_rare_w(s)->rx_reads = seq[k].reads;
			step(tr, &h, seq[k].t);
			assert_int_equal(s->flags & (SKC_F_ANY_STALL | SKC_F_NO_PROGRESS),
					 seq[k].stalled);
			if (k == 2 || k == 3)
				assert_near(sock_rare(s)->stall_since, WALL0 + 0.0);
			if (k == 6)
				assert_near(sock_rare(s)->stall_since, WALL0 + 2.0);
			assert_int_equal(nev(&h, EV_STALL_BEGIN), k == 2 || k == 6);
			assert_int_equal(nev(&h, EV_STALL_END), k == 4);
			if (k == 4) {
				assert_string_equal(end_reason_name(ev(&h, EV_STALL_END)->reason), "recovered");
				assert_int_equal(ev(&h, EV_STALL_END)->proto, protos[p]);
			}
			host_free(&h);
		}
		track_free(tr);
	}
}

/* A new head skb is progress even when Recv-Q (UDP: memory) stays the
 * same: a busy reader at a full buffer is never stalled. */
static void test_udp_head_moves(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	size_t k;

	(void)state;
	for (k = 0; k < 8; k++) {
		struct skc_host h;
		struct skc_sock *s;
		size_t i;

		begin(&h, 0.5 * (double)k);
		i = add(&h, SKC_UDP, ST_CLOSE, 5, 500, 212000, 0);
		own(&h, i, P_READER, 9);
		s = &h.socks.v[i];
		s->has_rx_head = true;
		sock_rare_w(s)->rx_head = 0x1000 + k;
		sock_rare_w(s)->rx_qlen = 100;
		step(tr, &h, 0.5 * (double)k);
		assert_int_equal(s->flags & (SKC_F_ANY_STALL | SKC_F_NO_PROGRESS), 0);
		assert_int_equal(h.nevents, 0);
		host_free(&h);
	}
	track_free(tr);
}

/* A busy reader at a full UDP queue, as seen on a CI run: each read
 * frees the head skb and the sender's next datagram reuses its memory
 * at the tail, so a whole queue's worth of reads later the same
 * address heads a queue of the same length.  The dequeue count moved:
 * never stalled.  With the head alone (no count: Linux < 6.4) the same
 * picture proves nothing: no-progress-seen, never stalled. */
static void test_udp_head_cycles(void **state)
{
	int counted;
	size_t k;

	(void)state;
	for (counted = 0; counted <= 1; counted++) {
		struct tracker *tr = track_new(WINDOW);

		for (k = 0; k < 8; k++) {
			struct skc_host h;
			struct skc_sock *s;
			size_t i;

			begin(&h, 0.5 * (double)k);
			i = add(&h, SKC_UDP, ST_CLOSE, 5, 500, 212000, 0);
			own(&h, i, P_READER, 9);
			s = &h.socks.v[i];
			s->has_rx_head = true;
			sock_rare_w(s)->rx_head = 0xffff888012345600;
			sock_rare_w(s)->rx_qlen = 166;
			s->has_rx_reads = counted;
			sock_rare_w(s)->rx_reads = 166 * k;
			step(tr, &h, 0.5 * (double)k);
			assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
			assert_int_equal(s->flags & SKC_F_NO_PROGRESS,
					 !counted && k >= 2 ? SKC_F_NO_PROGRESS : 0);
			assert_int_equal(nev(&h, EV_STALL_BEGIN), 0);
			host_free(&h);
		}
		track_free(tr);
	}
}

/* Queues that keep the same Recv-Q with no count of the reader's
 * dequeues: nothing proves the reader stopped (a UDP, packet, raw,
 * netlink or MPTCP Recv-Q is memory, a UNIX datagram one the first
 * datagram's length, a UNIX stream's bytes are refilled as soon as
 * read), so they are no-progress-seen -- information, no stall, no
 * event.  A UNIX datagram receiver whose connected senders' memory
 * falls is read. */
static void test_dgram_unproven(void **state)
{
	static const struct { uint8_t proto, type; } kinds[] = {
		{ SKC_UDP, SOCK_DGRAM }, { SKC_UNIX, SOCK_DGRAM },
		{ SKC_UNIX, SOCK_STREAM }, { SKC_UNIX, SOCK_SEQPACKET },
		{ SKC_PACKET, SOCK_DGRAM }, { SKC_RAW, SOCK_RAW },
		{ SKC_NETLINK, SOCK_RAW }, { SKC_MPTCP, SOCK_STREAM },
	};
	size_t p, k;

	(void)state;
	for (p = 0; p < sizeof(kinds) / sizeof(kinds[0]); p++) {
		struct tracker *tr = track_new(WINDOW);

		for (k = 0; k < 6; k++) {
			struct skc_host h;
			struct skc_sock *s;
			size_t i;

			begin(&h, 0.5 * (double)k);
			i = add(&h, kinds[p].proto, ST_ESTABLISHED, 5, 500, 200, 0);
			own(&h, i, P_READER, 9);
			s = &h.socks.v[i];
			s->type = kinds[p].type;
			step(tr, &h, 0.5 * (double)k);
			assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
			assert_int_equal(s->flags & SKC_F_NO_PROGRESS,
					 k >= 2 ? SKC_F_NO_PROGRESS : 0);
			assert_int_equal(s->flags & SKC_F_VERDICTS, 0);
			assert_int_equal(h.nevents, 0);
			host_free(&h);
		}
		track_free(tr);
	}
	/* peer memory falling: progress, never no-progress-seen */
	{
		struct tracker *tr = track_new(WINDOW);

		for (k = 0; k < 6; k++) {
			struct skc_host h;
			struct skc_sock *s;
			size_t i;

			begin(&h, 0.5 * (double)k);
			i = add(&h, SKC_UNIX, ST_ESTABLISHED, 5, 500, 200, 0);
			own(&h, i, P_READER, 9);
			s = &h.socks.v[i];
			s->type = SOCK_DGRAM;
			sock_rare_w(s)->peer_wmem = 100000 - 1000 * k;
			step(tr, &h, 0.5 * (double)k);
			assert_int_equal(s->flags & (SKC_F_ANY_STALL | SKC_F_NO_PROGRESS), 0);
			host_free(&h);
		}
		track_free(tr);
	}
}

static void test_tx_stall(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	const struct skc_event *e;
	struct skc_host h;

	(void)state;
	/* 1000 bytes unsent, bytes_acked stuck at 5000 */
	s = reader(tr, &h, 0.0, 0, 0, 1000, 5000);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	host_free(&h);
	s = reader(tr, &h, 0.5, 0, 0, 1000, 5000);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	host_free(&h);
	s = reader(tr, &h, 1.0, 0, 0, 1000, 5000);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_TX_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 0.0);
	e = ev(&h, EV_TX_STALL_BEGIN);
	assert_int_equal(e->send_q, 1000);
	assert_int_equal(e->pid, READER_PID);
	assert_int_equal(h.nevents, 1);
	host_free(&h);
	s = reader(tr, &h, 1.5, 0, 0, 1000, 5000);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_TX_STALLED);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	/* the peer acked something: progress, though Send-Q is the same */
	s = reader(tr, &h, 2.0, 0, 0, 1000, 6000);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	e = ev(&h, EV_TX_STALL_END);
	assert_string_equal(end_reason_name(e->reason), "recovered");
	assert_near(e->duration, 2.0);
	assert_int_equal(h.nevents, 1);
	host_free(&h);
	/* nothing unsent: never tx-stalled */
	s = reader(tr, &h, 2.5, 0, 0, 0, 6000);
	host_free(&h);
	s = reader(tr, &h, 4.0, 0, 0, 0, 6000);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	track_free(tr);
}

/* A stalled queue that drains ends its stall as recovered; when it
 * fills again, the window starts over from then. */
static void test_drained_then_refilled(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	struct skc_host h;

	(void)state;
	reader(tr, &h, 0.0, 500, 1000, 0, 0);
	host_free(&h);
	s = reader(tr, &h, 1.0, 500, 1000, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_STALLED);
	host_free(&h);
	s = reader(tr, &h, 1.5, 0, 1000, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 1);
	assert_string_equal(end_reason_name(ev(&h, EV_STALL_END)->reason), "recovered");
	assert_near(ev(&h, EV_STALL_END)->duration, 1.5);
	host_free(&h);
	s = reader(tr, &h, 2.0, 0, 1000, 0, 0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	s = reader(tr, &h, 2.5, 300, 1300, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	host_free(&h);
	s = reader(tr, &h, 3.4, 300, 1300, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	host_free(&h);
	s = reader(tr, &h, 3.495, 300, 1300, 0, 0);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 2.5);
	assert_int_equal(nev(&h, EV_STALL_BEGIN), 1);
	host_free(&h);
	track_free(tr);
}

/* Both directions stalled: stall_since is the older of the two. */
static void test_rx_and_tx_stall(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	struct skc_host h;

	(void)state;
	s = reader(tr, &h, 0.0, 500, 1000, 100, 50);
	host_free(&h);
	/* rx progress at 0.4; tx never */
	s = reader(tr, &h, 0.4, 500, 1100, 100, 50);
	host_free(&h);
	s = reader(tr, &h, 1.0, 500, 1100, 100, 50);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_TX_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 0.0);
	host_free(&h);
	s = reader(tr, &h, 1.4, 500, 1100, 100, 50);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_STALLED | SKC_F_TX_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 0.0);
	assert_int_equal(nev(&h, EV_STALL_BEGIN), 1);
	assert_int_equal(nev(&h, EV_TX_STALL_BEGIN), 0);
	host_free(&h);
	track_free(tr);
}

/* A listener (accept_q rq, limit wq) owned by the server, with queued
 * connections whose cookies are given (0 ends the list), each holding
 * 50 unread bytes and linked to the listener as join_pending does. */
static const struct skc_sock *listener(struct tracker *tr, struct skc_host *h,
				       double t, uint32_t rq, uint32_t wq,
				       const uint64_t *children)
{
	size_t l, i;

	begin(h, t);
	l = add(h, SKC_TCP, ST_LISTEN, C_LISTEN, I_LISTEN, rq, wq);
	own(h, l, P_SERVER, FD_LISTEN);
	for (; children && *children; children++) {
		i = add(h, SKC_TCP, ST_ESTABLISHED, *children, 0, 50, 0);
		tcpi(h, i, 50, 0);
		h->socks.v[i].listener = (int32_t)l;
	}
	step(tr, h, t);
	return &h->socks.v[l];
}

static void assert_children_not_stalled(const struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->socks.n; i++)
		if (h->socks.v[i].listener >= 0)
			assert_int_equal(h->socks.v[i].flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(nev(h, EV_STALL_BEGIN), 0);
	assert_int_equal(nev(h, EV_TX_STALL_BEGIN), 0);
}

static void test_accept_stall(void **state)
{
	static const uint64_t q12[] = { 11, 12, 0 }, q23[] = { 12, 13, 0 },
			      q3[] = { 13, 0 };
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	const struct skc_event *e;
	struct skc_host h;

	(void)state;
	s = listener(tr, &h, 0.0, 2, 128, q12);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	s = listener(tr, &h, 0.5, 2, 128, q12);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_children_not_stalled(&h);
	host_free(&h);
	/* the same two connections wait a whole window */
	s = listener(tr, &h, 1.0, 2, 128, q12);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_ACCEPT_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 0.0);
	e = ev(&h, EV_ACCEPT_STALL_BEGIN);
	assert_int_equal(e->pid, SERVER_PID);
	assert_int_equal(e->fd, FD_LISTEN);
	assert_int_equal(e->inode, I_LISTEN);
	assert_int_equal(e->value, 2);
	assert_int_equal(h.nevents, 1);
	/* queued connections hold unread bytes that nobody consumes, yet
	 * they stall with their listener only */
	assert_children_not_stalled(&h);
	host_free(&h);
	s = listener(tr, &h, 1.2, 2, 128, q12);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_ACCEPT_STALLED);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	/* 11 was accepted, 13 arrived: same queue length, but progress */
	s = listener(tr, &h, 1.5, 2, 128, q23);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	e = ev(&h, EV_ACCEPT_STALL_END);
	assert_string_equal(end_reason_name(e->reason), "recovered");
	assert_near(e->duration, 1.5);
	assert_int_equal(h.nevents, 1);
	host_free(&h);
	s = listener(tr, &h, 2.0, 2, 128, q23);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	host_free(&h);
	s = listener(tr, &h, 2.5, 2, 128, q23);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_ACCEPT_STALLED);
	assert_near(sock_rare(s)->stall_since, WALL0 + 1.5);
	assert_children_not_stalled(&h);
	host_free(&h);
	/* a shorter queue is progress too */
	s = listener(tr, &h, 3.0, 1, 128, q3);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(nev(&h, EV_ACCEPT_STALL_END), 1);
	host_free(&h);
	s = listener(tr, &h, 4.0, 1, 128, q3);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_ACCEPT_STALLED);
	host_free(&h);
	/* the listener closes while accept-stalled */
	begin(&h, 4.5);
	step(tr, &h, 4.5);
	e = ev(&h, EV_ACCEPT_STALL_END);
	assert_string_equal(end_reason_name(e->reason), "closed");
	assert_int_equal(e->pid, SERVER_PID);
	assert_int_equal(e->inode, I_LISTEN);
	assert_near(e->duration, 4.5 - 3.0);
	assert_int_equal(h.nevents, 1);
	host_free(&h);
	track_free(tr);
}

static void test_accept_overflow(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	const struct skc_event *e;
	struct skc_host h;

	(void)state;
	/* accept-full (2 > 1) on the first sample: no baseline, no event */
	s = listener(tr, &h, 0.0, 2, 1, NULL);
	assert_true(s->flags & SKC_F_ACCEPT_FULL);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	s = listener(tr, &h, 0.2, 1, 1, NULL);
	assert_false(s->flags & SKC_F_ACCEPT_FULL);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	/* full again: one accept-overflow, naming the listener */
	s = listener(tr, &h, 0.4, 2, 1, NULL);
	assert_true(s->flags & SKC_F_ACCEPT_FULL);
	e = ev(&h, EV_ACCEPT_OVERFLOW);
	assert_int_equal(e->inode, I_LISTEN);
	assert_int_equal(e->pid, SERVER_PID);
	assert_int_equal(e->value, 2);
	assert_int_equal(h.nevents, 1);
	host_free(&h);
	/* still full: nothing new */
	s = listener(tr, &h, 0.6, 2, 1, NULL);
	assert_int_equal(nev(&h, EV_ACCEPT_OVERFLOW), 0);
	host_free(&h);
	track_free(tr);
}

/* ListenOverflows from /proc/net/netstat: an event (pid 0) per rise. */
static void test_host_listen_overflows(void **state)
{
	static const struct { double t; uint64_t n; size_t events; uint64_t value; double rate; } seq[] = {
		{ 0.0, 10, 0, 0, 0 }, { 0.5, 10, 0, 0, 0 }, { 1.0, 15, 1, 5, 10 },
		{ 2.0, 15, 0, 0, 0 },
	};
	struct tracker *tr = track_new(WINDOW);
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
		struct skc_host h;

		begin(&h, seq[k].t);
		h.listen_overflows = seq[k].n;
		step(tr, &h, seq[k].t);
		assert_int_equal(nev(&h, EV_ACCEPT_OVERFLOW), seq[k].events);
		assert_int_equal(h.nevents, seq[k].events);
		if (seq[k].events) {
			const struct skc_event *e = ev(&h, EV_ACCEPT_OVERFLOW);

			assert_int_equal(e->pid, 0);
			assert_int_equal(e->inode, 0);
			assert_int_equal(e->value, seq[k].value);
		}
		assert_near(h.listen_overflow_rate, seq[k].rate);
		host_free(&h);
	}
	track_free(tr);
}

static void test_drops_events(void **state)
{
	static const struct { double t; uint32_t drops; size_t events; uint64_t value; double rate; } seq[] = {
		{ 0.0, 5, 0, 0, 0 },
		{ 0.5, 5, 0, 0, 0 },
		{ 1.0, 8, 1, 3, 6 },	/* starts rising: one event, the delta */
		{ 1.5, 10, 0, 0, 4 },	/* still rising: no new event */
		{ 2.0, 10, 0, 0, 0 },
		{ 2.5, 12, 1, 2, 4 },	/* rising again */
	};
	struct tracker *tr = track_new(WINDOW);
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(seq) / sizeof(seq[0]); k++) {
		struct skc_host h;
		size_t i;

		begin(&h, seq[k].t);
		i = add(&h, SKC_UDP, ST_CLOSE, 5, 500, 0, 0);
		drops(&h, i, seq[k].drops);
		own(&h, i, P_READER, 9);
		step(tr, &h, seq[k].t);
		assert_int_equal(h.socks.v[i].drops, seq[k].drops);
		assert_near(sock_rare(&h.socks.v[i])->drops_rate, seq[k].rate);
		assert_int_equal(h.nevents, seq[k].events);
		if (seq[k].events) {
			const struct skc_event *e = ev(&h, EV_DROPS);

			assert_int_equal(e->value, seq[k].value);
			assert_int_equal(e->inode, 500);
			assert_int_equal(e->pid, READER_PID);
			assert_int_equal(e->fd, 9);
		}
		host_free(&h);
	}
	track_free(tr);
}

/* A socket first seen after the first sample had no drops before it
 * (track.c: untracked last sample means no drops then). */
static void test_drops_on_new_socket(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	struct skc_host h;
	size_t i;

	(void)state;
	begin(&h, 0.0);
	step(tr, &h, 0.0);
	host_free(&h);
	begin(&h, 0.5);
	i = add(&h, SKC_UDP, ST_CLOSE, 6, 600, 0, 0);
	drops(&h, i, 4);
	own(&h, i, P_READER, 9);
	step(tr, &h, 0.5);
	assert_int_equal(h.nevents, 1);
	assert_int_equal(ev(&h, EV_DROPS)->value, 4);
	assert_int_equal(ev(&h, EV_DROPS)->inode, 600);
	host_free(&h);
	track_free(tr);
}

/* Give h one namespace entry in the given state. */
static void netns(struct skc_host *h, uint64_t ino, enum skc_ns_state st)
{
	struct skc_netns *n;

	h->nets.v = realloc(h->nets.v, (h->nets.n + 1) * sizeof(*h->nets.v));
	assert_non_null(h->nets.v);
	n = &h->nets.v[h->nets.n++];
	memset(n, 0, sizeof(*n));
	n->ino = ino;
	n->state = st;
	h->nets.cap = h->nets.n;
}

static size_t reader_in(struct skc_host *h, uint64_t ns, uint32_t rq)
{
	size_t i = add(h, SKC_TCP, ST_ESTABLISHED, C_READER, I_READER, rq, 0);

	h->socks.v[i].netns = ns;
	tcpi(h, i, 1000, 0);
	own(h, i, P_READER, FD_READER);
	return i;
}

/* A socket missing because its namespace's dump failed is not closed:
 * it is carried over, and its stall goes on when it is seen again. */
static void test_incomplete_namespace(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	struct skc_host h;
	size_t i;

	(void)state;
	begin(&h, 0.0);
	netns(&h, 11, SKC_NS_COMPLETE);
	reader_in(&h, 11, 500);
	step(tr, &h, 0.0);
	host_free(&h);
	begin(&h, 1.0);
	netns(&h, 11, SKC_NS_COMPLETE);
	i = reader_in(&h, 11, 500);
	step(tr, &h, 1.0);
	assert_true(h.socks.v[i].flags & SKC_F_STALLED);
	assert_int_equal(h.nevents, 1);		/* stall-begin */
	host_free(&h);
	/* the dump of namespace 11 failed: the socket is missing */
	begin(&h, 1.5);
	netns(&h, 11, SKC_NS_INCOMPLETE);
	h.partial = true;
	step(tr, &h, 1.5);
	assert_int_equal(h.nevents, 0);		/* no stall-end closed */
	host_free(&h);
	/* back, still stuck: still stalled since 0.0, no new stall-begin */
	begin(&h, 2.0);
	netns(&h, 11, SKC_NS_COMPLETE);
	i = reader_in(&h, 11, 500);
	step(tr, &h, 2.0);
	assert_true(h.socks.v[i].flags & SKC_F_STALLED);
	assert_near(sock_rare(&h.socks.v[i])->stall_since, WALL0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	/* gone from a complete dump: now it closed */
	begin(&h, 2.5);
	netns(&h, 11, SKC_NS_COMPLETE);
	step(tr, &h, 2.5);
	assert_int_equal(h.nevents, 1);
	assert_string_equal(end_reason_name(ev(&h, EV_STALL_END)->reason), "closed");
	host_free(&h);
	track_free(tr);
}

/* Several hundred stalled readers in namespace 33, more than the
 * tracker's first table size (64 slots), then a sample that enumerates
 * 33 without dumping it and holds no other socket: the new table must
 * grow to take what it carries over (issue 7: it used to spin forever). */
#define MANY 700
static void many_in(struct skc_host *h, uint64_t ns)
{
	size_t k;

	for (k = 0; k < MANY; k++) {
		size_t i = add(h, SKC_TCP, ST_ESTABLISHED, 1000 + k, 5000 + k, 10, 0);

		h->socks.v[i].netns = ns;
		tcpi(h, i, 10, 0);
		own(h, i, P_READER, (int)(10 + k));
	}
}

static void stall_many(struct tracker *tr, uint64_t ns)
{
	struct skc_host h;

	begin(&h, 0.0);
	netns(&h, ns, SKC_NS_COMPLETE);
	many_in(&h, ns);
	step(tr, &h, 0.0);
	host_free(&h);
	begin(&h, 1.0);
	netns(&h, ns, SKC_NS_COMPLETE);
	many_in(&h, ns);
	step(tr, &h, 1.0);
	assert_int_equal(nev(&h, EV_STALL_BEGIN), MANY);
	host_free(&h);
}

/* Unknown (failed, incomplete, denied, not tried): every entry is carried
 * over, with or without h->partial; when the namespace is dumped again
 * the stalls go on without new events. */
static void carried_when(enum skc_ns_state st, bool partial)
{
	struct tracker *tr = track_new(WINDOW);
	struct skc_host h;
	size_t i;

	stall_many(tr, 33);
	begin(&h, 1.5);
	netns(&h, 33, st);
	h.partial = partial;
	step(tr, &h, 1.5);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	begin(&h, 2.0);
	netns(&h, 33, SKC_NS_COMPLETE);
	many_in(&h, 33);
	step(tr, &h, 2.0);
	assert_int_equal(h.nevents, 0);
	for (i = 0; i < h.socks.n; i++) {
		assert_true(h.socks.v[i].flags & SKC_F_STALLED);
		assert_near(sock_rare(&h.socks.v[i])->stall_since, WALL0);
	}
	host_free(&h);
	track_free(tr);
}

static void test_many_carried_over(void **state)
{
	(void)state;
	carried_when(SKC_NS_FAILED, false);
	carried_when(SKC_NS_FAILED, true);
	carried_when(SKC_NS_INCOMPLETE, true);
	carried_when(SKC_NS_DENIED, true);
	carried_when(SKC_NS_PENDING, false);
}

/* Vanished (listed, its file gone) or no longer listed: its sockets are
 * gone, every stall ends as closed, and nothing is carried further. */
static void closed_when(bool listed, bool partial)
{
	struct tracker *tr = track_new(WINDOW);
	struct skc_host h;
	size_t i;

	stall_many(tr, 33);
	begin(&h, 1.5);
	if (listed)
		netns(&h, 33, SKC_NS_VANISHED);
	h.partial = partial;
	step(tr, &h, 1.5);
	assert_int_equal(nev(&h, EV_STALL_END), MANY);
	assert_int_equal(h.nevents, MANY);
	for (i = 0; i < h.nevents; i++)
		assert_string_equal(end_reason_name(h.events[i].reason), "closed");
	host_free(&h);
	begin(&h, 2.0);
	netns(&h, 33, SKC_NS_COMPLETE);
	step(tr, &h, 2.0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	track_free(tr);
}

static void test_many_closed_with_namespace(void **state)
{
	(void)state;
	closed_when(true, false);
	closed_when(true, true);
	closed_when(false, false);
}

/* A listener that was idle (nothing queued) and overflows by the next
 * sample still reports the overflow: listeners are always tracked. */
static void test_idle_listener_overflow(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	struct skc_host h;
	size_t i;

	(void)state;
	begin(&h, 0.0);
	i = add(&h, SKC_TCP, ST_LISTEN, C_LISTEN, I_LISTEN, 0, 1);
	own(&h, i, P_SERVER, FD_LISTEN);
	step(tr, &h, 0.0);
	host_free(&h);
	begin(&h, 0.5);
	i = add(&h, SKC_TCP, ST_LISTEN, C_LISTEN, I_LISTEN, 3, 1);
	own(&h, i, P_SERVER, FD_LISTEN);
	step(tr, &h, 0.5);
	assert_true(h.socks.v[i].flags & SKC_F_ACCEPT_FULL);
	assert_int_equal(h.nevents, 1);
	assert_int_equal(ev(&h, EV_ACCEPT_OVERFLOW)->inode, I_LISTEN);
	assert_int_equal(ev(&h, EV_ACCEPT_OVERFLOW)->value, 3);
	host_free(&h);
	track_free(tr);
}

/* Drops of a socket whose namespace was not dumped last sample are a
 * baseline, not news; the next rise is. */
static void test_drops_after_unscanned_namespace(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	struct skc_host h;
	size_t i;

	(void)state;
	begin(&h, 0.0);
	netns(&h, 22, SKC_NS_FAILED);
	step(tr, &h, 0.0);
	host_free(&h);
	begin(&h, 0.5);
	netns(&h, 22, SKC_NS_COMPLETE);
	i = add(&h, SKC_UDP, ST_CLOSE, 6, 600, 0, 0);
	h.socks.v[i].netns = 22;
	drops(&h, i, 9);
	step(tr, &h, 0.5);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	begin(&h, 1.0);
	netns(&h, 22, SKC_NS_COMPLETE);
	i = add(&h, SKC_UDP, ST_CLOSE, 6, 600, 0, 0);
	h.socks.v[i].netns = 22;
	drops(&h, i, 12);
	step(tr, &h, 1.0);
	assert_int_equal(h.nevents, 1);
	assert_int_equal(ev(&h, EV_DROPS)->value, 3);
	host_free(&h);
	track_free(tr);
}

static void test_closed_while_stalled(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	const struct skc_sock *s;
	const struct skc_event *e;
	struct skc_host h;

	(void)state;
	s = reader(tr, &h, 0.0, 500, 1000, 100, 50);
	host_free(&h);
	s = reader(tr, &h, 1.0, 500, 1000, 100, 50);
	assert_int_equal(s->flags & SKC_F_ANY_STALL, SKC_F_STALLED | SKC_F_TX_STALLED);
	assert_int_equal(h.nevents, 2);
	host_free(&h);
	/* gone: both stalls end as closed, with the last owner and bytes */
	begin(&h, 1.5);
	step(tr, &h, 1.5);
	assert_int_equal(h.nevents, 2);
	e = ev(&h, EV_STALL_END);
	assert_string_equal(end_reason_name(e->reason), "closed");
	assert_int_equal(e->pid, READER_PID);
	assert_int_equal(e->fd, FD_READER);
	assert_string_equal(e->comm, "reader");
	assert_int_equal(e->inode, I_READER);
	assert_int_equal(e->recv_q, 500);
	assert_near(e->duration, 1.5);
	assert_near(e->time, WALL0 + 1.5);
	e = ev(&h, EV_TX_STALL_END);
	assert_string_equal(end_reason_name(e->reason), "closed");
	assert_int_equal(e->send_q, 100);
	host_free(&h);
	/* forgotten afterwards */
	begin(&h, 2.0);
	step(tr, &h, 2.0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	/* a socket that closes without a stall ends nothing */
	s = reader(tr, &h, 2.5, 500, 1000, 0, 0);
	host_free(&h);
	begin(&h, 3.0);
	step(tr, &h, 3.0);
	assert_int_equal(h.nevents, 0);
	host_free(&h);
	track_free(tr);
}

/* The key is cookie + inode: a new socket under a known inode (or a
 * known cookie under a new inode) starts from scratch. */
static void test_new_socket_same_inode(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	struct skc_host h;
	size_t i;

	(void)state;
	reader(tr, &h, 0.0, 500, 1000, 0, 0);
	host_free(&h);
	reader(tr, &h, 1.0, 500, 1000, 0, 0);
	assert_int_equal(nev(&h, EV_STALL_BEGIN), 1);
	host_free(&h);
	begin(&h, 1.5);
	i = add(&h, SKC_TCP, ST_ESTABLISHED, C_READER + 100, I_READER, 500, 0);
	tcpi(&h, i, 1000, 0);
	own(&h, i, P_READER, FD_READER);
	step(tr, &h, 1.5);
	assert_int_equal(h.socks.v[i].flags & SKC_F_ANY_STALL, 0);
	assert_int_equal(h.nevents, 1);
	assert_string_equal(end_reason_name(ev(&h, EV_STALL_END)->reason), "closed");
	host_free(&h);
	track_free(tr);
}

/* The first sample has no baseline: no verdict and no event, whatever
 * it holds. */
static void test_first_sample(void **state)
{
	struct tracker *tr = track_new(WINDOW);
	struct skc_host h;
	size_t i;

	(void)state;
	begin(&h, 100.0);
	i = add(&h, SKC_TCP, ST_LISTEN, C_LISTEN, I_LISTEN, 5, 1);	/* full */
	own(&h, i, P_SERVER, FD_LISTEN);
	i = add(&h, SKC_TCP, ST_ESTABLISHED, 11, 0, 50, 0);
	h.socks.v[i].listener = 0;
	i = add(&h, SKC_TCP, ST_ESTABLISHED, C_READER, I_READER, 500, 100);
	tcpi(&h, i, 1000, 0);
	own(&h, i, P_READER, FD_READER);
	i = add(&h, SKC_UDP, ST_CLOSE, 5, 500, 300, 0);
	drops(&h, i, 99);
	h.listen_overflows = 1000;
	step(tr, &h, 100.0);
	assert_int_equal(h.nevents, 0);
	assert_false(h.tracked);
	for (i = 0; i < h.socks.n; i++)
		assert_int_equal(h.socks.v[i].flags & SKC_F_ANY_STALL, 0);
	assert_near(h.listen_overflow_rate, 0);
	host_free(&h);
	track_free(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_rx_stall),
		cmocka_unit_test(test_tcp_rx_progress_resets),
		cmocka_unit_test(test_empty_queue_never_stalls),
		cmocka_unit_test(test_dgram_and_unix),
		cmocka_unit_test(test_udp_head_moves),
		cmocka_unit_test(test_udp_head_cycles),
		cmocka_unit_test(test_dgram_unproven),
		cmocka_unit_test(test_tx_stall),
		cmocka_unit_test(test_drained_then_refilled),
		cmocka_unit_test(test_rx_and_tx_stall),
		cmocka_unit_test(test_accept_stall),
		cmocka_unit_test(test_accept_overflow),
		cmocka_unit_test(test_host_listen_overflows),
		cmocka_unit_test(test_drops_events),
		cmocka_unit_test(test_drops_on_new_socket),
		cmocka_unit_test(test_closed_while_stalled),
		cmocka_unit_test(test_incomplete_namespace),
		cmocka_unit_test(test_many_carried_over),
		cmocka_unit_test(test_many_closed_with_namespace),
		cmocka_unit_test(test_idle_listener_overflow),
		cmocka_unit_test(test_drops_after_unscanned_namespace),
		cmocka_unit_test(test_new_socket_same_inode),
		cmocka_unit_test(test_first_sample),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
