/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP origin on one worker lcore: TCP callbacks in, HTTP conn calls,
 * cache lookups and zero-copy sends out.  See origin.h for what it owns.
 *
 * Event mapping (the contract between tcp.h and http_conn.h):
 *   on_accept  -> context from the pool + spate_http_conn_init, or a 503
 *                 and FIN when the pool is empty
 *   on_data    -> spate_http_conn_input; bytes it did not take (a parked
 *                 request with a full buffer) are stashed, held in the TCP
 *                 receive window and offered again after resume
 *   on_sent    -> resume a request parked on a full send queue; when the
 *                 send queue is empty, spate_http_conn_sent (keep-alive)
 *   on_eof     -> spate_http_conn_eof
 *   on_closed  -> spate_http_conn_fini, context back to the pool
 *   HTTP close -> DONE/PEER/timeouts: FIN after the queued data and the
 *                 context is released at once (later bytes from the peer
 *                 are drained by the stack); ERROR: FIN, drain, and RST
 *                 after linger_ms unless the peer closed first;
 *                 SEND_FAILED/NO_BUFFER: RST.
 *
 * Must not: block, allocate after start, or copy a body byte.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "origin.h"

#define ORIGIN_NIL UINT32_MAX
/* HTTP timers handled per poll, so one burst of expiries cannot stall RX. */
#define ORIGIN_TIMERS_PER_POLL 256
/* Largest piece handed to one spate_tcp_send_ref (its len is < 2^31). */
#define ORIGIN_REF_CHUNK (1u << 30)

enum origin_conn_state {
	OC_FREE = 0,
	OC_OPEN,   /* HTTP conn alive */
	OC_LINGER, /* HTTP closed with an error; draining until FIN or RST */
};

struct spate_origin_conn {
	struct spate_http_conn http;
	struct spate_tcp_conn *tcp;
	struct spate_origin *o;
	uint64_t deadline_ms; /* heap key; 0 = not in the heap */
	/* LL-HLS parking: the channel (referenced) and its generation. */
	struct spate_cache_channel *wait_ch;
	uint64_t wait_gen;
	uint8_t *stash;	      /* bytes input() did not take, or NULL */
	uint32_t stash_len;
	uint32_t heap_idx;    /* ORIGIN_NIL when not in the heap */
	uint32_t next, prev;  /* free list / parked list links */
	uint8_t state;	      /* enum origin_conn_state */
	uint8_t parked;	      /* on the parked list */
};

struct spate_origin {
	const struct spate_origin_config *cfg;
	struct spate_net *net;
	struct spate_cache_reader *reader;
	uint64_t now_ms;

	struct spate_origin_conn *conns;
	uint32_t free_head;

	uint32_t *heap; /* conn indices, min deadline first */
	uint32_t heap_n;

	uint32_t parked_head; /* doubly linked through next/prev */

	uint8_t *rx_mem;
	void **rx_free;
	uint32_t rx_free_n;
	uint32_t rx_size;

	struct spate_http_log_ring log_ring;
	struct spate_http_log_record *log_records;

	struct spate_origin_stats stats;
	struct spate_http_lcore http; /* last: large scratch buffers */
};

static const struct spate_http_conn_ops origin_http_ops;

size_t spate_origin_conn_size(void)
{
	return sizeof(struct spate_origin_conn);
}

void spate_origin_config_defaults(struct spate_origin_config *cfg,
				  uint32_t tcp_max_conns)
{
	memset(cfg, 0, sizeof(*cfg));
	spate_http_config_default(&cfg->http);
	cfg->port = 80;
	cfg->max_conns = tcp_max_conns;
	cfg->rxbufs = 1024;
	cfg->linger_ms = 5000;
	cfg->log_records = 0;
}

/* ---- deadline heap ------------------------------------------------------ */

static inline uint64_t heap_key(const struct spate_origin *o, uint32_t i)
{
	return o->conns[o->heap[i]].deadline_ms;
}

static inline void heap_set(struct spate_origin *o, uint32_t i, uint32_t ci)
{
	o->heap[i] = ci;
	o->conns[ci].heap_idx = i;
}

static void heap_up(struct spate_origin *o, uint32_t i)
{
	uint32_t ci = o->heap[i];
	uint64_t k = o->conns[ci].deadline_ms;

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (heap_key(o, p) <= k)
			break;
		heap_set(o, i, o->heap[p]);
		i = p;
	}
	heap_set(o, i, ci);
}

