/* The diagnosis (diagnose.c) as one sentence, for the line above the
 * table and the screen's header, and as JSON summary.diagnosis.  The
 * wording is skcheck(8)'s DIAGNOSIS section. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "escape.h"
#include "format.h"
#include "jsonx.h"
#include "render.h"
#include "util.h"

/* Findings the sentence names before "and N more" (JSON has them all). */
#define DIAG_SHOWN 3

/* ">=8m30s": the age rounded down, so the claim holds. */
static void age_text(char *buf, size_t len, double age)
{
	buf[0] = '>';
	buf[1] = '=';
	format_duration(buf + 2, len - 2, floor(age));
}

static size_t ns_not_scanned(const struct skc_host *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->nets.n; i++)
		n += !netns_sockets_known(&h->nets.v[i]);
	return n;
}

/* The partial finding in words: what could not be seen. */
static void partial_text(FILE *m, const struct skc_host *h, const struct skc_render_opts *o)
{
	const char *sep = "";
	char a[32];

	fputs("the view is partial (", m);
	if (h->partial_why & (SKC_PARTIAL_NETNS | SKC_PARTIAL_DUMP)) {
		fprintf(m, "%zu network namespaces not fully scanned", ns_not_scanned(h));
		sep = "; ";
	}
	if (h->partial_why & SKC_PARTIAL_UNATTRIBUTED) {
		format_size(a, sizeof(a), h->unattributed, o->bytes);
		fprintf(m, "%s%u processes not inspected, %s queued on sockets no visible process holds",
			sep, h->uninspected, a);
	}
	fputc(')', m);
}

/* "nginx[22808] " or "(no process) " or "" for host findings. */
static void who_text(FILE *m, const struct skc_finding *f)
{
	char *e;

	if (f->kind == FIND_MEMORY_SUSPECT || f->kind == FIND_PARTIAL)
		return;
	e = escape_bytes(f->comm, strlen(f->comm));
	if (f->pid)
		fprintf(m, "%s[%d] ", e, (int)f->pid);
	else
		fprintf(m, "%s ", e);
	free(e);
}

/* " on 127.0.0.1:80", " on /run/x.sock"; an unnamed socket (UNIX
 * socketpairs: "*") by its fd instead */
static void where_text(FILE *m, const struct skc_finding *f)
{
	char buf[FMT_ADDR_MAX];
	char *e;

	if (!f->where.family)
		return;
	format_where(buf, sizeof(buf), &f->where);
	if (strcmp(buf, "*") == 0 && f->fd >= 0) {
		fprintf(m, " on fd %d (%s)", f->fd, proto_name(f->proto));
		return;
	}
	e = escape_bytes(buf, strlen(buf));
	fprintf(m, " on %s", e);
	free(e);
}

