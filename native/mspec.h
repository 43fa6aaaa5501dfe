/*
 * The monitor's spec (monitor.json): what the TypeScript engine decided for
 * one container's monitor — the OCI spec to start, where its records, log
 * and socket are, its restart policy, the network steps to run once pid 1
 * exists, the health check and the clean-up command (docs/runtime.md).
 */
#ifndef TSPOD_MSPEC_H
#define TSPOD_MSPEC_H

#include "error.h"
#include "veth.h"

#include <stddef.h>

enum step_ready
{
  READY_EXIT,    /* runs to completion; must exit 0 */
  READY_PIDFILE, /* stays; ready once `pidfile` is not empty (pasta) */
  READY_FD3,     /* stays; ready once it writes on its fd 3 (slirp4netns --ready-fd=3) */
  READY_STDOUT,  /* stays; ready once it writes "ready" on stdout (tspod-rt forward) */
  READY_API,     /* no process: one JSON request to the unix socket `api`; the reply must have no "error" */
  READY_VETH,    /* no command: the container plugged into a bridge of the network host (veth.c) */
};

typedef struct
{
  char *what;       /* "pasta", "the port forwarder": names it in errors */
  char *code;       /* tspod's error code when it fails */
  char **argv;      /* "{pid}" in an argument is replaced by the container's pid 1 */
  enum step_ready ready;
  char *pidfile;    /* READY_PIDFILE */
  char *api;        /* READY_API: the socket */
  char *request;    /* READY_API: the request */
  veth_spec veth;   /* READY_VETH (its container pid is filled in at the start) */
} net_step;

typedef struct
{
  char *id;
  char *spec;           /* the OCI runtime spec for `tspod-rt init` */
  char *record;         /* container.json: gone (renamed) once a command removes the container */
  char *state, *live, *socket, *spare, *stop_requested, *paused;
  char *log;            /* NULL: --log-driver none */
  long long log_max_size; /* 0: no rotation */
  int log_max_file;
  int tty, open_stdin;
  char *restart;        /* no, always, unless-stopped, on-failure */
  int max_retries;
  int restart_count;
  net_step *steps;
  size_t n_steps;
  char **health;        /* argv of one health check run, or NULL */
  long long health_interval_ms;
  char *health_file, *health_reset;
  char **cleanup;       /* argv run in place of the monitor after the last exit (--rm), or NULL */
  /* --rm: once the attached command renamed the record to `left_marker`, these trees are the monitor's to remove. */
  char *left_marker;
  char **left_dirs;
  /* Another OCI runtime (--runtime): create, start and delete commands, the pid file create writes, its JSON log. */
  char **rt_create, **rt_start, **rt_delete;
  char *rt_pidfile, *rt_log;
  char *rt_console;     /* with a terminal: the --console-socket the runtime sends the pty master to */
} mspec;

int mspec_read (const char *path, mspec *m, rt_error *err);

#endif
