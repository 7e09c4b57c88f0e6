/* Untrusted bytes (comm, cmdline, UNIX paths) made safe to print. */
#ifndef SKC_ESCAPE_H
#define SKC_ESCAPE_H

#include <stddef.h>

/* Return a malloc'ed copy of len bytes of s in which every byte that
 * could move a terminal (C0 and C1 controls, DEL), every byte that is
 * not part of valid UTF-8, and the backslash itself are written as
 * \xNN -- the same form libsmartcols uses for table cells. */
char *escape_bytes(const char *s, size_t len);

/* For JSON string values: valid UTF-8 is kept as it is (the JSON writer
 * escapes control characters), bytes that are not valid UTF-8 and NUL
 * (which would end the string) become the text \xNN, so the document is
 * valid and whole whatever the input. */
char *escape_json(const char *s, size_t len);

#endif
