/* Network namespaces: enumeration, selection and entering. */
#ifndef SKC_NETNS_H
#define SKC_NETNS_H

#include "model.h"
#include "options.h"
#include "util.h"

/* Collect distinct namespaces of the scanned processes (dedup by inode)
 * plus the named ones in run_dir, our own first.  Returns 0 or -errno. */
int netns_enumerate(const struct skc_proctab *pt, const char *proc_root,
		    const char *run_dir, uint64_t self, struct skc_netnstab *nt);

/* Keep only the namespaces sel names; returns 0, -ENOENT (none by that
 * name or inode), -ESRCH (pid:N, no such process) or -EACCES (pid:N,
 * its namespace link is not readable: permission denied). */
int netns_select(struct skc_netnstab *nt, const struct skc_proctab *pt,
		 const struct netns_sel *sel);

/* Index of the namespace with this inode, or -1. */
long netns_find(const struct skc_netnstab *nt, uint64_t ino);

/* Display name: the `ip netns` name, else the inode in decimal. */
const char *netns_label(const struct skc_netnstab *nt, uint64_t ino,
			char *buf, size_t len);

/* setns() the calling thread into ns (a thread of its own: setns with
 * CLONE_NEWNET changes only the caller's view, see netns_install), by
 * ns->path, else through any process of pt still living there.  0 or
 * -errno; ns->error is set when the reason is about that namespace
 * (-ESTALE: its processes left it; ptrace rules on opening its file)
 * rather than about our privileges (a bare -EPERM from setns).  With
 * fdp, *fdp receives the namespace's open fd on success (the caller
 * closes it), so that the same namespace can be entered again. */
int netns_enter(const struct skc_proctab *pt, struct skc_netns *ns,
		const char *proc_root, int *fdp);

/* Back to the namespace selffd refers to: 0, or -ENOTRECOVERABLE with
 * err set (the calling thread is somewhere else and must not go on). */
int netns_leave(int selffd, struct skc_err *err);

#endif
