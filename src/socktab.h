/* Socket table: every socket of every dump, indexed by inode. */
#ifndef SKC_SOCKTAB_H
#define SKC_SOCKTAB_H

#include "model.h"

/* Append a zeroed socket and return it; pointers stay valid only until
 * the next call (the array grows). */
struct skc_sock *socktab_add(struct skc_socktab *t);
/* Free what a socket record owns (its path, its rare fields). */
void socktab_release(struct skc_sock *s);
/* Drop sockets added after the table held n (an interrupted dump). */
void socktab_truncate(struct skc_socktab *t, size_t n);
/* Build the inode index (MPTCP subflows left out); call once
 * collection is complete. */
void socktab_index(struct skc_socktab *t);
/* Index of the socket with this inode, or -1. */
long socktab_find(const struct skc_socktab *t, uint64_t inode);
/* Give each socket room for as many owners as its nowners counts, in one
 * block t->owners of total (the sum) entries, and set nowners to 0 for
 * the caller to fill; total 0 frees the block and forgets every owner.
 * The ranges stay valid until the next call. */
void socktab_owners_alloc(struct skc_socktab *t, size_t total);
void socktab_free(struct skc_socktab *t);

#endif
