/* stdio: real pipes for the container's stdio, relayed to init's own fds (see stdio.c). */
#ifndef TSPOD_STDIO_RELAY_H
#define TSPOD_STDIO_RELAY_H

#include "error.h"

#include <sys/types.h>

typedef struct
{
  int child[3]; /* the container's end for fd i, or -1: fd i is passed as it is */
  int ours[3];  /* init's end of that pipe */
} stdio_relay;

/* Before fork: a pipe for each of fds 0, 1, 2 that is a socket. */
int stdio_prepare (stdio_relay *r, rt_error *err);

/* In pid 1: puts the pipes on fds 0, 1, 2. */
int stdio_child (stdio_relay *r, rt_error *err);

/* In init after fork: relays until pid 1 has exited and its output is read; returns its status (128+signal if killed). */
int stdio_relay_until_exit (stdio_relay *r, pid_t pid);

#endif
