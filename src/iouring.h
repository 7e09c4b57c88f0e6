/* io_uring registered files: sockets a process holds only through a
 * ring's fixed-file table (its plain fd closed). */
#ifndef SKC_IOURING_H
#define SKC_IOURING_H

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

#endif