static void heap_down(struct spate_origin *o, uint32_t i)
{
	uint32_t ci = o->heap[i];
	uint64_t k = o->conns[ci].deadline_ms;

	for (;;) {
		uint32_t l = 2 * i + 1, m;

		if (l >= o->heap_n)
			break;
		m = l;
		if (l + 1 < o->heap_n && heap_key(o, l + 1) < heap_key(o, l))
			m = l + 1;
		if (heap_key(o, m) >= k)
			break;
		heap_set(o, i, o->heap[m]);
		i = m;
	}
	heap_set(o, i, ci);
}

static void heap_remove(struct spate_origin *o, struct spate_origin_conn *g)
{
	uint32_t i = g->heap_idx, last;

	if (i == ORIGIN_NIL)
		return;
	g->heap_idx = ORIGIN_NIL;
	last = o->heap[--o->heap_n];
	if (i == o->heap_n)
		return;
	heap_set(o, i, last);
	heap_up(o, i);
	heap_down(o, o->conns[last].heap_idx);
}

/* Puts g in the heap at deadline (0 = out of it). */
static void timer_set(struct spate_origin *o, struct spate_origin_conn *g,
		      uint64_t deadline)
{
	if (deadline == g->deadline_ms && (deadline == 0) ==
						  (g->heap_idx == ORIGIN_NIL))
		return;
	if (deadline == 0) {
		heap_remove(o, g);
		g->deadline_ms = 0;
		return;
	}
	g->deadline_ms = deadline;
	if (g->heap_idx == ORIGIN_NIL) {
		o->heap[o->heap_n] = (uint32_t)(g - o->conns);
		g->heap_idx = o->heap_n++;
		heap_up(o, g->heap_idx);
	} else {
		heap_up(o, g->heap_idx);
		heap_down(o, g->heap_idx);
	}
}

/* ---- receive buffers ------------------------------------------------------ */

static void *rxbuf_take(struct spate_origin *o)
{
	if (o->rx_free_n == 0) {
		o->stats.rxbuf_pool_empty++;
		return NULL;
	}
	return o->rx_free[--o->rx_free_n];
}

static void rxbuf_give(struct spate_origin *o, void *b)
{
	o->rx_free[o->rx_free_n++] = b;
}

/* ---- parked list ----------------------------------------------------------- */

static void park_add(struct spate_origin *o, struct spate_origin_conn *g)
{
	uint32_t ci = (uint32_t)(g - o->conns);

	g->parked = 1;
	g->prev = ORIGIN_NIL;
	g->next = o->parked_head;
	if (o->parked_head != ORIGIN_NIL)
		o->conns[o->parked_head].prev = ci;
	o->parked_head = ci;
}

static void park_del(struct spate_origin *o, struct spate_origin_conn *g)
{
	if (!g->parked)
		return;
	if (g->prev != ORIGIN_NIL)
		o->conns[g->prev].next = g->next;
	else
		o->parked_head = g->next;
	if (g->next != ORIGIN_NIL)
		o->conns[g->next].prev = g->prev;
	g->parked = 0;
	g->next = g->prev = ORIGIN_NIL;
}

static void wait_clear(struct spate_origin *o, struct spate_origin_conn *g)
{
	park_del(o, g);
	if (g->wait_ch != NULL) {
		spate_cache_channel_put(g->wait_ch);
		g->wait_ch = NULL;
	}
}

/* ---- connection contexts --------------------------------------------------- */

static struct spate_origin_conn *conn_alloc(struct spate_origin *o)
{
	struct spate_origin_conn *g;

	if (o->free_head == ORIGIN_NIL)
		return NULL;
	g = &o->conns[o->free_head];
	o->free_head = g->next;
	g->next = g->prev = ORIGIN_NIL;
	g->heap_idx = ORIGIN_NIL;
	g->deadline_ms = 0;
	g->stash = NULL;
	g->stash_len = 0;
	g->wait_ch = NULL;
	g->parked = 0;
	g->state = OC_OPEN;
	o->stats.conns_active++;
	if (o->stats.conns_active > o->stats.conns_peak)
		o->stats.conns_peak = o->stats.conns_active;
	return g;
}

