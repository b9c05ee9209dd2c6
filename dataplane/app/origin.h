/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_origin: one worker lcore's HTTP origin — the glue between the
 * userspace TCP (tcp.h), the HTTP/1.1 connection state machine
 * (http_conn.h) and the cache (cache.h).  It owns, per lcore and sized
 * from configuration at start:
 *   - a pool of connection contexts (struct spate_origin_conn: an HTTP
 *     conn plus the TCP handle, timer and parking state); when it is empty
 *     a new connection gets a 503 and a FIN, counted;
 *   - a pool of receive buffers lent to HTTP conns for split or parked
 *     request heads (an idle keep-alive connection holds none);
 *   - a binary min-heap of HTTP deadlines (header, keep-alive, hold and
 *     lingering-close timers), so timers cost O(log n) when they change and
 *     nothing when they do not — no per-connection syscall, no scan;
 *   - the list of requests parked for content (LL-HLS blocking playlist
 *     reload), woken when their cache channel's generation moves.
 *
 * URL space: /<channel>/<object path> -> cache channel + object.  Bodies
 * go out by reference: the blob's per-reader extbuf slot is handed to
 * spate_tcp_send_ref(), so payload bytes are never copied.
 *
 * Everything here runs on the owning worker lcore only; other threads read
 * the counters racily (see telemetry.c).
 */
#ifndef SPATE_ORIGIN_H
#define SPATE_ORIGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "http_conn.h"
#include "net.h"
#include "tcp.h"

/* Settings shared read-only by every lcore's origin. */
struct spate_origin_config {
	struct spate_http_config http;
	uint16_t port;		/* listening port, 80 */
	uint32_t max_conns;	/* connection contexts per lcore */
	uint32_t rxbufs;	/* receive buffers per lcore */
	uint32_t linger_ms;	/* error close: drain this long, then RST */
	uint32_t log_records;	/* access-log ring per lcore, 0 = no log */
};

void spate_origin_config_defaults(struct spate_origin_config *cfg,
				  uint32_t tcp_max_conns);

/* Origin-level counters (the HTTP layer counts the rest). */
#define SPATE_ORIGIN_STATS(X)                                                  \
	X(conns_active)	   /* gauge: contexts in use */                        \
	X(conns_peak)	   /* gauge: most contexts in use at once */           \
	X(pool_exhausted)  /* accepts answered 503: no context free */         \
	X(rxbuf_pool_empty) /* a receive buffer was asked for, none free */    \
	X(stash_overflow)  /* pipelined bytes behind a parked request */       \
	X(linger_resets)   /* error closes that ended in RST */                \
	X(ll_parked)	   /* requests parked for LL-HLS content */            \
	X(ll_wakeups)	   /* parked requests retried on a publish */          \
	X(timers_fired)

struct spate_origin_stats {
#define SPATE_ORIGIN_STAT_FIELD(n) uint64_t n;
	SPATE_ORIGIN_STATS(SPATE_ORIGIN_STAT_FIELD)
#undef SPATE_ORIGIN_STAT_FIELD
};

struct spate_origin;
struct spate_origin_conn;

/* Sizes for the per-connection memory report. */
size_t spate_origin_conn_size(void);

/*
 * Creates lcore_id's origin on its stack `net` and starts listening.
 * reader: this lcore's registered cache reader.  NULL on failure (message
 * on stderr).  Call on the worker lcore itself.
 */
struct spate_origin *spate_origin_create(const struct spate_origin_config *cfg,
					 struct spate_net *net,
					 struct spate_cache_reader *reader,
					 int64_t wall_ms);

/*
 * Once per poll loop, after the stack's input and timers: feeds the
 * clocks, fires due HTTP timers and retries parked requests whose channel
 * published something.
 */
void spate_origin_poll(struct spate_origin *o, uint64_t now_ms,
		       int64_t wall_ms);

/* After the worker stopped: connection contexts are released (the stack is
 * freed separately and calls nothing back). Counters stay readable. */
void spate_origin_stop(struct spate_origin *o);
void spate_origin_free(struct spate_origin *o);

/* Counters for telemetry and the exit table (racy reads from other threads). */
const struct spate_http_counters *
spate_origin_http_stats(const struct spate_origin *o);
const struct spate_origin_stats *spate_origin_stats(const struct spate_origin *o);
struct spate_http_log_ring *spate_origin_log(struct spate_origin *o);

#endif /* SPATE_ORIGIN_H */
