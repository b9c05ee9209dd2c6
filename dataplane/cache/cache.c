/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cache context: creation and teardown, reader registration, counters,
 * deferred reclamation, and channels.
 *
 * Why rte_hash (RW_CONCURRENCY_LF) + rte_rcu_qsbr instead of an own
 * RCU-published table: rte_hash already gives lock-free lookups that see
 * either the old or the new data pointer while the writer adds, replaces
 * (an atomic release store of the pointer) and deletes, with vectorised
 * key compare and bulk lookup; what it leaves to the user is *when* a
 * deleted key slot and a replaced pointer may be reused, which is exactly
 * what QSBR answers with a per-loop quiescent report that costs readers a
 * store.  An own table would re-implement cuckoo/bucket concurrency for no
 * gain.  We keep our own FIFO of deferred reclamations (token, key slot,
 * reference) rather than rte_hash_rcu_qsbr_add(): the integrated mode only
 * covers deletes, not pointer replacement, and rte_rcu_qsbr_dq_* is still
 * experimental in 22.11.  Tokens are taken in order, so the FIFO head is
 * always the oldest and reclamation stops at the first entry not yet safe.
 *
 * Must not: take the writer lock from a reader path, or block except in
 * spate_cache_synchronize() and on a full defer queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "cache_internal.h"

void spate_cache_config_defaults(struct spate_cache_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->budget_bytes = 256ull << 20;
	cfg->max_objects = 65536;
	cfg->max_channels = 256;
	cfg->max_readers = 4;
	cfg->slots_per_reader = 1;
	cfg->evict_samples = 16;
	cfg->defer_max = 8192;
	cfg->socket_id = SOCKET_ID_ANY;
}

int64_t cache_wall_ms(const struct spate_cache *c)
{
	struct timespec ts;

	if (c->cfg.wall_ms != NULL)
		return c->cfg.wall_ms();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Lifetime ----------------------------------------------------------- */

static void cache_free_tables(struct spate_cache *c)
{
	rte_hash_free(c->index);
	rte_hash_free(c->channels);
	c->index = NULL;
	c->channels = NULL;
	rte_free(c->qsbr);
	rte_free(c->readers);
	rte_free(c->evictable);
	rte_free(c->defer);
	c->qsbr = NULL;
	c->readers = NULL;
	c->evictable = NULL;
	c->defer = NULL;
}

void cache_ref(struct spate_cache *c)
{
	__atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED);
}

/* The context itself outlives destroy while blobs referenced by in-flight
 * mbufs still point at it (their free updates its counters). */
void cache_unref(struct spate_cache *c)
{
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		pthread_mutex_destroy(&c->wlock);
		rte_free(c);
	}
}

static int cfg_check(const struct spate_cache_config *cfg)
{
	if (cfg->max_objects == 0 || cfg->max_channels == 0 ||
	    cfg->max_readers == 0 || cfg->max_readers > RTE_MAX_LCORE ||
	    cfg->slots_per_reader == 0 || cfg->evict_samples == 0 ||
	    cfg->defer_max == 0 || cfg->budget_bytes == 0)
		return -EINVAL;
	/* nslots is a uint8_t in the blob. */
	if ((uint64_t)cfg->max_readers * cfg->slots_per_reader > 255)
		return -EINVAL;
	return 0;
}

struct spate_cache *spate_cache_create(const struct spate_cache_config *cfg)
{
	struct rte_hash_parameters hp;
	struct spate_cache *c;
	char name[RTE_HASH_NAMESIZE];
	size_t qsz;
	unsigned i;