/* Back to the pool: timer, parking, stash and window all given back. */
static void conn_free(struct spate_origin_conn *g)
{
	struct spate_origin *o = g->o;

	if (g->state == OC_FREE)
		return;
	heap_remove(o, g);
	g->deadline_ms = 0;
	wait_clear(o, g);
	if (g->stash != NULL) {
		if (g->stash_len > 0 && g->tcp != NULL)
			spate_tcp_rx_release(g->tcp, g->stash_len);
		rxbuf_give(o, g->stash);
		g->stash = NULL;
		g->stash_len = 0;
	}
	g->state = OC_FREE;
	g->tcp = NULL;
	g->next = o->free_head;
	o->free_head = (uint32_t)(g - o->conns);
	o->stats.conns_active--;
}

/*
 * After any HTTP call that left the conn open: its deadline into the heap,
 * and on or off the parked list.
 */
static void conn_sync(struct spate_origin_conn *g)
{
	struct spate_origin *o = g->o;
	bool waiting = spate_http_conn_state(&g->http) ==
			       SPATE_HTTP_CONN_WAITING &&
		       g->http.wait == SPATE_HTTP_WAIT_CONTENT;

	timer_set(o, g, spate_http_conn_deadline(&g->http));
	if (waiting && g->wait_ch != NULL) {
		if (!g->parked) {
			park_add(o, g);
			o->stats.ll_parked++;
		}
	} else if (g->wait_ch != NULL) {
		wait_clear(o, g);
	}
}

/* RST now; on_closed is not wanted (the context goes back here). */
static void conn_abort(struct spate_origin_conn *g)
{
	struct spate_tcp_conn *c = g->tcp;

	if (g->state == OC_OPEN)
		spate_http_conn_fini(&g->http);
	conn_free(g);
	spate_tcp_set_ctx(c, NULL);
	spate_tcp_abort(c);
}

/* Keeps bytes the HTTP conn could not take, holding them in the window. */
static int stash_append(struct spate_origin_conn *g, const uint8_t *p,
			uint32_t n)
{
	struct spate_origin *o = g->o;

	if (g->stash == NULL) {
		g->stash = rxbuf_take(o);
		if (g->stash == NULL)
			return -ENOBUFS;
	}
	if (n > o->rx_size - g->stash_len) {
		o->stats.stash_overflow++;
		return -ENOBUFS;
	}
	memcpy(g->stash + g->stash_len, p, n);
	g->stash_len += n;
	spate_tcp_rx_hold(g->tcp, n);
	return 0;
}

/*
 * Offers the stash again after a resume.  0 (g still open, maybe still
 * holding bytes) or -EPIPE (g is gone or lingering: do not touch).
 */
static int stash_reoffer(struct spate_origin_conn *g)
{
	struct spate_origin *o = g->o;

	while (g->stash_len > 0) {
		int rc = spate_http_conn_input(&g->http, g->stash,
					       g->stash_len, o->now_ms);

		if (rc < 0)
			return -EPIPE;
		if (rc == 0)
			return 0;
		memmove(g->stash, g->stash + rc, g->stash_len - (uint32_t)rc);
		g->stash_len -= (uint32_t)rc;
		spate_tcp_rx_release(g->tcp, (uint32_t)rc);
	}
	if (g->stash != NULL) {
		rxbuf_give(o, g->stash);
		g->stash = NULL;
	}
	return 0;
}

/* resume + whatever was stashed behind the parked request. */
static int conn_resume(struct spate_origin_conn *g)
{
	if (spate_http_conn_resume(&g->http, g->o->now_ms) < 0)
		return -EPIPE;
	if (spate_http_conn_state(&g->http) == SPATE_HTTP_CONN_WAITING)
		return 0;
	return stash_reoffer(g);
}

/* ---- LL-HLS blocking playlist reload ------------------------------------- */

static int parse_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * _HLS_msn / _HLS_part from the query.  1 when a blocking request was
 * asked for, 0 when not, -EINVAL when malformed (400).
 */
static int ll_query(const char *q, size_t qlen, uint64_t *msn, uint64_t *part,
		    bool *has_part)
{
	const char *end = q + qlen;
	bool has_msn = false;

	*has_part = false;
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *fe = amp != NULL ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(fe - q));

		if (eq != NULL && eq - q == 8 && memcmp(q, "_HLS_msn", 8) == 0) {
			if (parse_u64(eq + 1, (size_t)(fe - eq - 1), msn) < 0)
				return -EINVAL;
			has_msn = true;
		} else if (eq != NULL && eq - q == 9 &&
			   memcmp(q, "_HLS_part", 9) == 0) {
			if (parse_u64(eq + 1, (size_t)(fe - eq - 1), part) < 0)
				return -EINVAL;
			*has_part = true;
		}
		q = fe + (amp != NULL);
	}
	if (*has_part && !has_msn)
		return -EINVAL; /* RFC 8216bis 6.2.5.2 */
	return has_msn ? 1 : 0;
}

