/* The fd-3 channel (see channel.h). */
#define _GNU_SOURCE
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
channel_open (channel *c)
{
  int flags = fcntl (CHANNEL_FD, F_GETFD);
  memset (c, 0, sizeof *c);
  c->fd = flags < 0 ? -1 : CHANNEL_FD;
  if (c->fd >= 0)
    fcntl (c->fd, F_SETFD, flags | FD_CLOEXEC);
}

static int
send_json (channel *c, json_t *msg, rt_error *err)
{
  char *text = json_dumps (msg, JSON_COMPACT);
  size_t len, off = 0;

  json_decref (msg);
  if (c->fd < 0)
    {
      free (text);
      return 0;
    }
  if (text == NULL)
    return rt_fail (err, "encoding a message for the channel");
  len = strlen (text);
  text[len++] = '\n'; /* json_dumps leaves room: the terminating NUL is overwritten, the length is known */
  while (off < len)
    {
      ssize_t n = write (c->fd, text + off, len - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd p = { .fd = c->fd, .events = POLLOUT };
          poll (&p, 1, -1);
          continue;
        }
      if (n < 0)
        {
          free (text);
          return rt_fail_errno (err, "writing to the channel (fd %d)", c->fd);
        }
      off += (size_t) n;
    }
  free (text);
  return 0;
}

int
channel_send_pid (channel *c, pid_t pid, rt_error *err)
{
  return send_json (c, json_pack ("{s:s,s:i}", "type", "pid", "pid", (int) pid), err);
}

int
channel_send_ptmx (channel *c, const char *path, rt_error *err)
{
  return send_json (c, json_pack ("{s:s,s:s}", "type", "ptmx", "path", path), err);
}

void
channel_send_error (channel *c, const rt_error *e)
{
  rt_error ignored = { 0 };
  if (c->fd < 0 || send_json (c, json_pack ("{s:s,s:s,s:s,s:i}", "type", "error", "code", rt_code (e), "message", e->msg, "exit",
                                            rt_status (e)),
                              &ignored)
                       < 0)
    rt_print (e);
}

/* One line, read a byte at a time so nothing past the newline is consumed. */
static int
read_line (channel *c, char **out, rt_error *err)
{
  size_t cap = 256, len = 0;
  char *line = malloc (cap);

  for (;;)
    {
      char ch;
      ssize_t n = read (c->fd, &ch, 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd p = { .fd = c->fd, .events = POLLIN };
          poll (&p, 1, -1);
          continue;
        }
      if (n < 0)
        return rt_fail_errno (err, "reading the channel (fd %d)", c->fd);
      if (n == 0)
        return rt_fail (err, "reading the channel (fd %d): the monitor closed it", c->fd);
      if (ch == '\n')
        break;
      if (len + 2 > cap)
        line = realloc (line, cap *= 2);
      line[len++] = ch;
    }
  line[len] = '\0';
  *out = line;
  return 0;
}

/* The next message of `type` as parsed JSON. */
static int
expect (channel *c, const char *type, json_t **msg, rt_error *err)
{
  if (c->fd < 0)
    return rt_fail (err, "waiting for `%s` from the monitor: there is no channel (fd %d)", type, CHANNEL_FD);
  for (;;)
    {
      char *line = NULL;
      int i, from_early = 0;
      for (i = 0; i < c->n_early && line == NULL; i++)
        {
          json_t *j = json_loads (c->early[i], 0, NULL);
          const char *t = json_string_value (json_object_get (j, "type"));
          if (t && strcmp (t, type) == 0)
            {
              line = c->early[i];
              memmove (&c->early[i], &c->early[i + 1], (size_t) (c->n_early - i - 1) * sizeof (char *));
              c->n_early--;
              from_early = 1;
            }
          json_decref (j);
        }
      if (!from_early && read_line (c, &line, err) < 0)
        return -1;
      json_error_t jerr;
      json_t *j = json_loads (line, 0, &jerr);
      const char *t = json_string_value (json_object_get (j, "type"));
      if (j == NULL || t == NULL)
        {
          rt_fail (err, "reading the channel: not a message: `%.100s`", line);
          free (line);
          return -1;
        }
      if (strcmp (t, type) == 0)
        {
          free (line);
          *msg = j;
          return 0;
        }
      json_decref (j);
      if (c->n_early == CHANNEL_EARLY_MAX)
        return rt_fail (err, "reading the channel: too many unexpected messages while waiting for `%s`", type);
      c->early[c->n_early++] = line;
    }
}

int
channel_expect_pty (channel *c, int *n, rt_error *err)
{
  json_t *msg;
  if (expect (c, "pty", &msg, err) < 0)
    return -1;
  if (!json_is_integer (json_object_get (msg, "n")) || json_integer_value (json_object_get (msg, "n")) < 0)
    return rt_fail (err, "reading the channel: the `pty` message has no number `n`");
  *n = (int) json_integer_value (json_object_get (msg, "n"));
  json_decref (msg);
  return 0;
}

static int
expect_empty (channel *c, const char *type, rt_error *err)
{
  json_t *msg;
  if (expect (c, type, &msg, err) < 0)
    return -1;
  json_decref (msg);
  return 0;
}

int
channel_expect_net (channel *c, rt_error *err)
{
  return expect_empty (c, "net", err);
}

int
channel_expect_go (channel *c, rt_error *err)
{
  return expect_empty (c, "go", err);
}
