/* Shared unit-test fixtures: build a host model by hand (sockets,
 * processes, fds, owners) and parse options, the same way in every
 * unit test.  Memory comes from the aborting allocators, so host_free
 * and options_free release it as they would a collected host. */
#ifndef SKC_FIXTURE_H
#define SKC_FIXTURE_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"
#include "options.h"

/* Kernel socket states (include/net/tcp_states.h); UNIX reuses them. */
enum { ST_ESTABLISHED = SKC_ST_ESTABLISHED, ST_CLOSE = SKC_ST_CLOSE,
       ST_LISTEN = SKC_ST_LISTEN };

/* A socket value: proto, family and type consistent (UNIX: AF_UNIX,
 * UDP: SOCK_DGRAM), raw Recv-Q/Send-Q, no listener. */
struct skc_sock fx_sock_value(uint8_t proto, uint8_t state, uint32_t rq,
			      uint32_t wq);

/* Append one to h's socket table: inode, cookie (the inode, or a
 * distinct one for inode 0).  Returns it (valid until the next add). */
struct skc_sock *fx_sock(struct skc_host *h, uint8_t proto, uint8_t state,
			 uint64_t inode, uint32_t rq, uint32_t wq);

/* SK_MEMINFO as the kernel sends it (sndbuf fixed at 212992). */
void fx_skmem(struct skc_sock *s, uint32_t rmem, uint32_t rcvbuf,
	      uint32_t wmem_alloc, uint32_t wmem_queued, uint32_t drops);

/* Append a process (cmdline = comm) to h; returns it (valid until the
 * next add). */
struct skc_proc *fx_proc(struct skc_host *h, pid_t pid, const char *comm);

/* p holds a socket with this inode as fd (what procscan reads). */
void fx_fd(struct skc_proc *p, int fd, uint64_t inode);

/* Like join_owners: process index proc holds socket index sock as fd. */
void fx_own(struct skc_host *h, size_t sock, uint32_t proc, int fd);

/* options_parse on { "skcheck", args..., NULL }; -1 means parsed. */
int fx_parse(struct skc_opts *o, ...);
int fx_parse_va(struct skc_opts *o, va_list ap);

#endif
