/* collect: the pages socket queues pin, and the datagrams each queued
 * UDP and UNIX socket's reader dequeued (the proof of a datagram
 * stall), from the BPF iterators and the sock:sock_recv_length program
 * of bpf/pinned.bpf.c (libbpf skeleton).  Optional: without BPF support in
 * the build, privileges (CAP_BPF + CAP_PERFMON) or kernel BTF, every
 * call is a no-op and h->pinned_why says why once. */
#ifndef SKC_BPF_PINNED_H
#define SKC_BPF_PINNED_H

#include <stdbool.h>

#include "model.h"

/* Start a sample: forget the last sample's records; the programs are
 * loaded on first use (pinned_collect_files), or from now on by a worker
 * thread when plan->eager (a large host, --watch: a walk will likely
 * follow), and kept for the life of the process.  Once loaded, or when
 * eager, the worker also runs the sample's files pass beside the dumps
 * (pinned_collect_files waits for it).  plan->off: NULL, or why not to walk at all this sample
 * (--no-pinned, replayed dumps), which becomes h->pinned_why.  Sets
 * h->pinned_avail or h->pinned_why. */
struct pinned_plan {
	const char *off;
	bool eager;
	/* walk every queued socket with the namespaces' iterators, none
	 * through files (SKCHECK_PINNED_WALK=iterators: the two walks'
	 * figures are compared by tests/live_pinned_walks.sh) */
	bool iterators_only;
};
void pinned_begin(struct skc_host *h, const struct pinned_plan *plan);

/* Keep libbpf's own messages off stderr (the summary says once why BPF
 * figures are missing instead).  For both BPF loaders (this one and
 * bpf_owners.c); set once per process, before any BPF object is
 * opened: libbpf reads its printer from every thread.  Builds with BPF
 * only. */
void bpf_quiet(void);

/* Walk what the files pass did not reach among the sockets of the
 * network namespace this thread is in now (iterators see the namespace
 * that creates them: bpf_iter_init_seq_net).  Call once per dumped
 * namespace, inside it, after pinned_collect_files: the dump's sockets
 * are h->socks.v[from..n), and kinds of socket (TCP, UDP, UNIX) with no
 * queued socket left unwalked there are not iterated.  A failure makes
 * the sample's pinned figures unavailable (h->pinned_why). */
void pinned_collect_ns(struct skc_host *h, size_t from);

/* The sample's pinned figures become unavailable, for why (e.g. a
 * namespace with queued sockets could not be entered for its walk). */
void pinned_lost(struct skc_host *h, const char *why);

/* Walk every queued socket some process holds by an fd, in every
 * namespace at once (iter/task_file, the caller's pid namespace), and
 * make the read counters of queued UDP, UNIX, packet, raw, netlink,
 * MPTCP, SCTP and vsock sockets.  Call once per sample after the
 * namespaces' dumps are in h->socks and before pinned_collect_ns; with
 * nothing queued there, nothing is loaded or walked.  When the sample's
 * worker (pinned_begin) ran the pass, this waits for it instead.  A
 * failure makes the sample's pinned figures unavailable. */
void pinned_collect_files(struct skc_host *h);

/* Credit the records to h's sockets (by inode, else by cookie).  The
 * page and socket maps are emptied before the next sample's walk. */
void pinned_end(struct skc_host *h);

#endif
