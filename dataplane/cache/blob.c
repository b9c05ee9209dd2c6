/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blob memory: layout, allocation, the pre-rendered header fields, the
 * extbuf slots and their free callback, and the final free.
 *
 * Layout of one rte_malloc'd region (cache-line aligned):
 *
 *   struct spate_cache_blob          3 cache lines (constant, reader-hot
 *                                    refcount line, writer line + key)
 *   struct spate_cache_xslot[nslots] one cache line each
 *   content type, NUL                up to 96 bytes
 *   static header fields             ~300 bytes, ends with "\r\n\r\n"
 *   body                             size bytes, contiguous with the fields
 *
 * Must not: touch the index (index.c) or the budget (evict.c); the free
 * path runs on whatever thread dropped the last reference, so it only
 * uses atomics and rte_free.
 */
#include <string.h>

#include <rte_malloc.h>

#include "cache_internal.h"
#include "http_response.h"

/* The free callback of every slot: the slot's last mbuf/TCP reference is
 * gone, so the slot gives back the blob reference it took at 0 -> 1. */
static void slot_free_cb(void *addr, void *opaque)
{
	struct spate_cache_xslot *s = opaque;

	RTE_SET_USED(addr);
	spate_cache_blob_put(s->blob);
}

void spate_cache_blob_free_(struct spate_cache_blob *b)
{
	struct spate_cache *c = b->cache;
	struct spate_cache_channel *ch = b->channel;

	__atomic_fetch_sub(&c->blobs_alive, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&c->bytes_alive, b->alloc_bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->blobs_freed, 1, __ATOMIC_RELAXED);
	if (c->cfg.poison_on_free) {
		memset((uint8_t *)(uintptr_t)b->hdr, 0xdb, b->hdr_len + b->size);
		b->size = UINT64_MAX / 2;
		b->version = 0;
	}
	rte_free(b);
	spate_cache_channel_put(ch);
	cache_unref(c);
}

/*
 * Renders the response fields that depend only on the object into out,
 * ending with the empty line.  They come from the HTTP layer's own
 * builder (same strings, same policy): we build a full 200 without Date
 * and strip its status and Server lines (per request: the status may be
 * 206/304) and its Connection line (per connection).  Field order does
 * not matter in HTTP, so the per-request part can go first.  Returns the
 * length, or 0 when the builder's shape is not what we expect (the blob
 * then has no pre-rendered fields; nothing else depends on them).
 */