static void finding_text(FILE *m, const struct skc_finding *f, const struct skc_render_opts *o)
{
	char a[32], b[32], t[40];

	who_text(m, f);
	format_size(a, sizeof(a), f->bytes, o->bytes);
	t[0] = '\0';
	if (f->age >= 0) {
		strcpy(t, " for ");
		age_text(t + 5, sizeof(t) - 5, f->age);
	}
	switch (f->kind) {
	case FIND_STALLED:
	case FIND_RESIDUE:
		if (f->nsocks > 1) {
			/* the sum, then the largest with its address */
			format_size(b, sizeof(b), f->total, o->bytes);
			fprintf(m, "%s unread in %u sockets, largest %s", b, f->nsocks, a);
		} else {
			fprintf(m, "%s unread", a);
		}
		where_text(m, f);
		fprintf(m, "%s (%s%s%s)", t, finding_name(f->kind),
			f->why ? ", " : "", f->why ? f->why : "");
		break;
	case FIND_ACCEPT_STALLED:
		fprintf(m, "accept queue %llu/%llu not accepted",
			(unsigned long long)f->count, (unsigned long long)f->limit);
		where_text(m, f);
		fprintf(m, "%s (accept-stalled)", t);
		break;
	case FIND_ACCEPT_FULL:
		fprintf(m, "accept queue full %llu/%llu",
			(unsigned long long)f->count, (unsigned long long)f->limit);
		where_text(m, f);
		break;
	case FIND_TX_STALLED:
		if (f->nsocks > 1) {
			format_size(b, sizeof(b), f->total, o->bytes);
			fprintf(m, "%s unsent in %u sockets, largest %s", b, f->nsocks, a);
		} else {
			fprintf(m, "%s unsent", a);
		}
		where_text(m, f);
		fprintf(m, "%s (tx-stalled: the peer does not read)", t);
		break;
	case FIND_CONNECT_STALLED:
		fputs("connect", m);
		if (f->peer.family) {
			char buf[FMT_ADDR_MAX];

			format_where(buf, sizeof(buf), &f->peer);
			fprintf(m, " to %s", buf);
		}
		fprintf(m, " stuck in SYN-SENT%s", t);
		break;
	case FIND_MEMORY_SUSPECT:
		format_size(b, sizeof(b), f->mem, o->bytes);
		fprintf(m, "host: %s of memory no counter accounts for, socket queues pin %s (memory-suspect)",
			a, b);
		break;
	case FIND_PINS_PAGES:
		format_size(b, sizeof(b), f->mem, o->bytes);
		fprintf(m, "queues pin %s of pages for %s of buffers", a, b);
		where_text(m, f);
		fputs(" (pins-pages)", m);
		break;
	case FIND_RCVBUF_FULL:
		format_size(b, sizeof(b), f->limit, o->bytes);
		fprintf(m, "receive buffer full (%s unread, rcvbuf %s)", a, b);
		where_text(m, f);
		break;
	case FIND_DROPS:
		fprintf(m, "%llu drops", (unsigned long long)f->count);
		where_text(m, f);
		break;
	case FIND_LEAKED:
		fprintf(m, "%llu leaked %s%sfds", (unsigned long long)f->count,
			f->what, f->what[0] ? " " : "");
		break;
	case FIND_CLOSE_WAIT:
		fprintf(m, "%llu sockets in CLOSE-WAIT", (unsigned long long)f->count);
		if (f->age >= 0) {
			age_text(t, sizeof(t), f->age);
			fprintf(m, " (oldest %s)", t);
		}
		break;
	case FIND_MANY_SOCKETS:
		fprintf(m, "%llu socket fds", (unsigned long long)f->count);
		break;
	case FIND_PARTIAL:
	case FIND_KINDS:
		break;
	}
	if (f->nsocks > 1 && f->kind != FIND_STALLED && f->kind != FIND_RESIDUE &&
	    f->kind != FIND_TX_STALLED)
		fprintf(m, " (+%u more socket%s)", f->nsocks - 1, f->nsocks > 2 ? "s" : "");
}

char *render_diagnosis_text(const struct skc_host *h, const struct skc_render_opts *o)
{
	const struct skc_finding *partial = NULL;
	char *buf = NULL;
	size_t len = 0, i, shown = 0, n = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		oom();
	for (i = 0; i < h->nfindings; i++) {
		const struct skc_finding *f = &h->findings[i];

		if (f->kind == FIND_PARTIAL) {
			partial = f;
			continue;
		}
		n++;
		if (shown == DIAG_SHOWN)
			continue;
		if (shown++)
			fputs("; ", m);
		finding_text(m, f, o);
	}
	if (n > shown)
		fprintf(m, "; and %zu more findings", n - shown);
	if (!n) {
		fputs(partial ? "nothing flagged, but " : "nothing wrong: no socket flagged", m);
		if (!partial && !h->tracked)
			fputs(" (stalls not judged: one sample; --settle or --watch judges them)", m);
	}
	if (partial) {
		if (n)
			fputs("; ", m);
		partial_text(m, h, o);
	}
	if (fclose(m))
		oom();
	return buf;
}

int render_diagnosis_severity(const struct skc_host *h)
{
	int sev = 0;
	size_t i;

	for (i = 0; i < h->nfindings; i++) {
		if (h->findings[i].kind != FIND_PARTIAL)
			return 2;
		sev = 1;
	}
	return sev;
}

void render_diagnosis(FILE *out, const struct skc_host *h, const struct skc_render_opts *o)
{
	/* green: nothing wrong; yellow: only a partial view; bold red */
	static const char *const sgr[] = { "\033[32m", "\033[33m", "\033[1;31m" };
	char *t;

	if (!h->diagnosed)
		return;
	t = render_diagnosis_text(h, o);
	if (o->use_color && !o->raw) {
		fprintf(out, "%s%s\033[0m\n", sgr[render_diagnosis_severity(h)], t);
	} else {
		fprintf(out, "%s\n", t);
	}
	free(t);
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	jset(o, k, jx(json_object_new_uint64(v)));
}

static json_object *age_json(double age)
{
	return age >= 0 ? jx(json_object_new_double(age)) : NULL;
}

static json_object *where_json(const struct skc_where *w)
{
	char buf[FMT_ADDR_MAX];
	char *e;
	json_object *j;

	if (!w->family)
		return NULL;
	format_where(buf, sizeof(buf), w);
	e = escape_json(buf, strlen(buf));
	j = jx(json_object_new_string(e));
	free(e);
	return j;
}

