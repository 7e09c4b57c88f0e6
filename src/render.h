/* Renderers: read the judged model, never collect. */
#ifndef SKC_RENDER_H
#define SKC_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "options.h"

/* Validate o->columns: 0, or -EINVAL with the first unknown name in
 * bad (len bytes; "" when the list names no column at all). */
int render_table_check_columns(const struct skc_render_opts *o, char *bad, size_t len);
/* --list-columns: name, type, where it is on by default, description;
 * raw with o->raw, JSON ({"columns": [...]}) with json.  0 or -errno. */
int render_list_columns(FILE *out, const struct skc_render_opts *o, bool json);
int render_table(FILE *out, const struct skc_host *h, const struct skc_render_opts *o);
void render_summary(FILE *out, const struct skc_host *h, const struct skc_render_opts *o);
/* render_memory.c: the memory lines of the summary (-M: the breakdown) */
void render_memory(FILE *out, const struct skc_host *h, const struct skc_render_opts *o);
/* render_memory.c: summary.memory of the JSON document (json-c) */
struct json_object;
struct json_object *render_memory_json(const struct skc_host *h);
/* "partial: ..." with what the sample could not see (h->partial_why). */
void render_partial(FILE *out, const struct skc_host *h, const struct skc_render_opts *o);
int render_json(FILE *out, const struct skc_host *h);

/* render_json.c; compact: one line (NDJSON in --watch) */
int render_json_doc(FILE *out, const struct skc_host *h, bool compact);

/* render_diag.c: the diagnosis (h->findings) as one sentence (malloc'ed,
 * no newline), as a line (nothing when the sample was not diagnosed),
 * and as JSON summary.diagnosis (null when not diagnosed) */
char *render_diagnosis_text(const struct skc_host *h, const struct skc_render_opts *o);
void render_diagnosis(FILE *out, const struct skc_host *h, const struct skc_render_opts *o);
/* 0 nothing wrong, 1 only a partial view, 2 findings (its colour) */
int render_diagnosis_severity(const struct skc_host *h);
struct json_object;
struct json_object *render_diagnosis_json(const struct skc_host *h);

/* render_events.c: one event as a logfmt line; the event lines of
 * v[0..n): quiet ones left out, more than 3 of one process and kind in
 * one sample as one "grouped=N" line */
void render_event_line(FILE *out, const struct skc_event *ev);
void render_event_lines(FILE *out, const struct skc_event *v, size_t n);

/* render_why.c: verdicts (why.c) as text and JSON */
struct skc_why;
struct why_thread;
struct json_object;
void why_format_kinds(char *buf, size_t len, unsigned kinds);
void why_format_syscall(char *buf, size_t len, const struct why_thread *t);
char *why_format_full(const struct skc_why *w);	/* caller frees */
struct json_object *why_json(const struct skc_why *w);
struct json_object *why_kinds_json(unsigned kinds);

/* render_prom.c: Prometheus text exposition. */
int render_prometheus(FILE *out, const struct skc_host *h);
/* Write it to path atomically (temporary file + rename). 0 or -errno. */
int render_prometheus_file(const char *path, const struct skc_host *h);

#endif
