#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "options.h"
#include "util.h"

enum {
	OPT_PROTO = 0x100, OPT_RESIDUE, OPT_RCVBUF_PCT, OPT_SORT,
	OPT_LIST_COLUMNS, OPT_NO_SUMMARY, OPT_NETNS, OPT_CONTAINER, OPT_POD,
	OPT_BY, OPT_SETTLE, OPT_WINDOW, OPT_PROMETHEUS, OPT_PINS_RATIO,
	OPT_PINS_MIN, OPT_MEMORY_SUSPECT, OPT_NO_PINNED, OPT_CLOSE_WAIT,
	OPT_MANY_SOCKETS, OPT_LEAKED_SOCKETS,
	OPT_STALL_EVENT_MIN, OPT_COLOR, OPT_SUMMARY,
};

static const struct option longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "sockets", no_argument, NULL, 's' },
	{ "bytes", no_argument, NULL, 'b' },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, 'C' },
	{ "tcp", no_argument, NULL, 't' },
	{ "udp", no_argument, NULL, 'u' },
	{ "udplite", no_argument, NULL, 'U' },
	{ "unix", no_argument, NULL, 'x' },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "port", required_argument, NULL, 'P' },
	{ "min-bytes", required_argument, NULL, 'm' },
	{ "residue", required_argument, NULL, OPT_RESIDUE },
	{ "rcvbuf-pct", required_argument, NULL, OPT_RCVBUF_PCT },
	{ "close-wait", required_argument, NULL, OPT_CLOSE_WAIT },
	{ "many-sockets", required_argument, NULL, OPT_MANY_SOCKETS },
	{ "leaked-sockets", required_argument, NULL, OPT_LEAKED_SOCKETS },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "memory", no_argument, NULL, 'M' },
	{ "no-pinned", no_argument, NULL, OPT_NO_PINNED },
	{ "pins-ratio", required_argument, NULL, OPT_PINS_RATIO },
	{ "pins-min", required_argument, NULL, OPT_PINS_MIN },
	{ "memory-suspect", required_argument, NULL, OPT_MEMORY_SUSPECT },
	{ "top", required_argument, NULL, 'N' },
	{ "output", required_argument, NULL, 'o' },
	{ "list-columns", no_argument, NULL, 'H' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "raw", no_argument, NULL, 'r' },
	{ "json", no_argument, NULL, 'J' },
	{ "no-summary", no_argument, NULL, OPT_NO_SUMMARY },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "pod", required_argument, NULL, OPT_POD },
	{ "by", required_argument, NULL, OPT_BY },
	{ "watch", no_argument, NULL, 'w' },
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'c' },
	{ "settle", required_argument, NULL, OPT_SETTLE },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "prometheus", optional_argument, NULL, OPT_PROMETHEUS },
	{ "stall-event-min", required_argument, NULL, OPT_STALL_EVENT_MIN },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	fputs(
"Usage: skcheck [options]\n"
"\n"
"Find processes sitting on unread socket data: every TCP, UDP, UDP-Lite and\n"
"UNIX socket, joined to its owning processes, ranked and flagged.\n"
"\n"
"Selection:\n"
"  -p, --pid LIST         only these process ids (comma-separated)\n"
"  -C, --comm LIST        only processes with these command names (comma-\n"
"                         separated, repeatable)\n"
"  -t, --tcp              TCP sockets\n"
"  -u, --udp              UDP sockets\n"
"  -U, --udplite          UDP-Lite sockets\n"
"  -x, --unix             UNIX sockets\n"
"      --proto LIST       protocols, comma-separated: tcp,udp,udplite,unix,\n"
"                         raw,packet,netlink,mptcp,sctp,vsock\n"
"  -P, --port PORT        only inet sockets with this local or peer port\n"
"  -m, --min-bytes SIZE   only processes with at least SIZE unread bytes\n"
"      --netns SEL        network namespaces: all (default), current, NAME,\n"
"                         INODE, ino:INODE or pid:PID\n"
"      --container ID     only processes in this container (id prefix)\n"
"      --pod UID          only processes in this Kubernetes pod (uid prefix)\n"
"  -a, --all              every process and socket, not only those with data\n"
"                         queued or a flag\n"
"  -N, --top N            at most N processes (default 10, 0 = all)\n"
"      --sort KEY         recv_q (default), send_q, mem, pinned, drops, sockets,\n"
"                         close-wait, leaked (or the column title: RECV-Q...)\n"
"\n"
"Flag thresholds:\n"
"      --residue SIZE     residue: unread bytes per socket (default 1M)\n"
"      --rcvbuf-pct N     rcvbuf-full: receive buffer use in percent (default 90)\n"
"      --close-wait N     close-wait: sockets in CLOSE-WAIT per process (default 100)\n"
"      --many-sockets N   many-sockets: open socket fds per process (default 2000)\n"
"      --leaked-sockets N leaked-sockets: leaked socket fds per process (default 500)\n"
"      --pins-ratio N     pins-pages: pinned bytes at least N times truesize\n"
"                         (default 4)\n"
"      --pins-min SIZE    pins-pages: and at least SIZE pinned (default 1M)\n"
"      --memory-suspect SIZE  memory-suspect: unaccounted kernel memory and\n"
"                         pinned pages both at least SIZE (default 1G)\n"
"\n"
"Memory:\n"
"  -M, --memory           host memory breakdown (/proc/meminfo) in the summary\n"
"      --no-pinned        do not walk socket queues with BPF (no PINNED figures)\n"
"\n"
"Time:\n"
"      --settle SECONDS   one-shot: take a second sample this much later to\n"
"                         tell stalled readers from busy ones (default 1, 0 = off)\n"
"  -w, --watch            sample repeatedly; top-like on a terminal, one block\n"
"                         (or with -J one JSON line) per sample otherwise\n"
"  -i, --interval SECONDS time between samples (default 2)\n"
"  -c, --count N          stop after N samples (default: until interrupted)\n"
"      --window SECONDS   a queue that makes no progress this long is stalled\n"
"                         (default 10 with --watch, the settle time otherwise)\n"
"      --stall-event-min SIZE  event lines of stalls holding less are left out\n"
"                         (default 64K, 0 = every stall)\n"
"\n"
"Output:\n"
"  -s, --sockets          list each process's sockets under it, worst first\n"
"      --by KEY           rank by process (default) or container\n"
"  -b, --bytes            exact sizes in bytes\n"
"      --color[=WHEN]     colour flags and the diagnosis: auto (default: on a\n"
"                         terminal, unless NO_COLOR is set), always, never\n"
"  -o, --output LIST      table columns (+LIST appends to the defaults)\n"
"  -H, --list-columns     list the table columns (type, default, description;\n"
"                         -J: as JSON, -r: raw) and exit\n"
"  -n, --noheadings       no table header\n"
"  -r, --raw              raw table (no alignment, no summary)\n"
"      --no-summary       no host summary above the table\n"
"      --summary WHICH    short (default: idle namespaces counted, not listed)\n"
"                         or full\n"
"  -J, --json             one JSON document (schema in skcheck(8))\n"
"      --prometheus[=FILE] Prometheus text format, to stdout or written\n"
"                         atomically to FILE (node_exporter textfile collector)\n"
"\n"
"  -h, --help             display this help and exit\n"
"  -V, --version          display version and exit\n"
"\n"
"SIZE takes K, M, G, T suffixes (powers of 1024; KiB and KB also accepted).\n"
"Exit status: 0 nothing flagged, 1 something flagged, 2 usage error, 3 failure,\n"
"4 nothing flagged but the view is partial.\n"
"See skcheck(8) for the meaning of every column and flag.\n", stdout);
}

