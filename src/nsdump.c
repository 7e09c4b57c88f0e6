/* Namespace dumps on a small thread pool.  Each job is one namespace:
 * its worker enters it (setns(CLONE_NEWNET) is per thread: only
 * CLONE_NEWUSER needs a single-threaded caller, see
 * kernel/nsproxy.c:validate_nsset), opens its own netlink socket, dumps
 * into the job's own host record and comes back.  The calling thread
 * then merges the jobs in namespace order, exactly as the serial loop
 * would have added them, and walks the BPF iterators one namespace
 * after the other (bpf_pinned.c's state is not thread-safe, and its
 * page map credits a shared page to the first queue walked). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_pinned.h"
#include "diag.h"
#include "links.h"
#include "netns.h"
#include "nsdump.h"
#include "nsearly.h"
#include "sockstat.h"
#include "socktab.h"
#include "stop.h"

#define NSDUMP_MAX_THREADS 4

enum job_kind {
	JOB_OWN,	/* our namespace: no setns */
	JOB_EARLY,	/* our namespace, dumped already (nsdump_early) */
	JOB_REPLAY,	/* recorded dumps: no setns */
	JOB_FOREIGN,	/* setns in, dump, setns back */
	JOB_DENIED,	/* cannot enter anything (no fd of our own) */
};

struct nsjob {
	struct skc_netns *ns;	/* h->nets.v[i]: only its worker writes it */
	enum job_kind kind;
	size_t from;		/* merged: its sockets' start in h->socks */
	/* socks, warnings, family_src and partial bits of this dump; nets
	 * is ns alone (diag marks it INCOMPLETE through it) */
	struct skc_host out;
	int ret;		/* < 0: the run ends, err says why */
	struct skc_err err;
	int nsfd;		/* for the pinned walk, or -1 */
};

struct nspool {
	const struct skc_host *h;	/* read only while workers run */
	const struct skc_opts *o;
	int selffd;
	struct nsjob *jobs;
	size_t n;
	atomic_size_t next;		/* the next job to take */
	atomic_bool abort;		/* a job failed: take no more */
	/* the first foreign job that found entering denied: the serial
	 * loop marks every later foreign one denied without trying */
	atomic_size_t first_denied;
};

int nsdump_netns(struct skc_host *out, uint64_t netns,
		 const struct skc_opts *o, struct skc_err *err)
{
	/* the summary counts every protocol, so dump them all; protocol
	 * filters apply when processes are listed */
	struct diag_opts dopts = { .protos = SKC_PROTO_ALL, .record_dir = o->record_dir,
				   .replay_dir = o->replay_dir, .proc_root = o->proc_root };
	struct mnl_socket *nl = NULL;
	struct skc_err nerr = { 0, "" };
	struct skc_sockstat counts;
	size_t from = out->socks.n;
	int ret;

	/* this thread's namespace's counts (proc_net: the task's netns) */
	if (!o->replay_dir && !o->record_dir && strcmp(o->proc_root, "/proc") == 0 &&
	    sockstat_read("/proc/thread-self", &counts) == 0)
		dopts.counts = &counts;
	ret = o->replay_dir ? 0 : nl_open_diag(&nl);
	if (ret < 0)
		return err_set(err, ret, "cannot open a sock_diag netlink socket: %s",
			       strerror(-ret));
	ret = diag_collect(nl, netns, &dopts, out, &nerr);
	if (nl)
		mnl_socket_close(nl);
	if (ret < 0)
		return err_set(err, ret, "sock_diag dump failed: %s", nerr.msg);
	if (o->replay_dir)
		return 0;	/* recorded: no interfaces to ask about */
	if (links_resolve(out, from, out->socks.n) < 0)
		host_warn(out, "interface names unavailable (rtnetlink link dump failed)");
	return 0;
}

static bool any_queued(const struct skc_socktab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (sock_has_queue(&t->v[i]))
			return true;
	return false;
}

/* The serial code's reasons for not dumping a namespace we could not
 * enter, in ns's state.  r: netns_enter's error. */
