/* The network steps of a container (see netsteps.h). */
#define _GNU_SOURCE
#include "netsteps.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 25000

/* `arg` with every "{pid}" replaced by `num`. */
static char *
replace_pid (const char *arg, const char *num)
{
  size_t len = strlen (arg) + 1, count = 0;
  const char *at;
  char *out, *o;
  for (at = strstr (arg, "{pid}"); at; at = strstr (at + 5, "{pid}"))
    count++;
  out = o = malloc (len + count * strlen (num));
  for (at = strstr (arg, "{pid}"); at; arg = at + 5, at = strstr (arg, "{pid}"))
    {
      memcpy (o, arg, (size_t) (at - arg));
      o += at - arg;
      o = stpcpy (o, num);
    }
  strcpy (o, arg);
  return out;
}

/* argv with every "{pid}" replaced. */
static char **
with_pid (char **argv, pid_t pid)
{
  size_t n = 0;
  char **out, num[16];
  while (argv[n])
    n++;
  out = calloc (n + 1, sizeof *out);
  snprintf (num, sizeof num, "%d", (int) pid);
  for (size_t i = 0; i < n; i++)
    out[i] = replace_pid (argv[i], num);
  return out;
}

static void
free_argv (char **argv)
{
  for (size_t i = 0; argv[i]; i++)
    free (argv[i]);
  free (argv);
}

/* What a process said on stderr (already exited or not), without "tspod-rt: " and the last newline. */
static void
read_said (int fd, char *buf, size_t len)
{
  size_t off = 0;
  ssize_t n;
  buf[0] = 0;
  if (fd < 0)
    return;
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
  while (off + 1 < len && (n = read (fd, buf + off, len - 1 - off)) > 0)
    off += (size_t) n;
  buf[off] = 0;
  while (off > 0 && (buf[off - 1] == '\n' || buf[off - 1] == ' '))
    buf[--off] = 0;
  if (strncmp (buf, "tspod-rt: ", 10) == 0)
    memmove (buf, buf + 10, strlen (buf + 10) + 1);
}

static void
describe_exit (const char *what, int status, const char *said, char *out, size_t len)
{
  if (WIFSIGNALED (status))
    snprintf (out, len, "%s exited (%s)%s%s", what, sigabbrev_np (WTERMSIG (status)) ? sigabbrev_np (WTERMSIG (status)) : "signal",
              *said ? ": " : "", said);
  else
    snprintf (out, len, "%s exited (status %d)%s%s", what, WEXITSTATUS (status), *said ? ": " : "", said);
}

/* Forks argv with stdin /dev/null, stderr (and stdout, fd 3 when asked) on pipes. */
static pid_t
spawn (char **argv, int *err_fd, int *out_fd, int *fd3, rt_error *err)
{
  int e[2], o[2] = { -1, -1 }, r[2] = { -1, -1 };
  pid_t monitor = getpid (), pid;

  if (pipe2 (e, O_CLOEXEC) < 0 || (out_fd && pipe2 (o, O_CLOEXEC) < 0) || (fd3 && pipe2 (r, O_CLOEXEC) < 0))
    return rt_fail_errno (err, "creating pipes for `%s`", argv[0]);
  pid = fork ();
  if (pid < 0)
    return rt_fail_errno (err, "starting `%s`", argv[0]);
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR);
      sigset_t none;
      prctl (PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
      if (getppid () != monitor)
        _exit (1);
      /* The monitor blocks SIGCHLD for its signalfd; pasta needs it to reap its own helpers. */
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      dup2 (null, 0);
      dup2 (out_fd ? o[1] : null, 1);
      dup2 (e[1], 2);
      if (fd3)
        dup2 (r[1], 3);
      signal (SIGPIPE, SIG_DFL);
      execvp (argv[0], argv);
      dprintf (2, "starting `%s`: %s", argv[0], strerror (errno));
      _exit (127);
    }
  close (e[1]);
  *err_fd = e[0];
  if (out_fd)
    close (o[1]), *out_fd = o[0];
  if (fd3)
    close (r[1]), *fd3 = r[0];
  return pid;
}

static int
api_request (const net_step *s, rt_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char reply[4096];
  size_t off = 0, len = strlen (s->request);
  ssize_t n;
  json_t *r, *e;
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  snprintf (addr.sun_path, sizeof addr.sun_path, "%s", s->api);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      rt_fail_errno (err, "%s: connecting to `%s`", s->what, s->api);
      goto out;
    }
  if (write (fd, s->request, len) != (ssize_t) len || shutdown (fd, SHUT_WR) < 0)
    {
      rt_fail_errno (err, "%s: writing to `%s`", s->what, s->api);
      goto out;
    }
  while (off + 1 < sizeof reply && (n = read (fd, reply + off, sizeof reply - 1 - off)) > 0)
    off += (size_t) n;
  reply[off] = 0;
  close (fd);
  if ((r = json_loads (reply, 0, NULL)) == NULL)
    return rt_fail (err, "%s: unexpected reply `%s`", s->what, reply);
  e = json_object_get (r, "error");
  if (e)
    {
      const char *desc = json_string_value (json_object_get (e, "desc"));
      rt_fail (err, "%s: %s", s->what, desc ? desc : reply);
      json_decref (r);
      return -1;
    }
  json_decref (r);
  return 0;
out:
  if (fd >= 0)
    close (fd);
  return -1;
}

static int
pidfile_ready (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && st.st_size > 0;
}

