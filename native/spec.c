/*
 * Reading the OCI runtime spec (see spec.h and docs/runtime.md) with jansson,
 * linked statically: a small, well-kept JSON library Debian ships as a static
 * archive. Every field is checked once here, so the jobs work on plain structs.
 */
#define _GNU_SOURCE
#include "spec.h"

#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

static const char *const cap_names[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define N_CAPS ((int) (sizeof cap_names / sizeof cap_names[0]))

struct name_value
{
  const char *name;
  long value;
};

static const struct name_value namespaces[] = {
  { "user", CLONE_NEWUSER }, { "mount", CLONE_NEWNS }, { "pid", CLONE_NEWPID }, { "uts", CLONE_NEWUTS },
  { "ipc", CLONE_NEWIPC }, { "network", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP }, { NULL, 0 },
};

static const struct name_value rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK }, { NULL, 0 },
};

static const struct name_value seccomp_actions[] = {
  { "SCMP_ACT_KILL", SC_KILL }, { "SCMP_ACT_KILL_PROCESS", SC_KILL_PROCESS }, { "SCMP_ACT_KILL_THREAD", SC_KILL_THREAD },
  { "SCMP_ACT_TRAP", SC_TRAP }, { "SCMP_ACT_ERRNO", SC_ERRNO }, { "SCMP_ACT_TRACE", SC_TRACE },
  { "SCMP_ACT_ALLOW", SC_ALLOW }, { "SCMP_ACT_LOG", SC_LOG }, { NULL, 0 },
};

static const struct name_value seccomp_ops[] = {
  { "SCMP_CMP_NE", SC_OP_NE }, { "SCMP_CMP_LT", SC_OP_LT }, { "SCMP_CMP_LE", SC_OP_LE }, { "SCMP_CMP_EQ", SC_OP_EQ },
  { "SCMP_CMP_GE", SC_OP_GE }, { "SCMP_CMP_GT", SC_OP_GT }, { "SCMP_CMP_MASKED_EQ", SC_OP_MASKED_EQ }, { NULL, 0 },
};

/* Mount options that are flags: set (or, with clear, turned off). runc's table. */
static const struct
{
  const char *name;
  unsigned long flag;
  int clear;
} mount_flags[] = {
  { "async", MS_SYNCHRONOUS, 1 }, { "atime", MS_NOATIME, 1 }, { "bind", MS_BIND, 0 }, { "defaults", 0, 0 },
  { "dev", MS_NODEV, 1 }, { "diratime", MS_NODIRATIME, 1 }, { "dirsync", MS_DIRSYNC, 0 }, { "exec", MS_NOEXEC, 1 },
  { "iversion", MS_I_VERSION, 0 }, { "lazytime", MS_LAZYTIME, 0 }, { "loud", MS_SILENT, 1 }, { "mand", MS_MANDLOCK, 0 },
  { "noatime", MS_NOATIME, 0 }, { "nodev", MS_NODEV, 0 }, { "nodiratime", MS_NODIRATIME, 0 },
  { "noexec", MS_NOEXEC, 0 }, { "noiversion", MS_I_VERSION, 1 }, { "nolazytime", MS_LAZYTIME, 1 },
  { "nomand", MS_MANDLOCK, 1 }, { "norelatime", MS_RELATIME, 1 }, { "nostrictatime", MS_STRICTATIME, 1 },
  { "nosuid", MS_NOSUID, 0 }, { "rbind", MS_BIND | MS_REC, 0 }, { "relatime", MS_RELATIME, 0 },
  { "remount", MS_REMOUNT, 0 }, { "ro", MS_RDONLY, 0 }, { "rw", MS_RDONLY, 1 }, { "silent", MS_SILENT, 0 },
  { "strictatime", MS_STRICTATIME, 0 }, { "suid", MS_NOSUID, 1 }, { "sync", MS_SYNCHRONOUS, 0 },
  { "private", MS_PRIVATE, 2 }, { "rprivate", MS_PRIVATE | MS_REC, 2 }, { "shared", MS_SHARED, 2 },
  { "rshared", MS_SHARED | MS_REC, 2 }, { "slave", MS_SLAVE, 2 }, { "rslave", MS_SLAVE | MS_REC, 2 },
  { "unbindable", MS_UNBINDABLE, 2 }, { "runbindable", MS_UNBINDABLE | MS_REC, 2 },
  /* crun's copy-up hints: meaningless here, never data for mount(2) */
  { "tmpcopyup", 0, 0 }, { "notmpcopyup", 0, 0 },
};

