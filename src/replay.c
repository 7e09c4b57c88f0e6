#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlsock.h"
#include "replay.h"

/* A recording is one dump: tens of kilobytes on a test host. */
#define REPLAY_MAX (64u << 20)

static int read_all(const char *path, char **buf, size_t *len,
		    struct skc_err *err)
{
	FILE *f = fopen(path, "re");
	size_t cap = 0, n;
	int ret = 0;

	*buf = NULL;
	*len = 0;
	if (!f)
		return errno == ENOENT ? -ENOENT :
		       err_set(err, -errno, "%s: %s", path, strerror(errno));
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > REPLAY_MAX) {
				ret = err_set(err, -EFBIG, "%s: recording too large", path);
				break;
			}
			*buf = xreallocarray(*buf, cap, 1);
		}
		n = fread(*buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (!ret && ferror(f))
		ret = err_set(err, -EIO, "%s: read error", path);
	fclose(f);
	return ret;
}

int replay_dump(const char *path, mnl_cb_t cb, void *data, struct skc_err *err)
{
	char *buf;
	size_t len;
	int ret;

	err->code = 0;
	err->msg[0] = '\0';
	ret = read_all(path, &buf, &len, err);
	if (ret == 0) {
		/* seq and portid 0: libmnl accepts the recorded ones */
		ret = nl_dump_process(buf, len, 0, 0, cb, data, err);
		if (ret > 0)
			ret = err_set(err, -EPROTO, "%s: recording ends before NLMSG_DONE", path);
	}
	free(buf);
	return ret;
}
