/* forward: a container's published TCP ports (see forward.c). */
#ifndef TSPOD_FORWARD_H
#define TSPOD_FORWARD_H

#include "error.h"

/* Runs until killed; returns -1 with *err only when it cannot start. */
int forward_main (int argc, char **argv, rt_error *err);

#endif
