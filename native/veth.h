/* veth: a container plugged into a bridge of the network host with rtnetlink (see veth.c). */
#ifndef TSPOD_VETH_H
#define TSPOD_VETH_H

#include "error.h"

#include <sys/types.h>

typedef struct
{
  pid_t holder;      /* the network host: its user and network namespaces */
  pid_t container;   /* pid 1 of the container */
  char *bridge;      /* tsbr-... */
  char *gateway;     /* the bridge's address */
  int prefix;        /* of the network's subnet */
  char *host;        /* the host end's name */
  char *ifname;      /* the container end's name (eth0...) */
  char *address;     /* the container's address */
  unsigned mtu;
  int default_route; /* via the gateway (the way out through the per-user stack) */
} veth_spec;

/* Fills *v from JSON {holder, container?, bridge, gateway, prefix, host, ifname, address, mtu, defaultRoute}. */
int veth_read (void *json, veth_spec *v, rt_error *err);

/* Joins the network host's namespaces and then the container's (call it in a child process). */
int veth_plug (const veth_spec *v, rt_error *err);

/* `tspod-rt veth JSON` (network connect of a running container): veth_plug with the container's pid in the JSON. */
int veth_main (int argc, char **argv);

#endif
