/* The watch loop: one full sample per interval, a tracker carried from
 * sample to sample.  A sample slower than the interval is reported and
 * the next one starts at once: samples never queue up. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evgate.h"
#include "format.h"
#include "proccache.h"
#include "render.h"
#include "sample.h"
#include "screen.h"
#include "stop.h"
#include "track.h"
#include "util.h"
#include "watch.h"

#define RECENT_EVENTS 8
/* --prometheus=FILE: consecutive samples whose file could not be written
 * before --watch gives up (a full disk may clear; a missing directory or
 * a read-only mount does not, and a stale file must not pass for fresh) */
#define PROM_ATTEMPTS 5

enum watch_mode { MODE_SCREEN, MODE_LINES, MODE_NDJSON, MODE_PROM };

struct watch_state {
	const struct skc_opts *o;	/* &view: the keys change it */
	struct skc_opts view;
	enum watch_mode mode;
	unsigned partial_why;	/* of the last sample, for report_partial */
	unsigned prom_fails;	/* consecutive failed --prometheus=FILE writes */
	struct screen *scr;	/* MODE_SCREEN */
	char note[600];		/* last non-fatal error, shown on screen */
	struct skc_event recent[RECENT_EVENTS];
	size_t nrecent;
};

#define HELP_HELP "show or hide this help"

enum key_action { ACT_QUIT, ACT_HELP, ACT_SORT, ACT_SOCKETS, ACT_SUMMARY };

/* The screen mode's keys (scrolling is screen.c's).  A new sort key is
 * one more line here and one more name in options.c. */
static const struct watch_key {
	int key;
	enum key_action act;
	enum skc_sort sort;	/* ACT_SORT */
	const char *help;
} watch_keys[] = {
	{ 'q', ACT_QUIT, 0, "quit" },
	{ 'h', ACT_HELP, 0, HELP_HELP },
	{ '?', ACT_HELP, 0, HELP_HELP },
	{ 'r', ACT_SORT, SORT_RECV_Q, "sort by unread bytes (recv_q)" },
	{ 't', ACT_SORT, SORT_SEND_Q, "sort by unsent bytes (send_q)" },
	{ 'm', ACT_SORT, SORT_MEM, "sort by socket memory (mem)" },
	{ 'p', ACT_SORT, SORT_PINNED, "sort by pinned pages (pinned)" },
	{ 'd', ACT_SORT, SORT_DROPS, "sort by drops" },
	{ 'n', ACT_SORT, SORT_SOCKETS, "sort by number of sockets (sockets)" },
	{ 'c', ACT_SORT, SORT_CLOSE_WAIT, "sort by sockets in CLOSE-WAIT (close-wait)" },
	{ 'l', ACT_SORT, SORT_LEAKED, "sort by leaked sockets (leaked)" },
	{ 's', ACT_SOCKETS, 0, "show or hide each process's sockets (-s)" },
	{ 'S', ACT_SUMMARY, 0, "show or hide the summary" },
};

static void remember_events(struct watch_state *w, const struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nevents; i++) {
		if (h->events[i].quiet)
			continue;
		if (w->nrecent == RECENT_EVENTS) {
			memmove(w->recent, w->recent + 1,
				(RECENT_EVENTS - 1) * sizeof(w->recent[0]));
			w->nrecent--;
		}
		w->recent[w->nrecent++] = h->events[i];
	}
}

static void print_header(FILE *out, const struct skc_host *h,
			 const struct skc_opts *o)
{
	char t[32];

	format_time(t, sizeof(t), h->time);
	fprintf(out, "skcheck %s  sample %lu  every %.3gs  took %.3fs%s\n", t,
		h->tick, o->interval, h->duration,
		h->duration > o->interval ? "  (slower than the interval)" : "");
}

static void help_text(FILE *out)
{
	size_t i;

	fputs("Keys:\n", out);
	for (i = 0; i < ARRAY_SIZE(watch_keys); i++) {
		const struct watch_key *k = &watch_keys[i];

		if (i + 1 < ARRAY_SIZE(watch_keys) && k[1].act == k->act &&
		    k[1].help == k->help) {	/* same key, two names */
			fprintf(out, "  %c, %c   %s\n", k->key, k[1].key, k->help);
			i++;
		} else {
			fprintf(out, "  %c      %s\n", k->key, k->help);
		}
	}
	fputs("  Up/Down, PgUp/PgDn, Home/End  scroll the rows\n"
	      "  Left/Right                    scroll the columns\n", out);
}

static size_t count_newlines(const char *p, size_t len)
{
	size_t n = 0;

	while (len--)
		n += *p++ == '\n';
	return n;
}

/* The screen shows the same text as the line mode, rendered into
 * memory: header, key line and summary (and the column titles) stay on
 * top, the rows and recent events scroll. */
