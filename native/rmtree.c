/* rm -rf (see rmtree.h). */
#define _GNU_SOURCE
#include "rmtree.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static rt_error *failure;

static int
remove_one (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void) st;
  (void) ftw;
  if (type == FTW_DNR)
    {
      /* An unreadable directory (overlay's work/work is mode 000): made readable, it is walked on the next pass. */
      if (chmod (path, 0700) < 0)
        {
          rt_fail_errno (failure, "making `%s` readable to remove it", path);
          return 1;
        }
      return 2;
    }
  if (type == FTW_DP ? rmdir (path) < 0 : unlink (path) < 0)
    {
      if (errno == ENOENT)
        return 0;
      rt_fail_errno (failure, "removing `%s`", path);
      return 1;
    }
  return 0;
}

int
rmtree (const char *path, rt_error *err)
{
  failure = err;
  for (int pass = 0; pass < 4; pass++)
    {
      int r = nftw (path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
      if (r == 0)
        return 0;
      if (r < 0)
        return errno == ENOENT ? 0 : rt_fail_errno (err, "walking `%s` to remove it", path);
      if (r == 1)
        return -1;
      /* r == 2: a directory was made readable; walk again. */
    }
  return rt_fail (err, "removing `%s`: it still has directories that cannot be read", path);
}
