/*
 * The copy backend's root filesystem: overlay-form layers applied one over
 * another into a plain directory (src/fuse-overlay/flatten.ts was the
 * TypeScript twin); the same copy fills a new volume (copyup.c). Runs as root of the user namespace, so the layers'
 * owners (subordinate ids) are kept.
 */
#define _GNU_SOURCE
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define OPAQUE_XATTR "user.overlay.opaque"

/* Files with more than one link in a layer: the first copy, linked again for the others. */
struct links
{
  struct
  {
    dev_t dev;
    ino_t ino;
    char *path;
  } *items;
  size_t n;
};

static int
remove_tree (const char *path, rt_error *err)
{
  struct stat st;
  if (lstat (path, &st) < 0)
    return errno == ENOENT ? 0 : rt_fail_errno (err, "removing `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      DIR *d = opendir (path);
      struct dirent *e;
      if (d == NULL)
        return rt_fail_errno (err, "reading `%s`", path);
      while ((e = readdir (d)) != NULL)
        {
          char child[4096];
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          snprintf (child, sizeof child, "%s/%s", path, e->d_name);
          if (remove_tree (child, err) < 0)
            {
              closedir (d);
              return -1;
            }
        }
      closedir (d);
      if (rmdir (path) < 0)
        return rt_fail_errno (err, "removing `%s`", path);
      return 0;
    }
  return unlink (path) < 0 ? rt_fail_errno (err, "removing `%s`", path) : 0;
}

static int
copy_data (const char *src, const char *dst, rt_error *err)
{
  int in = open (src, O_RDONLY | O_CLOEXEC), out;
  char buf[65536];
  ssize_t n;

  if (in < 0)
    return rt_fail_errno (err, "reading `%s`", src);
  out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0)
    {
      close (in);
      return rt_fail_errno (err, "creating `%s`", dst);
    }
  while ((n = copy_file_range (in, NULL, out, NULL, 1 << 30, 0)) > 0)
    ;
  if (n < 0) /* another filesystem that cannot: plain copy from where it stopped */
    while ((n = read (in, buf, sizeof buf)) > 0)
      if (write (out, buf, (size_t) n) != n)
        {
          n = -1;
          break;
        }
  close (in);
  if (n < 0 || close (out) < 0)
    return rt_fail_errno (err, "copying `%s` to `%s`", src, dst);
  return 0;
}

/*
 * The extended attributes of `src` on `dst` (security.capability, user.*...),
 * overlay's own and those the kernel refuses here left out.
 */
static int
copy_xattrs (const char *src, const char *dst, rt_error *err)
{
  char names[8192], value[65536];
  ssize_t n = llistxattr (src, names, sizeof names);
  if (n < 0)
    return errno == ENOTSUP || errno == ERANGE ? 0 : rt_fail_errno (err, "listing the xattrs of `%s`", src);
  for (char *name = names; name < names + n; name += strlen (name) + 1)
    {
      if (strncmp (name, "user.overlay.", 13) == 0 || strncmp (name, "trusted.", 8) == 0)
        continue;
      ssize_t len = lgetxattr (src, name, value, sizeof value);
      if (len < 0)
        continue;
      if (lsetxattr (dst, name, value, (size_t) len, 0) < 0 && errno != ENOTSUP && errno != EPERM)
        return rt_fail_errno (err, "setting the xattr %s of `%s`", name, dst);
    }
  return 0;
}

/* Owner, mode, times and xattrs of `dst` as `src`'s (`st`; mode and xattrs after owner: chown clears set-id bits and capabilities). */
static int
copy_meta (const char *src, const char *dst, const struct stat *st, rt_error *err)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  if (lchown (dst, st->st_uid, st->st_gid) < 0)
    return rt_fail_errno (err, "changing the owner of `%s` to %u:%u", dst, st->st_uid, st->st_gid);
  if (S_ISLNK (st->st_mode))
    return 0;
  if (chmod (dst, st->st_mode & 07777) < 0)
    return rt_fail_errno (err, "changing the mode of `%s`", dst);
  if (copy_xattrs (src, dst, err) < 0)
    return -1;
  if (utimensat (AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW) < 0)
    return rt_fail_errno (err, "setting the times of `%s`", dst);
  return 0;
}

