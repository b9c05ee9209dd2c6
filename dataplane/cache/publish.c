/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing (writer side): budget, blob creation, the one copy of the
 * object's bytes, the index switch and the channel generation; explicit
 * removal; and the adapter that makes the cache a packager output.
 *
 * Order matters for readers: the blob is complete (bytes, fields, slots)
 * before the index's release store makes it visible, and the channel
 * generation is bumped (release) after that store, so a reader that sees
 * the new generation and then looks up finds the new object.
 *
 * Must not: be called from a reader lcore (it takes the writer lock and
 * may wait for a grace period when the defer queue is full).
 */
#include <stddef.h>
#include <string.h>

#include "cache_internal.h"
#include "packager/packager.h"

int cache_publish_begin(struct spate_cache_channel *ch, const char *path,
			const struct spate_cache_meta *meta, uint64_t size,
			struct spate_cache_blob **out)
{
	struct spate_cache *c = ch->cache;
	char key[SPATE_CACHE_KEY_LEN] __rte_aligned(16);
	int key_len, rc;

	if (ch->dead || path == NULL || meta == NULL ||
	    meta->cls > SPATE_CACHE_CLASS_NO_STORE)
		return -EINVAL;
	key_len = spate_cache_key_make(key, ch->name, ch->name_len, path,
				       strlen(path));
	if (key_len < 0)
		return key_len;
	/* What readers released since the last call frees memory first. */
	cache_reclaim_locked(c);
	rc = cache_evict_make_room(c, cache_blob_alloc_estimate(c, size),
				   cache_index_find(c, key));
	if (rc < 0)
		return rc;
	return cache_blob_create(ch, key, (uint32_t)key_len, meta, path, size,
				 out);
}

int cache_publish_commit(struct spate_cache_channel *ch,
			 struct spate_cache_blob *b)
{
	struct spate_cache *c = ch->cache;
	int rc;

	rc = cache_index_insert(c, b);
	if (rc < 0) {
		cache_publish_abort(b);
		return rc;
	}
	cache_channel_bump(ch);
	c->ws.published++;
	c->ws.bytes_published += b->size;
	cache_reclaim_locked(c);
	return 0;
}

/* A blob never inserted: nobody else can hold it, free it now. */
void cache_publish_abort(struct spate_cache_blob *b)
{
	spate_cache_blob_put(b);
}

int spate_cache_publish(struct spate_cache_channel *ch, const char *path,
			const struct spate_cache_meta *meta,
			const struct spate_cache_iov *iov, unsigned iovcnt)
{
	struct spate_cache_blob *b;
	uint64_t size = 0;
	uint8_t *p;
	unsigned i;
	int rc;

	if (ch == NULL || (iovcnt > 0 && iov == NULL))
		return -EINVAL;
	for (i = 0; i < iovcnt; i++)
		size += iov[i].len;
	pthread_mutex_lock(&ch->cache->wlock);
	rc = cache_publish_begin(ch, path, meta, size, &b);
	if (rc == 0) {
		p = cache_blob_body_mut(b);
		for (i = 0; i < iovcnt; i++) {
			if (iov[i].len == 0)
				continue;
			memcpy(p, iov[i].base, iov[i].len);
			p += iov[i].len;
		}
		rc = cache_publish_commit(ch, b);
	}
	pthread_mutex_unlock(&ch->cache->wlock);
	return rc;
}

int spate_cache_remove(struct spate_cache_channel *ch, const char *path)
{
	struct spate_cache *c;
	struct spate_cache_blob *b;
	char key[SPATE_CACHE_KEY_LEN] __rte_aligned(16);
	int rc;

	if (ch == NULL || path == NULL)
		return -EINVAL;
	c = ch->cache;
	rc = spate_cache_key_make(key, ch->name, ch->name_len, path,
				  strlen(path));
	if (rc < 0)
		return rc == -ENAMETOOLONG ? -ENOENT : rc;
	pthread_mutex_lock(&c->wlock);
	b = cache_index_find(c, key);
	if (b == NULL || b->channel != ch) {
		rc = -ENOENT;
	} else {
		c->ws.removed++;
		cache_index_unlink(c, b);
		cache_reclaim_locked(c);
		rc = 0;
	}
	pthread_mutex_unlock(&c->wlock);
	return rc;
}

