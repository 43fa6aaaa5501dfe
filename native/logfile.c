/* The k8s-file log (see logfile.h). */
#define _GNU_SOURCE
#include "logfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

void
logfile_open (logfile *l, const char *path, long long max_size, int max_file)
{
  struct stat st;
  memset (l, 0, sizeof *l);
  l->path = path;
  l->max_size = max_size;
  l->max_file = max_file > 0 ? max_file : 1;
  l->fd = path ? open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
  if (l->fd >= 0 && fstat (l->fd, &st) == 0)
    l->size = st.st_size;
}

static void
time_now (logfile *l, char buf[48])
{
  struct timespec ts;
  struct tm tm;
  long long ns;
  char base[32];

  clock_gettime (CLOCK_REALTIME, &ts);
  ns = (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
  if (ns <= l->last_ns)
    ns = l->last_ns + 1;
  l->last_ns = ns;
  ts.tv_sec = (time_t) (ns / 1000000000LL);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, 48, "%s.%09lldZ", base, ns % 1000000000LL);
}

/* Before a write that would pass max_size: PATH -> PATH.1 -> ... -> PATH.(max_file - 1), a new PATH. */
static void
rotate (logfile *l)
{
  char from[4200], to[4200];
  for (int i = l->max_file - 1; i >= 1; i--)
    {
      if (i == 1)
        snprintf (from, sizeof from, "%s", l->path);
      else
        snprintf (from, sizeof from, "%s.%d", l->path, i - 1);
      snprintf (to, sizeof to, "%s.%d", l->path, i);
      rename (from, to);
    }
  close (l->fd);
  l->fd = open (l->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  l->size = 0;
}

void
logfile_write (logfile *l, const char *stream, const char *data, size_t len)
{
  char stamp[48], head[80];
  size_t start = 0, out_len = 0, head_len;
  char *out;

  if (l->fd < 0 || len == 0)
    return;
  time_now (l, stamp);
  /* At most one header per line, plus the text and its newlines. */
  {
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
      lines += data[i] == '\n';
    head_len = (size_t) snprintf (head, sizeof head, "%s %s F ", stamp, stream);
    out = malloc (len + lines * (head_len + 1));
  }
  if (out == NULL)
    return;
  while (start < len)
    {
      const char *nl = memchr (data + start, '\n', len - start);
      size_t end = nl ? (size_t) (nl - data) : len;
      memcpy (out + out_len, head, head_len);
      out[out_len + head_len - 2] = nl ? 'F' : 'P';
      out_len += head_len;
      memcpy (out + out_len, data + start, end - start);
      out_len += end - start;
      out[out_len++] = '\n';
      start = end + 1;
    }
  if (l->max_size > 0 && l->size > 0 && l->size + (long long) out_len > l->max_size)
    rotate (l);
  if (l->fd >= 0)
    {
      ssize_t n = write (l->fd, out, out_len);
      if (n > 0)
        l->size += n;
    }
  free (out);
}

void
logfile_close (logfile *l)
{
  if (l->fd >= 0)
    close (l->fd);
  l->fd = -1;
}