static int
copy_entry (const char *src, const char *dst, const struct stat *st, struct links *links, rt_error *err)
{
  if (st->st_nlink > 1)
    {
      for (size_t i = 0; i < links->n; i++)
        if (links->items[i].dev == st->st_dev && links->items[i].ino == st->st_ino)
          return link (links->items[i].path, dst) < 0 ? rt_fail_errno (err, "linking `%s` to `%s`", dst, links->items[i].path) : 0;
      links->items = realloc (links->items, (links->n + 1) * sizeof links->items[0]);
      links->items[links->n].dev = st->st_dev;
      links->items[links->n].ino = st->st_ino;
      links->items[links->n++].path = strdup (dst);
    }
  if (S_ISLNK (st->st_mode))
    {
      char target[4096];
      ssize_t n = readlink (src, target, sizeof target - 1);
      if (n < 0)
        return rt_fail_errno (err, "reading the link `%s`", src);
      target[n] = '\0';
      if (symlink (target, dst) < 0)
        return rt_fail_errno (err, "creating the link `%s`", dst);
    }
  else if (S_ISREG (st->st_mode))
    {
      if (copy_data (src, dst, err) < 0)
        return -1;
    }
  else if (S_ISFIFO (st->st_mode))
    {
      if (mknod (dst, S_IFIFO | 0600, 0) < 0)
        return rt_fail_errno (err, "creating the fifo `%s`", dst);
    }
  else
    return 0; /* sockets, devices: never in layers tspod writes */
  return copy_meta (src, dst, st, err);
}

static int
apply_dir (const char *src, const char *dst, struct links *links, rt_error *err)
{
  DIR *d = opendir (src);
  struct dirent *e;
  int rc = 0;

  if (d == NULL)
    return rt_fail_errno (err, "reading `%s`", src);
  while (rc == 0 && (e = readdir (d)) != NULL)
    {
      char s[4096], t[4096], opaque[2] = "";
      struct stat st, est;
      int existing;

      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      snprintf (s, sizeof s, "%s/%s", src, e->d_name);
      snprintf (t, sizeof t, "%s/%s", dst, e->d_name);
      if (lstat (s, &st) < 0)
        {
          rc = rt_fail_errno (err, "reading `%s`", s);
          break;
        }
      existing = lstat (t, &est) == 0;
      if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
        {
          rc = existing ? remove_tree (t, err) : 0; /* whiteout */
          continue;
        }
      if (S_ISDIR (st.st_mode))
        {
          int is_opaque = lgetxattr (s, OPAQUE_XATTR, opaque, 1) == 1 && opaque[0] == 'y';
          if (existing && (!S_ISDIR (est.st_mode) || is_opaque) && remove_tree (t, err) < 0)
            rc = -1;
          else if ((!existing || !S_ISDIR (est.st_mode) || is_opaque) && mkdir (t, 0700) < 0)
            rc = rt_fail_errno (err, "creating `%s`", t);
          else if (apply_dir (s, t, links, err) < 0 || copy_meta (s, t, &st, err) < 0)
            rc = -1;
          continue;
        }
      if (existing && remove_tree (t, err) < 0)
        rc = -1;
      else
        rc = copy_entry (s, t, &st, links, err);
    }
  closedir (d);
  return rc;
}

int
flatten_layers (char **layers, size_t n, const char *dest, rt_error *err)
{
  if (remove_tree (dest, err) < 0)
    return -1;
  if (mkdir (dest, 0755) < 0)
    return rt_fail_errno (err, "creating `%s`", dest);
  for (size_t i = 0; i < n; i++)
    {
      struct links links = { 0 };
      if (apply_dir (layers[i], dest, &links, err) < 0)
        return -1;
    }
  return 0;
}

int
copy_tree (const char *src, const char *dest, rt_error *err)
{
  struct links links = { 0 };
  struct stat st;

  if (stat (src, &st) < 0)
    return rt_fail_errno (err, "reading `%s`", src);
  if (apply_dir (src, dest, &links, err) < 0)
    return -1;
  return copy_meta (src, dest, &st, err);
}
