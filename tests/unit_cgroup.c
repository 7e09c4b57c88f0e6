/*
 * Unit tests for the cgroup path parser (src/cgroup.c): a table of the
 * path shapes kubelet (systemd and cgroupfs drivers), containerd, CRI-O,
 * Docker and Podman produce, nested ones (kind, k3d, CI runners), cut-off
 * ones, and paths that name no container at all; then whole
 * /proc/PID/cgroup texts of cgroup v2, v1 and hybrid hosts.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup.h"

#define ID1 "27fca0448c46a34b3c223f470e5c35ce4ad2e97492931b36f5a9ad8fb9973a02"
#define ID2 "3509775b5c7fbb8b9a86477707874c60c27f75e26e2da397a7298313bfe87708"
#define ID3 "58c93473e88de084c0ca79a27dd9e98eb4cc532ff4a8a17fdf24aef50b017e72"
/* the kind / k3d node container that holds a whole cluster node */
#define IDN "52dbcf737eacff86e54d6076465ed02fe14a9a59993d0275aae1013a58bfc478"
#define UID1 "5cdcba94-01c6-4c0d-a97a-16304f78960a"
#define UID1_ "5cdcba94_01c6_4c0d_a97a_16304f78960a"
/* static (mirror) pods: the uid is the config hash, without dashes */
#define UIDS "99dcb84d2a34f7e338778606703258c4"

#define SD_BURST "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID1_ ".slice"
#define SD_BEST "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID1_ ".slice"
#define SD_GUAR "/kubepods.slice/kubepods-pod" UID1_ ".slice"
#define CONTAINERD(id) "/cri-containerd-" id ".scope"
#define CRIO(id) "/crio-" id ".scope"

/* qos NULL: not checked (the parser found nothing; only the return value
 * and the empty id and pod are promised then) */
struct path_case {
	const char *name, *path;
	bool ret;
	const char *runtime, *id, *pod, *qos;
};