int options_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("skcheck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'skcheck --help' for more information.\n", stderr);
	return SKC_EXIT_USAGE;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_duration(const char *s, double *out)
{
	char *end;
	double v, mult = 1;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v != v)
		return -EINVAL;
	if (strcmp(end, "ms") == 0)
		mult = 0.001;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60;
	else if (strcmp(end, "h") == 0)
		mult = 3600;
	else if (*end && strcmp(end, "s") != 0)
		return -EINVAL;
	v *= mult;
	if (v > 86400.0 * 365)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v, frac = 0, scale = 1;
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	/* a fraction: "1.5M" (at most 9 digits; below a byte it is cut) */
	if (*end == '.') {
		for (end++; isdigit((unsigned char)*end); end++) {
			if (scale == 1000000000ULL)
				return -EINVAL;
			frac = frac * 10 + (unsigned long long)(*end - '0');
			scale *= 10;
		}
		if (scale == 1)
			return -EINVAL;	/* "1." */
	}
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (shift && (*end == 'i' || *end == 'I') && (end[1] == 'B' || end[1] == 'b'))
		end += 2;
	else if (shift && (*end == 'B' || *end == 'b'))
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	/* bytes are whole: a fraction needs a unit ("1.5" bytes is not) */
	if (scale > 1 && (!shift || v == (UINT64_MAX >> shift)))
		return -EINVAL;
	/* frac * 2^shift can pass 2^64: scale in long double (exact
	 * enough: the result is below 2^40) */
	*out = ((uint64_t)v << shift) + (uint64_t)((long double)frac / scale * (1ULL << shift));
	return 0;
}

