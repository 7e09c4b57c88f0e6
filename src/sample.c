#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "collect.h"
#include "join.h"
#include "proccache.h"
#include "judge.h"
#include "sample.h"
#include "stop.h"

double clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sample_take(struct skc_host *h, const struct skc_opts *o,
		struct tracker *tr, struct proccache *cache, bool light,
		char *err, size_t errlen)
{
	double start = clock_mono();
	int ret;

	host_init(h);
	h->time = clock_wall();
	if (stop_requested())
		goto stopped;
	ret = collect_host(h, o, light, cache, err, errlen);
	if (ret < 0)
		return ret;
	if (stop_requested())
		goto stopped;
	if (cache)
		proccache_verify(cache, o->proc_root, h);
	join_host(h);
	if (cache && proccache_need_full(cache, h) &&
	    proccache_rescan_all(cache, o->proc_root, h) == 0) {
		join_reset(h);
		join_host(h);
	}
	if (stop_requested())
		goto stopped;
	if (!light) {
		ret = collect_leaks(h, o, err, errlen);
		if (ret < 0)
			return ret;
	}
	judge_host(h, o, tr, start);
	h->duration = clock_mono() - start;
	return 0;
stopped:
	snprintf(err, errlen, "interrupted");
	return -ECANCELED;
}

bool sample_flagged(const struct skc_host *h, const struct skc_opts *o)
{
	size_t i;

	if (o->by_container) {
		for (i = 0; i < h->nranked_conts; i++)
			if (h->ranked_conts[i]->fig.flags)
				return true;
		return false;
	}
	for (i = 0; i < h->nranked; i++)
		if (h->ranked[i]->fig.flags)
			return true;
	return false;
}
