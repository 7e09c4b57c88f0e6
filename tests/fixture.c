#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fixture.h"
#include "socktab.h"
#include "util.h"

struct skc_sock fx_sock_value(uint8_t proto, uint8_t state, uint32_t rq,
			      uint32_t wq)
{
	struct skc_sock s;

	memset(&s, 0, sizeof(s));
	s.proto = proto;
	s.family = proto == SKC_UNIX ? AF_UNIX : AF_INET;
	s.type = proto == SKC_UDP || proto == SKC_UDPLITE ? SOCK_DGRAM : SOCK_STREAM;
	s.state = state;
	s.rqueue = rq;
	s.wqueue = wq;
	s.listener = -1;
	s.cgroup_match = -1;
	return s;
}

struct skc_sock *fx_sock(struct skc_host *h, uint8_t proto, uint8_t state,
			 uint64_t inode, uint32_t rq, uint32_t wq)
{
	struct skc_sock *s = socktab_add(&h->socks);

	*s = fx_sock_value(proto, state, rq, wq);
	s->inode = inode;
	s->cookie = inode ? inode : 1000 + h->socks.n;
	return s;
}

void fx_skmem(struct skc_sock *s, uint32_t rmem, uint32_t rcvbuf,
	      uint32_t wmem_alloc, uint32_t wmem_queued, uint32_t drops)
{
	s->has_skmem = true;
	s->skmem[SK_MEMINFO_RMEM_ALLOC] = rmem;
	s->skmem[SK_MEMINFO_RCVBUF] = rcvbuf;
	s->skmem[SK_MEMINFO_WMEM_ALLOC] = wmem_alloc;
	s->skmem[SK_MEMINFO_SNDBUF] = 212992;
	s->skmem[SK_MEMINFO_WMEM_QUEUED] = wmem_queued;
	s->skmem[SK_MEMINFO_DROPS] = drops;
}

struct skc_proc *fx_proc(struct skc_host *h, pid_t pid, const char *comm)
{
	struct skc_proc *p;

	grow_array((void **)&h->procs.v, &h->procs.cap, h->procs.n + 1,
		   sizeof(*h->procs.v));
	p = &h->procs.v[h->procs.n++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->cmdline = xstrdup(comm);
	p->cont_idx = -1;
	return p;
}

void fx_fd(struct skc_proc *p, int fd, uint64_t inode)
{
	grow_array((void **)&p->fds, &p->fds_cap, p->nfds + 1, sizeof(*p->fds));
	memset(&p->fds[p->nfds], 0, sizeof(p->fds[0]));
	p->fds[p->nfds].fd = fd;
	p->fds[p->nfds].inode = inode;
	p->fds[p->nfds].sock = -1;
	p->nfds++;
}

/* Like join_owners, one owner at a time: the sockets' ranges of the
 * owner block are rebuilt with one more for sock. */
void fx_own(struct skc_host *h, size_t sock, uint32_t proc, int fd)
{
	struct skc_socktab *t = &h->socks;
	size_t i, n = t->nowners;
	uint32_t *count = xcalloc(t->n, sizeof(*count));
	struct skc_owner *keep = xcalloc(n + 1, sizeof(*keep));
	struct skc_owner *at = keep;

	for (i = 0; i < t->n; i++) {
		count[i] = t->v[i].nowners;
		if (count[i])
			memcpy(at, t->v[i].owners, count[i] * sizeof(*at));
		at += count[i];
		t->v[i].nowners = count[i] + (i == sock);
	}
	socktab_owners_alloc(t, n + 1);
	for (i = 0, at = keep; i < t->n; i++) {
		if (count[i])
			memcpy(t->v[i].owners, at, count[i] * sizeof(*at));
		at += count[i];
		t->v[i].nowners = count[i];
	}
	t->v[sock].owners[t->v[sock].nowners].proc = proc;
	t->v[sock].owners[t->v[sock].nowners].fd = fd;
	t->v[sock].nowners++;
	free(keep);
	free(count);
}

int fx_parse_va(struct skc_opts *o, va_list ap)
{
	char *argv[32] = { (char *)"skcheck" };
	int argc = 1;
	char *a;

	while ((a = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = a;
	optind = 0;	/* options_parse leaves getopt where it stopped */
	return options_parse(argc, argv, o);
}

int fx_parse(struct skc_opts *o, ...)
{
	va_list ap;
	int ret;

	va_start(ap, o);
	ret = fx_parse_va(o, ap);
	va_end(ap);
	return ret;
}
