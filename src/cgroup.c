/* Kubernetes and container runtimes name cgroups in a handful of ways:
 *   systemd driver: kubepods.slice/kubepods-burstable.slice/
 *       kubepods-burstable-pod<uid with _>.slice/cri-containerd-<id>.scope
 *       (crio-<id>.scope, docker-<id>.scope; crio-conmon-<id>.scope is
 *       CRI-O's monitor process, not the container)
 *   cgroupfs driver: /kubepods/burstable/pod<uid>/<id>, /docker/<id>
 * We walk the path components and take what each one says. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "util.h"

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Container ids are 64 hex digits in every runtime we know; accept
 * shorter ones down to 12 in cgroupfs layouts only. */
static bool is_container_id(const char *s, size_t n, size_t min)
{
	return n >= min && n < sizeof(((struct skc_container *)0)->id) &&
	       all_hex(s, n);
}

static void set_field(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool has_suffix(const char *s, size_t n, const char *suf, size_t *stem)
{
	size_t l = strlen(suf);

	if (n < l || memcmp(s + n - l, suf, l) != 0)
		return false;
	*stem = n - l;
	return true;
}

/* "pod<uid>" with the systemd driver's '_' for '-' undone. */
static void set_pod(struct skc_container *c, const char *s, size_t n)
{
	size_t i;

	set_field(c->pod, sizeof(c->pod), s, n);
	for (i = 0; c->pod[i]; i++)
		if (c->pod[i] == '_')
			c->pod[i] = '-';
}

static bool is_uid(const char *s, size_t n)
{
	size_t i;

	if (n < 8 || n >= sizeof(((struct skc_container *)0)->pod))
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static const struct {
	const char *prefix, *runtime;
} scopes[] = {
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "docker-", "docker" },
	{ "libpod-", "podman" },
};

static bool parse_scope(const char *s, size_t n, struct skc_container *c)
{
	size_t stem, i;

	if (!has_suffix(s, n, ".scope", &stem))
		return false;
	for (i = 0; i < ARRAY_SIZE(scopes); i++) {
		size_t pl = strlen(scopes[i].prefix);

		if (stem <= pl || memcmp(s, scopes[i].prefix, pl) != 0)
			continue;
		if (!is_container_id(s + pl, stem - pl, 12))
			return false;	/* e.g. crio-conmon-<id>.scope */
		set_field(c->id, sizeof(c->id), s + pl, stem - pl);
		set_field(c->runtime, sizeof(c->runtime), scopes[i].runtime,
			  strlen(scopes[i].runtime));
		return true;
	}
	return false;
}

/* kubepods-burstable-pod<uid>.slice, kubepods-pod<uid>.slice */
static void parse_slice(const char *s, size_t n, struct skc_container *c)
{
	static const char *const qos[] = { "burstable", "besteffort" };
	const char *pod;
	size_t stem, i;

	if (n < 9 || memcmp(s, "kubepods", 8) != 0 ||
	    !has_suffix(s, n, ".slice", &stem))
		return;
	for (i = 0; i < ARRAY_SIZE(qos); i++) {
		size_t l = strlen(qos[i]);

		if (stem >= 9 + l && memcmp(s + 9, qos[i], l) == 0 &&
		    (stem == 9 + l || s[9 + l] == '-'))
			set_field(c->qos, sizeof(c->qos), qos[i], l);
	}
	pod = memmem(s, stem, "-pod", 4);
	if (pod && is_uid(pod + 4, (size_t)(s + stem - pod - 4))) {
		set_pod(c, pod + 4, (size_t)(s + stem - pod - 4));
		if (!c->qos[0])
			strcpy(c->qos, "guaranteed");
	}
}

/* Where "kubepods" starts a dash-separated segment of a slice name:
 * systemd prefixes every slice with its parents' names, so a kubelet
 * with its own root (kind: /kubelet) makes kubelet-kubepods-....slice */
static const char *kubepods_slice(const char *s, size_t n, size_t *rest)
{
	size_t stem, i;

	if (!has_suffix(s, n, ".slice", &stem))
		return NULL;
	for (i = 0; i + 8 <= stem; i++) {
		if ((i == 0 || s[i - 1] == '-') && memcmp(s + i, "kubepods", 8) == 0 &&
		    (i + 8 == stem || s[i + 8] == '-' || s[i + 8] == '.')) {
			*rest = n - i;
			return s + i;
		}
	}
	return NULL;
}

/* A cgroupfs-driver container directory: a bare id, or one with a
 * runtime prefix and no .scope (CRI-O's cgroupfs manager: crio-<id>). */
static bool parse_cgroupfs_id(const char *s, size_t n, struct skc_container *c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scopes); i++) {
		size_t pl = strlen(scopes[i].prefix);

		if (n > pl && memcmp(s, scopes[i].prefix, pl) == 0 &&
		    is_container_id(s + pl, n - pl, 12)) {
			set_field(c->id, sizeof(c->id), s + pl, n - pl);
			set_field(c->runtime, sizeof(c->runtime), scopes[i].runtime,
				  strlen(scopes[i].runtime));
			return true;
		}
	}
	if (!is_container_id(s, n, 12))
		return false;
	set_field(c->id, sizeof(c->id), s, n);
	c->runtime[0] = '\0';
	return true;
}

