/* MPTCP subflows and their MPTCP sockets (collect phase). */
#ifndef SKC_MPTCP_H
#define SKC_MPTCP_H

#include "model.h"

/* Mark every TCP socket of t that is an MPTCP subflow (same inode and
 * namespace as an MPTCP socket, or an "mptcp" ULP reported by the
 * kernel) with subflow = true and, when its MPTCP socket is known
 * (inode, else connection token), parent = that socket's index, counted
 * in its nsubflows.  Call once the namespace's dumps are complete and
 * before socktab_index, which leaves subflows out. */
void mptcp_link(struct skc_socktab *t);

#endif
