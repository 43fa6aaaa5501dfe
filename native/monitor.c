/*
 * monitor: one container's resident process (conmon's job).
 *
 *   tspod-rt monitor MONITOR.json     (fd 3: the control pipe of the starting command)
 *
 * It serves the attach socket, starts the container (`init --hand-over`
 * makes pid 1 its own child), writes pid 1's output to the log and to
 * attached clients, runs the network steps once pid 1 exists, records status,
 * exit code and times, runs health checks, applies the restart policy with
 * docker's back-off, and after the last exit tells the clients and, for
 * --rm, becomes the clean-up command. One thread, one poll loop.
 *
 * Control pipe (src/model/monitor-events.ts): it says {"type":"listening"},
 * waits for {"type":"start","rows":R,"cols":C}, says {"type":"started","pid":N}
 * or {"type":"error",...}, and at the end {"type":"exited","exitCode":N}.
 * Attach frames (src/model/attach-frames.ts): [type u8][length u32 BE][payload].
 */
#define _GNU_SOURCE
#include "monitor.h"
#include "clock.h"
#include "console.h"
#include "logfile.h"
#include "mspec.h"
#include "netsteps.h"
#include "record.h"
#include "rmtree.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum
{
  FRAME_STDIN = 0,
  FRAME_STDOUT = 1,
  FRAME_STDERR = 2,
  FRAME_RESIZE = 3,
  FRAME_EXIT = 4,
  FRAME_STDIN_EOF = 5,
};

#define MAX_CLIENTS 32
#define CHUNK 65536
#define STDIN_QUEUE_MAX (1 << 20)
#define DRAIN_MS 2000

typedef struct
{
  int fd;
  unsigned char *buf;
  size_t len, cap;
} client;

/* One start of the container, until pid 1 has exited and its output is read. */
typedef struct
{
  pid_t inter, pid1;
  int inter_done, inter_status, pid1_done, pid1_status;
  int chan, chan_eof;
  char chan_buf[8192];
  size_t chan_len;
  int out, err, in, master;
  unsigned char *inq;
  size_t inq_len, inq_cap;
  int in_eof;
  int failed;
  rt_error error;
  net_run net;
  char lost[600];
  long drain_deadline;
  pid_t early_pid; /* a child reaped before its pid was known (pid 1 that exited at once) */
  int early_status;
} run;

static struct
{
  mspec m;
  logfile log;
  int control, server, sfd;
  client clients[MAX_CLIENTS];
  int n_clients;
  unsigned short rows, cols;
  persistent_state st;
  run r;
  int started_once;
  pid_t health_pid;
  long health_next;
  /* The starting command has not said `start` yet: the first run is set up meanwhile, its command waits for "go". */
  int awaiting_start, gave_up;
  int console; /* --runtime with a terminal: the console socket, until the runtime sent the pty */
  char ctl_buf[4096];
  size_t ctl_len;
  persistent_state st_before;
} M;

static int
exists (const char *path)
{
  return access (path, F_OK) == 0;
}

/* ---- the control pipe ---- */

static void
report (json_t *event)
{
  char *text = json_dumps (event, JSON_COMPACT);
  json_decref (event);
  if (M.control < 0 || text == NULL)
    {
      free (text);
      return;
    }
  if (dprintf (M.control, "%s\n", text) < 0)
    {
      close (M.control);
      M.control = -1;
    }
  free (text);
}

/* Reads what the starting command sent: 1 and *line once a whole line is in, 0 for more to come, -1 once it closed the pipe. */
static int
control_read (json_t **line)
{
  ssize_t n = read (M.control, M.ctl_buf + M.ctl_len, sizeof M.ctl_buf - 1 - M.ctl_len);
  char *nl;
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (n <= 0)
    return -1;
  M.ctl_len += (size_t) n;
  M.ctl_buf[M.ctl_len] = 0;
  if ((nl = strchr (M.ctl_buf, '\n')) == NULL)
    return M.ctl_len >= sizeof M.ctl_buf - 1 ? -1 : 0;
  *nl = 0;
  *line = json_loads (M.ctl_buf, 0, NULL);
  M.ctl_len = 0;
  return 1;
}

/* ---- records ---- */

/*
 * Status changes are written even on a full disk: the space set aside for
 * them is given up. `durable`: the last exit status is fsync'd, unless the
 * container is removed right after (--rm).
 */
static void
write_state (int durable)
{
  durable = durable && M.m.cleanup == NULL;
  rt_error err = { 0 };
  if (record_write_state (M.m.state, &M.st, durable, &err) == 0)
    return;
  if (err.errnum == ENOSPC && unlink (M.m.spare) == 0 && record_write_state (M.m.state, &M.st, durable, &err) == 0)
    return;
  rt_print (&err);
}

