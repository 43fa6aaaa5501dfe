/* Capabilities, the user switch, no_new_privs and seccomp (see confine.h). */
#define _GNU_SOURCE
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int
confine_rlimits (const spec *s, rt_error *err)
{
  for (size_t i = 0; i < s->n_rlimits; i++)
    {
      struct rlimit r = { .rlim_cur = s->rlimits[i].soft, .rlim_max = s->rlimits[i].hard };
      if (setrlimit (s->rlimits[i].resource, &r) < 0)
        return rt_fail_errno (err, "setting resource limit %d to %llu:%llu", s->rlimits[i].resource,
                              (unsigned long long) r.rlim_cur, (unsigned long long) r.rlim_max);
    }
  return 0;
}

/* The id ranges of a uid_map or gid_map: inner start and count per line. */
static int
read_map (const char *file, unsigned long (*ranges)[2], int max)
{
  char *text = user_read_file (file), *save = NULL;
  int n = 0;
  for (char *line = strtok_r (text, "\n", &save); line && n < max; line = strtok_r (NULL, "\n", &save))
    {
      unsigned long inner, outer, count;
      if (sscanf (line, "%lu %lu %lu", &inner, &outer, &count) == 3)
        {
          ranges[n][0] = inner;
          ranges[n][1] = count;
          n++;
        }
    }
  free (text);
  return n;
}

static int
in_map (unsigned long (*ranges)[2], int n, unsigned id)
{
  for (int i = 0; i < n; i++)
    if (id >= ranges[i][0] && id - ranges[i][0] < ranges[i][1])
      return 1;
  return 0;
}

static unsigned long
map_size (unsigned long (*ranges)[2], int n)
{
  unsigned long total = 0;
  for (int i = 0; i < n; i++)
    total += ranges[i][1];
  return total;
}

int
confine_check_user (rt_user *u, rt_error *err)
{
  unsigned long uids[340][2], gids[340][2];
  int nu = read_map ("/proc/self/uid_map", uids, 340), ng = read_map ("/proc/self/gid_map", gids, 340);
  size_t kept = 0;

  if (nu == 0 || ng == 0)
    return rt_fail (err, "reading `/proc/self/uid_map` and `/proc/self/gid_map`: no id map");
  if (!in_map (uids, nu, u->uid))
    return rt_fail (err,
                    "uid %u is not mapped in the user namespace: only ids 0..%lu exist (add a range for your user to "
                    "/etc/subuid and /etc/subgid)",
                    u->uid, map_size (uids, nu) - 1);
  if (!in_map (gids, ng, u->gid))
    return rt_fail (err,
                    "gid %u is not mapped in the user namespace: only ids 0..%lu exist (add a range for your user to "
                    "/etc/subuid and /etc/subgid)",
                    u->gid, map_size (gids, ng) - 1);
  for (size_t i = 0; i < u->n_groups; i++)
    if (in_map (gids, ng, u->groups[i]))
      u->groups[kept++] = u->groups[i];
  u->n_groups = kept;
  return 0;
}

/* setgroups(2) is allowed unless /proc/self/setgroups says deny (the single-id map). */
static int
setgroups_allowed (void)
{
  char *text = user_read_file ("/proc/self/setgroups");
  int deny = strncmp (text, "deny", 4) == 0;
  free (text);
  return !deny;
}

static int
last_cap (void)
{
  char *text = user_read_file ("/proc/sys/kernel/cap_last_cap");
  int last = text[0] ? atoi (text) : CAP_LAST_CAP;
  free (text);
  return last;
}

/* --- seccomp --- */

static uint32_t
scmp_action (int act, int errno_ret)
{
  switch (act)
    {
    case SC_KILL:
    case SC_KILL_THREAD:
      return SCMP_ACT_KILL_THREAD;
    case SC_KILL_PROCESS:
      return SCMP_ACT_KILL_PROCESS;
    case SC_TRAP:
      return SCMP_ACT_TRAP;
    case SC_ERRNO:
      return SCMP_ACT_ERRNO (errno_ret >= 0 ? (uint32_t) errno_ret : EPERM);
    case SC_TRACE:
      return SCMP_ACT_TRACE (errno_ret >= 0 ? (uint32_t) errno_ret : EPERM);
    case SC_LOG:
      return SCMP_ACT_LOG;
    default:
      return SCMP_ACT_ALLOW;
    }
}

