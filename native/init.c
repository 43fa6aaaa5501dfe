/*
 * init: creates and starts a container from a spec.
 *
 *   tspod-rt init SPEC.json        (fd 3: the channel to the monitor)
 *   tspod-rt init --hand-over [--gate] SPEC.json
 *
 * This process joins the user namespace named by the spec (its maps are in
 * place: newuidmap wrote them for the holder), joins or creates the other
 * namespaces, and forks pid 1 of the new pid namespace, then relays its stdio
 * (real pipes, stdio.c) until it exits, and exits with its status (128+signal
 * if it was killed). pid 1 reports its host
 * pid, mounts the root filesystem and the spec's mounts (rootfs.c), exchanges
 * the terminal and network messages, pivots into the root and runs the
 * process (process.c). Both die with their parent: a container never outlives
 * its monitor.
 */
#define _GNU_SOURCE
#include "init.h"
#include "keepid.h"
#include "channel.h"
#include "process.h"
#include "rootfs.h"
#include "spec.h"
#include "stdio_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *
ns_name (int type)
{
  switch (type)
    {
    case CLONE_NEWUSER:
      return "user";
    case CLONE_NEWNS:
      return "mount";
    case CLONE_NEWPID:
      return "pid";
    case CLONE_NEWUTS:
      return "uts";
    case CLONE_NEWIPC:
      return "ipc";
    case CLONE_NEWNET:
      return "network";
    default:
      return "cgroup";
    }
}

/* Joins the user namespace (first: it grants the rights for the rest), joins the others given by path, creates the rest. */
static int
enter_namespaces (const spec *s, rt_error *err)
{
  int fds[16], flags = 0;
  const spec_namespace *user = spec_namespace_of (s, CLONE_NEWUSER);

  if (user && user->path == NULL)
    return rt_fail (err, "creating a user namespace is not supported: give `linux.namespaces` type user a path to join");
  /* All opened before any is joined: the paths are the host's. */
  for (size_t i = 0; i < s->n_namespaces && i < 16; i++)
    {
      const spec_namespace *ns = &s->namespaces[i];
      fds[i] = -1;
      if (ns->path && (fds[i] = open (ns->path, O_RDONLY | O_CLOEXEC)) < 0)
        return rt_fail_errno (err, "opening the %s namespace `%s`", ns_name (ns->type), ns->path);
      if (ns->path == NULL)
        flags |= ns->type;
    }
  if (user && setns (fds[user - s->namespaces], CLONE_NEWUSER) < 0)
    return rt_fail_errno (err, "joining the user namespace `%s`", user->path);
  for (size_t i = 0; i < s->n_namespaces && i < 16; i++)
    {
      const spec_namespace *ns = &s->namespaces[i];
      if (fds[i] < 0)
        continue;
      if (ns != user && setns (fds[i], ns->type) < 0)
        return rt_fail_errno (err, "joining the %s namespace `%s`", ns_name (ns->type), ns->path);
      close (fds[i]);
    }
  if (s->keep_id && keepid_enter (s->keep_id, err) < 0)
    return -1;
  if (flags && unshare (flags) < 0)
    return rt_fail_errno (err, "creating the container's namespaces (unshare 0x%x)", (unsigned) flags);
  return 0;
}

/* The container's own network namespace has its loopback up, as docker's (--network none too). */
static int
loopback_up (rt_error *err)
{
  struct ifreq ifr = { 0 };
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return rt_fail_errno (err, "opening a socket to bring `lo` up");
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    return rt_fail_errno (err, "reading the flags of `lo`");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
    return rt_fail_errno (err, "bringing `lo` up");
  close (sock);
  return 0;
}

