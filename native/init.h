/* init: creates and starts a container (see init.c). */
#ifndef TSPOD_INIT_H
#define TSPOD_INIT_H

/* `tspod-rt init SPEC.json`; returns the exit status (the container's, or 125/126/127 on failure, reported on fd 3). */
int init_main (int argc, char **argv);

#endif
