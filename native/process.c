/* The container's process, up to execve (see process.h). */
#define _GNU_SOURCE
#include "process.h"
#include "confine.h"
#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define NOT_FOUND "ERR_TSPOD_COMMAND_NOT_FOUND"
#define CANNOT_INVOKE "ERR_TSPOD_CANNOT_INVOKE"

int
process_make_cwd (const spec *s, rt_error *err)
{
  char path[4096];
  size_t len = strlen (s->cwd);

  if (len >= sizeof path)
    return rt_fail (err, "creating the working directory `%s`: path too long", s->cwd);
  memcpy (path, s->cwd, len + 1);
  for (char *p = path + 1;; p++)
    if (*p == '/' || *p == '\0')
      {
        char c = *p;
        *p = '\0';
        if (mkdir (path, 0755) < 0 && errno != EEXIST)
          return rt_fail_errno (err, "creating the working directory `%s`", path);
        *p = c;
        if (c == '\0')
          break;
      }
  return 0;
}

/* The value of KEY in a KEY=VALUE list (the last one), or NULL. */
static const char *
env_value (const str_list *env, const char *key)
{
  size_t klen = strlen (key);
  const char *v = NULL;
  for (size_t i = 0; i < env->n; i++)
    if (strncmp (env->items[i], key, klen) == 0 && env->items[i][klen] == '=')
      v = env->items[i] + klen + 1;
  return v;
}

/* The executable for argv0: a path as is, else searched in the container's PATH (docker's words and statuses). */
static int
find_executable (const char *argv0, const str_list *env, char *out, size_t size, rt_error *err)
{
  const char *path = env_value (env, "PATH");
  struct stat st;

  if (strchr (argv0, '/'))
    {
      if (stat (argv0, &st) < 0 && errno == ENOENT)
        return rt_fail_status (err, 127, NOT_FOUND, "exec: \"%s\": stat %s: no such file or directory", argv0, argv0);
      snprintf (out, size, "%s", argv0);
      return 0;
    }
  if (path == NULL)
    path = DEFAULT_PATH;
  for (const char *dir = path;; dir++)
    {
      const char *end = strchrnul (dir, ':');
      int n = (int) (end - dir);
      snprintf (out, size, "%.*s/%s", n ? n : 1, n ? dir : ".", argv0);
      if (stat (out, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 0111))
        return 0;
      if (*end == '\0')
        break;
      dir = end;
    }
  return rt_fail_status (err, 127, NOT_FOUND, "exec: \"%s\": executable file not found in $PATH", argv0);
}

static int
exec_failed (const char *file, int errnum, rt_error *err)
{
  switch (errnum)
    {
    case ENOENT:
      return rt_fail_status (err, 127, NOT_FOUND, "exec: \"%s\": no such file or directory", file);
    case EACCES:
      return rt_fail_status (err, 126, CANNOT_INVOKE, "exec: \"%s\": permission denied", file);
    case ENOEXEC:
      return rt_fail_status (err, 126, CANNOT_INVOKE, "exec: \"%s\": exec format error", file);
    default:
      return rt_fail_status (err, 126, CANNOT_INVOKE, "exec: \"%s\": %s", file, strerror (errnum));
    }
}

static int
attach_terminal (const process_opts *o, rt_error *err)
{
  char path[64];
  int fd = 0;

  if (o->pty >= 0)
    {
      snprintf (path, sizeof path, "/dev/pts/%d", o->pty);
      fd = open (path, O_RDWR | O_CLOEXEC);
      if (fd < 0)
        return rt_fail_errno (err, "opening the terminal `%s`", path);
    }
  else if (!o->ctty_stdin)
    return 0;
  else
    snprintf (path, sizeof path, "stdin");
  if (setsid () < 0)
    return rt_fail_errno (err, "starting a session for the terminal `%s`", path);
  if (ioctl (fd, TIOCSCTTY, 0) < 0)
    return rt_fail_errno (err, "making `%s` the controlling terminal", path);
  if (o->pty >= 0)
    {
      for (int target = 0; target < 3; target++)
        if (dup2 (fd, target) < 0)
          return rt_fail_errno (err, "putting the terminal `%s` on fd %d", path, target);
      close (fd);
    }
  return 0;
}

/* Default dispositions and an empty mask: nothing of the monitor's (Node ignores SIGPIPE) reaches the command. */
static void
reset_signals (void)
{
  sigset_t none;
  struct sigaction dfl = { .sa_handler = SIG_DFL };
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction (sig, &dfl, NULL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* Every fd above 2 closes on exec (the channel closing tells the monitor the command runs). */
static int
cloexec_from_3 (rt_error *err)
{
  if (syscall (SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  long max = sysconf (_SC_OPEN_MAX);
  for (int fd = 3; fd < (max > 0 ? max : 1024); fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && fcntl (fd, F_SETFD, flags | FD_CLOEXEC) < 0)
        return rt_fail_errno (err, "marking fd %d close-on-exec", fd);
    }
  return 0;
}

int
process_exec (const spec *s, const process_opts *o, rt_error *err)
{
  char *passwd = user_read_file ("/etc/passwd"), *group = user_read_file ("/etc/group");
  char file[4096];
  char **env = calloc (s->env.n + 2, sizeof (char *));
  size_t n_env = 0;
  rt_user u;

  if (s->user ? user_resolve (s->user, passwd, group, &u, err) < 0 : (user_from_ids (s->uid, s->gid, s->additional_gids, s->n_additional_gids, passwd, &u), 0))
    return -1;
  for (size_t i = 0; i < s->env.n; i++)
    env[n_env++] = s->env.items[i];
  if (env_value (&s->env, "HOME") == NULL)
    {
      env[n_env] = malloc (strlen (u.home) + 6);
      sprintf (env[n_env++], "HOME=%s", u.home);
    }
  if (chdir (s->cwd) < 0)
    return rt_fail_errno (err, "changing to the working directory `%s`", s->cwd);
  if (find_executable (s->args.items[0], &s->env, file, sizeof file, err) < 0 || confine_rlimits (s, err) < 0
      || attach_terminal (o, err) < 0 || cloexec_from_3 (err) < 0 || confine_check_user (&u, err) < 0)
    return -1;
  for (int fd = 0; fd < 3; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && (flags & FD_CLOEXEC))
        fcntl (fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
  if (o->gate && channel_expect_go (o->gate, err) < 0)
    return -1;
  reset_signals ();
  if (confine_apply (s, &u, err) < 0)
    return -1;
  execve (file, s->args.items, env);
  return exec_failed (file, errno, err);
}