/* Sets space aside for the status writes of this run (nothing on a disk already full). */
static void
reserve_spare (void)
{
  static char zeros[32768];
  int fd = open (M.m.spare, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  if (write (fd, zeros, sizeof zeros) != (ssize_t) sizeof zeros)
    unlink (M.m.spare);
  close (fd);
}

/* ---- attach clients ---- */

static void
drop_client (int i)
{
  close (M.clients[i].fd);
  free (M.clients[i].buf);
  M.clients[i] = M.clients[--M.n_clients];
}

static void
broadcast (int type, const void *data, size_t len)
{
  unsigned char *frame;
  if (M.n_clients == 0)
    return;
  if ((frame = malloc (5 + len)) == NULL)
    return;
  frame[0] = (unsigned char) type;
  frame[1] = (unsigned char) (len >> 24);
  frame[2] = (unsigned char) (len >> 16);
  frame[3] = (unsigned char) (len >> 8);
  frame[4] = (unsigned char) len;
  memcpy (frame + 5, data, len);
  for (int i = M.n_clients - 1; i >= 0; i--)
    {
      size_t off = 0;
      while (off < 5 + len)
        {
          ssize_t n = write (M.clients[i].fd, frame + off, 5 + len - off);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break; /* gone, or stuck past its send timeout */
          off += (size_t) n;
        }
      if (off < 5 + len)
        drop_client (i);
    }
  free (frame);
}

static void
accept_client (void)
{
  struct timeval tv = { .tv_sec = 10 };
  int fd = accept4 (M.server, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  if (M.n_clients == MAX_CLIENTS)
    {
      close (fd);
      return;
    }
  /* Output waits for a slow client (as docker's does), but never for long. */
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  M.clients[M.n_clients++] = (client){ .fd = fd };
}

static void
queue_stdin (const unsigned char *data, size_t len)
{
  run *r = &M.r;
  if ((r->in < 0 && r->master < 0) || r->in_eof)
    return;
  if (r->inq_len + len > r->inq_cap)
    {
      r->inq_cap = (r->inq_len + len) * 2;
      r->inq = realloc (r->inq, r->inq_cap);
    }
  memcpy (r->inq + r->inq_len, data, len);
  r->inq_len += len;
}

static void
set_size (int fd)
{
  struct winsize ws = { .ws_row = M.rows ? M.rows : 24, .ws_col = M.cols ? M.cols : 80 };
  if (fd >= 0)
    ioctl (fd, TIOCSWINSZ, &ws);
}

static void
client_frame (int type, const unsigned char *payload, size_t len)
{
  if (type == FRAME_STDIN)
    queue_stdin (payload, len);
  else if (type == FRAME_STDIN_EOF)
    M.r.in_eof = 1;
  else if (type == FRAME_RESIZE)
    {
      json_t *size = json_loadb ((const char *) payload, len, 0, NULL);
      M.rows = (unsigned short) json_integer_value (json_object_get (size, "rows"));
      M.cols = (unsigned short) json_integer_value (json_object_get (size, "cols"));
      json_decref (size);
      set_size (M.r.master);
    }
}

static void
read_client (int i)
{
  client *c = &M.clients[i];
  size_t off = 0;
  ssize_t n;
  if (c->cap - c->len < CHUNK)
    {
      c->cap = c->len + CHUNK;
      c->buf = realloc (c->buf, c->cap);
    }
  n = read (c->fd, c->buf + c->len, c->cap - c->len);
  if (n <= 0)
    {
      if (n < 0 && errno == EINTR)
        return;
      drop_client (i);
      return;
    }
  c->len += (size_t) n;
  while (c->len - off >= 5)
    {
      size_t len = ((size_t) c->buf[off + 1] << 24) | ((size_t) c->buf[off + 2] << 16) | ((size_t) c->buf[off + 3] << 8) | c->buf[off + 4];
      if (c->len - off < 5 + len)
        break;
      client_frame (c->buf[off], c->buf + off + 5, len);
      off += 5 + len;
    }
  memmove (c->buf, c->buf + off, c->len - off);
  c->len -= off;
}

static int
listen_socket (rt_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (M.m.socket) >= sizeof addr.sun_path)
    return rt_fail (err, "the attach socket path `%s` is too long", M.m.socket);
  strcpy (addr.sun_path, M.m.socket);
  unlink (M.m.socket);
  M.server = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (M.server < 0 || bind (M.server, (struct sockaddr *) &addr, sizeof addr) < 0 || chmod (M.m.socket, 0600) < 0
      || listen (M.server, 64) < 0)
    return rt_fail_errno (err, "listening on `%s`", M.m.socket);
  return 0;
}

/* ---- the container's output ---- */

static void
output (const char *stream, int type, const char *data, size_t len)
{
  logfile_write (&M.log, stream, data, len);
  broadcast (type, data, len);
}

/* Reads what is there; returns 1 at EOF (or EIO: the pty's other side is closed). */
static int
read_output (int fd, const char *stream, int type)
{
  static char buf[CHUNK];
  ssize_t n = read (fd, buf, sizeof buf);
  if (n > 0)
    {
      output (stream, type, buf, (size_t) n);
      return 0;
    }
  return !(n < 0 && (errno == EINTR || errno == EAGAIN));
}

static void
write_stdin (void)
{
  run *r = &M.r;
  int fd = r->master >= 0 ? r->master : r->in;
  if (fd < 0)
    return;
  if (r->inq_len)
    {
      ssize_t n = write (fd, r->inq, r->inq_len);
      if (n > 0)
        {
          memmove (r->inq, r->inq + n, r->inq_len - (size_t) n);
          r->inq_len -= (size_t) n;
        }
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        r->inq_len = 0; /* the container closed its stdin */
    }
  if (!r->inq_len && r->in_eof == 1)
    {
      if (r->master >= 0)
        (void) !write (fd, "\x04", 1);
      else
        {
          close (r->in);
          r->in = -1;
        }
      r->in_eof = 2;
    }
}

/* ---- the init channel ---- */

static void
send_channel (const char *line)
{
  /* A failed write means pid 1 went: its exit says why. */
  if (M.r.chan >= 0)
    (void) !write (M.r.chan, line, strlen (line));
}

static void
open_pty (const char *path)
{
  run *r = &M.r;
  int unlock = 0, n = 0;
  char reply[64];
  r->master = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (r->master < 0 || ioctl (r->master, TIOCSPTLCK, &unlock) < 0 || ioctl (r->master, TIOCGPTN, &n) < 0)
    {
      rt_fail_errno (&r->error, "opening the container's terminal `%s`", path);
      r->failed = 1;
      kill (r->pid1, SIGKILL);
      return;
    }
  set_size (r->master);
  snprintf (reply, sizeof reply, "{\"type\":\"pty\",\"n\":%d}\n", n);
  send_channel (reply);
}

/* `start` came (with the terminal's size): the command may run. */
static void
start_given (json_t *start)
{
  M.rows = (unsigned short) json_integer_value (json_object_get (start, "rows"));
  M.cols = (unsigned short) json_integer_value (json_object_get (start, "cols"));
  json_decref (start);
  M.awaiting_start = 0;
  if (M.r.master >= 0)
    set_size (M.r.master);
  send_channel ("{\"type\":\"go\"}\n");
}

/* The starting command went away before `start`: nothing runs, the record is as it was. */
static void
start_refused (void)
{
  M.awaiting_start = 0;
  M.gave_up = 1;
  if (M.r.pid1 && !M.r.pid1_done)
    kill (M.r.pid1, SIGKILL);
  if (M.r.inter && !M.r.inter_done)
    kill (M.r.inter, SIGKILL);
}

static void
read_control (void)
{
  json_t *line = NULL;
  int got = control_read (&line);
  if (got > 0)
    start_given (line);
  else if (got < 0)
    start_refused ();
}

/* Waits for `start` (or the starting command's end). */
static void
await_start (void)
{
  while (M.awaiting_start)
    {
      struct pollfd p = { .fd = M.control, .events = POLLIN };
      if (poll (&p, 1, -1) < 0 && errno != EINTR)
        {
          start_refused ();
          return;
        }
      if (p.revents)
        read_control ();
    }
}

static void health_reset (void);
static void got_pid (pid_t pid);
static void runtime_start (void);

/* The container's command runs: the first time, the starting command hears so; health checks begin. */
static void
command_runs (void)
{
  run *r = &M.r;
  if (r->pid1 && !r->failed && !M.started_once)
    {
      M.started_once = 1;
      report (json_pack ("{s:s,s:i}", "type", "started", "pid", (int) r->pid1));
    }
  if (r->pid1 && !r->failed && M.m.health)
    M.health_next = now_ms () + M.m.health_interval_ms;
}

/* ---- another OCI runtime (--runtime) ---- */

/* Runs one runtime command to its end, output to the runtime's log; its status. */
static int
runtime_run (char **argv)
{
  int status = 0;
  pid_t pid = fork ();
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR);
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      dup2 (null, 0);
      dup2 (null, 1);
      dup2 (null, 2);
      execvp (argv[0], argv);
      _exit (127);
    }
  while (pid > 0 && waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return pid < 0 ? -1 : status;
}