static const struct path_case path_cases[] = {
	/* systemd cgroup driver */
	{ "containerd, systemd, burstable", SD_BURST CONTAINERD(ID1),
	  true, "containerd", ID1, UID1, "burstable" },
	{ "containerd, systemd, besteffort", SD_BEST CONTAINERD(ID1),
	  true, "containerd", ID1, UID1, "besteffort" },
	{ "containerd, systemd, guaranteed (kubepods-pod<uid>.slice)", SD_GUAR CONTAINERD(ID1),
	  true, "containerd", ID1, UID1, "guaranteed" },
	{ "containerd, systemd, static pod (hash uid)",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDS ".slice" CONTAINERD(ID2),
	  true, "containerd", ID2, UIDS, "besteffort" },
	{ "cri-o, systemd, besteffort", SD_BEST CRIO(ID2),
	  true, "cri-o", ID2, UID1, "besteffort" },
	{ "cri-o, systemd, guaranteed", SD_GUAR CRIO(ID2),
	  true, "cri-o", ID2, UID1, "guaranteed" },
	{ "cri-o conmon: the pod, no container", SD_BEST "/crio-conmon-" ID2 ".scope",
	  true, "", "", UID1, "besteffort" },
	{ "cri-o: crun's 'container' sub-cgroup", SD_BURST CRIO(ID2) "/container",
	  true, "cri-o", ID2, UID1, "burstable" },
	{ "docker, systemd", "/system.slice/docker-" ID1 ".scope",
	  true, "docker", ID1, "", "" },
	{ "podman, systemd", "/machine.slice/libpod-" ID3 ".scope",
	  true, "podman", ID3, "", "" },
	{ "podman, rootless",
	  "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID3 ".scope",
	  true, "podman", ID3, "", "" },
	{ "podman conmon is no container", "/machine.slice/libpod-conmon-" ID3 ".scope",
	  false, "", "", "", NULL },
	{ "systemd running inside a container",
	  "/system.slice/docker-" ID1 ".scope/system.slice/dbus.service",
	  true, "docker", ID1, "", "" },
	{ "init.scope inside a pod container", SD_BURST CONTAINERD(ID1) "/init.scope",
	  true, "containerd", ID1, UID1, "burstable" },

	/* cgroupfs cgroup driver */
	{ "cgroupfs, guaranteed", "/kubepods/pod" UID1 "/" ID1,
	  true, "", ID1, UID1, "guaranteed" },
	{ "cgroupfs, burstable", "/kubepods/burstable/pod" UID1 "/" ID1,
	  true, "", ID1, UID1, "burstable" },
	{ "cgroupfs, besteffort", "/kubepods/besteffort/pod" UID1 "/" ID2,
	  true, "", ID2, UID1, "besteffort" },
	{ "cgroupfs, static pod (hash uid)", "/kubepods/burstable/pod" UIDS "/" ID2,
	  true, "", ID2, UIDS, "burstable" },
	{ "cgroupfs, cri-o (crio-<id>, no .scope)", "/kubepods/burstable/pod" UID1 "/crio-" ID2,
	  true, "cri-o", ID2, UID1, "burstable" },
	{ "cgroupfs, cri-o conmon", "/kubepods/burstable/pod" UID1 "/crio-conmon-" ID2,
	  true, "", "", UID1, "burstable" },
	{ "cgroupfs, pod and a non-id child", "/kubepods/pod" UID1 "/not-a-container",
	  true, "", "", UID1, "guaranteed" },
	{ "docker, cgroupfs", "/docker/" ID1,
	  true, "docker", ID1, "", "" },
	{ "docker, cgroupfs, 12-digit id", "/docker/0123456789ab",
	  true, "docker", "0123456789ab", "", "" },
	{ "docker, cgroupfs, 11 digits is no id", "/docker/0123456789a",
	  false, "", "", "", NULL },
	{ "docker, trailing slash", "/docker/" ID1 "/",
	  true, "docker", ID1, "", "" },
	{ "doubled slashes", "//kubepods//burstable//pod" UID1 "//" ID1,
	  true, "", ID1, UID1, "burstable" },
	{ "relative path", "kubepods/besteffort/pod" UID1 "/" ID1,
	  true, "", ID1, UID1, "besteffort" },

	/* nested: a cluster node inside a container or a CI job */
	{ "nested: CI runner prefix, cgroupfs",
	  "/actions_job/" ID3 "/kubepods/burstable/pod" UID1 "/" ID1,
	  true, "", ID1, UID1, "burstable" },
	{ "nested: below containerd.service, systemd",
	  "/system.slice/containerd.service" SD_BEST CONTAINERD(ID1),
	  true, "containerd", ID1, UID1, "besteffort" },
	{ "nested: kind/k3d node on cgroup v1 (cgroupfs inside)",
	  "/docker/" IDN "/kubepods/besteffort/pod" UID1 "/" ID1,
	  true, "", ID1, UID1, "besteffort" },
	{ "nested: kind node on cgroup v2 (systemd outside, cgroupfs inside)",
	  "/system.slice/docker-" IDN ".scope/kubepods/burstable/pod" UID1 "/" ID1,
	  true, "", ID1, UID1, "burstable" },
	{ "nested: kind node, kubelet cgroup root /kubelet (systemd)",
	  "/system.slice/docker-" IDN ".scope/kubelet.slice/kubelet-kubepods.slice/"
	  "kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod" UID1_ ".slice"
	  CONTAINERD(ID1),
	  true, "containerd", ID1, UID1, "burstable" },
	{ "kubelet cgroup root /kubelet, seen from inside the node",
	  "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod" UID1_ ".slice" CONTAINERD(ID1),
	  true, "containerd", ID1, UID1, "guaranteed" },

	/* cut off: pod but no container, or less */
	{ "truncated: ends at the pod slice", SD_BURST,
	  true, "", "", UID1, "burstable" },
	{ "truncated: ends at the guaranteed pod slice", SD_GUAR,
	  true, "", "", UID1, "guaranteed" },
	{ "truncated: cgroupfs pod", "/kubepods/besteffort/pod" UID1,
	  true, "", "", UID1, "besteffort" },
	{ "truncated: empty pod uid",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod.slice",
	  false, "", "", "", NULL },
	{ "truncated: cgroupfs empty pod uid", "/kubepods/burstable/pod",
	  false, "", "", "", NULL },
	{ "truncated: QoS slice only", "/kubepods.slice/kubepods-besteffort.slice",
	  false, "", "", "", NULL },
	{ "truncated: kubepods.slice", "/kubepods.slice", false, "", "", "", NULL },
	{ "truncated: kubepods", "/kubepods", false, "", "", "", NULL },
	{ "truncated: kubepods/burstable", "/kubepods/burstable", false, "", "", "", NULL },
	{ "truncated: docker", "/docker", false, "", "", "", NULL },
	{ "truncated: half a scope name", SD_BURST "/cri-containerd-", true, "", "", UID1, "burstable" },

	/* not Kubernetes, not a container */
	{ "root", "/", false, "", "", "", NULL },
	{ "empty", "", false, "", "", "", NULL },
	{ "init.scope", "/init.scope", false, "", "", "", NULL },
	{ "login session", "/user.slice/user-1000.slice/session-2.scope", false, "", "", "", NULL },
	{ "user manager", "/user.slice/user-1000.slice/user@1000.service/init.scope",
	  false, "", "", "", NULL },
	{ "containerd.service itself", "/system.slice/containerd.service", false, "", "", "", NULL },
	{ "conmon in system.slice", "/system.slice/crio-conmon-" ID2 ".scope", false, "", "", "", NULL },
	{ "a hex name outside docker and kubepods", "/process_api/724ee9f435153c97fb3ca232d36615b7",
	  false, "", "", "", NULL },
	{ "a 64-hex name outside docker and kubepods", "/foo/" ID1, false, "", "", "", NULL },
	{ "only slashes", "//////", false, "", "", "", NULL },
	{ "garbage with many slashes", "/a//b///c////.scope/-pod/kubepods-/.slice//", false, "", "", "", NULL },
	{ "empty docker scope id", "/system.slice/docker-.scope", false, "", "", "", NULL },
	{ "non-hex docker scope id", "/system.slice/docker-xyz0123456789abcdef.scope", false, "", "", "", NULL },
	{ "docker scope id too long for the field",
	  "/system.slice/docker-" ID1 ID1 ".scope", false, "", "", "", NULL },
	{ "cgroupfs docker id too long for the field", "/docker/" ID1 ID1, false, "", "", "", NULL },
	{ "pod uid too long for the field", "/kubepods/pod" ID1 "/" ID2, false, "", "", "", NULL },
	{ "kubepods as a prefix of another word", "/kubepodsfoo/pod" UID1 "/" ID1, false, "", "", "", NULL },
};

