/* io_uring registered files: sockets a process holds only through a
 * ring's fixed-file table (its plain fd closed). */
#ifndef SKC_IOURING_H
#define SKC_IOURING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iouring_file {
	unsigned slot;
	uint64_t inode;		/* socket inode */
};

/* Parse the text of /proc/PID/fdinfo/<ring fd> (io_uring_show_fdinfo):
 * the "UserFiles:" table's socket entries, "  SLOT: socket:[INODE]",
 * into out (at most max).  Returns how many were found; the kernel
 * prints the table only when it got the ring's lock (a busy ring shows
 * none this time). */
size_t iouring_parse(const char *text, struct iouring_file *out, size_t max);

/* Did that text show the ring's table?  The kernel prints it only when
 * it takes the ring's lock at once (io_uring_show_fdinfo's
 * mutex_trylock: since 6.x the whole body goes missing when the ring is
 * busy, before it only the table's lines, the "UserFiles:\tN" count
 * kept).  False when there is no "UserFiles:" line, or a count above 0
 * with no entry line after it; a caller then reads again. */
bool iouring_table_shown(const char *text);

/* After a read of a ring's fdinfo into text: true when it did not show
 * the table and another read is worth it, after waiting a millisecond
 * (a ring is busy briefly); *tries (0 before the first read) counts the
 * reads, at most 10.  Both readers (procscan.c, threads.c) loop on it. */
bool iouring_read_again(const char *text, int *tries);

#endif
