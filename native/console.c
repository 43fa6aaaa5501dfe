/* The runtime's console socket (see console.h). */
#define _GNU_SOURCE
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
console_listen (const char *path, rt_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof addr.sun_path)
    return rt_fail (err, "the console socket path `%s` is too long", path);
  snprintf (addr.sun_path, sizeof addr.sun_path, "%s", path);
  unlink (path);
  if ((fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
    return rt_fail_errno (err, "opening the console socket `%s`", path);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 1) < 0)
    {
      rt_fail_errno (err, "listening on the console socket `%s`", path);
      close (fd);
      return -1;
    }
  return fd;
}

int
console_receive (int listener, const char *path, int ms, rt_error *err)
{
  struct pollfd p = { .fd = listener, .events = POLLIN };
  char byte, control[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
  struct cmsghdr *c;
  int conn, master = -1;

  if (poll (&p, 1, ms) <= 0)
    return rt_fail (err, "the OCI runtime sent no terminal on `%s`", path);
  if ((conn = accept4 (listener, NULL, NULL, SOCK_CLOEXEC)) < 0)
    return rt_fail_errno (err, "accepting on the console socket `%s`", path);
  p = (struct pollfd){ .fd = conn, .events = POLLIN };
  if (poll (&p, 1, ms) <= 0 || recvmsg (conn, &msg, MSG_CMSG_CLOEXEC) < 0)
    {
      rt_fail_errno (err, "receiving the terminal on `%s`", path);
      close (conn);
      return -1;
    }
  close (conn);
  for (c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&master, CMSG_DATA (c), sizeof master);
  if (master < 0)
    return rt_fail (err, "the OCI runtime sent no file descriptor on `%s`", path);
  fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
  return master;
}
