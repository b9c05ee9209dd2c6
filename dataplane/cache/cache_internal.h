/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the cache's .c files.  Everything here is writer side
 * (called with spate_cache.wlock held) unless it says otherwise.
 */
#ifndef SPATE_CACHE_INTERNAL_H
#define SPATE_CACHE_INTERNAL_H

#include <pthread.h>

#include "cache.h"

enum cache_defer_type {
	CACHE_DEFER_BLOB = 1,	 /* spate_cache_blob_put(obj) */
	CACHE_DEFER_CHANNEL = 2, /* spate_cache_channel_put(obj) */
};

/*
 * One reclamation waiting for a grace period: first the hash key slot
 * (h, pos) is given back, then the reference on obj is dropped.
 */
struct cache_defer {
	uint64_t token; /* rte_rcu_qsbr_start() when deferred */
	struct rte_hash *h;
	int32_t pos; /* < 0: no key slot */
	uint8_t type;
	void *obj;
};

struct cache_writer_stats {
	uint64_t published;
	uint64_t bytes_published;
	uint64_t replaced;
	uint64_t removed;
	uint64_t evictions;
	uint64_t bytes_evicted;
	uint64_t alloc_failures;
	uint64_t budget_failures;
	uint64_t index_full;
	uint64_t defer_waits;
	uint64_t objects;
	uint64_t bytes_indexed;
	uint64_t channels;
};

struct spate_cache {
	struct spate_cache_config cfg;
	struct rte_hash *index;	   /* key -> struct spate_cache_blob * */
	struct rte_hash *channels; /* name -> struct spate_cache_channel * */
	struct rte_rcu_qsbr *qsbr;
	struct spate_cache_reader *readers; /* cfg.max_readers */
	int16_t reader_of_lcore[RTE_MAX_LCORE];
	uint32_t n_readers;
	uint32_t nslots; /* per blob */

	pthread_mutex_t wlock; /* writers only; readers never take it */

	/* Writer side, under wlock. */
	struct spate_cache_blob **evictable; /* dense, cfg.max_objects */
	uint32_t n_evictable;
	uint64_t rng;
	struct cache_defer *defer; /* ring of cfg.defer_max */
	uint32_t defer_head;
	uint32_t defer_count;
	uint64_t version_seq;
	struct cache_writer_stats ws;

	/* Any thread (atomics). */
	uint32_t refs; /* owner + live blobs + live channels */
	uint64_t blobs_alive;
	uint64_t bytes_alive;
	uint64_t blobs_freed;
};

/* cache.c */
void cache_ref(struct spate_cache *c);
void cache_unref(struct spate_cache *c);
int64_t cache_wall_ms(const struct spate_cache *c);
void cache_defer(struct spate_cache *c, struct rte_hash *h, int32_t pos,
		 enum cache_defer_type type, void *obj);
unsigned cache_reclaim_locked(struct spate_cache *c);
void cache_channel_bump(struct spate_cache_channel *ch);

/* blob.c */
int cache_blob_create(struct spate_cache_channel *ch, const char *key,
		      uint32_t key_len, const struct spate_cache_meta *meta,
		      const char *path, uint64_t size,
		      struct spate_cache_blob **out);
/* Space a blob of size body bytes would take, for the budget. */
uint64_t cache_blob_alloc_estimate(const struct spate_cache *c, uint64_t size);

/* index.c */
struct spate_cache_blob *cache_index_find(struct spate_cache *c,
					  const char *key);
int cache_index_insert(struct spate_cache *c, struct spate_cache_blob *b);
void cache_index_unlink(struct spate_cache *c, struct spate_cache_blob *b);

/* evict.c */
void cache_evict_track(struct spate_cache *c, struct spate_cache_blob *b);
void cache_evict_untrack(struct spate_cache *c, struct spate_cache_blob *b);
int cache_evict_make_room(struct spate_cache *c, uint64_t need,
			  const struct spate_cache_blob *keep);

/* publish.c */
int cache_publish_begin(struct spate_cache_channel *ch, const char *path,
			const struct spate_cache_meta *meta, uint64_t size,
			struct spate_cache_blob **out);
int cache_publish_commit(struct spate_cache_channel *ch,
			 struct spate_cache_blob *b);
void cache_publish_abort(struct spate_cache_blob *b);

static inline uint8_t *cache_blob_body_mut(struct spate_cache_blob *b)
{
	return (uint8_t *)(uintptr_t)b->body;
}

#endif /* SPATE_CACHE_INTERNAL_H */
