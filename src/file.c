/*
 * Files: capped reads, atomic writes that skip unchanged bytes, mkdir -p and
 * the run lock (see include/chorus/file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chorus/file.h"

struct chorus_lock {
	int fd;
};

int chorus_file_read(const char *path, size_t max, struct chorus_buf *out,
		     struct chorus_err *err)
{
	struct stat st;
	char chunk[65536];
	int fd, rc = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return chorus_err_set(
		    err, errno == ENOENT ? CHORUS_ENOTFOUND : CHORUS_EIO,
		    "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc =
		    chorus_err_set(err, CHORUS_EIO, "%s: is a directory", path);
		goto out;
	}
	if (max && st.st_size > 0 && (size_t)st.st_size > max) {
		rc = chorus_err_set(err, CHORUS_ETOOBIG,
				    "%s: file too large (%lld bytes, cap %zu)",
				    path, (long long)st.st_size, max);
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
					    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (max && out->len + (size_t)n > max) {
			rc = chorus_err_set(
			    err, CHORUS_ETOOBIG,
			    "%s: file too large (cap %zu bytes)", path, max);
			goto out;
		}
		rc = chorus_buf_add(out, chunk, (size_t)n);
		if (rc) {
			chorus_err_set(err, rc, "%s: %s", path,
				       chorus_strerror(rc));
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

/* Does the file at path hold exactly data? */
static int same_bytes(const char *path, const void *data, size_t len)
{
	char chunk[65536];
	const char *p = data;
	size_t off = 0;
	struct stat st;
	int fd, same = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != len)
		goto out;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (off + (size_t)n > len || memcmp(chunk, p + off, (size_t)n))
			goto out;
		off += (size_t)n;
	}
	same = n == 0 && off == len;
out:
	close(fd);
	return same;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int chorus_file_write_atomic(const char *path, const void *data, size_t len,
			     int *changed, struct chorus_err *err)
{
	struct chorus_buf tmp = CHORUS_BUF_INIT;
	int fd = -1, rc = 0;

	if (changed)
		*changed = 0;
	if (same_bytes(path, data, len))
		return 0;
	rc = chorus_buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	if (rc)
		return chorus_err_set(err, rc, "%s: out of memory", path);
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", tmp.data,
				    strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) || fsync(fd)) {
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", tmp.data,
				    strerror(errno));
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", tmp.data,
				    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, path)) {
		rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
				    strerror(errno));
		goto out;
	}
	if (changed)
		*changed = 1;
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp.data)
		unlink(tmp.data);
	chorus_buf_release(&tmp);
	return rc;
}

int chorus_file_mkdirs(const char *path, struct chorus_err *err)
{
	char *p = chorus_strdup(path);
	int rc = 0;
	char *s;

	if (!p)
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	for (s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			rc = chorus_err_set(err, CHORUS_EIO, "%s: %s", p,
					    strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

int chorus_file_mtime(const char *path, int64_t *out, struct chorus_err *err)
{
	struct stat st;

	if (stat(path, &st))
		return chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
				      strerror(errno));
	*out = (int64_t)st.st_mtime;
	return 0;
}

int chorus_lock_acquire(const char *path, struct chorus_lock **out,
			struct chorus_err *err)
{
	struct chorus_lock *lock;
	int fd;

	*out = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
				      strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int busy = errno == EWOULDBLOCK;

		close(fd);
		if (busy)
			return chorus_err_set(
			    err, CHORUS_ELOCKED,
			    "%s: another chorus run holds "
			    "this site's lock; try again when "
			    "it ends",
			    path);
		return chorus_err_set(err, CHORUS_EIO, "%s: %s", path,
				      strerror(errno));
	}
	lock = malloc(sizeof(*lock));
	if (!lock) {
		close(fd);
		return chorus_err_set(err, CHORUS_ENOMEM, "out of memory");
	}
	lock->fd = fd;
	*out = lock;
	return 0;
}

void chorus_lock_release(struct chorus_lock *lock)
{
	if (!lock)
		return;
	close(lock->fd); /* closing drops the flock */
	free(lock);
}

char *chorus_path_join(const char *a, const char *b)
{
	struct chorus_buf buf = CHORUS_BUF_INIT;
	size_t la = strlen(a);

	if (b[0] == '/' || !strcmp(a, ".") || !a[0])
		return chorus_strdup(b);
	if (chorus_buf_add(&buf, a, la) ||
	    (la && a[la - 1] != '/' && chorus_buf_addc(&buf, '/')) ||
	    chorus_buf_adds(&buf, b)) {
		chorus_buf_release(&buf);
		return NULL;
	}
	return chorus_buf_detach(&buf, NULL);
}
