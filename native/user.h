/*
 * The container's user, resolved against its own /etc/passwd and /etc/group
 * with docker's rules (src/runtime/user.ts is the TypeScript twin).
 */
#ifndef TSPOD_USER_H
#define TSPOD_USER_H

#include "error.h"

#include <stddef.h>

typedef struct {
  unsigned uid, gid;
  unsigned *groups; /* gid first, then the supplementary groups; no duplicates */
  size_t n_groups;
  char *home;
} rt_user;

/*
 * docker's `-u` text (`name`, `uid`, `uid:gid`, `name:group`; empty means 0):
 * a numeric uid need not exist in passwd (gid then 0, home /); a name must;
 * supplementary groups come from the group membership of the passwd name
 * when no group is given.
 */
int user_resolve (const char *text, const char *passwd, const char *group, rt_user *out, rt_error *err);

/* process.user as given (uid, gid, additionalGids); home from passwd by uid, else `/`. */
void user_from_ids (unsigned uid, unsigned gid, const unsigned *extra, size_t n_extra, const char *passwd, rt_user *out);

/* The contents of a file, or "" when it cannot be read (an image without /etc/passwd). */
char *user_read_file (const char *path);

#endif
