/* join: link socket fds to sockets (owners) and accept-queue children to
 * their listeners. */
#ifndef SKC_JOIN_H
#define SKC_JOIN_H

#include "model.h"

void join_host(struct skc_host *h);
/* Forget owners and listeners, to join again after a rescan. */
void join_reset(struct skc_host *h);

#endif
