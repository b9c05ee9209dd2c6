/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_http_conn: the per-connection HTTP/1.1 origin state machine, driven
 * through a transport-neutral interface.
 *
 *   owner (DPDK TCP, or a test)              spate_http_conn
 *   ---------------------------              ---------------
 *   bytes arrived   -> spate_http_conn_input(conn, data, len, now_ms)
 *   timer due       -> spate_http_conn_timer(conn, now_ms)
 *   tx queue empty  -> spate_http_conn_sent(conn, now_ms)
 *   room / content  -> spate_http_conn_resume(conn, now_ms)
 *   peer FIN        -> spate_http_conn_eof(conn, now_ms)
 *   RST / teardown  -> spate_http_conn_fini(conn)
 *                   <- ops->lookup / send_header / send_body_ref / close
 *
 * States:
 *   READING   a request head is being received (the first request, or
 *             bytes of the next one have arrived); header timer runs
 *   WAITING   a parsed request is parked: its content is not published
 *             yet (lookup -EAGAIN; LL-HLS blocking reload; hold timer) or
 *             the transport is full (send_header -EAGAIN; no HTTP timer)
 *   SENDING   responses are queued in the transport and it has not said
 *             they drained; no HTTP timer (the TCP layer owns dead peers)
 *   KEEPALIVE idle between requests; keep-alive timer
 *   CLOSED    ops->close was called; the conn ignores everything
 * Dispatch (lookup -> conditionals -> range -> header -> body ref) runs
 * inside input/resume and finishes synchronously.
 *
 * Zero copy on the way in as well as out: a request head that arrives
 * whole is parsed straight from the caller's bytes; only a head split
 * across inputs (or parked) is copied into a receive buffer borrowed from
 * the owner (ops->rxbuf_get) and returned as soon as it is empty, so an
 * idle keep-alive connection holds no buffer at all, just this struct.
 *
 * Everything per-lcore (config, counters, access-log ring, cached Date,
 * scratch for the decoded path and the response header) lives in
 * struct spate_http_lcore, shared by all connections of that lcore and
 * touched only by it: no atomics, no locks.
 *
 * Knows nothing of DPDK, sockets or TCP.
 */
#ifndef SPATE_HTTP_CONN_H
#define SPATE_HTTP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_log.h"
#include "http_parser.h"
#include "http_response.h"

/* ---- Configuration ------------------------------------------------------ */

#define SPATE_HTTP_DEFAULT_HEADER_TIMEOUT_MS	10000
#define SPATE_HTTP_DEFAULT_KEEPALIVE_TIMEOUT_MS 60000
#define SPATE_HTTP_DEFAULT_HOLD_TIMEOUT_MS	15000
#define SPATE_HTTP_DEFAULT_MAX_KEEPALIVE_REQS	10000
#define SPATE_HTTP_DEFAULT_RETRY_AFTER_S	1

struct spate_http_config {
	struct spate_http_limits limits;
	/*
	 * A whole request head must arrive within this many ms of its first
	 * byte (of the connection's start for the first request), however
	 * slowly it trickles: the slowloris defence.  Expiry with bytes
	 * received -> 408 + close; with none -> silent close.
	 */
	uint32_t header_timeout_ms;
	/* Idle between requests (after the transport drained) -> close. */
	uint32_t keepalive_timeout_ms;
	/*
	 * Longest a request may stay parked waiting for content (LL-HLS
	 * blocking playlist reload / preload hint) before it is answered
	 * 503.  LL-HLS asks for about three target durations.
	 */
	uint32_t hold_timeout_ms;
	/* Close after this many requests on one connection; 0 = no limit. */
	uint32_t max_keepalive_requests;
	/* Retry-After on 503. */
	uint32_t retry_after_s;
	/* Access-Control-Max-Age on preflight answers. */
	uint32_t cors_max_age_s;
	/* Add CORS headers (Allow-Origin: *) and answer preflights. */
	bool cors;
};

void spate_http_config_default(struct spate_http_config *cfg);
/* 0 or -EINVAL (limits beyond SPATE_HTTP_LIMIT_*, zero timeouts). */
int spate_http_config_check(const struct spate_http_config *cfg);

/*
 * Smallest receive buffer rxbuf_get may return: one whole head at the
 * configured limits.
 */
static inline uint32_t spate_http_rxbuf_min(const struct spate_http_config *cfg)
{
	return cfg->limits.max_request_line + cfg->limits.max_header_bytes;
}

/* ---- Per-lcore counters ------------------------------------------------- */

