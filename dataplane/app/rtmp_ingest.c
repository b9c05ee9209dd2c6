/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTMP ingest on one worker lcore (TCP callbacks -> spate_rtmp_conn ->
 * FLV tags into a channel ring) and the channel side (rings, packager
 * thread reading them through a demux callback).  See rtmp_ingest.h for
 * the ring design and back-pressure.
 *
 * Event mapping (tcp.h <-> rtmp_session.h):
 *   on_accept  -> context from the per-lcore pool + spate_rtmp_conn_init,
 *                 or RST when the pool is empty (counted)
 *   on_data    -> spate_rtmp_conn_input; then the back-pressure check
 *   on_eof     -> spate_rtmp_conn_eof
 *   on_closed  -> spate_rtmp_conn_fini (RST/timeout), context back
 *   RTMP close -> PEER/BAD_NAME/REJECTED: FIN after queued bytes;
 *                 anything else: RST.  One log line with peer and reason.
 * Timers: publisher connections are few, so each poll walks the in-use
 * contexts (bounded by rtmp.max_conns) instead of keeping a heap.
 *
 * Must not: block, lock or allocate on the worker after start.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setname_np */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "http_response.h"
#include "packager/demux.h"
#include "packager/pipeline.h"
#include "rtmp_ingest.h"
#include "tcp.h"

#define RI_NIL		UINT32_MAX
/* Packager thread: how long an empty ring makes it sleep. */
#define RI_EMPTY_SLEEP_US 2000

void spate_rtmp_ingest_config_defaults(struct spate_rtmp_ingest_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	spate_rtmp_config_default(&cfg->rtmp);
	/* 4 MB: a 4K keyframe at a high bitrate; the ring reserves it. */
	cfg->rtmp.max_message_bytes = 4u << 20;
	cfg->port = 1935;
	snprintf(cfg->app_name, sizeof(cfg->app_name), "live");
	cfg->max_conns = 64;
	cfg->msgbufs = 8;
	cfg->ring_kb = 16384;
	cfg->chunk_kb = 64;
	cfg->flush_ms = 2;
	cfg->rcv_wnd_bytes = 256 * 1024;
}

int spate_rtmp_ingest_add_key(struct spate_rtmp_ingest_set *set,
			      const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct spate_rtmp_key *k;
	size_t klen, clen;
	unsigned int i;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return -EINVAL;
	klen = (size_t)(eq - arg);
	clen = strlen(eq + 1);
	if (klen >= sizeof(k->key) || clen >= sizeof(k->channel) ||
	    memchr(arg, '/', klen) != NULL || memchr(arg, '?', klen) != NULL ||
	    strchr(eq + 1, '/') != NULL)
		return -EINVAL;
	for (i = 0; i < set->nkeys; i++)
		if (strlen(set->keys[i].key) == klen &&
		    memcmp(set->keys[i].key, arg, klen) == 0)
			return -EEXIST;
	if (set->nkeys == SPATE_RTMP_INGEST_MAX_KEYS)
		return -ENOSPC;
	k = &set->keys[set->nkeys];
	memcpy(k->key, arg, klen);
	k->key[klen] = '\0';
	memcpy(k->channel, eq + 1, clen + 1);
	for (i = 0; i < set->nchannels; i++)
		if (strcmp(set->channels[i].name, k->channel) == 0)
			break;
	if (i == set->nchannels) {
		if (set->nchannels == SPATE_RTMP_INGEST_MAX_CHANNELS)
			return -ENOSPC;
		memcpy(set->channels[i].name, eq + 1, clen + 1);
		set->nchannels++;
	}
	set->nkeys++;
	return 0;
}

/* ==== The ring: producer side (worker lcore holding the claim) ========== */

static inline uint64_t ring_room(const struct spate_rtmp_channel *ch)
{
	unsigned int nfree = rte_ring_count(ch->free);
	uint64_t room = nfree > 1 ? (uint64_t)(nfree - 1) * ch->chunk_data : 0;

	/* One free chunk is kept back for the EOS marker. */
	if (ch->cur != NULL)
		room += ch->chunk_data - ch->cur->len;
	return room;
}

static void ring_push_cur(struct spate_rtmp_channel *ch)
{
	/* The full ring holds every chunk: the enqueue cannot fail. */
	if (rte_ring_sp_enqueue(ch->full, ch->cur) != 0)
		abort();
	ch->cur = NULL;
}