static int add_pids(struct skc_opts *o, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;
	int ret = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long v;

		if (parse_ulong(tok, INT_MAX, &v) < 0 || v == 0) {
			ret = options_usage_error("invalid pid '%s'", tok);
			break;
		}
		o->select.pids = xreallocarray(o->select.pids, o->select.npids + 1, sizeof(*o->select.pids));
		o->select.pids[o->select.npids++] = (pid_t)v;
	}
	if (!ret && !o->select.npids)
		ret = options_usage_error("invalid pid list '%s'", arg);
	free(copy);
	return ret;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int netns_parse_sel(const char *arg, struct netns_sel *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (!*arg || strchr(arg, '/'))
		return -EINVAL;
	if (strcmp(arg, "all") == 0)
		sel->kind = NETNS_ALL;
	else if (strcmp(arg, "current") == 0 || strcmp(arg, "self") == 0)
		sel->kind = NETNS_CURRENT;
	else if (strncmp(arg, "pid:", 4) == 0) {
		sel->kind = NETNS_PID;
		return parse_u64(arg + 4, &sel->value);
	} else if (strncmp(arg, "ino:", 4) == 0) {
		sel->kind = NETNS_INODE;
		return parse_u64(arg + 4, &sel->value);
	} else if (parse_u64(arg, &sel->value) == 0)
		sel->kind = NETNS_INODE;
	else {
		sel->kind = NETNS_NAME;
		sel->name = arg;
	}
	return 0;
}

static void add_str(char ***v, size_t *n, const char *arg)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(arg);
}

/* Comma-separated names, each appended. */
static int add_list(char ***v, size_t *n, const char *arg, const char *what)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;
	size_t before = *n;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		add_str(v, n, tok);
	free(copy);
	return *n > before ? -1 : options_usage_error("empty %s list", what);
}

static int add_protos(unsigned *mask, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;
	int ret = 0, n = 0;
	unsigned p;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (p = 0; p < SKC_PROTO_MAX && strcmp(tok, proto_name(p)); p++)
			;
		if (p == SKC_PROTO_MAX) {
			ret = options_usage_error("unknown protocol '%s' (tcp, udp, udplite, unix, raw, "
						  "packet, netlink, mptcp, sctp, vsock)", tok);
			break;
		}
		*mask |= SKC_PROTO_BIT(p);
		n++;
	}
	free(copy);
	/* "--proto ''" must not quietly mean every protocol */
	if (!ret && !n)
		ret = options_usage_error("empty protocol list '%s'", arg);
	return ret;
}

/* -o: "LIST" or "+LIST"; the names are the table renderer's to check
 * (main.c), an empty list is ours.  -1 to go on, or the usage status. */
static int check_columns(const char *arg)
{
	const char *p = arg + (*arg == '+');

	p += strspn(p, ",");
	return *p ? -1 : options_usage_error("empty column list '%s'", arg);
}

static const char *const sort_keys[] = {
	[SORT_RECV_Q] = "recv_q", [SORT_SEND_Q] = "send_q",
	[SORT_MEM] = "mem", [SORT_DROPS] = "drops",
	[SORT_SOCKETS] = "sockets", [SORT_PINNED] = "pinned",
	[SORT_CLOSE_WAIT] = "close-wait", [SORT_LEAKED] = "leaked",
};

