/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_cache: immutable, refcounted objects ("blobs") in hugepage memory,
 * published by one writer side (packager threads, the VOD loader) and read
 * lock-free by worker lcores, which send them with zero copies.
 *
 * Model
 *  - A blob is one rte_malloc'd region: header struct, one extbuf slot per
 *    (reader, k), the pre-rendered static HTTP header fields, then the
 *    object bytes.  Its bytes never change after publication.  A 32-bit
 *    reference count keeps it alive; the index holds one reference, every
 *    reader that found it holds one, and every extbuf slot in use holds one.
 *  - The index maps (channel name, object path) to the current blob.  It is
 *    an rte_hash with lock-free reader/writer concurrency; replacing an
 *    object is an atomic store of the new blob pointer.  The index's
 *    reference on a replaced or removed blob, and the hash key slot, are
 *    given back only after an RCU (rte_rcu_qsbr) grace period, so a reader
 *    that loaded the old pointer can still take its own reference.
 *  - Zero copy: a TX mbuf attaches to a blob through an extbuf slot (a
 *    struct spate_extbuf, the type spate_tcp_send_ref() takes).  Each
 *    reader owns its own slots, so the 16-bit mbuf shared-info refcount is
 *    only ever touched by that reader's lcore (DPDK updates it non-atomically
 *    when it is 1, which is only safe with a single owner) and never bounces
 *    between cores.  The first shinfo reference on a slot takes a blob
 *    reference; the shinfo free callback (last mbuf freed, or the TCP send
 *    queue dropping its reference on ACK) drops it.  A blob referenced by
 *    unacknowledged data is therefore never freed, whatever the index does.
 *
 * Threads
 *  - Readers: register once (spate_cache_reader_register), then call
 *    spate_cache_reader_online() on their own lcore, look up / attach, and
 *    report spate_cache_reader_quiescent() once per poll loop, outside any
 *    lookup.  A reader that idles in a sleep goes offline first, so writers
 *    are not held up by it.  A blob pointer is only usable across a
 *    quiescent report if the reader holds a reference (lookup gives one).
 *  - Writers: every spate_cache_channel_* / publish / remove / load_dir call
 *    may run from any thread; they serialise on one writer mutex (slow
 *    path).  Writers never wait for readers except when the deferred
 *    reclamation queue is full.  A registered reader lcore that writes
 *    (tests, tools) is treated as quiescent while it waits.
 *
 * Nothing on the read path allocates, locks or calls the kernel.
 */
#ifndef SPATE_CACHE_H
#define SPATE_CACHE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

/* struct spate_extbuf: the refcounted TX buffer type of dataplane/net. */
#include "tcp.h"

/* ---- Limits ------------------------------------------------------------- */

/*
 * Index key: "<channel>/<path>", zero-padded to a fixed 128 bytes (rte_hash
 * keys are fixed-size; 128 has a vectorised compare).  Exact keys, not a
 * digest: two objects can never shadow each other.
 */
#define SPATE_CACHE_KEY_LEN	     128
#define SPATE_CACHE_CHANNEL_NAME_MAX 63	 /* chars, no '/' */
#define SPATE_CACHE_CONTENT_TYPE_MAX 95	 /* chars */
/* One mbuf attachment covers at most this many bytes (uint16_t buf_len). */
#define SPATE_CACHE_ATTACH_MAX	     (UINT16_MAX & ~63u)
/*
 * A slot stops taking references below the 16-bit shinfo limit; the next
 * slot of the same reader (slots_per_reader > 1) takes over.
 */
#define SPATE_CACHE_SLOT_REFS_MAX    65000u

/* ---- Object classes and kinds ------------------------------------------- */

/*
 * Values equal to enum spate_http_cache_class (http_response.h), so the
 * HTTP owner can pass them through.
 */