/* The last error the runtime logged (--log-format json), with docker's statuses for a command that cannot run. */
static void
runtime_error (const char *what)
{
  run *r = &M.r;
  char line[2048], last[1024] = "";
  FILE *f = fopen (M.m.rt_log, "re");
  while (f && fgets (line, sizeof line, f))
    {
      json_t *rec = json_loads (line, 0, NULL);
      const char *level = json_string_value (json_object_get (rec, "level"));
      const char *msg = json_string_value (json_object_get (rec, "msg"));
      if (level && msg && (strcmp (level, "error") == 0 || strcmp (level, "fatal") == 0))
        snprintf (last, sizeof last, "%s", msg);
      json_decref (rec);
    }
  if (f)
    fclose (f);
  r->failed = 1;
  if (strstr (last, "executable file not found") || strstr (last, "no such file or directory"))
    rt_fail_status (&r->error, 127, "ERR_TSPOD_COMMAND_NOT_FOUND", "%s", last);
  else if (strstr (last, "permission denied"))
    rt_fail_status (&r->error, 126, "ERR_TSPOD_CANNOT_INVOKE", "%s", last);
  else
    rt_fail (&r->error, "%s: %s", what, *last ? last : "the OCI runtime failed");
}

/* `create` has made pid 1 (waiting for `start`): read its pid. */
static void
runtime_created (int status)
{
  char buf[32] = "";
  FILE *f;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      runtime_error ("creating the container");
      return;
    }
  if ((f = fopen (M.m.rt_pidfile, "re")) != NULL)
    {
      if (!fgets (buf, sizeof buf, f))
        buf[0] = 0;
      fclose (f);
    }
  if (atoi (buf) <= 0)
    {
      M.r.failed = 1;
      rt_fail (&M.r.error, "creating the container: the OCI runtime wrote no pid to `%s`", M.m.rt_pidfile);
      return;
    }
  if (M.console >= 0)
    {
      /* create has sent the terminal before it exited: it waits in the socket. */
      M.r.master = console_receive (M.console, M.m.rt_console, 5000, &M.r.error);
      close (M.console);
      M.console = -1;
      unlink (M.m.rt_console);
      if (M.r.master < 0)
        {
          M.r.failed = 1;
          kill ((pid_t) atoi (buf), SIGKILL);
          return;
        }
      set_size (M.r.master);
    }
  got_pid ((pid_t) atoi (buf));
}