/* Copies len bytes; the caller checked ring_room. */
static void ring_write(struct spate_rtmp_channel *ch, const void *data,
		       uint32_t len, uint64_t now_ms)
{
	const uint8_t *p = data;

	while (len > 0) {
		uint32_t n;

		if (ch->cur == NULL) {
			void *c;

			if (rte_ring_sc_dequeue(ch->free, &c) != 0)
				abort(); /* ring_room said there was room */
			ch->cur = c;
			ch->cur->len = 0;
			ch->cur->eos = 0;
			ch->cur_since_ms = now_ms;
		}
		n = RTE_MIN(len, ch->chunk_data - ch->cur->len);
		memcpy(ch->cur->data + ch->cur->len, p, n);
		ch->cur->len += n;
		p += n;
		len -= n;
		if (ch->cur->len == ch->chunk_data)
			ring_push_cur(ch);
	}
}

/* The publish ended: the current chunk (or the kept-back one) says EOS. */
static void ring_end(struct spate_rtmp_channel *ch)
{
	if (ch->cur == NULL) {
		void *c;

		if (rte_ring_sc_dequeue(ch->free, &c) != 0)
			return; /* cannot happen: one chunk is kept back */
		ch->cur = c;
		ch->cur->len = 0;
	}
	ch->cur->eos = 1;
	ring_push_cur(ch);
}

/*
 * One FLV tag (header, body, PreviousTagSize), preceded by the FLV file
 * header on a publish's first tag.  Whole or nothing: -ENOBUFS.
 */
static int ring_put_tag(struct spate_rtmp_channel *ch, uint8_t type,
			uint32_t ts_ms, const uint8_t *body, uint32_t len,
			uint64_t now_ms, uint64_t *bytes)
{
	uint8_t hdr[SPATE_FLV_FILE_HEADER_LEN + SPATE_FLV_TAG_HEADER_LEN];
	uint8_t trailer[SPATE_FLV_TAG_TRAILER_LEN];
	uint32_t hlen = 0;

	if (len >= (1u << 24))
		return -EINVAL;
	if (ch->need_header) {
		spate_rtmp_flv_file_header(hdr, true, true);
		hlen = SPATE_FLV_FILE_HEADER_LEN;
	}
	if (ring_room(ch) < (uint64_t)hlen + SPATE_FLV_TAG_HEADER_LEN + len +
				    SPATE_FLV_TAG_TRAILER_LEN)
		return -ENOBUFS;
	ch->need_header = 0;
	spate_rtmp_flv_tag_header(hdr + hlen, type, ts_ms, len);
	hlen += SPATE_FLV_TAG_HEADER_LEN;
	spate_rtmp_flv_tag_trailer(trailer, len);
	ring_write(ch, hdr, hlen, now_ms);
	ring_write(ch, body, len, now_ms);
	ring_write(ch, trailer, sizeof(trailer), now_ms);
	*bytes += hlen + len + sizeof(trailer);
	return 0;
}

/* ==== Per-lcore ingest ================================================== */

enum ri_conn_state {
	RC_FREE = 0,
	RC_OPEN,
};

struct ri_conn {
	struct spate_rtmp_conn rtmp;
	struct spate_tcp_conn *tcp;
	struct spate_rtmp_ingest *ri;
	struct spate_rtmp_channel *ch; /* claimed while publishing */
	uint64_t held;		       /* bytes held in the TCP window */
	uint32_t next;		       /* free list */
	uint8_t state;
};

struct spate_rtmp_ingest {
	struct spate_rtmp_ingest_set *set;
	const struct spate_rtmp_ingest_config *cfg;
	struct spate_net *net;
	uint64_t now_ms;
	uint64_t reserve; /* ring bytes kept free before holding the window */
	struct ri_conn *conns;
	uint32_t free_head;
	uint8_t *msg_mem;
	void **msg_free;
	uint32_t msg_free_n;
	uint32_t msg_size;
	struct spate_rtmp_ingest_stats stats;
	struct spate_rtmp_lcore lc;
};

static const struct spate_rtmp_conn_ops ri_rtmp_ops;