static void enter_failed(struct nsjob *j, int r)
{
	struct skc_netns *ns = j->ns;

	/* netns_enter set ns->error when the reason is about the
	 * namespace; a bare EPERM/EACCES (setns) is about our privileges */
	if (!ns->error && (r == -EPERM || r == -EACCES)) {
		ns->error = xstrdup("permission denied");
		ns->state = SKC_NS_DENIED;
		return;
	}
	if (!ns->error)
		ns->error = xstrdup(strerror(-r));
	/* a namespace that vanished has no sockets left: no loss */
	if (r == -ENOENT || r == -ESTALE) {
		ns->state = SKC_NS_VANISHED;
		return;
	}
	ns->state = SKC_NS_FAILED;
	host_warn(&j->out, "netns %llu (%s): %s", (unsigned long long)ns->ino,
		  ns->path, ns->error);
}

/* Enter, dump, come back.  Never leaves the thread in a foreign
 * namespace and going on: failing to return is -ENOTRECOVERABLE, and
 * the worker then ends (its namespace goes with the thread). */
static int job_foreign(struct nspool *p, struct nsjob *j)
{
	struct skc_err why = { 0, "" };
	struct skc_netns *ns = j->ns;
	int fd = -1, r;

	r = netns_enter(&p->h->procs, ns, p->o->proc_root, &fd);
	if (r < 0) {
		enter_failed(j, r);
		return 0;
	}
	r = nsdump_netns(&j->out, ns->ino, p->o, &why);
	if (netns_leave(p->selffd, &j->err) < 0) {
		close(fd);
		return j->err.code;
	}
	if (r < 0) {
		close(fd);
		ns->state = SKC_NS_FAILED;
		ns->error = xstrdup(why.msg);
		host_warn(&j->out, "netns %llu: %s", (unsigned long long)ns->ino, why.msg);
		return 0;
	}
	if (ns->state == SKC_NS_PENDING)
		ns->state = SKC_NS_COMPLETE;	/* diag marks INCOMPLETE */
	/* the pinned walk comes back here later (pinned_collect_ns walks
	 * nothing in a namespace with nothing queued) */
	if (p->h->pinned_avail && any_queued(&j->out.socks))
		j->nsfd = fd;
	else
		close(fd);
	return 0;
}

static void note_denied(struct nspool *p, size_t i)
{
	size_t cur = atomic_load(&p->first_denied);

	while (i < cur && !atomic_compare_exchange_weak(&p->first_denied, &cur, i))
		;
}

/* The early dump (nsearly.c) becomes job j's result, as if the pool
 * had made it. */
static void early_take(struct nsdump_early *e, struct nsjob *j)
{
	nsdump_early_take(e, &j->out, &j->ns->state, &j->ret, &j->err);
}

static void run_job(struct nspool *p, size_t i)
{
	struct nsjob *j = &p->jobs[i];

	if (stop_requested()) {
		j->ret = err_set(&j->err, -ECANCELED, "interrupted");
		return;
	}
	switch (j->kind) {
	case JOB_OWN:
	case JOB_REPLAY:
		j->ret = nsdump_netns(&j->out, j->ns->ino, p->o, &j->err);
		if (j->ret == 0 && j->ns->state == SKC_NS_PENDING)
			j->ns->state = SKC_NS_COMPLETE;
		break;
	case JOB_FOREIGN:
		/* after a denied one, merge marks this one denied untried */
		if (atomic_load(&p->first_denied) < i)
			break;
		j->ret = job_foreign(p, j);
		if (j->ns->state == SKC_NS_DENIED)
			note_denied(p, i);
		break;
	case JOB_EARLY:
	case JOB_DENIED:
		break;		/* nsdump_all takes it; merge says why */
	}
}

/* Take jobs in order until none are left or one ends the run. */
static void *worker(void *arg)
{
	struct nspool *p = arg;

	while (!atomic_load(&p->abort)) {
		size_t i = atomic_fetch_add(&p->next, 1);

		if (i >= p->n)
			break;
		run_job(p, i);
		if (p->jobs[i].ret < 0)
			atomic_store(&p->abort, true);
	}
	return NULL;
}

/* min(online CPUs, NSDUMP_MAX_THREADS, n), or o->ns_threads (at most
 * n) when the environment set it. */
static size_t pool_size(const struct skc_opts *o, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k = cpus > 0 ? (size_t)cpus : 1;

	if (k > NSDUMP_MAX_THREADS)
		k = NSDUMP_MAX_THREADS;
	if (o->ns_threads)
		k = o->ns_threads;
	return k < n ? k : n;
}

/* Run every job on up to nthreads threads; with one, or when no thread
 * can be made, on the calling thread.  Workers block every signal but
 * faults: the calling thread takes SIGINT/SIGTERM (and --watch's
 * others), and workers see stop_requested() between namespaces. */