/* Waits until a staying process is ready, or fails with its own words if it exits first. */
static int
wait_ready (const net_step *s, pid_t pid, int err_fd, int out_fd, int fd3, rt_error *err)
{
  long deadline = now_ms () + READY_TIMEOUT_MS;
  char said[400], buf[256];
  int status;

  for (;;)
    {
      struct pollfd p = { .fd = s->ready == READY_STDOUT ? out_fd : fd3, .events = POLLIN };
      int waitms = s->ready == READY_PIDFILE ? 2 : 20;
      if (s->ready == READY_PIDFILE && pidfile_ready (s->pidfile))
        return 0;
      if (s->ready != READY_PIDFILE && poll (&p, 1, waitms) > 0)
        {
          ssize_t n = read (p.fd, buf, sizeof buf - 1);
          if (n > 0 && (s->ready == READY_FD3 || (buf[n] = 0, strstr (buf, "ready"))))
            return 0;
        }
      else if (s->ready == READY_PIDFILE)
        usleep (1000);
      if (waitpid (pid, &status, WNOHANG) == pid)
        {
          read_said (err_fd, said, sizeof said);
          if (strstr (said, "Address already in use"))
            {
              rt_fail (err, "cannot publish: %s", said);
              err->code = "ERR_TSPOD_PORT_IN_USE";
              return -1;
            }
          describe_exit (s->what, status, said, buf, sizeof buf);
          rt_fail (err, "setting up the network: %s", buf);
          return -1;
        }
      if (now_ms () > deadline)
        {
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          return rt_fail (err, "setting up the network: %s did not get ready in time", s->what);
        }
    }
}

/* A veth step in a child: it joins namespaces the monitor must stay out of; its error comes back on a pipe. */
static int
veth_step (const net_step *s, pid_t target, rt_error *err)
{
  int p[2], status;
  ssize_t n;
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return rt_fail_errno (err, "%s: creating a pipe", s->what);
  if ((pid = fork ()) < 0)
    return rt_fail_errno (err, "%s: forking", s->what);
  if (pid == 0)
    {
      veth_spec v = s->veth;
      rt_error mine = { 0 };
      v.container = target;
      close (p[0]);
      if (veth_plug (&v, &mine) < 0)
        {
          (void) !write (p[1], mine.msg, strlen (mine.msg));
          _exit (1);
        }
      _exit (0);
    }
  close (p[1]);
  n = read (p[0], err->msg, sizeof err->msg - 1);
  close (p[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  {
    char said[sizeof err->msg];
    snprintf (said, sizeof said, "%s", n > 0 ? (err->msg[n] = 0, err->msg) : "failed");
    return rt_fail (err, "%s: %.400s", s->what, said);
  }
}

static int
run_step (const net_step *s, pid_t target, net_run *run, rt_error *err)
{
  int err_fd = -1, out_fd = -1, fd3 = -1, status, rc = 0;
  char **argv;
  pid_t pid;

  if (s->ready == READY_API)
    return api_request (s, err);
  if (s->ready == READY_VETH)
    return veth_step (s, target, err);
  argv = with_pid (s->argv, target);
  if (s->ready == READY_PIDFILE)
    unlink (s->pidfile);
  pid = spawn (argv, &err_fd, s->ready == READY_STDOUT ? &out_fd : NULL, s->ready == READY_FD3 ? &fd3 : NULL, err);
  free_argv (argv);
  if (pid < 0)
    return -1;
  if (s->ready == READY_EXIT)
    {
      char said[400];
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        {
          read_said (err_fd, said, sizeof said);
          rc = rt_fail (err, "%s: %s", s->what, *said ? said : "failed");
        }
      close (err_fd);
      return rc;
    }
  rc = wait_ready (s, pid, err_fd, out_fd, fd3, err);
  if (out_fd >= 0)
    close (out_fd);
  if (fd3 >= 0)
    close (fd3);
  if (rc < 0)
    {
      close (err_fd);
      return -1;
    }
  if (s->ready == READY_PIDFILE)
    unlink (s->pidfile);
  run->procs[run->n++] = (net_proc){ .step = s, .pid = pid, .stderr_fd = err_fd };
  return 0;
}

int
netsteps_start (const mspec *m, pid_t pid, net_run *run, rt_error *err)
{
  memset (run, 0, sizeof *run);
  for (size_t i = 0; i < m->n_steps; i++)
    {
      if (run->n >= 16)
        return rt_fail (err, "setting up the network: too many staying processes");
      if (run_step (&m->steps[i], pid, run, err) < 0)
        {
          if (err->code == NULL)
            err->code = m->steps[i].code;
          netsteps_stop (run);
          return -1;
        }
    }
  return 0;
}

int
netsteps_reaped (net_run *run, pid_t pid, int status, char *why, size_t why_len)
{
  for (int i = 0; i < run->n; i++)
    {
      net_proc *p = &run->procs[i];
      char said[400];
      if (p->pid != pid)
        continue;
      read_said (p->stderr_fd, said, sizeof said);
      describe_exit (p->step->what, status, said, why, why_len);
      p->pid = 0;
      return 1;
    }
  return 0;
}

void
netsteps_stop (net_run *run)
{
  for (int i = 0; i < run->n; i++)
    if (run->procs[i].pid > 0)
      kill (run->procs[i].pid, SIGKILL);
  for (int i = 0; i < run->n; i++)
    {
      net_proc *p = &run->procs[i];
      if (p->pid > 0)
        while (waitpid (p->pid, NULL, 0) < 0 && errno == EINTR)
          ;
      if (p->stderr_fd >= 0)
        close (p->stderr_fd);
      p->pid = 0;
      p->stderr_fd = -1;
    }
  run->n = 0;
}
