/*
 * The records a monitor keeps (the same files the engine reads,
 * src/storage/state.ts): state.json in the data dir (status, exit code,
 * times; survives a reboot) and live.json in the run dir (the monitor's and
 * pid 1's pid + start time, pid 1's pid namespace). Both are written to a
 * temp file and renamed: readers never see half a record.
 */
#ifndef TSPOD_RECORD_H
#define TSPOD_RECORD_H

#include "error.h"

#include <sys/types.h>

typedef struct
{
  char status[16]; /* created, running, restarting, exited */
  int exit_code;
  char started_at[40], finished_at[40];
  int restart_count;
  char error[600];
} persistent_state;

/* "2026-11-30T11:12:13.456Z" (what JavaScript's toISOString gives). */
void record_iso_now (char buf[40]);

/* Start time of a process (/proc/PID/stat field 22), 0 if it is gone. */
unsigned long long record_start_time (pid_t pid);

/* Writes state.json; `durable` fsyncs it (an exit status must survive a crash). */
int record_write_state (const char *path, const persistent_state *s, int durable, rt_error *err);

/* Writes live.json: the monitor, and pid 1 when `init` > 0. */
int record_write_live (const char *path, pid_t monitor, pid_t init, rt_error *err);



/* Reads state.json into *s (kept as it is where the file says nothing; a missing file is a new container). */
void record_read_state (const char *path, persistent_state *s);
#endif
