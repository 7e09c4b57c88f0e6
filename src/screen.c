/* The ncurses view of --watch: fixed top, scrolling body, lines cut to
 * the terminal's width.  One struct screen per run; ncurses itself is
 * process-global, so there is at most one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "screen.h"
#include "util.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct screen {
	SCREEN *term;
	FILE *in;		/* keyboard */
	bool own_in;		/* in is /dev/tty, ours to close */
	char *text;
	struct screen_layout layout;
	char *help;
	bool show_help;
	size_t offset;		/* first body line shown */
	size_t page;		/* body lines that fit, as last drawn */
	size_t xoff;		/* first display column of titles and rows */
	bool color;		/* colour pairs 1..3 are set up */
};

/* The screen in use, for the exit handler: a path that exits without
 * screen_close (out of memory in xmalloc) still restores the terminal. */
static struct screen *active;

static void restore_at_exit(void)
{
	if (active && !isendwin())
		endwin();
}

int screen_open(struct screen **out)
{
	static bool registered;
	struct screen *s;

	*out = NULL;
	if (!isatty(STDOUT_FILENO))
		return -ENOTTY;
	s = xcalloc(1, sizeof(*s));
	s->in = stdin;
	if (!isatty(STDIN_FILENO)) {
		s->in = fopen("/dev/tty", "re");
		if (!s->in) {
			free(s);
			return -ENOTTY;
		}
		s->own_in = true;
	}
	s->term = newterm(NULL, stdout, s->in);
	if (!s->term) {
		if (s->own_in)
			fclose(s->in);
		free(s);
		return -EINVAL;
	}
	/* cbreak, not raw: ^C still raises SIGINT, which stop.c catches
	 * (installed before us, so ncurses leaves SIGINT/SIGTERM alone) */
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (!registered)
		registered = atexit(restore_at_exit) == 0;
	active = s;
	*out = s;
	return 0;
}

void screen_enable_color(struct screen *s)
{
	if (!has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	/* pair numbers are enum screen_mark + 1 */
	init_pair(SCREEN_MARK_OK + 1, COLOR_GREEN, -1);
	init_pair(SCREEN_MARK_WARN + 1, COLOR_YELLOW, -1);
	init_pair(SCREEN_MARK_BAD + 1, COLOR_RED, -1);
	s->color = true;
}

void screen_close(struct screen *s)
{
	if (!s)
		return;
	active = NULL;
	endwin();
	delscreen(s->term);
	if (s->own_in)
		fclose(s->in);
	free(s->text);
	free(s->help);
	free(s);
}

/* The part of line (len bytes) that shows in display columns
 * [skip, skip + width): *from and *n in bytes, whole characters only,
 * so a cut never splits a UTF-8 sequence (a wide character across the
 * left edge is left out). */
static void visible(const char *line, size_t len, size_t skip, size_t width,
		    size_t *from, size_t *n)
{
	mbstate_t st;
	size_t i = 0, col = 0;

	memset(&st, 0, sizeof(st));
	*from = len;
	while (i < len) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, line + i, len - i, &st);
		int w = 1;	/* bad bytes show as one cell each */

		if (k == (size_t)-1 || k == (size_t)-2) {
			k = 1;
			memset(&st, 0, sizeof(st));
		} else {
			k = k ? k : 1;
			w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		}
		if (col >= skip && *from == len)
			*from = i;
		if (col + (size_t)w > skip + width)
			break;
		col += (size_t)w;
		i += k;
	}
	*n = i > *from ? i - *from : 0;
}

/* Draw the line starting at p on screen row y, from display column
 * xoff on; returns the next line. */
static const char *draw_line(int y, const char *p, size_t xoff)
{
	const char *nl = strchr(p, '\n');
	size_t len = nl ? (size_t)(nl - p) : strlen(p), from, n;

	visible(p, len, xoff, COLS > 0 ? (size_t)COLS : 1, &from, &n);
	mvaddnstr(y, 0, p + from, (int)n);
	return nl ? nl + 1 : p + len;
}

/* Bytes of the longest of n lines from p (their widest possible). */
static size_t longest(const char *p, size_t n)
{
	size_t max = 0;

	while (n-- && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		max = MAX(max, len);
		p += len + (nl != NULL);
	}
	return max;
}

static size_t count_lines(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		if (*p == '\n')
			n++;
	return n + (p[-1] != '\n');
}

static const char *skip_lines(const char *p, size_t n)
{
	while (n-- && *p) {
		const char *nl = strchr(p, '\n');

		p = nl ? nl + 1 : p + strlen(p);
	}
	return p;
}

/* How many of the body's lines to keep in view before cutting the
 * shrinkable part: half the room, at least 3 rows (or all of them). */
static size_t body_share(size_t room, size_t nbody)
{
	return MIN(nbody, MAX(room / 2, MIN(room, 3)));
}

/* Draw n lines from *p at row *y, advancing both. */
static void draw_lines(const char **p, int *y, size_t n, size_t xoff)
{
	while (n-- && **p)
		*p = draw_line((*y)++, *p, xoff);
}

/* The last row's reverse-video note. */
static void draw_note(int y, const char *note)
{
	attron(A_REVERSE);
	draw_line(y, note, 0);
	attroff(A_REVERSE);
}

