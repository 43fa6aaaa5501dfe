/*
 * Errors of the native helper: every failure carries errno and a message
 * naming the operation and the path or address, returned up and printed once
 * (crun's discipline). Functions return 0 on success, -1 with *err filled.
 */
#ifndef TSPOD_ERROR_H
#define TSPOD_ERROR_H

typedef struct {
  int errnum;     /* errno of the failed call, 0 if none */
  char msg[512];  /* "binding `127.0.0.1:8080`: Address already in use" */
} rt_error;

/* Fills *err from errno with a printf-style description of the operation; returns -1. */
int rt_fail_errno (rt_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Fills *err without errno; returns -1. */
int rt_fail (rt_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Prints "tspod-rt: <msg>" on stderr. */
void rt_print (const rt_error *err);

#endif
