/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_http_response: builds a response header block into a caller
 * buffer, plus the pieces a response is made of: HTTP-dates, strong ETags
 * from object versions, Content-Type by extension, the Cache-Control
 * policy, CORS, and the conditional-request rules (RFC 9110 13).
 *
 * The builder never allocates and never calls printf: it is memcpy of
 * constant strings plus a hand-rolled integer formatter, fast enough to
 * run per request on a worker lcore.  (Pre-rendered per-object header
 * templates are a cache concern layered on top.)
 *
 * Policy choices, with the reason for each:
 *  - Status line is always "HTTP/1.1": a server sends its own highest
 *    version for the major it answers (RFC 9110 6.2).
 *  - CORS: "Access-Control-Allow-Origin: *" on every response, whether or
 *    not the request carried Origin.  A response without it that a CDN
 *    caches would later break a CORS fetch of the same URL; with a constant
 *    "*" the response never depends on Origin, so no "Vary: Origin" is
 *    needed.  Likewise the preflight answer is a constant list, so no
 *    "Vary: Access-Control-Request-Headers".  No compression, no
 *    negotiation: spate never emits Vary.  (An Origin allow-list replacing
 *    "*" would have to add "Vary: Origin".)
 *  - Cache-Control, see enum spate_http_cache_class; errors: 404/410 get
 *    "max-age=1" (a short negative cache that shields the origin from an
 *    edge stampede on a segment not published yet), other 4xx/5xx
 *    "no-store".
 *  - Error responses carry no body (Content-Length: 0).
 */
#ifndef SPATE_HTTP_RESPONSE_H
#define SPATE_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_range.h"

/* ---- HTTP-date (RFC 9110 5.6.7) ---------------------------------------- */

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" is 29 characters. */
#define SPATE_HTTP_DATE_LEN 29

/*
 * Formats t (clamped to 1970..9999) as an IMF-fixdate plus NUL.  No
 * locale, no gmtime: callers cache the string per lcore and refresh it
 * once a second.
 */
void spate_http_date_format(time_t t, char out[SPATE_HTTP_DATE_LEN + 1]);

/*
 * Parses any of the three HTTP-date forms recipients must accept
 * (IMF-fixdate, RFC 850, asctime).  Returns 0 or -EINVAL.
 */
int spate_http_date_parse(const char *s, size_t len, time_t *out);

/* Broken-down UTC time, for log formatting; no libc timezone state. */
struct spate_http_tm {
	int64_t year;
	unsigned mon;  /* 1..12 */
	unsigned mday; /* 1..31 */
	unsigned hour, min, sec;
	unsigned wday; /* 0 = Sunday */
};

void spate_http_gmtime(int64_t t, struct spate_http_tm *tm);

extern const char spate_http_month_names[12][4];

/* ---- Representation metadata ------------------------------------------- */

/*
 * Content-Type from the path's extension (case-insensitive), default
 * "application/octet-stream".  .m4s is "video/iso.segment": it is the type
 * IANA registered for the .m4s extension and what DASH-IF IOP names for
 * media segments.  Players fetch segments with XHR/fetch and ignore the
 * type, so the registered one costs nothing; "video/mp4" (what many
 * servers send) would claim a self-contained MP4 file, which a segment
 * without moov is not.
 */
const char *spate_http_content_type(const char *path, size_t len);

/* "OK", "Not Found", ...; "" for codes spate never sends. */
const char *spate_http_reason(unsigned status);

/* A strong ETag: the 64-bit object version as 16 lowercase hex, quoted. */
#define SPATE_HTTP_ETAG_LEN 18
size_t spate_http_etag_format(uint64_t tag, char out[SPATE_HTTP_ETAG_LEN + 1]);

/*
 * If-None-Match against our ETag with the weak comparison (RFC 9110
 * 13.1.2): "*" or any list member whose opaque-tag equals ours, W/ or not.
 * A malformed list never matches (a 200 is always a safe answer).
 */
bool spate_http_etag_list_match(const char *v, size_t len, uint64_t tag);

/*
 * RFC 9110 13.2.2 steps 3-4 for GET/HEAD: true when the answer is 304.
 * If-None-Match present decides alone; otherwise If-Modified-Since
 * matches when the object is not newer (mtime <= date).  An IMS that is
 * not a valid HTTP-date, or an unknown mtime (<= 0), never matches.
 */
bool spate_http_not_modified(const char *inm, size_t inm_len, const char *ims,
			     size_t ims_len, uint64_t tag, time_t mtime);

