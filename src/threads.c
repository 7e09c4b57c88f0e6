/* Threads, epoll sets and io_uring rings of one process, from /proc.
 * The process directory is pinned as a dirfd and every file read
 * relative to it (as procscan does), so a reused pid cannot mix two
 * processes.  A thread that exits mid-read is dropped quietly. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "iouring.h"
#include "threads.h"
#include "util.h"

#define LINE_MAX_ 512
#define FDINFO_MAX (64u << 20)	/* an epoll set of ~800k entries */
#define POLL_MAX 4096		/* pollfds read from a poll() waiter */
#define SELECT_MAX 65536	/* nfds read from a select() waiter */

struct sysent {
	long nr;
	const char *name;
	enum thr_wait wait;
};

/* arch/x86/entry/syscalls/syscall_64.tbl */
static const struct sysent sys_x86_64[] = {
	{ 0, "read", THR_WAIT_READ }, { 19, "readv", THR_WAIT_READ },
	{ 45, "recvfrom", THR_WAIT_READ }, { 47, "recvmsg", THR_WAIT_READ },
	{ 299, "recvmmsg", THR_WAIT_READ }, { 43, "accept", THR_WAIT_READ },
	{ 288, "accept4", THR_WAIT_READ },
	{ 7, "poll", THR_WAIT_POLL }, { 271, "ppoll", THR_WAIT_POLL },
	{ 23, "select", THR_WAIT_SELECT }, { 270, "pselect6", THR_WAIT_SELECT },
	{ 232, "epoll_wait", THR_WAIT_EPOLL }, { 281, "epoll_pwait", THR_WAIT_EPOLL },
	{ 441, "epoll_pwait2", THR_WAIT_EPOLL },
	{ 426, "io_uring_enter", THR_WAIT_URING },
	{ 202, "futex", THR_WAIT_FUTEX }, { 449, "futex_waitv", THR_WAIT_FUTEX },
	{ 455, "futex_wait", THR_WAIT_FUTEX },
	{ 35, "nanosleep", THR_WAIT_SLEEP }, { 230, "clock_nanosleep", THR_WAIT_SLEEP },
	{ 34, "pause", THR_WAIT_SLEEP },
};

/* include/uapi/asm-generic/unistd.h (arm64 has no poll, select or
 * epoll_wait: libc uses ppoll, pselect6 and epoll_pwait) */
static const struct sysent sys_arm64[] = {
	{ 63, "read", THR_WAIT_READ }, { 65, "readv", THR_WAIT_READ },
	{ 207, "recvfrom", THR_WAIT_READ }, { 212, "recvmsg", THR_WAIT_READ },
	{ 243, "recvmmsg", THR_WAIT_READ }, { 202, "accept", THR_WAIT_READ },
	{ 242, "accept4", THR_WAIT_READ },
	{ 73, "ppoll", THR_WAIT_POLL }, { 72, "pselect6", THR_WAIT_SELECT },
	{ 22, "epoll_pwait", THR_WAIT_EPOLL }, { 441, "epoll_pwait2", THR_WAIT_EPOLL },
	{ 426, "io_uring_enter", THR_WAIT_URING },
	{ 98, "futex", THR_WAIT_FUTEX }, { 449, "futex_waitv", THR_WAIT_FUTEX },
	{ 455, "futex_wait", THR_WAIT_FUTEX },
	{ 101, "nanosleep", THR_WAIT_SLEEP }, { 115, "clock_nanosleep", THR_WAIT_SLEEP },
};

enum thr_arch threads_native_arch(void)
{
#if defined(__x86_64__) && !defined(__ILP32__)
	return THR_ARCH_X86_64;
#elif defined(__aarch64__)
	return THR_ARCH_ARM64;
#else
	return THR_ARCH_OTHER;
#endif
}