/* Indexes of spate_http_counters.status; see spate_http_status_slot. */
enum spate_http_status_slot {
	SPATE_HTTP_ST_200,
	SPATE_HTTP_ST_204,
	SPATE_HTTP_ST_206,
	SPATE_HTTP_ST_2XX_OTHER,
	SPATE_HTTP_ST_304,
	SPATE_HTTP_ST_400,
	SPATE_HTTP_ST_403,
	SPATE_HTTP_ST_404,
	SPATE_HTTP_ST_405,
	SPATE_HTTP_ST_408,
	SPATE_HTTP_ST_413,
	SPATE_HTTP_ST_414,
	SPATE_HTTP_ST_416,
	SPATE_HTTP_ST_417,
	SPATE_HTTP_ST_431,
	SPATE_HTTP_ST_4XX_OTHER,
	SPATE_HTTP_ST_500,
	SPATE_HTTP_ST_501,
	SPATE_HTTP_ST_503,
	SPATE_HTTP_ST_505,
	SPATE_HTTP_ST_5XX_OTHER,
	SPATE_HTTP_ST_OTHER,
	SPATE_HTTP_ST_MAX
};

enum spate_http_status_slot spate_http_status_slot(unsigned status);
/* "200", "2xx", ... for exporting. */
const char *spate_http_status_slot_name(enum spate_http_status_slot s);

/*
 * Plain uint64_t: written only by the owning lcore.  A stats reader on
 * another thread reads them racily (aligned 64-bit loads do not tear on
 * the 64-bit targets spate runs on) and sums lcores with
 * spate_http_counters_add.
 */
struct spate_http_counters {
	uint64_t requests; /* request heads parsed and dispatched */
	uint64_t status[SPATE_HTTP_ST_MAX]; /* responses queued, by code */
	uint64_t parse_errors[SPATE_HTTP_PERR_MAX]; /* by reason */
	uint64_t bytes_header;	 /* response header bytes queued */
	uint64_t bytes_body_ref; /* body bytes queued by reference */
	uint64_t conns_opened;
	uint64_t conns_closed;
	uint64_t keepalive_reused; /* requests after a conn's first */
	uint64_t pipelined;	   /* heads that arrived behind another */
	uint64_t heads_buffered;   /* heads split over inputs (copied) */
	uint64_t rxbuf_exhausted;  /* rxbuf_get failed -> conn closed */
	uint64_t parked_content;   /* lookup -EAGAIN */
	uint64_t parked_tx;	   /* send_header -EAGAIN */
	uint64_t timeout_header;
	uint64_t timeout_idle;
	uint64_t timeout_hold;
	uint64_t send_errors;	/* transport refused a header/body -> close */
	uint64_t lookup_errors; /* lookup failed other than ENOENT/EAGAIN */
};

void spate_http_counters_add(struct spate_http_counters *dst,
			     const struct spate_http_counters *src);

/* ---- Per-lcore context ----------------------------------------------------
 */

struct spate_http_lcore {
	const struct spate_http_config *cfg;
	struct spate_http_log_ring *log; /* NULL: no access log */
	struct spate_http_counters stats;
	int64_t wall_ms;  /* last spate_http_lcore_clock() */
	int64_t date_sec; /* second the Date string is for */
	char date[SPATE_HTTP_DATE_LEN + 1];
	/* Scratch for the request being dispatched (one at a time). */
	char hdr[SPATE_HTTP_RESPONSE_MAX];
	char path[SPATE_HTTP_LIMIT_REQUEST_LINE + 1];
};

/*
 * cfg (checked here) and log (may be NULL) must outlive lc.  wall_ms is the
 * wall clock (ms since the epoch) for Date and log records.
 */
int spate_http_lcore_init(struct spate_http_lcore *lc,
			  const struct spate_http_config *cfg,
			  struct spate_http_log_ring *log, int64_t wall_ms);

/*
 * Feeds the wall clock, once per poll loop or at least once a second.  The
 * Date string is re-rendered only when the second changes.  (The now_ms
 * the conn functions take is the owner's monotonic clock, for timers.)
 */
static inline void spate_http_lcore_clock(struct spate_http_lcore *lc,
					  int64_t wall_ms)
{
	int64_t sec = wall_ms / 1000;

	lc->wall_ms = wall_ms;
	if (sec != lc->date_sec) {
		lc->date_sec = sec;
		spate_http_date_format((time_t)sec, lc->date);
	}
}

/*
 * 503 + Retry-After + Connection: close for a connection the transport
 * cannot accept (no spate_http_conn free).  Counts it.  Returns the length
 * written into buf (SPATE_HTTP_RESPONSE_MAX suffices) or -ENOSPC.
 */
