/* skcheck: which processes sit on unread socket data.
 * Each sample runs collect -> join -> judge -> track -> rollup -> render; only
 * this file and watch.c print fatal errors and pick the exit status. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "model.h"
#include "options.h"
#include "render.h"
#include "sample.h"
#include "stop.h"
#include "track.h"
#include "util.h"
#include "watch.h"

static void print_list(FILE *out, const char *opt, char *const *v, size_t n)
{
	size_t i;

	if (!n)
		return;
	fprintf(out, " %s ", opt);
	for (i = 0; i < n; i++) {
		char *e = escape_bytes(v[i], strlen(v[i]));

		fprintf(out, "%s%s", i ? "," : "", e);
		free(e);
	}
}

/* The selection options as given (escaped), each after a space. */
static void print_selection(FILE *out, const struct skc_opts *o)
{
	size_t i;
	unsigned p;

	if (o->select.npids) {
		fputs(" --pid ", out);
		for (i = 0; i < o->select.npids; i++)
			fprintf(out, "%s%d", i ? "," : "", (int)o->select.pids[i]);
	}
	print_list(out, "--comm", o->select.comms, o->select.ncomms);
	print_list(out, "--container", o->select.containers, o->select.ncontainers);
	print_list(out, "--pod", o->select.pods, o->select.npods);
	if (o->select.protos != SKC_PROTO_ALL) {
		const char *sep = "";

		fputs(" --proto ", out);
		for (p = 0; p < SKC_PROTO_MAX; p++)
			if (o->select.protos & SKC_PROTO_BIT(p)) {
				fprintf(out, "%s%s", sep, proto_name(p));
				sep = ",";
			}
	}
	if (o->select.port >= 0)
		fprintf(out, " --port %ld", o->select.port);
	if (o->netns.kind != NETNS_ALL && o->netns_arg) {
		char *e = escape_bytes(o->netns_arg, strlen(o->netns_arg));

		fprintf(out, " --netns %s", e);
		free(e);
	}
}

/* Why the table is empty, in words that never pass for "healthy" when
 * the sample could not say so. */
static void print_empty(FILE *out, const struct skc_host *h, const struct skc_opts *o)
{
	if (!h->procs_matching && options_selecting(o)) {
		fputs("no process matches", out);
		print_selection(out, o);
		fputc('\n', out);
	} else if (o->select.all || o->select.min_bytes) {
		fputs("no process matches the filters\n", out);
	} else if (h->partial) {
		fputs("no visible process holds unread socket data, but the view is partial (see above)\n", out);
	} else {
		fputs("no process holds unread socket data (use --all to list every process)\n", out);
	}
}

/* --top left rows out: say how many, and whether they matter. */
static void print_cut(FILE *out, const struct skc_host *h)
{
	if (!h->cut_procs)
		return;
	fprintf(out, "%u more processes not shown (--top %zu)", h->cut_procs, h->nranked);
	if (h->cut_queued || h->cut_flagged)
		fprintf(out, ", %u with data queued and %u flagged among them: use --top 0 to see every one",
			h->cut_queued, h->cut_flagged);
	fputc('\n', out);
}

