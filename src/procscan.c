/* One pass over /proc: each process directory is pinned as a dirfd and
 * everything else is read relative to it (htop's habit), so a pid that
 * is reused mid-scan cannot mix two processes. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "iouring.h"
#include "procscan.h"
#include "util.h"

#define CMDLINE_MAX (128 * 1024)

/* "PREFIX[12345]" -> 12345, else 0. */
static uint64_t bracket_number(const char *link, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix), i;
	uint64_t ino = 0;

	if (len < plen + 2 || memcmp(link, prefix, plen) != 0 || link[len - 1] != ']')
		return 0;
	for (i = plen; i < len - 1; i++) {
		uint64_t d = (uint64_t)(link[i] - '0');

		if (!isdigit((unsigned char)link[i]) || ino > (UINT64_MAX - d) / 10)
			return 0;
		ino = ino * 10 + d;
	}
	return ino;
}

uint64_t procscan_socket_inode(const char *link, size_t len)
{
	return bracket_number(link, len, "socket:[");
}

uint64_t procscan_netns_at(int dirfd, const char *path)
{
	char link[64];
	struct stat st;
	ssize_t n;

	/* the link text names the namespace inode ("net:[4026531840]"),
	 * as fstat would; a recorded tree (SKCHECK_NL_REPLAY) has only the
	 * text to go by */
	n = readlinkat(dirfd, path, link, sizeof(link));
	if (n > 0 && n < (ssize_t)sizeof(link)) {
		uint64_t ino = bracket_number(link, (size_t)n, "net:[");

		if (ino)
			return ino;
	}
	return fstatat(dirfd, path, &st, 0) == 0 ? st.st_ino : 0;
}

