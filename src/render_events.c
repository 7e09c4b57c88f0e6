/* Event lines, shared by the text and watch renderers: logfmt, one
 * event per line, or one line for many events of one process and kind
 * in one sample. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "format.h"
#include "render.h"
#include "util.h"

/* More events than this of one process and kind in one sample share a
 * line (skcheck(8) WATCH MODE). */
#define EVENTS_GROUP 3

/* key=value, logfmt style: untrusted bytes escaped (\xNN), and the
 * value quoted, with \" inside, when it is empty or holds a space, a
 * quote or '=' (so comm="my app" parses). */
static void put_kv_q(FILE *out, const char *key, const char *raw, bool quote)
{
	char *e = escape_bytes(raw, strlen(raw)), *p;

	if (!quote && *e && !strpbrk(e, " \"=")) {
		fprintf(out, " %s=%s", key, e);
	} else {
		fprintf(out, " %s=\"", key);
		for (p = e; *p; p++) {
			if (*p == '"')
				fputc('\\', out);
			fputc(*p, out);
		}
		fputc('"', out);
	}
	free(e);
}

static void put_kv(FILE *out, const char *key, const char *raw)
{
	put_kv_q(out, key, raw, false);
}

static void put_where(FILE *out, const char *key, const struct skc_where *w)
{
	char buf[FMT_ADDR_MAX];

	format_where(buf, sizeof(buf), w);
	put_kv(out, key, buf);
}

void render_event_line(FILE *out, const struct skc_event *ev)
{
	char t[32];

	format_time(t, sizeof(t), ev->time);
	fprintf(out, "%s %s", t, event_name(ev->kind));
	if (ev->pid) {
		fprintf(out, " pid=%d", (int)ev->pid);
		put_kv(out, "comm", ev->comm);
		fprintf(out, " fd=%d", ev->fd);
	}
	if (ev->inode || ev->where.family)
		fprintf(out, " %s inode=%llu", proto_name(ev->proto),
			(unsigned long long)ev->inode);
	if (ev->where.family)
		put_where(out, "local", &ev->where);
	switch (ev->kind) {
	case EV_DROPS:
		fprintf(out, " new_drops=%llu", (unsigned long long)ev->value);
		break;
	case EV_ACCEPT_OVERFLOW:
		if (ev->pid || ev->inode)
			fprintf(out, " accept_q=%llu", (unsigned long long)ev->value);
		else
			fprintf(out, " host listen_overflows=+%llu",
				(unsigned long long)ev->value);
		break;
	case EV_STALL_END:
	case EV_TX_STALL_END:
	case EV_ACCEPT_STALL_END:
	case EV_CONNECT_STALL_END:
		fprintf(out, " reason=%s after=%.1fs", end_reason_name(ev->reason),
			ev->duration);
		break;
	default:
		break;
	}
	if (ev->kind != EV_ACCEPT_OVERFLOW || ev->inode)
		fprintf(out, " recv_q=%llu send_q=%llu",
			(unsigned long long)ev->recv_q, (unsigned long long)ev->send_q);
	if (ev->why[0]) {
		/* always quoted: kinds and details hold spaces */
		fprintf(out, " why=\"%s\"", ev->why);
		put_kv_q(out, "why_detail", ev->why_detail, true);
	}
	fputc('\n', out);
}

static bool same_group(const struct skc_event *a, const struct skc_event *b)
{
	return a->pid && a->pid == b->pid && a->kind == b->kind && a->time == b->time &&
	       !a->quiet && !b->quiet;
}

/* One line for events v[idx[0..n)] of one process, kind and sample:
 * how many, their bytes summed, and the largest one's socket. */
static void render_group(FILE *out, const struct skc_event *v, const size_t *idx, size_t n)
{
	const struct skc_event *first = &v[idx[0]], *big = first;
	unsigned long long rq = 0, sq = 0;
	char t[32];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct skc_event *e = &v[idx[i]];

		rq += e->recv_q;
		sq += e->send_q;
		if (e->recv_q + e->send_q > big->recv_q + big->send_q)
			big = e;
	}
	format_time(t, sizeof(t), first->time);
	fprintf(out, "%s %s pid=%d", t, event_name(first->kind), (int)first->pid);
	put_kv(out, "comm", first->comm);
	fprintf(out, " grouped=%zu recv_q=%llu send_q=%llu largest_fd=%d largest_inode=%llu",
		n, rq, sq, big->fd, (unsigned long long)big->inode);
	if (big->where.family)
		put_where(out, "largest_local", &big->where);
	fputc('\n', out);
}

void render_event_lines(FILE *out, const struct skc_event *v, size_t n)
{
	bool *done = xcalloc(n ? n : 1, sizeof(*done));
	size_t *idx = xcalloc(n ? n : 1, sizeof(*idx));
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		if (done[i] || v[i].quiet)
			continue;
		/* the events of its group, in order: quadratic in the
		 * shown events of a sample, fine for thousands */
		k = 0;
		for (j = i; j < n; j++)
			if (!done[j] && (j == i || same_group(&v[i], &v[j])))
				idx[k++] = j;
		if (k > EVENTS_GROUP) {
			render_group(out, v, idx, k);
			for (j = 0; j < k; j++)
				done[idx[j]] = true;
		} else {
			render_event_line(out, &v[i]);
		}
		done[i] = true;
	}
	free(done);
	free(idx);
}