static struct ri_conn *conn_alloc(struct spate_rtmp_ingest *ri)
{
	struct ri_conn *g;

	if (ri->free_head == RI_NIL)
		return NULL;
	g = &ri->conns[ri->free_head];
	ri->free_head = g->next;
	g->next = RI_NIL;
	g->ch = NULL;
	g->held = 0;
	g->tcp = NULL;
	g->state = RC_OPEN;
	ri->stats.conns_active++;
	return g;
}

static void conn_free(struct ri_conn *g)
{
	struct spate_rtmp_ingest *ri = g->ri;

	if (g->state == RC_FREE)
		return;
	if (g->held > 0 && g->tcp != NULL)
		spate_tcp_rx_release(g->tcp, (uint32_t)g->held);
	g->held = 0;
	g->state = RC_FREE;
	g->next = ri->free_head;
	ri->free_head = (uint32_t)(g - ri->conns);
	ri->stats.conns_active--;
}

static void peer_str(struct spate_tcp_conn *c, char *buf, size_t cap)
{
	rte_be32_t ip;
	rte_be16_t port;
	const uint8_t *a = (const uint8_t *)&ip;

	if (c == NULL) {
		snprintf(buf, cap, "?");
		return;
	}
	spate_tcp_peer(c, &ip, &port);
	snprintf(buf, cap, "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3],
		 rte_be_to_cpu_16(port));
}

/* ---- RTMP conn ops ------------------------------------------------------- */

static int ri_send(void *ctx, const void *data, size_t len)
{
	struct ri_conn *g = ctx;

	if (len > UINT32_MAX)
		return -EINVAL;
	return spate_tcp_send_copy(g->tcp, data, (uint32_t)len);
}