/* Entering a Kubernetes hierarchy: anything found above it (the node's
 * own container, kind/k3d) is not the process's container. */
static void enter_kubepods(struct skc_container *c)
{
	c->id[0] = '\0';
	c->runtime[0] = '\0';
}

bool cgroup_parse_path(const char *path, struct skc_container *c)
{
	const char *p = path, *prev = NULL, *k;
	size_t prevlen = 0, klen;
	bool in_kubepods = false, in_docker = false;

	memset(c, 0, sizeof(*c));
	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 8 && memcmp(p, "kubepods", 8) == 0) {
			in_kubepods = true;	/* cgroupfs driver */
			in_docker = false;
			enter_kubepods(c);
		} else if (n == 6 && memcmp(p, "docker", 6) == 0) {
			in_docker = true;
		} else if (parse_scope(p, n, c)) {
			;
		} else if ((k = kubepods_slice(p, n, &klen))) {
			if (!c->pod[0] && !c->qos[0])
				enter_kubepods(c);
			parse_slice(k, klen, c);
		} else if (in_kubepods && n > 3 && memcmp(p, "pod", 3) == 0 &&
			   is_uid(p + 3, n - 3)) {
			set_pod(c, p + 3, n - 3);
			if ((prevlen == 9 && memcmp(prev, "burstable", 9) == 0) ||
			    (prevlen == 10 && memcmp(prev, "besteffort", 10) == 0))
				set_field(c->qos, sizeof(c->qos), prev, prevlen);
			else
				strcpy(c->qos, "guaranteed");
		} else if (in_kubepods && c->pod[0]) {
			parse_cgroupfs_id(p, n, c);
		} else if (in_docker && is_container_id(p, n, 12)) {
			set_field(c->id, sizeof(c->id), p, n);
			strcpy(c->runtime, "docker");
		}
		prev = p;
		prevlen = n;
		p += n;
	}
	if (c->id[0] || c->pod[0])
		return true;
	memset(c, 0, sizeof(*c));	/* e.g. a QoS slice without a pod */
	return false;
}

bool cgroup_parse_file(const char *text, struct skc_container *c, char **path)
{
	const char *line = text, *v2 = NULL;
	size_t v2len = 0;

	*path = NULL;
	while (*line) {
		size_t len = strcspn(line, "\n");
		const char *colon = memchr(line, ':', len);
		const char *p = colon ? memchr(colon + 1, ':', len - (size_t)(colon + 1 - line)) : NULL;

		if (p) {
			char *cp = xmemdup(p + 1, len - (size_t)(p + 1 - line));

			if (cgroup_parse_path(cp, c)) {
				*path = cp;
				return true;
			}
			if (line[0] == '0' && line + 1 == colon) {
				v2 = p + 1;
				v2len = len - (size_t)(p + 1 - line);
			}
			free(cp);
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	memset(c, 0, sizeof(*c));
	if (v2)
		*path = xmemdup(v2, v2len);
	return false;
}

char *cgroup_v2_path(const char *text)
{
	const char *line = text;

	while (*line) {
		size_t len = strcspn(line, "\n");

		if (len >= 3 && memcmp(line, "0::", 3) == 0)
			return xmemdup(line + 3, len - 3);
		line += len;
		if (*line == '\n')
			line++;
	}
	return NULL;
}

/* mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SRC OPTS" */
int cgroup2_mount_point(FILE *mountinfo, char *buf, size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;

	while (ret < 0 && getline(&line, &cap, mountinfo) > 0) {
		char *save = NULL, *tok, *mnt = NULL;
		int field = 0;
		bool after_dash = false, found = false;

		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			if (++field == 5)
				mnt = tok;
			else if (after_dash) {
				found = strcmp(tok, "cgroup2") == 0;
				break;
			} else if (field > 5 && strcmp(tok, "-") == 0)
				after_dash = true;
		}
		/* mountinfo escapes spaces as \040: such a mount point is
		 * left alone rather than unescaped */
		if (found && mnt && !strchr(mnt, '\\') && strlen(mnt) < len) {
			strcpy(buf, mnt);
			ret = 0;
		}
	}
	free(line);
	return ret;
}
