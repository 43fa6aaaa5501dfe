/*
 * The container's process, shared by init (pid 1) and exec: the user
 * resolved in the container's own files, HOME, the working directory, the
 * executable looked up as docker does, the terminal, signals and fds reset,
 * confinement (confine.c), execve. Called with `/` already the container's.
 */
#ifndef TSPOD_PROCESS_H
#define TSPOD_PROCESS_H

#include "channel.h"
#include "error.h"
#include "spec.h"

typedef struct {
  int pty;       /* init with a terminal: the pty number the monitor sent; -1 none */
  int ctty_stdin; /* exec with a terminal: fd 0 (the pty slave) becomes the controlling terminal */
  channel *gate;  /* init, started before its command may run: waits for "go" on it last of all */
} process_opts;

/* mkdir -p of process.cwd (init, before the root may turn read-only). */
int process_make_cwd (const spec *s, rt_error *err);

/* Never returns on success; -1 with *err (status 126 or 127 when the command cannot run). */
int process_exec (const spec *s, const process_opts *o, rt_error *err);

#endif
