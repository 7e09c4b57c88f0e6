/* Pinned pages: loads bpf/pinned.bpf.c (libbpf skeleton), runs its
 * iterators in every dumped namespace and credits the records to the
 * sample's sockets.  The programs stay loaded for the process's life
 * (--watch reuses them); module state is private to this file. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_pinned.h"
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
	struct pinned_rec *recs;
	size_t n, cap;
	bool failed;		/* this sample */
	char failure[256];
} pin;

/* libbpf's own messages would go to stderr on every run; our summary
 * says once why the figures are missing instead. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level; (void)fmt; (void)ap;
	return 0;
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

static void load(void)
{
	struct pinned_bpf *skel;
	int err;

	pin.tried = true;
	libbpf_set_print(quiet);
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

/* The programs are loaded when the first namespace with something
 * queued is walked (pinned_collect_ns): a host where nothing is queued
 * pins nothing, and pays nothing for BPF. */
void pinned_begin(struct skc_host *h, const char *off)
{
	static int usable = -1;	/* can_load(), asked once */

	pin.n = 0;
	pin.failed = false;
	if (off) {
		h->pinned_why = xstrdup(off);
		return;
	}
	if (usable < 0)
		usable = can_load();
	if (!usable || (pin.tried && !pin.skel)) {
		h->pinned_why = xstrdup(pin.why);
		return;
	}
	h->pinned_avail = true;
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

/* Which iterators can find anything: an iterator visits every socket of
 * its kind in the namespace, so skip the kinds with nothing queued in
 * the dump just taken. */
static unsigned queued_protos(const struct skc_host *h, size_t from)
{
	unsigned mask = 0;
	size_t i;

	for (i = from; i < h->socks.n; i++)
		if (sock_has_queue(&h->socks.v[i]))
			mask |= SKC_PROTO_BIT(h->socks.v[i].proto);
	return mask;
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
	if (!mask)
		return;
	if (!pin.tried)
		load();
	if (!pin.skel) {
		pin.failed = true;
		snprintf(pin.failure, sizeof(pin.failure), "%s", pin.why);
		return;
	}
	links[0] = pin.skel->links.pinned_tcp;
	links[1] = pin.skel->links.pinned_udp;
	links[2] = pin.skel->links.pinned_unix;
	for (i = 0; i < 3; i++) {
		if (!(mask & SKC_PROTO_BIT(protos[i])))
			continue;
		ret = run_iter(links[i]);
		if (ret < 0) {
			pin.failed = true;
			snprintf(pin.failure, sizeof(pin.failure),
				 "pinned pages unavailable: BPF iterator failed: %s",
				 strerror(-ret));
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

/* Kinds of socket whose read counters only the files iterator makes. */
static bool counted_by_files(const struct skc_sock *s)
{
	return s->proto != SKC_TCP && s->proto != SKC_UDP &&
	       s->proto != SKC_UDPLITE && s->proto != SKC_UNIX;
}

void pinned_collect_files(struct skc_host *h)
{
	size_t i;
	int ret;

	if (!h->pinned_avail || pin.failed)
		return;
	for (i = 0; i < h->socks.n; i++)
		if (counted_by_files(&h->socks.v[i]) && h->socks.v[i].rqueue > 0)
			break;
	if (i == h->socks.n)
		return;
	if (!pin.tried)
		load();
	if (!pin.skel || !pin.skel->bss->counting)
		return;		/* unproven: no-progress-seen (track.c) */
	ret = run_iter(pin.skel->links.queued_files);
	if (ret < 0) {
		pin.failed = true;
		snprintf(pin.failure, sizeof(pin.failure),
			 "pinned pages unavailable: BPF iterator failed: %s",
			 strerror(-ret));
	}
}

/* Empty the page map so the next sample counts every page again. */
static void forget_pages(void)
{
	int fd = bpf_map__fd(pin.skel->maps.seen);
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

	if (!h->pinned_avail)
		return;
	if (pin.skel)
		forget_pages();
	if (pin.failed) {
		h->pinned_avail = false;
		h->pinned_why = xstrdup(pin.failure);
		return;
	}
	if (!pin.n)
		return;		/* nothing pinned (pin.recs may be NULL) */
	qsort(pin.recs, pin.n, sizeof(*pin.recs), cmp_rec_ino);
	for (i = 0; i < h->socks.n; i++) {
		struct skc_sock *s = &h->socks.v[i];
		const struct pinned_rec *r = find_rec(s);

		if (!r)
			continue;
		s->pinned = r->pinned;
		s->pinned_capped = r->flags != 0;
		if (r->rx_known && s->proto != SKC_TCP) {
			s->has_rx_head = true;
			s->rx_head = r->rx_head;
			s->rx_qlen = r->rx_qlen;
		}
		if (r->reads_known && s->proto != SKC_TCP) {
			s->has_rx_reads = true;
			s->rx_reads = r->rx_reads;
		}
	}
}

#else /* !HAVE_BPF */

void pinned_begin(struct skc_host *h, const char *off)
{
	h->pinned_why = xstrdup(off ? off : "pinned pages unavailable: built without BPF support");
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