const char *options_sort_name(enum skc_sort k)
{
	return (size_t)k < ARRAY_SIZE(sort_keys) ? sort_keys[k] : "?";
}

/* A sort key as --sort names it, or as the table's column title shows
 * it: case does not matter and '-' is '_' ("RECV-Q", "close_wait"). */
static bool sort_key_is(const char *arg, const char *key)
{
	for (; *arg && *key; arg++, key++) {
		char a = (char)tolower((unsigned char)*arg), k = *key;

		if (a == '-')
			a = '_';
		if (k == '-')
			k = '_';
		if (a != k)
			return false;
	}
	return !*arg && !*key;
}

static int parse_sort(struct skc_opts *o, const char *arg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sort_keys); i++) {
		if (sort_key_is(arg, sort_keys[i])) {
			o->select.sort = (enum skc_sort)i;
			return 0;
		}
	}
	return options_usage_error("unknown sort key '%s' (recv_q, send_q, mem, pinned, drops, sockets, close-wait, leaked)", arg);
}

/* util-linux's rules (lib/colors.c) and no-color.org: auto colours a
 * terminal whose TERM is not "dumb", unless NO_COLOR is set and not
 * empty; --color=always and never say so whatever the rest. */
static bool color_wanted(enum skc_color c)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (c != SKC_COLOR_AUTO)
		return c == SKC_COLOR_ALWAYS;
	if (nc && *nc)
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(STDOUT_FILENO);
}

void options_init(struct skc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->select.port = -1;
	o->select.protos = SKC_PROTO_ALL;
	o->select.top = 10;
	o->judge.residue_bytes = 1024 * 1024;
	o->judge.rcvbuf_pct = 90;
	o->judge.pins_ratio = 4;
	o->judge.pins_min = 1024 * 1024;
	o->judge.suspect_bytes = 1024ULL * 1024 * 1024;
	o->select.close_wait_max = 100;	/* sysak skcheck had no such check */
	o->select.many_sockets_max = 2000;	/* sysak skcheck -t */
	o->select.leaked_sockets_max = 500;	/* sysak skcheck -l */
	o->proc_root = "/proc";
	o->netns_dir = "/run/netns";
	o->interval = 2;
	o->settle = 1;
	o->judge.window = o->settle;	/* one-shot: the settle time */
	o->stall_event_min = 64 * 1024;
	o->render.color = SKC_COLOR_AUTO;
}

/* --prometheus=FILE replaces FILE by rename(): only ever a regular file
 * (or nothing).  A FIFO, device, socket, directory or symlink there is
 * someone else's, and left alone.  Returns 0 or -1 (message printed). */
static int prom_file_check(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;	/* absent (or unreachable: the write says why) */
	if (S_ISREG(st.st_mode))
		return 0;
	options_usage_error("refusing to replace %s: it is a %s, not a regular file", path,
			    S_ISLNK(st.st_mode) ? "symbolic link" : S_ISDIR(st.st_mode) ? "directory" :
			    S_ISFIFO(st.st_mode) ? "FIFO" : S_ISSOCK(st.st_mode) ? "socket" :
			    S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "device" : "special file");
	return -1;
}

/* What the command line gave, beyond the values in struct skc_opts:
 * options_parse's checks after the loop need it. */
struct given {
	unsigned protos;	/* -t -u -U -x --proto */
	bool top, interval;
};