static long
lookup (const struct name_value *table, const char *name)
{
  for (; table->name; table++)
    if (strcmp (table->name, name) == 0)
      return table->value;
  return -1;
}

static const char *
name_of (const struct name_value *table, long value)
{
  for (; table->name; table++)
    if (table->value == value)
      return table->name;
  return "?";
}

int
spec_cap_number (const char *name)
{
  for (int i = 0; i < N_CAPS; i++)
    if (strcmp (cap_names[i], name) == 0)
      return i;
  return -1;
}

const char *
spec_cap_name (int cap)
{
  return cap >= 0 && cap < N_CAPS ? cap_names[cap] : NULL;
}

/* The reading context: the file, for messages. */
struct rd
{
  const char *file;
  rt_error *err;
};

static int
bad (struct rd *r, const char *field, const char *what)
{
  return rt_fail (r->err, "reading the spec `%s`: `%s` %s", r->file, field, what);
}

/* An optional string member: NULL when absent. */
static int
get_str (struct rd *r, json_t *obj, const char *key, const char *field, char **out)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;
  *out = NULL;
  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_string (v))
    return bad (r, field, "must be a string");
  *out = strdup (json_string_value (v));
  return 0;
}

static int
get_bool (struct rd *r, json_t *obj, const char *key, const char *field, int *out)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;
  *out = 0;
  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_boolean (v))
    return bad (r, field, "must be true or false");
  *out = json_is_true (v);
  return 0;
}

static int
get_uint (struct rd *r, json_t *v, const char *field, uint64_t max, uint64_t *out)
{
  if (!json_is_integer (v) || json_integer_value (v) < 0 || (uint64_t) json_integer_value (v) > max)
    return bad (r, field, "must be a non-negative integer");
  *out = (uint64_t) json_integer_value (v);
  return 0;
}

static int
get_strs (struct rd *r, json_t *obj, const char *key, const char *field, str_list *out)
{
  json_t *v = obj ? json_object_get (obj, key) : NULL;
  out->items = NULL;
  out->n = 0;
  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_array (v))
    return bad (r, field, "must be an array of strings");
  out->items = calloc (json_array_size (v) + 1, sizeof (char *));
  for (size_t i = 0; i < json_array_size (v); i++)
    {
      json_t *s = json_array_get (v, i);
      if (!json_is_string (s))
        return bad (r, field, "must be an array of strings");
      out->items[out->n++] = strdup (json_string_value (s));
    }
  return 0;
}

static int
read_caps (struct rd *r, json_t *caps, spec *s)
{
  static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };
  uint64_t *masks[] = { &s->caps.bounding, &s->caps.effective, &s->caps.permitted, &s->caps.inheritable, &s->caps.ambient };
  char field[64];

  if (caps == NULL || json_is_null (caps))
    return 0;
  if (!json_is_object (caps))
    return bad (r, "process.capabilities", "must be an object");
  s->has_caps = 1;
  for (int i = 0; i < 5; i++)
    {
      str_list names;
      snprintf (field, sizeof field, "process.capabilities.%s", sets[i]);
      if (get_strs (r, caps, sets[i], field, &names) < 0)
        return -1;
      for (size_t k = 0; k < names.n; k++)
        {
          int cap = spec_cap_number (names.items[k]);
          if (cap < 0)
            return rt_fail (r->err, "reading the spec `%s`: `%s`: unknown capability `%s`", r->file, field, names.items[k]);
          *masks[i] |= 1ULL << cap;
        }
    }
  return 0;
}

