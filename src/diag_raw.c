/* Raw IP sockets (VRRP, ICMP tools).  Kernels with raw_diag dump them
 * through inet_diag (diag_inet.c, IPPROTO_RAW); without it, the
 * namespace's /proc/net/raw and raw6 say the same for each socket (as
 * ss falls back to): queues, inode, drops (raw_sock_seq_show). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "diag.h"
#include "socktab.h"

/* An address as /proc prints it: each 32-bit word of the network-order
 * address printed with %08X in host order. */
static int parse_hex_addr(const char *hex, size_t words, uint8_t *out)
{
	size_t i;

	for (i = 0; i < words; i++) {
		unsigned int w;
		char chunk[9];

		memcpy(chunk, hex + 8 * i, 8);
		chunk[8] = '\0';
		if (sscanf(chunk, "%8x", &w) != 1)
			return -EINVAL;
		memcpy(out + 4 * i, &w, 4);
	}
	return 0;
}

int diag_raw_parse_line(const char *line, int family, uint64_t netns,
			struct skc_socktab *t)
{
	char la[33], ra[33];
	unsigned int lport, rport, st, uid;
	unsigned long tx, rx, ref;
	unsigned long long ino, drops;
	size_t words = family == AF_INET ? 1 : 4;
	struct skc_sock *s;
	uint8_t laddr[16] = { 0 }, raddr[16] = { 0 };

	/* sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ref ptr drops */
	if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %32[0-9A-Fa-f]:%x %x %lx:%lx %*x:%*x %*x %u %*d %llu %lu %*s %llu",
		   la, &lport, ra, &rport, &st, &tx, &rx, &uid, &ino, &ref, &drops) != 11)
		return -EINVAL;
	if (strlen(la) != 8 * words || strlen(ra) != 8 * words ||
	    parse_hex_addr(la, words, laddr) < 0 || parse_hex_addr(ra, words, raddr) < 0)
		return -EINVAL;
	s = socktab_add(t);
	s->proto = SKC_RAW;
	s->family = (uint8_t)family;
	s->type = SOCK_RAW;
	s->state = (uint8_t)st;
	s->inode = ino;
	/* /proc/net/raw has no socket cookie; the tracker keys on cookie
	 * and inode, so stand in with the inode, marked by the top bit
	 * (real cookies count up from 1: sock_gen_cookie) */
	s->cookie = ino | 1ULL << 63;
	s->netns = netns;
	s->uid = uid;
	memcpy(s->local.addr, laddr, sizeof(laddr));
	memcpy(s->peer.addr, raddr, sizeof(raddr));
	/* the "port" of a raw socket is its IP protocol (inet_num) */
	sock_rare_w(s)->sproto = lport;
	s->local.port = 0;
	s->peer.port = 0;
	s->rqueue = (uint32_t)rx;
	s->wqueue = (uint32_t)tx;
	/* rx/tx are rmem_alloc/wmem_alloc, drops sk_drops; the buffer
	 * sizes are not in the file (rcvbuf stays 0: unknown) */
	s->has_skmem = true;
	s->skmem[SK_MEMINFO_RMEM_ALLOC] = (uint32_t)rx;
	s->skmem[SK_MEMINFO_WMEM_ALLOC] = (uint32_t)tx;
	s->skmem[SK_MEMINFO_DROPS] = (uint32_t)drops;
	return 0;
}

int diag_raw_procfs(const char *proc_root, int family, uint64_t netns,
		    struct skc_socktab *t, unsigned *bad)
{
	char path[4096], line[512];
	FILE *f;

	/* thread-self: the namespace this thread has entered (setns) */
	snprintf(path, sizeof(path), "%s/thread-self/net/%s", proc_root,
		 family == AF_INET ? "raw" : "raw6");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -EIO;
	}
	while (fgets(line, sizeof(line), f))
		if (diag_raw_parse_line(line, family, netns, t) < 0)
			(*bad)++;
	fclose(f);
	return 0;
}
