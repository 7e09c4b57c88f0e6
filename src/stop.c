#include "config.h"

#include <signal.h>
#include <string.h>

#include "stop.h"

/* The one piece of mutable module state: a signal handler can only
 * talk through a sig_atomic_t. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
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
	return stop_signal;
}

void stop_reraise(void)
{
	int sig = stop_signal;

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}