void procscan_join_cmdline(char *buf, size_t *len)
{
	size_t i;

	while (*len && buf[*len - 1] == '\0')
		(*len)--;
	for (i = 0; i < *len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[*len] = '\0';
}

/* Read a small file relative to dirfd; returns bytes read or -errno. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size) {
		n = read(fd, buf + total, size - (size_t)total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			total = -errno;
			break;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	return total;
}

static void read_comm(int pdir, struct skc_proc *p)
{
	ssize_t n = read_at(pdir, "comm", p->comm, sizeof(p->comm) - 1);

	if (n < 0)
		n = 0;
	if (n > 0 && p->comm[n - 1] == '\n')
		n--;
	p->comm[n] = '\0';
}

static void read_cmdline(int pdir, struct skc_proc *p)
{
	char *buf = xmalloc(CMDLINE_MAX + 1);
	ssize_t n = read_at(pdir, "cmdline", buf, CMDLINE_MAX);
	size_t len = n > 0 ? (size_t)n : 0;

	procscan_join_cmdline(buf, &len);
	p->cmdline = xmemdup(buf, len);
	free(buf);
}

static void read_cgroup(int pdir, struct skc_proc *p)
{
	char buf[8192];
	ssize_t n = read_at(pdir, "cgroup", buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	cgroup_parse_file(buf, &p->cont, &p->cgroup);
	p->cgroup2 = cgroup_v2_path(buf);
}

static void add_fd(struct skc_proc *p, int fd, uint64_t inode)
{
	grow_array((void **)&p->fds, &p->fds_cap, p->nfds + 1, sizeof(*p->fds));
	memset(&p->fds[p->nfds], 0, sizeof(p->fds[0]));
	p->fds[p->nfds].fd = fd;
	p->fds[p->nfds].inode = inode;
	p->nfds++;
}

/* An io_uring ring: the sockets registered in it are the process's too,
 * owned through the ring's fd and slot (iouring.c). */
static void add_ring(int pdir, struct skc_proc *p, int fd)
{
	const size_t size = 1 << 20;	/* a table of ~30,000 files */
	struct iouring_file files[1024];
	char path[32], *text;
	ssize_t len;
	size_t i, n;
	int tries = 0;

	grow_array((void **)&p->rings, &p->rings_cap, p->nrings + 1, sizeof(*p->rings));
	p->rings[p->nrings++] = fd;
	snprintf(path, sizeof(path), "fdinfo/%d", fd);
	text = xmalloc(size);
	/* a busy ring shows no table: read again (iouring_read_again) */
	do {
		len = read_at(pdir, path, text, size - 1);
		text[len > 0 ? len : 0] = '\0';
	} while (len > 0 && iouring_read_again(text, &tries));
	n = iouring_parse(text, files, sizeof(files) / sizeof(files[0]));
	free(text);
	for (i = 0; i < n; i++)
		if (fd < 32768 && files[i].slot < 65536)
			add_fd(p, SKC_FD_RING(fd, files[i].slot), files[i].inode);
}

/* An epoll or io_uring fd: why.c reads their fdinfo for the processes
 * it judges, and knowing them here spares it a second walk of fd/ (the
 * costly part of a process with many sockets). */
static bool is_wait_fd(const char *link, size_t n)
{
	static const char ep[] = "anon_inode:[eventpoll]";
	static const char ring[] = "anon_inode:[io_uring]";

	return (n == sizeof(ep) - 1 && memcmp(link, ep, n) == 0) ||
	       (n == sizeof(ring) - 1 && memcmp(link, ring, n) == 0);
}

static void add_waitfd(struct skc_proc *p, int fd)
{
	grow_array((void **)&p->waitfds, &p->waitfds_cap, p->nwaitfds + 1,
		   sizeof(*p->waitfds));
	p->waitfds[p->nwaitfds++] = fd;
}

/* Returns 0, or -errno when the fd directory could not be listed. */
static int scan_fds(int pdir, struct skc_proc *p)
{
	int dfd = openat(pdir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (dfd < 0) {
		if (errno != ENOENT && errno != ESRCH)
			p->fds_errno = errno;
		return -errno;
	}
	/* since Linux 6.2 the size of /proc/PID/fd is the open fd count;
	 * older kernels say 0, which must not read as "unchanged" */
	if (fstat(dfd, &st) == 0 && st.st_size > 0)
		p->nfd_total = (long)st.st_size;
	d = fdopendir(dfd);
	if (!d) {
		p->fds_errno = errno;
		close(dfd);
		return -p->fds_errno;
	}
	while ((de = readdir(d))) {
		char link[64];
		ssize_t n;
		uint64_t ino;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dfd, de->d_name, link, sizeof(link));
		if (n < 0 && errno != ENOENT) {
			/* not "closed meanwhile": we could not look */
			if (!p->fds_errno)
				p->fds_errno = errno;
			p->fds_unread++;
			continue;
		}
		if (n <= 0 || n == (ssize_t)sizeof(link))
			continue;	/* closed meanwhile, or not a socket */
		ino = procscan_socket_inode(link, (size_t)n);
		if (ino)
			add_fd(p, atoi(de->d_name), ino);
		else if (n == 21 && memcmp(link, "anon_inode:[io_uring]", 21) == 0) {
			add_ring(pdir, p, atoi(de->d_name));
			add_waitfd(p, atoi(de->d_name));
		} else if (is_wait_fd(link, (size_t)n)) {
			add_waitfd(p, atoi(de->d_name));
		}
	}
	closedir(d);
	return p->fds_errno ? -p->fds_errno : 0;
}

void procscan_count_unread(struct skc_proctab *pt, const struct skc_proc *p)
{
	switch (p->fds_errno) {
	case 0:
		return;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		/* our own limits, not the process's protection */
		if (!pt->failed++)
			pt->failed_errno = p->fds_errno;
		return;
	default:
		/* EACCES, EPERM (ptrace access), or an fd/ we cannot list */
		pt->denied++;
	}
}

static pid_t parse_pid(const char *name)
{
	long v = 0;

	for (; *name; name++) {
		if (!isdigit((unsigned char)*name))
			return 0;
		v = v * 10 + (*name - '0');
		if (v > INT_MAX)
			return 0;
	}
	return (pid_t)v;
}

/* Index of the first entry of pid in list (sorted by pid), or list->n. */
static size_t list_find(const struct procscan_fdlist *list, pid_t pid)
{
	size_t lo = 0, hi = list->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (list->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* p's fds from list, in the order and shape scan_fds gives them.
 * Returns 0, or -ENOENT/-ESRCH when p exited (as scan_fds would). */
static int take_fds(int pdir, struct skc_proc *p,
		    const struct procscan_fdlist *list)
{
	struct stat st;
	size_t i;

	/* the one look at fd/: gone processes are dropped as the walk
	 * drops them, and the fd count is kept as the walk keeps it */
	if (fstatat(pdir, "fd", &st, 0) < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return -errno;
	} else if (S_ISDIR(st.st_mode) && st.st_size > 0) {
		p->nfd_total = (long)st.st_size;
	}
	for (i = list_find(list, p->pid); i < list->n && list->v[i].pid == p->pid; i++) {
		const struct procscan_fd *f = &list->v[i];

		switch (f->kind) {
		case PROCSCAN_FD_SOCKET:
			add_fd(p, f->fd, f->inode);
			break;
		case PROCSCAN_FD_URING:
			add_ring(pdir, p, f->fd);
			add_waitfd(p, f->fd);
			break;
		case PROCSCAN_FD_EPOLL:
			add_waitfd(p, f->fd);
			break;
		}
	}
	return 0;
}

/* fds: read fd/ (scan_fds); list: take them from there instead. */
static void scan_process(int rootfd, const char *name, pid_t pid,
			 uint64_t dir_ino, struct skc_proctab *pt, bool fds,
			 const struct procscan_fdlist *list)
{
	struct skc_proc *p;
	struct stat st;
	int pdir, ret;

	pdir = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pdir < 0) {
		pt->vanished++;
		return;
	}
	if (fstat(pdir, &st) < 0) {
		pt->vanished++;
		goto out;
	}
	grow_array((void **)&pt->v, &pt->cap, pt->n + 1, sizeof(*pt->v));
	p = &pt->v[pt->n];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->uid = st.st_uid;
	p->dir_ino = dir_ino;
	p->nfd_total = -1;
	read_comm(pdir, p);
	p->netns = procscan_netns_at(pdir, "ns/net");
	ret = 0;
	if (list)
		ret = take_fds(pdir, p, list);
	else if (fds)
		ret = scan_fds(pdir, p);
	if (ret == -ENOENT || ret == -ESRCH) {
		/* exited between readdir and now: drop it quietly */
		free(p->fds);
		free(p->waitfds);
		pt->vanished++;
		goto out;
	}
	procscan_count_unread(pt, p);
	if (fds || list) {
		read_cmdline(pdir, p);
		read_cgroup(pdir, p);
	} else {
		p->cmdline = xstrdup("");
	}
	pt->n++;
	pt->scanned++;
out:
	close(pdir);
}

int procscan_rescan_fds(const char *proc_root, struct skc_proc *p)
{
	char path[64];
	int rootfd, pdir, ret;

	rootfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	snprintf(path, sizeof(path), "%d", (int)p->pid);
	pdir = openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(rootfd);
	if (pdir < 0)
		return -errno;
	p->nfds = 0;
	p->nrings = 0;
	p->nwaitfds = 0;
	p->reused = false;
	p->fds_errno = 0;
	p->fds_unread = 0;
	ret = scan_fds(pdir, p);
	close(pdir);
	return ret;
}

/* Is the cached entry still this process with the same fd count? */
static bool still_same(int rootfd, const char *name, uint64_t dir_ino,
		       const struct skc_proc *old)
{
	char path[300];
	struct stat st;

	char comm[sizeof(old->comm)];
	ssize_t n;
	int fd;

	if (old->dir_ino != dir_ino || old->nfd_total <= 0)
		return false;
	snprintf(path, sizeof(path), "%s/fd", name);
	if (fstatat(rootfd, path, &st, 0) < 0 || st.st_size != old->nfd_total)
		return false;
	/* exec or prctl(PR_SET_NAME) renames: read the process again */
	snprintf(path, sizeof(path), "%s/comm", name);
	fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n > 0 && comm[n - 1] == '\n')
		n--;
	return n >= 0 && (size_t)n == strlen(old->comm) &&
	       memcmp(comm, old->comm, (size_t)n) == 0;
}

static void move_proc(struct skc_proctab *pt, struct skc_proc *old)
{
	struct skc_proc *p;

	grow_array((void **)&pt->v, &pt->cap, pt->n + 1, sizeof(*pt->v));
	p = &pt->v[pt->n++];
	*p = *old;
	memset(old, 0, sizeof(*old));
	p->reused = true;
	proc_reset_sample(p);	/* joined and judged again for this sample */
	/* fds[].matched stays: proccache reads it before the next join */
	procscan_count_unread(pt, p);
	pt->scanned++;
}

/* One pass over proc_root; with prev, unchanged processes are moved
 * over from it (/proc lists pids in ascending order, as prev holds
 * them, so this is a merge). */
static int scan_all(const char *proc_root, struct skc_proctab *prev,
		    struct skc_proctab *pt, bool fds,
		    const struct procscan_fdlist *list)
{
	int rootfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	size_t k = 0;
	DIR *d;

	if (rootfd < 0)
		return -errno;
	d = fdopendir(rootfd);
	if (!d) {
		int err = -errno;

		close(rootfd);
		return err;
	}
	while ((de = readdir(d))) {
		pid_t pid = parse_pid(de->d_name);

		if (pid <= 0)
			continue;
		while (prev && k < prev->n && prev->v[k].pid < pid)
			k++;
		if (prev && k < prev->n && prev->v[k].pid == pid &&
		    still_same(rootfd, de->d_name, de->d_ino, &prev->v[k]))
			move_proc(pt, &prev->v[k]);
		else
			scan_process(rootfd, de->d_name, pid, de->d_ino, pt, fds, list);
	}
	closedir(d);
	return 0;
}

int procscan_run(const char *proc_root, struct skc_proctab *pt, bool fds)
{
	return scan_all(proc_root, NULL, pt, fds, NULL);
}

int procscan_run_list(const char *proc_root, struct skc_proctab *pt,
		      const struct procscan_fdlist *list)
{
	return scan_all(proc_root, NULL, pt, true, list);
}

int procscan_update(const char *proc_root, struct skc_proctab *prev,
		    struct skc_proctab *pt)
{
	return scan_all(proc_root, prev, pt, true, NULL);
}
