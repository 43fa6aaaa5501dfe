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

int
rt_fail_status (rt_error *err, int status, const char *code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vfail (err, 0, fmt, ap);
  va_end (ap);
  err->status = status;
  err->code = code;
  return -1;
}

int
rt_status (const rt_error *err)
{
  return err->status ? err->status : 125;
}

const char *
rt_code (const rt_error *err)
{
  return err->code ? err->code : "ERR_TSPOD_CONTAINER_SETUP";
}

void
rt_print (const rt_error *err)
{
  fprintf (stderr, "tspod-rt: %s\n", err->msg);
}