/* The figures of a finding: the keys its kind has (skcheck(8)). */
static json_object *figures_json(const struct skc_host *h, const struct skc_finding *f)
{
	json_object *o = jx(json_object_new_object());
	unsigned i;

	switch (f->kind) {
	case FIND_STALLED:
	case FIND_RESIDUE:
		add_u64(o, "unread_bytes", f->bytes);
		jset(o, "age", age_json(f->age));
		break;
	case FIND_ACCEPT_STALLED:
	case FIND_ACCEPT_FULL:
		add_u64(o, "accept_q", f->count);
		add_u64(o, "accept_max", f->limit);
		add_u64(o, "pending_bytes", f->bytes);
		jset(o, "age", age_json(f->age));
		break;
	case FIND_TX_STALLED:
		add_u64(o, "unsent_bytes", f->bytes);
		jset(o, "age", age_json(f->age));
		break;
	case FIND_CONNECT_STALLED:
		jset(o, "peer", where_json(&f->peer));
		jset(o, "age", age_json(f->age));
		break;
	case FIND_MEMORY_SUSPECT:
		add_u64(o, "unaccounted_bytes", f->bytes);
		add_u64(o, "pinned_bytes", f->mem);
		break;
	case FIND_PINS_PAGES:
		add_u64(o, "pinned_bytes", f->bytes);
		add_u64(o, "mem", f->mem);
		break;
	case FIND_RCVBUF_FULL:
		add_u64(o, "unread_bytes", f->bytes);
		add_u64(o, "rcvbuf", f->limit);
		add_u64(o, "mem", f->mem);
		break;
	case FIND_DROPS:
		add_u64(o, "drops", f->count);
		break;
	case FIND_LEAKED:
		add_u64(o, "fds", f->count);
		jset(o, "fd_proto", jx(json_object_new_string(f->what)));
		break;
	case FIND_CLOSE_WAIT:
		add_u64(o, "sockets", f->count);
		jset(o, "age", age_json(f->age));
		break;
	case FIND_MANY_SOCKETS:
		add_u64(o, "fds", f->count);
		break;
	case FIND_PARTIAL: {
		json_object *r = jx(json_object_new_array());

		for (i = 0; i < SKC_NPARTIAL; i++)
			if (h->partial_why & (1u << i))
				jpush(r, jx(json_object_new_string(partial_name(i))));
		jset(o, "reasons", r);
		add_u64(o, "netns_not_scanned", ns_not_scanned(h));
		add_u64(o, "processes_not_inspected", f->count);
		add_u64(o, "unattributed_bytes", f->bytes);
		break;
	}
	case FIND_KINDS:
		break;
	}
	return o;
}

static json_object *socket_json(const struct skc_finding *f)
{
	json_object *o;

	if (!f->inode && !f->where.family)
		return NULL;
	o = jx(json_object_new_object());
	add_u64(o, "inode", f->inode);
	jset(o, "fd", f->fd >= 0 ? jx(json_object_new_int(f->fd)) : NULL);
	jset(o, "proto", jx(json_object_new_string(proto_name(f->proto))));
	jset(o, "local", where_json(&f->where));
	add_u64(o, "sockets", f->nsocks);
	add_u64(o, "total", f->total);
	return o;
}

json_object *render_diagnosis_json(const struct skc_host *h)
{
	/* sizes in the text as on a terminal; the figures are exact */
	const struct skc_render_opts *o = &(const struct skc_render_opts){ 0 };
	json_object *a;
	size_t i;

	if (!h->diagnosed)
		return NULL;
	a = jx(json_object_new_array());
	for (i = 0; i < h->nfindings; i++) {
		const struct skc_finding *f = &h->findings[i];
		json_object *j = jx(json_object_new_object());
		bool proc = f->kind != FIND_MEMORY_SUSPECT && f->kind != FIND_PARTIAL;
		char *buf = NULL, *e;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (!m)
			oom();
		jset(j, "kind", jx(json_object_new_string(finding_name(f->kind))));
		jset(j, "pid", proc && f->pid ? jx(json_object_new_int(f->pid)) : NULL);
		e = escape_json(f->comm, strlen(f->comm));
		jset(j, "comm", proc ? jx(json_object_new_string(e)) : NULL);
		free(e);
		jset(j, "socket", socket_json(f));
		jset(j, "figures", figures_json(h, f));
		jset(j, "why", f->why ? jx(json_object_new_string(f->why)) : NULL);
		if (f->kind == FIND_PARTIAL)
			partial_text(m, h, o);
		else
			finding_text(m, f, o);
		if (fclose(m))
			oom();
		e = escape_json(buf, len);
		jset(j, "text", jx(json_object_new_string(e)));
		free(e);
		free(buf);
		jpush(a, j);
	}
	return a;
}
