/* exec: a process in a running container (see exec.c). */
#ifndef TSPOD_EXEC_H
#define TSPOD_EXEC_H

/* `tspod-rt exec [--detach] PID SPEC.json`; returns the exit status. */
int exec_main (int argc, char **argv);

#endif
