/*
 * The channel between the monitor and `tspod-rt init`: fd 3, newline-
 * delimited JSON both ways (docs/runtime.md, "The channel"). Without an fd 3
 * (run by hand, or by a test) messages go nowhere and errors to stderr.
 */
#ifndef TSPOD_CHANNEL_H
#define TSPOD_CHANNEL_H

#include "error.h"

#include <sys/types.h>

#define CHANNEL_FD 3
#define CHANNEL_EARLY_MAX 8

typedef struct {
  int fd; /* -1: no channel */
  /* Messages read while waiting for another type, kept for later ("pty" and "net" come in any order). */
  char *early[CHANNEL_EARLY_MAX];
  int n_early;
} channel;

/* Takes fd 3 if it is open (made close-on-exec); call before opening anything else. */
void channel_open (channel *c);

/* {"type":"pid","pid":N} */
int channel_send_pid (channel *c, pid_t pid, rt_error *err);

/* {"type":"ptmx","path":...} */
int channel_send_ptmx (channel *c, const char *path, rt_error *err);

/* {"type":"error",...} with the error's code, message and exit status; on stderr when there is no channel. */
void channel_send_error (channel *c, const rt_error *e);

/* Waits for {"type":"pty","n":K}; *n = K. */
int channel_expect_pty (channel *c, int *n, rt_error *err);

/* Waits for {"type":"net"}. */
int channel_expect_net (channel *c, rt_error *err);

/* Waits for {"type":"go"}: the starting command is attached, the command may run. */
int channel_expect_go (channel *c, rt_error *err);

#endif
