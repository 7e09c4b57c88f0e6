/* The verdicts of why.c as text and JSON, shared by the table, JSON and
 * event renderers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <json-c/json.h>

#include "escape.h"
#include "jsonx.h"
#include "render.h"
#include "util.h"
#include "why.h"

void why_format_kinds(char *buf, size_t len, unsigned kinds)
{
	size_t off = 0;
	unsigned k;

	buf[0] = '\0';
	/* "; " between kinds: one of them holds a comma */
	for (k = WHY_NONE + 1; k < WHY_KINDS && off < len; k++)
		if (kinds & (1u << k))
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? "; " : "", why_kind_name(k));
}

void why_format_syscall(char *buf, size_t len, const struct why_thread *t)
{
	switch (t->sys) {
	case THR_SYS_OK:
		if (t->syscall)
			snprintf(buf, len, "%s", t->syscall);
		else
			snprintf(buf, len, "syscall %ld", t->nr);
		break;
	case THR_SYS_RUNNING: snprintf(buf, len, "running"); break;
	case THR_SYS_NONE: snprintf(buf, len, "no syscall"); break;
	case THR_SYS_DENIED: snprintf(buf, len, "unknown (no ptrace access)"); break;
	case THR_SYS_ERROR: snprintf(buf, len, "unknown"); break;
	}
}

/* "kind: detail; threads: ...; epoll: ..." -- caller frees. */
char *why_format_full(const struct skc_why *w)
{
	char buf[1024], sys[64];
	size_t off = 0;
	unsigned i;

#define PUT(...) do { if (off < sizeof(buf)) \
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, __VA_ARGS__); } while (0)
	PUT("%s: %s", why_kind_name(w->kind), w->detail);
	for (i = 0; i < w->nthreads; i++) {
		const struct why_thread *t = &w->threads[i];

		why_format_syscall(sys, sizeof(sys), t);
		PUT("%s%d %c %s", i ? ", " : "; threads: ", (int)t->tid, t->state, sys);
		if (t->fd >= 0)
			PUT(" fd %d", t->fd);
		if (t->wchan[0])
			PUT(" wchan %s", t->wchan);
	}
	for (i = 0; i < w->nepolls; i++) {
		const struct why_epoll *e = &w->epolls[i];

		PUT("%sfd %d of pid %d events 0x%x, %u waiting", i ? ", " : "; epoll: ",
		    e->fd, (int)e->pid, e->events, e->waiters);
	}
#undef PUT
	return escape_bytes(buf, strnlen(buf, sizeof(buf)));
}

static void add_uint(json_object *o, const char *k, uint64_t v)
{
	jset(o, k, jx(json_object_new_uint64(v)));
}

static json_object *counts_json(const struct why_counts *n)
{
	json_object *o = jx(json_object_new_object());

	add_uint(o, "total", n->total);
	add_uint(o, "running", n->running);
	add_uint(o, "sleeping", n->sleeping);
	add_uint(o, "disk", n->disk);
	add_uint(o, "stopped", n->stopped);
	add_uint(o, "traced", n->traced);
	add_uint(o, "zombie", n->zombie);
	add_uint(o, "other", n->other);
	add_uint(o, "futex", n->futex);
	add_uint(o, "no_ptrace_access", n->denied);
	return o;
}

static json_object *thread_json(const struct why_thread *t)
{
	json_object *o = jx(json_object_new_object());
	char buf[64];

	jset(o, "pid", jx(json_object_new_int(t->pid)));
	jset(o, "tid", jx(json_object_new_int(t->tid)));
	snprintf(buf, sizeof(buf), "%c", t->state);
	jset(o, "state", jx(json_object_new_string(buf)));
	why_format_syscall(buf, sizeof(buf), t);
	jset(o, "syscall", jx(json_object_new_string(buf)));
	jset(o, "nr", t->sys == THR_SYS_OK ?
	     jx(json_object_new_int64(t->nr)) : NULL);
	jset(o, "fd", t->fd >= 0 ? jx(json_object_new_int(t->fd)) : NULL);
	jset(o, "wchan", t->wchan[0] ?
	     jx(json_object_new_string(t->wchan)) : NULL);
	return o;
}

static json_object *epoll_json(const struct why_epoll *e)
{
	json_object *o = jx(json_object_new_object());

	jset(o, "pid", jx(json_object_new_int(e->pid)));
	jset(o, "fd", jx(json_object_new_int(e->fd)));
	add_uint(o, "events", e->events);
	jset(o, "epollin", jx(json_object_new_boolean(e->events & EPOLLIN)));
	jset(o, "epollout", jx(json_object_new_boolean(e->events & EPOLLOUT)));
	add_uint(o, "waiters", e->waiters);
	return o;
}

json_object *why_json(const struct skc_why *w)
{
	json_object *o = jx(json_object_new_object());
	json_object *ts = jx(json_object_new_array());
	json_object *es = jx(json_object_new_array());
	char *d = escape_json(w->detail, strlen(w->detail));
	unsigned i;

	jset(o, "kind", jx(json_object_new_string(why_kind_name(w->kind))));
	jset(o, "detail", jx(json_object_new_string(d)));
	free(d);
	jset(o, "counts", counts_json(&w->n));
	for (i = 0; i < w->nthreads; i++)
		jpush(ts, thread_json(&w->threads[i]));
	jset(o, "threads", ts);
	for (i = 0; i < w->nepolls; i++)
		jpush(es, epoll_json(&w->epolls[i]));
	jset(o, "epoll", es);
	return o;
}

json_object *why_kinds_json(unsigned kinds)
{
	json_object *a = jx(json_object_new_array());
	unsigned k;

	for (k = WHY_NONE + 1; k < WHY_KINDS; k++)
		if (kinds & (1u << k))
			jpush(a, jx(json_object_new_string(why_kind_name(k))));
	return a;
}
