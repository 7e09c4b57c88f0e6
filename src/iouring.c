/* io_uring fixed files.  A server may register its sockets with
 * io_uring_register(IORING_REGISTER_FILES) and close the plain fds; the
 * ring keeps the sockets open and /proc/PID/fd no longer names them.
 * The ring's fdinfo lists its table (io_uring/fdinfo.c prints each
 * registered file's path, "socket:[INODE]" for a socket), which is how
 * the socket is still credited to the process holding the ring. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iouring.h"

/* "socket:[INODE]" (the path d_path gives a socket) -> INODE, else 0. */
static uint64_t socket_inode(const char *s, size_t len)
{
	unsigned long long ino;
	char close;
	int n = 0;

	if (len < 10 || strncmp(s, "socket:[", 8) != 0 ||
	    sscanf(s + 8, "%llu%c%n", &ino, &close, &n) != 2 || close != ']' ||
	    (size_t)n != len - 8)
		return 0;
	return ino;
}

/* The "UserFiles:" line of text, or NULL. */
static const char *user_files(const char *text)
{
	const char *p = strncmp(text, "UserFiles:", 10) ? strstr(text, "\nUserFiles:") : text;

	return p && *p == '\n' ? p + 1 : p;
}

bool iouring_table_shown(const char *text)
{
	const char *p = user_files(text);
	unsigned long n;
	unsigned slot;

	if (!p || sscanf(p + 10, "%lu", &n) != 1)
		return false;
	if (!n)
		return true;
	p = strchr(p, '\n');
	return p && sscanf(p + 1, " %u:", &slot) == 1;
}

#define IOURING_TRIES 10

bool iouring_read_again(const char *text, int *tries)
{
	if (iouring_table_shown(text) || ++*tries >= IOURING_TRIES)
		return false;
	nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
	return true;
}

size_t iouring_parse(const char *text, struct iouring_file *out, size_t max)
{
	const char *p = user_files(text);
	size_t n = 0;

	if (!p)
		return 0;
	p = strchr(p + 1, '\n');
	while (p && n < max) {
		unsigned slot;
		int off = 0;
		const char *colon, *end;

		p++;
		if (sscanf(p, " %u:%n", &slot, &off) != 1 || !off)
			break;	/* end of the table */
		colon = p + off;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		end = strchr(colon, '\n');
		if (!end)
			end = colon + strlen(colon);
		out[n].inode = socket_inode(colon, (size_t)(end - colon));
		out[n].slot = slot;
		if (out[n].inode)
			n++;
		p = *end ? end : NULL;
	}
	return n;
}
