#include "config.h"

#include <errno.h>
#include <stdio.h>
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

int sockstat_read(const char *proc_root, struct skc_sockstat *ss)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/net/sockstat", proc_root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	sockstat_parse(f, ss);
	fclose(f);
	return 0;
}
