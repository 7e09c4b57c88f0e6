#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "stop.h"

/* The one piece of mutable module state: set by the handler, read by
 * every thread (nsdump.c's workers); a lock-free atomic is as safe in a
 * handler as a sig_atomic_t and is also a proper cross-thread read. */
static atomic_int stop_signal;

static void on_stop(int sig)
{
	atomic_store(&stop_signal, sig);
}

void stop_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: wake the sleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int stop_requested(void)
{
	return atomic_load(&stop_signal);
}

void stop_reraise(void)
{
	int sig = atomic_load(&stop_signal);

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

void stop_block_for_thread(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, old);
}