	if (cfg == NULL || cfg_check(cfg) < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	c = rte_zmalloc_socket("spate_cache", sizeof(*c), RTE_CACHE_LINE_SIZE,
			       cfg->socket_id);
	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	c->cfg = *cfg;
	c->refs = 1;
	c->nslots = cfg->max_readers * cfg->slots_per_reader;
	pthread_mutex_init(&c->wlock, NULL);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		c->reader_of_lcore[i] = -1;

	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.hash_func = rte_hash_crc;
	hp.socket_id = cfg->socket_id;
	/*
	 * LF: lookups never take a lock and never retry on a writer's lock.
	 * EXT_TABLE: capacity is guaranteed (no cuckoo-path insert failures
	 * before max_objects).  One writer at a time (our mutex), so no
	 * MULTI_WRITER_ADD.
	 */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	snprintf(name, sizeof(name), "spc_i_%p", (void *)c);
	hp.entries = RTE_MAX(cfg->max_objects, 8u);
	hp.key_len = SPATE_CACHE_KEY_LEN;
	c->index = rte_hash_create(&hp);
	snprintf(name, sizeof(name), "spc_c_%p", (void *)c);
	hp.entries = RTE_MAX(cfg->max_channels, 8u);
	hp.key_len = SPATE_CACHE_CHANNEL_NAME_MAX + 1;
	c->channels = rte_hash_create(&hp);

	qsz = rte_rcu_qsbr_get_memsize(cfg->max_readers);
	c->qsbr = rte_zmalloc_socket("spate_cache_qsbr", qsz,
				     RTE_CACHE_LINE_SIZE, cfg->socket_id);
	c->readers = rte_zmalloc_socket(
		"spate_cache_readers",
		sizeof(*c->readers) * cfg->max_readers, RTE_CACHE_LINE_SIZE,
		cfg->socket_id);
	c->evictable = rte_zmalloc_socket(
		"spate_cache_lru", sizeof(*c->evictable) * cfg->max_objects, 0,
		cfg->socket_id);
	c->defer = rte_zmalloc_socket("spate_cache_defer",
				      sizeof(*c->defer) * cfg->defer_max, 0,
				      cfg->socket_id);
	if (c->index == NULL || c->channels == NULL || c->qsbr == NULL ||
	    c->readers == NULL || c->evictable == NULL || c->defer == NULL ||
	    rte_rcu_qsbr_init(c->qsbr, cfg->max_readers) != 0) {
		cache_free_tables(c);
		cache_unref(c);
		rte_errno = ENOMEM;
		return NULL;
	}
	/*
	 * Versions (ETags) continue from the wall clock in microseconds, so
	 * a restarted origin never reuses a version it may have handed out
	 * for other bytes (unless it publishes over a million objects a
	 * second).
	 */
	c->version_seq = (uint64_t)cache_wall_ms(c) * 1000;
	c->rng = c->version_seq | 1;
	return c;
}

void spate_cache_destroy(struct spate_cache *c)
{
	const void *key;
	void *data;
	uint32_t next = 0;

	if (c == NULL)
		return;
	/* Channel destroy edits the channel table: collect first. */
	for (;;) {
		next = 0;
		if (rte_hash_iterate(c->channels, &key, &data, &next) < 0)
			break;
		spate_cache_channel_destroy(data);
	}
	spate_cache_synchronize(c);
	pthread_mutex_lock(&c->wlock);
	cache_free_tables(c);
	pthread_mutex_unlock(&c->wlock);
	cache_unref(c);
}

/* ---- Readers ------------------------------------------------------------ */

int spate_cache_reader_register(struct spate_cache *c, unsigned lcore_id,
				struct spate_cache_reader **out)
{
	struct spate_cache_reader *r;
	int rc = 0;