static void
runtime_start (void)
{
  int status = runtime_run (M.m.rt_start);
  if (status != 0)
    {
      runtime_error ("starting the container");
      kill (M.r.pid1, SIGKILL);
      return;
    }
  command_runs ();
}

/* pid 1 exists (all namespaces made): records it, then sets up its network. */
static void
got_pid (pid_t pid)
{
  run *r = &M.r;
  rt_error err = { 0 };
  r->pid1 = pid;
  if (r->early_pid == pid)
    {
      r->pid1_done = 1;
      r->pid1_status = r->early_status;
    }
  if (record_write_live (M.m.live, getpid (), pid, &err) < 0)
    rt_print (&err);
  snprintf (M.st.status, sizeof M.st.status, "running");
  record_iso_now (M.st.started_at);
  M.st.error[0] = 0;
  write_state (0);
  if (M.m.n_steps && netsteps_start (&M.m, pid, &r->net, &r->error) < 0)
    {
      /* pid 1 is waiting for the network: it never runs the command. */
      r->failed = 1;
      kill (pid, SIGKILL);
      return;
    }
  if (M.m.rt_create)
    runtime_start ();
  else if (M.m.n_steps)
    send_channel ("{\"type\":\"net\"}\n");
}

static void
channel_message (const char *line)
{
  json_t *msg = json_loads (line, 0, NULL);
  const char *type = json_string_value (json_object_get (msg, "type"));
  run *r = &M.r;

  if (type && strcmp (type, "pid") == 0)
    got_pid ((pid_t) json_integer_value (json_object_get (msg, "pid")));
  else if (type && strcmp (type, "ptmx") == 0)
    open_pty (json_string_value (json_object_get (msg, "path")));
  else if (type && strcmp (type, "error") == 0 && !r->failed)
    {
      const char *code = json_string_value (json_object_get (msg, "code"));
      const char *text = json_string_value (json_object_get (msg, "message"));
      r->failed = 1;
      snprintf (r->error.msg, sizeof r->error.msg, "%s", text ? text : "the container failed to start");
      r->error.code = code ? strdup (code) : NULL;
      r->error.status = (int) json_integer_value (json_object_get (msg, "exit"));
    }
  json_decref (msg);
}

