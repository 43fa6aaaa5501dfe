/*
 * oci: runs an installed OCI runtime (runc, crun) on a container of tspod.
 *
 *   tspod-rt oci [--mount] SPEC.json RUNTIME ARG...
 *
 * SPEC is the spec tspod's own runtime takes (it names the per-user user
 * namespace and the root filesystem's layers); the runtime gets a bundle
 * written beside it without the user namespace. This process joins that user
 * namespace, where the user is root and the runtime runs as it would for
 * root (with its rootless cgroup manager), and with --mount (for `create`) makes a mount
 * namespace with root.path mounted from the layers and the volumes copied
 * up, which the container's own mount namespace is then made from. Then it
 * becomes `RUNTIME ARG...`. Its stdio are passed on as they are.
 */
#define _GNU_SOURCE
#include "oci.h"
#include "error.h"
#include "rootfs.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
oci_main (int argc, char **argv)
{
  rt_error err = { 0 };
  const spec_namespace *user;
  spec s;
  int fd, mount_root = argc > 1 && strcmp (argv[1], "--mount") == 0;

  argc -= mount_root;
  argv += mount_root;
  if (argc < 4)
    {
      rt_fail (&err, "usage: tspod-rt oci [--mount] SPEC.json RUNTIME ARG...");
      goto failed;
    }
  if (spec_read (argv[1], &s, &err) < 0)
    goto failed;
  user = spec_namespace_of (&s, CLONE_NEWUSER);
  if (user && user->path)
    {
      if ((fd = open (user->path, O_RDONLY | O_CLOEXEC)) < 0)
        {
          rt_fail_errno (&err, "opening the user namespace `%s`", user->path);
          goto failed;
        }
      if (setns (fd, CLONE_NEWUSER) < 0)
        {
          rt_fail_errno (&err, "joining the user namespace `%s`", user->path);
          goto failed;
        }
      close (fd);
    }
  if (mount_root)
    {
      if (unshare (CLONE_NEWNS) < 0)
        {
          rt_fail_errno (&err, "creating a mount namespace for `%s`", argv[2]);
          goto failed;
        }
      if (rootfs_prepare_root (&s, &err) < 0)
        goto failed;
    }
  execvp (argv[2], argv + 2);
  rt_fail_errno (&err, "starting the OCI runtime `%s`", argv[2]);

failed:
  rt_print (&err);
  return 125;
}
