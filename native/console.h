/*
 * The OCI runtime's console socket (--console-socket): with process.terminal
 * the runtime (runc, crun) makes the container's pty and sends its master
 * over this unix socket (SCM_RIGHTS); the monitor then uses it as it uses
 * the pty of its own init.
 */
#ifndef TSPOD_CONSOLE_H
#define TSPOD_CONSOLE_H

#include "error.h"

/* A listening socket at `path` (replaced if it exists); the fd, or -1 with *err. */
int console_listen (const char *path, rt_error *err);

/* Accepts the runtime's connection on `listener` and receives the master; waits at most `ms`. The fd, or -1 with *err. */
int console_receive (int listener, const char *path, int ms, rt_error *err);

#endif
