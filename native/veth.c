/*
 * veth: plugs a container into a bridge of the per-user network host with
 * rtnetlink, without a process per `ip` command (a network step of the
 * monitor, netsteps.c). In the network host's namespaces: the bridge (made
 * if missing, with the gateway address, up), then the pair, the host end on
 * the bridge and up, the other end moved into the container's network
 * namespace. In the container's: the end renamed by creation, its MTU and
 * address, up, `lo` up, and the default route via the gateway when asked.
 */
#define _GNU_SOURCE
#include "veth.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef union
{
  struct nlmsghdr h;
  char raw[1040];
} nlreq;

static struct rtattr *
put (nlreq *r, unsigned short type, const void *data, size_t len)
{
  struct rtattr *a = (struct rtattr *) (r->raw + NLMSG_ALIGN (r->h.nlmsg_len));
  a->rta_type = type;
  a->rta_len = (unsigned short) RTA_LENGTH (len);
  if (len)
    memcpy (RTA_DATA (a), data, len);
  r->h.nlmsg_len = NLMSG_ALIGN (r->h.nlmsg_len) + RTA_ALIGN (a->rta_len);
  return a;
}

static void
put_str (nlreq *r, unsigned short type, const char *s)
{
  put (r, type, s, strlen (s) + 1);
}

/* Closes a nested attribute opened by put(r, type, NULL, 0). */
static void
end_nest (nlreq *r, struct rtattr *nest)
{
  nest->rta_len = (unsigned short) (r->raw + r->h.nlmsg_len - (char *) nest);
}

static void
start (nlreq *r, unsigned short type, unsigned short flags, size_t body)
{
  memset (r, 0, sizeof *r);
  r->h.nlmsg_len = (unsigned) NLMSG_LENGTH (body);
  r->h.nlmsg_type = type;
  r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
}

