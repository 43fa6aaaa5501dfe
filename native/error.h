/*
 * Errors of the native helper: every failure carries errno and a message
 * naming the operation and the path or address, returned up and printed once
 * (crun's discipline). Functions return 0 on success, -1 with *err filled.
 */
#ifndef TSPOD_ERROR_H
#define TSPOD_ERROR_H

typedef struct {
  int errnum;       /* errno of the failed call, 0 if none */
  int status;       /* exit status it means: 0 for 125 (setup), 126 cannot invoke, 127 not found */
  const char *code; /* tspod's stable code, NULL for ERR_TSPOD_CONTAINER_SETUP */
  char msg[512];    /* "binding `127.0.0.1:8080`: Address already in use" */
} rt_error;

/* Fills *err from errno with a printf-style description of the operation; returns -1. */
int rt_fail_errno (rt_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Fills *err without errno; returns -1. */
int rt_fail (rt_error *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Fills *err with an exit status (126, 127) and its code, without errno; returns -1. */
int rt_fail_status (rt_error *err, int status, const char *code, const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

/* The exit status an error means: 125 unless it says 126 or 127. */
int rt_status (const rt_error *err);

/* The stable code of an error: ERR_TSPOD_CONTAINER_SETUP unless it names another. */
const char *rt_code (const rt_error *err);

/* Prints "tspod-rt: <msg>" on stderr. */
void rt_print (const rt_error *err);

#endif
