#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "netns.h"
#include "util.h"

long netns_find(const struct skc_netnstab *nt, uint64_t ino)
{
	size_t i;

	for (i = 0; i < nt->n; i++)
		if (nt->v[i].ino == ino)
			return (long)i;
	return -1;
}

static struct skc_netns *add_ns(struct skc_netnstab *nt, uint64_t ino)
{
	struct skc_netns *n;

	grow_array((void **)&nt->v, &nt->cap, nt->n + 1, sizeof(*nt->v));
	n = &nt->v[nt->n++];
	memset(n, 0, sizeof(*n));
	n->ino = ino;
	return n;
}

static void add_named(struct skc_netnstab *nt, const char *run_dir,
		      const char *proc_root)
{
	DIR *d = opendir(run_dir);
	struct dirent *de;
	struct stat self;
	char selfpath[4096];
	bool check_dev;

	if (!d)
		return;		/* no named namespaces: fine */
	/* only namespace files (bind mounts of nsfs), not a stray file */
	snprintf(selfpath, sizeof(selfpath), "%s/self/ns/net", proc_root);
	check_dev = stat(selfpath, &self) == 0;
	while ((de = readdir(d))) {
		char path[4096];
		struct stat st;
		struct skc_netns *n;
		long k;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", run_dir, de->d_name);
		if (stat(path, &st) < 0 || (check_dev && st.st_dev != self.st_dev))
			continue;	/* stale mount point, or not a namespace */
		k = netns_find(nt, st.st_ino);
		n = k >= 0 ? &nt->v[k] : add_ns(nt, st.st_ino);
		if (n->name)
			continue;
		n->name = xstrdup(de->d_name);
		/* a bind mount works even when no process lives there */
		free(n->path);
		n->path = xstrdup(path);
	}
	closedir(d);
}

int netns_enumerate(const struct skc_proctab *pt, const char *proc_root,
		    const char *run_dir, uint64_t self, struct skc_netnstab *nt)
{
	char path[4096];
	size_t i;

	snprintf(path, sizeof(path), "%s/self/ns/net", proc_root);
	add_ns(nt, self)->path = xstrdup(path);
	for (i = 0; i < pt->n; i++) {
		const struct skc_proc *p = &pt->v[i];
		struct skc_netns *n;

		if (!p->netns || netns_find(nt, p->netns) >= 0)
			continue;
		n = add_ns(nt, p->netns);
		n->pid = p->pid;
		snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root, (int)p->pid);
		n->path = xstrdup(path);
	}
	add_named(nt, run_dir, proc_root);
	return 0;
}

static void ns_clear(struct skc_netns *n)
{
	free(n->name);
	free(n->path);
	free(n->error);
}

int netns_select(struct skc_netnstab *nt, const struct skc_proctab *pt,
		 const struct netns_sel *sel)
{
	uint64_t want = 0;
	size_t i, keep = (size_t)-1;

	switch (sel->kind) {
	case NETNS_ALL:
		return 0;
	case NETNS_CURRENT:
		keep = 0;
		break;
	case NETNS_INODE:
		want = sel->value;
		break;
	case NETNS_PID:
		for (i = 0; i < pt->n && (uint64_t)pt->v[i].pid != sel->value; i++)
			;
		if (i == pt->n)
			return -ESRCH;
		/* procscan reads 0 when /proc/PID/ns/net would not open:
		 * ptrace access to another user's process is denied */
		if (!pt->v[i].netns)
			return -EACCES;
		want = pt->v[i].netns;
		break;
	case NETNS_NAME:
		for (i = 0; i < nt->n; i++)
			if (nt->v[i].name && strcmp(nt->v[i].name, sel->name) == 0)
				keep = i;
		break;
	}
	if (want) {
		long k = netns_find(nt, want);

		keep = k >= 0 ? (size_t)k : (size_t)-1;
	}
	if (keep == (size_t)-1)
		return -ENOENT;
	for (i = 0; i < nt->n; i++)
		if (i != keep)
			ns_clear(&nt->v[i]);
	nt->v[0] = nt->v[keep];
	nt->n = 1;
	return 0;
}

const char *netns_label(const struct skc_netnstab *nt, uint64_t ino,
			char *buf, size_t len)
{
	long k = netns_find(nt, ino);

	if (k >= 0 && nt->v[k].name)
		return nt->v[k].name;
	if (!ino)
		return "?";	/* /proc/PID/ns/net was not readable */
	snprintf(buf, len, "%llu", (unsigned long long)ino);
	return buf;
}

/* Open ns, and make sure it is the namespace we enumerated: the pid we
 * found it through may have exited (then try the others living there)
 * or moved since.  Returns an fd, -ESTALE when no path leads to it any
 * more, or -errno. */
static int open_ns(const struct skc_proctab *pt, const struct skc_netns *ns,
		   const char *proc_root)
{
	char path[4096];
	struct stat st;
	size_t i = 0;
	int fd, err = -ESTALE;

	snprintf(path, sizeof(path), "%s", ns->path);
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == ns->ino)
			return fd;
		if (fd >= 0)
			close(fd);
		else if (errno != ENOENT && errno != ESRCH)
			err = -errno;
		if (ns->name)
			return err;	/* a /run/netns bind mount: no other way */
		for (; i < pt->n && pt->v[i].netns != ns->ino; i++)
			;
		if (i == pt->n)
			return err;
		snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root,
			 (int)pt->v[i++].pid);
	}
}

int netns_enter(const struct skc_proctab *pt, struct skc_netns *ns,
		const char *proc_root, int *fdp)
{
	int fd = open_ns(pt, ns, proc_root), ret = 0;

	if (fd == -ESTALE) {
		ns->error = xstrdup("its processes left it or moved during the scan");
		return -ESTALE;
	}
	if (fd < 0) {
		/* EACCES here is about that one process (ptrace rules),
		 * not about our privileges */
		if (fd != -EACCES && fd != -EPERM)
			return fd;
		ns->error = xstrdup("cannot open its namespace file (permission denied)");
		return fd;
	}
	if (setns(fd, CLONE_NEWNET) < 0)
		ret = -errno;
	if (ret == 0 && fdp)
		*fdp = fd;
	else
		close(fd);
	return ret;
}

int netns_leave(int selffd, struct skc_err *err)
{
	if (setns(selffd, CLONE_NEWNET) == 0)
		return 0;
	return err_set(err, -ENOTRECOVERABLE,
		       "cannot return to the original network namespace: %s",
		       strerror(errno));
}
