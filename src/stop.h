/* stop: SIGINT/SIGTERM as a request to stop, checked between units of
 * work so that a run ends promptly (within one namespace's dump) and
 * cleanly (terminal restored, files complete). */
#ifndef SKC_STOP_H
#define SKC_STOP_H

/* Catch SIGINT and SIGTERM (without SA_RESTART, so a sleep wakes up),
 * even where the caller inherited them ignored. */
void stop_install(void);

/* The signal that asked us to stop, or 0. */
int stop_requested(void);

/* Die of the signal that asked us to stop (default action), so that a
 * parent sees what it sent; returns only if none did. */
void stop_reraise(void);

#endif
