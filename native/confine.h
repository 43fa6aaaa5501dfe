/*
 * Confinement of a container process, the last steps before execve, in
 * runc's order: seccomp first when no_new_privs is off (loading a filter then
 * needs CAP_SYS_ADMIN, which the process has only before its user changes),
 * the bounding set, the user switch keeping capabilities (PR_SET_KEEPCAPS),
 * the spec's capability sets, death with the parent, no_new_privs, and
 * seccomp last when no_new_privs is on.
 */
#ifndef TSPOD_CONFINE_H
#define TSPOD_CONFINE_H

#include "error.h"
#include "spec.h"
#include "user.h"

/* process.rlimits, with setrlimit. */
int confine_rlimits (const spec *s, rt_error *err);

/*
 * Checks that the user's ids are mapped in this user namespace, and drops the
 * supplementary groups that are not (they could not be set). Reads /proc: call
 * before confine_apply.
 */
int confine_check_user (rt_user *u, rt_error *err);

/* Everything above, from the seccomp filter to no_new_privs; the caller execs next. */
int confine_apply (const spec *s, const rt_user *u, rt_error *err);

#endif