struct spate_cache_blob *spate_cache_peek(struct spate_cache_channel *ch,
					  const char *path)
{
	struct spate_cache *c = ch->cache;
	struct spate_cache_blob *b = NULL;
	char key[SPATE_CACHE_KEY_LEN] __rte_aligned(16);

	if (spate_cache_key_make(key, ch->name, ch->name_len, path,
				 strlen(path)) < 0)
		return NULL;
	pthread_mutex_lock(&c->wlock);
	b = cache_index_find(c, key);
	if (b != NULL)
		spate_cache_blob_get(b);
	pthread_mutex_unlock(&c->wlock);
	return b;
}

/* ---- Packager output ---------------------------------------------------- */

static void pkg_meta(const struct spate_object_info *info,
		     struct spate_cache_meta *m)
{
	memset(m, 0, sizeof(*m));
	switch (info->kind) {
	case SPATE_OBJ_INIT:
		m->kind = SPATE_CACHE_KIND_INIT;
		m->cls = SPATE_CACHE_CLASS_IMMUTABLE;
		break;
	case SPATE_OBJ_SEGMENT:
		m->kind = SPATE_CACHE_KIND_SEGMENT;
		m->cls = SPATE_CACHE_CLASS_IMMUTABLE;
		break;
	case SPATE_OBJ_PART:
		m->kind = SPATE_CACHE_KIND_PART;
		m->cls = SPATE_CACHE_CLASS_IMMUTABLE;
		break;
	case SPATE_OBJ_MEDIA_PLAYLIST:
	case SPATE_OBJ_MULTIVARIANT:
		m->kind = SPATE_CACHE_KIND_PLAYLIST;
		m->cls = info->final ? SPATE_CACHE_CLASS_ENDED
				     : SPATE_CACHE_CLASS_LIVE;
		break;
	case SPATE_OBJ_MPD:
		m->kind = SPATE_CACHE_KIND_MPD;
		m->cls = info->final ? SPATE_CACHE_CLASS_ENDED
				     : SPATE_CACHE_CLASS_LIVE;
		break;
	default:
		m->kind = SPATE_CACHE_KIND_OTHER;
		m->cls = SPATE_CACHE_CLASS_LIVE; /* unknown: never evict */
		break;
	}
}

/*
 * The packager's gather list goes straight into the blob (one copy) through
 * spate_cache_publish: its spate_iov has the same layout as spate_cache_iov,
 * which the asserts pin down.
 */
_Static_assert(sizeof(struct spate_iov) == sizeof(struct spate_cache_iov) &&
		       offsetof(struct spate_iov, base) ==
			       offsetof(struct spate_cache_iov, base) &&
		       offsetof(struct spate_iov, len) ==
			       offsetof(struct spate_cache_iov, len),
	       "spate_iov and spate_cache_iov must share a layout");

static int pkg_publish(void *ctx, const struct spate_object_info *info,
		       const struct spate_iov *iov, unsigned iovcnt)
{
	struct spate_cache_meta meta;

	if (info == NULL || info->name == NULL)
		return -EINVAL;
	pkg_meta(info, &meta);
	return spate_cache_publish(ctx, info->name, &meta,
				   (const struct spate_cache_iov *)iov, iovcnt);
}

static int pkg_remove(void *ctx, const struct spate_object_info *info)
{
	if (info == NULL || info->name == NULL)
		return -EINVAL;
	return spate_cache_remove(ctx, info->name);
}

const struct spate_output_ops spate_cache_output_ops = {
	.publish = pkg_publish,
	.remove = pkg_remove,
};