	if (c == NULL || lcore_id >= RTE_MAX_LCORE || out == NULL)
		return -EINVAL;
	pthread_mutex_lock(&c->wlock);
	if (c->reader_of_lcore[lcore_id] >= 0) {
		*out = &c->readers[c->reader_of_lcore[lcore_id]];
		rc = -EEXIST;
		goto out;
	}
	if (c->n_readers >= c->cfg.max_readers) {
		rc = -ENOSPC;
		goto out;
	}
	r = &c->readers[c->n_readers];
	memset(r, 0, sizeof(*r));
	r->cache = c;
	r->index = c->index;
	r->channels = c->channels;
	r->qsbr = c->qsbr;
	r->id = c->n_readers;
	r->slots_per_reader = c->cfg.slots_per_reader;
	r->slot_base = r->id * r->slots_per_reader;
	r->lcore_id = lcore_id;
	if (rte_rcu_qsbr_thread_register(c->qsbr, r->id) != 0) {
		rc = -EINVAL;
		goto out;
	}
	c->reader_of_lcore[lcore_id] = (int16_t)c->n_readers++;
	*out = r;
out:
	pthread_mutex_unlock(&c->wlock);
	return rc;
}

struct spate_cache_reader *spate_cache_reader_get(struct spate_cache *c,
						  unsigned lcore_id)
{
	if (lcore_id >= RTE_MAX_LCORE || c->reader_of_lcore[lcore_id] < 0)
		return NULL;
	return &c->readers[c->reader_of_lcore[lcore_id]];
}

unsigned spate_cache_lookup_burst(struct spate_cache_reader *r,
				  const char (*keys)[SPATE_CACHE_KEY_LEN],
				  unsigned n, struct spate_cache_blob **out)
{
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hit = 0;
	uint32_t now = spate_cache_now();
	unsigned i, found = 0;

	n = RTE_MIN(n, (unsigned)RTE_HASH_LOOKUP_BULK_MAX);
	for (i = 0; i < n; i++)
		kp[i] = keys[i];
	if (n == 0 ||
	    rte_hash_lookup_bulk_data(r->index, kp, n, &hit, data) < 0)
		hit = 0;
	for (i = 0; i < n; i++) {
		struct spate_cache_blob *b;

		if (!(hit & (1ull << i))) {
			out[i] = NULL;
			continue;
		}
		b = data[i];
		spate_cache_blob_get(b);
		if (__atomic_load_n(&b->atime, __ATOMIC_RELAXED) != now)
			__atomic_store_n(&b->atime, now, __ATOMIC_RELAXED);
		out[i] = b;
		found++;
	}
	r->stats.hits += found;
	r->stats.misses += n - found;
	return found;
}

/* ---- Counters ----------------------------------------------------------- */

void spate_cache_stats(struct spate_cache *c, struct spate_cache_stats *out)
{
	unsigned i;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->wlock);
	for (i = 0; i < c->n_readers; i++) {
		const struct spate_cache_reader_stats *s = &c->readers[i].stats;

		out->hits += __atomic_load_n(&s->hits, __ATOMIC_RELAXED);
		out->misses += __atomic_load_n(&s->misses, __ATOMIC_RELAXED);
		out->zc_bytes_attached += __atomic_load_n(
			&s->zc_bytes_attached, __ATOMIC_RELAXED);
		out->zc_attachments +=
			__atomic_load_n(&s->zc_attachments, __ATOMIC_RELAXED);
		out->slot_exhausted +=
			__atomic_load_n(&s->slot_exhausted, __ATOMIC_RELAXED);
	}
	out->published = c->ws.published;
	out->bytes_published = c->ws.bytes_published;
	out->replaced = c->ws.replaced;
	out->removed = c->ws.removed;
	out->evictions = c->ws.evictions;
	out->bytes_evicted = c->ws.bytes_evicted;
	out->alloc_failures = c->ws.alloc_failures;
	out->budget_failures = c->ws.budget_failures;
	out->index_full = c->ws.index_full;
	out->defer_waits = c->ws.defer_waits;
	out->objects = c->ws.objects;
	out->bytes_indexed = c->ws.bytes_indexed;
	out->channels = c->ws.channels;
	out->deferred = c->defer_count;
	pthread_mutex_unlock(&c->wlock);
	out->blobs_alive = __atomic_load_n(&c->blobs_alive, __ATOMIC_RELAXED);
	out->bytes_alive = __atomic_load_n(&c->bytes_alive, __ATOMIC_RELAXED);
	out->blobs_freed = __atomic_load_n(&c->blobs_freed, __ATOMIC_RELAXED);
}