static const uint8_t *find(const uint8_t *h, size_t hn, const char *n,
			   size_t nn)
{
	return memmem(h, hn, n, nn);
}

/*
 * Whether a media playlist already satisfies _HLS_msn (and _HLS_part): it
 * lists segment msn whole, or (with a part) that part; a msn that already
 * slid out of the window is satisfied too.  Reads the playlist text the
 * packager wrote (pkg/manifest/hls_media.c): segment URIs on their own
 * line, parts as #EXT-X-PART:...URI="seg-<msn>.<i>.m4s".
 */
static bool ll_ready(const uint8_t *body, size_t n, uint64_t msn,
		     uint64_t part, bool has_part)
{
	static const char seq_tag[] = "#EXT-X-MEDIA-SEQUENCE:";
	const uint8_t *p;
	char pat[64];
	int len;
	uint64_t first;

	p = find(body, n, seq_tag, sizeof(seq_tag) - 1);
	if (p != NULL) {
		const uint8_t *v = p + sizeof(seq_tag) - 1;
		const uint8_t *e = v;

		while (e < body + n && *e >= '0' && *e <= '9')
			e++;
		if (parse_u64((const char *)v, (size_t)(e - v), &first) == 0 &&
		    msn < first)
			return true;
	}
	len = snprintf(pat, sizeof(pat), "\nseg-%llu.m4s\n",
		       (unsigned long long)msn);
	if (find(body, n, pat, (size_t)len) != NULL)
		return true;
	if (!has_part)
		return false;
	len = snprintf(pat, sizeof(pat), "URI=\"seg-%llu.%llu.m4s\"",
		       (unsigned long long)msn, (unsigned long long)part);
	for (p = body; (p = find(p, n - (size_t)(p - body), pat,
				 (size_t)len)) != NULL;
	     p += len) {
		/* Must be an EXT-X-PART line, not the PRELOAD-HINT. */
		const uint8_t *ls = p;

		while (ls > body && ls[-1] != '\n')
			ls--;
		if ((size_t)(p - ls) >= 12 && memcmp(ls, "#EXT-X-PART:", 12) == 0)
			return true;
	}
	return false;
}

/* ---- HTTP conn ops ---------------------------------------------------------- */

static int origin_lookup(void *ctx, const char *path, size_t path_len,
			 const char *query, size_t query_len,
			 struct spate_http_object *obj)
{
	struct spate_origin_conn *g = ctx;
	struct spate_origin *o = g->o;
	struct spate_cache_blob *b;
	const char *name, *slash;
	size_t chlen, nlen;
	uint64_t msn = 0, part = 0;
	bool has_part;
	int ll;

	/* "/<channel>/<object>"; "/" and "/<channel>" name nothing. */
	if (path_len < 2 || path[0] != '/')
		return -ENOENT;
	slash = memchr(path + 1, '/', path_len - 1);
	if (slash == NULL)
		return -ENOENT;
	chlen = (size_t)(slash - path) - 1;
	name = slash + 1;
	nlen = path_len - chlen - 2;
	if (chlen == 0 || nlen == 0)
		return -ENOENT;
	b = spate_cache_lookup_rcu(o->reader, path + 1, chlen, name, nlen);
	if (b == NULL)
		return -ENOENT;

	ll = query_len > 0 ? ll_query(query, query_len, &msn, &part, &has_part)
			   : 0;
	if (ll < 0)
		return -EINVAL;
	if (ll > 0 && b->kind == SPATE_CACHE_KIND_PLAYLIST &&
	    b->cls == SPATE_CACHE_CLASS_LIVE &&
	    !ll_ready(b->body, b->size, msn, part, has_part)) {
		/* Park until the channel publishes again (hold timer: 503). */
		if (g->wait_ch == NULL) {
			g->wait_ch = b->channel;
			spate_cache_channel_get(g->wait_ch);
		}
		g->wait_gen = spate_cache_channel_generation(g->wait_ch);
		/*
		 * Published between the lookup and reading the generation?
		 * Then the next poll sees a newer generation anyway: the
		 * lookup above read an index entry at least this old.
		 */
		return -EAGAIN;
	}

