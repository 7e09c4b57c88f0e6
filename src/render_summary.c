/* The host summary printed above the table. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "format.h"
#include "render.h"

static const char *sz(char *buf, size_t len, uint64_t v, const struct skc_render_opts *o)
{
	format_size(buf, len, v, o->bytes);
	return buf;
}

/* Warnings and errors carry paths and names: never raw to a terminal. */
static void print_escaped(FILE *out, const char *prefix, const char *text)
{
	char *e = escape_bytes(text, strlen(text));

	fprintf(out, "%s%s\n", prefix, e);
	free(e);
}

static size_t count_ns(const struct skc_host *h, bool incomplete)
{
	size_t i, n = 0;

	for (i = 0; i < h->nets.n; i++) {
		const struct skc_netns *ns = &h->nets.v[i];

		if (!netns_sockets_known(ns) &&
		    (ns->state == SKC_NS_INCOMPLETE) == incomplete)
			n++;
	}
	return n;
}

void render_partial(FILE *out, const struct skc_host *h, const struct skc_render_opts *o)
{
	const char *sep = "";
	char a[32];

	fputs("partial: ", out);
	if (h->partial_why & SKC_PARTIAL_NETNS) {
		fprintf(out, "%zu network namespaces not scanned", count_ns(h, false));
		sep = "; ";
	}
	if (h->partial_why & SKC_PARTIAL_DUMP) {
		fprintf(out, "%sdumps failed in %zu namespaces", sep, count_ns(h, true));
		sep = "; ";
	}
	if (h->partial_why & SKC_PARTIAL_UNATTRIBUTED)
		fprintf(out, "%s%u processes not inspected, and %llu sockets with %s queued that no visible process holds",
			sep, h->uninspected,
			(unsigned long long)h->unattributed_socks,
			sz(a, sizeof(a), h->unattributed, o));
	fputs(" (figures are incomplete)\n", out);
}

/* Scanned, with nothing queued and no flag: nothing to show. */
static bool ns_idle(const struct skc_netns *ns)
{
	return netns_scanned(ns) && !figures_any(&ns->fig);
}

/* "namespaces: 32 (30 scanned, 28 idle, 2 not scanned)" */
static void print_ns_counts(FILE *out, const struct skc_host *h)
{
	size_t i, scanned = 0, idle = 0;

	for (i = 0; i < h->nets.n; i++) {
		scanned += netns_scanned(&h->nets.v[i]);
		idle += ns_idle(&h->nets.v[i]);
	}
	fprintf(out, "namespaces: %zu (%zu scanned, %zu idle", h->nets.n, scanned, idle);
	if (scanned < h->nets.n)
		fprintf(out, ", %zu not scanned", h->nets.n - scanned);
	fputs(")\n", out);
}

void render_summary(FILE *out, const struct skc_host *h, const struct skc_render_opts *o)
{
	const struct skc_figures *t = &h->total;
	const struct skc_sockstat *ss = &h->sockstat;
	char a[32], b[32], c[32];
	size_t i;

	fprintf(out, "sockets: %llu (tcp %llu, udp %llu, udplite %llu, unix %llu",
		(unsigned long long)t->sockets,
		(unsigned long long)t->by_proto[SKC_TCP],
		(unsigned long long)t->by_proto[SKC_UDP],
		(unsigned long long)t->by_proto[SKC_UDPLITE],
		(unsigned long long)t->by_proto[SKC_UNIX]);
	/* the other families only when there are some */
	for (i = SKC_UNIX + 1; i < SKC_PROTO_MAX; i++)
		if (t->by_proto[i])
			fprintf(out, ", %s %llu", proto_name((unsigned)i),
				(unsigned long long)t->by_proto[i]);
	fputs(")\n", out);
	fprintf(out, "queued: recv %s, send %s; socket memory %s; accept backlog %llu; drops %llu\n",
		sz(a, sizeof(a), t->recv_q, o), sz(b, sizeof(b), t->send_q, o),
		sz(c, sizeof(c), t->mem, o), (unsigned long long)t->accept_q,
		(unsigned long long)t->drops);
	if (ss->valid)
		fprintf(out, "kernel: sockets used %ld; TCP inuse %ld orphan %ld tw %ld alloc %ld mem %ld pages (%s); UDP inuse %ld mem %ld pages (%s)\n",
			ss->sockets_used, ss->tcp_inuse, ss->tcp_orphan,
			ss->tcp_tw, ss->tcp_alloc, ss->tcp_mem,
			sz(a, sizeof(a), h->memory.sockstat_tcp, o), ss->udp_inuse,
			ss->udp_mem, sz(b, sizeof(b), h->memory.sockstat_udp, o));
	render_memory(out, h, o);
	if (h->tracked)
		fprintf(out, "stalled: %llu sockets holding %s (window %.3gs)%s\n",
			(unsigned long long)h->total.stalled_sockets,
			sz(a, sizeof(a), h->total.stalled_bytes, o), h->window,
			h->listen_overflow_rate > 0 ? "; accept queues overflowing" : "");
	fprintf(out, "processes: %u scanned, %u with data queued, %u flagged",
		h->procs.scanned, h->procs_queued, h->procs_flagged);
	if (h->procs.denied)
		fprintf(out, "; %u not inspectable (permission denied: reading another user's or a more privileged process's fds needs root with CAP_SYS_PTRACE)",
			h->procs.denied);
	if (h->procs.failed)
		fprintf(out, "; %u not inspected (skcheck's own failure: %s)",
			h->procs.failed, strerror(h->procs.failed_errno));
	if (h->procs.vanished)
		fprintf(out, "; %u exited during the scan", h->procs.vanished);
	fputc('\n', out);
	if (h->nets.n > 1 || (h->nets.n == 1 && h->nets.v[0].ino != h->netns)) {
		print_ns_counts(out, h);
		for (i = 0; i < h->nets.n; i++) {
			const struct skc_netns *ns = &h->nets.v[i];

			/* idle ones are counted, not listed (--summary=full,
			 * JSON: all of them) */
			if (ns_idle(ns) && !o->summary_full)
				continue;
			char *name = ns->name ? escape_bytes(ns->name, strlen(ns->name)) : NULL;

			fprintf(out, "  netns %llu%s%s%s: ", (unsigned long long)ns->ino,
				name ? " (" : "", name ? name : "", name ? ")" : "");
			free(name);
			if (netns_scanned(ns))
				fprintf(out, "%llu sockets, recv %s, memory %s%s",
					(unsigned long long)ns->fig.sockets,
					sz(a, sizeof(a), ns->fig.recv_q, o),
					sz(b, sizeof(b), ns->fig.mem, o),
					ns->ino == h->netns ? " (current)" : "");
			if (netns_scanned(ns) && ns->via_socket)
				fprintf(out, " (no process in it: found through pid %d fd %d)\n",
					(int)ns->via_pid, ns->via_fd);
			else if (netns_scanned(ns))
				fputc('\n', out);
			else
				print_escaped(out, "not scanned: ", ns->error ? ns->error : "unknown");
		}
	}
	if (h->partial)
		render_partial(out, h, o);
	for (i = 0; i < h->nwarnings; i++)
		print_escaped(out, "warning: ", h->warnings[i]);
	fputc('\n', out);
}
