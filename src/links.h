/* Interface names for sockets bound to a device (libnl-route-3 link
 * cache), resolved in the namespace the caller currently is in. */
#ifndef SKC_LINKS_H
#define SKC_LINKS_H

#include <stddef.h>

#include "model.h"

/* Fill ifname for sockets [from, to) of h->socks that have an ifindex.
 * Returns 0 or -errno (names then stay numeric). */
int links_resolve(struct skc_host *h, size_t from, size_t to);

#endif
