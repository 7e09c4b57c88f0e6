/* why: one reason per stalled (or residue) socket, chosen only from what
 * its owners' threads show (threads.c): stopped, unwatched, watched but
 * not read, threads busy, blocked in kernel, waiting on a lock, or
 * unknown.  The rules, in order, are documented in skcheck(8) WHY. */
#ifndef SKC_WHY_H
#define SKC_WHY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"
#include "threads.h"

enum skc_why_kind {
	WHY_NONE, WHY_STOPPED, WHY_WATCHED_NOT_READ, WHY_UNKNOWN, WHY_BUSY,
	WHY_BLOCKED, WHY_LOCK, WHY_UNWATCHED, WHY_KINDS
};

#define WHY_MAX_THREADS 8
#define WHY_MAX_EPOLL 4

/* A thread used as evidence. */
struct why_thread {
	pid_t pid, tid;
	char state;
	char wchan[64];
	enum thr_sys_state sys;
	long nr;		/* syscall number (sys == THR_SYS_OK) */
	const char *syscall;	/* its name, NULL when not in the short list */
	int fd;			/* the fd it reads or waits on, -1 if none */
};

/* An epoll set that holds the socket (or that a thread waits on). */
struct why_epoll {
	pid_t pid;
	int fd;
	bool member;		/* the socket is in its interest list */
	uint32_t events;	/* the socket's event mask there */
	unsigned waiters;	/* threads blocked in epoll_wait on it */
};

/* Threads per state, over every owner of the socket. */
struct why_counts {
	unsigned total, running, sleeping, disk, stopped, traced, zombie, other;
	unsigned futex, denied;
};

struct skc_why {
	enum skc_why_kind kind;
	char detail[256];
	struct why_counts n;
	struct why_thread threads[WHY_MAX_THREADS];
	unsigned nthreads;
	struct why_epoll epolls[WHY_MAX_EPOLL];
	unsigned nepolls;
};

/* One owner process of a socket, as why_judge_socket sees it. */
struct why_owner {
	pid_t pid;
	const int *fds;		/* its fds for the socket */
	size_t nfds;
	const struct skc_threads *t;
};

/* "stopped", "unwatched", "watched, not read", ... */
const char *why_kind_name(enum skc_why_kind k);

/* The verdict for socket inode ino held by owners (pure: exposed for
 * the unit tests). */
void why_judge_socket(uint64_t ino, const struct why_owner *owners,
		      size_t nowners, struct skc_why *w);

/* After rollup: for the stalled and residue sockets of processes that
 * pass the filters, read their owners' threads under proc_root and give
 * each a verdict (s->why, p->why_kinds, the unwatched flag on the socket,
 * its processes and their container rows), and copy it into the
 * stall-begin events of the sample. */
void why_host(struct skc_host *h, const char *proc_root);

/* Does any listed process hold a stalled socket with a verdict? (the
 * WHY column then joins the default ones) */
bool why_any_listed(const struct skc_host *h);

#endif