static void ri_random(void *ctx, void *buf, size_t len)
{
	uint8_t *p = buf;

	RTE_SET_USED(ctx);
	while (len > 0) {
		uint64_t r = rte_rand();
		size_t n = RTE_MIN(len, sizeof(r));

		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}

static void *ri_msgbuf_get(void *ctx, uint32_t *size)
{
	struct ri_conn *g = ctx;
	struct spate_rtmp_ingest *ri = g->ri;

	*size = ri->msg_size;
	if (ri->msg_free_n == 0)
		return NULL; /* the RTMP layer counts msgbuf_exhausted */
	return ri->msg_free[--ri->msg_free_n];
}

static void ri_msgbuf_put(void *ctx, void *buf)
{
	struct ri_conn *g = ctx;

	g->ri->msg_free[g->ri->msg_free_n++] = buf;
}

static int ri_authorize(void *ctx, const char *app, size_t app_len,
			const char *key, size_t key_len, void **stream)
{
	struct ri_conn *g = ctx;
	struct spate_rtmp_ingest *ri = g->ri;
	struct spate_rtmp_channel *ch = NULL;
	uint32_t expected = 0;
	char peer[32];
	unsigned int i;

	if (app_len != strlen(ri->cfg->app_name) ||
	    memcmp(app, ri->cfg->app_name, app_len) != 0)
		return -ENOENT;
	for (i = 0; i < ri->set->nkeys; i++) {
		const struct spate_rtmp_key *k = &ri->set->keys[i];

		if (strlen(k->key) == key_len &&
		    memcmp(k->key, key, key_len) == 0) {
			ch = k->ch;
			break;
		}
	}
	if (ch == NULL)
		return -ENOENT;
	/* One publisher per channel: the claim makes this lcore producer. */
	if (!__atomic_compare_exchange_n(&ch->publisher, &expected, 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		ri->stats.channel_busy++;
		peer_str(g->tcp, peer, sizeof(peer));
		fprintf(stderr, "spate: rtmp %s: channel %s already has a "
			"publisher: refused\n", peer, ch->name);
		return -EBUSY;
	}
	ch->need_header = 1;
	g->ch = ch;
	*stream = ch;
	peer_str(g->tcp, peer, sizeof(peer));
	fprintf(stderr, "spate: rtmp %s: publishing channel %s (lcore %u)\n",
		peer, ch->name, ri->net->lcore_id);
	return 0;
}

static int ri_put(struct ri_conn *g, struct spate_rtmp_channel *ch,
		  uint8_t type, uint32_t ts_ms, const uint8_t *body,
		  uint32_t len)
{
	struct spate_rtmp_ingest *ri = g->ri;
	int rc;

	if (ch == NULL || ch != g->ch)
		return 0;
	rc = ring_put_tag(ch, type, ts_ms, body, len, ri->now_ms,
			  &ri->stats.bytes_ingested);
	if (rc == -ENOBUFS)
		ri->stats.ring_overflow++;
	else if (rc == 0)
		ri->stats.tags++;
	return rc;
}

static int ri_on_metadata(void *ctx, void *stream,
			  const struct spate_rtmp_metadata *md)
{
	return ri_put(ctx, stream, SPATE_FLV_TAG_SCRIPT, md->timestamp_ms,
		      md->amf, md->amf_len);
}

static int ri_on_media(void *ctx, void *stream,
		       const struct spate_rtmp_media *m)
{
	return ri_put(ctx, stream, m->type, m->timestamp_ms, m->data, m->len);
}

static void ri_unpublish(void *ctx, void *stream)
{
	struct ri_conn *g = ctx;
	struct spate_rtmp_channel *ch = stream;

	if (ch == NULL || ch != g->ch)
		return;
	ring_end(ch);
	g->ch = NULL;
	if (g->held > 0 && g->tcp != NULL)
		spate_tcp_rx_release(g->tcp, (uint32_t)g->held);
	g->held = 0;
	/* Everything this lcore wrote is visible before the next claim. */
	__atomic_store_n(&ch->publisher, 0, __ATOMIC_RELEASE);
}

static void ri_close(void *ctx, enum spate_rtmp_close_reason why)
{
	struct ri_conn *g = ctx;
	struct spate_tcp_conn *c = g->tcp;
	char peer[32];

	peer_str(c, peer, sizeof(peer));
	if (why == SPATE_RTMP_CLOSE_PROTOCOL)
		fprintf(stderr, "spate: rtmp %s: closed: protocol error (%s)\n",
			peer, spate_rtmp_perr_name(spate_rtmp_conn_perr(&g->rtmp)));
	else
		fprintf(stderr, "spate: rtmp %s: closed: %s\n", peer,
			spate_rtmp_close_reason_name(why));
	conn_free(g);
	if (c == NULL)
		return;
	spate_tcp_set_ctx(c, NULL);
	switch (why) {
	case SPATE_RTMP_CLOSE_PEER:
	case SPATE_RTMP_CLOSE_BAD_NAME:
	case SPATE_RTMP_CLOSE_REJECTED:
		spate_tcp_close(c); /* later bytes are drained by the stack */
		break;
	default:
		spate_tcp_abort(c);
		break;
	}
}

static const struct spate_rtmp_conn_ops ri_rtmp_ops = {
	.send = ri_send,
	.random = ri_random,
	.msgbuf_get = ri_msgbuf_get,
	.msgbuf_put = ri_msgbuf_put,
	.connect = NULL,
	.authorize = ri_authorize,
	.on_metadata = ri_on_metadata,
	.on_media = ri_on_media,
	.unpublish = ri_unpublish,
	.close = ri_close,
};

/* ---- TCP callbacks --------------------------------------------------------- */

static int ri_accept(struct spate_tcp_conn *c, void *listen_ctx,
		     void **conn_ctx)
{
	struct spate_rtmp_ingest *ri = listen_ctx;
	struct ri_conn *g = conn_alloc(ri);

	if (g == NULL) {
		ri->stats.pool_exhausted++;
		return -ENOMEM; /* RST */
	}
	g->tcp = c;
	spate_rtmp_conn_init(&g->rtmp, &ri->lc, &ri_rtmp_ops, g, ri->now_ms);
	*conn_ctx = g;
	return 0;
}

/*
 * After input: hold what the publisher sent while the ring is short of
 * its reserve, so its TCP window closes; poll releases it later.
 */
static void backpressure_check(struct ri_conn *g, uint32_t len)
{
	struct spate_rtmp_ingest *ri = g->ri;

	if (g->ch == NULL || ring_room(g->ch) >= ri->reserve)
		return;
	if (g->held == 0)
		ri->stats.backpressure_events++;
	spate_tcp_rx_hold(g->tcp, len);
	g->held += len;
	ri->stats.backpressure_bytes += len;
}

static void ri_data(struct spate_tcp_conn *c, void *ctx, const uint8_t *data,
		    uint32_t len)
{
	struct ri_conn *g = ctx;

	RTE_SET_USED(c);
	if (g == NULL || g->state != RC_OPEN)
		return;
	if (spate_rtmp_conn_input(&g->rtmp, data, len, g->ri->now_ms) < 0)
		return; /* closed: g is gone */
	backpressure_check(g, len);
}

static void ri_eof(struct spate_tcp_conn *c, void *ctx)
{
	struct ri_conn *g = ctx;

	if (g == NULL || g->state != RC_OPEN) {
		spate_tcp_close(c);
		return;
	}
	spate_rtmp_conn_eof(&g->rtmp, g->ri->now_ms);
}

static void ri_closed(struct spate_tcp_conn *c, void *ctx, int reason)
{
	struct ri_conn *g = ctx;

	RTE_SET_USED(c);
	RTE_SET_USED(reason);
	if (g == NULL || g->state != RC_OPEN)
		return;
	g->tcp = NULL; /* dead handle: nothing to release or send */
	g->held = 0;
	spate_rtmp_conn_fini(&g->rtmp); /* unpublish, msgbuf back */
	conn_free(g);
}

static const struct spate_tcp_ops ri_tcp_ops = {
	.on_accept = ri_accept,
	.on_data = ri_data,
	.on_eof = ri_eof,
	.on_sent = NULL,
	.on_closed = ri_closed,
};

/* ---- per-lcore life cycle ---------------------------------------------------- */

void spate_rtmp_ingest_poll(struct spate_rtmp_ingest *ri, uint64_t now_ms)
{
	uint32_t i;

	if (ri == NULL)
		return;
	ri->now_ms = now_ms;
	if (ri->stats.conns_active == 0)
		return;
	for (i = 0; i < ri->cfg->max_conns; i++) {
		struct ri_conn *g = &ri->conns[i];
		struct spate_rtmp_channel *ch = g->ch;
		uint64_t dl;

		if (g->state != RC_OPEN)
			continue;
		/*
		 * A partial chunk goes to the packager after flush_ms, but
		 * only when it has nothing else to read: a packager that is
		 * behind gets full chunks, so the ring's capacity counts.
		 */
		if (ch != NULL && ch->cur != NULL && ch->cur->len > 0 &&
		    now_ms - ch->cur_since_ms >= ri->cfg->flush_ms &&
		    rte_ring_count(ch->full) == 0)
			ring_push_cur(ch);
		/* The packager caught up: reopen the window. */
		if (ch != NULL && g->held > 0 &&
		    ring_room(ch) >= ri->reserve +
					     (uint64_t)ch->nchunks *
						     ch->chunk_data / 4) {
			spate_tcp_rx_release(g->tcp, (uint32_t)g->held);
			g->held = 0;
		}
		dl = spate_rtmp_conn_deadline(&g->rtmp);
		if (dl != 0 && dl <= now_ms) {
			ri->stats.timers_fired++;
			/* May close and free g: nothing after it. */
			spate_rtmp_conn_timer(&g->rtmp, now_ms);
		}
	}
}

struct spate_rtmp_ingest *spate_rtmp_ingest_create(
	struct spate_rtmp_ingest_set *set, struct spate_net *net)
{
	const struct spate_rtmp_ingest_config *cfg = &set->cfg;
	struct spate_rtmp_ingest *ri;
	uint32_t i;
	int rc;

	ri = calloc(1, sizeof(*ri));
	if (ri == NULL)
		return NULL;
	ri->set = set;
	ri->cfg = cfg;
	ri->net = net;
	ri->now_ms = net->now_us / 1000;
	ri->free_head = RI_NIL;
	ri->reserve = (uint64_t)cfg->rtmp.max_message_bytes +
		      2ull * cfg->rcv_wnd_bytes + (uint64_t)cfg->chunk_kb * 1024;
	/* Interleaved audio may sit in the buffer above a keyframe. */
	ri->msg_size = cfg->rtmp.max_message_bytes + (256u << 10);
	if (spate_rtmp_lcore_init(&ri->lc, &cfg->rtmp) < 0) {
		fprintf(stderr, "spate: lcore %u: bad rtmp.* settings\n",
			net->lcore_id);
		goto fail;
	}
	/* Plain memory, once here; message buffers are touched lazily. */
	ri->conns = calloc(cfg->max_conns, sizeof(*ri->conns));
	ri->msg_free = calloc(cfg->msgbufs, sizeof(void *));
	ri->msg_mem = calloc(cfg->msgbufs, ri->msg_size);
	if (ri->conns == NULL || ri->msg_free == NULL || ri->msg_mem == NULL)
		goto fail;
	for (i = cfg->max_conns; i-- > 0;) {
		ri->conns[i].ri = ri;
		ri->conns[i].state = RC_FREE;
		ri->conns[i].next = ri->free_head;
		ri->free_head = i;
	}
	for (i = 0; i < cfg->msgbufs; i++)
		ri->msg_free[ri->msg_free_n++] =
			ri->msg_mem + (size_t)i * ri->msg_size;
	rc = spate_tcp_listen(net, cfg->port, &ri_tcp_ops, ri);
	if (rc < 0) {
		fprintf(stderr, "spate: lcore %u: listen on rtmp port %u: %s\n",
			net->lcore_id, cfg->port, strerror(-rc));
		goto fail;
	}
	return ri;
fail:
	spate_rtmp_ingest_free(ri);
	return NULL;
}

void spate_rtmp_ingest_stop(struct spate_rtmp_ingest *ri)
{
	uint32_t i;

	if (ri == NULL)
		return;
	for (i = 0; i < ri->cfg->max_conns; i++) {
		struct ri_conn *g = &ri->conns[i];

		if (g->state != RC_OPEN)
			continue;
		g->tcp = NULL;
		g->held = 0;
		spate_rtmp_conn_fini(&g->rtmp);
		conn_free(g);
	}
}

void spate_rtmp_ingest_free(struct spate_rtmp_ingest *ri)
{
	if (ri == NULL)
		return;
	free(ri->conns);
	free(ri->msg_free);
	free(ri->msg_mem);
	free(ri);
}

const struct spate_rtmp_ingest_stats *
spate_rtmp_ingest_stats(const struct spate_rtmp_ingest *ri)
{
	return &ri->stats;
}

const struct spate_rtmp_counters *
spate_rtmp_ingest_rtmp_stats(const struct spate_rtmp_ingest *ri)
{
	return &ri->lc.stats;
}

/* ==== Channel side: the packager thread (consumer) ======================== */

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000};

	nanosleep(&ts, NULL);
}

