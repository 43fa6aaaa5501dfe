/*
 * docker's copy-up: a new, empty volume mounted where the image has content
 * gets that content first (see rootfs.h). Runs in pid 1 as root of the
 * container's user namespace, so owners (subordinate ids) are kept; the
 * image path is resolved inside the root (openat2 RESOLVE_IN_ROOT), so a
 * symlink in the image never leads the copy out of it.
 */
#define _GNU_SOURCE
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
wanted (const spec *s, const spec_mount *m)
{
  if (!(m->flags & MS_BIND))
    return 0;
  for (size_t i = 0; i < s->copy_up.n; i++)
    if (strcmp (s->copy_up.items[i], m->destination) == 0)
      return 1;
  return 0;
}

/* Whether the directory `path` has no entry (a missing or unreadable one counts as not empty: left alone). */
static int
empty_dir (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *e;
  int empty = 1;
  if (d == NULL)
    return 0;
  while (empty && (e = readdir (d)) != NULL)
    empty = strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0;
  closedir (d);
  return empty;
}

int
copy_up (const spec *s, int rootfd, const spec_mount *m, rt_error *err)
{
  struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  char src[64];
  int fd, rc;

  if (!wanted (s, m) || !empty_dir (m->source))
    return 0;
  fd = (int) syscall (SYS_openat2, rootfd, m->destination, &how, sizeof how);
  if (fd < 0)
    return errno == ENOENT || errno == ENOTDIR ? 0 : rt_fail_errno (err, "opening `%s` in the container to fill its volume", m->destination);
  snprintf (src, sizeof src, "/proc/self/fd/%d", fd);
  rc = copy_tree (src, m->source, err);
  close (fd);
  return rc;
}

static uid_t chown_uid;
static gid_t chown_gid;

static int
chown_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) flag;
  (void) ftw;
  return lchown (path, chown_uid, chown_gid) < 0 ? -1 : 0;
}

int
chown_volume (const spec *s, const spec_mount *m, rt_error *err)
{
  int listed = 0;
  for (size_t i = 0; i < s->chown.n; i++)
    listed |= strcmp (s->chown.items[i], m->destination) == 0;
  if (!listed || !(m->flags & MS_BIND))
    return 0;
  chown_uid = s->chown_uid;
  chown_gid = s->chown_gid;
  if (nftw (m->source, chown_one, 64, FTW_PHYS) < 0)
    return rt_fail_errno (err, "giving `%s` to %u:%u (-v ...:U)", m->source, s->chown_uid, s->chown_gid);
  return 0;
}
