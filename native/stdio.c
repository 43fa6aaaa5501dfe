/*
 * stdio: the container's stdin, stdout and stderr are real pipes, whatever
 * init was given. A monitor written in Node hands its children Unix
 * socketpairs, and a process given a socket cannot open /dev/stdout (ENXIO),
 * which kills nginx- and apache-style images whose logs are symlinks to it.
 * So for each of fds 0, 1, 2 that is a socket, init makes a pipe for pid 1
 * and, while the container runs, moves the bytes between pipe and socket with
 * splice(2). Other fds (a pty's slave, /dev/null, a pipe) are passed as they are.
 */
#define _GNU_SOURCE
#include "stdio_relay.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 16)

static int
is_socket (int fd)
{
  struct stat st;
  return fstat (fd, &st) == 0 && S_ISSOCK (st.st_mode);
}

int
stdio_prepare (stdio_relay *r, rt_error *err)
{
  for (int i = 0; i < 3; i++)
    {
      int p[2];
      r->child[i] = r->ours[i] = -1;
      if (!is_socket (i))
        continue;
      if (pipe2 (p, O_CLOEXEC) < 0)
        return rt_fail_errno (err, "creating a pipe for the container's fd %d", i);
      /* stdin: pid 1 reads p[0], we write p[1]; stdout/stderr: pid 1 writes p[1], we read p[0]. */
      r->child[i] = i == 0 ? p[0] : p[1];
      r->ours[i] = i == 0 ? p[1] : p[0];
      fcntl (r->ours[i], F_SETFL, fcntl (r->ours[i], F_GETFL) | O_NONBLOCK);
    }
  return 0;
}

int
stdio_child (stdio_relay *r, rt_error *err)
{
  for (int i = 0; i < 3; i++)
    {
      if (r->child[i] < 0)
        continue;
      /* dup2 onto 0..2 clears close-on-exec there; the originals close at exec. */
      if (dup2 (r->child[i], i) < 0)
        return rt_fail_errno (err, "putting the container's pipe on fd %d", i);
      close (r->ours[i]);
    }
  return 0;
}

/* One direction: from -> to through splice; returns 1 at EOF or when the far end is gone, 0 otherwise. */
static int
move (int from, int to)
{
  for (;;)
    {
      ssize_t n = splice (from, NULL, to, NULL, CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0)
        continue;
      if (n == 0)
        return 1;
      if (errno == EAGAIN)
        return 0;
      if (errno == EINTR)
        continue;
      return 1;
    }
}

int
stdio_relay_until_exit (stdio_relay *r, pid_t pid)
{
  sigset_t chld;
  int status = 0, exited = 0, sfd;
  long deadline = 0;

  for (int i = 0; i < 3; i++)
    if (r->child[i] >= 0)
      close (r->child[i]);
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_BLOCK, &chld, NULL);
  sfd = signalfd (-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

  for (;;)
    {
      struct pollfd p[4];
      int n = 0, open_outputs = 0, which[4];
      if (!exited)
        {
          int st;
          pid_t w = waitpid (pid, &st, WNOHANG);
          if (w == pid)
            {
              exited = 1;
              status = WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
              /* The rest of the pid namespace dies with pid 1: its writers close soon; never wait long. */
              deadline = now_ms () + 2000;
            }
        }
      for (int i = 1; i < 3; i++)
        if (r->ours[i] >= 0)
          {
            open_outputs++;
            p[n] = (struct pollfd){ .fd = r->ours[i], .events = POLLIN };
            which[n++] = i;
          }
      if (r->ours[0] >= 0 && !exited)
        {
          p[n] = (struct pollfd){ .fd = 0, .events = POLLIN };
          which[n++] = 0;
        }
      if (exited && (open_outputs == 0 || now_ms () > deadline))
        break;
      if (!exited && sfd >= 0)
        {
          p[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
          which[n++] = -1;
        }
      if (n == 0)
        {
          /* Nothing to relay: just wait for pid 1. */
          int st;
          while (waitpid (pid, &st, 0) < 0)
            if (errno != EINTR)
              return 125;
          return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
        }
      if (poll (p, n, exited ? 50 : (sfd >= 0 ? -1 : 100)) < 0 && errno != EINTR)
        return 125;
      for (int k = 0; k < n; k++)
        {
          if (!p[k].revents)
            continue;
          int i = which[k];
          if (i < 0)
            {
              struct signalfd_siginfo info;
              while (read (sfd, &info, sizeof info) > 0)
                ;
            }
          else if (i == 0)
            {
              if (move (0, r->ours[0]))
                {
                  close (r->ours[0]); /* the monitor closed stdin (or pid 1 closed its end) */
                  r->ours[0] = -1;
                }
            }
          else if (move (r->ours[i], i))
            {
              close (r->ours[i]);
              r->ours[i] = -1;
            }
        }
    }
  return status;
}