static int render_screen(struct watch_state *w, const struct skc_host *h)
{
	const struct skc_opts *o = w->o;
	char *buf = NULL;
	struct screen_layout l = { 0 };
	size_t len = 0, before;
	FILE *m = open_memstream(&buf, &len);
	int ret;

	if (!m)
		return -errno;
	w->view.render.term_width = screen_width(w->scr);
	print_header(m, h, o);
	fprintf(m, "sort: %s  view: %s%s%s  (h: help, q: quit)\n",
		options_sort_name(o->select.sort),
		o->render.sockets ? "sockets" : "processes",
		w->note[0] ? "  " : "", w->note);
	fflush(m);
	if (h->diagnosed) {
		static const enum screen_mark kind[] = {
			SCREEN_MARK_OK, SCREEN_MARK_WARN, SCREEN_MARK_BAD
		};

		l.mark = count_newlines(buf, len) + 1;
		l.mark_kind = kind[render_diagnosis_severity(h)];
	}
	render_diagnosis(m, h, &o->render);
	fflush(m);
	l.nhead = count_newlines(buf, len);
	if (!o->render.no_summary)
		render_summary(m, h, &o->render);
	fflush(m);
	l.nshrink = count_newlines(buf, len) - l.nhead;
	before = len;
	ret = render_table(m, h, &o->render);
	fflush(m);
	if (!o->render.noheadings && len > before)
		l.nsticky = 1;	/* the column titles */
	if (w->nrecent) {
		fputs("\nrecent events:\n", m);
		render_event_lines(m, w->recent, w->nrecent);
	}
	if (fclose(m) == 0 && !ret)
		screen_show(w->scr, buf, &l);
	free(buf);
	return ret;
}

static int render_lines(const struct skc_opts *o, const struct skc_host *h)
{
	int ret;

	fputs("=== ", stdout);
	print_header(stdout, h, o);
	render_event_lines(stdout, h->events, h->nevents);
	if (!o->render.no_summary) {
		render_diagnosis(stdout, h, &o->render);
		render_summary(stdout, h, &o->render);
	}
	ret = render_table(stdout, h, &o->render);
	fputc('\n', stdout);
	return ret;
}

static int render_tick(struct watch_state *w, const struct skc_host *h)
{
	int ret;

	switch (w->mode) {
	case MODE_NDJSON:
		return render_json_doc(stdout, h, true);
	case MODE_PROM:
		/* the file is for node_exporter; events go to stdout (journal) */
		render_event_lines(stdout, h->events, h->nevents);
		ret = render_prometheus_file(w->o->prom_file, h);
		if (ret >= 0) {
			w->prom_fails = 0;
			return 0;
		}
		fprintf(stderr, "skcheck: cannot write %s (attempt %u of %u): %s\n",
			w->o->prom_file, ++w->prom_fails, PROM_ATTEMPTS, strerror(-ret));
		/* retried next sample, up to PROM_ATTEMPTS in a row */
		return w->prom_fails < PROM_ATTEMPTS ? 0 : ret;
	case MODE_SCREEN:
		remember_events(w, h);
		return render_screen(w, h);
	case MODE_LINES:
		break;
	}
	return render_lines(w->o, h);
}

/* Where no summary is shown, say on standard error when the view
 * becomes partial (and why) or complete again: once per change, not
 * once per sample. */
static void report_partial(struct watch_state *w, const struct skc_host *h)
{
	bool summary = !w->o->render.no_summary && !w->o->render.raw &&
		       (w->mode == MODE_SCREEN || w->mode == MODE_LINES);

	if (summary || h->partial_why == w->partial_why)
		return;
	w->partial_why = h->partial_why;
	fputs("skcheck: ", stderr);
	if (h->partial)
		render_partial(stderr, h, &w->o->render);
	else
		fputs("the view is complete again\n", stderr);
}

/* A key of the screen mode: 1 to quit, 0 to sample again at once (the
 * view changed), -1 to go on waiting. */
static int on_key(struct watch_state *w, int key)
{
	const struct watch_key *k = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(watch_keys) && !k; i++)
		if (watch_keys[i].key == key)
			k = &watch_keys[i];
	if (!k)
		return -1;
	switch (k->act) {
	case ACT_QUIT:
		return 1;
	case ACT_HELP:
		screen_toggle_help(w->scr);
		return -1;
	case ACT_SORT:
		w->view.select.sort = k->sort;
		break;
	case ACT_SOCKETS:
		w->view.render.sockets = !w->view.render.sockets;
		break;
	case ACT_SUMMARY:
		w->view.render.no_summary = !w->view.render.no_summary;
		break;
	}
	return 0;
}

/* Wait for the next sample; on the screen, read keys meanwhile (a key
 * wakes the wait at once).  Returns true to quit. */