static const struct sysent *sys_lookup(enum thr_arch arch, long nr)
{
	const struct sysent *t;
	size_t i, n;

	switch (arch) {
	case THR_ARCH_X86_64: t = sys_x86_64; n = ARRAY_SIZE(sys_x86_64); break;
	case THR_ARCH_ARM64: t = sys_arm64; n = ARRAY_SIZE(sys_arm64); break;
	default: return NULL;
	}
	for (i = 0; i < n; i++)
		if (t[i].nr == nr)
			return &t[i];
	return NULL;
}

const char *threads_syscall_name(enum thr_arch arch, long nr)
{
	const struct sysent *e = sys_lookup(arch, nr);

	return e ? e->name : NULL;
}

enum thr_wait threads_syscall_wait(enum thr_arch arch, long nr)
{
	const struct sysent *e = sys_lookup(arch, nr);

	return e ? e->wait : THR_WAIT_OTHER;
}

/* Copy one line (up to '\n' or end) of buf into line, NUL-terminated;
 * returns the offset just past it. */
static size_t next_line(const char *buf, size_t len, size_t off, char *line,
			size_t size)
{
	size_t n = 0;

	while (off < len && buf[off] != '\n') {
		if (n + 1 < size)
			line[n++] = buf[off] ? buf[off] : ' ';
		off++;
	}
	line[n] = '\0';
	return off < len ? off + 1 : off;
}

int threads_parse_stat(const char *buf, size_t len, char *state)
{
	size_t i = len;

	/* the comm may itself hold ')' and spaces: the last one ends it */
	while (i > 0 && buf[i - 1] != ')')
		i--;
	if (i == 0 || i + 2 > len || buf[i] != ' ' ||
	    !isalpha((unsigned char)buf[i + 1]))
		return -EINVAL;
	if (i + 2 < len && buf[i + 2] != ' ')
		return -EINVAL;
	*state = buf[i + 1];
	return 0;
}

static int parse_u64(const char **p, uint64_t *v)
{
	char *end;

	while (**p == ' ')
		(*p)++;
	if (!isxdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*v = strtoull(*p, &end, 0);
	if (errno || end == *p || (*end && *end != ' '))
		return -EINVAL;
	*p = end;
	return 0;
}

int threads_parse_syscall(const char *buf, size_t len, struct thr_syscall *sc)
{
	char line[LINE_MAX_];
	const char *p = line;
	char *end;
	uint64_t v;
	int i;

	memset(sc, 0, sizeof(*sc));
	sc->state = THR_SYS_ERROR;
	next_line(buf, len, 0, line, sizeof(line));
	if (strcmp(line, "running") == 0) {
		sc->state = THR_SYS_RUNNING;
		return 0;
	}
	errno = 0;
	sc->nr = strtol(p, &end, 10);
	if (errno || end == p || *end != ' ' || sc->nr < -1)
		return -EINVAL;
	p = end;
	if (sc->nr == -1) {
		/* "-1 SP PC": blocked, but not in a syscall */
		if (parse_u64(&p, &v) < 0 || parse_u64(&p, &v) < 0 || *p)
			return -EINVAL;
		sc->state = THR_SYS_NONE;
		return 0;
	}
	for (i = 0; i < 6; i++)
		if (parse_u64(&p, &sc->args[i]) < 0)
			return -EINVAL;
	if (parse_u64(&p, &v) < 0 || parse_u64(&p, &v) < 0 || *p)
		return -EINVAL;
	sc->state = THR_SYS_OK;
	return 0;
}

void threads_parse_wchan(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;

	/* "0": not sleeping, or not ours to see (proc_pid_wchan) */
	if (len == 0 || (len >= 1 && buf[0] == '0' && (len == 1 || buf[1] == '\n'))) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i < len && buf[i] != '\n' && n + 1 < outlen; i++)
		out[n++] = isgraph((unsigned char)buf[i]) ? buf[i] : '?';
	out[n] = '\0';
}

