#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockstat.h"

void sockstat_parse(FILE *f, struct skc_sockstat *ss)
{
	char line[256];

	memset(ss, 0, sizeof(*ss));
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
		else
			sscanf(line, "UDPLITE: inuse %ld", &ss->udplite_inuse);
	}
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

int sockstat_read(const char *proc_root, struct skc_sockstat *ss)
{
	return read_proc_file(proc_root, "net/sockstat", sockstat_cb, ss);
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
