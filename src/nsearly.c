/* Our own namespace's dumps on a thread of their own (nsearly.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsdump.h"
#include "nsearly.h"
#include "socktab.h"
#include "stop.h"

struct nsdump_early {
	pthread_t tid;
	const struct skc_opts *o;
	struct skc_netns ns;	/* ino and state, until taken */
	struct skc_host out;	/* as a pool job's out: nets is ns alone */
	int ret;
	struct skc_err err;
};

static void *early_run(void *arg)
{
	struct nsdump_early *e = arg;

	/* as a pool job: a stop asked for before it began skips it */
	if (stop_requested()) {
		e->ret = err_set(&e->err, -ECANCELED, "interrupted");
		return NULL;
	}
	e->ret = nsdump_netns(&e->out, e->ns.ino, e->o, &e->err);
	if (e->ret == 0 && e->ns.state == SKC_NS_PENDING)
		e->ns.state = SKC_NS_COMPLETE;
	return NULL;
}

struct nsdump_early *nsdump_early_start(const struct skc_opts *o, uint64_t netns)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct nsdump_early *e;
	sigset_t old;
	int r;

	if (o->ns_threads == 1 || cpus < 2 ||
	    (o->netns.kind != NETNS_ALL && o->netns.kind != NETNS_CURRENT))
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->o = o;
	e->ns.ino = netns;
	e->ns.state = SKC_NS_PENDING;
	e->out.nets.v = &e->ns;
	e->out.nets.n = 1;
	stop_block_for_thread(&old);
	r = pthread_create(&e->tid, NULL, early_run, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		free(e);
		return NULL;
	}
	return e;
}

uint64_t nsdump_early_netns(const struct nsdump_early *e)
{
	return e->ns.ino;
}

static void early_free(struct nsdump_early *e)
{
	host_free_dump(&e->out);
	free(e->ns.error);
	free(e);
}

void nsdump_early_take(struct nsdump_early *e, struct skc_host *out,
		       enum skc_ns_state *state, int *ret, struct skc_err *err)
{
	pthread_join(e->tid, NULL);
	out->socks = e->out.socks;
	out->warnings = e->out.warnings;
	out->nwarnings = e->out.nwarnings;
	out->warnings_cap = e->out.warnings_cap;
	out->partial_why = e->out.partial_why;
	memcpy(out->family_src, e->out.family_src, sizeof(out->family_src));
	*ret = e->ret;
	*err = e->err;
	if (*state == SKC_NS_PENDING)
		*state = e->ns.state;
	memset(&e->out, 0, sizeof(e->out));
	early_free(e);
}

void nsdump_early_cancel(struct nsdump_early *e)
{
	if (!e)
		return;
	pthread_join(e->tid, NULL);
	early_free(e);
}
