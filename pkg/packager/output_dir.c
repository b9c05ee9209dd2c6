/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Directory output: temp file + rename per object, unlink on removal.
 * Object names come from the packager (manifest.h layout) and never hold
 * "..", so they are joined to the root as they are.
 */
#include "output_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

struct spate_output_dir {
	char root[PATH_MAX];
};

static int mkdir_p(char *path)
{
	for (char *s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*s = '/';
			return -errno;
		}
		*s = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int spate_output_dir_open(struct spate_output_dir **out, const char *path)
{
	struct spate_output_dir *d;
	int rc;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	if (snprintf(d->root, sizeof(d->root), "%s", path) >=
	    (int)sizeof(d->root)) {
		free(d);
		return -ENAMETOOLONG;
	}
	rc = mkdir_p(d->root);
	if (rc < 0) {
		free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void spate_output_dir_close(struct spate_output_dir *d)
{
	free(d);
}

/* writev() in batches, resuming after short writes. */
static int write_all(int fd, const struct spate_iov *iov, unsigned n)
{
	enum { BATCH = 64 };
	struct iovec v[BATCH];
	unsigned i = 0;
	size_t skip = 0; /* bytes of iov[i] already written */

	while (i < n) {
		unsigned k = 0;
		ssize_t w;

		for (; k < BATCH && i + k < n; k++) {
			size_t s = k == 0 ? skip : 0;

			v[k].iov_base = (void *)(iov[i + k].base + s);
			v[k].iov_len = iov[i + k].len - s;
		}
		w = writev(fd, v, (int)k);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (i < n && (size_t)w >= iov[i].len - skip) {
			w -= (ssize_t)(iov[i].len - skip);
			skip = 0;
			i++;
		}
		skip += (size_t)w;
	}
	return 0;
}

static int dir_publish(void *ctx, const struct spate_object_info *info,
		       const struct spate_iov *iov, unsigned iovcnt)
{
	struct spate_output_dir *d = ctx;
	char path[PATH_MAX], tmp[PATH_MAX + 8], *slash;
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/%s", d->root, info->name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT) {
		/* First object of a rendition: its directory is new. */
		slash = strrchr(path, '/');
		*slash = '\0';
		rc = mkdir_p(path);
		*slash = '/';
		if (rc < 0)
			return rc;
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return -errno;
	rc = write_all(fd, iov, iovcnt);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int dir_remove(void *ctx, const struct spate_object_info *info)
{
	struct spate_output_dir *d = ctx;
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", d->root, info->name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

const struct spate_output_ops spate_output_dir_ops = {
	.publish = dir_publish,
	.remove = dir_remove,
};
