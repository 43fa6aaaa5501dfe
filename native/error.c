/* Error values for the native helper (see error.h). */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int
vfail (rt_error *err, int errnum, const char *fmt, va_list ap)
{
  int n = vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  err->errnum = errnum;
  if (errnum && n >= 0 && (size_t) n < sizeof err->msg)
    snprintf (err->msg + n, sizeof err->msg - n, ": %s", strerror (errnum));
  return -1;
}

int
rt_fail_errno (rt_error *err, const char *fmt, ...)
{
  int errnum = errno;
  va_list ap;
  va_start (ap, fmt);
  vfail (err, errnum, fmt, ap);
  va_end (ap);
  return -1;
}

int
rt_fail (rt_error *err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vfail (err, 0, fmt, ap);
  va_end (ap);
  return -1;
}

void
rt_print (const rt_error *err)
{
  fprintf (stderr, "tspod-rt: %s\n", err->msg);
}
