/* stop: SIGINT/SIGTERM as a request to stop, checked between units of
 * work so that a run ends promptly (within one namespace's dump) and
 * cleanly (terminal restored, files complete). */
#ifndef SKC_STOP_H
#define SKC_STOP_H

#include <signal.h>

/* Catch SIGINT and SIGTERM (without SA_RESTART, so a sleep wakes up),
 * even where the caller inherited them ignored. */
void stop_install(void);

/* The signal that asked us to stop, or 0. */
int stop_requested(void);

/* For a thread about to be made: block every signal but faults (the
 * sanitizers report through those) in the calling thread, the mask it
 * had into *old; a thread made now inherits the mask, so SIGINT and
 * SIGTERM (and --watch's others) go to the main thread, and the worker
 * sees stop_requested() between its units of work.  Restore with
 * pthread_sigmask(SIG_SETMASK, old, NULL). */
void stop_block_for_thread(sigset_t *old);

/* Die of the signal that asked us to stop (default action), so that a
 * parent sees what it sent; returns only if none did. */
void stop_reraise(void);

#endif
