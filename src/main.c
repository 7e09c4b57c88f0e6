/* skcheck: which processes sit on unread socket data.
 * Each sample runs collect -> join -> judge -> track -> rollup -> render; only
 * this file and watch.c print fatal errors and pick the exit status. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "options.h"
#include "render.h"
#include "sample.h"
#include "stop.h"
#include "track.h"
#include "util.h"
#include "watch.h"

static int render(const struct skc_host *h, const struct skc_opts *o)
{
	int ret;

	if (o->prometheus)
		return o->prom_file ? render_prometheus_file(o->prom_file, h)
				    : render_prometheus(stdout, h);
	if (o->json)
		return render_json(stdout, h);
	if (!o->render.no_summary)
		render_summary(stdout, h, &o->render);
	ret = render_table(stdout, h, &o->render);
	if (!ret && !h->nranked && !o->render.by_container && !o->render.no_summary)
		fputs(o->select.all ? "no process matches the filters\n"
			     : "no process holds unread socket data (use --all to list every process)\n",
		      stdout);
	return ret;
}

/* Sleep s seconds, or less when SIGINT/SIGTERM asks us to stop. */
static void sleep_seconds(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop_requested())
		;
}

/* Ad-hoc run: with --settle, a light first sample gives the tracker a
 * baseline so the real one can already say who is stalled. */
static int oneshot(const struct skc_opts *o)
{
	struct tracker *tr = NULL;
	struct skc_host host;
	struct skc_err err = { 0, "" };
	int ret, status;

	stop_install();
	if (o->settle > 0) {
		tr = track_new(o->judge.window);
		ret = sample_take(&host, o, tr, NULL, true, &err);
		host_free(&host);
		if (ret < 0)
			goto fail;
		sleep_seconds(o->settle);
	}
	ret = sample_take(&host, o, tr, NULL, false, &err);
	if (ret < 0) {
		host_free(&host);
		goto fail;
	}
	ret = render(&host, o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		status = errno == EPIPE ? SKC_EXIT_OK : SKC_EXIT_FAILURE;
		if (errno != EPIPE)
			fprintf(stderr, "skcheck: write error: %s\n", strerror(errno));
	} else if (ret < 0) {
		fprintf(stderr, "skcheck: cannot write output%s%s: %s\n",
			o->prom_file ? " to " : "", o->prom_file ? o->prom_file : "",
			strerror(-ret));
		status = SKC_EXIT_FAILURE;
	} else {
		status = sample_flagged(&host, o) ? SKC_EXIT_FLAGGED : SKC_EXIT_OK;
	}
	host_free(&host);
	track_free(tr);
	return status;
fail:
	track_free(tr);
	/* stopped by a signal before any output: die of it, as the sender
	 * expects (nothing was printed, nothing is left half written) */
	stop_reraise();
	fprintf(stderr, "skcheck: %s\n", err.msg);
	return SKC_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct skc_opts opts;
	int ret;

	/* a closed pipe (skcheck | head) shows up as EPIPE: end quietly */
	signal(SIGPIPE, SIG_IGN);
	/* character classes only: libsmartcols then prints UTF-8 names as
	 * they are and escapes what the terminal cannot show; numbers keep
	 * the C locale's decimal point */
	setlocale(LC_CTYPE, "");
	ret = options_parse(argc, argv, &opts);
	/* the column names belong to the table renderer */
	if (ret < 0 && !opts.json && render_table_check_columns(&opts.render) < 0)
		ret = options_usage_error("unknown column in '%s' (see --list-columns)",
					  opts.render.columns);
	if (ret >= 0) {
		options_free(&opts);
		return ret;
	}
	if (opts.list_columns) {
		render_list_columns(stdout);
		ret = SKC_EXIT_OK;
	} else if (opts.watch) {
		ret = watch_run(&opts);
	} else {
		ret = oneshot(&opts);
	}
	options_free(&opts);
	return ret;
}