static size_t render_fields(char *out, size_t cap,
			    const struct spate_cache_blob *b)
{
	char buf[SPATE_HTTP_RESPONSE_MAX];
	struct spate_http_response r;
	const char *p, *end, *conn;
	int n;

	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.flags = SPATE_HTTP_RESP_ETAG | SPATE_HTTP_RESP_LAST_MODIFIED |
		  SPATE_HTTP_RESP_ACCEPT_RANGES | SPATE_HTTP_RESP_CORS;
	r.cache_class = b->cls;
	r.max_age_s = b->max_age_s;
	r.content_type = b->content_type;
	r.content_length = b->size;
	r.etag = b->version;
	r.last_modified = (time_t)(b->mtime_ms / 1000);
	n = spate_http_response_build(&r, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	end = buf + n;
	p = strstr(buf, "\r\n"); /* status line */
	if (p == NULL || strncmp(p + 2, "Server: ", 8) != 0)
		return 0;
	p = strstr(p + 2, "\r\n"); /* Server line */
	conn = strstr(buf, "Connection: ");
	if (p == NULL || conn == NULL || conn < p + 2 || end - conn < 4 ||
	    memcmp(end - 4, "\r\n\r\n", 4) != 0)
		return 0;
	p += 2;
	if ((size_t)(conn - p) + 2 > cap)
		return 0;
	memcpy(out, p, (size_t)(conn - p));
	memcpy(out + (conn - p), "\r\n", 2);
	return (size_t)(conn - p) + 2;
}

static size_t blob_fixed_bytes(uint32_t nslots)
{
	return sizeof(struct spate_cache_blob) +
	       (size_t)nslots * sizeof(struct spate_cache_xslot) +
	       SPATE_CACHE_CONTENT_TYPE_MAX + 1;
}

uint64_t cache_blob_alloc_estimate(const struct spate_cache *c, uint64_t size)
{
	/* Fields are at most a few hundred bytes: count the worst case. */
	return blob_fixed_bytes(c->nslots) + SPATE_HTTP_RESPONSE_MAX + size;
}

int cache_blob_create(struct spate_cache_channel *ch, const char *key,
		      uint32_t key_len, const struct spate_cache_meta *meta,
		      const char *path, uint64_t size,
		      struct spate_cache_blob **out)
{
	struct spate_cache *c = ch->cache;
	struct spate_cache_blob proto, *b;
	char fields[SPATE_HTTP_RESPONSE_MAX];
	const char *ctype;
	size_t ctype_len, fields_len, fixed, total;
	rte_iova_t iova;
	uint8_t *p;
	unsigned i;

	ctype = meta->content_type != NULL
			? meta->content_type
			: spate_http_content_type(path, strlen(path));
	ctype_len = strlen(ctype);
	if (ctype_len > SPATE_CACHE_CONTENT_TYPE_MAX ||
	    memchr(ctype, '\r', ctype_len) || memchr(ctype, '\n', ctype_len))
		return -EINVAL;

	/* Metadata first: the rendered fields depend on it. */
	memset(&proto, 0, sizeof(proto));
	proto.size = size;
	proto.cls = meta->cls;
	proto.kind = meta->kind;
	proto.pinned = meta->pinned || meta->cls != SPATE_CACHE_CLASS_IMMUTABLE;
	proto.nslots = (uint8_t)c->nslots;
	proto.version = ++c->version_seq;
	proto.mtime_ms = meta->mtime_ms != 0 ? meta->mtime_ms : cache_wall_ms(c);
	proto.max_age_s = meta->max_age_s;
	if (proto.max_age_s == 0)
		proto.max_age_s = meta->cls == SPATE_CACHE_CLASS_LIVE
					  ? ch->cfg.live_max_age_s
					  : ch->cfg.ended_max_age_s;
	proto.content_type = ctype;
	fields_len = render_fields(fields, sizeof(fields), &proto);

	fixed = sizeof(*b) + (size_t)c->nslots * sizeof(struct spate_cache_xslot);
	total = fixed + RTE_ALIGN_CEIL(ctype_len + 1, 8) + fields_len + size;
	if (size > UINT64_MAX - fixed - 4096)
		return -EINVAL;
	b = rte_malloc_socket("spate_cache_blob", total, RTE_CACHE_LINE_SIZE,
			      c->cfg.socket_id);
	if (b == NULL) {
		c->ws.alloc_failures++;
		return -ENOMEM;
	}
	memcpy(b, &proto, offsetof(struct spate_cache_blob, refcnt));
	memset((uint8_t *)b + offsetof(struct spate_cache_blob, refcnt), 0,
	       fixed - offsetof(struct spate_cache_blob, refcnt));
	p = (uint8_t *)b + fixed;
	memcpy(p, ctype, ctype_len + 1);
	b->content_type = (const char *)p;
	p += RTE_ALIGN_CEIL(ctype_len + 1, 8);
	memcpy(p, fields, fields_len);
	b->hdr = p;
	b->hdr_len = (uint32_t)fields_len;
	b->body = p + fields_len;
	b->cache = c;
	b->channel = ch;
	b->alloc_bytes = total;
	b->refcnt = 1; /* the creator's; becomes the index's on insert */
	b->atime = spate_cache_now();
	b->evict_idx = UINT32_MAX;
	b->key_len = key_len;
	memcpy(b->key, key, SPATE_CACHE_KEY_LEN);

	/* virt2iova wants the pointer rte_malloc returned. */
	iova = rte_malloc_virt2iova(b);
	if (iova != RTE_BAD_IOVA)
		iova += (rte_iova_t)(b->hdr - (const uint8_t *)b);
	for (i = 0; i < b->nslots; i++) {
		struct spate_cache_xslot *s = &b->slots[i];

		s->ext.shinfo.free_cb = slot_free_cb;
		s->ext.shinfo.fcb_opaque = s;
		rte_mbuf_ext_refcnt_set(&s->ext.shinfo, 0);
		s->ext.data = (uint8_t *)(uintptr_t)b->hdr;
		s->ext.iova = iova;
		/* net's range checks use a 32-bit length; the attach helpers
		 * check against the 64-bit wire length. */
		s->ext.len = (uint32_t)RTE_MIN(fields_len + size,
					       (uint64_t)UINT32_MAX);
		s->blob = b;
	}

	spate_cache_channel_get(ch);
	cache_ref(c);
	__atomic_fetch_add(&c->blobs_alive, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->bytes_alive, total, __ATOMIC_RELAXED);
	*out = b;
	return 0;
}

int spate_cache_attach_chain(struct spate_cache_reader *r,
			     struct rte_mempool *pool,
			     struct spate_cache_blob *b, uint64_t off,
			     uint64_t len, struct rte_mbuf **head)
{
	struct rte_mbuf *h = NULL, *tail = NULL, *m;
	uint64_t wire = spate_cache_blob_wire_len(b);
	uint64_t nsegs;
	int rc;

	if (len == 0 || off > wire || len > wire - off || len > UINT32_MAX)
		return -EINVAL;
	nsegs = (len + SPATE_CACHE_ATTACH_MAX - 1) / SPATE_CACHE_ATTACH_MAX;
	if (nsegs > UINT16_MAX)
		return -EINVAL;
	while (len > 0) {
		uint32_t n = (uint32_t)RTE_MIN(len,
					       (uint64_t)SPATE_CACHE_ATTACH_MAX);

		m = rte_pktmbuf_alloc(pool);
		if (m == NULL) {
			rc = -ENOBUFS;
			goto fail;
		}
		rc = spate_cache_attach(r, m, b, off, n);
		if (rc < 0) {
			rte_pktmbuf_free(m);
			goto fail;
		}
		if (h == NULL) {
			h = m;
		} else {
			tail->next = m;
			h->nb_segs++;
			h->pkt_len += n;
		}
		tail = m;
		off += n;
		len -= n;
	}
	*head = h;
	return 0;
fail:
	if (h != NULL)
		rte_pktmbuf_free(h);
	return rc;
}