/* Sends a request and reads its ack; returns 0 or -errno. */
static int
talk (int fd, nlreq *r)
{
  char reply[4096];
  ssize_t n;
  static unsigned seq;
  r->h.nlmsg_seq = ++seq;
  if (send (fd, &r->h, r->h.nlmsg_len, 0) < 0)
    return -errno;
  for (;;)
    {
      n = recv (fd, reply, sizeof reply, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      for (struct nlmsghdr *h = (struct nlmsghdr *) reply; NLMSG_OK (h, (unsigned) n); h = NLMSG_NEXT (h, n))
        if (h->nlmsg_seq == r->h.nlmsg_seq && h->nlmsg_type == NLMSG_ERROR)
          return ((struct nlmsgerr *) NLMSG_DATA (h))->error;
    }
}

static int
open_rtnl (rt_error *err)
{
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return rt_fail_errno (err, "opening a netlink socket");
  return fd;
}

/* RTM_NEWLINK or RTM_SETLINK of `index` (or by name) with `flags` set. */
static int
link_up (int fd, int index)
{
  nlreq r;
  struct ifinfomsg *i;
  start (&r, RTM_NEWLINK, 0, sizeof *i);
  i = NLMSG_DATA (&r.h);
  i->ifi_index = index;
  i->ifi_flags = IFF_UP;
  i->ifi_change = IFF_UP;
  return talk (fd, &r);
}

static int
link_mtu (int fd, int index, unsigned mtu)
{
  nlreq r;
  struct ifinfomsg *i;
  start (&r, RTM_NEWLINK, 0, sizeof *i);
  i = NLMSG_DATA (&r.h);
  i->ifi_index = index;
  put (&r, IFLA_MTU, &mtu, sizeof mtu);
  return talk (fd, &r);
}

static int
add_address (int fd, int index, const char *ip, int prefix)
{
  nlreq r;
  struct ifaddrmsg *a;
  struct in_addr addr;
  if (inet_pton (AF_INET, ip, &addr) != 1)
    return -EINVAL;
  start (&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof *a);
  a = NLMSG_DATA (&r.h);
  a->ifa_family = AF_INET;
  a->ifa_prefixlen = (unsigned char) prefix;
  a->ifa_index = (unsigned) index;
  put (&r, IFA_LOCAL, &addr, sizeof addr);
  put (&r, IFA_ADDRESS, &addr, sizeof addr);
  return talk (fd, &r);
}

static int
default_route (int fd, const char *gateway)
{
  nlreq r;
  struct rtmsg *m;
  struct in_addr gw;
  if (inet_pton (AF_INET, gateway, &gw) != 1)
    return -EINVAL;
  start (&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof *m);
  m = NLMSG_DATA (&r.h);
  m->rtm_family = AF_INET;
  m->rtm_table = RT_TABLE_MAIN;
  m->rtm_protocol = RTPROT_BOOT;
  m->rtm_scope = RT_SCOPE_UNIVERSE;
  m->rtm_type = RTN_UNICAST;
  put (&r, RTA_GATEWAY, &gw, sizeof gw);
  return talk (fd, &r);
}

static int
new_bridge (int fd, const char *name, unsigned mtu)
{
  nlreq r;
  struct rtattr *info;
  start (&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof (struct ifinfomsg));
  put_str (&r, IFLA_IFNAME, name);
  put (&r, IFLA_MTU, &mtu, sizeof mtu);
  info = put (&r, IFLA_LINKINFO, NULL, 0);
  put_str (&r, IFLA_INFO_KIND, "bridge");
  end_nest (&r, info);
  return talk (fd, &r);
}

/* The pair: `host` on bridge `master`, its peer `peer` created in the namespace `netns_fd`. */
static int
new_veth (int fd, const veth_spec *v, int master, int netns_fd)
{
  nlreq r;
  struct rtattr *info, *data, *peer;
  struct ifinfomsg *pi;
  unsigned mtu = v->mtu;
  start (&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof (struct ifinfomsg));
  put_str (&r, IFLA_IFNAME, v->host);
  put (&r, IFLA_MTU, &mtu, sizeof mtu);
  put (&r, IFLA_MASTER, &master, sizeof master);
  info = put (&r, IFLA_LINKINFO, NULL, 0);
  put_str (&r, IFLA_INFO_KIND, "veth");
  data = put (&r, IFLA_INFO_DATA, NULL, 0);
  peer = put (&r, VETH_INFO_PEER, NULL, 0);
  pi = (struct ifinfomsg *) (r.raw + r.h.nlmsg_len);
  memset (pi, 0, sizeof *pi);
  r.h.nlmsg_len += NLMSG_ALIGN (sizeof *pi);
  put_str (&r, IFLA_IFNAME, v->ifname);
  put (&r, IFLA_MTU, &mtu, sizeof mtu);
  /* docker's MAC from the address (02:42 and the 4 bytes): a restarted container keeps it, so the
     network host's neighbour entry for the address stays right (a new MAC would go unanswered until
     that entry expired). */
  {
    struct in_addr a;
    unsigned char mac[6] = { 0x02, 0x42 };
    if (inet_pton (AF_INET, v->address, &a) == 1)
      {
        memcpy (mac + 2, &a, 4);
        put (&r, IFLA_ADDRESS, mac, sizeof mac);
      }
  }
  put (&r, IFLA_NET_NS_FD, &netns_fd, sizeof netns_fd);
  end_nest (&r, peer);
  end_nest (&r, data);
  end_nest (&r, info);
  return talk (fd, &r);
}

static int
fail_nl (rt_error *err, int rc, const char *what, const char *name)
{
  errno = -rc;
  return rt_fail_errno (err, "%s `%s`", what, name);
}

static int
join (const char *path, int type, rt_error *err)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return rt_fail_errno (err, "opening the namespace `%s`", path);
  if (setns (fd, type) < 0)
    {
      close (fd);
      return rt_fail_errno (err, "joining the namespace `%s`", path);
    }
  close (fd);
  return 0;
}

