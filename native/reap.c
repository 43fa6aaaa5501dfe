/*
 * `run --init`: the helper bound into the container (read-only) becomes its
 * pid 1, as docker's tini and podman's catatonit: it starts the command as
 * its child, passes on the signals it gets (pid 1 of a namespace ignores
 * those it has no handler for, so a bare `sleep` would never stop), reaps
 * every orphan, and exits with the command's status.
 */
#define _GNU_SOURCE
#include "reap.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int
reap_main (int argc, char **argv)
{
  sigset_t all, old;
  pid_t child;
  int status = 0;

  if (argc >= 2 && strcmp (argv[1], "--") == 0)
    {
      argc--;
      argv++;
    }
  if (argc < 2)
    {
      fprintf (stderr, "tspod-rt reap: usage: tspod-rt reap -- CMD [ARG...]\n");
      return 125;
    }
  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &old);
  child = fork ();
  if (child < 0)
    {
      fprintf (stderr, "tspod-rt reap: fork: %s\n", strerror (errno));
      return 125;
    }
  if (child == 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      execvp (argv[1], argv + 1);
      int e = errno;
      fprintf (stderr, "tspod-rt reap: exec: \"%s\": %s\n", argv[1], strerror (e));
      _exit (e == ENOENT ? 127 : 126);
    }
  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo (&all, &si);
      if (sig < 0)
        continue;
      if (sig != SIGCHLD)
        {
          /* Stop signals from a terminal are the child's to act on; everything else too. */
          kill (child, sig);
          continue;
        }
      for (;;)
        {
          int st;
          pid_t p = waitpid (-1, &st, WNOHANG);
          if (p <= 0)
            break;
          if (p == child)
            status = WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
          if (p == child)
            child = -1;
        }
      if (child < 0)
        return status;
    }
}
