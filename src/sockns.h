/* Network namespaces found through the sockets in them (SIOCGSKNS). */
#ifndef SKC_SOCKNS_H
#define SKC_SOCKNS_H

#include <stddef.h>

#include "model.h"
#include "netns.h"
#include "options.h"

/* After join: for every socket fd that matched no dump, ask the socket
 * for its network namespace (pidfd_getfd + SIOCGSKNS; needs ptrace
 * access to the process and CAP_NET_ADMIN) and remember it in the fd's
 * netns.  A namespace nobody enumerated is added to h->nets (via_socket)
 * and dumped.  Returns 1 when sockets were added (the caller must join
 * again; the socket index is rebuilt), 0 when nothing changed, or
 * -ENOTRECOVERABLE (err set) when returning from a namespace failed. */
int sockns_discover(struct skc_host *h, const struct skc_opts *o,
		    struct skc_err *err);

#endif