static void run_jobs(struct nspool *p, size_t nthreads)
{
	pthread_t tid[64];	/* SKCHECK_NS_THREADS's limit */
	sigset_t old;
	size_t k, made = 0;

	if (nthreads > sizeof(tid) / sizeof(tid[0]))
		nthreads = sizeof(tid) / sizeof(tid[0]);
	if (nthreads > 1) {
		stop_block_for_thread(&old);
		for (k = 0; k < nthreads; k++)
			if (pthread_create(&tid[made], NULL, worker, p) == 0)
				made++;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!made)
		worker(p);
	for (k = 0; k < made; k++)
		pthread_join(tid[k], NULL);
}

static void job_free(struct nsjob *j)
{
	host_free_dump(&j->out);
	if (j->nsfd >= 0)
		close(j->nsfd);
}

/* Append job j's records to h as the serial loop would have made them:
 * sockets, warnings, partial bits, and each family's source (a
 * successful source replaces an earlier one, "unavailable" only fills a
 * gap: diag_collect's rules). */
static void merge_out(struct skc_host *h, struct nsjob *j)
{
	struct skc_host *out = &j->out;
	size_t i;

	if (!h->socks.n) {
		socktab_free(&h->socks);
		h->socks = out->socks;		/* no copy of the host's own */
	} else if (out->socks.n) {
		grow_array((void **)&h->socks.v, &h->socks.cap,
			   h->socks.n + out->socks.n, sizeof(*h->socks.v));
		memcpy(h->socks.v + h->socks.n, out->socks.v,
		       out->socks.n * sizeof(*out->socks.v));
		h->socks.n += out->socks.n;
		socktab_take_strings(&h->socks, &out->socks);
		free(out->socks.v);
		free(out->socks.slots);
	} else {
		socktab_free(&out->socks);
	}
	memset(&out->socks, 0, sizeof(out->socks));
	for (i = 0; i < out->nwarnings; i++) {
		grow_array((void **)&h->warnings, &h->warnings_cap, h->nwarnings + 1,
			   sizeof(*h->warnings));
		h->warnings[h->nwarnings++] = out->warnings[i];
	}
	out->nwarnings = 0;
	if (out->partial_why)
		host_set_partial(h, out->partial_why);
	for (i = 0; i < SKC_PROTO_MAX; i++)
		if (out->family_src[i] &&
		    (strcmp(out->family_src[i], "unavailable") != 0 || !h->family_src[i]))
			h->family_src[i] = out->family_src[i];
}

/* The pinned walk of job j's sockets h->socks.v[from..n), inside its
 * namespace.  0, or -ENOTRECOVERABLE when we could not come back. */
static int walk_pinned(struct skc_host *h, struct nspool *p, struct nsjob *j,
		       struct skc_err *err)
{
	size_t from = j->from;

	if (j->kind != JOB_FOREIGN) {
		pinned_collect_ns(h, from);
		return 0;
	}
	if (j->nsfd < 0)
		return 0;	/* nothing queued there, or no BPF */
	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		pinned_lost(h, "pinned pages unavailable: cannot enter a namespace again");
		return 0;
	}
	pinned_collect_ns(h, from);
	return netns_leave(p->selffd, err);
}

/* Job j into h, in order; denied: foreign jobs before this one that
 * were denied.  0, or the job's fatal error.  j->from: where its
 * sockets begin in h->socks. */
static int merge_job(struct skc_host *h, struct nsjob *j, unsigned denied,
		     struct skc_err *err)
{
	j->from = h->socks.n;
	if ((j->kind == JOB_FOREIGN && denied) || j->kind == JOB_DENIED) {
		/* the serial loop stops trying after the first denial */
		free(j->ns->error);
		j->ns->error = xstrdup("permission denied");
		j->ns->state = SKC_NS_DENIED;
		return 0;
	}
	merge_out(h, j);
	if (j->ret < 0) {
		*err = j->err;
		return j->ret;
	}
	return 0;
}

static bool any_scanned(const struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nets.n; i++)
		if (netns_scanned(&h->nets.v[i]))
			return true;
	return false;
}

/* The sample is partial exactly when some namespace's sockets are
 * unknown: one rule, from the namespaces' states. */
