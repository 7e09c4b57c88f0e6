/* Pinned pages: loads bpf/pinned.bpf.c (libbpf skeleton; on a second
 * thread when asked to be eager), runs its files pass once per sample
 * and its tcp/udp/unix iterators in the namespaces where that pass left
 * a queued socket, and credits the records to the sample's sockets.
 * The programs stay loaded for the process's life (--watch reuses
 * them); module state is private to this file. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_pinned.h"
#include "stop.h"
#include "util.h"

#ifdef HAVE_BPF
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pinned_rec.h"
#include "pinned.skel.h"

#define MAX_SKBS_PER_QUEUE 65536

static struct {
	struct pinned_bpf *skel;
	bool tried;
	char why[256];		/* load failure, for every sample's summary */
	/* while a worker runs (working), everything below but failed and
	 * failure is the worker's */
	bool working;
	pthread_t worker;
	int pass_ret;		/* the worker's files pass: 0 or -errno */
	struct pinned_rec *recs;
	size_t n, cap;
	size_t nfiles;		/* recs[0..nfiles): the files pass's, by cookie */
	bool iterators_only;	/* pinned_plan's, this sample */
	bool dirty;		/* the maps hold a past walk's pages and sockets */
	bool failed;		/* this sample */
	char failure[256];
} pin;

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level; (void)fmt; (void)ap;
	return 0;
}

static void set_quiet(void)
{
	libbpf_set_print(quiet_print);
}

void bpf_quiet(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, set_quiet);
}

/* Loading iterators needs CAP_BPF and CAP_PERFMON (5.8 on) or
 * CAP_SYS_ADMIN (bpf_capable, perfmon_capable); the verifier's own
 * EACCES must not read as a missing privilege. */
static bool privileged(void)
{
	unsigned long long eff = 0;

	if (caps_effective(&eff) < 0)
		return true;	/* cannot tell: let the load say */
	return caps_bpf(eff);
}

/* virt_to_page for skb heads needs two kernel variables (x86-64);
 * without them heads are not counted, frags still are. */
static void find_syms(struct pinned_bpf *skel)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	bpf_prog_test_run_opts(bpf_program__fd(skel->progs.find_syms), &opts);
}

/* What can be known without loading: privileges and kernel BTF.
 * false with pin.why set when loading cannot work. */
static bool can_load(void)
{
	if (!privileged()) {
		snprintf(pin.why, sizeof(pin.why),
			 "not privileged to load BPF programs (needs CAP_BPF and CAP_PERFMON, or root)");
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		snprintf(pin.why, sizeof(pin.why),
			 "the kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)");
		return false;
	}
	return true;
}

/* Open and load, with the dequeue counter (dgram_read) when
 * with_counter; NULL with errno (positive) in *err on failure. */
static struct pinned_bpf *open_load(bool with_counter, int *err)
{
	struct pinned_bpf *skel;

