/*
 * The OCI runtime spec (config.json), the subset docs/runtime.md lists, read
 * once into plain structs. Nothing is freed: the helper execs or exits.
 */
#ifndef TSPOD_SPEC_H
#define TSPOD_SPEC_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
  char **items;
  size_t n;
} str_list;

/* One `mounts` entry; options split into mount(2) flags, propagation and data. */
typedef struct {
  char *destination, *type, *source;
  str_list options;
  unsigned long flags;       /* MS_* of the options (MS_BIND, MS_REC, MS_RDONLY, ...) */
  unsigned long clear;       /* MS_* the options turn off (rw, suid, dev, exec...) */
  unsigned long propagation; /* MS_PRIVATE|MS_SHARED|MS_SLAVE|MS_UNBINDABLE, with MS_REC */
  char *data;                /* the options that are not flags, comma-joined; NULL if none */
} spec_mount;

typedef struct {
  int type; /* CLONE_NEWUSER, CLONE_NEWNS, ... */
  char *path; /* NULL: create */
} spec_namespace;

typedef struct {
  int resource; /* RLIMIT_* */
  uint64_t soft, hard;
} spec_rlimit;

enum seccomp_op { SC_OP_NE = 1, SC_OP_LT, SC_OP_LE, SC_OP_EQ, SC_OP_GE, SC_OP_GT, SC_OP_MASKED_EQ };
enum seccomp_act { SC_KILL = 1, SC_KILL_PROCESS, SC_KILL_THREAD, SC_TRAP, SC_ERRNO, SC_TRACE, SC_ALLOW, SC_LOG };

typedef struct {
  unsigned index;
  uint64_t value, value_two;
  int op; /* enum seccomp_op */
} spec_seccomp_arg;

typedef struct {
  str_list names;
  int action; /* enum seccomp_act */
  int errno_ret; /* -1: not given */
  spec_seccomp_arg *args;
  size_t n_args;
} spec_seccomp_rule;

typedef struct {
  int default_action;
  int default_errno; /* -1: not given */
  str_list architectures; /* "SCMP_ARCH_X86_64"... */
  str_list flags;         /* "SECCOMP_FILTER_FLAG_LOG"... */
  spec_seccomp_rule *rules;
  size_t n_rules;
} spec_seccomp;

/* The capability sets, as bit masks of capability numbers. */
typedef struct {
  uint64_t bounding, effective, permitted, inheritable, ambient;
} spec_caps;

/* io.tspod.rootfs: how to mount root.path from image layers. */
typedef struct {
  str_list lowers; /* relative to cwd, topmost first */
  char *cwd, *upper, *work;
  str_list backends; /* "overlay", "fuse-overlayfs", "copy", in order */
} spec_rootfs;

typedef struct {
  /* process */
  int terminal;
  unsigned uid, gid;
  unsigned *additional_gids;
  size_t n_additional_gids;
  str_list args, env;
  char *cwd;
  int has_caps; /* process.capabilities given; otherwise the sets are left as they are */
  spec_caps caps;
  int no_new_privileges;
  spec_rlimit *rlimits;
  size_t n_rlimits;
  /* root */
  char *root_path;
  int root_readonly;
  char *hostname; /* NULL: not set */
  char *domainname; /* NULL: not set */
  spec_mount *mounts;
  size_t n_mounts;
  spec_namespace *namespaces;
  size_t n_namespaces;
  str_list masked_paths, readonly_paths;
  spec_seccomp *seccomp; /* NULL: none */
  /* annotations */
  spec_rootfs *rootfs; /* NULL: root.path as is */
  char *user;          /* io.tspod.user; NULL: process.user */
  int wait_network;    /* io.tspod.wait-network == "true" */
  char *keep_id;       /* io.tspod.keep-id "UID:GID": a nested user namespace (keepid.c); NULL: none */
  str_list chown;      /* io.tspod.chown {"destinations":[...],"uid":N,"gid":N}: binds given to uid:gid (-v :U) */
  unsigned chown_uid, chown_gid;
  str_list copy_up;    /* io.tspod.copy-up {"destinations":[...]}: volumes filled from the image */
} spec;

/* Reads and checks `file`; fills *out. */
int spec_read (const char *file, spec *out, rt_error *err);

/* The namespace entry of `type` (CLONE_NEW*), or NULL. */
const spec_namespace *spec_namespace_of (const spec *s, int type);

/* The number of a capability name ("CAP_CHOWN"), or -1. */
int spec_cap_number (const char *name);

/* The name of a capability number, or NULL. */
const char *spec_cap_name (int cap);

/* The names of the numbers spec_read produced ("network", "RLIMIT_NOFILE", "SCMP_ACT_ERRNO", "SCMP_CMP_EQ"), for test-spec. */
const char *spec_namespace_name (int type);
const char *spec_rlimit_name (int resource);
const char *spec_action_name (int action);
const char *spec_op_name (int op);

#endif