static void set_partial(struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nets.n; i++)
		if (!netns_sockets_known(&h->nets.v[i]))
			host_set_partial(h, h->nets.v[i].state == SKC_NS_INCOMPLETE
					    ? SKC_PARTIAL_DUMP : SKC_PARTIAL_NETNS);
}

static void jobs_init(struct nspool *p, struct skc_host *h)
{
	size_t i;

	p->jobs = xcalloc(h->nets.n, sizeof(*p->jobs));
	p->n = h->nets.n;
	for (i = 0; i < p->n; i++) {
		struct nsjob *j = &p->jobs[i];

		j->ns = &h->nets.v[i];
		j->nsfd = -1;
		j->out.nets.v = j->ns;
		j->out.nets.n = 1;
		j->kind = j->ns->ino == h->netns ? JOB_OWN :
			  p->o->replay_dir ? JOB_REPLAY :
			  p->selffd < 0 ? JOB_DENIED : JOB_FOREIGN;
	}
}

/* Merge every job in order, stopping at the first that ends the run;
 * returns that error, or the number of denied namespaces. */
static int merge_all(struct skc_host *h, struct nspool *p, struct skc_err *err)
{
	unsigned denied = 0;
	size_t i;
	int ret;

	for (i = 0; i < p->n; i++) {
		ret = merge_job(h, &p->jobs[i], denied, err);
		if (ret < 0)
			return ret;
		if (p->jobs[i].ns->state == SKC_NS_DENIED)
			denied++;
	}
	return (int)denied;
}

/* The pinned walks: one pass over every process's files reaches most
 * queued sockets of every namespace; each dumped namespace's iterators
 * then take what it missed.  0, or -ENOTRECOVERABLE. */
static int walk_all(struct skc_host *h, struct nspool *p, struct skc_err *err)
{
	size_t i;
	int ret;

	pinned_collect_files(h);
	for (i = 0; i < p->n; i++) {
		struct nsjob *j = &p->jobs[i];

		/* the walks take a while on a busy host too */
		if (stop_requested())
			return err_set(err, -ECANCELED, "interrupted");
		if (j->ns->state != SKC_NS_COMPLETE && j->ns->state != SKC_NS_INCOMPLETE)
			continue;	/* not dumped */
		ret = walk_pinned(h, p, j, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The job the early dump answers for, or NULL (its namespace was not
 * selected after all). */
static struct nsjob *early_job(struct nspool *p, const struct nsdump_early *e)
{
	size_t i;

	for (i = 0; e && i < p->n; i++)
		if (p->jobs[i].kind == JOB_OWN && p->jobs[i].ns->ino == nsdump_early_netns(e))
			return &p->jobs[i];
	return NULL;
}

int nsdump_all(struct skc_host *h, const struct skc_opts *o,
	       struct nsdump_early *early, struct skc_err *err)
{
	struct nspool p = { .h = h, .o = o };
	struct nsjob *ej;
	size_t i, left;
	int ret;

	atomic_init(&p.next, 0);
	atomic_init(&p.abort, false);
	atomic_init(&p.first_denied, SIZE_MAX);
	p.selffd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	jobs_init(&p, h);
	ej = early_job(&p, early);
	if (ej)
		ej->kind = JOB_EARLY;
	/* the pool is for the jobs left to run, at full size even beside
	 * the early dump: that one ends long before 50 namespaces' dumps
	 * would on one thread less */
	left = p.n - (ej != NULL);
	run_jobs(&p, left ? pool_size(o, left) : 0);
	if (ej)
		early_take(early, ej);
	else
		nsdump_early_cancel(early);
	ret = merge_all(h, &p, err);
	if (ret >= 0) {
		int wret = walk_all(h, &p, err);

		if (wret < 0)
			ret = wret;
	}
	for (i = 0; i < p.n; i++)
		job_free(&p.jobs[i]);
	free(p.jobs);
	if (p.selffd >= 0)
		close(p.selffd);
	if (ret < 0)
		return ret;
	set_partial(h);
	/* said once: an unprivileged run sees its own namespace only */
	if (ret)
		host_warn(h, "not privileged to enter network namespaces (needs CAP_SYS_ADMIN): "
			  "%d of %zu namespaces not scanned, only the current one",
			  ret, h->nets.n);
	if (!any_scanned(h))
		return err_set(err, -EPERM, "no network namespace could be scanned%s",
			       ret ? " (not privileged to enter it)" : "");
	return 0;
}