/*
 * The demuxer's read callback: pops chunks, sleeps briefly on an empty
 * ring, returns 0 (end of input) at the publish's EOS or on stop.
 */
static int ring_read(void *opaque, uint8_t *buf, int size)
{
	struct spate_rtmp_channel *ch = opaque;

	for (;;) {
		if (ch->rd == NULL) {
			void *c;

			if (ch->eos || *ch->stop)
				return 0;
			if (rte_ring_sc_dequeue(ch->full, &c) != 0) {
				sleep_us(RI_EMPTY_SLEEP_US);
				continue;
			}
			ch->rd = c;
			ch->rd_off = 0;
			if (ch->cfg->test_read_delay_us != 0)
				sleep_us((long)ch->cfg->test_read_delay_us);
		}
		if (ch->rd_off < ch->rd->len) {
			uint32_t n = RTE_MIN((uint32_t)size,
					     ch->rd->len - ch->rd_off);

			memcpy(buf, ch->rd->data + ch->rd_off, n);
			ch->rd_off += n;
			__atomic_fetch_add(&ch->bytes_read, n, __ATOMIC_RELAXED);
			return (int)n;
		}
		if (ch->rd->eos)
			ch->eos = 1;
		/* The free ring holds every chunk: cannot fail. */
		if (rte_ring_sp_enqueue(ch->free, ch->rd) != 0)
			abort();
		ch->rd = NULL;
	}
}

