/* /proc scan: processes and the socket inodes their fds point to. */
#ifndef SKC_PROCSCAN_H
#define SKC_PROCSCAN_H

#include "model.h"

/* Scan every process under proc_root ("/proc" unless a test overrides
 * it).  Processes that vanish are skipped and counted; processes whose
 * fds cannot all be read are kept (with the sockets that could be read)
 * and counted as denied or failed (procscan_count_unread).
 * Without fds, only pid, uid, comm and network namespace are read.
 * Returns 0 or -errno when proc_root itself is unusable. */
int procscan_run(const char *proc_root, struct skc_proctab *pt, bool fds);

/* The fds of every process, found some other way than by readlink of
 * /proc/PID/fd (bpf_owners.c): what scan_fds would have found.  v is
 * sorted by pid, then fd, as that walk lists them. */
enum procscan_fd_kind {
	PROCSCAN_FD_SOCKET = 1,	/* "socket:[inode]" */
	PROCSCAN_FD_EPOLL,	/* "anon_inode:[eventpoll]" */
	PROCSCAN_FD_URING,	/* "anon_inode:[io_uring]" */
};

struct procscan_fd {
	pid_t pid;
	int fd;
	uint64_t inode;		/* sockets; 0 otherwise */
	enum procscan_fd_kind kind;
};

struct procscan_fdlist {
	struct procscan_fd *v;
	size_t n, cap;
};

/* Like procscan_run with fds, but each process's fds are taken from
 * list instead of read from fd/ (per-process facts still come from
 * /proc).  A process in /proc but not in list has no such fds. */
int procscan_run_list(const char *proc_root, struct skc_proctab *pt,
		      const struct procscan_fdlist *list);

/* Like procscan_run with fds, but a process whose /proc entry and open
 * fd count are unchanged since prev is moved over from prev (marked
 * reused) instead of having its fds read again.  prev must be sorted
 * by pid, as procscan_run leaves it. */
int procscan_update(const char *proc_root, struct skc_proctab *prev,
		    struct skc_proctab *pt);

/* Read p's socket fds again. 0 or -errno (-ENOENT/-ESRCH: it exited;
 * otherwise p->fds_errno says why some fds could not be read). */
int procscan_rescan_fds(const char *proc_root, struct skc_proc *p);

/* Count p in pt->denied or pt->failed when its fds could not all be
 * read (p->fds_errno): EMFILE, ENFILE and ENOMEM are our own failure
 * and must not read as "run as root"; anything else (EACCES/EPERM: the
 * ptrace access rules of proc_fd_access_allowed) is denied. */
void procscan_count_unread(struct skc_proctab *pt, const struct skc_proc *p);

/* Parse "socket:[12345]"; returns the inode or 0. Exposed for tests. */
uint64_t procscan_socket_inode(const char *link, size_t len);

/* The network namespace inode behind dirfd/path (a /proc ns/net link),
 * or 0. */
uint64_t procscan_netns_at(int dirfd, const char *path);

/* Turn a raw /proc/PID/cmdline (NUL separated) into one line: NULs
 * become spaces, trailing NULs dropped, and buf[*len] is set to NUL, so
 * buf must hold *len + 1 bytes. Exposed for tests. */
void procscan_join_cmdline(char *buf, size_t *len);

#endif
