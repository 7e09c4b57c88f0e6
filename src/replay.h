/* Internal test hook (SKCHECK_NL_REPLAY, documented in skcheck(8)
 * ENVIRONMENT): sock_diag dumps read back from the files
 * SKCHECK_NL_RECORD wrote, instead of asked from the kernel, so the
 * real binary runs without root on a recorded host (tests/replay.sh). */
#ifndef SKC_REPLAY_H
#define SKC_REPLAY_H

#include <libmnl/libmnl.h>

#include "util.h"

/* Feed every message of the recording at path to cb, as nl_dump would
 * the kernel's replies.  Returns 0, -ENOENT when there is no recording
 * (the dump is treated as unsupported, as a kernel without that family
 * answers), or -errno with err set (unreadable, truncated before
 * NLMSG_DONE, or the error the recorded dump ended with). */
int replay_dump(const char *path, mnl_cb_t cb, void *data, struct skc_err *err);

#endif