int
veth_plug (const veth_spec *v, rt_error *err)
{
  char path[64];
  int fd, rc, ctr_net, bridge, index;

  /* The container's network namespace, opened while its path is still the host's view. */
  snprintf (path, sizeof path, "/proc/%d/ns/net", (int) v->container);
  if ((ctr_net = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return rt_fail_errno (err, "opening the container's network namespace `%s`", path);
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) v->holder);
  if (join (path, CLONE_NEWUSER, err) < 0)
    return -1;
  snprintf (path, sizeof path, "/proc/%d/ns/net", (int) v->holder);
  if (join (path, CLONE_NEWNET, err) < 0 || (fd = open_rtnl (err)) < 0)
    return -1;
  /* Several containers may make the same bridge at once: only "exists" may fail. */
  rc = new_bridge (fd, v->bridge, v->mtu);
  if (rc < 0 && rc != -EEXIST)
    return fail_nl (err, rc, "creating the bridge", v->bridge);
  if ((bridge = (int) if_nametoindex (v->bridge)) == 0)
    return rt_fail_errno (err, "finding the bridge `%s`", v->bridge);
  rc = add_address (fd, bridge, v->gateway, v->prefix);
  if (rc < 0 && rc != -EEXIST)
    return fail_nl (err, rc, "giving the bridge its address", v->gateway);
  if ((rc = link_up (fd, bridge)) < 0)
    return fail_nl (err, rc, "bringing up the bridge", v->bridge);
  if ((rc = new_veth (fd, v, bridge, ctr_net)) < 0)
    return fail_nl (err, rc, "creating the veth pair", v->host);
  if ((index = (int) if_nametoindex (v->host)) == 0 || (rc = link_up (fd, index)) < 0)
    return index ? fail_nl (err, rc, "bringing up", v->host) : rt_fail_errno (err, "finding `%s`", v->host);
  close (fd);
  /* The user namespace is the holder's: the container's network namespace belongs to it. */
  if (setns (ctr_net, CLONE_NEWNET) < 0)
    return rt_fail_errno (err, "joining the container's network namespace");
  if ((fd = open_rtnl (err)) < 0)
    return -1;
  if ((index = (int) if_nametoindex (v->ifname)) == 0)
    return rt_fail_errno (err, "finding `%s` in the container", v->ifname);
  if ((rc = link_mtu (fd, index, v->mtu)) < 0)
    return fail_nl (err, rc, "setting the MTU of", v->ifname);
  if ((rc = add_address (fd, index, v->address, v->prefix)) < 0)
    return fail_nl (err, rc, "giving the container its address", v->address);
  if ((rc = link_up (fd, index)) < 0)
    return fail_nl (err, rc, "bringing up", v->ifname);
  if ((rc = link_up (fd, (int) if_nametoindex ("lo"))) < 0)
    return fail_nl (err, rc, "bringing up", "lo");
  if (v->default_route && (rc = default_route (fd, v->gateway)) < 0)
    return fail_nl (err, rc, "adding the default route via", v->gateway);
  close (fd);
  return 0;
}

static char *
text (json_t *o, const char *key)
{
  json_t *v = json_object_get (o, key);
  return json_is_string (v) ? strdup (json_string_value (v)) : NULL;
}

int
veth_read (void *json, veth_spec *v, rt_error *err)
{
  json_t *o = json;
  memset (v, 0, sizeof *v);
  if (!json_is_object (o))
    return rt_fail (err, "a veth step needs an object");
  v->holder = (pid_t) json_integer_value (json_object_get (o, "holder"));
  v->container = (pid_t) json_integer_value (json_object_get (o, "container"));
  v->bridge = text (o, "bridge");
  v->gateway = text (o, "gateway");
  v->prefix = (int) json_integer_value (json_object_get (o, "prefix"));
  v->host = text (o, "host");
  v->ifname = text (o, "ifname");
  v->address = text (o, "address");
  v->mtu = (unsigned) json_integer_value (json_object_get (o, "mtu"));
  v->default_route = json_is_true (json_object_get (o, "defaultRoute"));
  if (!v->holder || !v->bridge || !v->gateway || !v->host || !v->ifname || !v->address || !v->mtu || v->prefix <= 0)
    return rt_fail (err, "a veth step needs holder, bridge, gateway, prefix, host, ifname, address and mtu");
  return 0;
}

int
veth_main (int argc, char **argv)
{
  rt_error err = { 0 };
  veth_spec v;
  json_t *o = argc == 2 ? json_loads (argv[1], 0, NULL) : NULL;

  if (o == NULL)
    rt_fail (&err, "usage: tspod-rt veth JSON");
  else if (veth_read (o, &v, &err) == 0 && v.container <= 0)
    rt_fail (&err, "tspod-rt veth: `container` (a pid) is required");
  else if (err.msg[0] == 0 && veth_plug (&v, &err) == 0)
    return 0;
  rt_print (&err);
  return 125;
}
