/* Prometheus text exposition (format 0.0.4).  Labels per process and per
 * protocol only, never per socket: socket counts are unbounded and
 * would explode a time-series database. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "escape.h"
#include "meminfo.h"
#include "render.h"
#include "util.h"

static void header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values: our \xNN escaping first (no control bytes, valid UTF-8),
 * then the exposition format's own escapes for backslash and quote. */
static void label_value(FILE *out, const char *s)
{
	char *e = escape_bytes(s, strlen(s)), *p;

	for (p = e; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', out);
		fputc(*p, out);
	}
	free(e);
}

static void proto_metrics(FILE *out, const struct skc_host *h)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} m[] = {
		{ "skcheck_sockets", "Sockets seen, by protocol.", offsetof(struct skc_figures, sockets) },
		{ "skcheck_recv_queue_bytes", "Unread bytes in receive queues, by protocol (UDP counts truesize; bytes of queued connections once; listeners' connection counts excluded).", offsetof(struct skc_figures, recv_q) },
		{ "skcheck_send_queue_bytes", "Bytes in send queues, by protocol.", offsetof(struct skc_figures, send_q) },
		{ "skcheck_socket_memory_bytes", "Socket buffer memory (rmem_alloc + max(wmem_queued, wmem_alloc)), by protocol.", offsetof(struct skc_figures, mem) },
		{ "skcheck_socket_drops", "Packets dropped by sockets open now (sum of sk_drops; falls when sockets close).", offsetof(struct skc_figures, drops) },
	};
	size_t k;
	unsigned p;

	for (k = 0; k < ARRAY_SIZE(m); k++) {
		header(out, m[k].name, "gauge", m[k].help);
		for (p = 0; p < SKC_PROTO_MAX; p++)
			fprintf(out, "%s{proto=\"%s\"} %llu\n", m[k].name, proto_name(p),
				(unsigned long long)*(const uint64_t *)((const char *)&h->protos[p] + m[k].off));
	}
}

static void gauge(FILE *out, const char *name, const char *help, double v)
{
	header(out, name, "gauge", help);
	fprintf(out, "%s %.17g\n", name, v);
}

static void partial_metrics(FILE *out, const struct skc_host *h)
{
	unsigned i;

	gauge(out, "skcheck_partial",
	      "1 when the sample could not look at everything (see skcheck_partial_reason).",
	      h->partial ? 1 : 0);
	header(out, "skcheck_partial_reason", "gauge",
	       "1 for each reason the sample is partial: netns, dump, unattributed.");
	for (i = 0; i < SKC_NPARTIAL; i++)
		fprintf(out, "skcheck_partial_reason{reason=\"%s\"} %d\n", partial_name(i),
			(h->partial_why & (1u << i)) != 0);
	gauge(out, "skcheck_unattributed_bytes",
	      "Bytes queued on sockets no visible process holds, when processes were not inspected.",
	      (double)h->unattributed);
}

/* Processes by scan outcome, each in one state (sum() = scanned). */
static void process_states(FILE *out, const struct skc_host *h)
{
	const struct skc_proctab *pt = &h->procs;
	unsigned busy = h->procs_queued + pt->denied + pt->failed;

	header(out, "skcheck_processes", "gauge",
	       "Processes scanned, each in one state: flagged, queued (data queued, no flag), idle, denied (fds not readable), failed (skcheck's own failure).");
	fprintf(out, "skcheck_processes{state=\"flagged\"} %u\n", h->procs_flagged);
	fprintf(out, "skcheck_processes{state=\"queued\"} %u\n",
		h->procs_queued - h->procs_flagged);
	fprintf(out, "skcheck_processes{state=\"idle\"} %u\n",
		pt->scanned > busy ? pt->scanned - busy : 0);
	fprintf(out, "skcheck_processes{state=\"denied\"} %u\n", pt->denied);
	fprintf(out, "skcheck_processes{state=\"failed\"} %u\n", pt->failed);
}