static int
read_process (struct rd *r, json_t *p, spec *s)
{
  json_t *user, *gids, *rl;
  uint64_t n;

  if (!json_is_object (p))
    return bad (r, "process", "must be an object");
  if (get_bool (r, p, "terminal", "process.terminal", &s->terminal) < 0
      || get_strs (r, p, "args", "process.args", &s->args) < 0 || get_strs (r, p, "env", "process.env", &s->env) < 0
      || get_str (r, p, "cwd", "process.cwd", &s->cwd) < 0
      || get_bool (r, p, "noNewPrivileges", "process.noNewPrivileges", &s->no_new_privileges) < 0
      || read_caps (r, json_object_get (p, "capabilities"), s) < 0)
    return -1;
  if (s->args.n == 0)
    return bad (r, "process.args", "must name a command");
  if (s->cwd == NULL || s->cwd[0] != '/')
    return bad (r, "process.cwd", "must be an absolute path");
  user = json_object_get (p, "user");
  if (user != NULL && !json_is_object (user))
    return bad (r, "process.user", "must be an object");
  if (user)
    {
      if (json_object_get (user, "uid") && get_uint (r, json_object_get (user, "uid"), "process.user.uid", UINT32_MAX - 1, &n) == 0)
        s->uid = (unsigned) n;
      else if (json_object_get (user, "uid"))
        return -1;
      if (json_object_get (user, "gid") && get_uint (r, json_object_get (user, "gid"), "process.user.gid", UINT32_MAX - 1, &n) == 0)
        s->gid = (unsigned) n;
      else if (json_object_get (user, "gid"))
        return -1;
      gids = json_object_get (user, "additionalGids");
      if (gids && !json_is_array (gids))
        return bad (r, "process.user.additionalGids", "must be an array of integers");
      if (gids)
        {
          s->additional_gids = calloc (json_array_size (gids) + 1, sizeof (unsigned));
          for (size_t i = 0; i < json_array_size (gids); i++)
            {
              if (get_uint (r, json_array_get (gids, i), "process.user.additionalGids", UINT32_MAX - 1, &n) < 0)
                return -1;
              s->additional_gids[s->n_additional_gids++] = (unsigned) n;
            }
        }
    }
  rl = json_object_get (p, "rlimits");
  if (rl && !json_is_array (rl))
    return bad (r, "process.rlimits", "must be an array");
  if (rl)
    {
      s->rlimits = calloc (json_array_size (rl) + 1, sizeof (spec_rlimit));
      for (size_t i = 0; i < json_array_size (rl); i++)
        {
          json_t *e = json_array_get (rl, i);
          const char *type = json_string_value (json_object_get (e, "type"));
          spec_rlimit *l = &s->rlimits[s->n_rlimits++];
          if (type == NULL || (l->resource = (int) lookup (rlimits, type)) < 0)
            return bad (r, "process.rlimits[].type", "must name an RLIMIT_*");
          if (get_uint (r, json_object_get (e, "soft"), "process.rlimits[].soft", UINT64_MAX, &l->soft) < 0
              || get_uint (r, json_object_get (e, "hard"), "process.rlimits[].hard", UINT64_MAX, &l->hard) < 0)
            return -1;
        }
    }
  return 0;
}

/* Splits a mount's options into flags, propagation and data. */
static void
split_options (spec_mount *m)
{
  size_t cap = 1;
  for (size_t i = 0; i < m->options.n; i++)
    cap += strlen (m->options.items[i]) + 1;
  char *data = calloc (cap, 1);
  for (size_t i = 0; i < m->options.n; i++)
    {
      const char *o = m->options.items[i];
      size_t k, found = 0;
      for (k = 0; k < sizeof mount_flags / sizeof mount_flags[0]; k++)
        if (strcmp (mount_flags[k].name, o) == 0)
          {
            found = 1;
            if (mount_flags[k].clear == 2)
              m->propagation = mount_flags[k].flag;
            else if (mount_flags[k].clear)
              {
                m->flags &= ~mount_flags[k].flag;
                m->clear |= mount_flags[k].flag;
              }
            else
              m->flags |= mount_flags[k].flag;
            break;
          }
      if (!found)
        {
          if (data[0])
            strcat (data, ",");
          strcat (data, o);
        }
    }
  m->data = data[0] ? data : NULL;
}

