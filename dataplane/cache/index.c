/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The index, writer side: insert (publish or atomic replace) and unlink,
 * plus the writer's own bookkeeping of what the index holds (per-channel
 * object list, byte count, eviction candidates).
 *
 * The index holds one reference on each blob in it.  When a blob leaves the
 * index, that reference (and, for a delete, the rte_hash key slot) is
 * handed to the deferred-reclamation queue: a reader may have loaded the
 * pointer just before and not yet taken its own reference.
 *
 * Must not: free anything directly, or be called without the writer lock.
 */
#include "cache_internal.h"

struct spate_cache_blob *cache_index_find(struct spate_cache *c,
					  const char *key)
{
	void *data;

	if (rte_hash_lookup_data(c->index, key, &data) < 0)
		return NULL;
	return data;
}

static void track_add(struct spate_cache *c, struct spate_cache_blob *b)
{
	struct spate_cache_channel *ch = b->channel;

	b->chan_prev = NULL;
	b->chan_next = ch->objects;
	if (ch->objects != NULL)
		ch->objects->chan_prev = b;
	ch->objects = b;
	ch->n_objects++;
	ch->bytes += b->alloc_bytes;
	c->ws.objects++;
	c->ws.bytes_indexed += b->alloc_bytes;
	b->indexed = 1;
	if (!b->pinned)
		cache_evict_track(c, b);
}

static void track_del(struct spate_cache *c, struct spate_cache_blob *b)
{
	struct spate_cache_channel *ch = b->channel;

	if (b->chan_prev != NULL)
		b->chan_prev->chan_next = b->chan_next;
	else
		ch->objects = b->chan_next;
	if (b->chan_next != NULL)
		b->chan_next->chan_prev = b->chan_prev;
	b->chan_prev = b->chan_next = NULL;
	ch->n_objects--;
	ch->bytes -= b->alloc_bytes;
	c->ws.objects--;
	c->ws.bytes_indexed -= b->alloc_bytes;
	b->indexed = 0;
	cache_evict_untrack(c, b);
}

/*
 * Publishes b under its key.  An existing blob is replaced in one release
 * store of the data pointer (rte_hash LF search-and-update), so a reader
 * sees the old or the new object, never neither.  Takes over the caller's
 * reference on b.  0 or -ENOSPC.
 */
int cache_index_insert(struct spate_cache *c, struct spate_cache_blob *b)
{
	struct spate_cache_blob *old = cache_index_find(c, b->key);
	int rc;

	rc = rte_hash_add_key_data(c->index, b->key, b);
	if (rc < 0) {
		c->ws.index_full++;
		return -ENOSPC;
	}
	if (old != NULL) {
		track_del(c, old);
		c->ws.replaced++;
		cache_defer(c, NULL, -1, CACHE_DEFER_BLOB, old);
	}
	track_add(c, b);
	return 0;
}

/* Removes b from the index (b must be in it). */
void cache_index_unlink(struct spate_cache *c, struct spate_cache_blob *b)
{
	int32_t pos = rte_hash_del_key(c->index, b->key);

	track_del(c, b);
	cache_channel_bump(b->channel);
	cache_defer(c, pos >= 0 ? c->index : NULL, pos, CACHE_DEFER_BLOB, b);
}