static void host_metrics(FILE *out, const struct skc_host *h)
{
	size_t i;

	header(out, "skcheck_build_info", "gauge", "The skcheck version that wrote these series.");
	fprintf(out, "skcheck_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	partial_metrics(out, h);

	gauge(out, "skcheck_accept_queue_connections",
	      "Connections waiting in listeners' accept queues.", (double)h->total.accept_q);
	/* a stall needs two samples: without them the stall series are
	 * absent, not 0, and the window says why */
	gauge(out, "skcheck_stall_window_seconds",
	      "The stall window of this sample; 0 when stalls were not judged (a single sample: the stall series are absent).",
	      h->tracked ? h->window : 0);
	if (h->tracked) {
		gauge(out, "skcheck_stalled_sockets",
		      "Sockets whose queue made no progress for the stall window.", (double)h->total.stalled_sockets);
		gauge(out, "skcheck_stalled_bytes",
		      "Bytes held by stalled sockets.", (double)h->total.stalled_bytes);
	}
	header(out, "skcheck_listen_overflows_total", "counter",
	       "Kernel TcpExt ListenOverflows (accept queue full) of the network namespace skcheck runs in.");
	fprintf(out, "skcheck_listen_overflows_total %llu\n",
		(unsigned long long)h->listen_overflows);
	process_states(out, h);
	header(out, "skcheck_netns_recv_queue_bytes", "gauge",
	       "Unread bytes per network namespace.");
	for (i = 0; i < h->nets.n; i++) {
		const struct skc_netns *ns = &h->nets.v[i];

		if (!netns_scanned(ns))
			continue;
		fprintf(out, "skcheck_netns_recv_queue_bytes{netns=\"%llu\",name=\"",
			(unsigned long long)ns->ino);
		label_value(out, ns->name ? ns->name : "");
		fprintf(out, "\"} %llu\n", (unsigned long long)ns->fig.recv_q);
	}
	gauge(out, "skcheck_scan_duration_seconds",
	      "Time the last sample took to collect and judge.", h->duration);
	gauge(out, "skcheck_scrape_duration_seconds",
	      "Time from skcheck's start (a watch sample's start) to writing these series, --settle included.",
	      h->run_duration > h->duration ? h->run_duration : h->duration);
	gauge(out, "skcheck_last_sample_timestamp_seconds",
	      "Unix time of the last sample.", h->time);
}

/* Host memory parts (they add up to total) and socket memory; pinned
 * series only when the sample has pinned figures. */
static void memory_metrics(FILE *out, const struct skc_host *h)
{
	const struct skc_memory *m = &h->memory;
	unsigned i;

	header(out, "skcheck_memory_bytes", "gauge",
	       "Host memory by part (/proc/meminfo breakdown, see skcheck(8) MEMORY; the parts add up to total).");
	if (m->valid) {
		fprintf(out, "skcheck_memory_bytes{part=\"total\"} %llu\n",
			(unsigned long long)m->total);
		for (i = 0; i < SKC_MEM_PARTS; i++)
			fprintf(out, "skcheck_memory_bytes{part=\"%s\"} %lld\n",
				meminfo_part_name(i), (long long)m->part[i]);
	}
	fprintf(out, "skcheck_memory_bytes{part=\"socket_truesize\"} %llu\n",
		(unsigned long long)m->truesize);
	fprintf(out, "skcheck_memory_bytes{part=\"sockstat\"} %llu\n",
		(unsigned long long)m->sockstat_bytes);
	if (m->pinned_valid)
		fprintf(out, "skcheck_memory_bytes{part=\"socket_pinned\"} %llu\n",
			(unsigned long long)m->pinned);
	gauge(out, "skcheck_memory_suspect",
	      "1 when the host is flagged memory-suspect.", m->suspect ? 1 : 0);
}

/* {pid="..",comm="..",container="..",pod=".." without the closing
 * brace; pid < 0: no pid label (command series) */
static void proc_labels(FILE *out, pid_t pid, const struct skc_proc *p)
{
	fputc('{', out);
	if (pid >= 0)
		fprintf(out, "pid=\"%d\",", (int)pid);
	fputs("comm=\"", out);
	label_value(out, p->comm);
	fputs("\",container=\"", out);
	label_value(out, p->cont.id);
	fputs("\",pod=\"", out);
	label_value(out, p->cont.pod);
	fputs("\"", out);
}

/* The figures both process and command series have; stall ones only in
 * a tracked sample. */
static const struct fig_metric {
	const char *name, *help;
	size_t off;	/* into struct skc_figures */
	bool stall;
} fig_metrics[] = {
	{ "recv_queue_bytes", "Unread bytes in sockets (incl. queued connections of listeners)", offsetof(struct skc_figures, recv_q), false },
	{ "send_queue_bytes", "Bytes in send queues", offsetof(struct skc_figures, send_q), false },
	{ "socket_memory_bytes", "Socket buffer memory", offsetof(struct skc_figures, mem), false },
	{ "socket_drops", "Packets dropped by open sockets", offsetof(struct skc_figures, drops), false },
	{ "sockets", "Sockets held", offsetof(struct skc_figures, sockets), false },
	{ "accept_queue_connections", "Connections waiting in accept queues", offsetof(struct skc_figures, accept_q), false },
	{ "stalled_sockets", "Stalled sockets (absent when stalls were not judged)", offsetof(struct skc_figures, stalled_sockets), true },
	{ "stalled_bytes", "Bytes held by stalled sockets (absent when stalls were not judged)", offsetof(struct skc_figures, stalled_bytes), true },
};

static uint64_t fig_value(const struct skc_figures *f, const struct fig_metric *m)
{
	return *(const uint64_t *)((const char *)f + m->off);
}

static void fig_header(FILE *out, const char *prefix, const struct fig_metric *m,
		       const char *what)
{
	char name[96], help[256];

	snprintf(name, sizeof(name), "%s%s", prefix, m->name);
	snprintf(help, sizeof(help), "%s, per %s.", m->help, what);
	header(out, name, "gauge", help);
}

/* Per command (comm, container, pod) over every process the filters
 * select, listed or not: no pid label, so a restart keeps the series. */
static void command_metrics(FILE *out, const struct skc_host *h)
{
	size_t i, k;

	for (k = 0; k < ARRAY_SIZE(fig_metrics); k++) {
		if (fig_metrics[k].stall && !h->tracked)
			continue;
		fig_header(out, "skcheck_command_", &fig_metrics[k],
			   "command (comm, container, pod; each socket once)");
		for (i = 0; i < h->ncmds; i++) {
			fprintf(out, "skcheck_command_%s", fig_metrics[k].name);
			proc_labels(out, -1, h->cmds[i].p);
			fprintf(out, "} %llu\n",
				(unsigned long long)fig_value(&h->cmds[i].fig, &fig_metrics[k]));
		}
	}
	header(out, "skcheck_command_processes", "gauge",
	       "Processes of the command that pass the filters.");
	for (i = 0; i < h->ncmds; i++) {
		fputs("skcheck_command_processes", out);
		proc_labels(out, -1, h->cmds[i].p);
		fprintf(out, "} %u\n", h->cmds[i].nprocs);
	}
	header(out, "skcheck_command_flagged_processes", "gauge",
	       "Processes of the command with a flag (see skcheck(8) FLAGS).");
	for (i = 0; i < h->ncmds; i++) {
		fputs("skcheck_command_flagged_processes", out);
		proc_labels(out, -1, h->cmds[i].p);
		fprintf(out, "} %u\n", h->cmds[i].nflagged);
	}
}

static void proc_metrics(FILE *out, const struct skc_host *h)
{
	size_t i, k;
	unsigned f;

	for (k = 0; k < ARRAY_SIZE(fig_metrics); k++) {
		if (fig_metrics[k].stall && !h->tracked)
			continue;
		fig_header(out, "skcheck_process_", &fig_metrics[k], "process");
		for (i = 0; i < h->nranked; i++) {
			const struct skc_proc *p = h->ranked[i];

			fprintf(out, "skcheck_process_%s", fig_metrics[k].name);
			proc_labels(out, p->pid, p);
			fprintf(out, "} %llu\n",
				(unsigned long long)fig_value(&p->fig, &fig_metrics[k]));
		}
	}
	if (h->pinned_avail) {
		header(out, "skcheck_process_pinned_bytes", "gauge",
		       "Memory of the pages the process's socket queues pin (BPF).");
		for (i = 0; i < h->nranked; i++) {
			fputs("skcheck_process_pinned_bytes", out);
			proc_labels(out, h->ranked[i]->pid, h->ranked[i]);
			fprintf(out, "} %llu\n", (unsigned long long)h->ranked[i]->fig.pinned);
		}
	}
	header(out, "skcheck_process_flag", "gauge",
	       "1 for each flag set on the process (see skcheck(8) FLAGS).");
	for (i = 0; i < h->nranked; i++) {
		for (f = 0; f < SKC_NFLAGS; f++) {
			if (!(h->ranked[i]->fig.flags & (1u << f)))
				continue;
			fputs("skcheck_process_flag", out);
			proc_labels(out, h->ranked[i]->pid, h->ranked[i]);
			fprintf(out, ",flag=\"%s\"} 1\n", flag_name(f));
		}
	}
}

int render_prometheus(FILE *out, const struct skc_host *h)
{
	proto_metrics(out, h);
	host_metrics(out, h);
	memory_metrics(out, h);
	proc_metrics(out, h);
	command_metrics(out, h);
	return ferror(out) ? -EIO : 0;
}

int render_prometheus_file(const char *path, const struct skc_host *h)
{
	size_t len = strlen(path);
	char *tmp = xmalloc(len + 16);
	struct stat st;
	FILE *f;
	int fd, ret;

	/* rename() would replace whatever is there: only ever a regular
	 * file (options.c refused the rest; this catches a swap since) */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		ret = -EEXIST;
		goto out;
	}
	/* same directory, so rename() is atomic for the collector */
	snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* mkstemp makes it 0600; the collector may run as another user */
	if (fchmod(fd, 0644) < 0) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	ret = render_prometheus(f, h);
	if (fflush(f) == EOF || fsync(fileno(f)) < 0)
		ret = -errno;
	if (fclose(f) == EOF && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
out:
	free(tmp);
	return ret;
}
