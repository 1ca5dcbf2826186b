/*
 * Files: capped reads, atomic writes that leave a file alone when its bytes
 * would not change, directory creation and the per-site run lock.
 *
 * Every file chorus publishes or stores is written to a temporary file in
 * the same directory and renamed over the old one, so a run killed at any
 * moment leaves either the old or the new version, never half of one.
 */
#ifndef CHORUS_FILE_H
#define CHORUS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "chorus/buf.h"
#include "chorus/error.h"

/*
 * Read the whole file at path into out (appending). A file over max bytes
 * fails with CHORUS_ETOOBIG without being read.
 */
int chorus_file_read(const char *path, size_t max, struct chorus_buf *out,
		     struct chorus_err *err);

/*
 * Write data to path atomically. When the file already holds exactly these
 * bytes nothing is written and its mtime stays; *changed (may be NULL) says
 * which happened.
 */
int chorus_file_write_atomic(const char *path, const void *data, size_t len,
			     int *changed, struct chorus_err *err);

/* mkdir -p. */
int chorus_file_mkdirs(const char *path, struct chorus_err *err);

/* Modification time of path in seconds, or a negative error. */
int chorus_file_mtime(const char *path, int64_t *out, struct chorus_err *err);

/* An exclusive advisory lock on a file, held until released. */
struct chorus_lock;

/*
 * Take the lock at path (created if missing) without waiting: fails with
 * CHORUS_ELOCKED when another process holds it.
 */
int chorus_lock_acquire(const char *path, struct chorus_lock **out,
			struct chorus_err *err);
void chorus_lock_release(struct chorus_lock *lock);

/* Join two path parts with one '/', into a new string the caller frees. */
char *chorus_path_join(const char *a, const char *b);

#endif