static void
read_channel (void)
{
  run *r = &M.r;
  ssize_t n = read (r->chan, r->chan_buf + r->chan_len, sizeof r->chan_buf - 1 - r->chan_len);
  char *start, *nl;
  if (n <= 0)
    {
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
      close (r->chan);
      r->chan = -1;
      r->chan_eof = 1;
      /* pid 1's end closes on exec: the command runs. */
      command_runs ();
      return;
    }
  r->chan_len += (size_t) n;
  r->chan_buf[r->chan_len] = 0;
  start = r->chan_buf;
  while ((nl = strchr (start, '\n')) != NULL)
    {
      *nl = 0;
      channel_message (start);
      start = nl + 1;
    }
  r->chan_len -= (size_t) (start - r->chan_buf);
  memmove (r->chan_buf, start, r->chan_len);
}

/* ---- children ---- */

static int
status_code (int status)
{
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static void
reap (void)
{
  struct signalfd_siginfo info;
  run *r = &M.r;
  pid_t pid;
  int status;

  while (read (M.sfd, &info, sizeof info) > 0)
    ;
  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    {
      char why[600];
      if (pid == r->inter)
        {
          r->inter_done = 1;
          r->inter_status = status;
          if (M.m.rt_create)
            runtime_created (status);
        }
      else if (r->pid1 && pid == r->pid1)
        {
          r->pid1_done = 1;
          r->pid1_status = status;
          /* The rest of the pid namespace dies with pid 1: its writers close soon; never wait long. */
          r->drain_deadline = now_ms () + DRAIN_MS;
        }
      else if (pid == M.health_pid)
        {
          M.health_pid = 0;
          M.health_next = now_ms () + M.m.health_interval_ms;
        }
      else if (netsteps_reaped (&r->net, pid, status, why, sizeof why))
        {
          /* A network stack that dies takes the container with it: never Up without its network. */
          if (!r->lost[0])
            snprintf (r->lost, sizeof r->lost, "killed: its network stopped: %.500s", why);
          if (r->pid1 && !r->pid1_done)
            kill (r->pid1, SIGKILL);
        }
      else if (!r->pid1)
        {
          r->early_pid = pid;
          r->early_status = status;
        }
    }
}

static pid_t
spawn_detached_argv (char **argv)
{
  pid_t monitor = getpid (), pid = fork ();
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR);
      prctl (PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
      if (getppid () != monitor)
        _exit (1);
      dup2 (null, 0);
      dup2 (null, 1);
      dup2 (null, 2);
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGPIPE, SIG_DFL);
      execvp (argv[0], argv);
      _exit (127);
    }
  return pid;
}

