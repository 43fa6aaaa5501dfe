/*
 * exec: runs `process` of a spec in the namespaces of a container's pid 1,
 * with the spec's confinement (capabilities, no_new_privs, seccomp, user),
 * and exits with the process's status (128+signal if it was killed).
 *
 *   tspod-rt exec [--detach] PID SPEC.json
 *
 * The namespaces are joined with setns (user first), and the root is the
 * container's (/proc/PID/root, opened before). The pid namespace applies to
 * children: the process is forked, and this helper waits, passing SIGINT,
 * SIGTERM and SIGHUP on. It dies with its parent unless --detach (exec -d,
 * whose caller does not stay). With process.terminal, stdin (the pty slave
 * the caller passes as stdio) becomes the controlling terminal. Errors: one
 * line on stderr, exit 125 (setup), 126 (cannot execute), 127 (not found).
 */
#define _GNU_SOURCE
#include "exec.h"
#include "error.h"
#include "process.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct
{
  const char *name;
  int type;
} namespaces[] = {
  { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID }, { "uts", CLONE_NEWUTS },
  { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
};
#define N_NS (sizeof namespaces / sizeof namespaces[0])

/* The forked process, for the signal handler (the one piece of state a handler needs). */
static volatile pid_t child_pid;

static void
forward_signal (int sig)
{
  if (child_pid > 0)
    kill (child_pid, sig);
}

/* Joins PID's namespaces that differ from ours (the host network stays the host's: it cannot be re-joined). */
static int
join (const char *pid, int *rootfd, rt_error *err)
{
  int fds[N_NS];
  char path[64], own[64];

  for (size_t i = 0; i < N_NS; i++)
    {
      struct stat theirs, mine;
      snprintf (path, sizeof path, "/proc/%s/ns/%s", pid, namespaces[i].name);
      snprintf (own, sizeof own, "/proc/self/ns/%s", namespaces[i].name);
      fds[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0 && errno == ENOENT && namespaces[i].type == CLONE_NEWCGROUP)
        continue;
      if (fds[i] < 0)
        return rt_fail_errno (err, "opening `%s`", path);
      if (fstat (fds[i], &theirs) == 0 && stat (own, &mine) == 0 && theirs.st_ino == mine.st_ino && theirs.st_dev == mine.st_dev)
        {
          close (fds[i]);
          fds[i] = -1;
        }
    }
  snprintf (path, sizeof path, "/proc/%s/root", pid);
  *rootfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*rootfd < 0)
    return rt_fail_errno (err, "opening `%s`", path);
  for (size_t i = 0; i < N_NS; i++)
    {
      if (fds[i] < 0)
        continue;
      if (setns (fds[i], namespaces[i].type) < 0)
        return rt_fail_errno (err, "joining `/proc/%s/ns/%s`", pid, namespaces[i].name);
      close (fds[i]);
    }
  return 0;
}

static int
run_child (const spec *s, int rootfd, rt_error *err)
{
  process_opts opts = { .pty = -1, .ctty_stdin = s->terminal };
  if (fchdir (rootfd) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    return rt_fail_errno (err, "entering the container's root");
  close (rootfd);
  return process_exec (s, &opts, err);
}

int
exec_main (int argc, char **argv)
{
  rt_error err = { 0 };
  int detach = argc > 1 && strcmp (argv[1], "--detach") == 0;
  int rootfd = -1, status;
  pid_t parent = getppid (), pid;
  spec s;

  argc -= detach;
  argv += detach;
  if (argc != 3 || strspn (argv[1], "0123456789") != strlen (argv[1]) || argv[1][0] == '\0')
    {
      rt_fail (&err, "usage: tspod-rt exec [--detach] PID SPEC.json");
      goto failed;
    }
  if (!detach && (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () != parent))
    {
      rt_fail (&err, "exec: the caller is gone");
      goto failed;
    }
  if (spec_read (argv[2], &s, &err) < 0 || join (argv[1], &rootfd, &err) < 0)
    goto failed;
  pid = fork ();
  if (pid < 0)
    {
      rt_fail_errno (&err, "starting the process in the container");
      goto failed;
    }
  if (pid == 0)
    {
      if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        _exit (125);
      run_child (&s, rootfd, &err);
      rt_print (&err);
      _exit (rt_status (&err));
    }
  close (rootfd);
  child_pid = pid;
  struct sigaction sa = { .sa_handler = forward_signal };
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  /* Never WUNTRACED: a paused container's process stops, its waiter must not. */
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        rt_fail_errno (&err, "waiting for the process in the container");
        goto failed;
      }
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);

failed:
  rt_print (&err);
  return rt_status (&err);
}