static void check_fields(const char *what, const struct skc_container *c,
			 const char *runtime, const char *id, const char *pod,
			 const char *qos)
{
	if (strcmp(c->runtime, runtime) || strcmp(c->id, id) || strcmp(c->pod, pod) ||
	    (qos && strcmp(c->qos, qos)))
		fail_msg("%s:\n  got      runtime '%s' id '%s' pod '%s' qos '%s'\n"
			 "  expected runtime '%s' id '%s' pod '%s' qos '%s'",
			 what, c->runtime, c->id, c->pod, c->qos, runtime, id, pod,
			 qos ? qos : "(any)");
}

static void test_path_case(void **state)
{
	const struct path_case *t = *state;
	struct skc_container c;
	bool ret;

	memset(&c, 0x5a, sizeof(c));	/* the parser must clear it */
	ret = cgroup_parse_path(t->path, &c);
	if (ret != t->ret)
		fail_msg("%s: returned %d, expected %d (id '%.80s' pod '%.48s')",
			 t->path, ret, t->ret, c.id, c.pod);
	check_fields(t->path, &c, t->runtime, t->id, t->pod, t->qos);
}

/* Thousands of components before the interesting ones. */
static void test_long_path(void **state)
{
	static const char tail[] = SD_BURST CONTAINERD(ID1);
	size_t n = 20000, len = 2 * n + sizeof(tail);
	char *p = malloc(len), *q = p;
	struct skc_container c;
	size_t i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < n; i++) {
		*q++ = '/';
		*q++ = (char)('a' + i % 26);
	}
	memcpy(q, tail, sizeof(tail));
	assert_true(cgroup_parse_path(p, &c));
	check_fields("long path", &c, "containerd", ID1, UID1, "burstable");

	/* one enormous component of hex digits, with and without a prefix */
	memset(p, 'a', len - 1);
	p[len - 1] = '\0';
	assert_false(cgroup_parse_path(p, &c));
	memcpy(p, "/docker/", 8);
	assert_false(cgroup_parse_path(p, &c));
	memcpy(p, "/kubepods/pod", 13);
	assert_false(cgroup_parse_path(p, &c));
	memcpy(p, "/kubepods-pod", 13);
	memcpy(p + len - 7, ".slice", 7);
	assert_false(cgroup_parse_path(p, &c));
	check_fields("long slice", &c, "", "", "", NULL);
	free(p);
}

/* Whole /proc/PID/cgroup texts. path NULL: *path must be NULL. */
struct file_case {
	const char *name, *text;
	bool ret;
	const char *path, *runtime, *id, *pod, *qos;
};

#define V1_ROOT \
	"12:hugetlb:/\n11:perf_event:/\n10:net_cls,net_prio:/\n9:name=systemd:/\n" \
	"8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n"
#define CFS_PATH "/kubepods/burstable/pod" UID1 "/" ID1