/* A fresh health record for each start (src/runtime/health.ts reads and extends it). */
static void
health_reset (void)
{
  char tmp[4200];
  int fd;
  if (!M.m.health || !M.m.health_file || !M.m.health_reset)
    return;
  snprintf (tmp, sizeof tmp, "%s.%d.tmp", M.m.health_file, (int) getpid ());
  if ((fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
    return;
  (void) !write (fd, M.m.health_reset, strlen (M.m.health_reset));
  close (fd);
  rename (tmp, M.m.health_file);
}

static void
health_tick (void)
{
  M.health_next = 0;
  /* Only while running: a paused container is not checked (docker's behaviour). */
  if (M.health_pid || !M.r.pid1 || M.r.pid1_done || exists (M.m.paused))
    {
      M.health_next = now_ms () + M.m.health_interval_ms;
      return;
    }
  M.health_pid = spawn_detached_argv (M.m.health);
}

/* ---- the loop ---- */

/* One round of poll over everything open; `until` is a monotonic deadline (0: none). */
static void
step (long until)
{
  struct pollfd p[MAX_CLIENTS + 10];
  int kind[MAX_CLIENTS + 10], n = 0;
  long timeout = -1, now = now_ms ();
  run *r = &M.r;

  p[n] = (struct pollfd){ .fd = M.sfd, .events = POLLIN }, kind[n++] = 's';
  p[n] = (struct pollfd){ .fd = M.server, .events = POLLIN }, kind[n++] = 'a';
  if (r->chan >= 0)
    p[n] = (struct pollfd){ .fd = r->chan, .events = POLLIN }, kind[n++] = 'c';
  if (M.awaiting_start && M.control >= 0)
    p[n] = (struct pollfd){ .fd = M.control, .events = POLLIN }, kind[n++] = 'S';
  if (r->out >= 0)
    p[n] = (struct pollfd){ .fd = r->out, .events = POLLIN }, kind[n++] = 'o';
  if (r->err >= 0)
    p[n] = (struct pollfd){ .fd = r->err, .events = POLLIN }, kind[n++] = 'e';
  if (r->master >= 0)
    p[n] = (struct pollfd){ .fd = r->master, .events = POLLIN | ((r->inq_len || r->in_eof == 1) ? POLLOUT : 0) }, kind[n++] = 'm';
  else if (r->in >= 0 && (r->inq_len || r->in_eof == 1))
    p[n] = (struct pollfd){ .fd = r->in, .events = POLLOUT }, kind[n++] = 'i';
  /* Clients are read while stdin has room: a container that reads slowly slows its writers. */
  for (int i = 0; i < M.n_clients; i++)
    p[n] = (struct pollfd){ .fd = M.clients[i].fd, .events = r->inq_len < STDIN_QUEUE_MAX ? POLLIN : 0 }, kind[n++] = 'C';
  if (until)
    timeout = until > now ? until - now : 0;
  if (M.health_next && (timeout < 0 || M.health_next - now < timeout))
    timeout = M.health_next > now ? M.health_next - now : 0;
  if (poll (p, (nfds_t) n, (int) timeout) < 0 && errno != EINTR)
    return;
  if (M.health_next && now_ms () >= M.health_next)
    health_tick ();
  /* Clients last and from the end: dropping one moves another into its slot. */
  for (int k = n - 1; k >= 0; k--)
    {
      if (!p[k].revents)
        continue;
      switch (kind[k])
        {
        case 's':
          reap ();
          break;
        case 'a':
          accept_client ();
          break;
        case 'c':
          read_channel ();
          break;
        case 'S':
          read_control ();
          break;
        case 'o':
          if (read_output (r->out, "stdout", FRAME_STDOUT))
            close (r->out), r->out = -1;
          break;
        case 'e':
          if (read_output (r->err, "stderr", FRAME_STDERR))
            close (r->err), r->err = -1;
          break;
        case 'm':
          if (p[k].revents & POLLOUT)
            write_stdin ();
          if ((p[k].revents & (POLLIN | POLLHUP | POLLERR)) && read_output (r->master, "stdout", FRAME_STDOUT))
            close (r->master), r->master = -1;
          break;
        case 'i':
          write_stdin ();
          break;
        case 'C':
          for (int i = 0; i < M.n_clients; i++)
            if (M.clients[i].fd == p[k].fd)
              {
                read_client (i);
                break;
              }
          break;
        }
    }
}

static int
nonblocking (int fd)
{
  return fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
}

/* Starts `tspod-rt init --hand-over SPEC` with the container's stdio and the channel on fd 3. */
static int
start_init (rt_error *err)
{
  run *r = &M.r;
  int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2], chan[2], null;
  pid_t pid;

  if ((M.m.open_stdin && !M.m.tty && pipe2 (in, O_CLOEXEC) < 0) || (!M.m.tty && pipe2 (out, O_CLOEXEC) < 0)
      || pipe2 (errp, O_CLOEXEC) < 0 || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chan) < 0)
    return rt_fail_errno (err, "creating the container's pipes");
  if ((null = open ("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
    return rt_fail_errno (err, "opening `/dev/null`");
  if (M.m.rt_create && M.m.rt_console && (M.console = console_listen (M.m.rt_console, err)) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    return rt_fail_errno (err, "starting the container's init");
  if (pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGPIPE, SIG_DFL);
      dup2 (in[0] >= 0 ? in[0] : null, 0);
      dup2 (out[1] >= 0 ? out[1] : null, 1);
      dup2 (errp[1], 2);
      if (M.m.rt_create)
        {
          /* Another runtime: its create hands pid 1 our pipes; pid 1 is ours once create exits (we are a subreaper). */
          execvp (M.m.rt_create[0], M.m.rt_create);
          _exit (127);
        }
      dup2 (chan[1], 3);
      if (M.awaiting_start)
        execl ("/proc/self/exe", "tspod-rt", "init", "--hand-over", "--gate", M.m.spec, (char *) NULL);
      else
        execl ("/proc/self/exe", "tspod-rt", "init", "--hand-over", M.m.spec, (char *) NULL);
      dprintf (3, "{\"type\":\"error\",\"code\":\"ERR_TSPOD_CONTAINER_SETUP\",\"message\":\"starting `/proc/self/exe`: %s\",\"exit\":125}\n",
               strerror (errno));
      _exit (125);
    }
  close (null);
  close (chan[1]);
  close (errp[1]);
  if (out[1] >= 0)
    close (out[1]);
  if (in[0] >= 0)
    close (in[0]);
  r->inter = pid;
  r->chan = chan[0];
  if (M.m.rt_create)
    {
      close (r->chan);
      r->chan = -1;
      r->chan_eof = 1;
    }
  r->out = out[0];
  r->err = errp[0];
  r->in = in[1];
  nonblocking (r->chan);
  if (r->out >= 0)
    nonblocking (r->out);
  nonblocking (r->err);
  if (r->in >= 0)
    nonblocking (r->in);
  return 0;
}

static int
run_done (void)
{
  run *r = &M.r;
  int outputs = r->out >= 0 || r->err >= 0 || r->master >= 0;
  if (r->pid1_done)
    return !outputs || now_ms () > r->drain_deadline;
  /* No pid 1 (the start failed before it): done once init is gone and has said everything. */
  return !r->pid1 && r->inter_done && r->chan_eof;
}

/* One start; returns the exit code (the error's status if the start failed). */
static int
run_once (void)
{
  run *r = &M.r;
  int code;

  free (r->inq);
  memset (r, 0, sizeof *r);
  r->chan = r->out = r->err = r->in = r->master = -1;
  health_reset ();
  if (start_init (&r->error) < 0)
    {
      r->failed = 1;
      return 125;
    }
  while (!run_done ())
    step (r->pid1_done ? r->drain_deadline : 0);
  M.health_next = 0;
  if (M.health_pid)
    kill (M.health_pid, SIGKILL);
  /* The ports are free once the exit is reported. */
  netsteps_stop (&r->net);
  if (M.m.rt_delete)
    runtime_run (M.m.rt_delete);
  if (r->master >= 0)
    {
      /* The last of a terminal's output. */
      long until = now_ms () + 20;
      while (r->master >= 0 && now_ms () < until)
        step (until);
    }
  {
    int *fds[] = { &r->chan, &r->out, &r->err, &r->in, &r->master };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
      if (*fds[i] >= 0)
        close (*fds[i]), *fds[i] = -1;
  }
  if (M.console >= 0)
    {
      /* create failed before it sent a terminal. */
      close (M.console);
      M.console = -1;
      unlink (M.m.rt_console);
    }
  if (!r->pid1 && !r->failed)
    {
      r->failed = 1;
      rt_fail (&r->error, "the container's init exited with status %d before the container started", status_code (r->inter_status));
    }
  code = r->failed ? (r->error.status ? r->error.status : 125) : status_code (r->pid1_status);
  return code;
}

/* docker's restart policies (src/model/restart-policy.ts). */
static int
should_restart (int exit_code, int stopped)
{
  const char *p = M.m.restart;
  if (stopped)
    return 0;
  if (strcmp (p, "always") == 0 || strcmp (p, "unless-stopped") == 0)
    return 1;
  if (strcmp (p, "on-failure") == 0)
    return exit_code != 0 && (M.m.max_retries == 0 || M.st.restart_count < M.m.max_retries);
  return 0;
}

/* docker's back-off: 100 ms doubling up to a minute; back to 100 ms after a run of 10 s or more. */
static long
next_delay (long previous, long ran_for)
{
  if (ran_for >= 10000 || previous == 0)
    return 100;
  return previous * 2 < 60000 ? previous * 2 : 60000;
}

static int
run_all (void)
{
  long delay = 0;
  int code = 0;
  unlink (M.m.stop_requested);
  unlink (M.m.paused);
  reserve_spare ();
  for (;;)
    {
      long began = now_ms ();
      int stopped;
      code = run_once ();
      /* A start that failed before the command asked for it is told once it asks. */
      await_start ();
      if (M.gave_up)
        return 0;
      stopped = exists (M.m.stop_requested);
      snprintf (M.st.status, sizeof M.st.status, "exited");
      M.st.exit_code = code;
      record_iso_now (M.st.finished_at);
      snprintf (M.st.error, sizeof M.st.error, "%s", M.r.failed ? M.r.error.msg : M.r.lost);
      write_state (1);
      unlink (M.m.paused);
      {
        rt_error err = { 0 };
        if (record_write_live (M.m.live, getpid (), 0, &err) < 0)
          rt_print (&err);
      }
      if (M.r.failed && !M.started_once)
        {
          report (json_pack ("{s:s,s:s,s:s,s:i}", "type", "error", "code", M.r.error.code ? M.r.error.code : "ERR_TSPOD_CONTAINER_SETUP",
                             "message", M.r.error.msg, "exit", code));
          M.started_once = 1;
        }
      if (M.r.failed || !should_restart (code, stopped))
        break;
      delay = next_delay (delay, now_ms () - began);
      snprintf (M.st.status, sizeof M.st.status, "restarting");
      M.st.restart_count++;
      write_state (0);
      for (long until = now_ms () + delay; now_ms () < until;)
        step (until);
      if (exists (M.m.stop_requested))
        {
          snprintf (M.st.status, sizeof M.st.status, "exited");
          write_state (1);
          break;
        }
    }
  return code;
}

/* Tells attached clients how it ended and lets them go; true if a client is still there after `ms`. */
static void
finish (int code)
{
  json_t *exit = json_pack ("{s:i}", "exitCode", code);
  char *text;
  if (M.st.error[0])
    json_object_set_new (exit, "error", json_string (M.st.error));
  text = json_dumps (exit, JSON_COMPACT);
  json_decref (exit);
  unlink (M.m.live);
  broadcast (FRAME_EXIT, text, strlen (text));
  free (text);
  for (int i = 0; i < M.n_clients; i++)
    shutdown (M.clients[i].fd, SHUT_WR);
  close (M.server);
  M.server = -1;
  unlink (M.m.socket);
  report (json_pack ("{s:s,s:i}", "type", "exited", "exitCode", code));
}

/* The attached `run --rm` hid the record and left the files to us: removed here, or by the clean-up command if they resist. */
static int
remove_left (void)
{
  rt_error err = { 0 };
  if (!M.m.left_marker || !exists (M.m.left_marker))
    return 0;
  for (char **dir = M.m.left_dirs; *dir; dir++)
    if (rmtree (*dir, &err) < 0)
      {
        rt_print (&err);
        return -1;
      }
  return 0;
}

/* --rm: once the clients are gone, unless one of them (the attached `run`) took the removal on. */
static void
clean_up (void)
{
  long until = now_ms () + DRAIN_MS;
  if (!M.m.cleanup)
    return;
  while (M.n_clients && now_ms () < until)
    {
      struct pollfd p[MAX_CLIENTS];
      for (int i = 0; i < M.n_clients; i++)
        p[i] = (struct pollfd){ .fd = M.clients[i].fd, .events = POLLIN };
      if (poll (p, (nfds_t) M.n_clients, (int) (until - now_ms ())) <= 0)
        break;
      for (int i = M.n_clients - 1; i >= 0; i--)
        if (p[i].revents)
          read_client (i);
    }
  if (!exists (M.m.record) && remove_left () == 0)
    return;
  for (int i = 0; i < M.n_clients; i++)
    close (M.clients[i].fd);
  if (M.control >= 0)
    close (M.control);
  {
    sigset_t none;
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
  }
  execvp (M.m.cleanup[0], M.m.cleanup);
  fprintf (stderr, "tspod-rt: starting the clean-up `%s`: %s\n", M.m.cleanup[0], strerror (errno));
}

int
monitor_main (int argc, char **argv)
{
  rt_error err = { 0 };
  sigset_t chld;
  int flags = fcntl (3, F_GETFD), code = 0;

  M.control = flags < 0 ? -1 : 3;
  if (M.control >= 0)
    fcntl (M.control, F_SETFD, flags | FD_CLOEXEC);
  M.server = M.sfd = M.console = -1;
  signal (SIGPIPE, SIG_IGN);
  if (argc != 2)
    {
      rt_fail (&err, "usage: tspod-rt monitor MONITOR.json");
      goto failed;
    }
  if (mspec_read (argv[1], &M.m, &err) < 0)
    goto failed;
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_BLOCK, &chld, NULL);
  /* Another runtime's pid 1 is orphaned when its create exits: it comes to us. */
  if (M.m.rt_create && prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    {
      rt_fail_errno (&err, "becoming a subreaper");
      goto failed;
    }
  if ((M.sfd = signalfd (-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
    {
      rt_fail_errno (&err, "creating a signalfd for SIGCHLD");
      goto failed;
    }
  snprintf (M.st.status, sizeof M.st.status, "created");
  snprintf (M.st.started_at, sizeof M.st.started_at, "0001-01-01T00:00:00Z");
  snprintf (M.st.finished_at, sizeof M.st.finished_at, "0001-01-01T00:00:00Z");
  record_read_state (M.m.state, &M.st);
  /* From now on `rm -f` finds this monitor (by pid and start time) and stops it with the container. */
  if (record_write_live (M.m.live, getpid (), 0, &err) < 0 || listen_socket (&err) < 0)
    goto failed;
  logfile_open (&M.log, M.m.log, M.m.log_max_size, M.m.log_max_file);
  report (json_pack ("{s:s}", "type", "listening"));
  /*
   * With our own init the container is set up while the starting command
   * attaches; its command waits for `start`. Another runtime's `create`
   * waits for it here.
   */
  M.st_before = M.st;
  M.awaiting_start = M.control >= 0;
  if (M.m.rt_create)
    await_start ();
  if (!M.gave_up)
    code = run_all ();
  if (M.gave_up)
    {
      /* The command gave up before the start: the container is as it was. */
      M.st = M.st_before;
      write_state (0);
      unlink (M.m.socket);
      unlink (M.m.live);
      return 0;
    }
  logfile_close (&M.log);
  finish (code);
  clean_up ();
  return 0;

failed:
  report (json_pack ("{s:s,s:s,s:s,s:i}", "type", "error", "code", rt_code (&err), "message", err.msg, "exit", 125));
  rt_print (&err);
  return 125;
}