/* ---- Deferred reclamation ----------------------------------------------- */

static void defer_run(struct cache_defer *d)
{
	if (d->h != NULL && d->pos >= 0)
		rte_hash_free_key_with_position(d->h, d->pos);
	if (d->type == CACHE_DEFER_BLOB)
		spate_cache_blob_put(d->obj);
	else if (d->type == CACHE_DEFER_CHANNEL)
		spate_cache_channel_put(d->obj);
}

/*
 * A writer that is itself an online reader lcore would wait for its own
 * quiescent report forever.  Inside a writer call it holds no unreferenced
 * blob pointer, so it is at a quiescent point: report it.
 */
static void self_quiescent(struct spate_cache *c)
{
	unsigned lcore = rte_lcore_id();
	int idx;

	if (lcore >= RTE_MAX_LCORE || (idx = c->reader_of_lcore[lcore]) < 0)
		return;
	if (__atomic_load_n(&c->qsbr->qsbr_cnt[idx].cnt, __ATOMIC_RELAXED) !=
	    __RTE_QSBR_CNT_THR_OFFLINE)
		rte_rcu_qsbr_quiescent(c->qsbr, (unsigned)idx);
}

/* Runs deferred entries from the head while they are safe; `wait` blocks
 * for the head's grace period instead of stopping. */
static unsigned defer_reclaim(struct spate_cache *c, bool wait)
{
	if (wait)
		self_quiescent(c);
	while (c->defer_count > 0) {
		struct cache_defer *d = &c->defer[c->defer_head];

		if (rte_rcu_qsbr_check(c->qsbr, d->token, wait) != 1)
			break;
		defer_run(d);
		c->defer_head = (c->defer_head + 1) % c->cfg.defer_max;
		c->defer_count--;
	}
	return c->defer_count;
}

void cache_defer(struct spate_cache *c, struct rte_hash *h, int32_t pos,
		 enum cache_defer_type type, void *obj)
{
	struct cache_defer *d;

	if (c->defer_count == c->cfg.defer_max) {
		defer_reclaim(c, false);
		if (c->defer_count == c->cfg.defer_max) {
			/* Readers are behind: wait for the oldest entry. */
			c->ws.defer_waits++;
			while (c->defer_count == c->cfg.defer_max)
				defer_reclaim(c, true);
		}
	}
	d = &c->defer[(c->defer_head + c->defer_count) % c->cfg.defer_max];
	d->token = rte_rcu_qsbr_start(c->qsbr);
	d->h = h;
	d->pos = pos;
	d->type = (uint8_t)type;
	d->obj = obj;
	c->defer_count++;
}

unsigned cache_reclaim_locked(struct spate_cache *c)
{
	return defer_reclaim(c, false);
}

unsigned spate_cache_reclaim(struct spate_cache *c)
{
	unsigned n;

	pthread_mutex_lock(&c->wlock);
	n = defer_reclaim(c, false);
	pthread_mutex_unlock(&c->wlock);
	return n;
}

void spate_cache_synchronize(struct spate_cache *c)
{
	pthread_mutex_lock(&c->wlock);
	defer_reclaim(c, true);
	pthread_mutex_unlock(&c->wlock);
}

/* ---- Channels ----------------------------------------------------------- */

static int channel_key(char key[SPATE_CACHE_CHANNEL_NAME_MAX + 1],
		       const char *name)
{
	size_t len = strnlen(name, SPATE_CACHE_CHANNEL_NAME_MAX + 1);

	if (len == 0 || len > SPATE_CACHE_CHANNEL_NAME_MAX ||
	    memchr(name, '/', len) != NULL)
		return -EINVAL;
	memset(key, 0, SPATE_CACHE_CHANNEL_NAME_MAX + 1);
	memcpy(key, name, len);
	return (int)len;
}