	obj->body = b->body;
	obj->size = b->size;
	obj->etag = b->version;
	obj->mtime = (time_t)(b->mtime_ms / 1000);
	obj->ref = b; /* no reference: valid until this lcore's quiescent */
	obj->content_type = b->content_type != NULL && b->content_type[0]
				    ? b->content_type
				    : NULL;
	obj->max_age_s = b->max_age_s;
	obj->cache_class = b->cls;
	return 0;
}

static int origin_send_header(void *ctx, const char *hdr, size_t len,
			      uint64_t body_len)
{
	struct spate_origin_conn *g = ctx;

	/* One queue entry for the header, one for the body reference. */
	if (spate_tcp_send_slots(g->tcp) < (body_len > 0 ? 2u : 1u))
		return -EAGAIN;
	return spate_tcp_send_copy(g->tcp, hdr, (uint32_t)len);
}

static int origin_send_body_ref(void *ctx, const struct spate_http_object *obj,
				uint64_t off, uint64_t len)
{
	struct spate_origin_conn *g = ctx;
	struct spate_cache_reader *r = g->o->reader;
	struct spate_cache_blob *b = obj->ref;
	struct spate_extbuf *e;
	uint64_t woff = b->hdr_len + off;
	int rc = 0;

	if (off > b->size || len > b->size - off)
		return -EINVAL;
	/* A slot reference on this lcore's own cache line, not the blob's. */
	e = spate_cache_extbuf_hold(r, b);
	if (e == NULL)
		return -EBUSY;
	while (len > 0 && rc == 0) {
		uint32_t n = len > ORIGIN_REF_CHUNK ? ORIGIN_REF_CHUNK
						    : (uint32_t)len;

		/* The stack cuts it into <= 64 KB attachments itself. */
		rc = spate_tcp_send_ref(g->tcp, e, (uint32_t)woff, n);
		if (rc == 0) {
			r->stats.zc_bytes_attached += n;
			r->stats.zc_attachments++;
		}
		woff += n;
		len -= n;
	}
	spate_cache_extbuf_release(e);
	return rc;
}

static void origin_close(void *ctx, enum spate_http_close_reason why)
{
	struct spate_origin_conn *g = ctx;
	struct spate_origin *o = g->o;
	struct spate_tcp_conn *c = g->tcp;

	switch (why) {
	case SPATE_HTTP_CLOSE_SEND_FAILED:
	case SPATE_HTTP_CLOSE_NO_BUFFER:
		conn_free(g);
		spate_tcp_set_ctx(c, NULL);
		spate_tcp_abort(c);
		break;
	case SPATE_HTTP_CLOSE_ERROR:
		/*
		 * The peer may still be sending the rest of a request we
		 * refused: an immediate close would RST and could destroy
		 * the answer in flight.  Drain, FIN, RST at the deadline.
		 */
		wait_clear(o, g);
		if (g->stash != NULL) {
			spate_tcp_rx_release(c, g->stash_len);
			rxbuf_give(o, g->stash);
			g->stash = NULL;
			g->stash_len = 0;
		}
		g->state = OC_LINGER;
		timer_set(o, g, o->now_ms + o->cfg->linger_ms);
		spate_tcp_close(c);
		break;
	default:
		/* The stack drains whatever the peer still sends. */
		conn_free(g);
		spate_tcp_set_ctx(c, NULL);
		spate_tcp_close(c);
		break;
	}
}

static void *origin_rxbuf_get(void *ctx, uint32_t *size)
{
	struct spate_origin_conn *g = ctx;
	void *b = rxbuf_take(g->o);

	*size = g->o->rx_size;
	return b;
}

static void origin_rxbuf_put(void *ctx, void *buf)
{
	struct spate_origin_conn *g = ctx;

	rxbuf_give(g->o, buf);
}

static const struct spate_http_conn_ops origin_http_ops = {
	.lookup = origin_lookup,
	.release = NULL, /* lookup takes no reference */
	.send_header = origin_send_header,
	.send_body_ref = origin_send_body_ref,
	.close = origin_close,
	.rxbuf_get = origin_rxbuf_get,
	.rxbuf_put = origin_rxbuf_put,
};

/* ---- TCP callbacks ------------------------------------------------------------ */

