/* Test entry points (see test.h). */
#include "test.h"
#include "error.h"
#include "spec.h"
#include "user.h"

#include <stdio.h>
#include <string.h>

static int
test_user (char **argv, rt_error *err)
{
  rt_user u;
  if (user_resolve (argv[3], user_read_file (argv[1]), user_read_file (argv[2]), &u, err) < 0)
    return -1;
  printf ("{\"uid\":%u,\"gid\":%u,\"groups\":[", u.uid, u.gid);
  for (size_t i = 0; i < u.n_groups; i++)
    printf ("%s%u", i ? "," : "", u.groups[i]);
  printf ("],\"home\":\"%s\"}\n", u.home); /* test data: no characters to escape */
  return 0;
}

int
test_main (int argc, char **argv)
{
  rt_error err = { 0 };
  spec s;
  int rc;

  if (strcmp (argv[0], "test-spec") == 0 && argc == 2)
    rc = spec_read (argv[1], &s, &err) < 0 ? -1 : spec_print (&s, &err);
  else if (strcmp (argv[0], "test-user") == 0 && argc == 4)
    rc = test_user (argv, &err);
  else
    rc = rt_fail (&err, "usage: tspod-rt test-spec SPEC.json | test-user PASSWD GROUP USER");
  if (rc < 0)
    {
      rt_print (&err);
      return rt_status (&err);
    }
  return 0;
}
