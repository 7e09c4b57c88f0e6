/* threads: what the threads of one process are doing, read from /proc,
 * for the few processes whose sockets need a "why" (why.c):
 *   /proc/PID/task/TID/stat     state letter (fs/proc/array.c do_task_stat)
 *   /proc/PID/task/TID/wchan    kernel function a sleeping thread waits in
 *   /proc/PID/task/TID/syscall  syscall number and arguments
 *                               (fs/proc/base.c proc_pid_syscall; needs
 *                               ptrace access, PTRACE_MODE_ATTACH)
 *   /proc/PID/fdinfo/N          epoll interest lists ("tfd: ... ino:",
 *                               fs/eventpoll.c ep_show_fdinfo) and io_uring
 *                               registered files (io_uring/fdinfo.c)
 * poll/select waiters: their fd sets are read from the process's memory
 * (process_vm_readv, ptrace access too).  Collection only: nothing here
 * judges or prints. */
#ifndef SKC_THREADS_H
#define SKC_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"

/* What a thread blocked in a syscall waits for (by syscall number). */
enum thr_wait {
	THR_WAIT_NONE,		/* not in a syscall (running, or no syscall) */
	THR_WAIT_READ,		/* read, readv, recv*, accept*: args[0] is the fd */
	THR_WAIT_POLL,		/* poll, ppoll: args[0] struct pollfd *, args[1] n */
	THR_WAIT_SELECT,	/* select, pselect6: args[0] nfds, args[1] readfds */
	THR_WAIT_EPOLL,		/* epoll_wait, epoll_pwait, epoll_pwait2: args[0] */
	THR_WAIT_URING,		/* io_uring_enter: args[0] is the ring fd */
	THR_WAIT_FUTEX,		/* futex, futex_waitv: a lock or condition */
	THR_WAIT_SLEEP,		/* nanosleep, clock_nanosleep */
	THR_WAIT_OTHER,		/* any other syscall */
};

enum thr_sys_state {
	THR_SYS_OK,		/* blocked in syscall nr with args */
	THR_SYS_RUNNING,	/* "running": on a CPU, no syscall to show */
	THR_SYS_NONE,		/* "-1 ...": stopped outside any syscall */
	THR_SYS_DENIED,		/* not readable: no ptrace access */
	THR_SYS_ERROR,		/* unreadable or unparsable for another reason */
};

/* One line of /proc/PID/task/TID/syscall. */
struct thr_syscall {
	enum thr_sys_state state;
	long nr;
	uint64_t args[6];
};

enum thr_arch { THR_ARCH_X86_64, THR_ARCH_ARM64, THR_ARCH_OTHER };

/* The architecture this binary reads syscall numbers for. */
enum thr_arch threads_native_arch(void);
/* Name of syscall nr on arch ("read", "epoll_wait", ...), or NULL for
 * numbers outside the short list that matters here. */
const char *threads_syscall_name(enum thr_arch arch, long nr);
/* What a thread blocked in syscall nr waits for. */
enum thr_wait threads_syscall_wait(enum thr_arch arch, long nr);

struct skc_thread {
	pid_t tid;
	char state;		/* R S D T t Z X I ..., '?' when unreadable */
	char wchan[64];		/* "" when none or not visible ("0") */
	struct thr_syscall sys;
	enum thr_wait wait;
	int *in_fds;		/* poll/select: fds waited on for input */
	size_t nin_fds;
	bool fds_unknown;	/* poll/select set could not be read */
};

/* One entry of an epoll interest list. */
struct epoll_watch {
	int tfd;		/* fd number when it was added */
	uint32_t events;	/* EPOLLIN 0x1, EPOLLOUT 0x4, EPOLLET 1<<31 ... */
	uint64_t ino;		/* inode of the watched file */
};

struct skc_epoll {
	int fd;			/* the epoll fd in its process */
	struct epoll_watch *v;	/* sorted by ino after threads_index */
	size_t n, cap;
	size_t *nested;		/* threads_index: indices (into ->v) of the
				 * entries that are epoll fds themselves */
	size_t nnested;
	bool indexed;
};

struct skc_ring {
	int fd;			/* the io_uring fd */
	uint64_t *files;	/* inodes of registered socket files */
	size_t nfiles, cap;
};

/* One process's threads, epoll sets and io_uring rings. */
struct skc_threads {
	pid_t pid;
	int err;		/* 0, or -errno: task list unreadable */
	int fd_err;		/* 0, or -errno: fds or fdinfo unreadable */
	struct skc_thread *v;
	size_t n, cap;
	struct skc_epoll *ep;
	size_t nep, ep_cap;
	struct skc_ring *rings;
	size_t nrings, rings_cap;
};

/* Read p's threads, and the epoll sets and io_uring rings among the fds
 * the /proc scan found (p->waitfds): fd/ is not listed again.  Always
 * fills out (errors are kept in out->err / fd_err and per
 * thread); returns 0, or -ESRCH when the process has gone. */
int threads_collect(const char *proc_root, const struct skc_proc *p,
		    struct skc_threads *out);
void threads_free(struct skc_threads *t);

/* Sort each epoll set by inode and note the sets held in sets, so that
 * threads_epoll_find and the nested walk cost log(n), not n, per socket
 * (a stopped server may hold thousands of stalled sockets in one set).
 * threads_collect calls it; call it again after changing t->ep. */
void threads_index(struct skc_threads *t);
/* The entry of ep for inode ino, or NULL. */
const struct epoll_watch *threads_epoll_find(const struct skc_epoll *ep,
					     uint64_t ino);

/* Parsers, exposed for the unit tests and the fuzzer.  buf need not be
 * NUL-terminated.  Each returns 0 or -EINVAL. */
/* /proc/.../stat: the state letter after the last ')' of the comm. */
int threads_parse_stat(const char *buf, size_t len, char *state);
/* /proc/.../syscall: "running", "-1 SP PC" or "NR A1..A6 SP PC". */
int threads_parse_syscall(const char *buf, size_t len, struct thr_syscall *sc);
/* /proc/PID/fdinfo/N of an epoll fd: appends each "tfd:" line to ep. */
int threads_parse_epoll(const char *buf, size_t len, struct skc_epoll *ep);
/* /proc/PID/fdinfo/N of an io_uring fd: appends the inodes of the
 * registered files that are sockets ("UserFiles:" list) to r. */
int threads_parse_uring(const char *buf, size_t len, struct skc_ring *r);
/* /proc/.../wchan into out ("" for "0"). */
void threads_parse_wchan(const char *buf, size_t len, char *out, size_t outlen);

#endif
