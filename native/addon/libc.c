/* tspod's Node-API addon: the few libc calls Node does not offer, for
   src/sys/libc.ts (which loads it through src/sys/addon.ts). Built by
   packaging/build.mjs into dist/libc.node, apart from tspod-rt.

   Every function makes one call and returns its result (a number >= 0, or
   what the call fills in), or -errno when the call fails: errno is read
   right after the call, and libc.ts turns it into SyscallError.  A wrong
   argument is a bug in libc.ts, not a failed call: it throws a TypeError. */
#define _GNU_SOURCE /* pipe2 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The call's first n arguments into argv; false (a TypeError thrown) when it has fewer. */
static bool
args (napi_env env, napi_callback_info info, size_t n, napi_value *argv)
{
  size_t argc = n;
  if (napi_get_cb_info (env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n)
    {
      napi_throw_type_error (env, NULL, "libc addon: too few arguments");
      return false;
    }
  return true;
}

/* v as a C string the caller frees, or NULL for a JavaScript null when
   nullable; false (a TypeError thrown) for anything else. */
static bool
str (napi_env env, napi_value v, bool nullable, char **out)
{
  napi_valuetype type;
  size_t len;
  *out = NULL;
  if (napi_typeof (env, v, &type) == napi_ok && nullable && type == napi_null)
    return true;
  if (napi_typeof (env, v, &type) != napi_ok || type != napi_string
      || napi_get_value_string_utf8 (env, v, NULL, 0, &len) != napi_ok)
    {
      napi_throw_type_error (env, NULL, "libc addon: a string was expected");
      return false;
    }
  *out = malloc (len + 1);
  if (*out == NULL)
    {
      napi_throw_error (env, NULL, "libc addon: out of memory");
      return false;
    }
  if (napi_get_value_string_utf8 (env, v, *out, len + 1, &len) != napi_ok)
    {
      free (*out);
      *out = NULL;
      napi_throw_type_error (env, NULL, "libc addon: a string was expected");
      return false;
    }
  return true;
}

/* v as an integer; false (a TypeError thrown) when it is not a number. */
static bool
num (napi_env env, napi_value v, int64_t *out)
{
  if (napi_get_value_int64 (env, v, out) != napi_ok)
    {
      napi_throw_type_error (env, NULL, "libc addon: a number was expected");
      return false;
    }
  return true;
}

/* v as a Buffer's bytes; false (a TypeError thrown) when it is not one. */
static bool
buf (napi_env env, napi_value v, void **data, size_t *len)
{
  if (napi_get_buffer_info (env, v, data, len) != napi_ok)
    {
      napi_throw_type_error (env, NULL, "libc addon: a Buffer was expected");
      return false;
    }
  return true;
}

/* A call's outcome for JavaScript: ret, or -err when ret < 0. */
static napi_value
result (napi_env env, int64_t ret, int err)
{
  napi_value v;
  if (napi_create_int64 (env, ret < 0 ? -err : ret, &v) != napi_ok)
    return NULL;
  return v;
}

/* mount(source | null, target, fstype | null, flags, data | null) */
static napi_value
js_mount (napi_env env, napi_callback_info info)
{
  napi_value argv[5];
  char *source = NULL, *target = NULL, *fstype = NULL, *data = NULL;
  int64_t flags;
  napi_value out = NULL;
  if (args (env, info, 5, argv) && str (env, argv[0], true, &source) && str (env, argv[1], false, &target)
      && str (env, argv[2], true, &fstype) && num (env, argv[3], &flags) && str (env, argv[4], true, &data))
    {
      int ret = mount (source, target, fstype, (unsigned long) flags, data);
      out = result (env, ret, errno);
    }
  free (source);
  free (target);
  free (fstype);
  free (data);
  return out;
}

/* chroot(path) */
static napi_value
js_chroot (napi_env env, napi_callback_info info)
{
  napi_value argv[1];
  char *path = NULL;
  napi_value out = NULL;
  if (args (env, info, 1, argv) && str (env, argv[0], false, &path))
    {
      int ret = chroot (path);
      out = result (env, ret, errno);
    }
  free (path);
  return out;
}

/* mknod(path, mode, dev) */
static napi_value
js_mknod (napi_env env, napi_callback_info info)
{
  napi_value argv[3];
  char *path = NULL;
  int64_t mode, dev;
  napi_value out = NULL;
  if (args (env, info, 3, argv) && str (env, argv[0], false, &path) && num (env, argv[1], &mode)
      && num (env, argv[2], &dev))
    {
      int ret = mknod (path, (mode_t) mode, (dev_t) dev);
      out = result (env, ret, errno);
    }
  free (path);
  return out;
}

/* lsetxattr(path, name, value: Buffer), flags 0 */
static napi_value
js_lsetxattr (napi_env env, napi_callback_info info)
{
  napi_value argv[3];
  char *path = NULL, *name = NULL;
  void *value;
  size_t size;
  napi_value out = NULL;
  if (args (env, info, 3, argv) && str (env, argv[0], false, &path) && str (env, argv[1], false, &name)
      && buf (env, argv[2], &value, &size))
    {
      int ret = lsetxattr (path, name, value, size, 0);
      out = result (env, ret, errno);
    }
  free (path);
  free (name);
  return out;
}

/* lgetxattr(path, name, into: Buffer): the value's length, written into `into` */
static napi_value
js_lgetxattr (napi_env env, napi_callback_info info)
{
  napi_value argv[3];
  char *path = NULL, *name = NULL;
  void *value;
  size_t size;
  napi_value out = NULL;
  if (args (env, info, 3, argv) && str (env, argv[0], false, &path) && str (env, argv[1], false, &name)
      && buf (env, argv[2], &value, &size))
    {
      ssize_t ret = lgetxattr (path, name, value, size);
      out = result (env, ret, errno);
    }
  free (path);
  free (name);
  return out;
}

/* ioctl(fd, TIOCSPTLCK, &lock): lock (1) or unlock (0) a pty master */
static napi_value
js_tiocsptlck (napi_env env, napi_callback_info info)
{
  napi_value argv[2];
  int64_t fd, lock;
  if (!args (env, info, 2, argv) || !num (env, argv[0], &fd) || !num (env, argv[1], &lock))
    return NULL;
  int value = (int) lock;
  int ret = ioctl ((int) fd, TIOCSPTLCK, &value);
  return result (env, ret, errno);
}

/* ioctl(fd, TIOCGPTN, &n): the number of a pty master's slave */
static napi_value
js_tiocgptn (napi_env env, napi_callback_info info)
{
  napi_value argv[1];
  int64_t fd;
  if (!args (env, info, 1, argv) || !num (env, argv[0], &fd))
    return NULL;
  unsigned int n = 0;
  int ret = ioctl ((int) fd, TIOCGPTN, &n);
  return result (env, ret < 0 ? ret : (int64_t) n, errno);
}

/* ioctl(fd, TIOCSWINSZ, {rows, cols}) */
static napi_value
js_tiocswinsz (napi_env env, napi_callback_info info)
{
  napi_value argv[3];
  int64_t fd, rows, cols;
  if (!args (env, info, 3, argv) || !num (env, argv[0], &fd) || !num (env, argv[1], &rows)
      || !num (env, argv[2], &cols))
    return NULL;
  struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
  int ret = ioctl ((int) fd, TIOCSWINSZ, &ws);
  return result (env, ret, errno);
}

/* flock(fd, op) */
static napi_value
js_flock (napi_env env, napi_callback_info info)
{
  napi_value argv[2];
  int64_t fd, op;
  if (!args (env, info, 2, argv) || !num (env, argv[0], &fd) || !num (env, argv[1], &op))
    return NULL;
  int ret = flock ((int) fd, (int) op);
  return result (env, ret, errno);
}

/* pipe2(flags): [read end, write end] */
static napi_value
js_pipe2 (napi_env env, napi_callback_info info)
{
  napi_value argv[1], pair, end;
  int64_t flags;
  int fds[2];
  if (!args (env, info, 1, argv) || !num (env, argv[0], &flags))
    return NULL;
  if (pipe2 (fds, (int) flags) < 0)
    return result (env, -1, errno);
  if (napi_create_array_with_length (env, 2, &pair) != napi_ok)
    goto fail;
  for (uint32_t i = 0; i < 2; i++)
    if (napi_create_int32 (env, fds[i], &end) != napi_ok || napi_set_element (env, pair, i, end) != napi_ok)
      goto fail;
  return pair;
fail:
  /* Node has an exception pending; the ends must not leak. */
  close (fds[0]);
  close (fds[1]);
  return NULL;
}

NAPI_MODULE_INIT ()
{
  const napi_property_descriptor fns[] = {
    { "mount", NULL, js_mount, NULL, NULL, NULL, napi_enumerable, NULL },
    { "chroot", NULL, js_chroot, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL },
    { "lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "tiocsptlck", NULL, js_tiocsptlck, NULL, NULL, NULL, napi_enumerable, NULL },
    { "tiocgptn", NULL, js_tiocgptn, NULL, NULL, NULL, napi_enumerable, NULL },
    { "tiocswinsz", NULL, js_tiocswinsz, NULL, NULL, NULL, napi_enumerable, NULL },
    { "flock", NULL, js_flock, NULL, NULL, NULL, napi_enumerable, NULL },
    { "pipe2", NULL, js_pipe2, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties (env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok)
    return NULL;
  return exports;
}