	skel = pinned_bpf__open();
	if (!skel) {
		*err = errno;
		return NULL;
	}
	skel->rodata->max_skbs = MAX_SKBS_PER_QUEUE;
	skel->rodata->page_size = (__u64)sysconf(_SC_PAGESIZE);
	bpf_program__set_autoattach(skel->progs.dgram_read, false);
	bpf_program__set_autoload(skel->progs.dgram_read, with_counter);
	*err = pinned_bpf__load(skel);
	if (!*err)
		*err = pinned_bpf__attach(skel);
	if (*err) {
		*err = *err < 0 ? -*err : errno;
		pinned_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The dequeue counter is optional: without it (Linux < 6.4, no
 * sock_recv_length tracepoint) datagram stalls stay unproven
 * (no-progress-seen) and the rest works.  The skeleton owns the link. */
static void attach_counter(struct pinned_bpf *skel)
{
	skel->links.dgram_read = bpf_program__attach(skel->progs.dgram_read);
	skel->bss->counting = skel->links.dgram_read != NULL;
}

/* Into pin.skel, or pin.why.  Callers set pin.tried and bpf_quiet(). */
static void load(void)
{
	struct pinned_bpf *skel;
	int err;

	/* a kernel without the tracepoint fails the whole load: then load
	 * the iterators alone */
	skel = open_load(true, &err);
	if (skel)
		attach_counter(skel);
	else
		skel = open_load(false, &err);
	if (!skel) {
		snprintf(pin.why, sizeof(pin.why),
			 "cannot load the BPF iterators (Linux 5.17 or later needed): %s",
			 strerror(err));
		return;
	}
	find_syms(skel);
	pin.skel = skel;
}

static int files_pass(const struct skc_host *h);

/* A sample's worker: load if not loaded yet, then the files pass,
 * unfiltered (the dump it would filter by runs meanwhile). */
static void *worker_main(void *arg)
{
	(void)arg;
	if (!pin.skel)
		load();
	if (pin.skel)
		pin.pass_ret = files_pass(NULL);
	return NULL;
}

/* Wait for the worker, if one runs.  Also at exit: a run that ends
 * early never waited. */
static void wait_worker(void)
{
	if (!pin.working)
		return;
	pthread_join(pin.worker, NULL);
	pin.working = false;
}

/* Load and walk on a second thread while this one dumps: the load (the
 * kernel BTF parse, the verifier, the maps: about 0.1 s here) and the
 * files pass (about 0.03 s at 100k sockets) are most of what pinned
 * pages cost a large host when waited for.  Signals stay with the main
 * thread.  If no thread can be made, the sample walks on its own. */
static void start_worker(void)
{
	static bool registered;
	sigset_t old;

	bpf_quiet();
	if (!registered)
		registered = atexit(wait_worker) == 0;
	if (!registered)
		return;
	stop_block_for_thread(&old);
	pin.working = pthread_create(&pin.worker, NULL, worker_main, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pin.working)
		pin.tried = true;
}

/* The programs are loaded when the first sample with something queued
 * is walked (pinned_collect_files): a host where nothing is queued
 * pins nothing, and pays nothing for BPF.  When eager, or once loaded,
 * a worker thread loads and walks beside the dumps. */
void pinned_begin(struct skc_host *h, const struct pinned_plan *plan)
{
	static int usable = -1;	/* can_load(), asked once */

	wait_worker();
	pin.n = 0;
	pin.nfiles = 0;
	pin.failed = false;
	pin.iterators_only = plan->iterators_only;
	if (plan->off) {
		h->pinned_why = xstrdup(plan->off);
		return;
	}
	if (usable < 0)
		usable = can_load();
	if (!usable || (pin.tried && !pin.skel)) {
		h->pinned_why = xstrdup(pin.why);
		return;
	}
	h->pinned_avail = true;
	if (plan->eager || pin.skel)
		start_worker();
}

/* Append the complete records of buf[0..len); returns bytes used. */
static size_t take_records(const char *buf, size_t len)
{
	size_t used = 0;

	while (len - used >= sizeof(struct pinned_rec)) {
		grow_array((void **)&pin.recs, &pin.cap, pin.n + 1, sizeof(*pin.recs));
		memcpy(&pin.recs[pin.n++], buf + used, sizeof(struct pinned_rec));
		used += sizeof(struct pinned_rec);
	}
	return used;
}

/* Run one iterator link to its end.  0 or -errno. */
static int run_iter(struct bpf_link *link)
{
	char buf[64 * sizeof(struct pinned_rec)];
	size_t have = 0, used;
	ssize_t n;
	int fd, ret = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		used = take_records(buf, have);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	close(fd);
	return ret;
}

/* Worth a walk: what the files pass walks (pinned.bpf.c): TCP's four
 * queues (a listener's Recv-Q counts connections, not skbs; data held
 * only beyond a hole is in no Recv-Q, but in rmem_alloc:
 * tcp_data_queue_ofo charges it), UDP's and UNIX's receive queue (a
 * UNIX sender's Send-Q is its peer's receive queue, charged to the
 * sender: unix_stream_sendmsg), other families' receive queue (their
 * read counters).  Only these sockets can have a record. */
static bool walkable(const struct skc_sock *s)
{
	if (s->proto == SKC_TCP)
		return !sock_is_listener(s) &&
		       (s->rqueue || s->wqueue ||
			(s->has_skmem && s->skmem[SK_MEMINFO_RMEM_ALLOC]));
	return s->rqueue > 0;
}

static void forget(struct bpf_map *map);

static int cmp_rec_cookie(const void *a, const void *b)
{
	const struct pinned_rec *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

/* Did the files pass walk s?  Only then is s's figure complete without
 * its namespace's iterator. */
static bool walked_by_files(const struct skc_sock *s)
{
	struct pinned_rec key = { .cookie = s->cookie };

	return s->cookie && pin.nfiles &&
	       bsearch(&key, pin.recs, pin.nfiles, sizeof(*pin.recs), cmp_rec_cookie);
}

/* Which iterators can find anything: an iterator visits every socket of
 * its kind in the namespace, so run only the kinds with a queued socket
 * in the dump just taken that the files pass did not reach (no file:
 * accept queues, orphans, MPTCP subflows; a file in no fd table: an
 * io_uring registered file, one in flight in SCM_RIGHTS; or queued
 * after the pass). */
static unsigned queued_protos(const struct skc_host *h, size_t from)
{
	unsigned mask = 0;
	size_t i;

	for (i = from; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];

		if (walkable(s) && !walked_by_files(s))
			mask |= SKC_PROTO_BIT(s->proto);
	}
	return mask;
}

/* Load on first use; false (the sample's figures lost) when that fails. */
static bool loaded(void)
{
	wait_worker();
	if (!pin.tried) {
		pin.tried = true;
		bpf_quiet();
		load();
	}
	if (pin.skel)
		return true;
	pin.failed = true;
	snprintf(pin.failure, sizeof(pin.failure), "%s", pin.why);
	return false;
}

static void iter_failed(int ret)
{
	pin.failed = true;
	snprintf(pin.failure, sizeof(pin.failure),
		 "pinned pages unavailable: BPF iterator failed: %s", strerror(-ret));
}

void pinned_collect_ns(struct skc_host *h, size_t from)
{
	struct bpf_link *links[3];
	unsigned protos[3] = { SKC_TCP, SKC_UDP, SKC_UNIX }, mask;
	size_t i;
	int ret;

	if (!h->pinned_avail || pin.failed)
		return;
	mask = queued_protos(h, from);
	if (!mask || !loaded())
		return;
	links[0] = pin.skel->links.pinned_tcp;
	links[1] = pin.skel->links.pinned_udp;
	links[2] = pin.skel->links.pinned_unix;
	for (i = 0; i < 3; i++) {
		if (!(mask & SKC_PROTO_BIT(protos[i])))
			continue;
		ret = run_iter(links[i]);
		if (ret < 0) {
			iter_failed(ret);
			return;
		}
	}
}

void pinned_lost(struct skc_host *h, const char *why)
{
	if (!h->pinned_avail || pin.failed)
		return;
	pin.failed = true;
	snprintf(pin.failure, sizeof(pin.failure), "%s", why);
}

/* Tell the files pass which socket inodes to look at: the sockets the
 * dump saw queued, as bits of the program's mmapped .bss. */
static void set_filter(const struct skc_host *h)
{
	const size_t nbits = sizeof(pin.skel->bss->queued_bits) * 8;
	__u64 *bits = pin.skel->bss->queued_bits;
	size_t i;

	memset(pin.skel->bss->queued_bits, 0, sizeof(pin.skel->bss->queued_bits));
	for (i = 0; i < h->socks.n; i++) {
		const struct skc_sock *s = &h->socks.v[i];
		uint64_t b = s->inode % nbits;

		if (walkable(s) && s->inode)
			bits[b / 64] |= 1ULL << (b % 64);
	}
	pin.skel->bss->filter_queued = 1;
}

/* The files pass: filtered by h's queued sockets, or every socket file
 * when h is NULL (the worker's, before the dump is complete).  Records
 * into pin.recs, sorted by cookie for walked_by_files.  0 or -errno. */
static int files_pass(const struct skc_host *h)
{
	int ret;

	/* emptied before a walk, not after: a one-shot run never pays */
	if (pin.dirty) {
		forget(pin.skel->maps.seen);
		forget(pin.skel->maps.walked);
	}
	pin.dirty = true;
	if (h)
		set_filter(h);
	else
		pin.skel->bss->filter_queued = 0;
	pin.skel->bss->walk_files = !pin.iterators_only;
	ret = run_iter(pin.skel->links.pinned_files);
	if (ret < 0)
		return ret;
	pin.nfiles = pin.n;
	if (pin.nfiles)		/* recs may be NULL */
		qsort(pin.recs, pin.nfiles, sizeof(*pin.recs), cmp_rec_cookie);
	return 0;
}

void pinned_collect_files(struct skc_host *h)
{
	size_t i;
	int ret;

	if (pin.working) {	/* loaded() waits for it */
		if (loaded() && pin.pass_ret < 0)
			iter_failed(pin.pass_ret);
		return;
	}
	if (!h->pinned_avail || pin.failed)
		return;
	for (i = 0; i < h->socks.n && !walkable(&h->socks.v[i]); i++)
		;
	if (i == h->socks.n || !loaded())
		return;		/* nothing queued: nothing loaded or walked */
	ret = files_pass(h);
	if (ret < 0)
		iter_failed(ret);
}

/* Empty a map of this run's pages or sockets, for the next sample. */
static void forget(struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	__u64 keys[4096], batch = 0;
	__u8 vals[4096];
	__u32 count;
	bool first = true;
	int ret;

	for (;;) {
		count = 4096;
		ret = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &batch, &batch,
						      keys, vals, &count, NULL);
		first = false;
		if (ret < 0 && errno == ENOENT)
			return;		/* done (count may be > 0 on the last) */
		if (ret < 0)
			break;
	}
	/* no batch support: one key at a time */
	while (bpf_map_get_next_key(fd, NULL, keys) == 0)
		if (bpf_map_delete_elem(fd, keys) < 0)
			return;
}

static int cmp_rec_ino(const void *a, const void *b)
{
	const struct pinned_rec *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* A socket walked twice (the walked map was full) has two records; its
 * pages were counted once (seen), so the figures add up.  recs sorted
 * by inode; records without a file come from one iterator pass each
 * and were never walked twice. */
static void merge_dups(void)
{
	size_t i, out = 0;

	for (i = 0; i < pin.n; i++) {
		struct pinned_rec *r = &pin.recs[i], *last = out ? &pin.recs[out - 1] : NULL;

		if (last && r->ino && r->ino == last->ino) {
			last->pinned += r->pinned;
			last->skbs += r->skbs;
			last->flags |= r->flags;
			continue;
		}
		pin.recs[out++] = *r;
	}
	pin.n = out;
}

static const struct pinned_rec *find_rec(const struct skc_sock *s)
{
	struct pinned_rec key = { .ino = s->inode };
	size_t i;

	if (s->inode)
		return bsearch(&key, pin.recs, pin.n, sizeof(*pin.recs), cmp_rec_ino);
	/* no file (an accept queue's connection): by cookie; such records
	 * are few and sit at the front (inode 0 sorts first) */
	for (i = 0; i < pin.n && !pin.recs[i].ino; i++)
		if (s->cookie && pin.recs[i].cookie == s->cookie)
			return &pin.recs[i];
	return NULL;
}

void pinned_end(struct skc_host *h)
{
	size_t i;

	wait_worker();	/* a failed sample never collected it */
	if (!h->pinned_avail)
		return;
	if (pin.failed) {
		h->pinned_avail = false;
		h->pinned_why = xstrdup(pin.failure);
		return;
	}
	if (!pin.n)
		return;		/* nothing pinned (pin.recs may be NULL) */
	qsort(pin.recs, pin.n, sizeof(*pin.recs), cmp_rec_ino);
	merge_dups();
	for (i = 0; i < h->socks.n; i++) {
		struct skc_sock *s = &h->socks.v[i];
		const struct pinned_rec *r;

		if (!walkable(s))
			continue;	/* empty in the dump: credited nothing */
		r = find_rec(s);
		if (!r)
			continue;
		s->pinned = r->pinned;
		s->pinned_capped = r->flags != 0;
		if (r->rx_known && s->proto != SKC_TCP) {
			s->has_rx_head = true;
			sock_rare_w(s)->rx_head = r->rx_head;
			sock_rare_w(s)->rx_qlen = r->rx_qlen;
		}
		if (r->reads_known && s->proto != SKC_TCP) {
			s->has_rx_reads = true;
			sock_rare_w(s)->rx_reads = r->rx_reads;
		}
	}
}

#else /* !HAVE_BPF */

void pinned_begin(struct skc_host *h, const struct pinned_plan *plan)
{
	h->pinned_why = xstrdup(plan->off ? plan->off :
				"pinned pages unavailable: built without BPF support");
}

void pinned_collect_ns(struct skc_host *h, size_t from)
{
	(void)h;
	(void)from;
}

void pinned_lost(struct skc_host *h, const char *why)
{
	(void)h;
	(void)why;
}

void pinned_collect_files(struct skc_host *h)
{
	(void)h;
}

void pinned_end(struct skc_host *h)
{
	(void)h;
}

#endif
