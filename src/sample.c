/* One sample through the pipeline, each phase after the one it reads:
 * collect -> join -> judge -> track -> rollup -> why -> diagnose (render is the
 * caller's). */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "collect.h"
#include "diagnose.h"
#include "join.h"
#include "judge.h"
#include "proccache.h"
#include "rollup.h"
#include "sample.h"
#include "sockns.h"
#include "stop.h"
#include "track.h"
#include "util.h"
#include "why.h"

void sample_judge(struct skc_host *h, const struct skc_opts *o,
		  struct tracker *tr, double mono)
{
	judge_host(h, &o->judge);
	if (tr)
		track_update(tr, h, mono);
	rollup_host(h, &o->select);
	rollup_memory(h, &o->judge);
}

int sample_take(struct skc_host *h, const struct skc_opts *o,
		struct tracker *tr, struct proccache *cache, bool light,
		struct skc_err *err)
{
	double start = clock_mono();
	int ret;

	host_init(h);
	h->time = clock_wall();
	if (stop_requested())
		goto stopped;
	ret = collect_host(h, o, light, cache, err);
	if (ret < 0)
		return ret;
	if (stop_requested())
		goto stopped;
	/* the BPF join reads every process each sample: nothing cached */
	if (h->owners_bpf)
		cache = NULL;
	if (cache)
		proccache_verify(cache, o->proc_root, h);
	join_host(h);
	if (cache && proccache_need_full(cache, h) &&
	    proccache_rescan_all(cache, o->proc_root, h) == 0) {
		/* fresh processes: without their cgroup ids every socket's
		 * cgroup_matches_owner would be unknown in this sample */
		collect_cgroup_ids(h, o->proc_root);
		join_reset(h);
		join_host(h);
	}
	if (stop_requested())
		goto stopped;
	/* sockets in namespaces no process lives in (SIOCGSKNS) */
	if (!light && o->netns.kind == NETNS_ALL) {
		ret = sockns_discover(h, o, err);
		if (ret < 0)
			return ret;
		if (ret > 0) {
			join_reset(h);
			join_host(h);
		}
	}
	if (!light) {
		ret = collect_leaks(h, o, err);
		if (ret < 0)
			return ret;
	}
	sample_judge(h, o, tr, start);
	if (!light) {
		/* after rollup: only processes that pass the filters */
		double why_start = clock_mono();

		why_host(h, o->proc_root);
		h->why_duration = clock_mono() - why_start;
		diagnose_host(h);
	}
	h->duration = clock_mono() - start;
	return 0;
stopped:
	return err_set(err, -ECANCELED, "interrupted");
}

static bool sample_flagged(const struct skc_host *h, const struct skc_opts *o)
{
	size_t i;

	if (h->memory.suspect)
		return true;
	if (o->render.by_container) {
		for (i = 0; i < h->nranked_conts; i++)
			if (h->ranked_conts[i]->fig.flags & SKC_F_VERDICTS)
				return true;
		return false;
	}
	for (i = 0; i < h->nranked; i++)
		if (h->ranked[i]->fig.flags & SKC_F_VERDICTS)
			return true;
	for (i = 0; i < h->nunowned; i++)
		if (h->unowned[i].selected && h->unowned[i].fig.flags)
			return true;
	return false;
}

int sample_status(const struct skc_host *h, const struct skc_opts *o)
{
	if (sample_flagged(h, o))
		return SKC_EXIT_FLAGGED;
	return h->partial ? SKC_EXIT_PARTIAL : SKC_EXIT_OK;
}