static const enum scmp_compare scmp_ops[] = {
  [SC_OP_NE] = SCMP_CMP_NE, [SC_OP_LT] = SCMP_CMP_LT, [SC_OP_LE] = SCMP_CMP_LE,
  [SC_OP_EQ] = SCMP_CMP_EQ, [SC_OP_GE] = SCMP_CMP_GE, [SC_OP_GT] = SCMP_CMP_GT,
  [SC_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* Adds one spec rule for syscall nr: one libseccomp rule, or one per condition when an argument repeats (runc's way). */
static int
add_rule (scmp_filter_ctx ctx, const spec_seccomp_rule *r, uint32_t act, int nr, const char *name, rt_error *err)
{
  struct scmp_arg_cmp cmp[6];
  int repeats = 0, rc = 0;

  for (size_t i = 0; i < r->n_args && i < 6; i++)
    {
      cmp[i] = (struct scmp_arg_cmp) { .arg = r->args[i].index, .op = scmp_ops[r->args[i].op], .datum_a = r->args[i].value,
                                       .datum_b = r->args[i].value_two };
      for (size_t k = 0; k < i; k++)
        repeats |= r->args[k].index == r->args[i].index;
    }
  if (r->n_args > 6)
    return rt_fail (err, "adding the seccomp rule for `%s`: more than 6 argument conditions", name);
  if (!repeats)
    rc = seccomp_rule_add_array (ctx, act, nr, (unsigned) r->n_args, cmp);
  else
    for (size_t i = 0; i < r->n_args && rc == 0; i++)
      rc = seccomp_rule_add_array (ctx, act, nr, 1, &cmp[i]);
  if (rc < 0)
    {
      errno = -rc;
      return rt_fail_errno (err, "adding the seccomp rule for `%s`", name);
    }
  return 0;
}

/* Builds the filter of linux.seccomp; the caller loads it. */
static int
build_filter (const spec_seccomp *sc, scmp_filter_ctx *out, rt_error *err)
{
  uint32_t def = scmp_action (sc->default_action, sc->default_errno);
  scmp_filter_ctx ctx = seccomp_init (def);

  if (ctx == NULL)
    return rt_fail (err, "creating the seccomp filter: libseccomp refused the default action");
  /* no_new_privs is the spec's to decide, not libseccomp's */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  for (size_t i = 0; i < sc->architectures.n; i++)
    {
      const char *name = sc->architectures.items[i];
      char lower[32];
      size_t k;
      if (strncmp (name, "SCMP_ARCH_", 10) == 0)
        name += 10;
      for (k = 0; name[k] && k < sizeof lower - 1; k++)
        lower[k] = (char) (name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
      lower[k] = '\0';
      uint32_t arch = seccomp_arch_resolve_name (lower);
      if (arch == 0)
        return rt_fail (err, "creating the seccomp filter: unknown architecture `%s`", sc->architectures.items[i]);
      int rc = seccomp_arch_add (ctx, arch);
      if (rc < 0 && rc != -EEXIST)
        {
          errno = -rc;
          return rt_fail_errno (err, "adding architecture `%s` to the seccomp filter", sc->architectures.items[i]);
        }
    }
  for (size_t i = 0; i < sc->flags.n; i++)
    {
      const char *f = sc->flags.items[i];
      int attr = strcmp (f, "SECCOMP_FILTER_FLAG_LOG") == 0          ? SCMP_FLTATR_CTL_LOG
                 : strcmp (f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0 ? SCMP_FLTATR_CTL_SSB
                 : strcmp (f, "SECCOMP_FILTER_FLAG_TSYNC") == 0      ? SCMP_FLTATR_CTL_TSYNC
                                                                     : -1;
      if (attr < 0)
        return rt_fail (err, "creating the seccomp filter: unknown flag `%s`", f);
      seccomp_attr_set (ctx, (enum scmp_filter_attr) attr, 1);
    }
  for (size_t i = 0; i < sc->n_rules; i++)
    {
      const spec_seccomp_rule *r = &sc->rules[i];
      uint32_t act = scmp_action (r->action, r->errno_ret);
      if (act == def)
        continue; /* libseccomp refuses rules that repeat the default */
      for (size_t k = 0; k < r->names.n; k++)
        {
          int nr = seccomp_syscall_resolve_name (r->names.items[k]);
          if (nr == __NR_SCMP_ERROR)
            continue; /* not a syscall of this architecture or libseccomp: as runc, skipped */
          if (add_rule (ctx, r, act, nr, r->names.items[k], err) < 0)
            return -1;
        }
    }
  *out = ctx;
  return 0;
}

static int
load_seccomp (const spec *s, rt_error *err)
{
  scmp_filter_ctx ctx = NULL;
  int rc;
  if (build_filter (s->seccomp, &ctx, err) < 0)
    return -1;
  rc = seccomp_load (ctx);
  if (rc < 0)
    {
      errno = -rc;
      return rt_fail_errno (err, "loading the seccomp filter");
    }
  seccomp_release (ctx);
  return 0;
}

/* --- capabilities --- */

static int
drop_bounding (uint64_t keep, int last, rt_error *err)
{
  for (int cap = 0; cap <= last; cap++)
    if (!(cap < 64 && (keep & (1ULL << cap))) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return rt_fail_errno (err, "dropping `%s` from the bounding set", spec_cap_name (cap) ? spec_cap_name (cap) : "?");
  return 0;
}

static int
set_caps (const spec_caps *c, int last, rt_error *err)
{
  uint64_t all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
  uint64_t eff = c->effective & all, perm = c->permitted & all, inh = c->inheritable & all;
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2] = {
    { .effective = (uint32_t) eff, .permitted = (uint32_t) perm, .inheritable = (uint32_t) inh },
    { .effective = (uint32_t) (eff >> 32), .permitted = (uint32_t) (perm >> 32), .inheritable = (uint32_t) (inh >> 32) },
  };

  if (syscall (SYS_capset, &hdr, data) < 0)
    return rt_fail_errno (err, "setting the capabilities (capset)");
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return rt_fail_errno (err, "clearing the ambient capabilities");
  for (int cap = 0; cap <= last && cap < 64; cap++)
    if ((c->ambient & (1ULL << cap)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return rt_fail_errno (err, "raising the ambient capability `%s`", spec_cap_name (cap));
  return 0;
}

static int
switch_user (const rt_user *u, int groups_ok, rt_error *err)
{
  if (groups_ok && setgroups (u->n_groups, u->groups) < 0)
    return rt_fail_errno (err, "setting the supplementary groups of uid %u", u->uid);
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return rt_fail_errno (err, "switching to gid %u", u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return rt_fail_errno (err, "switching to uid %u", u->uid);
  return 0;
}

int
confine_apply (const spec *s, const rt_user *u, rt_error *err)
{
  int last = last_cap ();
  int groups_ok = setgroups_allowed (); /* read before the filter is loaded */

  if (s->seccomp && !s->no_new_privileges && load_seccomp (s, err) < 0)
    return -1;
  if (s->has_caps && drop_bounding (s->caps.bounding, last, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return rt_fail_errno (err, "keeping the capabilities across the user switch");
  if (switch_user (u, groups_ok, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return rt_fail_errno (err, "clearing keep-capabilities");
  if (s->has_caps && set_caps (&s->caps, last, err) < 0)
    return -1;
  /* The credential change cleared it: the process dies with its parent, so never outlives the monitor. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return rt_fail_errno (err, "asking to die with the parent");
  if (s->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return rt_fail_errno (err, "setting no_new_privs");
  if (s->seccomp && s->no_new_privileges && load_seccomp (s, err) < 0)
    return -1;
  return 0;
}
