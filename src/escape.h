/* Untrusted bytes (comm, cmdline, UNIX paths) made safe to print. */
#ifndef SKC_ESCAPE_H
#define SKC_ESCAPE_H

#include <stddef.h>

/* Return a malloc'ed copy of len bytes of s in which every byte that
 * could move a terminal (C0 and C1 controls, DEL), every byte that is
 * not part of valid UTF-8, and the backslash itself are written as
 * \xNN (backslash as \\).  The result is printable and valid UTF-8, so
 * it is also safe as a JSON string value. */
char *escape_bytes(const char *s, size_t len);

#endif
