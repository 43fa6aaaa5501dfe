/* The monotonic clock in milliseconds: deadlines and timers of the helper's loops. */
#ifndef TSPOD_CLOCK_H
#define TSPOD_CLOCK_H

#include <time.h>

static inline long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