enum spate_cache_class {
	SPATE_CACHE_CLASS_IMMUTABLE = 0, /* segments, parts, init segments */
	SPATE_CACHE_CLASS_LIVE = 1,	 /* live playlist / dynamic MPD */
	SPATE_CACHE_CLASS_ENDED = 2,	 /* ended playlist, static MPD, VOD */
	SPATE_CACHE_CLASS_NO_STORE = 3,
};

enum spate_cache_kind {
	SPATE_CACHE_KIND_OTHER = 0,
	SPATE_CACHE_KIND_INIT,
	SPATE_CACHE_KIND_SEGMENT,
	SPATE_CACHE_KIND_PART,
	SPATE_CACHE_KIND_PLAYLIST,
	SPATE_CACHE_KIND_MPD,
	SPATE_CACHE_KIND_STATIC, /* spate_cache_load_dir */
};

/* ---- Configuration ------------------------------------------------------ */

struct spate_cache_config {
	/*
	 * Bytes the index may hold (object bytes + per-blob overhead).
	 * Publishing past it evicts least-recently-used evictable objects;
	 * when pinned objects alone exceed it, publish fails with -ENOBUFS.
	 * Blobs already out of the index but still referenced by in-flight
	 * data are not counted here (see stats.bytes_alive).  Default 256 MB.
	 */
	uint64_t budget_bytes;
	uint32_t max_objects;	   /* index capacity, default 65536 */
	uint32_t max_channels;	   /* default 256 */
	uint32_t max_readers;	   /* registered reader lcores, default 4 */
	uint32_t slots_per_reader; /* extbuf slots per reader per blob, 1 */
	uint32_t evict_samples;	   /* LRU candidates sampled, default 16 */
	uint32_t defer_max;	   /* deferred reclamation entries, 8192 */
	int socket_id;		   /* SOCKET_ID_ANY by default */
	/* Wall clock in ms since the epoch (mtime); NULL = CLOCK_REALTIME. */
	int64_t (*wall_ms)(void);
	/*
	 * Debug: overwrite a blob's bytes before freeing it, so a use after
	 * free shows up as corrupt content (rte_malloc memory is invisible
	 * to ASan unless DPDK itself is built with it).
	 */
	bool poison_on_free;
};

/* Sets the defaults documented above. */
void spate_cache_config_defaults(struct spate_cache_config *cfg);

/* ---- Blob --------------------------------------------------------------- */

struct spate_cache;
struct spate_cache_channel;
struct spate_cache_blob;

/*
 * An extbuf slot: what mbufs attach to.  ext.data/ext.len cover the
 * wire region (static header fields, then the body), see
 * spate_cache_blob_wire().  One cache line, so readers never share one.
 */
struct spate_cache_xslot {
	struct spate_extbuf ext;
	struct spate_cache_blob *blob;
} __rte_cache_aligned;

/*
 * Fields up to `refcnt` never change after publication.  Do not write any
 * field; the ones marked writer are private to the writer side.
 */
struct spate_cache_blob {
	const uint8_t *body;	  /* object bytes */
	uint64_t size;		  /* body bytes */
	const uint8_t *hdr;	  /* static header fields, hdr + hdr_len == body */
	uint32_t hdr_len;
	uint8_t cls;		  /* enum spate_cache_class */
	uint8_t kind;		  /* enum spate_cache_kind */
	uint8_t pinned;		  /* never evicted */
	uint8_t nslots;		  /* = max_readers * slots_per_reader */
	uint64_t version;	  /* strong ETag; grows with every publish */
	int64_t mtime_ms;	  /* wall ms at publish */
	uint32_t max_age_s;	  /* LIVE/ENDED max-age hint */
	uint32_t key_len;	  /* bytes of key used */
	const char *content_type; /* NUL-terminated, inside the blob */
	struct spate_cache *cache;
	struct spate_cache_channel *channel; /* referenced by the blob */
	uint64_t alloc_bytes;		     /* what the budget counts */

	/* Written by readers: reference count and recency stamp. */
	uint32_t refcnt __rte_cache_aligned;
	uint32_t atime; /* spate_cache_now() at the last hit, relaxed */

