/* monitor: one container's resident process (see monitor.c). */
#ifndef TSPOD_MONITOR_H
#define TSPOD_MONITOR_H

int monitor_main (int argc, char **argv);

#endif
