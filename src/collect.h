/* collect: the /proc scan, the sock_diag dumps and the kernel counters
 * into one host model.  Never prints. */
#ifndef SKC_COLLECT_H
#define SKC_COLLECT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "options.h"
#include "util.h"

/* Returns 0, or -errno with err set when nothing useful could
 * be collected (no /proc, no sock_diag).  A light collection reads only
 * what namespaces the processes are in, not their fds: enough for a
 * first sample that only tracking looks at.  With a cache (--watch),
 * processes are read incrementally (proccache.h). */
struct proccache;
int collect_host(struct skc_host *h, const struct skc_opts *o, bool light,
		 struct proccache *cache, struct skc_err *err);

/* Set each process's cgroup_id (the inode of its cgroup2 directory)
 * where it is not set yet; collect_host does it, a caller that scans
 * processes again afterwards (proccache_rescan_all) must too. */
void collect_cgroup_ids(struct skc_host *h, const char *proc_root);

/* Dump the namespace nsfd refers to (an open namespace file, e.g. from
 * SIOCGSKNS) into h, recorded in ns (dumped, or error set), and come
 * back.  0, or -ENOTRECOVERABLE (err set) when returning failed. */
int collect_ns_fd(struct skc_host *h, struct skc_netns *ns, int nsfd,
		  const struct skc_opts *o, struct skc_err *err);

/* After join: name the socket fds no dump knew (getxattr
 * system.sockprotoname) and keep the TCP ones that are not merely bound
 * as leaked.  0, or -ENOTRECOVERABLE (err set) when returning from a
 * namespace failed. */
int collect_leaks(struct skc_host *h, const struct skc_opts *o,
		  struct skc_err *err);

#endif
