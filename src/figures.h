/* figures: the one set of numbers every aggregate row is made of.
 * Processes, container rows, namespaces, per-protocol rows, host totals
 * and selected totals each embed a struct skc_figures; they are filled
 * only by figures_add, ranked only by figures_key/figures_cmp, and
 * listed only when figures_any says so.
 *
 * Adding a figure (say `pinned` bytes or `close_wait` sockets):
 *   1. a field below, in its unit;
 *   2. one line in figures_add (figures.c) saying how a socket adds to it;
 *   3. if it is a sort key: an enum skc_sort value, a case in
 *      figures_key and its name in options.c's sort table;
 *   4. its column / JSON key / metric in the renderers, and the man page.
 * Every row kind then has it. */
#ifndef SKC_FIGURES_H
#define SKC_FIGURES_H

#include <stdbool.h>
#include <stdint.h>

enum skc_proto {
	SKC_TCP, SKC_UDP, SKC_UDPLITE, SKC_UNIX,
	SKC_RAW, SKC_PACKET, SKC_NETLINK, SKC_MPTCP, SKC_SCTP, SKC_VSOCK,
	SKC_PROTO_MAX
};

/* Ranking keys (--sort). */
enum skc_sort { SORT_RECV_Q, SORT_SEND_Q, SORT_MEM, SORT_DROPS, SORT_SOCKETS,
		SORT_PINNED, SORT_CLOSE_WAIT, SORT_LEAKED };

struct skc_sock;

struct skc_figures {
	uint64_t sockets;		/* each socket once */
	uint64_t by_proto[SKC_PROTO_MAX];
	uint64_t recv_q;		/* unread bytes: see figures_add for
					 * the accept-queue rule */
	uint64_t send_q;		/* bytes */
	uint64_t mem;			/* socket buffer bytes (judge_socket) */
	uint64_t pinned;		/* bytes of pages queues pin (bpf_pinned.c) */
	uint64_t drops;			/* packets, sk_drops */
	uint64_t accept_q;		/* connections in accept queues */
	uint64_t pending_bytes;		/* part of recv_q held by queued
					 * connections of listeners */
	uint64_t flagged_sockets;	/* sockets with any flag */
	uint64_t stalled_sockets;	/* sockets with a stall flag */
	uint64_t stalled_bytes;		/* what they hold back */
	uint64_t cgroup_checked;	/* sockets with a cgroup cross-check */
	uint64_t cgroup_mismatches;
	uint64_t close_wait;		/* TCP sockets in CLOSE-WAIT */
	uint64_t leaked;		/* leaked socket fds: not a socket's
					 * figure, set by rollup from the
					 * processes' descriptors */
	unsigned flags;			/* union of the sockets' SKC_F_* */
};

/* Add one judged socket (its flags final, stalls included). */
void figures_add(struct skc_figures *f, const struct skc_sock *s);

/* The value --sort ranks by. */
uint64_t figures_key(const struct skc_figures *f, enum skc_sort k);

/* Ranking order of two rows: key, then recv_q, accept_q, mem, all
 * larger first.  0 on a tie; the caller breaks it by identity. */
int figures_cmp(const struct skc_figures *a, const struct skc_figures *b,
		enum skc_sort k);

/* What figures_cmp compares, apart, for ranking many rows (one per
 * socket) without keeping their whole figures. */
struct skc_rank {
	uint64_t key, recv_q, accept_q, mem;
};
void figures_rank(const struct skc_figures *f, enum skc_sort k,
		  struct skc_rank *r);
/* figures_cmp's order on what figures_rank took. */
int rank_cmp(const struct skc_rank *a, const struct skc_rank *b);

/* Has the row anything worth listing without --all: bytes queued
 * either way, connections waiting, or any flag. */
bool figures_any(const struct skc_figures *f);

/* What a socket holds unread: its Recv-Q, and for a listener the bytes
 * its queued connections hold (pending_bytes). */
uint64_t sock_unread(const struct skc_sock *s);

/* What a stalled socket holds back: its unread bytes when reading (or
 * accepting) stalled, else its unsent bytes. */
uint64_t sock_stalled_bytes(const struct skc_sock *s);

#endif