	/* Writer side. */
	uint32_t evict_idx __rte_cache_aligned; /* UINT32_MAX = not evictable */
	uint8_t indexed;
	struct spate_cache_blob *chan_prev, *chan_next;
	char key[SPATE_CACHE_KEY_LEN] __rte_aligned(16);

	struct spate_cache_xslot slots[]; /* nslots */
};

/* Slow path of spate_cache_blob_put: the last reference is gone. */
void spate_cache_blob_free_(struct spate_cache_blob *b);

/* Takes a reference.  The caller must already hold one (or be a reader
 * inside its critical section that found b in the index). */
static inline void spate_cache_blob_get(struct spate_cache_blob *b)
{
	__atomic_fetch_add(&b->refcnt, 1, __ATOMIC_RELAXED);
}

/* Drops a reference; the last one frees the blob, from any thread. */
static inline void spate_cache_blob_put(struct spate_cache_blob *b)
{
	if (__atomic_sub_fetch(&b->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		spate_cache_blob_free_(b);
}

static inline uint32_t spate_cache_blob_refcnt(const struct spate_cache_blob *b)
{
	return __atomic_load_n(&b->refcnt, __ATOMIC_RELAXED);
}

/*
 * The wire region: the pre-rendered static response fields ("Content-Type:
 * ...\r\nContent-Length: ...\r\nLast-Modified ... ETag ... Cache-Control
 * ... Accept-Ranges ... Access-Control-*\r\n\r\n", ending with the empty
 * line) directly followed by the body.  A full 200 is then a small copied
 * prefix (status line, Server, Date, Connection) plus one reference to
 * [0, hdr_len + size) of the wire region.  Offsets into slots' ext are
 * wire offsets: body byte i is at wire offset hdr_len + i.
 */
static inline const uint8_t *
spate_cache_blob_wire(const struct spate_cache_blob *b, uint64_t *len)
{
	*len = b->hdr_len + b->size;
	return b->hdr;
}

static inline uint64_t
spate_cache_blob_wire_len(const struct spate_cache_blob *b)
{
	return b->hdr_len + b->size;
}

/* ---- Readers ------------------------------------------------------------ */

/* Per-reader counters; written only by the owning lcore. */
struct spate_cache_reader_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t zc_bytes_attached; /* bytes attached to mbufs by reference */
	uint64_t zc_attachments;
	uint64_t slot_exhausted; /* a reader's slots of one blob were full */
};

/* One per reader lcore, from spate_cache_reader_register(). */
struct spate_cache_reader {
	struct spate_cache *cache;
	const struct rte_hash *index;
	const struct rte_hash *channels;
	struct rte_rcu_qsbr *qsbr;
	uint32_t id;	    /* QSBR thread id, 0..max_readers-1 */
	uint32_t slot_base; /* id * slots_per_reader */
	uint32_t slots_per_reader;
	unsigned lcore_id;
	struct spate_cache_reader_stats stats;
} __rte_cache_aligned;

/*
 * Registers lcore_id (any number < RTE_MAX_LCORE; a non-EAL thread may use
 * one nobody else uses) as a reader; *out is its handle.  Call from any
 * thread before the reader starts.  0, -EEXIST (already registered: *out
 * is set anyway), -ENOSPC (max_readers reached), -EINVAL.
 */
int spate_cache_reader_register(struct spate_cache *c, unsigned lcore_id,
				struct spate_cache_reader **out);

/* The handle of a registered lcore, NULL if none. */
struct spate_cache_reader *spate_cache_reader_get(struct spate_cache *c,
						  unsigned lcore_id);

/* From the reader's own thread: start (or resume) using the cache. */
static inline void spate_cache_reader_online(struct spate_cache_reader *r)
{
	rte_rcu_qsbr_thread_online(r->qsbr, r->id);
}

/* Before sleeping or stopping: writers stop waiting for this reader. */
static inline void spate_cache_reader_offline(struct spate_cache_reader *r)
{
	rte_rcu_qsbr_thread_offline(r->qsbr, r->id);
}

/*
 * Once per poll loop, when no blob pointer without a reference is held:
 * lets writers reclaim what they replaced or removed before this point.
 */
static inline void spate_cache_reader_quiescent(struct spate_cache_reader *r)
{
	rte_rcu_qsbr_quiescent(r->qsbr, r->id);
}

/* Recency clock: TSC >> 20 (about 0.3 ms units; wraps in weeks). */
static inline uint32_t spate_cache_now(void)
{
	return (uint32_t)(rte_get_tsc_cycles() >> 20);
}

/*
 * Builds "<channel>/<path>" zero-padded into key.  Returns the length, or
 * -ENAMETOOLONG / -EINVAL (empty or '/' in the channel name).
 */
static inline int spate_cache_key_make(char key[SPATE_CACHE_KEY_LEN],
				       const char *channel, size_t channel_len,
				       const char *path, size_t path_len)
{
	size_t n = channel_len + 1 + path_len;

	if (channel_len == 0 || channel_len > SPATE_CACHE_CHANNEL_NAME_MAX ||
	    memchr(channel, '/', channel_len) != NULL)
		return -EINVAL;
	if (n >= SPATE_CACHE_KEY_LEN)
		return -ENAMETOOLONG;
	memset(key, 0, SPATE_CACHE_KEY_LEN);
	memcpy(key, channel, channel_len);
	key[channel_len] = '/';
	memcpy(key + channel_len + 1, path, path_len);
	return (int)n;
}

/*
 * Finds the current blob for (channel, path) without taking a reference:
 * the pointer is valid until this reader's next quiescent report (or going
 * offline), no longer.  Within that window the reader may take a blob
 * reference (spate_cache_blob_get) or, cheaper, a slot reference
 * (spate_cache_extbuf_hold), which only touches this lcore's own cache
 * line while the slot is already in use: the way to serve a hot object
 * from many lcores without bouncing a shared refcount line per request.
 * NULL when absent.  Lock-free.
 */
static inline struct spate_cache_blob *
spate_cache_lookup_rcu(struct spate_cache_reader *r, const char *channel,
		       size_t channel_len, const char *path, size_t path_len)
{
	char key[SPATE_CACHE_KEY_LEN] __rte_aligned(16);
	struct spate_cache_blob *b;
	void *data;
	uint32_t now;

	if (spate_cache_key_make(key, channel, channel_len, path, path_len) <
		    0 ||
	    rte_hash_lookup_data(r->index, key, &data) < 0) {
		r->stats.misses++;
		return NULL;
	}
	b = (struct spate_cache_blob *)data;
	/* Recency for the writer's LRU sampling: a relaxed store, and none
	 * at all when the stamp is already current. */
	now = spate_cache_now();
	if (__atomic_load_n(&b->atime, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&b->atime, now, __ATOMIC_RELAXED);
	r->stats.hits++;
	return b;
}

/*
 * Finds the current blob for (channel, path) and takes a reference on it,
 * which the caller drops with spate_cache_blob_put() whenever it is done
 * (the reference may outlive the critical section: it is what keeps the
 * blob).  NULL when absent.  Lock-free; one atomic add on the blob's
 * refcount line.
 */
static inline struct spate_cache_blob *
spate_cache_lookup(struct spate_cache_reader *r, const char *channel,
		   size_t channel_len, const char *path, size_t path_len)
{
	struct spate_cache_blob *b =
		spate_cache_lookup_rcu(r, channel, channel_len, path, path_len);

	if (b != NULL)
		spate_cache_blob_get(b);
	return b;
}

/*
 * Burst lookup of n <= RTE_HASH_LOOKUP_BULK_MAX prebuilt keys (from
 * spate_cache_key_make).  out[i] is a referenced blob or NULL.  Returns
 * the number found.
 */
unsigned spate_cache_lookup_burst(struct spate_cache_reader *r,
				  const char (*keys)[SPATE_CACHE_KEY_LEN],
				  unsigned n, struct spate_cache_blob **out);

/*
 * Takes one mbuf-style reference on blob b through the reader's own slot
 * and returns the slot's extbuf, ready for rte_pktmbuf_attach_extbuf or
 * spate_tcp_send_ref() (wire offsets).  The caller holds a blob reference
 * or found b with spate_cache_lookup_rcu() since its last quiescent
 * report, and gives this one back with spate_cache_extbuf_release() (or
 * hands it to an mbuf, whose free gives it back); it outlives quiescent
 * reports.  Must run on the reader's own lcore: the slot's 16-bit count
 * has that single owner.  NULL when all of
 * this reader's slots of b are at SPATE_CACHE_SLOT_REFS_MAX (counted).
 */
static inline struct spate_extbuf *
spate_cache_extbuf_hold(struct spate_cache_reader *r, struct spate_cache_blob *b)
{
	uint32_t k;

	for (k = 0; k < r->slots_per_reader; k++) {
		struct spate_cache_xslot *s = &b->slots[r->slot_base + k];
		uint16_t n = rte_mbuf_ext_refcnt_read(&s->ext.shinfo);

		if (n >= SPATE_CACHE_SLOT_REFS_MAX)
			continue;
		/* 0 -> 1: the slot starts holding the blob; the shinfo
		 * free callback (refcount back to 0) drops it. */
		if (n == 0)
			spate_cache_blob_get(b);
		rte_mbuf_ext_refcnt_update(&s->ext.shinfo, 1);
		return &s->ext;
	}
	r->stats.slot_exhausted++;
	return NULL;
}

/* Gives back a reference from spate_cache_extbuf_hold(). */
static inline void spate_cache_extbuf_release(struct spate_extbuf *e)
{
	if (rte_mbuf_ext_refcnt_update(&e->shinfo, -1) == 0)
		e->shinfo.free_cb(e->data, e->shinfo.fcb_opaque);
}

/*
 * Attaches wire bytes [off, off + len) of b to the direct mbuf m (len <=
 * SPATE_CACHE_ATTACH_MAX) and sets data_len/pkt_len.  Freeing m gives the
 * reference back.  The caller holds a blob reference.  0, -EINVAL (range),
 * -EBUSY (slots exhausted).  Same reference rules as
 * spate_cache_extbuf_hold().
 */
static inline int spate_cache_attach(struct spate_cache_reader *r,
				     struct rte_mbuf *m,
				     struct spate_cache_blob *b, uint64_t off,
				     uint32_t len)
{
	struct spate_extbuf *e;

	if (len == 0 || len > SPATE_CACHE_ATTACH_MAX || off > spate_cache_blob_wire_len(b) ||
	    len > spate_cache_blob_wire_len(b) - off)
		return -EINVAL;
	e = spate_cache_extbuf_hold(r, b);
	if (e == NULL)
		return -EBUSY;
	rte_pktmbuf_attach_extbuf(m, e->data + off, e->iova + off,
				  (uint16_t)len, &e->shinfo);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	r->stats.zc_bytes_attached += len;
	r->stats.zc_attachments++;
	return 0;
}

/*
 * Attaches wire bytes [off, off + len) of b as a chain of mbufs from pool,
 * at most SPATE_CACHE_ATTACH_MAX bytes each (a 2 MB segment is 33 mbufs
 * pointing into one blob).  *head is the chain; rte_pktmbuf_free(*head)
 * gives every reference back.  0, -EINVAL, -ENOBUFS (pool empty, counted
 * by the pool), -EBUSY.  Nothing is left attached on failure.
 */
int spate_cache_attach_chain(struct spate_cache_reader *r,
			     struct rte_mempool *pool,
			     struct spate_cache_blob *b, uint64_t off,
			     uint64_t len, struct rte_mbuf **head);

/* ---- Channels ----------------------------------------------------------- */

struct spate_cache_channel_config {
	uint32_t live_max_age_s;  /* LIVE objects, default 1 */
	uint32_t ended_max_age_s; /* ENDED objects, default 3600 */
};

/*
 * A channel: a namespace of objects and a publish generation.  Fields
 * before `generation` are constant while the channel exists.
 */
struct spate_cache_channel {
	char name[SPATE_CACHE_CHANNEL_NAME_MAX + 1];
	uint32_t name_len;
	struct spate_cache *cache;
	struct spate_cache_channel_config cfg;
	/* Bumped (release) after every publish/remove in the channel. */
	uint64_t generation __rte_cache_aligned;
	uint32_t refcnt;
	uint8_t dead;
	/* Writer side. */
	struct spate_cache_blob *objects __rte_cache_aligned;
	uint64_t n_objects;
	uint64_t bytes;
	char key[SPATE_CACHE_CHANNEL_NAME_MAX + 1] __rte_aligned(16);
};

/* Creates channel `name` (no '/'); cfg NULL = defaults.  0, -EEXIST,
 * -EINVAL, -ENOSPC (max_channels), -ENOMEM. */
int spate_cache_channel_create(struct spate_cache *c, const char *name,
			       const struct spate_cache_channel_config *cfg,
			       struct spate_cache_channel **out);

/*
 * Removes every object of the channel and the channel itself.  Readers
 * holding blobs of it keep them (and the channel struct) until they put
 * them.  The caller's handle is invalid afterwards.
 */
void spate_cache_channel_destroy(struct spate_cache_channel *ch);

/* Writer side: the channel called name, or NULL. */
struct spate_cache_channel *spate_cache_channel_lookup(struct spate_cache *c,
						       const char *name);

/*
 * Reader side: the channel, valid until the next quiescent report unless
 * a reference is taken (spate_cache_channel_get).  NULL if none.
 */
static inline struct spate_cache_channel *
spate_cache_channel_find(struct spate_cache_reader *r, const char *name,
			 size_t len)
{
	char key[SPATE_CACHE_CHANNEL_NAME_MAX + 1] __rte_aligned(16);
	void *data;

	if (len == 0 || len > SPATE_CACHE_CHANNEL_NAME_MAX)
		return NULL;
	memset(key, 0, sizeof(key));
	memcpy(key, name, len);
	if (rte_hash_lookup_data(r->channels, key, &data) < 0)
		return NULL;
	return (struct spate_cache_channel *)data;
}

void spate_cache_channel_free_(struct spate_cache_channel *ch);

static inline void spate_cache_channel_get(struct spate_cache_channel *ch)
{
	__atomic_fetch_add(&ch->refcnt, 1, __ATOMIC_RELAXED);
}

static inline void spate_cache_channel_put(struct spate_cache_channel *ch)
{
	if (__atomic_sub_fetch(&ch->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		spate_cache_channel_free_(ch);
}

/*
 * The publish generation: changes after every publish or remove in the
 * channel (acquire).  LL-HLS blocking reload: remember it when parking a
 * request, and retry the lookup when it differs.
 */
static inline uint64_t
spate_cache_channel_generation(const struct spate_cache_channel *ch)
{
	return __atomic_load_n(&ch->generation, __ATOMIC_ACQUIRE);
}

/* ---- Cache -------------------------------------------------------------- */

/*
 * Creates a cache (needs rte_eal_init).  Everything it owns hangs off the
 * returned context.  NULL with rte_errno set on failure.
 */
struct spate_cache *spate_cache_create(const struct spate_cache_config *cfg);

/*
 * Destroys every channel and the index.  Readers must be stopped (or
 * offline for good).  Blobs still referenced by mbufs stay valid; the
 * last of them releases the remaining memory.
 */
void spate_cache_destroy(struct spate_cache *c);

struct spate_cache_stats {
	/* readers (summed) */
	uint64_t hits;
	uint64_t misses;
	uint64_t zc_bytes_attached;
	uint64_t zc_attachments;
	uint64_t slot_exhausted;
	/* writer */
	uint64_t published;
	uint64_t bytes_published;
	uint64_t replaced;
	uint64_t removed;
	uint64_t evictions;
	uint64_t bytes_evicted;
	uint64_t alloc_failures;  /* rte_malloc returned NULL */
	uint64_t budget_failures; /* pinned objects fill the budget */
	uint64_t index_full;	  /* rte_hash add failed */
	uint64_t defer_waits;	  /* writer blocked on a full defer queue */
	uint64_t objects;	  /* in the index */
	uint64_t bytes_indexed;	  /* what the budget limits */
	uint64_t channels;
	/* any thread */
	uint64_t blobs_alive; /* in the index or referenced */
	uint64_t bytes_alive;
	uint64_t blobs_freed;
	uint64_t deferred; /* reclamations waiting for a grace period */
};

/* Sums the counters (readers' without synchronisation: approximate). */
void spate_cache_stats(struct spate_cache *c, struct spate_cache_stats *out);

/*
 * Writer-side housekeeping: reclaims what every reader has passed, without
 * blocking.  Publishing does it too; call it from an idle writer so a
 * quiet cache still frees.  Returns entries still deferred.
 */
unsigned spate_cache_reclaim(struct spate_cache *c);

/*
 * Blocks until every reader passed a quiescent state, then reclaims
 * everything deferred (tests, shutdown).
 */
void spate_cache_synchronize(struct spate_cache *c);

/* ---- Publishing (writer side) ------------------------------------------- */

struct spate_cache_iov {
	const void *base;
	size_t len;
};

struct spate_cache_meta {
	uint8_t cls;	/* enum spate_cache_class */
	uint8_t kind;	/* enum spate_cache_kind */
	uint8_t pinned; /* never evicted (LIVE/ENDED are always pinned) */
	/* NULL = by extension (spate_http_content_type) */
	const char *content_type;
	uint32_t max_age_s; /* 0 = the channel's default for the class */
	int64_t mtime_ms;   /* 0 = now */
};

/*
 * Publishes (or replaces) object path of channel ch: one copy of the
 * gathered bytes into a new blob, then an atomic switch in the index.
 * The replaced blob lives until its last reader lets go.  0, -EINVAL,
 * -ENAMETOOLONG, -ENOMEM, -ENOBUFS (budget), -ENOSPC (index full).
 */
int spate_cache_publish(struct spate_cache_channel *ch, const char *path,
			const struct spate_cache_meta *meta,
			const struct spate_cache_iov *iov, unsigned iovcnt);

/* Removes path from the index.  0 or -ENOENT. */
int spate_cache_remove(struct spate_cache_channel *ch, const char *path);

/*
 * The packager's output interface (pkg/packager/packager.h struct
 * spate_output_ops): pass it with a struct spate_cache_channel * as ctx to
 * spate_packager_create().  Segments, parts and init segments are
 * IMMUTABLE and evictable; playlists and MPDs are LIVE (ENDED once final)
 * and pinned.  remove() drops objects that left the DVR window.
 */
struct spate_output_ops;
extern const struct spate_output_ops spate_cache_output_ops;

/*
 * Publishes every regular file under dir (recursively, depth <= 16,
 * skipping dot files) as channel objects named by their path relative to
 * dir; .m3u8/.mpd as ENDED, others IMMUTABLE; all pinned (there is nothing
 * to reload them from).  Returns the number of files published, or a
 * negative errno at the first failure (objects already published stay).
 */
int spate_cache_load_dir(struct spate_cache *c, struct spate_cache_channel *ch,
			 const char *dir);

/* Writer-side test/debug: the blob at path with a reference, or NULL. */
struct spate_cache_blob *spate_cache_peek(struct spate_cache_channel *ch,
					  const char *path);

#endif /* SPATE_CACHE_H */
