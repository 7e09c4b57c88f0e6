/* Command-line options: parsed once into one struct and passed down. */
#ifndef SKC_OPTIONS_H
#define SKC_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include "figures.h"

enum netns_sel_kind { NETNS_ALL, NETNS_CURRENT, NETNS_NAME, NETNS_INODE, NETNS_PID };

/* --netns (netns_parse_sel) */
struct netns_sel {
	enum netns_sel_kind kind;
	const char *name;
	uint64_t value;		/* inode or pid */
};

/* Judging: flag thresholds and the stall window (judge.c; the
 * tracker takes the window). */
struct skc_judge_opts {
	uint64_t residue_bytes;	/* residue flag: unread bytes on one socket */
	unsigned rcvbuf_pct;	/* rcvbuf-full: receive buffer use, percent */
	unsigned pins_ratio;	/* pins-pages: pinned >= ratio x truesize */
	uint64_t pins_min;	/* ... and >= this many bytes */
	uint64_t suspect_bytes;	/* memory-suspect: unaccounted and pinned */
	double window;		/* stall window in seconds */
};

/* Which processes, containers and sockets are listed, in what order
 * (rollup.c). */
struct skc_select_opts {
	pid_t *pids;
	size_t npids;
	char **comms;
	size_t ncomms;
	char **containers;	/* id prefixes */
	size_t ncontainers;
	char **pods;		/* pod UIDs (or prefixes) */
	size_t npods;
	unsigned protos;	/* SKC_PROTO_BIT mask */
	long port;		/* -1: any */
	bool netns_filter;	/* --netns other than all */
	uint64_t min_bytes;
	bool all;		/* also rows with nothing queued or flagged */
	/* build each listed process's socket list (skc_proc.listed): only
	 * what shows it reads it (JSON, -s, the watch screen's toggle); a
	 * table with --all but no -s would sort every socket for nothing */
	bool list_sockets;
	enum skc_sort sort;
	long top;		/* 0: unlimited */
	/* process flags judged on a process's descriptors as a whole (the
	 * leak checks of sysak skcheck): counts at which they are set */
	unsigned long close_wait_max, many_sockets_max, leaked_sockets_max;
};

/* --color (util-linux's rules; render_color.c decides auto) */
enum skc_color { SKC_COLOR_AUTO, SKC_COLOR_ALWAYS, SKC_COLOR_NEVER };

/* How the table and summary look (render_*.c). */
struct skc_render_opts {
	bool sockets, bytes, noheadings, raw, no_summary;
	bool by_container;
	bool memory;		/* -M: the whole host memory breakdown */
	const char *columns;	/* -o argument */
	enum skc_color color;	/* as given; options_parse resolves auto
				 * into use_color */
	bool use_color;		/* colour the flags and the diagnosis */
	bool summary_full;	/* --summary=full: idle namespaces listed too */
	unsigned term_width;	/* > 0: fit the table to this many columns
				 * (set by the watch screen, not an option) */
};

struct skc_opts {
	struct skc_judge_opts judge;
	struct skc_select_opts select;
	struct skc_render_opts render;
	/* collection */
	bool no_pinned;		/* --no-pinned: no BPF walk */
	struct netns_sel netns;
	const char *netns_arg;
	/* the run */
	bool list_columns, json;
	bool watch;
	double interval;	/* seconds between watch samples */
	unsigned long count;	/* watch samples, 0 = until stopped */
	double settle;		/* one-shot: seconds between two samples */
	bool window_set;
	bool prometheus;
	const char *prom_file;	/* NULL: stdout */
	/* stall begin/end event lines of stalls holding fewer bytes are
	 * left out (evgate.c); JSON keeps every event */
	uint64_t stall_event_min;
	/* internal test hooks, from the environment (see man page) */
	const char *proc_root;
	const char *record_dir;
	const char *replay_dir;	/* sock_diag dumps from recordings */
	const char *netns_dir;	/* named namespaces, /run/netns */
	const char *owners;	/* SKCHECK_OWNERS: NULL (auto), "proc" or "bpf" */
	const char *pinned_walk;	/* SKCHECK_PINNED_WALK: NULL, "files" or "iterators" */
	unsigned ns_threads;	/* SKCHECK_NS_THREADS: 0 (auto) or the
				 * namespace dump pool's size (nsdump.c) */
};

#define SKC_EXIT_OK 0
#define SKC_EXIT_FLAGGED 1
#define SKC_EXIT_USAGE 2
#define SKC_EXIT_FAILURE 3
#define SKC_EXIT_PARTIAL 4	/* nothing flagged, but the view is partial */

/* The defaults, as with no options (no environment hooks applied). */
void options_init(struct skc_opts *o);

/* Parse argv. Returns -1 to continue, or an exit status (--help,
 * --version, usage error: message already printed). */
int options_parse(int argc, char **argv, struct skc_opts *o);
void options_free(struct skc_opts *o);
/* Print "skcheck: MESSAGE" and the --help hint to stderr; returns
 * SKC_EXIT_USAGE. */
int options_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The --sort name of k ("recv_q"), as --sort takes it. */
const char *options_sort_name(enum skc_sort k);

/* --netns: "all", "current", "pid:N", "ino:N" or a bare number (inode),
 * else a name from /run/netns.  Returns 0 or -EINVAL. */
int netns_parse_sel(const char *arg, struct netns_sel *sel);
/* "1M", "512k", "1.5M", "100": power-of-1024 suffixes, a fraction only
 * with one (rounded down to a byte). Returns 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *out);
/* "2", "0.5", "500ms", "2s", "1m": seconds. Returns 0 or -EINVAL. */
int parse_duration(const char *s, double *out);

/* Does o narrow the processes listed (--pid, --comm, --container,
 * --pod, --proto, --port, --netns)? */
bool options_selecting(const struct skc_opts *o);

#endif
