/*
 * A container's network, as the engine planned it (mspec.h): the steps run
 * in order once pid 1 exists — commands that must exit 0 (veth pairs),
 * processes that stay beside the container until it ends (pasta,
 * slirp4netns, the port forwarder), requests to an API socket (slirp4netns
 * port forwards). Every process dies with the monitor (parent-death signal).
 */
#ifndef TSPOD_NETSTEPS_H
#define TSPOD_NETSTEPS_H

#include "error.h"
#include "mspec.h"

#include <sys/types.h>

typedef struct
{
  const net_step *step;
  pid_t pid;   /* 0 once reaped */
  int stderr_fd;
} net_proc;

typedef struct
{
  net_proc procs[16];
  int n;
} net_run;

/* Runs the steps for pid 1 `pid`; on failure stops what it started and fills *err (its code is the step's). */
int netsteps_start (const mspec *m, pid_t pid, net_run *run, rt_error *err);

/* If `pid` is one of the staying processes: marks it gone, says why in `why`, returns 1. */
int netsteps_reaped (net_run *run, pid_t pid, int status, char *why, size_t why_len);

/* Stops the staying processes (SIGKILL) and reaps them: the ports are free when it returns. */
void netsteps_stop (net_run *run);

#endif
