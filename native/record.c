/* The monitor's records (see record.h). */
#define _GNU_SOURCE
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
record_iso_now (char buf[40])
{
  struct timespec ts;
  struct tm tm;
  char base[32];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, 40, "%.20s.%03dZ", base, (int) (ts.tv_nsec / 1000000));
}

unsigned long long
record_start_time (pid_t pid)
{
  char path[64], buf[1024], *p;
  unsigned long long start = 0;
  ssize_t n;
  int fd;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return 0;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return 0;
  buf[n] = 0;
  /* Fields after the command name (which may hold spaces): state is field 3, start time field 22. */
  if ((p = strrchr (buf, ')')) == NULL)
    return 0;
  p++;
  for (int field = 3; field < 22 && p; field++)
    p = strchr (p + 1, ' ');
  if (p)
    start = strtoull (p + 1, NULL, 10);
  return start;
}

/* Temp file beside `path`, then rename. */
static int
write_json (const char *path, json_t *value, int durable, rt_error *err)
{
  char tmp[4200];
  char *text = json_dumps (value, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  const char *slash = strrchr (path, '/');
  size_t len, off = 0;
  int fd;

  json_decref (value);
  if (text == NULL)
    return rt_fail (err, "encoding `%s`", path);
  snprintf (tmp, sizeof tmp, "%.*s/.%s.%d.tmp", slash ? (int) (slash - path) : 1, slash ? path : ".", slash ? slash + 1 : path,
            (int) getpid ());
  if ((fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
    {
      free (text);
      return rt_fail_errno (err, "writing `%s`", path);
    }
  len = strlen (text);
  text[len++] = '\n';
  while (off < len)
    {
      ssize_t n = write (fd, text + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      off += (size_t) n;
    }
  free (text);
  if (off < len || (durable && fsync (fd) < 0))
    {
      rt_fail_errno (err, "writing `%s`", path);
      close (fd);
      unlink (tmp);
      return -1;
    }
  close (fd);
  if (rename (tmp, path) < 0)
    {
      rt_fail_errno (err, "writing `%s`", path);
      unlink (tmp);
      return -1;
    }
  return 0;
}

int
record_write_state (const char *path, const persistent_state *s, int durable, rt_error *err)
{
  return write_json (path,
                     json_pack ("{s:s,s:i,s:s,s:s,s:i,s:s}", "status", s->status, "exitCode", s->exit_code, "startedAt",
                                s->started_at, "finishedAt", s->finished_at, "restartCount", s->restart_count, "error", s->error),
                     durable, err);
}

static json_t *
proc_ref (pid_t pid)
{
  return json_pack ("{s:i,s:I}", "pid", (int) pid, "start", (json_int_t) record_start_time (pid));
}

int
record_write_live (const char *path, pid_t monitor, pid_t init, rt_error *err)
{
  json_t *live = json_pack ("{s:o}", "monitor", proc_ref (monitor));
  if (init > 0)
    {
      char link[64], ns[128];
      ssize_t n;
      snprintf (link, sizeof link, "/proc/%d/ns/pid", (int) init);
      n = readlink (link, ns, sizeof ns - 1);
      ns[n > 0 ? n : 0] = 0;
      json_object_set_new (live, "init", proc_ref (init));
      json_object_set_new (live, "pidNs", json_string (ns));
    }
  return write_json (path, live, 0, err);
}

void
record_read_state (const char *path, persistent_state *s)
{
  json_t *root = json_load_file (path, 0, NULL), *v;
  if (root == NULL)
    return;
  if (json_is_string (v = json_object_get (root, "status")))
    snprintf (s->status, sizeof s->status, "%s", json_string_value (v));
  if (json_is_integer (v = json_object_get (root, "exitCode")))
    s->exit_code = (int) json_integer_value (v);
  if (json_is_string (v = json_object_get (root, "startedAt")))
    snprintf (s->started_at, sizeof s->started_at, "%s", json_string_value (v));
  if (json_is_string (v = json_object_get (root, "finishedAt")))
    snprintf (s->finished_at, sizeof s->finished_at, "%s", json_string_value (v));
  if (json_is_integer (v = json_object_get (root, "restartCount")))
    s->restart_count = (int) json_integer_value (v);
  if (json_is_string (v = json_object_get (root, "error")))
    snprintf (s->error, sizeof s->error, "%s", json_string_value (v));
  json_decref (root);
}
