#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockstat.h"

/* FRAG and FRAG6 add up: a count the kernel never makes negative, kept
 * at LONG_MAX rather than overflowing on a hostile file. */
static void add_frag(long *sum, long v)
{
	if (v <= 0)
		return;
	*sum = v > LONG_MAX - *sum ? LONG_MAX : *sum + v;
}

/* sockstat and sockstat6 share one line format; TCP and UDP mem are
 * global pages (tcp_memory_allocated), so only sockstat has them. */
void sockstat6_parse(FILE *f, struct skc_sockstat *ss)
{
	char line[256];
	long inuse, frag;

	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "sockets: used %ld", &ss->sockets_used) == 1)
			ss->valid = true;
		else if (sscanf(line, "TCP: inuse %ld orphan %ld tw %ld alloc %ld mem %ld",
				&ss->tcp_inuse, &ss->tcp_orphan, &ss->tcp_tw,
				&ss->tcp_alloc, &ss->tcp_mem) == 5)
			ss->valid = true;
		else if (sscanf(line, "UDP: inuse %ld mem %ld", &ss->udp_inuse,
				&ss->udp_mem) == 2)
			ss->valid = true;
		else if (sscanf(line, "FRAG: inuse %ld memory %ld", &inuse, &frag) == 2 ||
			 sscanf(line, "FRAG6: inuse %ld memory %ld", &inuse, &frag) == 2)
			add_frag(&ss->frag_memory, frag);
		else if (sscanf(line, "TCP6: inuse %ld", &inuse) == 1) {
			ss->tcp6_inuse = inuse;
			ss->valid6 = true;
		}
		else if (sscanf(line, "UDP6: inuse %ld", &inuse) == 1)
			ss->udp6_inuse = inuse;
		else
			sscanf(line, "UDPLITE: inuse %ld", &ss->udplite_inuse);
	}
}

void sockstat_parse(FILE *f, struct skc_sockstat *ss)
{
	memset(ss, 0, sizeof(*ss));
	sockstat6_parse(f, ss);
}

/* /proc/net/netstat pairs a header line with a value line per group. */
void netstat_parse(FILE *f, uint64_t *overflows, uint64_t *drops)
{
	char names[4096], values[4096];

	*overflows = *drops = 0;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		char *sn = NULL, *sv = NULL, *n, *v;

		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		while ((n = strtok_r(NULL, " \n", &sn)) && (v = strtok_r(NULL, " \n", &sv))) {
			if (strcmp(n, "ListenOverflows") == 0)
				*overflows = strtoull(v, NULL, 10);
			else if (strcmp(n, "ListenDrops") == 0)
				*drops = strtoull(v, NULL, 10);
		}
	}
}

/* Open proc_root/name and hand it to parse. 0 or -errno. */
static int read_proc_file(const char *proc_root, const char *name,
			  void (*parse)(FILE *, void *), void *arg)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", proc_root, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	parse(f, arg);
	fclose(f);
	return 0;
}

static void sockstat_cb(FILE *f, void *arg)
{
	sockstat_parse(f, arg);
}

static void sockstat6_cb(FILE *f, void *arg)
{
	sockstat6_parse(f, arg);
}

int sockstat_read(const char *proc_root, struct skc_sockstat *ss)
{
	int ret = read_proc_file(proc_root, "net/sockstat", sockstat_cb, ss);

	/* no sockstat6 without IPv6: nothing to add then */
	if (ret == 0)
		read_proc_file(proc_root, "net/sockstat6", sockstat6_cb, ss);
	return ret;
}

struct listen_counters {
	uint64_t *overflows, *drops;
};

static void netstat_cb(FILE *f, void *arg)
{
	struct listen_counters *c = arg;

	netstat_parse(f, c->overflows, c->drops);
}

int netstat_read(const char *proc_root, uint64_t *overflows, uint64_t *drops)
{
	struct listen_counters c = { overflows, drops };

	return read_proc_file(proc_root, "net/netstat", netstat_cb, &c);
}