/* One option; returns -1 to go on or an exit status. */
static int parse_one(int c, const char *arg, struct skc_opts *o, struct given *g)
{
	unsigned long v;

	switch (c) {
	case 'a': o->select.all = true; break;
	case 's': o->render.sockets = true; break;
	case 'b': o->render.bytes = true; break;
	case 'n': o->render.noheadings = true; break;
	case 'r': o->render.raw = true; break;
	case 'J': o->json = true; break;
	case OPT_NO_SUMMARY: o->render.no_summary = true; break;
	case 'H':
	case OPT_LIST_COLUMNS: o->list_columns = true; break;
	case 'p': return add_pids(o, arg) ? SKC_EXIT_USAGE : -1;
	case 'C': return add_list(&o->select.comms, &o->select.ncomms, arg, "command name");
	case OPT_CONTAINER:
		if (!*arg)
			return options_usage_error("empty container id");
		add_str(&o->select.containers, &o->select.ncontainers, arg);
		break;
	case OPT_POD:
		if (!*arg)
			return options_usage_error("empty pod uid");
		add_str(&o->select.pods, &o->select.npods, arg);
		break;
	case OPT_NETNS:
		if (netns_parse_sel(arg, &o->netns) < 0)
			return options_usage_error("invalid network namespace '%s'", arg);
		o->netns_arg = arg;
		o->select.netns_filter = o->netns.kind != NETNS_ALL;
		break;
	case 'w': o->watch = true; break;
	case 'i':
		if (parse_duration(arg, &o->interval) < 0 || o->interval < 0.01)
			return options_usage_error("invalid interval '%s' (at least 10ms)", arg);
		g->interval = true;
		break;
	case 'c':
		if (parse_ulong(arg, ULONG_MAX, &v) < 0 || v == 0)
			return options_usage_error("invalid count '%s'", arg);
		o->count = v;
		break;
	case OPT_SETTLE:
		if (parse_duration(arg, &o->settle) < 0 || o->settle > 3600)
			return options_usage_error("invalid settle time '%s'", arg);
		break;
	case OPT_STALL_EVENT_MIN:
		if (parse_size(arg, &o->stall_event_min) < 0)
			return options_usage_error("invalid size '%s' for --stall-event-min", arg);
		break;
	case OPT_COLOR:
		if (!arg || strcmp(arg, "auto") == 0)
			o->render.color = SKC_COLOR_AUTO;
		else if (strcmp(arg, "always") == 0)
			o->render.color = SKC_COLOR_ALWAYS;
		else if (strcmp(arg, "never") == 0)
			o->render.color = SKC_COLOR_NEVER;
		else
			return options_usage_error("unknown --color '%s' (auto, always, never)", arg);
		break;
	case OPT_SUMMARY:
		if (strcmp(arg, "full") && strcmp(arg, "short"))
			return options_usage_error("unknown --summary '%s' (short, full)", arg);
		o->render.summary_full = strcmp(arg, "full") == 0;
		break;
	case OPT_WINDOW:
		if (parse_duration(arg, &o->judge.window) < 0 || o->judge.window <= 0)
			return options_usage_error("invalid stall window '%s'", arg);
		o->window_set = true;
		break;
	case OPT_PROMETHEUS:
		o->prometheus = true;
		if (arg && !*arg)
			return options_usage_error("--prometheus=: empty file name (leave out '=' for standard output)");
		o->prom_file = arg;
		if (arg && prom_file_check(arg) < 0)
			return SKC_EXIT_USAGE;
		break;
	case OPT_BY:
		if (strcmp(arg, "container") == 0)
			o->render.by_container = true;
		else if (strcmp(arg, "process") == 0)
			o->render.by_container = false;
		else
			return options_usage_error("unknown --by key '%s' (process, container)", arg);
		break;
	case 't': g->protos |= SKC_PROTO_BIT(SKC_TCP); break;
	case 'u': g->protos |= SKC_PROTO_BIT(SKC_UDP); break;
	case 'U': g->protos |= SKC_PROTO_BIT(SKC_UDPLITE); break;
	case 'x': g->protos |= SKC_PROTO_BIT(SKC_UNIX); break;
	case OPT_PROTO: return add_protos(&g->protos, arg) ? SKC_EXIT_USAGE : -1;
	case 'P':
		if (parse_ulong(arg, 65535, &v) < 0)
			return options_usage_error("invalid port '%s'", arg);
		o->select.port = (long)v;
		break;
	case 'm':
		if (parse_size(arg, &o->select.min_bytes) < 0)
			return options_usage_error("invalid size '%s' for --min-bytes", arg);
		break;
	case OPT_RESIDUE:
		if (parse_size(arg, &o->judge.residue_bytes) < 0 || !o->judge.residue_bytes)
			return options_usage_error("invalid size '%s' for --residue", arg);
		break;
	case OPT_RCVBUF_PCT:
		if (parse_ulong(arg, 100, &v) < 0 || v == 0)
			return options_usage_error("invalid percentage '%s' for --rcvbuf-pct (1-100)", arg);
		o->judge.rcvbuf_pct = (unsigned)v;
		break;
	case OPT_CLOSE_WAIT:
	case OPT_MANY_SOCKETS:
	case OPT_LEAKED_SOCKETS:
		if (parse_ulong(arg, UINT32_MAX, &v) < 0 || v == 0)
			return options_usage_error("invalid count '%s' for --%s (1 or more)", arg,
				   c == OPT_CLOSE_WAIT ? "close-wait" :
				   c == OPT_MANY_SOCKETS ? "many-sockets" : "leaked-sockets");
		*(c == OPT_CLOSE_WAIT ? &o->select.close_wait_max :
		  c == OPT_MANY_SOCKETS ? &o->select.many_sockets_max :
		  &o->select.leaked_sockets_max) = v;
		break;
	case OPT_SORT: return parse_sort(o, arg) ? SKC_EXIT_USAGE : -1;
	case 'M': o->render.memory = true; break;
	case OPT_NO_PINNED: o->no_pinned = true; break;
	case OPT_PINS_RATIO:
		if (parse_ulong(arg, 1000000, &v) < 0 || v == 0)
			return options_usage_error("invalid ratio '%s' for --pins-ratio (1-1000000)", arg);
		o->judge.pins_ratio = (unsigned)v;
		break;
	case OPT_PINS_MIN:
		if (parse_size(arg, &o->judge.pins_min) < 0 || !o->judge.pins_min)
			return options_usage_error("invalid size '%s' for --pins-min", arg);
		break;
	case OPT_MEMORY_SUSPECT:
		if (parse_size(arg, &o->judge.suspect_bytes) < 0 || !o->judge.suspect_bytes)
			return options_usage_error("invalid size '%s' for --memory-suspect", arg);
		break;
	case 'N':
		if (parse_ulong(arg, LONG_MAX, &v) < 0)
			return options_usage_error("invalid number '%s' for --top", arg);
		o->select.top = (long)v;
		g->top = true;
		break;
	case 'o':
		o->render.columns = arg;
		return check_columns(arg);
	case 'h': usage(); return SKC_EXIT_OK;
	case 'V': printf("skcheck %s\n", PACKAGE_VERSION); return SKC_EXIT_OK;
	default:
		return SKC_EXIT_USAGE;	/* reported by options_parse */
	}
	return -1;
}