int threads_parse_epoll(const char *buf, size_t len, struct skc_epoll *ep)
{
	char line[LINE_MAX_];
	size_t off = 0;

	while (off < len) {
		struct epoll_watch w;
		unsigned long long data, ino;
		long long pos;
		unsigned events;

		off = next_line(buf, len, off, line, sizeof(line));
		if (strncmp(line, "tfd:", 4) != 0)
			continue;
		/* ep_show_fdinfo: "tfd: %8d events: %8x data: %16llx
		 * pos:%lli ino:%lx sdev:%x" */
		if (sscanf(line, "tfd: %d events: %x data: %llx pos:%lli ino:%llx",
			   &w.tfd, &events, &data, &pos, &ino) != 5 || w.tfd < 0)
			return -EINVAL;
		w.events = events;
		w.ino = ino;
		grow_array((void **)&ep->v, &ep->cap, ep->n + 1, sizeof(*ep->v));
		ep->v[ep->n++] = w;
	}
	return 0;
}

int threads_parse_uring(const char *buf, size_t len, struct skc_ring *r)
{
	char line[LINE_MAX_];
	size_t off = 0;
	bool in_files = false;

	while (off < len) {
		unsigned idx;
		unsigned long long ino;
		int n = 0;

		off = next_line(buf, len, off, line, sizeof(line));
		if (strncmp(line, "UserFiles:", 10) == 0) {
			in_files = true;
			continue;
		}
		if (!in_files)
			continue;
		/* io_uring_show_fdinfo: "%5u: " then the file's path */
		if (sscanf(line, " %u: %n", &idx, &n) != 1 || !n) {
			in_files = false;
			continue;
		}
		if (sscanf(line + n, "socket:[%llu]", &ino) == 1 && ino) {
			grow_array((void **)&r->files, &r->cap, r->nfiles + 1,
				   sizeof(*r->files));
			r->files[r->nfiles++] = ino;
		}
	}
	return 0;
}

/* Read a whole file relative to dirfd into a malloc'ed buffer, with a
 * NUL after it. Returns its length or -errno. */
