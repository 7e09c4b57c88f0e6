/* Socket table: every socket of every dump, indexed by inode. */
#ifndef SKC_SOCKTAB_H
#define SKC_SOCKTAB_H

#include "model.h"

/* Append a zeroed socket and return it; pointers stay valid only until
 * the next call (the array grows). */
struct skc_sock *socktab_add(struct skc_socktab *t);
/* Free what a socket record owns (its rare fields; its path is the
 * table's, socktab_strdup). */
void socktab_release(struct skc_sock *s);
/* A copy of the n bytes at p, and a NUL after them, in t's string pool: valid until the table
 * is freed (or, once socktab_take_strings moved the pool, the table it
 * went to), whatever is added, truncated or moved meanwhile.  One
 * allocation per 64 KiB of strings, not one per socket.  Aborts on out
 * of memory (xmalloc). */
char *socktab_strdup(struct skc_socktab *t, const void *p, size_t n);
/* Move src's string pool to dst (their sockets merged: merge_out). */
void socktab_take_strings(struct skc_socktab *dst, struct skc_socktab *src);
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