static bool wait_until(struct watch_state *w, double deadline)
{
	double left;
	int key, act;

	/* on the screen, keys typed during a sample slower than the
	 * interval are still read: at least one look at the keyboard */
	while (!stop_requested()) {
		left = deadline - clock_mono();
		if (!w->scr) {
			struct timespec ts = { (time_t)left,
					       (long)((left - (double)(time_t)left) * 1e9) };

			if (left <= 0)
				break;
			nanosleep(&ts, NULL);
			continue;
		}
		key = screen_wait_key(w->scr, left > 0 ? left : 0);
		if (key == SCREEN_NOKEY) {
			if (left <= 0)
				break;
			continue;
		}
		if (key == SCREEN_HANDLED)
			continue;	/* and read what else was typed */
		act = on_key(w, key);
		if (act >= 0)
			return act == 1;
	}
	return false;
}

/* The screen mode, or the line mode if the terminal cannot be used. */
static void open_screen(struct watch_state *w)
{
	char *help = NULL;
	size_t len = 0;
	FILE *m;
	int ret = screen_open(&w->scr);

	if (ret < 0) {
		fprintf(stderr, "skcheck: cannot use the terminal (%s), printing lines\n",
			ret == -EINVAL ? "unknown TERM" : strerror(-ret));
		w->mode = MODE_LINES;
		return;
	}
	m = open_memstream(&help, &len);
	if (m) {
		help_text(m);
		if (fclose(m) == 0)
			screen_set_help(w->scr, help);
	}
	free(help);
}

static enum watch_mode pick_mode(const struct skc_opts *o)
{
	if (o->prometheus)
		return MODE_PROM;
	if (o->json)
		return MODE_NDJSON;
	return isatty(STDOUT_FILENO) ? MODE_SCREEN : MODE_LINES;
}

int watch_run(const struct skc_opts *o)
{
	struct watch_state w = { .view = *o, .mode = pick_mode(o) };
	struct tracker *tr = track_new(o->judge.window);
	struct evgate *gate = evgate_new(o->stall_event_min);
	struct proccache *cache = proccache_new();
	int status = SKC_EXIT_OK;
	unsigned long tick;
	struct skc_err err = { 0, "" };
	bool screen_color = false;

	/* the screen draws text through ncurses: no escape sequences in
	 * it; ncurses colours the diagnosis line instead */
	if (w.mode == MODE_SCREEN) {
		screen_color = w.view.render.use_color;
		w.view.render.use_color = false;
	}
	w.o = &w.view;
	o = w.o;
	stop_install();		/* first: ncurses then leaves SIGINT/SIGTERM to us */
	if (w.mode == MODE_SCREEN)
		open_screen(&w);
	if (w.scr && screen_color)
		screen_enable_color(w.scr);
	for (tick = 1; !stop_requested(); tick++) {
		double start = clock_mono();
		struct skc_host h;
		int ret = sample_take(&h, o, tr, cache, false, &err);

		if (ret == -ECANCELED) {
			host_free(&h);
			break;		/* SIGINT/SIGTERM: end with the last status */
		}
		if (ret < 0) {
			host_free(&h);
			if (tick == 1 || ret == -ENOTRECOVERABLE) {
				screen_close(w.scr);	/* the message must stay readable */
				w.scr = NULL;
				fprintf(stderr, "skcheck: %s\n", err.msg);
				status = SKC_EXIT_FAILURE;
				break;
			}
			if (w.scr)
				snprintf(w.note, sizeof(w.note), "last error: %s", err.msg);
			else
				fprintf(stderr, "skcheck: %s\n", err.msg);
		} else {
			h.tick = tick;
			evgate_apply(gate, &h);
			report_partial(&w, &h);
			ret = render_tick(&w, &h);
			status = sample_status(&h, o);
			if (!h.owners_bpf)	/* a BPF join keeps nothing */
				proccache_keep(cache, &h);
			host_free(&h);
			if (fflush(stdout) == EOF || ferror(stdout)) {
				/* reader went away (| head): end quietly */
				if (errno != EPIPE) {
					fprintf(stderr, "skcheck: write error: %s\n", strerror(errno));
					status = SKC_EXIT_FAILURE;
				}
				break;
			}
			if (ret < 0) {
				screen_close(w.scr);
				w.scr = NULL;
				if (w.mode == MODE_PROM)
					fprintf(stderr, "skcheck: giving up on %s after %u failed writes in a row\n",
						o->prom_file, w.prom_fails);
				else
					fprintf(stderr, "skcheck: cannot render: %s\n", strerror(-ret));
				status = SKC_EXIT_FAILURE;
				break;
			}
		}
		if (o->count && tick >= o->count)
			break;
		if (wait_until(&w, start + o->interval))
			break;		/* q */
	}
	/* the last sample's file was not written: what is there is stale */
	if (w.prom_fails)
		status = SKC_EXIT_FAILURE;
	screen_close(w.scr);
	track_free(tr);
	evgate_free(gate);
	proccache_free(cache);
	return status;
}