static int
read_mounts (struct rd *r, json_t *mounts, spec *s)
{
  if (mounts == NULL || json_is_null (mounts))
    return 0;
  if (!json_is_array (mounts))
    return bad (r, "mounts", "must be an array");
  s->mounts = calloc (json_array_size (mounts) + 1, sizeof (spec_mount));
  for (size_t i = 0; i < json_array_size (mounts); i++)
    {
      json_t *e = json_array_get (mounts, i);
      spec_mount *m = &s->mounts[s->n_mounts++];
      if (!json_is_object (e))
        return bad (r, "mounts[]", "must be objects");
      if (get_str (r, e, "destination", "mounts[].destination", &m->destination) < 0
          || get_str (r, e, "type", "mounts[].type", &m->type) < 0 || get_str (r, e, "source", "mounts[].source", &m->source) < 0
          || get_strs (r, e, "options", "mounts[].options", &m->options) < 0)
        return -1;
      if (m->destination == NULL || m->destination[0] != '/')
        return bad (r, "mounts[].destination", "must be an absolute path");
      split_options (m);
      if (m->type == NULL)
        m->type = strdup ((m->flags & MS_BIND) ? "bind" : "none");
      if (strcmp (m->type, "bind") == 0)
        m->flags |= MS_BIND;
      if ((m->flags & MS_BIND) && (m->source == NULL || m->source[0] != '/'))
        return rt_fail (r->err, "reading the spec `%s`: the bind mount at `%s` needs an absolute source", r->file, m->destination);
    }
  return 0;
}

static int
read_seccomp (struct rd *r, json_t *sc, spec *s)
{
  spec_seccomp *out;
  json_t *calls, *v;
  const char *a;

  if (sc == NULL || json_is_null (sc))
    return 0;
  if (!json_is_object (sc))
    return bad (r, "linux.seccomp", "must be an object");
  out = s->seccomp = calloc (1, sizeof *out);
  a = json_string_value (json_object_get (sc, "defaultAction"));
  if (a == NULL || (out->default_action = (int) lookup (seccomp_actions, a)) < 0)
    return bad (r, "linux.seccomp.defaultAction", "must be an SCMP_ACT_* tspod knows");
  out->default_errno = -1;
  if ((v = json_object_get (sc, "defaultErrnoRet")) != NULL)
    {
      uint64_t n;
      if (get_uint (r, v, "linux.seccomp.defaultErrnoRet", 4095, &n) < 0)
        return -1;
      out->default_errno = (int) n;
    }
  if (get_strs (r, sc, "architectures", "linux.seccomp.architectures", &out->architectures) < 0
      || get_strs (r, sc, "flags", "linux.seccomp.flags", &out->flags) < 0)
    return -1;
  calls = json_object_get (sc, "syscalls");
  if (calls && !json_is_array (calls))
    return bad (r, "linux.seccomp.syscalls", "must be an array");
  out->rules = calloc (json_array_size (calls) + 1, sizeof (spec_seccomp_rule));
  for (size_t i = 0; calls && i < json_array_size (calls); i++)
    {
      json_t *e = json_array_get (calls, i), *args;
      spec_seccomp_rule *rule = &out->rules[out->n_rules++];
      a = json_string_value (json_object_get (e, "action"));
      if (a == NULL || (rule->action = (int) lookup (seccomp_actions, a)) < 0)
        return bad (r, "linux.seccomp.syscalls[].action", "must be an SCMP_ACT_* tspod knows");
      if (get_strs (r, e, "names", "linux.seccomp.syscalls[].names", &rule->names) < 0)
        return -1;
      rule->errno_ret = -1;
      if ((v = json_object_get (e, "errnoRet")) != NULL)
        {
          uint64_t n;
          if (get_uint (r, v, "linux.seccomp.syscalls[].errnoRet", 4095, &n) < 0)
            return -1;
          rule->errno_ret = (int) n;
        }
      args = json_object_get (e, "args");
      if (args && !json_is_array (args))
        return bad (r, "linux.seccomp.syscalls[].args", "must be an array");
      rule->args = calloc (json_array_size (args) + 1, sizeof (spec_seccomp_arg));
      for (size_t k = 0; args && k < json_array_size (args); k++)
        {
          json_t *x = json_array_get (args, k);
          spec_seccomp_arg *arg = &rule->args[rule->n_args++];
          uint64_t index;
          const char *op = json_string_value (json_object_get (x, "op"));
          if (get_uint (r, json_object_get (x, "index"), "linux.seccomp.syscalls[].args[].index", 5, &index) < 0
              || get_uint (r, json_object_get (x, "value"), "linux.seccomp.syscalls[].args[].value", UINT64_MAX, &arg->value) < 0)
            return -1;
          arg->index = (unsigned) index;
          if (json_object_get (x, "valueTwo")
              && get_uint (r, json_object_get (x, "valueTwo"), "linux.seccomp.syscalls[].args[].valueTwo", UINT64_MAX, &arg->value_two) < 0)
            return -1;
          if (op == NULL || (arg->op = (int) lookup (seccomp_ops, op)) < 0)
            return bad (r, "linux.seccomp.syscalls[].args[].op", "must be an SCMP_CMP_*");
        }
    }
  return 0;
}

