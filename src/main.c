/* skcheck: which processes sit on unread socket data.
 * The pipeline is collect -> join -> judge -> render; only this file
 * prints fatal errors and picks the exit status. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "collect.h"
#include "join.h"
#include "judge.h"
#include "model.h"
#include "options.h"
#include "render.h"

static int render(const struct skc_host *h, const struct skc_opts *o)
{
	int ret;

	if (o->json)
		return render_json(stdout, h, o);
	if (!o->no_summary)
		render_summary(stdout, h, o);
	ret = render_table(stdout, h, o);
	if (!ret && !h->nranked && !o->by_container && !o->no_summary)
		fputs(o->all ? "no process matches the filters\n"
			     : "no process holds unread socket data (use --all to list every process)\n",
		      stdout);
	return ret;
}

static bool any_flagged(const struct skc_host *h, const struct skc_opts *o)
{
	size_t i;

	if (o->by_container) {
		for (i = 0; i < h->nranked_conts; i++)
			if (h->ranked_conts[i]->flags)
				return true;
		return false;
	}
	for (i = 0; i < h->nranked; i++)
		if (h->ranked[i]->flags)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct skc_opts opts;
	struct skc_host host;
	char err[512];
	int ret, status;

	/* a closed pipe (skcheck | head) ends us quietly via EPIPE */
	signal(SIGPIPE, SIG_IGN);
	ret = options_parse(argc, argv, &opts);
	if (ret >= 0) {
		options_free(&opts);
		return ret;
	}
	if (opts.list_columns) {
		render_list_columns(stdout);
		options_free(&opts);
		return SKC_EXIT_OK;
	}
	host_init(&host);
	ret = collect_host(&host, &opts, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "skcheck: %s\n", err);
		if (ret == -EPERM || ret == -EACCES)
			fputs("skcheck: sock_diag needs no privilege on Linux; check seccomp or LSM policy\n",
			      stderr);
		status = SKC_EXIT_FAILURE;
		goto out;
	}
	join_host(&host);
	judge_host(&host, &opts);
	ret = render(&host, &opts);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "skcheck: write error: %s\n", strerror(errno));
		status = errno == EPIPE ? SKC_EXIT_OK : SKC_EXIT_FAILURE;
		goto out;
	}
	if (ret < 0) {
		fprintf(stderr, "skcheck: cannot render output: %s\n", strerror(-ret));
		status = SKC_EXIT_FAILURE;
		goto out;
	}
	status = any_flagged(&host, &opts) ? SKC_EXIT_FLAGGED : SKC_EXIT_OK;
out:
	host_free(&host);
	options_free(&opts);
	return status;
}
