/* The watch loop: one full sample per interval, a tracker carried from
 * sample to sample.  A sample slower than the interval is reported and
 * the next one starts at once: samples never queue up. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "proccache.h"
#include "render.h"
#include "sample.h"
#include "stop.h"
#include "track.h"
#include "util.h"
#include "watch.h"

#define RECENT_EVENTS 8

enum watch_mode { MODE_SCREEN, MODE_LINES, MODE_NDJSON, MODE_PROM };

struct watch_state {
	const struct skc_opts *o;
	enum watch_mode mode;
	unsigned partial_why;	/* of the last sample, for report_partial */
	struct skc_event recent[RECENT_EVENTS];
	size_t nrecent;
};

static void remember_events(struct watch_state *w, const struct skc_host *h)
{
	size_t i;

	for (i = 0; i < h->nevents; i++) {
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

static int render_screen(struct watch_state *w, const struct skc_host *h)
{
	size_t i;
	int ret;

	fputs("\033[H\033[2J", stdout);
	print_header(stdout, h, w->o);
	if (!w->o->render.no_summary)
		render_summary(stdout, h, &w->o->render);
	ret = render_table(stdout, h, &w->o->render);
	if (w->nrecent) {
		fputs("\nrecent events:\n", stdout);
		for (i = 0; i < w->nrecent; i++)
			render_event_line(stdout, &w->recent[i]);
	}
	return ret;
}

static int render_lines(const struct skc_opts *o, const struct skc_host *h)
{
	size_t i;
	int ret;

	fputs("=== ", stdout);
	print_header(stdout, h, o);
	for (i = 0; i < h->nevents; i++)
		render_event_line(stdout, &h->events[i]);
	if (!o->render.no_summary)
		render_summary(stdout, h, &o->render);
	ret = render_table(stdout, h, &o->render);
	fputc('\n', stdout);
	return ret;
}

static int render_tick(struct watch_state *w, const struct skc_host *h)
{
	size_t i;
	int ret;

	switch (w->mode) {
	case MODE_NDJSON:
		return render_json_doc(stdout, h, true);
	case MODE_PROM:
		/* the file is for node_exporter; events go to stdout (journal) */
		for (i = 0; i < h->nevents; i++)
			render_event_line(stdout, &h->events[i]);
		ret = render_prometheus_file(w->o->prom_file, h);
		if (ret < 0)
			fprintf(stderr, "skcheck: cannot write %s: %s\n",
				w->o->prom_file, strerror(-ret));
		return 0;	/* retried next sample */
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

static void sleep_until(double deadline)
{
	double left;

	while (!stop_requested() && (left = deadline - clock_mono()) > 0) {
		struct timespec ts = { (time_t)left,
				       (long)((left - (double)(time_t)left) * 1e9) };

		nanosleep(&ts, NULL);
	}
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
	struct watch_state w = { .o = o, .mode = pick_mode(o) };
	struct tracker *tr = track_new(o->judge.window);
	struct proccache *cache = proccache_new();
	int status = SKC_EXIT_OK;
	unsigned long tick;
	struct skc_err err = { 0, "" };

	stop_install();
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
			fprintf(stderr, "skcheck: %s\n", err.msg);
			if (tick == 1 || ret == -ENOTRECOVERABLE) {
				status = SKC_EXIT_FAILURE;
				break;
			}
		} else {
			h.tick = tick;
			report_partial(&w, &h);
			ret = render_tick(&w, &h);
			status = sample_status(&h, o);
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
				fprintf(stderr, "skcheck: cannot render: %s\n", strerror(-ret));
				status = SKC_EXIT_FAILURE;
				break;
			}
		}
		if (o->count && tick >= o->count)
			break;
		sleep_until(start + o->interval);
	}
	track_free(tr);
	proccache_free(cache);
	return status;
}
