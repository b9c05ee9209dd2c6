/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static directory loading (VOD, tests): every regular file under a
 * directory becomes an object of a channel, read straight into its blob
 * (one copy from the page cache, no staging buffer).
 *
 * Slow path only: it reads files and holds the writer lock per file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_internal.h"

#define LOADDIR_DEPTH_MAX 16

static bool is_manifest(const char *rel)
{
	size_t n = strlen(rel);

	return (n >= 5 && strcasecmp(rel + n - 5, ".m3u8") == 0) ||
	       (n >= 4 && strcasecmp(rel + n - 4, ".mpd") == 0);
}

static int read_full(int fd, uint8_t *p, uint64_t size)
{
	while (size > 0) {
		ssize_t n = read(fd, p, size > (1u << 30) ? (1u << 30) : size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shrank while we read it */
		p += n;
		size -= (uint64_t)n;
	}
	return 0;
}

static int load_file(struct spate_cache_channel *ch, int fd, const char *rel,
		     uint64_t size)
{
	struct spate_cache_meta meta;
	struct spate_cache_blob *b;
	int rc;

	memset(&meta, 0, sizeof(meta));
	meta.kind = SPATE_CACHE_KIND_STATIC;
	meta.cls = is_manifest(rel) ? SPATE_CACHE_CLASS_ENDED
				    : SPATE_CACHE_CLASS_IMMUTABLE;
	meta.pinned = 1;
	pthread_mutex_lock(&ch->cache->wlock);
	rc = cache_publish_begin(ch, rel, &meta, size, &b);
	if (rc == 0) {
		rc = read_full(fd, cache_blob_body_mut(b), size);
		if (rc == 0)
			rc = cache_publish_commit(ch, b);
		else
			cache_publish_abort(b);
	}
	pthread_mutex_unlock(&ch->cache->wlock);
	return rc;
}

/* dirfd: open directory; rel: its path relative to the root ("" at the
 * root), in a PATH_MAX buffer we extend in place. */
static int load_tree(struct spate_cache_channel *ch, int dirfd, char *rel,
		     size_t rel_len, unsigned depth)
{
	DIR *d;
	struct dirent *e;
	int count = 0, rc = 0;

	if (depth > LOADDIR_DEPTH_MAX) {
		close(dirfd);
		return -ELOOP;
	}
	d = fdopendir(dirfd);
	if (d == NULL) {
		rc = -errno;
		close(dirfd);
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		size_t nlen = strlen(e->d_name);
		int fd;

		if (e->d_name[0] == '.')
			continue; /* ".", "..", dot files */
		if (rel_len + nlen + 2 > PATH_MAX) {
			rc = -ENAMETOOLONG;
			break;
		}
		fd = openat(dirfd, e->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			break;
		}
		if (fstat(fd, &st) < 0) {
			rc = -errno;
			close(fd);
			break;
		}
		if (rel_len > 0)
			rel[rel_len] = '/';
		memcpy(rel + rel_len + (rel_len > 0), e->d_name, nlen + 1);
		if (S_ISDIR(st.st_mode)) {
			rc = load_tree(ch, fd, rel, rel_len + (rel_len > 0) +
							    nlen,
				       depth + 1);
			rel[rel_len] = '\0';
			if (rc < 0)
				break;
			count += rc;
			rc = 0;
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			rc = load_file(ch, fd, rel, (uint64_t)st.st_size);
			if (rc == 0)
				count++;
		}
		close(fd);
		rel[rel_len] = '\0';
		if (rc < 0)
			break;
	}
	closedir(d);
	return rc < 0 ? rc : count;
}

int spate_cache_load_dir(struct spate_cache *c, struct spate_cache_channel *ch,
			 const char *dir)
{
	char rel[PATH_MAX];
	int fd;

	if (c == NULL || ch == NULL || dir == NULL || ch->cache != c)
		return -EINVAL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rel[0] = '\0';
	return load_tree(ch, fd, rel, 0, 0);
}