static int origin_accept(struct spate_tcp_conn *c, void *listen_ctx,
			 void **conn_ctx)
{
	struct spate_origin *o = listen_ctx;
	struct spate_origin_conn *g = conn_alloc(o);
	struct spate_http_peer peer;
	rte_be32_t ip;
	rte_be16_t port;

	if (g == NULL) {
		char buf[SPATE_HTTP_RESPONSE_MAX];
		int n;

		o->stats.pool_exhausted++;
		n = spate_http_lcore_reply_overload(&o->http, buf, sizeof(buf));
		if (n > 0)
			spate_tcp_send_copy(c, buf, (uint32_t)n);
		spate_tcp_close(c);
		*conn_ctx = NULL; /* later bytes are drained */
		return 0;
	}
	spate_tcp_peer(c, &ip, &port);
	memset(&peer, 0, sizeof(peer));
	peer.family = 4;
	peer.port = rte_be_to_cpu_16(port);
	memcpy(peer.addr, &ip, 4);
	g->tcp = c;
	spate_http_conn_init(&g->http, &o->http, &origin_http_ops, g, &peer,
			     o->now_ms);
	conn_sync(g);
	*conn_ctx = g;
	return 0;
}

static void origin_data(struct spate_tcp_conn *c, void *ctx,
			const uint8_t *data, uint32_t len)
{
	struct spate_origin_conn *g = ctx;
	int rc;

	RTE_SET_USED(c);
	if (g == NULL || g->state != OC_OPEN)
		return; /* closing: drain */
	if (g->stash_len > 0) {
		/* Order matters: behind what is already waiting. */
		if (stash_append(g, data, len) < 0)
			conn_abort(g);
		return;
	}
	rc = spate_http_conn_input(&g->http, data, len, g->o->now_ms);
	if (rc < 0)
		return;
	if ((uint32_t)rc < len && stash_append(g, data + rc, len - (uint32_t)rc) < 0) {
		conn_abort(g);
		return;
	}
	conn_sync(g);
}

static void origin_sent(struct spate_tcp_conn *c, void *ctx, uint32_t acked)
{
	struct spate_origin_conn *g = ctx;

	RTE_SET_USED(acked);
	if (g == NULL || g->state != OC_OPEN)
		return;
	if (spate_http_conn_state(&g->http) == SPATE_HTTP_CONN_WAITING &&
	    g->http.wait == SPATE_HTTP_WAIT_TX && conn_resume(g) < 0)
		return;
	if (spate_tcp_send_queued(c) == 0)
		spate_http_conn_sent(&g->http, g->o->now_ms);
	conn_sync(g);
}

static void origin_eof(struct spate_tcp_conn *c, void *ctx)
{
	struct spate_origin_conn *g = ctx;

	if (g == NULL) {
		spate_tcp_close(c);
		return;
	}
	if (g->state != OC_OPEN)
		return; /* our FIN is queued already */
	if (spate_http_conn_eof(&g->http, g->o->now_ms) < 0)
		return;
	conn_sync(g);
}

static void origin_closed(struct spate_tcp_conn *c, void *ctx, int reason)
{
	struct spate_origin_conn *g = ctx;

	RTE_SET_USED(c);
	RTE_SET_USED(reason);
	if (g == NULL)
		return;
	if (g->state == OC_OPEN)
		spate_http_conn_fini(&g->http);
	g->tcp = NULL; /* the handle is dead: no window to release */
	conn_free(g);
}

static const struct spate_tcp_ops origin_tcp_ops = {
	.on_accept = origin_accept,
	.on_data = origin_data,
	.on_eof = origin_eof,
	.on_sent = origin_sent,
	.on_closed = origin_closed,
};

/* ---- per-lcore life cycle ------------------------------------------------------ */

void spate_origin_poll(struct spate_origin *o, uint64_t now_ms,
		       int64_t wall_ms)
{
	unsigned budget = ORIGIN_TIMERS_PER_POLL;
	uint32_t ci, next;

	o->now_ms = now_ms;
	spate_http_lcore_clock(&o->http, wall_ms);

	while (o->heap_n > 0 && budget-- > 0 &&
	       o->conns[o->heap[0]].deadline_ms <= now_ms) {
		struct spate_origin_conn *g = &o->conns[o->heap[0]];

		heap_remove(o, g);
		g->deadline_ms = 0;
		o->stats.timers_fired++;
		if (g->state == OC_LINGER) {
			o->stats.linger_resets++;
			conn_abort(g);
			continue;
		}
		if (spate_http_conn_timer(&g->http, now_ms) == 0)
			conn_sync(g);
	}

	/* Parked LL-HLS requests: retry when their channel published. */
	for (ci = o->parked_head; ci != ORIGIN_NIL; ci = next) {
		struct spate_origin_conn *g = &o->conns[ci];

		next = g->next;
		if (spate_cache_channel_generation(g->wait_ch) == g->wait_gen)
			continue;
		o->stats.ll_wakeups++;
		park_del(o, g);
		/* Touches only g: it may free it or park it again at the
		 * head, so next (taken before) is still valid. */
		if (conn_resume(g) == 0)
			conn_sync(g);
	}
}