static int render(const struct skc_host *h, const struct skc_opts *o)
{
	int ret;

	/* the summary (where the partial line lives) is not shown: say it
	 * on standard error so the view cannot pass for complete */
	if (h->partial && (o->render.no_summary || o->json || o->prometheus || o->render.raw)) {
		fputs("skcheck: ", stderr);
		render_partial(stderr, h, &o->render);
	}
	if (o->prometheus)
		return o->prom_file ? render_prometheus_file(o->prom_file, h)
				    : render_prometheus(stdout, h);
	if (o->json)
		return render_json(stdout, h);
	if (!o->render.no_summary) {
		render_diagnosis(stdout, h, &o->render);
		render_summary(stdout, h, &o->render);
	}
	ret = render_table(stdout, h, &o->render);
	if (ret)
		return ret;
	if (!o->render.by_container && !h->nranked &&
	    (!o->render.no_summary || options_selecting(o)))
		print_empty(o->render.no_summary ? stderr : stdout, h, o);
	/* not under -r or -n: scripts read those rows, and only rows */
	if (!o->render.by_container && !o->render.raw && !o->render.noheadings)
		print_cut(stdout, h);
	return 0;
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
	double start = clock_mono();
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
	host.run_duration = clock_mono() - start;
	ret = render(&host, o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		/* a reader that closed early (| head) saw the start: the
		 * status still says what the sample found */
		if (errno == EPIPE) {
			fputs("skcheck: output cut short: the reader closed the pipe\n", stderr);
			status = sample_status(&host, o);
		} else {
			fprintf(stderr, "skcheck: write error: %s\n", strerror(errno));
			status = SKC_EXIT_FAILURE;
		}
	} else if (ret < 0) {
		fprintf(stderr, "skcheck: cannot write output%s%s: %s\n",
			o->prom_file ? " to " : "", o->prom_file ? o->prom_file : "",
			strerror(-ret));
		status = SKC_EXIT_FAILURE;
	} else {
		status = sample_status(&host, o);
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

/* Flush standard output: status, or SKC_EXIT_FAILURE with a message
 * when it could not be written (a full disk, /dev/full). */
static int checked_flush(int status)
{
	if (fflush(stdout) != EOF && !ferror(stdout))
		return status;
	fprintf(stderr, "skcheck: write error: %s\n", strerror(errno));
	return SKC_EXIT_FAILURE;
}

/* -o named a column that does not exist: name it (escaped, it is the
 * user's), and the list only when there is no single name to blame. */
static int bad_column(const char *bad, const char *list)
{
	char *e = escape_bytes(bad[0] ? bad : list, strlen(bad[0] ? bad : list));
	int ret;

	if (bad[0])
		ret = options_usage_error("unknown column '%s' in --output (see --list-columns)", e);
	else
		ret = options_usage_error("an empty column name in --output '%s' (see --list-columns)", e);
	free(e);
	return ret;
}

/* util.c's oom exits with 3 on its own (no include of options.h) */
_Static_assert(SKC_EXIT_FAILURE == 3, "oom's status");

int main(int argc, char **argv)
{
	struct skc_opts opts;
	char bad[256];
	int ret;

#ifdef M_MMAP_THRESHOLD
	/* glibc raises its mmap threshold to the size of each large block
	 * freed (libbpf's parse of the kernel BTF, the owner records): the
	 * socket table, grown after that, then sits on the brk heap where
	 * freed memory stays resident.  A fixed threshold keeps large
	 * arrays mmapped: freed at once, grown by mremap.  4.8 MiB less
	 * peak RSS at 130k sockets with BPF. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	/* a closed pipe (skcheck | head) shows up as EPIPE: end quietly */
	signal(SIGPIPE, SIG_IGN);
	/* character classes only: libsmartcols then prints UTF-8 names as
	 * they are and escapes what the terminal cannot show; numbers keep
	 * the C locale's decimal point */
	setlocale(LC_CTYPE, "");
	ret = options_parse(argc, argv, &opts);
	/* the column names belong to the table renderer; checked in every
	 * mode (-J ignores -o, but a wrong name is still a mistake) */
	if (ret < 0 && render_table_check_columns(&opts.render, bad, sizeof(bad)) < 0)
		ret = bad_column(bad, opts.render.columns);
	if (ret >= 0) {
		options_free(&opts);
		/* --help and --version went to stdout: say if they did not */
		return ret == SKC_EXIT_OK ? checked_flush(ret) : ret;
	}
	if (opts.list_columns) {
		ret = render_list_columns(stdout, &opts.render, opts.json);
		ret = ret < 0 ? SKC_EXIT_FAILURE : checked_flush(SKC_EXIT_OK);
	} else if (opts.watch) {
		ret = watch_run(&opts);
	} else {
		ret = oneshot(&opts);
	}
	options_free(&opts);
	return ret;
}