static void rtmp_live_log(void *ctx, int level, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info"};
	const struct spate_rtmp_channel *ch = ctx;

	fprintf(stderr, "spate: rtmp channel %s: %s: %s\n", ch->name,
		names[level < 0 ? 0 : level > 2 ? 2 : level], msg);
}

/* One publish: demux the FLV stream until EOS, finish the channel. */
static void channel_run_once(struct spate_rtmp_channel *ch)
{
	struct spate_demux_options opt = {0};
	struct spate_packager *p = NULL;
	struct spate_demux *d = NULL;
	struct spate_pkg_stats st;
	uint8_t drain[4096];
	int rc;

	ch->eos = 0;
	rc = spate_packager_create(&p, &ch->pkg_cfg, &spate_cache_output_ops,
				   ch->cache_ch);
	if (rc < 0) {
		fprintf(stderr, "spate: rtmp channel %s: packager: %s\n",
			ch->name, strerror(-rc));
		goto drain;
	}
	opt.format = "flv";
	/* Live: start packaging after a short look, not the default 3 s. */
	opt.analyze_ms = 1000;
	rc = spate_demux_open_callback(&d, ring_read, ch, &opt);
	if (rc < 0) {
		fprintf(stderr, "spate: rtmp channel %s: FLV open: %s\n",
			ch->name, strerror(-rc));
		goto drain;
	}
	fprintf(stderr, "spate: rtmp channel %s: publish -> packager\n",
		ch->name);
	rc = spate_pkg_pipeline_run(d, p, ch->stop);
	spate_packager_stats(p, &st);
	fprintf(stderr,
		"spate: rtmp channel %s: publish %s: %" PRIu64 " packets, %" PRIu64
		" segments, %" PRIu64 " manifests published, %" PRIu64
		" publish errors\n",
		ch->name, rc == 0 ? "ended" : strerror(-rc), st.packets_in,
		st.segments_out, st.manifests_out, st.publish_errors);
drain:
	if (d != NULL)
		spate_demux_close(d);
	/* Whatever the demuxer left of this publish, up to its EOS. */
	while (ring_read(ch, drain, sizeof(drain)) > 0)
		;
	if (ch->rd != NULL && !*ch->stop) {
		rte_ring_sp_enqueue(ch->free, ch->rd);
		ch->rd = NULL;
	}
	if (p != NULL)
		spate_packager_destroy(p);
	__atomic_fetch_add(&ch->sessions, 1, __ATOMIC_RELAXED);
}