struct spate_origin *spate_origin_create(const struct spate_origin_config *cfg,
					 struct spate_net *net,
					 struct spate_cache_reader *reader,
					 int64_t wall_ms)
{
	struct spate_origin *o;
	uint32_t i;
	int rc;

	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return NULL;
	o->cfg = cfg;
	o->net = net;
	o->reader = reader;
	o->now_ms = net->now_us / 1000;
	o->free_head = ORIGIN_NIL;
	o->parked_head = ORIGIN_NIL;
	o->rx_size = spate_http_rxbuf_min(&cfg->http);
	/*
	 * Plain process memory: hugepages are kept for mbufs and the cache.
	 * Allocated once here, never on the data path.
	 */
	o->conns = calloc(cfg->max_conns, sizeof(*o->conns));
	o->heap = calloc(cfg->max_conns, sizeof(*o->heap));
	o->rx_free = calloc(cfg->rxbufs ? cfg->rxbufs : 1, sizeof(void *));
	o->rx_mem = calloc(cfg->rxbufs ? cfg->rxbufs : 1, o->rx_size);
	if (o->conns == NULL || o->heap == NULL || o->rx_free == NULL ||
	    o->rx_mem == NULL)
		goto fail;
	for (i = cfg->max_conns; i-- > 0;) {
		o->conns[i].o = o;
		o->conns[i].heap_idx = ORIGIN_NIL;
		o->conns[i].state = OC_FREE;
		o->conns[i].next = o->free_head;
		o->free_head = i;
	}
	for (i = 0; i < cfg->rxbufs; i++)
		o->rx_free[o->rx_free_n++] = o->rx_mem + (size_t)i * o->rx_size;
	if (cfg->log_records > 0) {
		o->log_records = calloc(cfg->log_records,
					sizeof(*o->log_records));
		if (o->log_records == NULL ||
		    spate_http_log_ring_init(&o->log_ring, o->log_records,
					     cfg->log_records) < 0)
			goto fail;
	}
	if (spate_http_lcore_init(&o->http, &cfg->http,
				  o->log_records ? &o->log_ring : NULL,
				  wall_ms) < 0) {
		fprintf(stderr, "spate: lcore %u: bad http.* settings\n",
			net->lcore_id);
		goto fail;
	}
	rc = spate_tcp_listen(net, cfg->port, &origin_tcp_ops, o);
	if (rc < 0) {
		fprintf(stderr, "spate: lcore %u: listen on port %u: %s\n",
			net->lcore_id, cfg->port, strerror(-rc));
		goto fail;
	}
	return o;
fail:
	spate_origin_free(o);
	return NULL;
}

void spate_origin_stop(struct spate_origin *o)
{
	uint32_t i;

	if (o == NULL)
		return;
	/* The stack is about to go without callbacks: forget every conn. */
	for (i = 0; i < o->cfg->max_conns; i++) {
		struct spate_origin_conn *g = &o->conns[i];

		if (g->state == OC_FREE)
			continue;
		if (g->state == OC_OPEN)
			spate_http_conn_fini(&g->http);
		g->tcp = NULL;
		conn_free(g);
	}
}

void spate_origin_free(struct spate_origin *o)
{
	if (o == NULL)
		return;
	free(o->conns);
	free(o->heap);
	free(o->rx_free);
	free(o->rx_mem);
	free(o->log_records);
	free(o);
}

const struct spate_http_counters *
spate_origin_http_stats(const struct spate_origin *o)
{
	return &o->http.stats;
}

const struct spate_origin_stats *spate_origin_stats(const struct spate_origin *o)
{
	return &o->stats;
}

struct spate_http_log_ring *spate_origin_log(struct spate_origin *o)
{
	return o->log_records != NULL ? &o->log_ring : NULL;
}
