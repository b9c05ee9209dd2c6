/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTMP ingest glue: the RTMP publisher connection (dataplane/rtmp) over the
 * userspace TCP (tcp.h) on every worker lcore, and the per-channel byte
 * ring that carries the publish, as an FLV byte stream, to that channel's
 * packager thread (libavformat's FLV demuxer -> pkg/ -> cache).
 *
 *   worker lcore (producer)                      packager thread (consumer)
 *   on_media/on_metadata -> FLV tag ->  [full ring] -> demux read callback
 *            free chunks  <-  [free ring]  <- chunk consumed
 *
 * Ring design: each RTMP channel owns a fixed block of chunks (config
 * rtmp.ring_kb / rtmp.chunk_kb) and two single-producer/single-consumer
 * rte_rings of chunk pointers: "full" (worker -> packager) and "free"
 * (packager -> worker).  No mempool, no lock, no allocation after start.
 * The worker fills its current chunk with whole FLV tags (a tag may span
 * chunks, the reader sees a byte stream) and enqueues it when it is full,
 * or when it is older than rtmp.flush_ms and the packager has nothing left
 * to read (low latency when it keeps up, full chunks when it falls
 * behind).  End of a publish is a chunk flagged EOS:
 * the reader returns 0 (end of input) there, the packager finishes the
 * channel (ENDLIST), and the next publish starts a new packager run on the
 * bytes that follow.  One chunk is always kept back for the EOS marker.
 *
 * Single producer: a channel has at most one publisher at a time.  The
 * publish claims the channel with a compare-and-swap; a second publisher
 * is refused (NetStream.Publish.BadName, counted as channel_busy) until
 * the first unpublishes.  The claim's release/acquire pair hands the
 * rings' producer side from one lcore to the next.
 *
 * Back-pressure: when fewer than `reserve` bytes of free chunk space are
 * left (one max-size message + twice the TCP receive window + one chunk),
 * every byte the publisher sends is held in its TCP receive window
 * (spate_tcp_rx_hold), so the window closes and the encoder stalls
 * instead of the ring dropping media.  When the packager has freed half
 * the ring again the held bytes are released.  A tag that still finds no
 * room (cannot happen unless the peer ignores the window) closes that
 * connection, counted as ring_overflow.
 */
#ifndef SPATE_APP_RTMP_INGEST_H
#define SPATE_APP_RTMP_INGEST_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "cache.h"
#include "net.h"
#include "packager/packager.h"
#include "rtmp_session.h"

#define SPATE_RTMP_INGEST_MAX_KEYS     32
#define SPATE_RTMP_INGEST_MAX_CHANNELS 16
#define SPATE_RTMP_INGEST_KEY_MAX      64
#define SPATE_RTMP_INGEST_APP_MAX      32

struct spate_rtmp_ingest_config {
	struct spate_rtmp_config rtmp;
	uint16_t port;		/* rtmp.port, 1935 */
	char app_name[SPATE_RTMP_INGEST_APP_MAX]; /* rtmp.app, "live" */
	uint32_t max_conns;	/* rtmp.max_conns per lcore, 64 */
	uint32_t msgbufs;	/* rtmp.msgbufs per lcore, 8 */
	uint32_t ring_kb;	/* rtmp.ring_kb per channel, 16384 */
	uint32_t chunk_kb;	/* rtmp.chunk_kb, 64 */
	uint32_t flush_ms;	/* rtmp.flush_ms: partial chunk age, 2 */
	uint32_t rcv_wnd_bytes; /* from tcp.rcv_wnd_bytes (reserve) */
	/*
	 * TEST HOOK (rtmp.test_read_delay_us, 0 = off): the packager sleeps
	 * this long per chunk it takes, so a test can make it slower than
	 * the publisher and see back-pressure.  Not a production setting.
	 */
	uint32_t test_read_delay_us;
};

void spate_rtmp_ingest_config_defaults(struct spate_rtmp_ingest_config *cfg);

/* Per-lcore counters on top of the RTMP layer's own. */
#define SPATE_RTMP_INGEST_STATS(X)                                            \
	X(conns_active)	      /* gauge */                                     \
	X(pool_exhausted)     /* accepts refused: no context (RST) */         \
	X(channel_busy)	      /* publish refused: channel has a publisher */  \
	X(bytes_ingested)     /* FLV bytes written into channel rings */      \
	X(tags)		      /* FLV tags written */                          \
	X(backpressure_events) /* publisher's window held: ring near full */  \
	X(backpressure_bytes) /* bytes held in TCP windows */                 \
	X(ring_overflow)      /* tag found no room: connection closed */      \
	X(timers_fired)

struct spate_rtmp_ingest_stats {
#define SPATE_RTMP_INGEST_STAT_FIELD(n) uint64_t n;
	SPATE_RTMP_INGEST_STATS(SPATE_RTMP_INGEST_STAT_FIELD)
#undef SPATE_RTMP_INGEST_STAT_FIELD
};

/* A chunk of the byte ring; data follows the header. */
struct spate_rtmp_chunk {
	uint32_t len;
	uint32_t eos; /* the publish ended after these bytes */
	uint8_t data[];
};

/* One ingest channel: rings, its packager thread, its claim. */
struct spate_rtmp_channel {
	char name[SPATE_CACHE_CHANNEL_NAME_MAX + 1];
	const struct spate_rtmp_ingest_config *cfg;
	struct spate_cache_channel *cache_ch;
	struct spate_pkg_config pkg_cfg;
	struct rte_ring *full, *free;
	uint8_t *mem;
	uint32_t nchunks;
	uint32_t chunk_data; /* bytes of data per chunk */
	uint32_t publisher;  /* atomic claim: 0 free, 1 taken */

	/* Producer side: only the claiming lcore touches these. */
	struct spate_rtmp_chunk *cur;
	uint64_t cur_since_ms;
	int need_header;

	/* Consumer side: only the packager thread. */
	struct spate_rtmp_chunk *rd;
	uint32_t rd_off;
	int eos;
	volatile sig_atomic_t *stop;

	pthread_t thread;
	int started;
	int done;	     /* atomic */
	uint64_t sessions;   /* packager runs (atomic store, racy read) */
	uint64_t bytes_read; /* by the packager */
};

/* A stream key -> channel mapping (--rtmp-key KEY=CHANNEL). */
struct spate_rtmp_key {
	char key[SPATE_RTMP_INGEST_KEY_MAX];
	char channel[SPATE_CACHE_CHANNEL_NAME_MAX + 1];
	struct spate_rtmp_channel *ch;
};

/* The keys and channels, shared read-only by the workers after start. */
struct spate_rtmp_ingest_set {
	struct spate_rtmp_ingest_config cfg;
	unsigned int nkeys, nchannels;
	struct spate_rtmp_key keys[SPATE_RTMP_INGEST_MAX_KEYS];
	struct spate_rtmp_channel channels[SPATE_RTMP_INGEST_MAX_CHANNELS];
};

/* Adds "KEY=CHANNEL".  0 or -EINVAL / -ENOSPC / -EEXIST (key twice). */
int spate_rtmp_ingest_add_key(struct spate_rtmp_ingest_set *set,
			      const char *arg);

/*
 * Creates every channel's cache channel, rings and packager thread (which
 * waits on its ring).  pkg_cfg is copied; stop is the packagers' flag.
 */
int spate_rtmp_channels_start(struct spate_rtmp_ingest_set *set,
			      struct spate_cache *cache,
			      const struct spate_pkg_config *pkg_cfg,
			      volatile sig_atomic_t *stop);
/* Joins the packager threads (*stop must be set).  Returns stuck ones. */
int spate_rtmp_channels_stop(struct spate_rtmp_ingest_set *set);
/* After every worker's ingest stopped: rings and chunks go. */
void spate_rtmp_channels_free(struct spate_rtmp_ingest_set *set);

struct spate_rtmp_ingest;

/* On the worker lcore: listens on cfg.port.  NULL on failure (logged). */
struct spate_rtmp_ingest *spate_rtmp_ingest_create(
	struct spate_rtmp_ingest_set *set, struct spate_net *net);
/* Once per poll loop: timers, partial-chunk flush, back-pressure release. */
void spate_rtmp_ingest_poll(struct spate_rtmp_ingest *ri, uint64_t now_ms);
/* After the worker stopped, before the stack is freed. */
void spate_rtmp_ingest_stop(struct spate_rtmp_ingest *ri);
void spate_rtmp_ingest_free(struct spate_rtmp_ingest *ri);

/* Counters (racy reads from other threads). */
const struct spate_rtmp_ingest_stats *
spate_rtmp_ingest_stats(const struct spate_rtmp_ingest *ri);
const struct spate_rtmp_counters *
spate_rtmp_ingest_rtmp_stats(const struct spate_rtmp_ingest *ri);

/* One line per channel for the exit table. */
void spate_rtmp_channels_print(const struct spate_rtmp_ingest_set *set,
			       FILE *out);

#endif /* SPATE_APP_RTMP_INGEST_H */
