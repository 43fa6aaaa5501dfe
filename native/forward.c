/*
 * forward: publishes a container's TCP and UDP ports (docker's userland proxy, done
 * rootless). Listens on the host addresses first, then joins the container's
 * user and network namespaces and, for every accepted client, connects to the
 * container's own (non-loopback) address. So the server sees a non-loopback
 * peer — never 127.0.0.1, which servers such as postgres trust — and a
 * service bound only to the container's loopback is not reachable, as with
 * docker. Bytes move with splice(2) through a pipe per direction.
 * A UDP port (`/udp`) gets a connected socket in the container per client
 * address, so replies go back to the client that asked; idle ones close
 * after UDP_IDLE_MS (docker's proxy: 90 s).
 *
 *   tspod-rt forward PID [HOSTIP]:HOSTPORT=CTRPORT[/udp]...
 *   tspod-rt forward --via HOLDERPID --to CTRIP PID SPEC...
 *
 * With --via (a container on a bridge of the per-user network host) it joins
 * the network host's namespaces instead and connects to the container's
 * bridge address, keeping the client's own address as the source
 * (IP_TRANSPARENT, marked so that the network host routes the replies back
 * to this socket: holder.ts sets the rules). A client on the host's loopback
 * keeps none, as with docker's proxy: the server sees the bridge's gateway.
 *
 * HOSTIP empty means every address (IPv4 and IPv6); IPv6 goes in brackets.
 * Prints "ready" on stdout once every port is bound and the namespaces are
 * joined; dies with its parent.
 */
#define _GNU_SOURCE
#include "forward.h"
#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 256
#define PIPE_CHUNK (1 << 16)

struct listener
{
  int kind; /* KIND_LISTENER or KIND_UDP */
  int fd;
  int ctr_port;
  struct udp_flow *flows; /* KIND_UDP: one per client address */
};

/* A UDP client of a published port: its address, and a socket connected to the container's port. */
struct udp_flow
{
  int kind; /* KIND_UDP_FLOW */
  int fd;
  struct listener *l;
  struct sockaddr_storage client;
  socklen_t client_len;
  long last; /* ms, monotonic */
  struct udp_flow *next;
};

#define UDP_IDLE_MS 90000

/* One direction of a connection: bytes read from `from` wait in the pipe for `to`. */
struct flow
{
  int from, to;
  int pipe_r, pipe_w;
  size_t pending;
  int eof, done;
};

struct conn
{
  int kind; /* KIND_CONN */
  int client, upstream;
  int connected;
  int dead; /* closed; freed after the current batch of events (one may still name it) */
  struct flow up, down;
};

enum { KIND_LISTENER = 1, KIND_CONN = 2, KIND_UDP = 3, KIND_UDP_FLOW = 4 };