void cache_channel_bump(struct spate_cache_channel *ch)
{
	__atomic_fetch_add(&ch->generation, 1, __ATOMIC_RELEASE);
}

int spate_cache_channel_create(struct spate_cache *c, const char *name,
			       const struct spate_cache_channel_config *cfg,
			       struct spate_cache_channel **out)
{
	struct spate_cache_channel *ch;
	char key[SPATE_CACHE_CHANNEL_NAME_MAX + 1] __rte_aligned(16);
	int len, rc;

	if (c == NULL || name == NULL || out == NULL)
		return -EINVAL;
	len = channel_key(key, name);
	if (len < 0)
		return len;
	pthread_mutex_lock(&c->wlock);
	if (rte_hash_lookup(c->channels, key) >= 0) {
		rc = -EEXIST;
		goto out;
	}
	if (c->ws.channels >= c->cfg.max_channels) {
		rc = -ENOSPC;
		goto out;
	}
	ch = rte_zmalloc_socket("spate_cache_channel", sizeof(*ch),
				RTE_CACHE_LINE_SIZE, c->cfg.socket_id);
	if (ch == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(ch->name, key, sizeof(ch->name));
	memcpy(ch->key, key, sizeof(ch->key));
	ch->name_len = (uint32_t)len;
	ch->cache = c;
	ch->cfg.live_max_age_s = 1;
	ch->cfg.ended_max_age_s = 3600;
	if (cfg != NULL) {
		if (cfg->live_max_age_s)
			ch->cfg.live_max_age_s = cfg->live_max_age_s;
		if (cfg->ended_max_age_s)
			ch->cfg.ended_max_age_s = cfg->ended_max_age_s;
	}
	ch->refcnt = 1; /* the channel table's */
	ch->generation = 1;
	rc = rte_hash_add_key_data(c->channels, ch->key, ch);
	if (rc < 0) {
		rte_free(ch);
		goto out;
	}
	cache_ref(c);
	c->ws.channels++;
	*out = ch;
	rc = 0;
out:
	pthread_mutex_unlock(&c->wlock);
	return rc;
}

void spate_cache_channel_destroy(struct spate_cache_channel *ch)
{
	struct spate_cache *c;
	int32_t pos;

	if (ch == NULL)
		return;
	c = ch->cache;
	pthread_mutex_lock(&c->wlock);
	if (ch->dead) {
		pthread_mutex_unlock(&c->wlock);
		return;
	}
	while (ch->objects != NULL) {
		c->ws.removed++;
		cache_index_unlink(c, ch->objects);
	}
	ch->dead = 1;
	pos = rte_hash_del_key(c->channels, ch->key);
	c->ws.channels--;
	/* Parked requests wake up and find nothing. */
	cache_channel_bump(ch);
	cache_defer(c, pos >= 0 ? c->channels : NULL, pos, CACHE_DEFER_CHANNEL,
		    ch);
	cache_reclaim_locked(c);
	pthread_mutex_unlock(&c->wlock);
}

struct spate_cache_channel *spate_cache_channel_lookup(struct spate_cache *c,
						       const char *name)
{
	char key[SPATE_CACHE_CHANNEL_NAME_MAX + 1] __rte_aligned(16);
	void *data = NULL;

	if (channel_key(key, name) < 0)
		return NULL;
	pthread_mutex_lock(&c->wlock);
	if (rte_hash_lookup_data(c->channels, key, &data) < 0)
		data = NULL;
	pthread_mutex_unlock(&c->wlock);
	return data;
}

/* Last reference: the table's (after a grace period) or a blob's. */
void spate_cache_channel_free_(struct spate_cache_channel *ch)
{
	struct spate_cache *c = ch->cache;

	rte_free(ch);
	cache_unref(c);
}
