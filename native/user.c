/* Resolving the container's user (see user.h). */
#define _GNU_SOURCE
#include "user.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
user_read_file (const char *path)
{
  size_t cap = 4096, len = 0;
  char *buf = malloc (cap);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  buf[0] = '\0';
  if (fd < 0)
    return buf;
  while ((n = read (fd, buf + len, cap - len - 1)) > 0)
    {
      len += (size_t) n;
      if (len + 1 == cap)
        buf = realloc (buf, cap *= 2);
    }
  buf[len] = '\0';
  close (fd);
  return buf;
}

/* A decimal id: digits only, at most 2^32-2. */
static int
parse_id (const char *s, size_t len, unsigned *out)
{
  uint64_t v = 0;
  if (len == 0 || len > 10)
    return -1;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -1;
      v = v * 10 + (uint64_t) (s[i] - '0');
    }
  if (v > UINT32_MAX - 1)
    return -1;
  *out = (unsigned) v;
  return 0;
}

/* Splits one line of a colon-separated file in place; returns the number of fields. */
static int
fields (char *line, char **f, int max)
{
  int n = 0;
  f[n++] = line;
  for (char *p = line; *p && n < max; p++)
    if (*p == ':')
      {
        *p = '\0';
        f[n++] = p + 1;
      }
  return n;
}

struct pw
{
  char name[256];
  unsigned uid, gid;
  char home[1024];
};

/* The first passwd entry whose name (by_name) or uid matches. */
static int
find_passwd (const char *text, const char *name, int by_name, unsigned uid, struct pw *out)
{
  char *copy = strdup (text), *save = NULL;
  int found = 0;

  for (char *line = strtok_r (copy, "\n", &save); line && !found; line = strtok_r (NULL, "\n", &save))
    {
      char *f[8];
      unsigned u, g;
      if (fields (line, f, 8) < 6 || f[0][0] == '\0' || f[0][0] == '#')
        continue;
      if (parse_id (f[2], strlen (f[2]), &u) < 0 || parse_id (f[3], strlen (f[3]), &g) < 0)
        continue;
      if (by_name ? strcmp (f[0], name) != 0 : u != uid)
        continue;
      snprintf (out->name, sizeof out->name, "%s", f[0]);
      snprintf (out->home, sizeof out->home, "%s", f[5]);
      out->uid = u;
      out->gid = g;
      found = 1;
    }
  free (copy);
  return found;
}

static void
add_group (rt_user *u, unsigned gid)
{
  for (size_t i = 0; i < u->n_groups; i++)
    if (u->groups[i] == gid)
      return;
  u->groups = realloc (u->groups, (u->n_groups + 1) * sizeof (unsigned));
  u->groups[u->n_groups++] = gid;
}

/*
 * Walks group lines: with `name`, returns the gid of the group so named in
 * *gid (1 if found); with `member`, adds every group listing it to u.
 */
static int
scan_groups (const char *text, const char *name, unsigned *gid, const char *member, rt_user *u)
{
  char *copy = strdup (text), *save = NULL;
  int found = 0;

  for (char *line = strtok_r (copy, "\n", &save); line && !found; line = strtok_r (NULL, "\n", &save))
    {
      char *f[5], *msave = NULL;
      unsigned g;
      int n = fields (line, f, 5);
      if (n < 3 || f[0][0] == '\0' || f[0][0] == '#' || parse_id (f[2], strlen (f[2]), &g) < 0)
        continue;
      if (name && strcmp (f[0], name) == 0)
        {
          *gid = g;
          found = 1;
        }
      if (member && n >= 4)
        for (char *m = strtok_r (f[3], ",", &msave); m; m = strtok_r (NULL, ",", &msave))
          if (strcmp (m, member) == 0)
            add_group (u, g);
    }
  free (copy);
  return found;
}

int
user_resolve (const char *text, const char *passwd, const char *group, rt_user *out, rt_error *err)
{
  const char *spec = text && text[0] ? text : "0";
  const char *colon = strchr (spec, ':');
  size_t ulen = colon ? (size_t) (colon - spec) : strlen (spec);
  char user[256], grp[256] = "";
  unsigned num;
  struct pw pw;
  int numeric, found;

  memset (out, 0, sizeof *out);
  if (ulen >= sizeof user || (colon && strlen (colon + 1) >= sizeof grp))
    return rt_fail (err, "user `%s`: too long", spec);
  memcpy (user, spec, ulen);
  user[ulen] = '\0';
  if (colon)
    {
      /* "a:b:c" is "a" and "b", as JavaScript's split(':', 2) and docker's parser */
      const char *end = strchr (colon + 1, ':');
      size_t glen = end ? (size_t) (end - colon - 1) : strlen (colon + 1);
      memcpy (grp, colon + 1, glen);
      grp[glen] = '\0';
    }
  numeric = parse_id (user, ulen, &num) == 0;
  found = find_passwd (passwd, user, !numeric, numeric ? num : 0, &pw);
  if (!found && !numeric)
    return rt_fail (err, "unable to find user %s: no matching entries in passwd file", user);
  out->uid = numeric ? num : pw.uid;
  out->gid = found ? pw.gid : 0;
  if (grp[0])
    {
      if (parse_id (grp, strlen (grp), &num) == 0)
        out->gid = num;
      else if (!scan_groups (group, grp, &out->gid, NULL, out))
        return rt_fail (err, "unable to find group %s: no matching entries in group file", grp);
    }
  add_group (out, out->gid);
  if (!colon && found)
    scan_groups (group, NULL, NULL, pw.name, out);
  out->home = strdup (found && pw.home[0] ? pw.home : "/");
  return 0;
}

void
user_from_ids (unsigned uid, unsigned gid, const unsigned *extra, size_t n_extra, const char *passwd, rt_user *out)
{
  struct pw pw;
  memset (out, 0, sizeof *out);
  out->uid = uid;
  out->gid = gid;
  add_group (out, gid);
  for (size_t i = 0; i < n_extra; i++)
    add_group (out, extra[i]);
  out->home = strdup (find_passwd (passwd, NULL, 0, uid, &pw) && pw.home[0] ? pw.home : "/");
}