/*
 * If-Range (RFC 9110 13.1.5): true when Range may be honoured.  An entity
 * tag must match ours with the strong comparison (W/ never does); a date
 * must equal Last-Modified exactly.
 */
bool spate_http_if_range_match(const char *v, size_t len, uint64_t tag,
			       time_t mtime);

/* ---- Cache-Control policy ---------------------------------------------- */

enum spate_http_cache_class {
	/*
	 * Segments, parts, init segments, keys by version: the bytes under a
	 * URL never change.  "public, max-age=31536000, immutable".
	 */
	SPATE_HTTP_CACHE_IMMUTABLE = 0,
	/*
	 * Live playlist / dynamic MPD: "public, max-age=<max_age_s>", where
	 * max_age_s is half the target duration, at least 1
	 * (spate_http_live_max_age_s).  Half so an edge never serves a
	 * playlist more than half a segment stale.
	 */
	SPATE_HTTP_CACHE_LIVE,
	/*
	 * Ended playlist (EXT-X-ENDLIST) / static MPD: it will not change
	 * again, but the same URL may be reused for a later event, so long
	 * rather than immutable: max_age_s, default
	 * SPATE_HTTP_ENDED_MAX_AGE_S.
	 */
	SPATE_HTTP_CACHE_ENDED,
	/* Per-viewer or secret answers (token-checked keys): "no-store". */
	SPATE_HTTP_CACHE_NO_STORE,
	SPATE_HTTP_CACHE_CLASS_MAX
};

#define SPATE_HTTP_IMMUTABLE_MAX_AGE_S 31536000u /* one year */
#define SPATE_HTTP_ENDED_MAX_AGE_S     3600u
#define SPATE_HTTP_CORS_MAX_AGE_S      86400u

/* Half the target duration in whole seconds, at least 1. */
static inline uint32_t spate_http_live_max_age_s(uint32_t target_duration_ms)
{
	uint32_t s = target_duration_ms / 2000;

	return s ? s : 1;
}

/* ---- The builder ------------------------------------------------------- */

/* spate_http_response.flags */
#define SPATE_HTTP_RESP_KEEP_ALIVE    (1u << 0) /* else Connection: close */
#define SPATE_HTTP_RESP_CORS	      (1u << 1) /* ACAO + Expose-Headers */
#define SPATE_HTTP_RESP_PREFLIGHT     (1u << 2) /* ACA-Methods/Headers/Max-Age */
#define SPATE_HTTP_RESP_ALLOW	      (1u << 3) /* Allow: GET, HEAD, OPTIONS */
#define SPATE_HTTP_RESP_ETAG	      (1u << 4)
#define SPATE_HTTP_RESP_LAST_MODIFIED (1u << 5)
#define SPATE_HTTP_RESP_ACCEPT_RANGES (1u << 6)

struct spate_http_response {
	uint16_t status;
	uint16_t flags;		  /* SPATE_HTTP_RESP_* */
	uint8_t cache_class;	  /* for 200/206/304 */
	uint32_t max_age_s;	  /* LIVE/ENDED max-age; preflight Max-Age */
	uint32_t retry_after_s;	  /* Retry-After when > 0 */
	const char *date;	  /* SPATE_HTTP_DATE_LEN chars, NULL = omit */
	const char *content_type; /* NULL = omit */
	uint64_t content_length;  /* bytes of the payload that follows */
	uint64_t etag;
	time_t last_modified;
	struct spate_http_range range; /* 206: first/last/size; 416: size */
};

/*
 * Writes the status line, fields and the empty line into buf.  Field
 * order: Server, Date, Content-Type, Content-Length, Content-Range,
 * Last-Modified, ETag, Cache-Control, Accept-Ranges, Allow, Retry-After,
 * Access-Control-*, Connection.  Content-Length is left out of 204 and
 * 304 (RFC 9110 8.6), Content-Type of 304 (15.4.5).  Returns the length,
 * or -ENOSPC when cap is too small (SPATE_HTTP_RESPONSE_MAX always fits).
 */
#define SPATE_HTTP_RESPONSE_MAX 1024
int spate_http_response_build(const struct spate_http_response *r, char *buf,
			      size_t cap);

/*
 * The answer for a connection the transport cannot take (connection
 * pool exhausted): 503, Retry-After, Connection: close, no body.  The
 * transport sends it and closes; no spate_http_conn exists.
 */
int spate_http_response_overload(const char *date, uint32_t retry_after_s,
				 char *buf, size_t cap);

#endif /* SPATE_HTTP_RESPONSE_H */
