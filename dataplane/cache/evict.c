/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte budget and approximate LRU eviction (writer side).
 *
 * Why sampling and not an LRU list: a true LRU list must be relinked on
 * every hit, i.e. a write to shared list pointers (and a lock) on the read
 * path of every worker.  Instead a hit only stores a coarse timestamp in
 * the blob (relaxed, skipped when unchanged; the line is already dirty from
 * the refcount), and the writer, when over budget, draws evict_samples
 * random candidates from a dense array of evictable blobs and evicts the
 * one with the oldest stamp, the way Redis approximates LRU.  With 16
 * samples the victim is, in expectation, older than ~94% of the
 * candidates; for a live origin (hot window at the live edge, a cold DVR
 * tail) that is indistinguishable from exact LRU, and the cost is O(samples)
 * per eviction with no per-hit bookkeeping at all.
 *
 * Only unpinned objects are candidates: live playlists/MPDs (and anything
 * published pinned, e.g. static VOD files) stay while their channel lives.
 * Evicting only unlinks from the index: readers and in-flight TX mbufs keep
 * their references, the memory goes when the last one does.
 */
#include "cache_internal.h"

void cache_evict_track(struct spate_cache *c, struct spate_cache_blob *b)
{
	b->evict_idx = c->n_evictable;
	c->evictable[c->n_evictable++] = b;
}

void cache_evict_untrack(struct spate_cache *c, struct spate_cache_blob *b)
{
	struct spate_cache_blob *last;

	if (b->evict_idx == UINT32_MAX)
		return;
	last = c->evictable[--c->n_evictable];
	c->evictable[b->evict_idx] = last;
	last->evict_idx = b->evict_idx;
	b->evict_idx = UINT32_MAX;
}

/* xorshift64*: writer-private, deterministic enough, no libc state. */
static uint64_t evict_rand(struct spate_cache *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* The oldest of evict_samples random candidates other than keep. */
static struct spate_cache_blob *evict_pick(struct spate_cache *c,
					   const struct spate_cache_blob *keep)
{
	struct spate_cache_blob *victim = NULL;
	uint32_t now = spate_cache_now();
	uint32_t best_age = 0;
	unsigned i;

	if (c->n_evictable == 0 ||
	    (c->n_evictable == 1 && c->evictable[0] == keep))
		return NULL;
	for (i = 0; i < c->cfg.evict_samples || victim == NULL; i++) {
		struct spate_cache_blob *b =
			c->evictable[evict_rand(c) % c->n_evictable];
		/* Unsigned difference: correct across the stamp's wrap. */
		uint32_t age = now - __atomic_load_n(&b->atime,
						     __ATOMIC_RELAXED);

		if (b == keep)
			continue;
		if (victim == NULL || age > best_age) {
			victim = b;
			best_age = age;
		}
	}
	return victim;
}

/*
 * Evicts until a new blob of need bytes fits in the budget.  keep is the
 * blob the new one will replace (or NULL): its bytes leave the index with
 * the replacement, so they count as free, and it is never chosen.  0, or
 * -ENOBUFS when only pinned objects are left.
 */
int cache_evict_make_room(struct spate_cache *c, uint64_t need,
			  const struct spate_cache_blob *keep)
{
	uint64_t credit = keep != NULL ? keep->alloc_bytes : 0;

	while (c->ws.bytes_indexed - credit + need > c->cfg.budget_bytes) {
		struct spate_cache_blob *v = evict_pick(c, keep);

		if (v == NULL) {
			c->ws.budget_failures++;
			return -ENOBUFS;
		}
		c->ws.evictions++;
		c->ws.bytes_evicted += v->alloc_bytes;
		cache_index_unlink(c, v);
	}
	return 0;
}
