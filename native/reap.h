/* reap: a minimal init for `run --init` (see reap.c). */
#ifndef TSPOD_REAP_H
#define TSPOD_REAP_H

/* `tspod-rt reap -- CMD [ARG...]`; returns CMD's exit status (128+signal if killed; 126/127 when it cannot run). */
int reap_main (int argc, char **argv);

#endif
