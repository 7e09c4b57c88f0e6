/* collect: which process holds which socket, from the BPF iterator of
 * bpf/owners.bpf.c (iter/task_file, libbpf skeleton) instead of a
 * readlink of every fd under /proc.  Optional: without BPF support in
 * the build, the privileges, kernel BTF or the initial pid namespace,
 * owners_bpf_collect says why and the caller walks /proc as before. */
#ifndef SKC_BPF_OWNERS_H
#define SKC_BPF_OWNERS_H

#include <stdbool.h>
#include <stddef.h>

#include "procscan.h"

/* Fill list (emptied first) with every process's socket, epoll and
 * io_uring fds, sorted by pid then fd; pids are those of /proc in the
 * initial pid namespace.  The program is loaded on first use and kept
 * for the life of the process (--watch reuses it).
 * Returns 0, or -errno with why[0..len) saying why not (not privileged:
 * needs CAP_BPF and CAP_PERFMON or CAP_SYS_ADMIN, and CAP_SYS_PTRACE so
 * that it sees no more than the /proc walk would; no kernel BTF; run in
 * a pid namespace; built without BPF; the iterator failed). */
int owners_bpf_collect(struct procscan_fdlist *list, char *why, size_t len);

/* Would loading the program pay off in one sample?  Loading and tearing
 * it down costs ~0.07 s of wall time here, the walk ~3 us per open fd:
 * true when the host has at least OWNERS_BPF_MIN_FILES open files
 * (/proc/sys/fs/file-nr, all kinds: the walk readlinks every fd), or
 * the program is loaded already. */
#define OWNERS_BPF_MIN_FILES 20000
bool owners_bpf_pays(void);

#endif