/* getopt_long answered '?' for "--NAME[=ARG]": an abbreviation of
 * several long options (named, as getopt's own message does), an argument
 * to an option that takes none, or no such option. */
static int long_option_error(const char *arg)
{
	const char *name = arg + 2;
	size_t len = strcspn(name, "="), n = 0, i, last = 0;
	char cand[512] = "";

	for (i = 0; longopts[i].name; i++) {
		if (strncmp(longopts[i].name, name, len) != 0)
			continue;
		if (strlen(longopts[i].name) == len)	/* exact: not ambiguous */
			return options_usage_error("option '--%s' doesn't allow an argument",
						   longopts[i].name);
		snprintf(cand + strlen(cand), sizeof(cand) - strlen(cand), "%s--%s",
			 n ? ", " : "", longopts[i].name);
		last = i;
		n++;
	}
	if (n > 1)
		return options_usage_error("option '--%.*s' is ambiguous: %s", (int)len, name, cand);
	if (n == 1 && name[len] == '=')
		return options_usage_error("option '--%s' doesn't allow an argument",
					   longopts[last].name);
	return options_usage_error("unrecognized option '%s'", arg);
}

static int getopt_error(int c, const char *arg)
{
	if (c == ':')
		return options_usage_error("option '%s' requires an argument", arg);
	if (optopt && strncmp(arg, "--", 2) != 0)
		return options_usage_error("invalid option -- '%c'", optopt);
	if (strncmp(arg, "--", 2) == 0 && arg[2])
		return long_option_error(arg);
	return options_usage_error("unrecognized option '%s'", arg);
}

/* SKCHECK_NS_THREADS: the namespace dump pool's size (1: one namespace
 * after the other on the calling thread), a test hook to compare the
 * two paths.  -1 to continue, or the usage status. */