static int
read_linux (struct rd *r, json_t *lx, spec *s)
{
  json_t *ns;

  if (lx == NULL || json_is_null (lx))
    return 0;
  if (!json_is_object (lx))
    return bad (r, "linux", "must be an object");
  ns = json_object_get (lx, "namespaces");
  if (ns && !json_is_array (ns))
    return bad (r, "linux.namespaces", "must be an array");
  s->namespaces = calloc (json_array_size (ns) + 1, sizeof (spec_namespace));
  for (size_t i = 0; ns && i < json_array_size (ns); i++)
    {
      json_t *e = json_array_get (ns, i);
      const char *type = json_string_value (json_object_get (e, "type"));
      spec_namespace *n = &s->namespaces[s->n_namespaces++];
      if (type == NULL || (n->type = (int) lookup (namespaces, type)) < 0)
        return rt_fail (r->err, "reading the spec `%s`: namespace type `%s` is not supported", r->file, type ? type : "");
      if (get_str (r, e, "path", "linux.namespaces[].path", &n->path) < 0)
        return -1;
      if (n->path && n->path[0] == '\0')
        n->path = NULL;
    }
  return get_strs (r, lx, "maskedPaths", "linux.maskedPaths", &s->masked_paths) < 0
             || get_strs (r, lx, "readonlyPaths", "linux.readonlyPaths", &s->readonly_paths) < 0
             || read_seccomp (r, json_object_get (lx, "seccomp"), s) < 0
           ? -1
           : 0;
}

static int
read_rootfs (struct rd *r, const char *text, spec *s)
{
  json_error_t jerr;
  json_t *j = json_loads (text, 0, &jerr);
  spec_rootfs *fs;

  if (j == NULL || !json_is_object (j))
    return bad (r, "annotations.io.tspod.rootfs", "must hold a JSON object");
  fs = s->rootfs = calloc (1, sizeof *fs);
  if (get_strs (r, j, "lowers", "io.tspod.rootfs.lowers", &fs->lowers) < 0
      || get_str (r, j, "cwd", "io.tspod.rootfs.cwd", &fs->cwd) < 0 || get_str (r, j, "upper", "io.tspod.rootfs.upper", &fs->upper) < 0
      || get_str (r, j, "work", "io.tspod.rootfs.work", &fs->work) < 0
      || get_strs (r, j, "backends", "io.tspod.rootfs.backends", &fs->backends) < 0)
    return -1;
  if (fs->lowers.n == 0 || fs->cwd == NULL || fs->upper == NULL || fs->work == NULL)
    return bad (r, "annotations.io.tspod.rootfs", "needs lowers, cwd, upper and work");
  if (fs->backends.n == 0)
    {
      static char *all[] = { "overlay", "fuse-overlayfs", "copy", NULL };
      fs->backends.items = all;
      fs->backends.n = 3;
    }
  for (size_t i = 0; i < fs->backends.n; i++)
    if (strcmp (fs->backends.items[i], "overlay") && strcmp (fs->backends.items[i], "fuse-overlayfs") && strcmp (fs->backends.items[i], "copy"))
      return rt_fail (r->err, "reading the spec `%s`: rootfs backend `%s` is not one of overlay, fuse-overlayfs, copy", r->file, fs->backends.items[i]);
  return 0;
}

