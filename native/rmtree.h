/*
 * rm -rf of one directory tree, without following symlinks or crossing
 * mounts: what the monitor does for a --rm container whose removal the
 * attached command left to it (monitor.c, clean_up).
 */
#ifndef TSPOD_RMTREE_H
#define TSPOD_RMTREE_H

#include "error.h"

/* 0 once `path` is gone (or was never there); -1 with *err naming what could not be removed. */
int rmtree (const char *path, rt_error *err);

#endif