/* Parses "[HOSTIP]:HOSTPORT=CTRPORT" into a bound address and the container port. */
static int
parse_spec (const char *spec, struct sockaddr_storage *addr, socklen_t *len, int *ctr_port, rt_error *err)
{
  char host[128] = "";
  const char *eq = strrchr (spec, '=');
  const char *colon;
  long hport, cport;
  char *end;

  if (eq == NULL)
    return rt_fail (err, "port spec `%s`: no `=CTRPORT`", spec);
  colon = memrchr (spec, ':', eq - spec);
  if (colon == NULL || (size_t) (colon - spec) >= sizeof host)
    return rt_fail (err, "port spec `%s`: no `HOST:PORT`", spec);
  memcpy (host, spec, colon - spec);
  hport = strtol (colon + 1, &end, 10);
  if (end != eq || hport < 1 || hport > 65535)
    return rt_fail (err, "port spec `%s`: bad host port", spec);
  cport = strtol (eq + 1, &end, 10);
  if (strcmp (end, "/udp") == 0 || strcmp (end, "/tcp") == 0)
    end += 4;
  if (*end || cport < 1 || cport > 65535)
    return rt_fail (err, "port spec `%s`: bad container port", spec);
  *ctr_port = (int) cport;

  memset (addr, 0, sizeof *addr);
  if (host[0] == '\0' || host[0] == '[')
    {
      struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) addr;
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons ((uint16_t) hport);
      if (host[0] == '[')
        {
          size_t n = strlen (host);
          if (host[n - 1] != ']')
            return rt_fail (err, "port spec `%s`: unclosed `[`", spec);
          host[n - 1] = '\0';
          if (inet_pton (AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return rt_fail (err, "port spec `%s`: bad IPv6 address", spec);
        }
      else
        a6->sin6_addr = in6addr_any;
      *len = sizeof *a6;
      return 0;
    }
  struct sockaddr_in *a4 = (struct sockaddr_in *) addr;
  a4->sin_family = AF_INET;
  a4->sin_port = htons ((uint16_t) hport);
  if (inet_pton (AF_INET, host, &a4->sin_addr) != 1)
    return rt_fail (err, "port spec `%s`: bad IPv4 address", spec);
  *len = sizeof *a4;
  return 0;
}

static int
listen_on (const char *spec, struct listener *l, rt_error *err)
{
  struct sockaddr_storage addr;
  socklen_t len = 0;
  int one = 1, zero = 0;

  if (parse_spec (spec, &addr, &len, &l->ctr_port, err) < 0)
    return -1;
  l->kind = strstr (spec, "/udp") ? KIND_UDP : KIND_LISTENER;
  l->fd = socket (addr.ss_family, (l->kind == KIND_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l->fd < 0)
    return rt_fail_errno (err, "creating a socket for `%s`", spec);
  setsockopt (l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* Every address means IPv4 and IPv6 both, as docker publishes. */
  if (addr.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED (&((struct sockaddr_in6 *) &addr)->sin6_addr))
    setsockopt (l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (bind (l->fd, (struct sockaddr *) &addr, len) < 0)
    return rt_fail_errno (err, "binding `%s`", spec);
  if (l->kind == KIND_UDP)
    return 0;
  if (listen (l->fd, 512) < 0)
    return rt_fail_errno (err, "listening on `%s`", spec);
  return 0;
}

/* Transparent upstreams (--via): the client's address as the source, marked for the network host's routing. */
static int transparent;
#define TRANSPARENT_MARK 1

/* A socket to the container for a client at `client`: bound to the client's IPv4 address when it is not a loopback one. */
static int
upstream_socket (int type, const struct sockaddr_storage *client)
{
  int fd = socket (AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, mark = TRANSPARENT_MARK;
  struct sockaddr_in src = { .sin_family = AF_INET };

  if (fd < 0 || !transparent)
    return fd;
  if (client->ss_family == AF_INET)
    src.sin_addr = ((const struct sockaddr_in *) client)->sin_addr;
  else if (client->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED (&((const struct sockaddr_in6 *) client)->sin6_addr))
    memcpy (&src.sin_addr, &((const struct sockaddr_in6 *) client)->sin6_addr.s6_addr[12], 4);
  else
    return fd; /* an IPv6 client: the container has no IPv6 */
  if ((ntohl (src.sin_addr.s_addr) >> 24) == 127)
    return fd; /* a loopback client: never shown as the container's own loopback */
  if (setsockopt (fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one) < 0 || setsockopt (fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0
      || bind (fd, (struct sockaddr *) &src, sizeof src) < 0)
    {
      /* Without the rights or the rules: the gateway's address, as docker's proxy. */
      close (fd);
      return socket (AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
  return fd;
}

/* Joins the user and network namespaces of process `pid` (the container's). */
static int
join_namespaces (const char *pid, rt_error *err)
{
  static const struct { const char *name; int type; } ns[] = { { "user", CLONE_NEWUSER }, { "net", CLONE_NEWNET } };
  int fds[2];
  char path[64];

  /* Both opened before either is joined: /proc/PID stays reachable. */
  for (int i = 0; i < 2; i++)
    {
      snprintf (path, sizeof path, "/proc/%s/ns/%s", pid, ns[i].name);
      fds[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0)
        return rt_fail_errno (err, "opening `%s`", path);
    }
  for (int i = 0; i < 2; i++)
    {
      if (setns (fds[i], ns[i].type) < 0)
        {
          snprintf (path, sizeof path, "/proc/%s/ns/%s", pid, ns[i].name);
          return rt_fail_errno (err, "joining `%s`", path);
        }
      close (fds[i]);
    }
  return 0;
}

/* The container's own address: the first IPv4 address of an interface that is up and not loopback. */
static int
container_address (struct in_addr *out, rt_error *err)
{
  struct ifaddrs *all, *i;
  int found = 0;

  if (getifaddrs (&all) < 0)
    return rt_fail_errno (err, "listing the container's addresses");
  for (i = all; i != NULL && !found; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK))
      {
        *out = ((struct sockaddr_in *) i->ifa_addr)->sin_addr;
        found = 1;
      }
  freeifaddrs (all);
  return found ? 0 : rt_fail (err, "the container has no IPv4 address to forward to");
}

/*
 * Empty pipes of ended connections, kept for the next ones: with a new
 * connection per request, pipe2 and close were a third of the syscalls.
 */
#define POOL_MAX 128
static int pool[POOL_MAX][2];
static int pooled;

static int
take_pipe (int p[2])
{
  if (pooled > 0)
    {
      pooled--;
      p[0] = pool[pooled][0];
      p[1] = pool[pooled][1];
      return 0;
    }
  return pipe2 (p, O_NONBLOCK | O_CLOEXEC);
}

/* Keeps an empty pipe for reuse; one still holding bytes (a broken flow) is closed. */
static void
give_pipe (struct flow *f)
{
  if (f->pipe_r < 0)
    return;
  if (f->pending == 0 && pooled < POOL_MAX)
    {
      pool[pooled][0] = f->pipe_r;
      pool[pooled][1] = f->pipe_w;
      pooled++;
    }
  else
    {
      close (f->pipe_r);
      close (f->pipe_w);
    }
  f->pipe_r = f->pipe_w = -1;
}

static void
close_fds (struct conn *c)
{
  give_pipe (&c->up);
  give_pipe (&c->down);
  if (c->client >= 0)
    close (c->client);
  if (c->upstream >= 0)
    close (c->upstream);
}

/* Frees a connection that never reached epoll. */
static void
close_conn (struct conn *c)
{
  close_fds (c);
  free (c);
}

/* Moves what can be moved now; returns -1 when the connection is broken. */
static int
pump (struct flow *f)
{
  while (!f->done)
    {
      if (f->pending > 0)
        {
          ssize_t n = splice (f->pipe_r, NULL, f->to, NULL, f->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n < 0)
            return errno == EAGAIN ? 0 : -1;
          f->pending -= (size_t) n;
          continue;
        }
      if (f->eof)
        {
          shutdown (f->to, SHUT_WR);
          f->done = 1;
          break;
        }
      ssize_t n = splice (f->from, NULL, f->pipe_w, NULL, PIPE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n == 0)
        f->eof = 1;
      else if (n < 0)
        return errno == EAGAIN ? 0 : -1;
      else
        f->pending += (size_t) n;
    }
  return 0;
}

static int
init_flow (struct flow *f, int from, int to)
{
  int p[2];
  memset (f, 0, sizeof *f);
  f->from = from;
  f->to = to;
  f->pipe_r = f->pipe_w = -1;
  if (take_pipe (p) < 0)
    return -1;
  f->pipe_r = p[0];
  f->pipe_w = p[1];
  return 0;
}

static void
accept_clients (int ep, struct listener *l, struct in_addr target)
{
  for (;;)
    {
      struct sockaddr_storage peer;
      socklen_t peer_len = sizeof peer;
      int client = accept4 (l->fd, (struct sockaddr *) &peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0)
        return; /* EAGAIN, or a client that went away: the listener stays */
      struct conn *c = calloc (1, sizeof *c);
      struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) l->ctr_port), .sin_addr = target };
      if (c == NULL)
        {
          close (client);
          continue;
        }
      c->kind = KIND_CONN;
      c->client = client;
      c->up.pipe_r = c->up.pipe_w = c->down.pipe_r = c->down.pipe_w = -1;
      c->upstream = upstream_socket (SOCK_STREAM, &peer);
      if (c->upstream < 0 || init_flow (&c->up, client, c->upstream) < 0 || init_flow (&c->down, c->upstream, client) < 0
          || (connect (c->upstream, (struct sockaddr *) &to, sizeof to) < 0 && errno != EINPROGRESS))
        {
          close_conn (c);
          continue;
        }
      struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
      if (epoll_ctl (ep, EPOLL_CTL_ADD, c->upstream, &ev) < 0 || epoll_ctl (ep, EPOLL_CTL_ADD, c->client, &ev) < 0)
        close_conn (c);
    }
}

/* Returns 1 when the connection ended (its fds closed; the caller frees it after the batch). */
static int
serve_conn (int ep, struct conn *c)
{
  if (c->dead)
    return 0;
  if (!c->connected)
    {
      int soerr = 0;
      socklen_t len = sizeof soerr;
      if (getsockopt (c->upstream, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr != 0)
        goto broken; /* refused: nothing listens on the container's address */
      struct sockaddr_in peer;
      len = sizeof peer;
      if (getpeername (c->upstream, (struct sockaddr *) &peer, &len) < 0)
        return 0; /* still connecting */
      c->connected = 1;
    }
  if (pump (&c->up) < 0 || pump (&c->down) < 0)
    goto broken;
  if (c->up.done && c->down.done)
    goto broken;
  return 0;
broken:
  epoll_ctl (ep, EPOLL_CTL_DEL, c->client, NULL);
  epoll_ctl (ep, EPOLL_CTL_DEL, c->upstream, NULL);
  close_fds (c);
  c->dead = 1;
  return 1;
}

/* Datagrams from clients: each goes out of the client's own socket in the container. */
static void
udp_from_clients (int ep, struct listener *l, struct in_addr target)
{
  static char buf[65536];
  for (;;)
    {
      struct sockaddr_storage from;
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom (l->fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &from_len);
      struct udp_flow *f;
      if (n < 0)
        return;
      for (f = l->flows; f; f = f->next)
        if (f->client_len == from_len && memcmp (&f->client, &from, from_len) == 0)
          break;
      if (f == NULL)
        {
          struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) l->ctr_port), .sin_addr = target };
          struct epoll_event ev;
          if ((f = calloc (1, sizeof *f)) == NULL)
            continue;
          f->kind = KIND_UDP_FLOW;
          f->l = l;
          f->client = from;
          f->client_len = from_len;
          f->fd = upstream_socket (SOCK_DGRAM, &from);
          ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = f };
          if (f->fd < 0 || connect (f->fd, (struct sockaddr *) &to, sizeof to) < 0 || epoll_ctl (ep, EPOLL_CTL_ADD, f->fd, &ev) < 0)
            {
              if (f->fd >= 0)
                close (f->fd);
              free (f);
              continue;
            }
          f->next = l->flows;
          l->flows = f;
        }
      f->last = now_ms ();
      send (f->fd, buf, (size_t) n, 0);
    }
}

/* Replies from the container, back to the client that asked. */
static void
udp_to_client (struct udp_flow *f)
{
  static char buf[65536];
  ssize_t n;
  while ((n = recv (f->fd, buf, sizeof buf, 0)) >= 0)
    {
      f->last = now_ms ();
      sendto (f->l->fd, buf, (size_t) n, 0, (struct sockaddr *) &f->client, f->client_len);
    }
}

/* Closes the UDP flows idle for longer than UDP_IDLE_MS. */
static void
udp_expire (struct listener *ls, int n)
{
  long now = now_ms ();
  for (int i = 0; i < n; i++)
    for (struct udp_flow **p = &ls[i].flows; *p;)
      {
        struct udp_flow *f = *p;
        if (now - f->last < UDP_IDLE_MS)
          {
            p = &f->next;
            continue;
          }
        *p = f->next;
        close (f->fd); /* leaves the epoll set with it */
        free (f);
      }
}

/* Raises the soft open-file limit to the hard one: each connection holds six fds. */
static void
more_files (void)
{
  struct rlimit r;
  if (getrlimit (RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max)
    {
      r.rlim_cur = r.rlim_max;
      setrlimit (RLIMIT_NOFILE, &r);
    }
}

int
forward_main (int argc, char **argv, rt_error *err)
{
  static struct listener listeners[MAX_PORTS];
  struct in_addr target = { 0 };
  const char *via = NULL, *to = NULL;
  int n, ep;
  long expired = 0;

  if (argc >= 5 && strcmp (argv[1], "--via") == 0 && strcmp (argv[3], "--to") == 0)
    {
      via = argv[2];
      to = argv[4];
      argc -= 4;
      argv += 4;
      if (inet_pton (AF_INET, to, &target) != 1)
        return rt_fail (err, "forward: bad container address `%s`", to);
    }
  n = argc - 2;
  if (argc < 3)
    return rt_fail (err, "usage: tspod-rt forward [--via HOLDERPID --to CTRIP] PID [HOSTIP]:HOSTPORT=CTRPORT[/udp]...");
  if (n > MAX_PORTS)
    return rt_fail (err, "forward: at most %d ports", MAX_PORTS);
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0)
    return rt_fail_errno (err, "asking to die with the parent");
  if (getppid () == 1)
    return rt_fail (err, "forward: the parent is gone");
  signal (SIGPIPE, SIG_IGN);
  more_files ();

  for (int i = 0; i < n; i++)
    if (listen_on (argv[i + 2], &listeners[i], err) < 0)
      return -1;
  if (via)
    {
      if (join_namespaces (via, err) < 0)
        return -1;
      transparent = 1;
    }
  else if (join_namespaces (argv[1], err) < 0 || container_address (&target, err) < 0)
    return -1;
  ep = epoll_create1 (EPOLL_CLOEXEC);
  if (ep < 0)
    return rt_fail_errno (err, "creating an epoll instance");
  for (int i = 0; i < n; i++)
    {
      struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listeners[i] };
      if (epoll_ctl (ep, EPOLL_CTL_ADD, listeners[i].fd, &ev) < 0)
        return rt_fail_errno (err, "watching `%s`", argv[i + 2]);
    }
  if (write (STDOUT_FILENO, "ready\n", 6) != 6)
    return rt_fail_errno (err, "reporting ready");
  close (STDOUT_FILENO);

  for (;;)
    {
      struct epoll_event events[64];
      int k = epoll_wait (ep, events, 64, UDP_IDLE_MS / 3);
      if (k < 0)
        {
          if (errno == EINTR)
            continue;
          return rt_fail_errno (err, "waiting for connections");
        }
      struct conn *ended[64];
      int m = 0;
      for (int i = 0; i < k; i++)
        {
          int kind = *(int *) events[i].data.ptr;
          if (kind == KIND_LISTENER)
            accept_clients (ep, events[i].data.ptr, target);
          else if (kind == KIND_UDP)
            udp_from_clients (ep, events[i].data.ptr, target);
          else if (kind == KIND_UDP_FLOW)
            udp_to_client (events[i].data.ptr);
          else if (serve_conn (ep, events[i].data.ptr))
            ended[m++] = events[i].data.ptr;
        }
      for (int i = 0; i < m; i++)
        free (ended[i]);
      if (now_ms () - expired > UDP_IDLE_MS / 3)
        {
          udp_expire (listeners, n);
          expired = now_ms ();
        }
    }
}