static void draw(struct screen *s)
{
	const struct screen_layout *l = &s->layout;
	const char *p = s->text, *body;
	size_t rows = LINES > 0 ? (size_t)LINES : 1;
	size_t nhead, nshrink, nsticky, nbody, room, wide;
	char note[96];
	int y = 0;

	erase();
	if (!p)
		goto out;
	nhead = MIN(l->nhead, rows - 1);
	if (s->color && l->mark && l->mark <= nhead) {
		attr_t a = COLOR_PAIR(l->mark_kind + 1) |
			   (l->mark_kind == SCREEN_MARK_BAD ? A_BOLD : 0);

		draw_lines(&p, &y, l->mark - 1, 0);
		attron(a);
		draw_lines(&p, &y, 1, 0);
		attroff(a);
		draw_lines(&p, &y, nhead - l->mark, 0);
	} else {
		draw_lines(&p, &y, nhead, 0);
	}
	room = rows - (size_t)y;
	if (s->show_help && s->help) {	/* help: under the head only */
		body = s->help;
		nshrink = nsticky = 0;
	} else {
		body = skip_lines(s->text, l->nhead + l->nshrink + l->nsticky);
		nsticky = MIN(l->nsticky, room - 1);
		nshrink = l->nshrink;
	}
	nbody = *body ? count_lines(body) : 0;
	if (nshrink) {
		size_t fit = room - nsticky - body_share(room - nsticky, nbody);

		p = skip_lines(s->text, l->nhead);
		if (nshrink <= fit) {
			draw_lines(&p, &y, nshrink, 0);
		} else if (fit) {
			draw_lines(&p, &y, fit - 1, 0);
			snprintf(note, sizeof(note), "-- %zu more summary lines (S hides the summary) --",
				 nshrink - (fit - 1));
			draw_note(y++, note);
		}
	}
	/* titles and rows scroll sideways together (Left/Right) */
	p = skip_lines(s->text, l->nhead + l->nshrink);
	wide = MAX(longest(p, nsticky), longest(body, nbody));
	s->xoff = wide > (size_t)COLS ? MIN(s->xoff, wide - (size_t)COLS) : 0;
	draw_lines(&p, &y, nsticky, s->xoff);
	s->page = rows - (size_t)y;
	if (nbody <= s->page) {
		s->offset = 0;
	} else {
		s->page--;		/* the last row says what is left */
		s->offset = MIN(s->offset, nbody - s->page);
	}
	p = skip_lines(body, s->offset);
	draw_lines(&p, &y, s->page, s->xoff);
	if (nbody > s->offset + s->page || s->offset) {
		snprintf(note, sizeof(note), "-- %zu more%s --",
			 nbody - s->offset - MIN(nbody - s->offset, s->page),
			 s->offset ? " (scrolled: Home for the top)" : "");
		draw_note(y, note);
	}
out:
	refresh();
}

void screen_show(struct screen *s, const char *text,
		 const struct screen_layout *l)
{
	free(s->text);
	s->text = xstrdup(text);
	s->layout = *l;
	draw(s);
}

void screen_set_help(struct screen *s, const char *help)
{
	free(s->help);
	s->help = help ? xstrdup(help) : NULL;
}

unsigned screen_width(const struct screen *s)
{
	return COLS > 0 ? (unsigned)COLS : 80;
}

void screen_toggle_help(struct screen *s)
{
	s->show_help = !s->show_help;
	s->offset = 0;
	draw(s);
}

/* Scroll keys and resizes: true if handled (and redrawn). */
static bool handle_key(struct screen *s, int ch)
{
	size_t page = s->page > 1 ? s->page - 1 : 1;

	switch (ch) {
	case KEY_RESIZE:
		break;
	case KEY_UP:
		s->offset -= s->offset > 0;
		break;
	case KEY_DOWN:
		s->offset++;		/* draw() clamps */
		break;
	case KEY_PPAGE:
		s->offset -= MIN(s->offset, page);
		break;
	case KEY_NPAGE:
		s->offset += page;
		break;
	case KEY_LEFT:
		s->xoff -= MIN(s->xoff, 8);
		break;
	case KEY_RIGHT:
		s->xoff += 8;		/* draw() clamps */
		break;
	case KEY_HOME:
		s->offset = 0;
		s->xoff = 0;
		break;
	case KEY_END:
		s->offset = (size_t)-1 / 2;
		break;
	default:
		return false;
	}
	draw(s);
	return true;
}

int screen_wait_key(struct screen *s, double timeout)
{
	struct pollfd pfd = { .fd = fileno(s->in), .events = POLLIN };
	int ch;

	/* ncurses may hold keys it read ahead, which poll cannot see */
	ch = getch();
	if (ch == ERR) {
		int ms = timeout > 0 ? (int)(timeout * 1000.0 + 0.999) : 0;

		/* poll is never restarted: SIGWINCH and stop signals wake it */
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return SCREEN_NOKEY;
		ch = getch();	/* after SIGWINCH: KEY_RESIZE */
	}
	if (ch == ERR)
		return SCREEN_NOKEY;
	return handle_key(s, ch) ? SCREEN_HANDLED : ch;
}