int spate_http_lcore_reply_overload(struct spate_http_lcore *lc, char *buf,
				    size_t cap);

/* ---- The transport interface ------------------------------------------- */

/* What lookup finds: a cache object, referenced, never copied. */
struct spate_http_object {
	const uint8_t *body; /* the representation, size bytes */
	uint64_t size;
	uint64_t etag; /* object id/version -> strong ETag */
	time_t mtime;  /* Last-Modified; <= 0 = unknown (not sent) */
	void *ref;     /* owner's handle (cache blob); passed back as is */
	const char *content_type; /* NULL = from the path's extension */
	uint32_t max_age_s;	  /* LIVE/ENDED max-age */
	uint8_t cache_class;	  /* enum spate_http_cache_class */
};

/* Why the conn asks to close; for logs and for how to close. */
enum spate_http_close_reason {
	SPATE_HTTP_CLOSE_DONE,		 /* last response queued (close, 1.0,
					    request limit): flush, then FIN */
	SPATE_HTTP_CLOSE_PEER,		 /* peer sent FIN: flush, then FIN */
	SPATE_HTTP_CLOSE_ERROR,		 /* error answer queued; the peer may
					    still be sending: flush, FIN, and
					    linger (drain input) before RST */
	SPATE_HTTP_CLOSE_HEADER_TIMEOUT, /* 408 queued (or nothing, if the
					    peer never sent a byte) */
	SPATE_HTTP_CLOSE_IDLE_TIMEOUT,	 /* keep-alive idle: FIN */
	SPATE_HTTP_CLOSE_SEND_FAILED,	 /* transport refused: abort (RST) */
	SPATE_HTTP_CLOSE_NO_BUFFER,	 /* rxbuf_get failed: abort */
	SPATE_HTTP_CLOSE_REASON_MAX
};

const char *spate_http_close_reason_name(enum spate_http_close_reason r);

/*
 * Callbacks into the owner.  They run on the conn's lcore, from inside
 * spate_http_conn_* calls, and must not call back into the same conn.
 */
struct spate_http_conn_ops {
	/*
	 * Finds the object for a normalised path ("/live/ch1/seg42.m4s",
	 * percent-decoded, never containing "..") and the raw query string
	 * (for LL-HLS _HLS_msn/_HLS_part/_HLS_skip, tokens).  Neither is
	 * NUL-terminated; both are valid only during the call.  Returns:
	 *   0         found; *obj filled, holding whatever reference the
	 *             owner needs until release()
	 *   -ENOENT   404
	 *   -EAGAIN   not published yet: park the request (LL-HLS blocking
	 *             reload); resume() retries, hold_timeout_ms gives 503
	 *   -EACCES / -EPERM  403
	 *   -EINVAL   400 (e.g. a malformed _HLS_ parameter)
	 *   -ENOMEM / -EBUSY / -ENOBUFS  503 + Retry-After
	 *   other     500
	 */
	int (*lookup)(void *ctx, const char *path, size_t path_len,
		      const char *query, size_t query_len,
		      struct spate_http_object *obj);
	/* Drops lookup's reference; after any send_body_ref. May be NULL. */
	void (*release)(void *ctx, struct spate_http_object *obj);
	/*
	 * Queues a response header block: copy it (it is per-lcore scratch),
	 * typically into a small header mbuf.  body_len bytes of body refs
	 * follow for this response (0 for HEAD/304/errors), so the owner
	 * can reserve room for them now.  Returns 0, -EAGAIN when nothing
	 * was queued and the conn should park until resume() (only before
	 * any part of a response is queued), or another negative errno to
	 * abort the connection.
	 */
	int (*send_header)(void *ctx, const char *hdr, size_t len,
			   uint64_t body_len);
	/*
	 * Queues body bytes [offset, offset + len) of obj by reference: the
	 * owner takes its own reference on obj->ref and attaches the cache
	 * memory (in <= 64 KB extbuf pieces for DPDK).  Always follows an
	 * accepted send_header with the body_len it announced.  0 or a
	 * negative errno (aborts the connection).
	 */
	int (*send_body_ref)(void *ctx, const struct spate_http_object *obj,
			     uint64_t offset, uint64_t len);
	/*
	 * The conn is finished: close after the queued data (see the
	 * reasons).  This is the conn's last action; the owner may free the
	 * conn inside this callback.
	 */
	void (*close)(void *ctx, enum spate_http_close_reason reason);
	/*
	 * Lends / takes back a receive buffer of at least
	 * spate_http_rxbuf_min() bytes (size returned in *size).  NULL when
	 * the pool is empty: the conn closes (counted).
	 */
	void *(*rxbuf_get)(void *ctx, uint32_t *size);
	void (*rxbuf_put)(void *ctx, void *buf);
};