static ssize_t read_all(int dirfd, const char *name, char **out, size_t max)
{
	size_t cap = 4096, n = 0;
	char *buf;
	ssize_t r;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	for (;;) {
		if (n + 1 == cap) {	/* room for the NUL */
			if (cap >= max)
				break;
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			close(fd);
			free(buf);
			return r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	return (ssize_t)n;
}

static void add_in_fd(struct skc_thread *t, size_t *cap, int fd)
{
	grow_array((void **)&t->in_fds, cap, t->nin_fds + 1, sizeof(*t->in_fds));
	t->in_fds[t->nin_fds++] = fd;
}

static int read_remote(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	return n == (ssize_t)len ? 0 : -EFAULT;
}

/* poll(2)/ppoll(2): the fds asked for input (POLLIN, POLLPRI,
 * POLLRDNORM) in the waiter's pollfd array. */
static void read_poll_set(pid_t pid, struct skc_thread *t)
{
	uint64_t n = t->sys.args[1];
	struct pollfd *pfd;
	size_t i, cap = 0;

	if (n > POLL_MAX) {
		t->fds_unknown = true;
		return;
	}
	pfd = xcalloc(n ? n : 1, sizeof(*pfd));
	if (n && read_remote(pid, t->sys.args[0], pfd, n * sizeof(*pfd)) < 0)
		t->fds_unknown = true;
	else
		for (i = 0; i < n; i++)
			if (pfd[i].fd >= 0 && (pfd[i].events & (POLLIN | POLLPRI | POLLRDNORM)))
				add_in_fd(t, &cap, pfd[i].fd);
	free(pfd);
}

/* select(2)/pselect6(2): the bits of the readfds set. */
static void read_select_set(pid_t pid, struct skc_thread *t)
{
	uint64_t nfds = t->sys.args[0], addr = t->sys.args[1];
	size_t words, i, cap = 0;
	unsigned long *bits;

	if (!addr || !nfds)
		return;		/* no read set: waits for no input */
	if (nfds > SELECT_MAX) {
		t->fds_unknown = true;
		return;
	}
	words = (size_t)(nfds + 8 * sizeof(long) - 1) / (8 * sizeof(long));
	bits = xcalloc(words, sizeof(*bits));
	if (read_remote(pid, addr, bits, words * sizeof(*bits)) < 0)
		t->fds_unknown = true;
	else
		for (i = 0; i < nfds; i++)
			if (bits[i / (8 * sizeof(long))] & (1ul << (i % (8 * sizeof(long)))))
				add_in_fd(t, &cap, (int)i);
	free(bits);
}

static bool perm_error(int err)
{
	return err == -EACCES || err == -EPERM;
}

/* One thread; returns 0, or -ENOENT when it exited meanwhile. */
static int read_thread(int taskfd, pid_t pid, pid_t tid, struct skc_thread *t)
{
	char name[32], *buf;
	ssize_t n;
	int tdir, ret = 0;

	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->state = '?';
	snprintf(name, sizeof(name), "%d", (int)tid);
	tdir = openat(taskfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tdir < 0)
		return -ENOENT;
	n = read_all(tdir, "stat", &buf, 4096);
	if (n == -ENOENT || n == -ESRCH) {
		ret = -ENOENT;
		goto out;
	}
	if (n < 0 || threads_parse_stat(buf, (size_t)n, &t->state) < 0)
		t->state = '?';
	free(buf);
	n = read_all(tdir, "wchan", &buf, 4096);
	if (n > 0)
		threads_parse_wchan(buf, (size_t)n, t->wchan, sizeof(t->wchan));
	free(buf);
	n = read_all(tdir, "syscall", &buf, 4096);
	if (n < 0)
		t->sys.state = perm_error((int)n) ? THR_SYS_DENIED : THR_SYS_ERROR;
	else if (threads_parse_syscall(buf, (size_t)n, &t->sys) < 0)
		t->sys.state = THR_SYS_ERROR;
	free(buf);
	if (t->sys.state != THR_SYS_OK)
		goto out;
	t->wait = threads_syscall_wait(threads_native_arch(), t->sys.nr);
	if (t->wait == THR_WAIT_POLL)
		read_poll_set(pid, t);
	else if (t->wait == THR_WAIT_SELECT)
		read_select_set(pid, t);
out:
	close(tdir);
	return ret;
}

static bool is_num(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void collect_tasks(int pdir, pid_t pid, struct skc_threads *out)
{
	int taskfd = openat(pdir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (taskfd < 0 || !(d = fdopendir(taskfd))) {
		out->err = -errno;
		if (taskfd >= 0)
			close(taskfd);
		return;
	}
	while ((de = readdir(d))) {
		struct skc_thread t;

		if (!is_num(de->d_name))
			continue;
		if (read_thread(dirfd(d), pid, (pid_t)atoi(de->d_name), &t) < 0)
			continue;
		grow_array((void **)&out->v, &out->cap, out->n + 1, sizeof(*out->v));
		out->v[out->n++] = t;
	}
	closedir(d);
}

/* fdinfo of an epoll or io_uring fd; other fds are skipped. */
static void read_fd_kind(int pdir, int fdnum, const char *link,
			 struct skc_threads *out)
{
	bool ep = strcmp(link, "anon_inode:[eventpoll]") == 0;
	bool ring = strcmp(link, "anon_inode:[io_uring]") == 0;
	char name[48], *buf;
	int tries = 0;
	ssize_t n;

	if (!ep && !ring)
		return;
	snprintf(name, sizeof(name), "fdinfo/%d", fdnum);
	n = read_all(pdir, name, &buf, FDINFO_MAX);
	/* a busy ring shows no table: read again (iouring_read_again) */
	while (ring && n > 0 && iouring_read_again(buf, &tries)) {
		free(buf);
		n = read_all(pdir, name, &buf, FDINFO_MAX);
	}
	if (n < 0) {
		if (n != -ENOENT)
			out->fd_err = (int)n;
		return;
	}
	if (ep) {
		struct skc_epoll e = { .fd = fdnum };

		if (threads_parse_epoll(buf, (size_t)n, &e) < 0)
			out->fd_err = -EINVAL;
		grow_array((void **)&out->ep, &out->ep_cap, out->nep + 1, sizeof(*out->ep));
		out->ep[out->nep++] = e;
	} else {
		struct skc_ring r = { .fd = fdnum };

		threads_parse_uring(buf, (size_t)n, &r);
		grow_array((void **)&out->rings, &out->rings_cap, out->nrings + 1,
			   sizeof(*out->rings));
		out->rings[out->nrings++] = r;
	}
	free(buf);
}

/* The epoll sets and rings the /proc scan found (p->waitfds), checked
 * again by their link: the fd may have been closed or reused since. */
static void collect_fds(int pdir, const struct skc_proc *p, struct skc_threads *out)
{
	size_t i;

	for (i = 0; i < p->nwaitfds; i++) {
		char name[32], link[64];
		ssize_t n;

		snprintf(name, sizeof(name), "fd/%d", p->waitfds[i]);
		n = readlinkat(pdir, name, link, sizeof(link) - 1);
		if (n < 0) {
			if (perm_error(-errno))
				out->fd_err = -errno;
			continue;
		}
		link[n] = '\0';
		read_fd_kind(pdir, p->waitfds[i], link, out);
	}
}

int threads_collect(const char *proc_root, const struct skc_proc *p,
		    struct skc_threads *out)
{
	char path[512];
	int pdir;

	memset(out, 0, sizeof(*out));
	out->pid = p->pid;
	snprintf(path, sizeof(path), "%s/%d", proc_root, (int)p->pid);
	pdir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pdir < 0) {
		out->err = errno == ENOENT ? -ESRCH : -errno;
		return out->err == -ESRCH ? -ESRCH : 0;
	}
	collect_tasks(pdir, p->pid, out);
	collect_fds(pdir, p, out);
	close(pdir);
	threads_index(out);
	return 0;
}

static int cmp_watch(const void *a, const void *b)
{
	const struct epoll_watch *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->tfd - y->tfd;
}

static bool is_epoll_fd(const struct skc_threads *t, int fd)
{
	size_t i;

	for (i = 0; i < t->nep; i++)
		if (t->ep[i].fd == fd)
			return true;
	return false;
}

void threads_index(struct skc_threads *t)
{
	size_t i, j;

	for (i = 0; i < t->nep; i++) {
		struct skc_epoll *ep = &t->ep[i];

		if (ep->n > 1)	/* qsort(NULL, 0): UB, found by tests/fuzz/fuzz_proc */
			qsort(ep->v, ep->n, sizeof(*ep->v), cmp_watch);
		free(ep->nested);
		ep->nested = NULL;
		ep->nnested = 0;
		for (j = 0; j < ep->n; j++) {
			if (!is_epoll_fd(t, ep->v[j].tfd))
				continue;
			ep->nested = xreallocarray(ep->nested, ep->nnested + 1,
						   sizeof(*ep->nested));
			ep->nested[ep->nnested++] = j;
		}
		ep->indexed = true;
	}
}

const struct epoll_watch *threads_epoll_find(const struct skc_epoll *ep,
					     uint64_t ino)
{
	size_t lo = 0, hi = ep->n, i;

	if (!ep->indexed) {
		for (i = 0; i < ep->n; i++)
			if (ep->v[i].ino == ino)
				return &ep->v[i];
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ep->v[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ep->n && ep->v[lo].ino == ino ? &ep->v[lo] : NULL;
}

void threads_free(struct skc_threads *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].in_fds);
	free(t->v);
	for (i = 0; i < t->nep; i++) {
		free(t->ep[i].v);
		free(t->ep[i].nested);
	}
	free(t->ep);
	for (i = 0; i < t->nrings; i++)
		free(t->rings[i].files);
	free(t->rings);
	memset(t, 0, sizeof(*t));
}
