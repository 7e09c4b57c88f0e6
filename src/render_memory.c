/* The host memory lines of the summary: one compact line by default,
 * the whole breakdown with -M (skcheck(8), MEMORY). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "escape.h"
#include "format.h"
#include "jsonx.h"
#include "meminfo.h"
#include "render.h"

static const char *sz(char *buf, size_t len, uint64_t v, const struct skc_render_opts *o)
{
	format_size(buf, len, v, o->bytes);
	return buf;
}

/* A signed part (unaccounted can be below 0 when counters overlap). */
static const char *ssz(char *buf, size_t len, int64_t v, const struct skc_render_opts *o)
{
	if (v >= 0)
		return sz(buf, len, (uint64_t)v, o);
	buf[0] = '-';
	format_size(buf + 1, len - 1, (uint64_t)-v, o->bytes);
	return buf;
}

/* The socket holding the most pinned bytes, and one of its owners. */
static const struct skc_sock *top_pinner(const struct skc_host *h)
{
	const struct skc_sock *best = NULL;
	size_t i;

	for (i = 0; i < h->socks.n; i++)
		if (h->socks.v[i].pinned && (!best || h->socks.v[i].pinned > best->pinned))
			best = &h->socks.v[i];
	return best;
}

static void print_top(FILE *out, const struct skc_host *h)
{
	const struct skc_sock *s = top_pinner(h);
	const struct skc_proc *p;
	char *comm;

	if (!s)
		return;
	if (!s->nowners) {
		fprintf(out, "; top: socket inode %llu (no process)",
			(unsigned long long)s->inode);
		return;
	}
	p = &h->procs.v[s->owners[0].proc];
	comm = escape_bytes(p->comm, strlen(p->comm));
	fprintf(out, "; top: %s pid %d fd %d", comm, (int)p->pid, s->owners[0].fd);
	free(comm);
}

static void sockets_line(FILE *out, const struct skc_host *h, const struct skc_render_opts *o)
{
	const struct skc_memory *m = &h->memory;
	char a[32], b[32];

	fprintf(out, "socket memory: truesize %s (kernel counts %s)",
		sz(a, sizeof(a), m->truesize, o), sz(b, sizeof(b), m->sockstat_bytes, o));
	if (m->pinned_valid) {
		fprintf(out, "; queues pin %s", sz(a, sizeof(a), m->pinned, o));
		print_top(out, h);
	}
	if (m->suspect)
		fputs(" [memory-suspect]", out);
	fputc('\n', out);
	if (!m->pinned_valid && h->pinned_why) {
		char *e = escape_bytes(h->pinned_why, strlen(h->pinned_why));

		fprintf(out, "pinned: %s; truesize undercounts the pages that queued skbs pin\n", e);
		free(e);
	}
}

static void breakdown(FILE *out, const struct skc_memory *m, const struct skc_render_opts *o)
{
	static const char *const labels[SKC_MEM_PARTS] = {
		[SKC_MEM_FREE] = "free", [SKC_MEM_FREE_PCP] = "free on per-cpu lists",
		[SKC_MEM_ANON] = "  anon",
		[SKC_MEM_FILE] = "  file cache", [SKC_MEM_SHMEM] = "  shmem",
		[SKC_MEM_SLAB_RECLAIMABLE] = "  slab reclaimable",
		[SKC_MEM_SLAB_UNRECLAIMABLE] = "  slab unreclaimable",
		[SKC_MEM_KERNEL_STACK] = "  kernel stacks",
		[SKC_MEM_PAGE_TABLES] = "  page tables", [SKC_MEM_VMALLOC] = "  vmalloc",
		[SKC_MEM_PERCPU] = "  per-cpu", [SKC_MEM_HUGETLB] = "  huge pages",
		[SKC_MEM_KERNEL_OTHER] = "  other named",
		[SKC_MEM_UNACCOUNTED] = "unaccounted (alloc_pages)",
	};
	char a[32], b[32];
	unsigned i;

	fprintf(out, "memory: total %s, available %s\n", sz(a, sizeof(a), m->total, o),
		sz(b, sizeof(b), m->available, o));
	for (i = 0; i < SKC_MEM_PARTS; i++) {
		if (i == SKC_MEM_ANON)
			fprintf(out, "  %-28s %10s\n", "applications",
				sz(a, sizeof(a), m->applications, o));
		if (i == SKC_MEM_SLAB_RECLAIMABLE)
			fprintf(out, "  %-28s %10s\n", "kernel (named)",
				sz(a, sizeof(a), m->kernel, o));
		fprintf(out, "  %-28s %10s\n", labels[i], ssz(a, sizeof(a), m->part[i], o));
	}
}

void render_memory(FILE *out, const struct skc_host *h, const struct skc_render_opts *o)
{
	const struct skc_memory *m = &h->memory;
	char a[32], b[32], c[32], d[32], e[32];

	if (m->valid && o->memory) {
		breakdown(out, m, o);
		fprintf(out, "unread: tcp %s, udp %s, udplite %s, unix %s\n",
			sz(a, sizeof(a), m->unread[SKC_TCP], o),
			sz(b, sizeof(b), m->unread[SKC_UDP], o),
			sz(c, sizeof(c), m->unread[SKC_UDPLITE], o),
			sz(d, sizeof(d), m->unread[SKC_UNIX], o));
	} else if (m->valid) {
		fprintf(out, "memory: total %s, free %s, applications %s, kernel %s, unaccounted %s\n",
			sz(a, sizeof(a), m->total, o),
			sz(b, sizeof(b), (uint64_t)(m->part[SKC_MEM_FREE] + m->part[SKC_MEM_FREE_PCP]), o),
			sz(c, sizeof(c), m->applications, o), sz(d, sizeof(d), m->kernel, o),
			ssz(e, sizeof(e), m->part[SKC_MEM_UNACCOUNTED], o));
	}
	sockets_line(out, h, o);
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	jset(o, k, jx(json_object_new_uint64(v)));
}

/* summary.memory: every part in bytes (null without /proc/meminfo),
 * socket memory as the kernel and as skcheck count it. */
json_object *render_memory_json(const struct skc_host *h)
{
	const struct skc_memory *m = &h->memory;
	json_object *o = jx(json_object_new_object()), *u;
	unsigned i;

	if (m->valid) {
		add_u64(o, "total", m->total);
		add_u64(o, "available", m->available);
		add_u64(o, "applications", m->applications);
		add_u64(o, "kernel", m->kernel);
		for (i = 0; i < SKC_MEM_PARTS; i++)
			jset(o, meminfo_part_name(i),
			     jx(json_object_new_int64(m->part[i])));
	}
	add_u64(o, "sockstat", m->sockstat_bytes);
	add_u64(o, "socket_truesize", m->truesize);
	u = jx(json_object_new_object());
	for (i = 0; i < SKC_PROTO_MAX; i++)
		add_u64(u, proto_name(i), m->unread[i]);
	jset(o, "unread", u);
	jset(o, "socket_pinned", m->pinned_valid ?
	     jx(json_object_new_uint64(m->pinned)) : NULL);
	jset(o, "pinned_unavailable", !m->pinned_valid && h->pinned_why ?
	     jx(json_object_new_string(h->pinned_why)) : NULL);
	jset(o, "suspect", jx(json_object_new_boolean(m->suspect)));
	return o;
}