/* ---- The connection ------------------------------------------------------ */

enum spate_http_conn_state {
	SPATE_HTTP_CONN_READING,
	SPATE_HTTP_CONN_WAITING,
	SPATE_HTTP_CONN_SENDING,
	SPATE_HTTP_CONN_KEEPALIVE,
	SPATE_HTTP_CONN_CLOSED,
};

enum spate_http_wait_reason {
	SPATE_HTTP_WAIT_NONE,
	SPATE_HTTP_WAIT_CONTENT, /* lookup said -EAGAIN */
	SPATE_HTTP_WAIT_TX,	 /* send_header said -EAGAIN */
};

struct spate_http_conn {
	const struct spate_http_conn_ops *ops;
	void *ctx;
	struct spate_http_lcore *lc;
	uint8_t *rx; /* borrowed buffer, NULL when not needed */
	uint32_t rx_cap;
	uint32_t rx_off;       /* current request starts at rx + rx_off */
	uint32_t rx_len;       /* bytes held from rx_off on */
	uint32_t requests;     /* responses queued on this conn */
	uint64_t deadline_ms;  /* next timer expiry, 0 = none */
	uint64_t req_start_ms; /* first byte of the current request */
	uint8_t state;	       /* enum spate_http_conn_state */
	uint8_t wait;	       /* enum spate_http_wait_reason */
	uint8_t flags;	       /* internal */
	uint8_t reserved;
	struct spate_http_peer peer;
	struct spate_http_parser parser;
};

/*
 * Starts a connection in READING (header timer armed from now_ms).  peer
 * may be NULL.  Never fails and never calls ops.
 */
void spate_http_conn_init(struct spate_http_conn *conn,
			  struct spate_http_lcore *lc,
			  const struct spate_http_conn_ops *ops, void *ctx,
			  const struct spate_http_peer *peer, uint64_t now_ms);

/*
 * Feeds received bytes (len <= INT_MAX).  Parses and answers every
 * complete request in them, in order.  Returns the number of bytes taken
 * (always len, except while a request is parked and the receive buffer is
 * full: then the owner keeps the rest, stops opening its receive window,
 * and offers them again after resume()), or -EPIPE when the conn has
 * closed (ops->close was called; do not touch conn again unless the owner
 * still owns its memory, and then only fini).
 */
int spate_http_conn_input(struct spate_http_conn *conn, const void *data,
			  size_t len, uint64_t now_ms);

/*
 * The parked request may proceed: the transport has room again, or new
 * content was published.  Re-runs the parked request, then any pipelined
 * bytes behind it.  0 (possibly still WAITING), or -EPIPE when closed.
 * A no-op unless WAITING.
 */
int spate_http_conn_resume(struct spate_http_conn *conn, uint64_t now_ms);

/*
 * Every response queued so far has left the transport's queue (acked, or
 * at least no longer held by it).  Starts the keep-alive timer.  The owner
 * must call it; without it a connection stays in SENDING with no timer.
 * Always 0.
 */
int spate_http_conn_sent(struct spate_http_conn *conn, uint64_t now_ms);

/*
 * The peer half-closed.  A parked request is still answered, then the
 * conn closes; otherwise it closes now (after queued data).  0 or -EPIPE.
 */
int spate_http_conn_eof(struct spate_http_conn *conn, uint64_t now_ms);

/*
 * Runs the conn's timer if due.  Header timeout -> 408 + close (silent
 * when nothing was received), keep-alive -> silent close, hold -> 503 and
 * carry on.  Returns 0 (still open) or -EPIPE (closed).
 */
int spate_http_conn_timer(struct spate_http_conn *conn, uint64_t now_ms);

/* When to call spate_http_conn_timer next (monotonic ms), 0 = never. */
static inline uint64_t spate_http_conn_deadline(const struct spate_http_conn *c)
{
	return c->deadline_ms;
}

static inline enum spate_http_conn_state
spate_http_conn_state(const struct spate_http_conn *c)
{
	return (enum spate_http_conn_state)c->state;
}

/*
 * The owner tears the connection down (RST, shutdown) without a close
 * callback: returns the receive buffer and counts the close.  Safe on a
 * conn that already closed.
 */
void spate_http_conn_fini(struct spate_http_conn *conn);

#endif /* SPATE_HTTP_CONN_H */