static int ns_threads_env(struct skc_opts *o)
{
	const char *s = getenv("SKCHECK_NS_THREADS");
	unsigned long v;

	if (!s || !*s)
		return -1;
	if (parse_ulong(s, 64, &v) < 0 || v == 0)
		return options_usage_error("SKCHECK_NS_THREADS must be a number from 1 to 64");
	o->ns_threads = (unsigned)v;
	return -1;
}

int options_parse(int argc, char **argv, struct skc_opts *o)
{
	struct given g = { 0 };
	int c, ret;

	options_init(o);
	optind = 0;	/* full getopt reset: tests parse more than once */
	opterr = 0;	/* our own messages, with our own name */
	while ((c = getopt_long(argc, argv, ":asbp:C:tuUxP:m:N:o:nrJwi:c:MhVH",
				longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return getopt_error(c, argv[optind - 1]);
		ret = parse_one(c, optarg, o, &g);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return options_usage_error("unexpected argument '%s'", argv[optind]);
	o->select.protos = g.protos ? g.protos : SKC_PROTO_ALL;
	if (o->select.all && !g.top)
		o->select.top = 0;
	if (o->render.raw)
		o->render.no_summary = true;
	o->select.list_sockets = o->json || o->render.sockets || o->watch;
	if (!o->window_set)
		o->judge.window = o->watch ? 10 : o->settle;
	/* Every argument was checked above whatever the mode.  Options that
	 * only shape another mode are then ignored (the table's under -J or
	 * --prometheus, --settle under --watch), so one command line can
	 * switch modes; but --count and --interval only mean something
	 * repeated: without --watch they are a forgotten --watch, and a run
	 * that quietly samples once would hide it. */
	if (o->count && !o->watch)
		return options_usage_error("--count needs --watch");
	if (g.interval && !o->watch)
		return options_usage_error("--interval needs --watch");
	if (o->watch && o->prometheus && !o->prom_file)
		return options_usage_error("--watch with --prometheus needs a file: --prometheus=FILE");
	if (o->prometheus && o->json)
		return options_usage_error("--prometheus and --json are exclusive");
	/* internal test hooks, documented in skcheck(8) ENVIRONMENT */
	if (getenv("SKCHECK_PROC_ROOT"))
		o->proc_root = getenv("SKCHECK_PROC_ROOT");
	o->record_dir = getenv("SKCHECK_NL_RECORD");
	o->replay_dir = getenv("SKCHECK_NL_REPLAY");
	if (getenv("SKCHECK_NETNS_DIR"))
		o->netns_dir = getenv("SKCHECK_NETNS_DIR");
	o->render.use_color = color_wanted(o->render.color);
	o->pinned_walk = getenv("SKCHECK_PINNED_WALK");
	if (o->pinned_walk && !*o->pinned_walk)
		o->pinned_walk = NULL;
	if (o->pinned_walk && strcmp(o->pinned_walk, "files") != 0 &&
	    strcmp(o->pinned_walk, "iterators") != 0)
		return options_usage_error("SKCHECK_PINNED_WALK must be files or iterators");
	o->owners = getenv("SKCHECK_OWNERS");
	if (o->owners && !*o->owners)
		o->owners = NULL;	/* set but empty: as unset */
	if (o->owners && strcmp(o->owners, "proc") != 0 && strcmp(o->owners, "bpf") != 0)
		return options_usage_error("SKCHECK_OWNERS must be proc or bpf");
	return ns_threads_env(o);
}

void options_free(struct skc_opts *o)
{
	size_t i;

	for (i = 0; i < o->select.ncomms; i++)
		free(o->select.comms[i]);
	free(o->select.comms);
	for (i = 0; i < o->select.ncontainers; i++)
		free(o->select.containers[i]);
	free(o->select.containers);
	for (i = 0; i < o->select.npods; i++)
		free(o->select.pods[i]);
	free(o->select.pods);
	free(o->select.pids);
}

bool options_selecting(const struct skc_opts *o)
{
	return o->select.npids || o->select.ncomms || o->select.ncontainers || o->select.npods ||
	       o->select.protos != SKC_PROTO_ALL || o->select.port >= 0 ||
	       o->netns.kind != NETNS_ALL;
}
