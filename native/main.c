/*
 * tspod-rt: the native half of tspod's runtime, one job per file. The
 * TypeScript engine decides everything and starts this helper with a job
 * (docs/runtime.md):
 *
 *   tspod-rt monitor MONITOR.json                       a container's resident monitor (monitor.c)
 *   tspod-rt init [--hand-over] SPEC.json               a container (init.c)
 *   tspod-rt oci [--mount] SPEC.json RUNTIME ARG...     another OCI runtime on a container (oci.c)
 *   tspod-rt exec [--detach] PID SPEC.json              a process in a container (exec.c)
 *   tspod-rt veth JSON                                  a running container plugged into a bridge (veth.c)
 *   tspod-rt forward [--via H --to IP] PID SPEC...      published TCP and UDP ports (forward.c)
 *   tspod-rt reap -- CMD [ARG...]                       pid 1 of `run --init`, inside the container (reap.c)
 *
 * and, for tests: test-spec SPEC.json, test-user PASSWD GROUP USER (test.c).
 */
#include "error.h"
#include "exec.h"
#include "forward.h"
#include "init.h"
#include "monitor.h"
#include "oci.h"
#include "reap.h"
#include "test.h"
#include "veth.h"

#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  rt_error err = { 0 };
  const char *job = argc >= 2 ? argv[1] : "";

  if (strcmp (job, "monitor") == 0)
    return monitor_main (argc - 1, argv + 1);
  if (strcmp (job, "oci") == 0)
    return oci_main (argc - 1, argv + 1);
  if (strcmp (job, "init") == 0)
    return init_main (argc - 1, argv + 1);
  if (strcmp (job, "exec") == 0)
    return exec_main (argc - 1, argv + 1);
  if (strcmp (job, "forward") == 0)
    {
      if (forward_main (argc - 1, argv + 1, &err) < 0)
        {
          rt_print (&err);
          return 125;
        }
      return 0;
    }
  if (strcmp (job, "veth") == 0)
    return veth_main (argc - 1, argv + 1);
  if (strcmp (job, "reap") == 0)
    return reap_main (argc - 1, argv + 1);
  if (strncmp (job, "test-", 5) == 0)
    return test_main (argc - 1, argv + 1);
  fprintf (stderr, "tspod-rt: unknown job `%s` (jobs: monitor, init, oci, exec, veth, forward, reap)\n", job);
  return 125;
}
