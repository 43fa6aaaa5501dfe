/*
 * tspod-rt: the native half of tspod's runtime, one job per file. The
 * TypeScript engine decides everything and starts this helper with a job:
 *
 *   tspod-rt forward PID [HOSTIP]:HOSTPORT=CTRPORT...   published TCP ports
 */
#include "error.h"
#include "forward.h"

#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  rt_error err = { 0 };

  if (argc >= 2 && strcmp (argv[1], "forward") == 0)
    {
      if (forward_main (argc - 1, argv + 1, &err) < 0)
        {
          rt_print (&err);
          return 125;
        }
      return 0;
    }
  fprintf (stderr, "tspod-rt: unknown job `%s` (jobs: forward)\n", argc >= 2 ? argv[1] : "");
  return 125;
}