/* pid 1 of the container: never returns on success. */
static int
container_main (const spec *s, channel *ch, int gated, rt_error *err)
{
  process_opts opts = { .pty = -1, .ctty_stdin = 0, .gate = gated ? ch : NULL };
  const spec_namespace *net = spec_namespace_of (s, CLONE_NEWNET);
  char self[32] = "", ptmx[4200];
  ssize_t n;

  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return rt_fail_errno (err, "asking to die with the parent");
  /* The host's /proc is still mounted: /proc/self names this process as the monitor sees it. */
  if ((n = readlink ("/proc/self", self, sizeof self - 1)) < 0)
    return rt_fail_errno (err, "reading `/proc/self`");
  if (channel_send_pid (ch, (pid_t) atoi (self), err) < 0 || rootfs_prepare (s, err) < 0)
    return -1;
  if (s->terminal)
    {
      snprintf (ptmx, sizeof ptmx, "/proc/%s/root%s/dev/pts/ptmx", self, s->root_path);
      if (channel_send_ptmx (ch, ptmx, err) < 0 || channel_expect_pty (ch, &opts.pty, err) < 0)
        return -1;
    }
  /* The command starts with its network in place (a server can bind, a client can connect). */
  if (s->wait_network && channel_expect_net (ch, err) < 0)
    return -1;
  if (net && net->path == NULL && loopback_up (err) < 0)
    return -1;
  if (rootfs_enter (s, err) < 0 || process_make_cwd (s, err) < 0 || rootfs_finish (s, err) < 0)
    return -1;
  if (s->hostname && spec_namespace_of (s, CLONE_NEWUTS) && sethostname (s->hostname, strlen (s->hostname)) < 0)
    return rt_fail_errno (err, "setting the hostname `%s`", s->hostname);
  if (s->domainname && spec_namespace_of (s, CLONE_NEWUTS) && setdomainname (s->domainname, strlen (s->domainname)) < 0)
    return rt_fail_errno (err, "setting the domain name `%s`", s->domainname);
  return process_exec (s, &opts, err);
}

/*
 * `init --hand-over` (the native monitor, monitor.c): pid 1 is made the
 * monitor's own child (clone with CLONE_PARENT), so no process stays between
 * them: its stdio are the monitor's pipes as they are, its parent-death
 * signal is the monitor's death, and this process exits once it is forked.
 * With --gate pid 1 sets everything up, then waits for "go" before its
 * command runs: the monitor starts it while the starting command attaches.
 */
static int
hand_over (const char *spec_path, channel *ch, int gated)
{
  rt_error err = { 0 };
  spec s;
  pid_t pid;

  if (spec_read (spec_path, &s, &err) < 0 || enter_namespaces (&s, &err) < 0)
    goto failed;
  pid = (pid_t) syscall (SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0)
    {
      rt_fail_errno (&err, "starting the container's pid 1 (clone with CLONE_PARENT)");
      goto failed;
    }
  if (pid == 0)
    {
      container_main (&s, ch, gated, &err);
      channel_send_error (ch, &err);
      _exit (rt_status (&err));
    }
  return 0;

failed:
  channel_send_error (ch, &err);
  return rt_status (&err);
}

int
init_main (int argc, char **argv)
{
  rt_error err = { 0 };
  channel ch;
  spec s;
  pid_t parent, pid;
  stdio_relay relay;

  channel_open (&ch); /* first: nothing else may land on fd 3 */
  parent = getppid ();
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () != parent)
    {
      rt_fail (&err, "init: the monitor is gone");
      goto failed;
    }
  signal (SIGPIPE, SIG_IGN); /* a monitor that went away is an error, not a signal */
  if (argc == 3 && strcmp (argv[1], "--hand-over") == 0)
    return hand_over (argv[2], &ch, 0);
  if (argc == 4 && strcmp (argv[1], "--hand-over") == 0 && strcmp (argv[2], "--gate") == 0)
    return hand_over (argv[3], &ch, 1);
  if (argc != 2)
    {
      rt_fail (&err, "usage: tspod-rt init [--hand-over [--gate]] SPEC.json");
      goto failed;
    }
  if (spec_read (argv[1], &s, &err) < 0 || enter_namespaces (&s, &err) < 0 || stdio_prepare (&relay, &err) < 0)
    goto failed;
  pid = fork ();
  if (pid < 0)
    {
      rt_fail_errno (&err, "starting the container's pid 1");
      goto failed;
    }
  if (pid == 0)
    {
      if (stdio_child (&relay, &err) == 0)
        container_main (&s, &ch, 0, &err);
      channel_send_error (&ch, &err);
      _exit (rt_status (&err));
    }
  /* The channel is pid 1's: its end closing (on exec) tells the monitor the command runs. */
  if (ch.fd >= 0)
    close (ch.fd);
  return stdio_relay_until_exit (&relay, pid);

failed:
  channel_send_error (&ch, &err);
  return rt_status (&err);
}
