/* The root filesystem and the spec's mounts (see rootfs.h). */
#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FDPATH(buf, fd) (snprintf ((buf), sizeof (buf), "/proc/self/fd/%d", (fd)), (buf))

enum kind { KIND_NONE, KIND_DIR, KIND_FILE };

static int
open_beneath (int rootfd, const char *path, int flags)
{
  struct open_how how = { .flags = (unsigned long long) (flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  return (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
}

/*
 * An O_PATH fd of `dest` inside the root, symlinks resolved as if the root
 * were `/`. Missing components are made directories; a missing last one is
 * made as `kind` (KIND_NONE: -1 with errno ENOENT). For KIND_FILE a symlink
 * at the last component is replaced by an empty file (an image's
 * /etc/resolv.conf -> ../run/... link, replaced by the bind).
 */
static int
open_in_root (int rootfd, const char *dest, enum kind kind, rt_error *err)
{
  char prefix[4096] = "", *copy = strdup (dest), *save = NULL, *comp, *next;
  int parent = -1, fd = -1;

  if (kind == KIND_NONE)
    {
      free (copy);
      fd = open_beneath (rootfd, dest, O_PATH);
      return fd < 0 && errno != ENOENT ? rt_fail_errno (err, "opening `%s` in the container", dest) : fd;
    }
  parent = fcntl (rootfd, F_DUPFD_CLOEXEC, 0);
  for (comp = strtok_r (copy, "/", &save); comp; comp = next)
    {
      next = strtok_r (NULL, "/", &save);
      if (strlen (prefix) + strlen (comp) + 2 > sizeof prefix)
        return rt_fail (err, "mount point `%s`: path too long", dest);
      strcat (prefix, "/");
      strcat (prefix, comp);
      if (next == NULL && kind == KIND_FILE)
        {
          struct stat st;
          if (fstatat (parent, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode) && unlinkat (parent, comp, 0) < 0)
            return rt_fail_errno (err, "replacing the symlink `%s` in the container", prefix);
          fd = openat (parent, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
          if (fd < 0 && errno == ENOENT)
            {
              fd = openat (parent, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
              if (fd < 0)
                return rt_fail_errno (err, "creating the mount point `%s` in the container", prefix);
              close (fd);
              fd = openat (parent, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            }
          if (fd < 0)
            return rt_fail_errno (err, "opening the mount point `%s` in the container", prefix);
        }
      else
        {
          fd = open_beneath (rootfd, prefix, O_PATH | O_DIRECTORY);
          if (fd < 0 && errno == ENOENT)
            {
              if (mkdirat (parent, comp, 0755) < 0 && errno != EEXIST)
                return rt_fail_errno (err, "creating the mount point `%s` in the container", prefix);
              fd = open_beneath (rootfd, prefix, O_PATH | O_DIRECTORY);
            }
          if (fd < 0)
            return rt_fail_errno (err, "opening the mount point `%s` in the container", prefix);
        }
      close (parent);
      parent = fd;
    }
  free (copy);
  return parent;
}

/* The nosuid/nodev/noexec/ro flags a mount has now: kept by a remount (the kernel locks them in a user namespace). */
static unsigned long
current_flags (int fd)
{
  struct statvfs sv;
  unsigned long f = 0;
  if (fstatvfs (fd, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  return f;
}

/* A bind remount of the mount now at `dest` (re-opened: the fd before the mount names what is under it). */
static int
remount (int rootfd, const char *dest, unsigned long flags, unsigned long clear, rt_error *err)
{
  char buf[64];
  int fd = rootfd >= 0 ? open_beneath (rootfd, dest, O_PATH) : open (dest, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return rt_fail_errno (err, "opening `%s` to remount it", dest);
  unsigned long keep = current_flags (fd) & ~clear;
  if (mount (NULL, FDPATH (buf, fd), NULL, MS_BIND | MS_REMOUNT | flags | keep, NULL) < 0)
    {
      int e = errno;
      close (fd);
      errno = e;
      return rt_fail_errno (err, "remounting `%s`%s", dest, (flags & MS_RDONLY) ? " read-only" : "");
    }
  close (fd);
  return 0;
}

/* Removes `opt=...` from a comma-separated option string, in place. */
static void
drop_option (char *data, const char *opt)
{
  size_t olen = strlen (opt);
  char *p = data;
  while (p && *p)
    {
      char *end = strchrnul (p, ',');
      if (strncmp (p, opt, olen) == 0)
        {
          memmove (p, *end ? end + 1 : end, strlen (*end ? end + 1 : end) + 1);
          size_t n = strlen (data);
          if (n && data[n - 1] == ',')
            data[n - 1] = '\0';
          continue;
        }
      p = *end ? end + 1 : NULL;
    }
}

static int
do_mount (int rootfd, const spec_mount *m, rt_error *err)
{
  const int bind = (m->flags & MS_BIND) != 0;
  enum kind kind = KIND_DIR;
  char buf[64];
  struct stat st;
  int fd, rc;

  if (bind)
    {
      if (stat (m->source, &st) < 0)
        return rt_fail_errno (err, "bind mount source `%s`", m->source);
      kind = S_ISDIR (st.st_mode) ? KIND_DIR : KIND_FILE;
    }
  fd = open_in_root (rootfd, m->destination, kind, err);
  if (fd < 0)
    return -1;
  FDPATH (buf, fd);
  if (bind)
    rc = mount (m->source, buf, NULL, MS_BIND | (m->flags & MS_REC), NULL);
  else
    {
      const char *source = m->source ? m->source : m->type;
      rc = mount (source, buf, m->type, m->flags, m->data);
      if (rc < 0 && strcmp (m->type, "devpts") == 0 && m->data && strstr (m->data, "gid="))
        {
          /* no group 5 (tty) mapped in this user namespace: devpts without gid= */
          char *data = strdup (m->data);
          drop_option (data, "gid=");
          rc = mount (source, buf, m->type, m->flags, data);
        }
      if (rc < 0 && strcmp (m->type, "mqueue") == 0)
        {
          close (fd);
          return 0; /* optional: some hosts refuse it in a user namespace */
        }
      if (rc < 0 && (strcmp (m->type, "sysfs") == 0 || strncmp (m->type, "cgroup", 6) == 0))
        {
          /* No network namespace of our own (host network), or no cgroup delegation: the host's, read-only. */
          const char *host = strcmp (m->type, "sysfs") == 0 ? "/sys" : "/sys/fs/cgroup";
          rc = mount (host, buf, NULL, MS_BIND | MS_REC, NULL);
          if (rc == 0)
            {
              close (fd);
              return remount (rootfd, m->destination, MS_RDONLY | (m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)), 0, err);
            }
        }
    }
  if (rc < 0)
    {
      rt_fail_errno (err, "mounting %s `%s` at `%s`", m->type, m->source ? m->source : m->type, m->destination);
      close (fd);
      return -1;
    }
  close (fd);
  if (bind && (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) && remount (rootfd, m->destination, m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT), m->clear, err) < 0)
    return -1;
  if (m->propagation)
    {
      fd = open_beneath (rootfd, m->destination, O_PATH);
      if (fd < 0 || mount (NULL, FDPATH (buf, fd), NULL, m->propagation, NULL) < 0)
        return rt_fail_errno (err, "setting the propagation of `%s`", m->destination);
      close (fd);
    }
  return 0;
}

/* /dev's standard links, as runc makes them when it sets up /dev; entries the spec made are kept. */
static int
dev_symlinks (int rootfd, rt_error *err)
{
  static const char *const links[][2] = {
    { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" }, { "/proc/kcore", "core" },
  };
  int dev = open_beneath (rootfd, "/dev", O_PATH | O_DIRECTORY);
  if (dev < 0)
    return rt_fail_errno (err, "opening `/dev` in the container");
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    {
      if (strcmp (links[i][1], "core") == 0 && access ("/proc/kcore", F_OK) < 0)
        continue;
      if (symlinkat (links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
        return rt_fail_errno (err, "linking `/dev/%s` in the container", links[i][1]);
    }
  close (dev);
  return 0;
}

/* --- root.path --- */

static int
overlay_data (const spec_rootfs *r, int userxattr, char **out)
{
  size_t cap = strlen (r->upper) + strlen (r->work) + 64;
  for (size_t i = 0; i < r->lowers.n; i++)
    cap += strlen (r->lowers.items[i]) + 1;
  char *d = *out = malloc (cap);
  strcpy (d, "lowerdir=");
  for (size_t i = 0; i < r->lowers.n; i++)
    {
      if (i)
        strcat (d, ":");
      strcat (d, r->lowers.items[i]);
    }
  strcat (d, ",upperdir=");
  strcat (d, r->upper);
  strcat (d, ",workdir=");
  strcat (d, r->work);
  if (userxattr)
    strcat (d, ",userxattr");
  return 0;
}

static int
mount_overlay (const spec *s, rt_error *err)
{
  char *data;
  overlay_data (s->rootfs, 1, &data);
  /* short relative lowers keep the options within a page */
  if (chdir (s->rootfs->cwd) < 0)
    return rt_fail_errno (err, "changing to `%s`", s->rootfs->cwd);
  int rc = mount ("overlay", s->root_path, "overlay", 0, data);
  int e = errno;
  chdir ("/");
  errno = e;
  return rc < 0 ? rt_fail_errno (err, "mounting overlay at `%s`", s->root_path) : 0;
}

static int
mount_fuse (const spec *s, rt_error *err)
{
  char *data, msg[400] = "";
  int pipefd[2], status;
  pid_t pid;

  overlay_data (s->rootfs, 0, &data);
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return rt_fail_errno (err, "creating a pipe for fuse-overlayfs");
  pid = fork ();
  if (pid < 0)
    return rt_fail_errno (err, "starting fuse-overlayfs");
  if (pid == 0)
    {
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (chdir (s->rootfs->cwd) < 0 || null < 0 || dup2 (null, 0) < 0 || dup2 (null, 1) < 0 || dup2 (pipefd[1], 2) < 0)
        _exit (125);
      execlp ("fuse-overlayfs", "fuse-overlayfs", "-o", data, s->root_path, (char *) NULL);
      dprintf (2, "running `fuse-overlayfs`: %s", strerror (errno));
      _exit (127);
    }
  close (pipefd[1]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return rt_fail_errno (err, "waiting for fuse-overlayfs");
  fcntl (pipefd[0], F_SETFL, O_NONBLOCK);
  ssize_t n = read (pipefd[0], msg, sizeof msg - 1);
  close (pipefd[0]);
  msg[n > 0 ? n : 0] = '\0';
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    msg[--n] = '\0';
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return rt_fail (err, "mounting fuse-overlayfs at `%s`: %s", s->root_path, msg[0] ? msg : "it failed");
  /*
   * pivot_root moves every process of the mount namespace whose root is the
   * old root, the daemon too: it would then walk its own mount for the
   * paths it uses and hang. The container goes on in a copy of the
   * namespace; the daemon stays behind in this one, its root untouched.
   */
  if (unshare (CLONE_NEWNS) < 0)
    return rt_fail_errno (err, "creating the container's mount namespace beside fuse-overlayfs");
  return 0;
}

/* The copy is made once per container, beside its upper dir, and kept across restarts. */
static int
mount_copy (const spec *s, rt_error *err)
{
  char *up = strdup (s->rootfs->upper), *dir = dirname (up), rootfs[4096], done[4096];
  size_t n = s->rootfs->lowers.n;
  char **layers = calloc (n + 1, sizeof (char *));
  struct stat st;

  snprintf (rootfs, sizeof rootfs, "%s/rootfs", dir);
  snprintf (done, sizeof done, "%s/rootfs.complete", dir);
  if (stat (done, &st) < 0)
    {
      for (size_t i = 0; i < n; i++)
        {
          const char *l = s->rootfs->lowers.items[n - 1 - i]; /* base first */
          layers[i] = malloc (strlen (s->rootfs->cwd) + strlen (l) + 2);
          if (l[0] == '/')
            strcpy (layers[i], l);
          else
            sprintf (layers[i], "%s/%s", s->rootfs->cwd, l);
        }
      if (flatten_layers (layers, n, rootfs, err) < 0)
        return -1;
      int fd = open (done, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0)
        return rt_fail_errno (err, "creating `%s`", done);
      close (fd);
    }
  if (mount (rootfs, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return rt_fail_errno (err, "binding `%s` at `%s`", rootfs, s->root_path);
  return 0;
}

static int
mount_root (const spec *s, rt_error *err)
{
  char all[2048] = "";
  rt_error one;

  if (s->rootfs == NULL)
    {
      /* pivot_root needs a mount point */
      if (mount (s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return rt_fail_errno (err, "binding the root `%s` onto itself", s->root_path);
      return 0;
    }
  for (size_t i = 0; i < s->rootfs->backends.n; i++)
    {
      const char *b = s->rootfs->backends.items[i];
      memset (&one, 0, sizeof one);
      errno = 0;
      int rc = strcmp (b, "overlay") == 0 ? mount_overlay (s, &one) : strcmp (b, "fuse-overlayfs") == 0 ? mount_fuse (s, &one) : mount_copy (s, &one);
      if (rc == 0)
        return 0;
      snprintf (all + strlen (all), sizeof all - strlen (all), "%s%s", all[0] ? "; " : "", one.msg);
    }
  return rt_fail (err, "mounting the container's root filesystem: %s", all);
}

/* `/` made rslave (nothing mounted here propagates back to the host's namespace: runc's default), root.path mounted; its fd. */
static int
mount_root_open (const spec *s, rt_error *err)
{
  int rootfd;
  if (mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return rt_fail_errno (err, "making `/` a slave mount");
  if (mount_root (s, err) < 0)
    return -1;
  rootfd = open (s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return rt_fail_errno (err, "opening the root `%s`", s->root_path);
  return rootfd;
}

int
rootfs_prepare (const spec *s, rt_error *err)
{
  int rootfd, has_dev = 0;

  if ((rootfd = mount_root_open (s, err)) < 0)
    return -1;
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      if (copy_up (s, rootfd, &s->mounts[i], err) < 0 || chown_volume (s, &s->mounts[i], err) < 0 || do_mount (rootfd, &s->mounts[i], err) < 0)
        return -1;
      has_dev |= strcmp (s->mounts[i].destination, "/dev") == 0;
    }
  if (has_dev && dev_symlinks (rootfd, err) < 0)
    return -1;
  close (rootfd);
  return 0;
}

int
rootfs_prepare_root (const spec *s, rt_error *err)
{
  int rootfd = mount_root_open (s, err);

  if (rootfd < 0)
    return -1;
  for (size_t i = 0; i < s->n_mounts; i++)
    if (copy_up (s, rootfd, &s->mounts[i], err) < 0 || chown_volume (s, &s->mounts[i], err) < 0)
      return -1;
  close (rootfd);
  return 0;
}

int
rootfs_enter (const spec *s, rt_error *err)
{
  if (chdir (s->root_path) < 0)
    return rt_fail_errno (err, "changing to the root `%s`", s->root_path);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return rt_fail_errno (err, "pivot_root into `%s`", s->root_path);
  /* The old root is stacked under the new one: detach it without telling the host. */
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return rt_fail_errno (err, "making the old root a slave mount");
  if (umount2 (".", MNT_DETACH) < 0)
    return rt_fail_errno (err, "detaching the old root");
  if (chdir ("/") < 0)
    return rt_fail_errno (err, "changing to `/`");
  return 0;
}

int
rootfs_finish (const spec *s, rt_error *err)
{
  struct stat st;

  for (size_t i = 0; i < s->masked_paths.n; i++)
    {
      const char *p = s->masked_paths.items[i];
      if (stat (p, &st) < 0)
        continue; /* not on this kernel */
      int rc = S_ISDIR (st.st_mode) ? mount ("tmpfs", p, "tmpfs", MS_RDONLY, NULL) : mount ("/dev/null", p, NULL, MS_BIND, NULL);
      if (rc < 0)
        return rt_fail_errno (err, "masking `%s`", p);
    }
  for (size_t i = 0; i < s->readonly_paths.n; i++)
    {
      const char *p = s->readonly_paths.items[i];
      if (stat (p, &st) < 0)
        continue;
      if (mount (p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
        return rt_fail_errno (err, "binding `%s` onto itself", p);
      if (remount (-1, p, MS_RDONLY, 0, err) < 0)
        return -1;
    }
  if (s->root_readonly && remount (-1, "/", MS_RDONLY, 0, err) < 0)
    return -1;
  return 0;
}
