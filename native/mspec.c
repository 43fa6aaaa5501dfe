/* Reading monitor.json (see mspec.h). */
#include "mspec.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *
str (json_t *o, const char *key)
{
  json_t *v = json_object_get (o, key);
  return json_is_string (v) ? strdup (json_string_value (v)) : NULL;
}

static long long
num (json_t *o, const char *key)
{
  json_t *v = json_object_get (o, key);
  return json_is_integer (v) ? json_integer_value (v) : 0;
}

/* A NULL-terminated copy of an array of strings, or NULL if it is not one. */
static char **
strv (json_t *a, const char *path, const char *key, rt_error *err, int *bad)
{
  char **v;
  size_t i;
  json_t *s;

  if (a == NULL || json_is_null (a))
    return NULL;
  if (!json_is_array (a) || json_array_size (a) == 0)
    {
      *bad = rt_fail (err, "reading `%s`: `%s` is not a list of strings", path, key);
      return NULL;
    }
  v = calloc (json_array_size (a) + 1, sizeof *v);
  json_array_foreach (a, i, s)
    {
      if (!json_is_string (s))
        {
          *bad = rt_fail (err, "reading `%s`: `%s` is not a list of strings", path, key);
          return NULL;
        }
      v[i] = strdup (json_string_value (s));
    }
  return v;
}

static int
read_steps (json_t *a, const char *path, mspec *m, rt_error *err)
{
  size_t i;
  json_t *o;
  int bad = 0;

  if (a == NULL)
    return 0;
  if (!json_is_array (a))
    return rt_fail (err, "reading `%s`: `network` is not a list", path);
  m->steps = calloc (json_array_size (a) + 1, sizeof *m->steps);
  json_array_foreach (a, i, o)
    {
      net_step *s = &m->steps[m->n_steps++];
      const char *ready = json_string_value (json_object_get (o, "ready"));
      s->what = str (o, "what");
      s->code = str (o, "code");
      s->pidfile = str (o, "pidfile");
      s->api = str (o, "api");
      s->request = str (o, "request");
      s->argv = strv (json_object_get (o, "argv"), path, "network[].argv", err, &bad);
      if (bad)
        return -1;
      if (ready == NULL || strcmp (ready, "exit") == 0)
        s->ready = READY_EXIT;
      else if (strcmp (ready, "pidfile") == 0 && s->pidfile)
        s->ready = READY_PIDFILE;
      else if (strcmp (ready, "fd3") == 0)
        s->ready = READY_FD3;
      else if (strcmp (ready, "stdout") == 0)
        s->ready = READY_STDOUT;
      else if (strcmp (ready, "api") == 0 && s->api && s->request)
        s->ready = READY_API;
      else if (strcmp (ready, "veth") == 0 && json_is_object (json_object_get (o, "veth")))
        {
          s->ready = READY_VETH;
          if (veth_read (json_object_get (o, "veth"), &s->veth, err) < 0)
            return -1;
        }
      else
        return rt_fail (err, "reading `%s`: network step `%s` has an unknown readiness `%s`", path, s->what ? s->what : "?", ready);
      if (s->ready != READY_API && s->ready != READY_VETH && s->argv == NULL)
        return rt_fail (err, "reading `%s`: network step `%s` has no argv", path, s->what ? s->what : "?");
      if (s->what == NULL)
        s->what = strdup ("the network");
      if (s->code == NULL)
        s->code = strdup ("ERR_TSPOD_NETWORK");
    }
  return 0;
}

int
mspec_read (const char *path, mspec *m, rt_error *err)
{
  json_error_t jerr;
  json_t *root = json_load_file (path, 0, &jerr), *log, *restart, *health, *rt, *left;
  int bad = 0;

  memset (m, 0, sizeof *m);
  if (root == NULL)
    return rt_fail (err, "reading `%s`: %s (line %d)", path, jerr.text, jerr.line);
  m->id = str (root, "id");
  m->spec = str (root, "spec");
  m->record = str (root, "record");
  m->state = str (root, "state");
  m->live = str (root, "live");
  m->socket = str (root, "socket");
  m->spare = str (root, "spare");
  m->stop_requested = str (root, "stopRequested");
  m->paused = str (root, "paused");
  if (!m->id || !m->spec || !m->record || !m->state || !m->live || !m->socket || !m->spare || !m->stop_requested || !m->paused)
    return rt_fail (err, "reading `%s`: id, spec, record, state, live, socket, spare, stopRequested and paused are required", path);
  if ((log = json_object_get (root, "log")) != NULL)
    {
      m->log = str (log, "path");
      m->log_max_size = num (log, "maxSize");
      m->log_max_file = (int) num (log, "maxFile");
    }
  m->tty = json_is_true (json_object_get (root, "tty"));
  m->open_stdin = json_is_true (json_object_get (root, "openStdin"));
  restart = json_object_get (root, "restart");
  m->restart = restart ? str (restart, "name") : NULL;
  if (m->restart == NULL)
    m->restart = strdup ("no");
  m->max_retries = restart ? (int) num (restart, "maxRetries") : 0;
  m->restart_count = (int) num (root, "restartCount");
  if (read_steps (json_object_get (root, "network"), path, m, err) < 0)
    return -1;
  if ((health = json_object_get (root, "health")) != NULL)
    {
      m->health = strv (json_object_get (health, "argv"), path, "health.argv", err, &bad);
      m->health_interval_ms = num (health, "intervalMs");
      m->health_file = str (health, "file");
      m->health_reset = str (health, "reset");
      if (bad || m->health_interval_ms <= 0)
        return bad ? -1 : rt_fail (err, "reading `%s`: health.intervalMs must be positive", path);
    }
  m->cleanup = strv (json_object_get (root, "cleanup"), path, "cleanup", err, &bad);
  if (!bad && (left = json_object_get (root, "leftToMonitor")) != NULL)
    {
      m->left_marker = str (left, "marker");
      m->left_dirs = strv (json_object_get (left, "dirs"), path, "leftToMonitor.dirs", err, &bad);
      if (!bad && (!m->left_marker || !m->left_dirs))
        bad = rt_fail (err, "reading `%s`: leftToMonitor needs marker and dirs", path);
    }
  if (!bad && (rt = json_object_get (root, "runtime")) != NULL)
    {
      m->rt_create = strv (json_object_get (rt, "create"), path, "runtime.create", err, &bad);
      if (!bad)
        m->rt_start = strv (json_object_get (rt, "start"), path, "runtime.start", err, &bad);
      if (!bad)
        m->rt_delete = strv (json_object_get (rt, "delete"), path, "runtime.delete", err, &bad);
      m->rt_pidfile = str (rt, "pidFile");
      m->rt_log = str (rt, "log");
      m->rt_console = str (rt, "consoleSocket");
      if (!bad && (!m->rt_create || !m->rt_start || !m->rt_delete || !m->rt_pidfile || !m->rt_log))
        bad = rt_fail (err, "reading `%s`: runtime needs create, start, delete, pidFile and log", path);
    }
  json_decref (root);
  return bad ? -1 : 0;
}
