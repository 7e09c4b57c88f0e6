/* screen: the full-screen (top-like) view of --watch on a terminal,
 * drawn with ncurses.  It shows text rendered elsewhere: a fixed top
 * (header, summary, column titles) and a body that scrolls; lines are
 * cut to the terminal's width, never wrapped, and a body taller than
 * the screen ends in an "N more" line.  It knows nothing of sockets. */
#ifndef SKC_SCREEN_H
#define SKC_SCREEN_H

#include <stddef.h>

struct screen;

/* What screen_wait_key returns besides a key it did not handle itself. */
#define SCREEN_NOKEY 0		/* timeout or signal */
#define SCREEN_HANDLED (-2)	/* a scroll key or resize, redrawn */

/* Take over the terminal on stdout (alternate screen, no echo, keys
 * read unbuffered from stdin, or /dev/tty if stdin is not a terminal).
 * Returns 0 or -errno (-ENOTTY: no terminal, -EINVAL: unknown TERM). */
int screen_open(struct screen **out);

/* Draw the marked line in colour (green, yellow, bold red) when the
 * terminal has colours; off until called. */
void screen_enable_color(struct screen *s);

/* Restore the terminal and free; NULL is fine. */
void screen_close(struct screen *s);

/* The parts of the text to show, in this order, counted in lines:
 * nhead lines always on top (cut only by a screen shorter than them);
 * nshrink lines under them, cut first when the screen is short (a
 * summary); nsticky lines that stay above the body (column titles);
 * then the body, which scrolls. */
struct screen_layout {
	size_t nhead, nshrink, nsticky;
	size_t mark;		/* a head line (1-based) drawn in colour, 0 none */
	enum screen_mark { SCREEN_MARK_OK, SCREEN_MARK_WARN, SCREEN_MARK_BAD } mark_kind;
};

/* Show text laid out as l says.  The text is copied; the scroll
 * position is kept (clamped) across calls. */
void screen_show(struct screen *s, const char *text,
		 const struct screen_layout *l);
/* help, if not NULL, is the text the help key shows (copied). */
void screen_set_help(struct screen *s, const char *help);

/* The terminal's width in columns, as of the last key read. */
unsigned screen_width(const struct screen *s);

/* Show or hide the help text instead of all but the head. */
void screen_toggle_help(struct screen *s);

/* Wait up to timeout seconds for a key.  Scroll keys (arrows, PgUp,
 * PgDn, Home, End; Left/Right move titles and rows sideways) and terminal resizes are handled here (redrawn);
 * any other key is returned (an ncurses key code), SCREEN_HANDLED for a
 * key handled here, SCREEN_NOKEY on timeout or on a signal. */
int screen_wait_key(struct screen *s, double timeout);

#endif