static void *channel_main(void *arg)
{
	struct spate_rtmp_channel *ch = arg;

	while (!*ch->stop) {
		if (rte_ring_count(ch->full) == 0) {
			sleep_us(5000);
			continue;
		}
		channel_run_once(ch);
	}
	__atomic_store_n(&ch->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int channel_rings(struct spate_rtmp_channel *ch, unsigned int idx)
{
	const struct spate_rtmp_ingest_config *cfg = ch->cfg;
	size_t chunk_bytes = (size_t)cfg->chunk_kb * 1024;
	char name[RTE_RING_NAMESIZE];
	unsigned int size;
	uint32_t i;

	ch->nchunks = (uint32_t)(((uint64_t)cfg->ring_kb * 1024) / chunk_bytes);
	ch->chunk_data = (uint32_t)(chunk_bytes -
				    sizeof(struct spate_rtmp_chunk));
	size = rte_align32pow2(ch->nchunks + 1);
	snprintf(name, sizeof(name), "rtmp_full_%u", idx);
	ch->full = rte_ring_create(name, size, SOCKET_ID_ANY,
				   RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "rtmp_free_%u", idx);
	ch->free = rte_ring_create(name, size, SOCKET_ID_ANY,
				   RING_F_SP_ENQ | RING_F_SC_DEQ);
	ch->mem = aligned_alloc(64, chunk_bytes * ch->nchunks);
	if (ch->full == NULL || ch->free == NULL || ch->mem == NULL)
		return -ENOMEM;
	for (i = 0; i < ch->nchunks; i++)
		rte_ring_sp_enqueue(ch->free, ch->mem + (size_t)i * chunk_bytes);
	return 0;
}

int spate_rtmp_channels_start(struct spate_rtmp_ingest_set *set,
			      struct spate_cache *cache,
			      const struct spate_pkg_config *pkg_cfg,
			      volatile sig_atomic_t *stop)
{
	struct spate_cache_channel_config ccfg;
	const struct spate_rtmp_ingest_config *cfg = &set->cfg;
	unsigned int i, j;
	int rc;

	if ((uint64_t)cfg->ring_kb * 1024 <
	    2 * ((uint64_t)cfg->rtmp.max_message_bytes +
		 2ull * cfg->rcv_wnd_bytes + (uint64_t)cfg->chunk_kb * 1024)) {
		fprintf(stderr, "spate: rtmp.ring_kb must be at least twice "
			"rtmp.max_message_kb + 2 x tcp.rcv_wnd_bytes + "
			"rtmp.chunk_kb\n");
		return -EINVAL;
	}
	memset(&ccfg, 0, sizeof(ccfg));
	ccfg.live_max_age_s = spate_http_live_max_age_s(pkg_cfg->segment_ms);
	ccfg.ended_max_age_s = SPATE_HTTP_ENDED_MAX_AGE_S;
	for (i = 0; i < set->nchannels; i++) {
		struct spate_rtmp_channel *ch = &set->channels[i];
		char tname[16];

		ch->cfg = cfg;
		ch->stop = stop;
		ch->pkg_cfg = *pkg_cfg;
		ch->pkg_cfg.log = rtmp_live_log;
		ch->pkg_cfg.log_ctx = ch;
		rc = spate_cache_channel_create(cache, ch->name, &ccfg,
						&ch->cache_ch);
		if (rc < 0) {
			fprintf(stderr, "spate: rtmp channel %s: %s\n",
				ch->name, strerror(-rc));
			return rc;
		}
		if (channel_rings(ch, i) < 0) {
			fprintf(stderr, "spate: rtmp channel %s: rings: out of "
				"memory\n", ch->name);
			return -ENOMEM;
		}
		rc = pthread_create(&ch->thread, NULL, channel_main, ch);
		if (rc != 0) {
			fprintf(stderr, "spate: rtmp channel %s: thread: %s\n",
				ch->name, strerror(rc));
			return -rc;
		}
		ch->started = 1;
		snprintf(tname, sizeof(tname), "rtmp-%s", ch->name);
		pthread_setname_np(ch->thread, tname);
		fprintf(stderr, "spate: rtmp channel %s: ring %u x %u bytes\n",
			ch->name, ch->nchunks, cfg->chunk_kb * 1024);
	}
	for (i = 0; i < set->nkeys; i++)
		for (j = 0; j < set->nchannels; j++)
			if (strcmp(set->keys[i].channel,
				   set->channels[j].name) == 0)
				set->keys[i].ch = &set->channels[j];
	return 0;
}

int spate_rtmp_channels_stop(struct spate_rtmp_ingest_set *set)
{
	unsigned int i, waited_ms = 0;
	int stuck = 0;

	for (i = 0; i < set->nchannels; i++) {
		struct spate_rtmp_channel *ch = &set->channels[i];

		if (!ch->started)
			continue;
		/* The read callback checks stop every few ms: bounded. */
		while (!__atomic_load_n(&ch->done, __ATOMIC_ACQUIRE) &&
		       waited_ms < 5000) {
			sleep_us(20000);
			waited_ms += 20;
		}
		if (!__atomic_load_n(&ch->done, __ATOMIC_ACQUIRE)) {
			fprintf(stderr, "spate: rtmp channel %s: packager did "
				"not stop, cancelling\n", ch->name);
			pthread_cancel(ch->thread);
			stuck++;
		}
		pthread_join(ch->thread, NULL);
		ch->started = 0;
	}
	return stuck;
}

void spate_rtmp_channels_free(struct spate_rtmp_ingest_set *set)
{
	unsigned int i;

	for (i = 0; i < set->nchannels; i++) {
		struct spate_rtmp_channel *ch = &set->channels[i];

		rte_ring_free(ch->full);
		rte_ring_free(ch->free);
		free(ch->mem);
		ch->full = ch->free = NULL;
		ch->mem = NULL;
		ch->cur = ch->rd = NULL;
	}
}

void spate_rtmp_channels_print(const struct spate_rtmp_ingest_set *set,
			       FILE *out)
{
	unsigned int i;

	for (i = 0; i < set->nchannels; i++) {
		const struct spate_rtmp_channel *ch = &set->channels[i];

		fprintf(out, "  rtmp channel %s: %llu publish(es) packaged, "
			"%llu bytes read by the packager\n", ch->name,
			(unsigned long long)__atomic_load_n(&ch->sessions,
							    __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&ch->bytes_read,
							    __ATOMIC_RELAXED));
	}
}