static int
read_annotations (struct rd *r, json_t *an, spec *s)
{
  const char *v;

  if (an == NULL || json_is_null (an))
    return 0;
  if (!json_is_object (an))
    return bad (r, "annotations", "must be an object");
  if ((v = json_string_value (json_object_get (an, "io.tspod.rootfs"))) != NULL && read_rootfs (r, v, s) < 0)
    return -1;
  if (get_str (r, an, "io.tspod.user", "annotations.io.tspod.user", &s->user) < 0
      || get_str (r, an, "io.tspod.keep-id", "annotations.io.tspod.keep-id", &s->keep_id) < 0)
    return -1;
  v = json_string_value (json_object_get (an, "io.tspod.wait-network"));
  s->wait_network = v != NULL && strcmp (v, "true") == 0;
  if ((v = json_string_value (json_object_get (an, "io.tspod.chown"))) != NULL)
    {
      json_error_t jerr;
      json_t *j = json_loads (v, 0, &jerr);
      uint64_t id;
      if (j == NULL || !json_is_object (j))
        return bad (r, "annotations.io.tspod.chown", "must hold a JSON object");
      if (get_strs (r, j, "destinations", "io.tspod.chown.destinations", &s->chown) < 0
          || get_uint (r, json_object_get (j, "uid"), "io.tspod.chown.uid", UINT32_MAX, &id) < 0)
        return -1;
      s->chown_uid = (unsigned) id;
      if (get_uint (r, json_object_get (j, "gid"), "io.tspod.chown.gid", UINT32_MAX, &id) < 0)
        return -1;
      s->chown_gid = (unsigned) id;
    }
  if ((v = json_string_value (json_object_get (an, "io.tspod.copy-up"))) != NULL)
    {
      json_error_t jerr;
      json_t *j = json_loads (v, 0, &jerr);
      if (j == NULL || !json_is_object (j))
        return bad (r, "annotations.io.tspod.copy-up", "must hold a JSON object");
      return get_strs (r, j, "destinations", "io.tspod.copy-up.destinations", &s->copy_up);
    }
  return 0;
}

int
spec_read (const char *file, spec *out, rt_error *err)
{
  struct rd r = { file, err };
  json_error_t jerr;
  json_t *j, *root;

  memset (out, 0, sizeof *out);
  j = json_load_file (file, 0, &jerr);
  if (j == NULL)
    return rt_fail (err, "reading the spec `%s`: %s (line %d)", file, jerr.text, jerr.line);
  if (!json_is_object (j))
    return rt_fail (err, "reading the spec `%s`: not a JSON object", file);
  if (read_process (&r, json_object_get (j, "process"), out) < 0)
    return -1;
  root = json_object_get (j, "root");
  if (!json_is_object (root) || get_str (&r, root, "path", "root.path", &out->root_path) < 0
      || get_bool (&r, root, "readonly", "root.readonly", &out->root_readonly) < 0)
    return root && !json_is_object (root) ? bad (&r, "root", "must be an object") : -1;
  if (out->root_path == NULL || out->root_path[0] != '/')
    return bad (&r, "root.path", "must be an absolute path");
  if (get_str (&r, j, "hostname", "hostname", &out->hostname) < 0 || get_str (&r, j, "domainname", "domainname", &out->domainname) < 0 || read_mounts (&r, json_object_get (j, "mounts"), out) < 0
      || read_linux (&r, json_object_get (j, "linux"), out) < 0 || read_annotations (&r, json_object_get (j, "annotations"), out) < 0)
    return -1;
  return 0;
}

const spec_namespace *
spec_namespace_of (const spec *s, int type)
{
  for (size_t i = 0; i < s->n_namespaces; i++)
    if (s->namespaces[i].type == type)
      return &s->namespaces[i];
  return NULL;
}

const char *
spec_namespace_name (int type)
{
  return name_of (namespaces, type);
}

const char *
spec_rlimit_name (int resource)
{
  return name_of (rlimits, resource);
}

const char *
spec_action_name (int action)
{
  return name_of (seccomp_actions, action);
}

const char *
spec_op_name (int op)
{
  return name_of (seccomp_ops, op);
}
