/*
 * `--userns=keep-id` (io.tspod.keep-id "UID:GID"): after joining the
 * per-user user namespace (0 -> the user, 1.. -> subordinate ids), a
 * nested one whose ids are shifted so that UID:GID inside is the user
 * again: inside 0..UID-1 -> outside 1..UID, UID -> 0 (the user),
 * UID+1.. -> the same outside. The helper may write those maps itself: it
 * is root of the parent namespace, and every id is mapped there. A child
 * still in the parent namespace writes them, as newuidmap would.
 */
#define _GNU_SOURCE
#include "keepid.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* How many ids /proc/self/{uid,gid}_map maps from 0 on without a gap. */
static unsigned long
mapped_range (const char *file)
{
  FILE *f = fopen (file, "re");
  unsigned long inside, outside, len, total = 0;
  if (f == NULL)
    return 0;
  while (fscanf (f, "%lu %lu %lu", &inside, &outside, &len) == 3)
    if (inside == total)
      total += len;
  fclose (f);
  return total;
}

static int
write_map (pid_t pid, const char *which, unsigned long id, unsigned long total)
{
  char file[64], map[256];
  int fd, n;
  snprintf (file, sizeof file, "/proc/%d/%s", (int) pid, which);
  n = snprintf (map, sizeof map, "0 1 %lu\n%lu 0 1\n", id, id);
  if (total > id + 1)
    n += snprintf (map + n, sizeof map - (size_t) n, "%lu %lu %lu\n", id + 1, id + 1, total - id - 1);
  fd = open (file, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, map, (size_t) n) != n)
    return -1;
  close (fd);
  return 0;
}

int
keepid_enter (const char *ids, rt_error *err)
{
  unsigned long uid, gid, uids = mapped_range ("/proc/self/uid_map"), gids = mapped_range ("/proc/self/gid_map");
  int go[2], status;
  pid_t self = getpid (), writer;
  char c;

  if (sscanf (ids, "%lu:%lu", &uid, &gid) != 2)
    return rt_fail (err, "reading the spec: io.tspod.keep-id `%s` is not UID:GID", ids);
  if (uid == 0 || gid == 0 || uid >= uids || gid >= gids)
    return rt_fail (err, "--userns=keep-id: %lu:%lu is not inside the %lu:%lu ids the user namespace maps (see /etc/subuid)", uid, gid, uids, gids);
  if (pipe2 (go, O_CLOEXEC) < 0)
    return rt_fail_errno (err, "making a pipe for the keep-id maps");
  writer = fork ();
  if (writer < 0)
    return rt_fail_errno (err, "forking the keep-id map writer");
  if (writer == 0)
    {
      close (go[1]);
      if (read (go[0], &c, 1) != 1)
        _exit (1);
      _exit (write_map (self, "uid_map", uid, uids) < 0 || write_map (self, "gid_map", gid, gids) < 0 ? 2 : 0);
    }
  close (go[0]);
  if (unshare (CLONE_NEWUSER) < 0)
    {
      int e = errno;
      close (go[1]);
      waitpid (writer, NULL, 0);
      errno = e;
      return rt_fail_errno (err, "creating the keep-id user namespace");
    }
  if (write (go[1], "x", 1) != 1)
    return rt_fail_errno (err, "waking the keep-id map writer");
  close (go[1]);
  if (waitpid (writer, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return rt_fail (err, "writing the keep-id maps of the user namespace failed");
  return 0;
}
