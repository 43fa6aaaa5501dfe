/*
 * A container's log in the k8s-file format podman uses (the engine's reader
 * is src/model/log-record.ts): one record a line,
 * `<RFC 3339 time with nanoseconds> <stdout|stderr> <F|P> <text>`, P marking
 * a partial line the next record continues. With a maximum size the file is
 * rotated to PATH.1 .. PATH.(max_file - 1) before a write would pass it.
 */
#ifndef TSPOD_LOGFILE_H
#define TSPOD_LOGFILE_H

#include <stddef.h>

typedef struct
{
  const char *path; /* NULL: nothing is logged */
  int fd;
  long long max_size;
  int max_file;
  long long size;
  long long last_ns; /* times are strictly increasing, so records keep their order */
} logfile;

/* Opens for appending; a log that cannot be opened logs nothing (the container still runs). */
void logfile_open (logfile *l, const char *path, long long max_size, int max_file);

/* Writes one chunk of a stream as records; errors (a full disk) lose the lines, as docker's do. */
void logfile_write (logfile *l, const char *stream, const char *data, size_t len);

void logfile_close (logfile *l);

#endif
