/* Test entry points (see test.h). */
#include "test.h"
#include "error.h"
#include "spec.h"
#include "user.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static json_t *
strs_json (const str_list *l)
{
  json_t *a = json_array ();
  for (size_t i = 0; i < l->n; i++)
    json_array_append_new (a, json_string (l->items[i]));
  return a;
}

static json_t *
opt_str (const char *s)
{
  return s ? json_string (s) : json_null ();
}

static json_t *
mask_json (uint64_t m)
{
  char hex[24];
  snprintf (hex, sizeof hex, "0x%016llx", (unsigned long long) m);
  return json_string (hex);
}

static json_t *
seccomp_json (const spec_seccomp *sc)
{
  json_t *rules = json_array ();
  if (sc == NULL)
    return json_null ();
  for (size_t i = 0; i < sc->n_rules; i++)
    {
      const spec_seccomp_rule *r = &sc->rules[i];
      json_t *args = json_array ();
      for (size_t k = 0; k < r->n_args; k++)
        json_array_append_new (args, json_pack ("{s:I,s:I,s:I,s:s}", "index", (json_int_t) r->args[k].index, "value",
                                                (json_int_t) r->args[k].value, "valueTwo", (json_int_t) r->args[k].value_two,
                                                "op", spec_op_name (r->args[k].op)));
      json_array_append_new (rules, json_pack ("{s:o,s:s,s:i,s:o}", "names", strs_json (&r->names), "action",
                                               spec_action_name (r->action), "errnoRet", r->errno_ret, "args", args));
    }
  return json_pack ("{s:s,s:i,s:o,s:o,s:o}", "defaultAction", spec_action_name (sc->default_action),
                    "defaultErrnoRet", sc->default_errno, "architectures", strs_json (&sc->architectures), "flags",
                    strs_json (&sc->flags), "syscalls", rules);
}

/* test-spec: the parsed structs as JSON on stdout. */
static int
spec_print (const spec *s, rt_error *err)
{
  json_t *gids = json_array (), *mounts = json_array (), *ns = json_array (), *rl = json_array ();
  json_t *out, *rootfs = json_null ();

  for (size_t i = 0; i < s->n_additional_gids; i++)
    json_array_append_new (gids, json_integer (s->additional_gids[i]));
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      const spec_mount *m = &s->mounts[i];
      json_array_append_new (mounts, json_pack ("{s:s,s:s,s:o,s:I,s:I,s:I,s:o}", "destination", m->destination, "type", m->type,
                                                "source", opt_str (m->source), "flags", (json_int_t) m->flags, "clear",
                                                (json_int_t) m->clear, "propagation", (json_int_t) m->propagation, "data",
                                                opt_str (m->data)));
    }
  for (size_t i = 0; i < s->n_namespaces; i++)
    json_array_append_new (ns, json_pack ("{s:s,s:o}", "type", spec_namespace_name (s->namespaces[i].type), "path",
                                          opt_str (s->namespaces[i].path)));
  for (size_t i = 0; i < s->n_rlimits; i++)
    json_array_append_new (rl, json_pack ("{s:s,s:I,s:I}", "type", spec_rlimit_name (s->rlimits[i].resource), "soft",
                                          (json_int_t) s->rlimits[i].soft, "hard", (json_int_t) s->rlimits[i].hard));
  if (s->rootfs)
    rootfs = json_pack ("{s:o,s:s,s:s,s:s,s:o}", "lowers", strs_json (&s->rootfs->lowers), "cwd", s->rootfs->cwd, "upper",
                        s->rootfs->upper, "work", s->rootfs->work, "backends", strs_json (&s->rootfs->backends));
  out = json_pack ("{s:b,s:I,s:I,s:o,s:o,s:o,s:s,s:o,s:b,s:o}", "terminal", s->terminal, "uid", (json_int_t) s->uid, "gid",
                   (json_int_t) s->gid, "additionalGids", gids, "args", strs_json (&s->args), "env", strs_json (&s->env), "cwd",
                   s->cwd, "capabilities",
                   s->has_caps ? json_pack ("{s:o,s:o,s:o,s:o,s:o}", "bounding", mask_json (s->caps.bounding), "effective",
                                            mask_json (s->caps.effective), "permitted", mask_json (s->caps.permitted),
                                            "inheritable", mask_json (s->caps.inheritable), "ambient", mask_json (s->caps.ambient))
                               : json_null (),
                   "noNewPrivileges", s->no_new_privileges, "rlimits", rl);
  json_object_set_new (out, "rootPath", json_string (s->root_path));
  json_object_set_new (out, "rootReadonly", json_boolean (s->root_readonly));
  json_object_set_new (out, "hostname", opt_str (s->hostname));
  json_object_set_new (out, "mounts", mounts);
  json_object_set_new (out, "namespaces", ns);
  json_object_set_new (out, "maskedPaths", strs_json (&s->masked_paths));
  json_object_set_new (out, "readonlyPaths", strs_json (&s->readonly_paths));
  json_object_set_new (out, "seccomp", seccomp_json (s->seccomp));
  json_object_set_new (out, "rootfs", rootfs);
  json_object_set_new (out, "user", opt_str (s->user));
  json_object_set_new (out, "waitNetwork", json_boolean (s->wait_network));
  if (json_dumpf (out, stdout, JSON_SORT_KEYS | JSON_COMPACT) < 0 || fputc ('\n', stdout) == EOF || fflush (stdout) == EOF)
    return rt_fail_errno (err, "writing the parsed spec");
  return 0;
}


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
