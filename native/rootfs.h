/*
 * The container's root filesystem, in pid 1's new mount namespace: root.path
 * mounted from the image layers (io.tspod.rootfs backends) or bound onto
 * itself, the spec's mounts in order with every mount point created inside
 * the root without following a symlink out of it (openat2 RESOLVE_IN_ROOT,
 * then mount(2) through /proc/self/fd/N, as crun), pivot_root, masked and
 * read-only paths, the read-only root.
 */
#ifndef TSPOD_ROOTFS_H
#define TSPOD_ROOTFS_H

#include "error.h"
#include "spec.h"

/* root.path and the spec's mounts (with /dev's standard symlinks when the spec mounts /dev). */
int rootfs_prepare (const spec *s, rt_error *err);

/* For another OCI runtime (oci.c): root.path mounted and the volumes copied up, nothing else (the runtime mounts the rest). */
int rootfs_prepare_root (const spec *s, rt_error *err);

/* pivot_root into root.path; the old root is detached. */
int rootfs_enter (const spec *s, rt_error *err);

/* After rootfs_enter: maskedPaths, readonlyPaths, then root.readonly. */
int rootfs_finish (const spec *s, rt_error *err);

/*
 * The copy backend (flatten.c): `dest` made afresh (a partial copy removed),
 * then overlay-form layers applied into it, base first: 0/0 character-device
 * whiteouts remove, directories marked user.overlay.opaque=y replace.
 */
int flatten_layers (char **layers, size_t n, const char *dest, rt_error *err);

/*
 * The tree under the directory `src` copied into the existing directory
 * `dest` with owners, modes, times, xattrs, symlinks and hard links; `dest`
 * gets `src`'s owner and mode (flatten.c).
 */
int copy_tree (const char *src, const char *dest, rt_error *err);

/*
 * docker's copy-up (copyup.c): when `m` is a bind listed in io.tspod.copy-up,
 * the image's content at its destination (resolved inside the root, never
 * out of it) is copied into its source, if that is still empty. Before the
 * mount. 0 when there was nothing to do.
 */
int copy_up (const spec *s, int rootfd, const spec_mount *m, rt_error *err);

/* `-v ...:U` (copyup.c): the tree of a bind listed in io.tspod.chown given to its uid:gid, before the mount. */
int chown_volume (const spec *s, const spec_mount *m, rt_error *err);

#endif