static const struct file_case file_cases[] = {
	{ "hybrid: container only in v1 lines, v2 root",
	  "12:pids:" CFS_PATH "\n11:memory:" CFS_PATH "\n4:cpu,cpuacct:" CFS_PATH "\n"
	  "1:name=systemd:" CFS_PATH "\n0::/\n",
	  true, CFS_PATH, "", ID1, UID1, "burstable" },
	{ "hybrid: v1 at the root, container in the v2 line (this machine's layout)",
	  V1_ROOT "4:memory:/process_api/724ee9f435153c97fb3ca232d36615b7\n"
	  "0::" SD_BURST CONTAINERD(ID1) "\n",
	  true, SD_BURST CONTAINERD(ID1), "containerd", ID1, UID1, "burstable" },
	{ "hybrid: no container anywhere",
	  V1_ROOT "4:memory:/process_api/724ee9f435153c97fb3ca232d36615b7\n0::/\n",
	  false, "/", "", "", "", "" },
	{ "hybrid: v2 root line first, docker in the v1 lines after it",
	  "0::/\n9:name=systemd:/docker/" ID2 "\n4:memory:/docker/" ID2 "\n",
	  true, "/docker/" ID2, "docker", ID2, "", "" },
	{ "v2: login session", "0::/user.slice/user-1000.slice/session-2.scope\n",
	  false, "/user.slice/user-1000.slice/session-2.scope", "", "", "", "" },
	{ "v2: cri-o container", "0::" SD_BEST CRIO(ID2) "\n",
	  true, SD_BEST CRIO(ID2), "cri-o", ID2, UID1, "besteffort" },
	{ "v2: cri-o conmon", "0::" SD_BEST "/crio-conmon-" ID2 ".scope\n",
	  true, SD_BEST "/crio-conmon-" ID2 ".scope", "", "", UID1, "besteffort" },
	{ "v2: no trailing newline", "0::/system.slice/docker-" ID1 ".scope",
	  true, "/system.slice/docker-" ID1 ".scope", "docker", ID1, "", "" },
	{ "v2: colon inside the path", "0::/system.slice/a:b.scope\n",
	  false, "/system.slice/a:b.scope", "", "", "", "" },
	{ "v1 only, no container, no v2 line", V1_ROOT, false, NULL, "", "", "", "" },
	{ "v1 only, docker", "9:name=systemd:/docker/" ID1 "\n8:pids:/docker/" ID1 "\n",
	  true, "/docker/" ID1, "docker", ID1, "", "" },
	{ "empty text", "", false, NULL, "", "", "", "" },
	{ "only newlines", "\n\n\n", false, NULL, "", "", "", "" },
	{ "garbage lines", "garbage\n::\n0:\n:::\n1:x\n\n", false, NULL, "", "", "", "" },
};

static void test_file_case(void **state)
{
	const struct file_case *t = *state;
	struct skc_container c;
	char *path = (char *)"unset";
	bool ret;

	memset(&c, 0x5a, sizeof(c));
	ret = cgroup_parse_file(t->text, &c, &path);
	if (ret != t->ret)
		fail_msg("returned %d, expected %d (path '%s')", ret, t->ret,
			 path ? path : "(null)");
	if (!t->path) {
		if (path)
			fail_msg("path '%s', expected NULL", path);
	} else if (!path || strcmp(path, t->path)) {
		fail_msg("path '%s', expected '%s'", path ? path : "(null)", t->path);
	}
	check_fields(t->name, &c, t->runtime, t->id, t->pod, t->qos);
	free(path);
}

/* Many v1 lines (more than procscan's 8 KiB read would keep) before the
 * v2 line that names the container. */
static void test_file_many_lines(void **state)
{
	static const char last[] = "0::" SD_GUAR CRIO(ID3) "\n";
	size_t n = 5000, len = n * 16 + sizeof(last);
	char *text = malloc(len), *q = text, *path = NULL;
	struct skc_container c;
	size_t i;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		q += sprintf(q, "%zu:cpu%zu:/\n", i + 1, i % 10);
	memcpy(q, last, sizeof(last));
	assert_true(cgroup_parse_file(text, &c, &path));
	assert_non_null(path);
	assert_string_equal(path, SD_GUAR CRIO(ID3));
	check_fields("many lines", &c, "cri-o", ID3, UID1, "guaranteed");
	free(path);
	free(text);
}

int main(void)
{
	size_t np = sizeof(path_cases) / sizeof(path_cases[0]);
	size_t nf = sizeof(file_cases) / sizeof(file_cases[0]);
	struct CMUnitTest *tests = calloc(np > nf ? np : nf, sizeof(*tests));
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_file_many_lines),
	};
	size_t i;
	int failed = 0;

	if (!tests)
		return 99;
	for (i = 0; i < np; i++) {
		tests[i].name = path_cases[i].name;
		tests[i].test_func = test_path_case;
		tests[i].initial_state = (void *)&path_cases[i];
	}
	failed += _cmocka_run_group_tests("cgroup_parse_path", tests, np, NULL, NULL);
	memset(tests, 0, (np > nf ? np : nf) * sizeof(*tests));
	for (i = 0; i < nf; i++) {
		tests[i].name = file_cases[i].name;
		tests[i].test_func = test_file_case;
		tests[i].initial_state = (void *)&file_cases[i];
	}
	failed += _cmocka_run_group_tests("cgroup_parse_file", tests, nf, NULL, NULL);
	failed += cmocka_run_group_tests_name("cgroup_misc", misc, NULL, NULL);
	free(tests);
	return failed ? 1 : 0;
}
