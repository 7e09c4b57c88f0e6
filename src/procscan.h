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
