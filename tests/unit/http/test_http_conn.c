/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_http_conn through a fake transport: the bytes it would put on the
 * wire, the body references, closes and their reasons, receive-buffer
 * borrowing, timers, parking, counters and the access log.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include "http_conn.h"

#define T_1994	((time_t)784111777) /* Sun, 06 Nov 1994 08:49:37 GMT */
#define WALL_MS ((int64_t)T_1994 * 1000)

static uint8_t segment[1000];
static uint8_t playlist[300];

struct fake {
	char wire[64 * 1024]; /* header blocks, concatenated */
	size_t wire_len;
	size_t hdr_off[32]; /* start of each header block */
	int n_hdrs;
	struct {
		const void *body;
		uint64_t off, len;
	} refs[32];
	int n_refs;
	uint64_t announced; /* body_len promised by the last header */
	int closed;
	enum spate_http_close_reason reason;
	int header_eagain; /* answer -EAGAIN this many times */
	int header_fail;   /* answer -EIO */
	int lookups, releases;
	bool published;
	int lookup_rc; /* forced result for /forced */
	char last_query[128];
	int rx_out, rx_gets;
	bool rx_empty;
	uint32_t rx_size;
};

static int fake_lookup(void *ctx, const char *path, size_t path_len,
		       const char *query, size_t qlen,
		       struct spate_http_object *obj)
{
	struct fake *f = ctx;

	f->lookups++;
	snprintf(f->last_query, sizeof(f->last_query), "%.*s", (int)qlen,
		 query);
#define IS(p) (path_len == strlen(p) && memcmp(path, p, path_len) == 0)
	if (IS("/live/seg1.m4s")) {
		obj->body = segment;
		obj->size = sizeof(segment);
		obj->etag = 0xabcdef;
		obj->mtime = T_1994;
		obj->cache_class = SPATE_HTTP_CACHE_IMMUTABLE;
		obj->ref = f;
		return 0;
	}
	if (IS("/live/index.m3u8") ||
	    (IS("/live/blocking.m3u8") && f->published)) {
		obj->body = playlist;
		obj->size = sizeof(playlist);
		obj->etag = 99;
		obj->cache_class = SPATE_HTTP_CACHE_LIVE;
		obj->max_age_s = spate_http_live_max_age_s(4000);
		obj->ref = f;
		return 0;
	}
	if (IS("/live/blocking.m3u8"))
		return -EAGAIN;
	if (IS("/forced"))
		return f->lookup_rc;
#undef IS
	return -ENOENT;
}

static void fake_release(void *ctx, struct spate_http_object *obj)
{
	struct fake *f = ctx;

	assert_ptr_equal(obj->ref, f);
	f->releases++;
}

static int fake_send_header(void *ctx, const char *hdr, size_t len,
			    uint64_t body_len)
{
	struct fake *f = ctx;

	if (f->header_eagain > 0) {
		f->header_eagain--;
		return -EAGAIN;
	}
	if (f->header_fail)
		return -EIO;
	assert_true(f->wire_len + len < sizeof(f->wire));
	assert_true(f->n_hdrs < 32);
	f->hdr_off[f->n_hdrs++] = f->wire_len;
	memcpy(f->wire + f->wire_len, hdr, len);
	f->wire_len += len;
	f->wire[f->wire_len] = '\0';
	f->announced = body_len;
	return 0;
}

static int fake_send_body_ref(void *ctx, const struct spate_http_object *obj,
			      uint64_t off, uint64_t len)
{
	struct fake *f = ctx;

	assert_int_equal(len, f->announced);
	assert_true(off + len <= obj->size);
	assert_true(f->n_refs < 32);
	f->refs[f->n_refs].body = obj->body;
	f->refs[f->n_refs].off = off;
	f->refs[f->n_refs].len = len;
	f->n_refs++;
	return 0;
}

static void fake_close(void *ctx, enum spate_http_close_reason reason)
{
	struct fake *f = ctx;

	f->closed++;
	f->reason = reason;
}

static void *fake_rxbuf_get(void *ctx, uint32_t *size)
{
	struct fake *f = ctx;
	void *b;

	if (f->rx_empty)
		return NULL;
	b = malloc(f->rx_size);
	assert_non_null(b);
	f->rx_out++;
	f->rx_gets++;
	*size = f->rx_size;
	return b;
}

static void fake_rxbuf_put(void *ctx, void *buf)
{
	struct fake *f = ctx;

	f->rx_out--;
	free(buf);
}

static const struct spate_http_conn_ops fake_ops = {
	.lookup = fake_lookup,
	.release = fake_release,
	.send_header = fake_send_header,
	.send_body_ref = fake_send_body_ref,
	.close = fake_close,
	.rxbuf_get = fake_rxbuf_get,
	.rxbuf_put = fake_rxbuf_put,
};

struct env {
	struct spate_http_config cfg;
	struct spate_http_lcore lc;
	struct spate_http_conn conn;
	struct fake f;
	struct spate_http_log_ring ring;
	struct spate_http_log_record recs[16];
};

static struct env *env_new(void (*tweak)(struct spate_http_config *))
{
	struct env *e = calloc(1, sizeof(*e));
	struct spate_http_peer peer = {
		.family = 4, .port = 40000, .addr = {198, 18, 0, 1}};

	assert_non_null(e);
	spate_http_config_default(&e->cfg);
	if (tweak)
		tweak(&e->cfg);
	assert_int_equal(spate_http_log_ring_init(&e->ring, e->recs, 16), 0);
	assert_int_equal(
		spate_http_lcore_init(&e->lc, &e->cfg, &e->ring, WALL_MS), 0);
	e->f.rx_size = spate_http_rxbuf_min(&e->cfg);
	spate_http_conn_init(&e->conn, &e->lc, &fake_ops, &e->f, &peer, 1000);
	return e;
}

static void env_free(struct env *e)
{
	spate_http_conn_fini(&e->conn);
	assert_int_equal(e->f.rx_out, 0); /* every buffer came back */
	free(e);
}

static int feed(struct env *e, const char *s, uint64_t now)
{
	return spate_http_conn_input(&e->conn, s, strlen(s), now);
}

static const char *hdr(struct env *e, int k)
{
	assert_true(k < e->f.n_hdrs);
	return e->f.wire + e->f.hdr_off[k];
}

static bool hdr_has(struct env *e, int k, const char *line)
{
	const char *h = hdr(e, k);
	const char *end = k + 1 < e->f.n_hdrs ? e->f.wire + e->f.hdr_off[k + 1]
					      : e->f.wire + e->f.wire_len;
	size_t n = strlen(line);

	for (const char *p = h; p + n <= end; p++)
		if (memcmp(p, line, n) == 0)
			return true;
	return false;
}

static bool hdr_status(struct env *e, int k, unsigned status)
{
	char want[16];

	snprintf(want, sizeof(want), "HTTP/1.1 %u ", status);
	return strncmp(hdr(e, k), want, strlen(want)) == 0;
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: origin\r\n\r\n"

static void test_get_segment_exact(void **state)
{
	struct env *e = env_new(NULL);
	static const char req[] = GET("/live/seg1.m4s");

	(void)state;
	assert_int_equal(feed(e, req, 1001), (int)strlen(req));
	assert_int_equal(e->f.n_hdrs, 1);
	assert_string_equal(
		hdr(e, 0),
		"HTTP/1.1 200 OK\r\n"
		"Server: spate\r\n"
		"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		"Content-Type: video/iso.segment\r\n"
		"Content-Length: 1000\r\n"
		"Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		"ETag: \"0000000000abcdef\"\r\n"
		"Cache-Control: public, max-age=31536000, immutable\r\n"
		"Accept-Ranges: bytes\r\n"
		"Access-Control-Allow-Origin: *\r\n"
		"Access-Control-Expose-Headers: Content-Length, Content-Range, "
		"Date, ETag\r\n"
		"Connection: keep-alive\r\n"
		"\r\n");
	assert_int_equal(e->f.n_refs, 1);
	assert_ptr_equal(e->f.refs[0].body, segment);
	assert_int_equal(e->f.refs[0].off, 0);
	assert_int_equal(e->f.refs[0].len, 1000);
	assert_int_equal(e->f.releases, 1);
	assert_int_equal(e->f.rx_gets, 0); /* parsed in place */
	assert_int_equal(e->f.closed, 0);
	assert_int_equal(spate_http_conn_state(&e->conn),
			 SPATE_HTTP_CONN_SENDING);
	assert_int_equal(spate_http_conn_deadline(&e->conn), 0);
	spate_http_conn_sent(&e->conn, 1500);
	assert_int_equal(spate_http_conn_state(&e->conn),
			 SPATE_HTTP_CONN_KEEPALIVE);
	assert_int_equal(spate_http_conn_deadline(&e->conn),
			 1500 + SPATE_HTTP_DEFAULT_KEEPALIVE_TIMEOUT_MS);
	assert_int_equal(e->lc.stats.requests, 1);
	assert_int_equal(e->lc.stats.status[SPATE_HTTP_ST_200], 1);
	assert_int_equal(e->lc.stats.bytes_body_ref, 1000);
	env_free(e);
}

static void test_http10_close_exact(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	assert_int_equal(feed(e, "GET /live/index.m3u8 HTTP/1.0\r\n\r\n", 1),
			 -EPIPE);
	assert_string_equal(hdr(e, 0),
			    "HTTP/1.1 200 OK\r\n"
			    "Server: spate\r\n"
			    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			    "Content-Type: application/vnd.apple.mpegurl\r\n"
			    "Content-Length: 300\r\n"
			    "ETag: \"0000000000000063\"\r\n"
			    "Cache-Control: public, max-age=2\r\n"
			    "Accept-Ranges: bytes\r\n"
			    "Access-Control-Allow-Origin: *\r\n"
			    "Access-Control-Expose-Headers: Content-Length, "
			    "Content-Range, Date, ETag\r\n"
			    "Connection: close\r\n"
			    "\r\n");
	assert_int_equal(e->f.n_refs, 1);
	assert_int_equal(e->f.closed, 1);
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_DONE);
	/* Closed is final. */
	assert_int_equal(feed(e, GET("/live/index.m3u8"), 2), -EPIPE);
	assert_int_equal(e->f.n_hdrs, 1);
	env_free(e);
}

static void test_keep_alive_variants(void **state)
{
	struct env *e;

	(void)state;
	/* 1.0 + keep-alive: answered keep-alive, stays open. */
	e = env_new(NULL);
	assert_true(feed(e,
			 "GET /live/index.m3u8 HTTP/1.0\r\n"
			 "Connection: keep-alive\r\n\r\n",
			 1) > 0);
	assert_true(hdr_has(e, 0, "\r\nConnection: keep-alive\r\n"));
	assert_int_equal(e->f.closed, 0);
	env_free(e);

	/* 1.1 + close: answered close, closed. */
	e = env_new(NULL);
	assert_int_equal(feed(e,
			      "GET /live/index.m3u8 HTTP/1.1\r\nHost: a\r\n"
			      "Connection: close\r\n\r\n",
			      1),
			 -EPIPE);
	assert_true(hdr_has(e, 0, "\r\nConnection: close\r\n"));
	assert_int_equal(e->f.closed, 1);
	env_free(e);
}

static void test_head_no_body(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	assert_true(feed(e,
			 "HEAD /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "Range: bytes=0-9\r\n\r\n",
			 1) > 0);
	/* Same fields as GET, full length (Range is GET-only), no body. */
	assert_true(hdr_status(e, 0, 200));
	assert_true(hdr_has(e, 0, "\r\nContent-Length: 1000\r\n"));
	assert_true(hdr_has(e, 0, "\r\nETag: \"0000000000abcdef\"\r\n"));
	assert_int_equal(e->f.announced, 0);
	assert_int_equal(e->f.n_refs, 0);
	assert_int_equal(e->f.releases, 1);
	env_free(e);
}

static void test_conditionals_304(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "If-None-Match: \"x\", W/\"0000000000abcdef\"\r\n"
			 "\r\n",
			 1) > 0);
	assert_true(hdr_status(e, 0, 304));
	assert_false(hdr_has(e, 0, "\r\nContent-Length:"));
	assert_false(hdr_has(e, 0, "\r\nContent-Type:"));
	assert_true(hdr_has(e, 0, "\r\nETag: \"0000000000abcdef\"\r\n"));
	assert_true(hdr_has(e, 0,
			    "\r\nCache-Control: public, max-age="
			    "31536000, immutable\r\n"));
	assert_int_equal(e->f.n_refs, 0);

	/* IMS equal to Last-Modified. */
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 "
			 "GMT\r\n\r\n",
			 2) > 0);
	assert_true(hdr_status(e, 1, 304));
	/* IMS older: 200 with body. */
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "If-Modified-Since: Sat, 05 Nov 1994 08:49:37 "
			 "GMT\r\n\r\n",
			 3) > 0);
	assert_true(hdr_status(e, 2, 200));
	/* INM mismatch wins over a matching IMS. */
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "If-None-Match: \"nope\"\r\n"
			 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 "
			 "GMT\r\n\r\n",
			 4) > 0);
	assert_true(hdr_status(e, 3, 200));
	/* HEAD gets 304 too. */
	assert_true(feed(e,
			 "HEAD /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "If-None-Match: *\r\n\r\n",
			 5) > 0);
	assert_true(hdr_status(e, 4, 304));
	assert_int_equal(e->f.n_refs, 2);
	assert_int_equal(e->lc.stats.status[SPATE_HTTP_ST_304], 3);
	env_free(e);
}

static void test_ranges(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "Range: bytes=100-199\r\n\r\n",
			 1) > 0);
	assert_true(hdr_status(e, 0, 206));
	assert_true(hdr_has(e, 0, "\r\nContent-Length: 100\r\n"));
	assert_true(hdr_has(e, 0, "\r\nContent-Range: bytes 100-199/1000\r\n"));
	assert_int_equal(e->f.refs[0].off, 100);
	assert_int_equal(e->f.refs[0].len, 100);

	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "Range: bytes=-10\r\n\r\n",
			 2) > 0);
	assert_true(hdr_has(e, 1, "\r\nContent-Range: bytes 990-999/1000\r\n"));
	assert_int_equal(e->f.refs[1].off, 990);

	/* 416 keeps the connection. */
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "Range: bytes=1000-\r\n\r\n",
			 3) > 0);
	assert_true(hdr_status(e, 2, 416));
	assert_true(hdr_has(e, 2, "\r\nContent-Range: bytes */1000\r\n"));
	assert_true(hdr_has(e, 2, "\r\nContent-Length: 0\r\n"));
	assert_true(hdr_has(e, 2, "\r\nConnection: keep-alive\r\n"));
	assert_int_equal(e->f.n_refs, 2);

	/* Multiple ranges: the whole object. */
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "Range: bytes=0-1,5-6\r\n\r\n",
			 4) > 0);
	assert_true(hdr_status(e, 3, 200));
	assert_int_equal(e->f.refs[2].len, 1000);

	/* If-Range mismatch: whole object; match: the range. */
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "Range: bytes=0-9\r\nIf-Range: \"old\"\r\n\r\n",
			 5) > 0);
	assert_true(hdr_status(e, 4, 200));
	assert_true(feed(e,
			 "GET /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "Range: bytes=0-9\r\n"
			 "If-Range: \"0000000000abcdef\"\r\n\r\n",
			 6) > 0);
	assert_true(hdr_status(e, 5, 206));
	assert_int_equal(e->f.closed, 0);
	env_free(e);
}

static void test_options_and_cors(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	/* Preflight. */
	assert_true(feed(e,
			 "OPTIONS /live/seg1.m4s HTTP/1.1\r\nHost: a\r\n"
			 "Origin: https://player.example\r\n"
			 "Access-Control-Request-Method: GET\r\n"
			 "Access-Control-Request-Headers: range\r\n\r\n",
			 1) > 0);
	assert_string_equal(
		hdr(e, 0),
		"HTTP/1.1 204 No Content\r\n"
		"Server: spate\r\n"
		"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		"Access-Control-Allow-Origin: *\r\n"
		"Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
		"Access-Control-Allow-Headers: Range, If-None-Match, "
		"If-Modified-Since, If-Range, Cache-Control\r\n"
		"Access-Control-Max-Age: 86400\r\n"
		"Connection: keep-alive\r\n"
		"\r\n");
	assert_int_equal(e->f.lookups, 0);
	/* Plain OPTIONS (and OPTIONS *): Allow. */
	assert_true(feed(e, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 2) > 0);
	assert_true(hdr_status(e, 1, 204));
	assert_true(hdr_has(e, 1, "\r\nAllow: GET, HEAD, OPTIONS\r\n"));
	assert_false(hdr_has(e, 1, "Access-Control-Allow-Methods"));
	/* Errors carry CORS too, so player JS can read the status. */
	assert_true(feed(e, GET("/missing.m4s"), 3) > 0);
	assert_true(hdr_status(e, 2, 404));
	assert_true(hdr_has(e, 2, "\r\nAccess-Control-Allow-Origin: *\r\n"));
	assert_true(hdr_has(e, 2, "\r\nCache-Control: max-age=1\r\n"));
	env_free(e);
}

static void no_cors(struct spate_http_config *cfg)
{
	cfg->cors = false;
}

static void test_cors_disabled(void **state)
{
	struct env *e = env_new(no_cors);

	(void)state;
	assert_true(feed(e, GET("/live/seg1.m4s"), 1) > 0);
	assert_false(hdr_has(e, 0, "Access-Control"));
	assert_true(feed(e,
			 "OPTIONS /x HTTP/1.1\r\nHost: a\r\nOrigin: o\r\n"
			 "Access-Control-Request-Method: GET\r\n\r\n",
			 2) > 0);
	assert_false(hdr_has(e, 1, "Access-Control"));
	assert_true(hdr_has(e, 1, "\r\nAllow: GET, HEAD, OPTIONS\r\n"));
	env_free(e);
}

static void test_methods(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	/* 405 without content keeps the connection. */
	assert_true(feed(e, "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n", 1) > 0);
	assert_true(hdr_status(e, 0, 405));
	assert_true(hdr_has(e, 0, "\r\nAllow: GET, HEAD, OPTIONS\r\n"));
	assert_true(hdr_has(e, 0, "\r\nConnection: keep-alive\r\n"));
	/* 501 for an unknown method. */
	assert_true(feed(e, "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 2) > 0);
	assert_true(hdr_status(e, 1, 501));
	/* POST with content: 405 and close (content unread). */
	assert_int_equal(feed(e,
			      "POST /x HTTP/1.1\r\nHost: a\r\n"
			      "Content-Length: 5\r\n\r\nhello",
			      3),
			 -EPIPE);
	assert_true(hdr_status(e, 2, 405));
	assert_true(hdr_has(e, 2, "\r\nConnection: close\r\n"));
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_ERROR);
	assert_int_equal(e->f.lookups, 0);
	env_free(e);
}

struct wire_err {
	const char *req; /* NULL: built below */
	unsigned status;
	enum spate_http_parse_error why;
};

static void test_parse_errors_on_wire(void **state)
{
	static const struct wire_err cases[] = {
		{"GET /a HTTP/1.1\r\nHost: a\r\nHost : b\r\n\r\n", 400,
		 SPATE_HTTP_PERR_HEADER_SYNTAX},
		{"GET /a HTTP/1.1\r\n\r\n", 400, SPATE_HTTP_PERR_HOST},
		{"GET /a HTTP/2.0\r\nHost: a\r\n\r\n", 505,
		 SPATE_HTTP_PERR_VERSION_UNSUPPORTED},
		{"GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
		 413, SPATE_HTTP_PERR_BODY},
		{"GET /a HTTP/1.1\r\nHost: a\r\nExpect: x\r\n\r\n", 417,
		 SPATE_HTTP_PERR_EXPECT},
		{"PUT /a HTTP/1.1\r\nHost: a\r\n"
		 "Transfer-Encoding: gzip, chunked\r\n\r\n",
		 501, SPATE_HTTP_PERR_TRANSFER_CODING},
		{"GET /a/../../etc HTTP/1.1\r\nHost: a\r\n\r\n", 400,
		 SPATE_HTTP_PERR_PATH},
		{"GET /a%00 HTTP/1.1\r\nHost: a\r\n\r\n", 400,
		 SPATE_HTTP_PERR_PATH},
		{NULL, 414, SPATE_HTTP_PERR_LINE_TOO_LONG},
		{NULL, 431, SPATE_HTTP_PERR_HEADERS_TOO_LARGE},
		{NULL, 431, SPATE_HTTP_PERR_TOO_MANY_HEADERS},
	};
	static char big[40000];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct env *e = env_new(NULL);
		const char *req = cases[c].req;
		size_t n;

		if (req == NULL) {
			if (cases[c].status == 414) {
				n = (size_t)snprintf(big, sizeof(big), "GET /");
				memset(big + n, 'a', 9000);
				strcpy(big + n + 9000, " HTTP/1.1\r\n\r\n");
			} else if (cases[c].why ==
				   SPATE_HTTP_PERR_HEADERS_TOO_LARGE) {
				n = (size_t)snprintf(big, sizeof(big),
						     "GET / HTTP/1.1\r\nX: ");
				memset(big + n, 'v', 17000);
				strcpy(big + n + 17000, "\r\n\r\n");
			} else {
				n = (size_t)snprintf(big, sizeof(big),
						     "GET / HTTP/1.1\r\n");
				for (int k = 0; k < 70; k++)
					n += (size_t)snprintf(big + n,
							      sizeof(big) - n,
							      "X%d: y\r\n", k);
				strcpy(big + n, "\r\n");
			}
			req = big;
		}
		assert_int_equal(feed(e, req, 1), -EPIPE);
		assert_int_equal(e->f.n_hdrs, 1);
		if (!hdr_status(e, 0, cases[c].status))
			fail_msg("case %zu: got %.20s, want %u", c, hdr(e, 0),
				 cases[c].status);
		assert_true(hdr_has(e, 0, "\r\nConnection: close\r\n"));
		assert_true(hdr_has(e, 0, "\r\nContent-Length: 0\r\n"));
		assert_int_equal(e->f.closed, 1);
		assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_ERROR);
		assert_int_equal(e->lc.stats.parse_errors[cases[c].why], 1);
		assert_int_equal(e->lc.stats.status[spate_http_status_slot(
					 cases[c].status)],
				 1);
		env_free(e);
	}
}

static void test_pipelining(void **state)
{
	static const char three[] = GET(
		"/live/seg1.m4s") "HEAD /live/index.m3u8 HTTP/1.1\r\nHost: a\r\n\r\n"
				  "GET /live/index.m3u8 HTTP/1.1\r\nHost: a\r\n"
				  "Connection: close\r\n\r\n";
	struct env *whole = env_new(NULL), *bytes = env_new(NULL);
	size_t n = strlen(three);
	int rc = 0;

	(void)state;
	assert_int_equal(feed(whole, three, 1), -EPIPE);
	assert_int_equal(whole->f.n_hdrs, 3);
	assert_true(hdr_status(whole, 0, 200));
	assert_true(hdr_status(whole, 1, 200));
	assert_true(hdr_has(whole, 2, "\r\nConnection: close\r\n"));
	assert_int_equal(whole->f.n_refs, 2); /* HEAD has none */
	assert_int_equal(whole->lc.stats.pipelined, 2);
	assert_int_equal(whole->lc.stats.keepalive_reused, 2);
	assert_int_equal(whole->f.rx_gets, 0); /* no copy at all */

	/* Byte at a time: the same bytes on the wire. */
	for (size_t k = 0; k < n; k++) {
		rc = spate_http_conn_input(&bytes->conn, three + k, 1, 1);
		if (rc < 0)
			break;
		assert_int_equal(rc, 1);
	}
	assert_int_equal(rc, -EPIPE);
	assert_int_equal(bytes->f.wire_len, whole->f.wire_len);
	assert_memory_equal(bytes->f.wire, whole->f.wire, whole->f.wire_len);
	assert_int_equal(bytes->f.n_refs, 2);
	assert_true(bytes->lc.stats.heads_buffered >= 3);
	env_free(whole);
	env_free(bytes);
}

static void test_split_input_borrows_buffer(void **state)
{
	struct env *e = env_new(NULL);
	static const char req[] = GET("/live/seg1.m4s") GET("/live/index.m3u8");
	size_t first = 10, second = strlen(GET("/live/seg1.m4s")) + 7;

	(void)state;
	assert_int_equal(spate_http_conn_input(&e->conn, req, first, 1),
			 (int)first);
	assert_int_equal(e->f.rx_out, 1);
	assert_int_equal(e->f.n_hdrs, 0);
	/* Completes the first head and starts the second: still borrowed. */
	assert_int_equal(
		spate_http_conn_input(&e->conn, req + first, second - first, 2),
		(int)(second - first));
	assert_int_equal(e->f.n_hdrs, 1);
	assert_int_equal(e->f.rx_out, 1);
	assert_int_equal(spate_http_conn_state(&e->conn),
			 SPATE_HTTP_CONN_READING);
	assert_int_equal(spate_http_conn_input(&e->conn, req + second,
					       strlen(req) - second, 3),
			 (int)(strlen(req) - second));
	assert_int_equal(e->f.n_hdrs, 2);
	/* An idle connection holds no buffer. */
	assert_int_equal(e->f.rx_out, 0);
	assert_int_equal(spate_http_conn_state(&e->conn),
			 SPATE_HTTP_CONN_SENDING);
	env_free(e);
}

static void test_timeouts(void **state)
{
	struct env *e;
	uint64_t t0 = 1000, hto = SPATE_HTTP_DEFAULT_HEADER_TIMEOUT_MS;

	(void)state;
	/* A connection that never speaks is closed silently. */
	e = env_new(NULL);
	assert_int_equal(spate_http_conn_deadline(&e->conn), t0 + hto);
	assert_int_equal(spate_http_conn_timer(&e->conn, t0 + hto - 1), 0);
	assert_int_equal(spate_http_conn_timer(&e->conn, t0 + hto), -EPIPE);
	assert_int_equal(e->f.n_hdrs, 0);
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_HEADER_TIMEOUT);
	env_free(e);

	/* Slowloris: the head must complete within the timeout of its
	 * first byte, however steadily it trickles. */
	e = env_new(NULL);
	assert_true(feed(e, GET("/live/seg1.m4s"), 1500) > 0);
	spate_http_conn_sent(&e->conn, 1600);
	assert_true(feed(e, "GET /live/seg1.m4s HTTP/1.1\r\n", 2000) > 0);
	assert_int_equal(spate_http_conn_deadline(&e->conn), 2000 + hto);
	for (uint64_t t = 2100; t < 2000 + hto; t += 1000) {
		assert_true(feed(e, "X-Drip: 1\r\n", t) > 0);
		assert_int_equal(spate_http_conn_timer(&e->conn, t), 0);
	}
	assert_int_equal(spate_http_conn_timer(&e->conn, 2000 + hto), -EPIPE);
	assert_int_equal(e->f.n_hdrs, 2);
	assert_true(hdr_status(e, 1, 408));
	assert_true(hdr_has(e, 1, "\r\nConnection: close\r\n"));
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_HEADER_TIMEOUT);
	assert_int_equal(e->lc.stats.timeout_header, 1);
	env_free(e);

	/* Idle keep-alive: silent close; no timer while SENDING. */
	e = env_new(NULL);
	assert_true(feed(e, GET("/live/seg1.m4s"), 1500) > 0);
	assert_int_equal(spate_http_conn_deadline(&e->conn), 0);
	assert_int_equal(spate_http_conn_timer(&e->conn, 10000000), 0);
	spate_http_conn_sent(&e->conn, 5000);
	assert_int_equal(spate_http_conn_timer(&e->conn, 5000 + 59999), 0);
	assert_int_equal(spate_http_conn_timer(&e->conn, 5000 + 60000), -EPIPE);
	assert_int_equal(e->f.n_hdrs, 1);
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_IDLE_TIMEOUT);
	assert_int_equal(e->lc.stats.timeout_idle, 1);
	env_free(e);
}

static void test_hold_and_resume(void **state)
{
	struct env *e = env_new(NULL);
	static const char reqs[] =
		"GET /live/blocking.m3u8?_HLS_msn=7&_HLS_part=2 HTTP/1.1\r\n"
		"Host: a\r\n\r\n" GET("/live/seg1.m4s");

	(void)state;
	assert_int_equal(feed(e, reqs, 100), (int)strlen(reqs));
	assert_string_equal(e->f.last_query, "_HLS_msn=7&_HLS_part=2");
	assert_int_equal(spate_http_conn_state(&e->conn),
			 SPATE_HTTP_CONN_WAITING);
	/* The pipelined GET waits behind it, in order. */
	assert_int_equal(e->f.n_hdrs, 0);
	assert_int_equal(e->f.rx_out, 1);
	assert_int_equal(spate_http_conn_deadline(&e->conn),
			 100 + SPATE_HTTP_DEFAULT_HOLD_TIMEOUT_MS);
	/* More bytes while parked are held. */
	assert_int_equal(feed(e, GET("/live/index.m3u8"), 200),
			 (int)strlen(GET("/live/index.m3u8")));
	/* Not yet published: still waiting, deadline unchanged. */
	assert_int_equal(spate_http_conn_resume(&e->conn, 300), 0);
	assert_int_equal(spate_http_conn_state(&e->conn),
			 SPATE_HTTP_CONN_WAITING);
	assert_int_equal(spate_http_conn_deadline(&e->conn),
			 100 + SPATE_HTTP_DEFAULT_HOLD_TIMEOUT_MS);
	e->f.published = true;
	assert_int_equal(spate_http_conn_resume(&e->conn, 400), 0);
	assert_int_equal(e->f.n_hdrs, 3);
	assert_true(hdr_has(e, 0,
			    "Content-Type: application/vnd.apple."
			    "mpegurl\r\n"));
	assert_true(hdr_has(e, 1, "Content-Type: video/iso.segment\r\n"));
	assert_true(hdr_has(e, 2, "Content-Length: 300\r\n"));
	assert_int_equal(e->f.rx_out, 0);
	assert_int_equal(e->lc.stats.requests, 3);
	assert_int_equal(e->lc.stats.parked_content, 2);
	env_free(e);

	/* Never published: 503 at the hold deadline, conn carries on. */
	e = env_new(NULL);
	assert_true(feed(e, GET("/live/blocking.m3u8") GET("/live/seg1.m4s"),
			 100) > 0);
	assert_int_equal(spate_http_conn_timer(&e->conn, 100 + 14999), 0);
	assert_int_equal(spate_http_conn_timer(&e->conn, 100 + 15000), 0);
	assert_int_equal(e->f.n_hdrs, 2);
	assert_true(hdr_status(e, 0, 503));
	assert_true(hdr_has(e, 0, "\r\nRetry-After: 1\r\n"));
	assert_true(hdr_has(e, 0, "\r\nConnection: keep-alive\r\n"));
	assert_true(hdr_status(e, 1, 200));
	assert_int_equal(e->lc.stats.timeout_hold, 1);
	assert_int_equal(e->f.closed, 0);
	env_free(e);
}

static void test_tx_backpressure(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	e->f.header_eagain = 1;
	assert_true(feed(e, GET("/live/seg1.m4s") GET("/live/index.m3u8"), 1) >
		    0);
	assert_int_equal(spate_http_conn_state(&e->conn),
			 SPATE_HTTP_CONN_WAITING);
	assert_int_equal(spate_http_conn_deadline(&e->conn), 0);
	assert_int_equal(e->f.n_hdrs, 0);
	assert_int_equal(e->f.releases, 1); /* the lookup ref came back */
	assert_int_equal(spate_http_conn_resume(&e->conn, 2), 0);
	assert_int_equal(e->f.n_hdrs, 2);
	assert_true(hdr_has(e, 0, "video/iso.segment"));
	assert_true(hdr_has(e, 1, "mpegurl"));
	assert_int_equal(e->lc.stats.requests, 2); /* not double-counted */
	assert_int_equal(e->lc.stats.parked_tx, 1);
	env_free(e);

	/* A parked conn with a full buffer takes only what fits. */
	e = env_new(NULL);
	e->f.header_eagain = 1;
	{
		size_t room, n = e->f.rx_size + 100;
		char *lots = malloc(n);
		const char *g = GET("/live/seg1.m4s");
		int rc;

		assert_true(feed(e, g, 1) > 0);
		room = e->f.rx_size - strlen(g);
		memset(lots, 'x', n);
		rc = spate_http_conn_input(&e->conn, lots, n, 2);
		assert_int_equal(rc, (int)room);
		free(lots);
	}
	env_free(e);

	/* A transport that fails outright aborts the conn. */
	e = env_new(NULL);
	e->f.header_fail = 1;
	assert_int_equal(feed(e, GET("/live/seg1.m4s"), 1), -EPIPE);
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_SEND_FAILED);
	assert_int_equal(e->f.releases, 1);
	assert_int_equal(e->lc.stats.send_errors, 1);
	env_free(e);
}

static void test_eof(void **state)
{
	struct env *e;

	(void)state;
	e = env_new(NULL);
	assert_true(feed(e, GET("/live/seg1.m4s"), 1) > 0);
	assert_int_equal(spate_http_conn_eof(&e->conn, 2), -EPIPE);
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_PEER);
	env_free(e);

	/* A parked request is still answered, with close. */
	e = env_new(NULL);
	assert_true(feed(e, GET("/live/blocking.m3u8"), 1) > 0);
	assert_int_equal(spate_http_conn_eof(&e->conn, 2), 0);
	e->f.published = true;
	assert_int_equal(spate_http_conn_resume(&e->conn, 3), -EPIPE);
	assert_true(hdr_status(e, 0, 200));
	assert_true(hdr_has(e, 0, "\r\nConnection: close\r\n"));
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_DONE);
	env_free(e);

	/* Half a head, then FIN: silent close. */
	e = env_new(NULL);
	assert_true(feed(e, "GET /live", 1) > 0);
	assert_int_equal(spate_http_conn_eof(&e->conn, 2), -EPIPE);
	assert_int_equal(e->f.n_hdrs, 0);
	env_free(e);
}

static void test_lookup_errors(void **state)
{
	static const struct {
		int rc;
		unsigned status;
	} cases[] = {
		{-EACCES, 403}, {-EPERM, 403},	 {-EINVAL, 400}, {-ENOMEM, 503},
		{-EBUSY, 503},	{-ENOBUFS, 503}, {-EIO, 500},	 {-ENOENT, 404},
	};
	struct env *e = env_new(NULL);

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		e->f.lookup_rc = cases[k].rc;
		assert_true(feed(e, GET("/forced"), 1) > 0);
		assert_true(hdr_status(e, (int)k, cases[k].status));
		assert_true(
			hdr_has(e, (int)k, "\r\nConnection: keep-alive\r\n"));
		if (cases[k].status == 503)
			assert_true(
				hdr_has(e, (int)k, "\r\nRetry-After: 1\r\n"));
		if (cases[k].status != 404)
			assert_true(hdr_has(e, (int)k,
					    "\r\nCache-Control: no-store\r\n"));
	}
	assert_int_equal(e->lc.stats.lookup_errors, 1);
	assert_int_equal(e->lc.stats.status[SPATE_HTTP_ST_503], 3);
	assert_int_equal(e->f.releases, 0);
	env_free(e);
}

static void test_normalised_lookup(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	assert_true(feed(e, GET("/live/x/../%73eg1.m4s"), 1) > 0);
	assert_true(feed(e, GET("//live/./seg1.m4s"), 1) > 0);
	assert_true(feed(e,
			 "GET http://origin/live/seg1.m4s HTTP/1.1\r\n"
			 "Host: a\r\n\r\n",
			 1) > 0);
	for (int k = 0; k < 3; k++)
		assert_true(hdr_status(e, k, 200));
	env_free(e);
}

static void two_requests(struct spate_http_config *cfg)
{
	cfg->max_keepalive_requests = 2;
}

static void test_max_requests(void **state)
{
	struct env *e = env_new(two_requests);

	(void)state;
	assert_true(feed(e, GET("/live/seg1.m4s"), 1) > 0);
	assert_true(hdr_has(e, 0, "\r\nConnection: keep-alive\r\n"));
	assert_int_equal(feed(e, GET("/live/seg1.m4s"), 2), -EPIPE);
	assert_true(hdr_has(e, 1, "\r\nConnection: close\r\n"));
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_DONE);
	env_free(e);
}

static void test_rxbuf_exhausted(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	e->f.rx_empty = true;
	/* Whole heads need no buffer... */
	assert_true(feed(e, GET("/live/seg1.m4s"), 1) > 0);
	/* ...a split one does. */
	assert_int_equal(feed(e, "GET /li", 2), -EPIPE);
	assert_int_equal(e->f.reason, SPATE_HTTP_CLOSE_NO_BUFFER);
	assert_int_equal(e->lc.stats.rxbuf_exhausted, 1);
	env_free(e);
}

static void test_access_log(void **state)
{
	struct env *e = env_new(NULL);
	struct spate_http_log_record rec;
	char line[SPATE_HTTP_LOG_FORMAT_MAX];
	size_t n;

	(void)state;
	assert_true(feed(e,
			 "GET /live/seg1.m4s?t=\"x\" HTTP/1.1\r\nHost: a\r\n"
			 "User-Agent: curl/7.88\r\n"
			 "Referer: https://p.example/\r\n\r\n",
			 1000) > 0);
	assert_true(feed(e, GET("/nope"), 1000) > 0);
	assert_true(spate_http_log_ring_pop(&e->ring, &rec));
	n = spate_http_log_format(&rec, line, sizeof(line));
	assert_int_equal(n, strlen(line));
	assert_string_equal(line,
			    "198.18.0.1 - - [06/Nov/1994:08:49:37 +0000] "
			    "\"GET /live/seg1.m4s?t=\\x22x\\x22 HTTP/1.1\" 200 "
			    "1000 \"https://p.example/\" \"curl/7.88\" "
			    "rt=0.000\n");
	assert_true(spate_http_log_ring_pop(&e->ring, &rec));
	spate_http_log_format(&rec, line, sizeof(line));
	assert_string_equal(line, "198.18.0.1 - - [06/Nov/1994:08:49:37 "
				  "+0000] \"GET /nope HTTP/1.1\" 404 0 \"-\" "
				  "\"-\" rt=0.000\n");
	assert_false(spate_http_log_ring_pop(&e->ring, &rec));

	/* A full ring drops and counts, never blocks. */
	for (int k = 0; k < 20; k++)
		assert_true(feed(e, GET("/nope"), 1000) > 0);
	assert_int_equal(e->ring.dropped, 4);

	/* Cut output stays NUL-terminated. */
	n = spate_http_log_format(&rec, line, 10);
	assert_int_equal(n, 9);
	assert_int_equal(line[9], '\0');
	env_free(e);
}

static void test_peer_format(void **state)
{
	struct spate_http_peer p = {.family = 6};
	char out[64];

	(void)state;
	p.addr[0] = 0x20;
	p.addr[1] = 0x01;
	p.addr[2] = 0x0d;
	p.addr[3] = 0xb8;
	p.addr[15] = 1;
	spate_http_peer_format(&p, out, sizeof(out));
	assert_string_equal(out, "2001:db8::1");
	memset(p.addr, 0, sizeof(p.addr));
	spate_http_peer_format(&p, out, sizeof(out));
	assert_string_equal(out, "::");
	p.addr[1] = 1;
	p.addr[15] = 2;
	spate_http_peer_format(&p, out, sizeof(out));
	assert_string_equal(out, "1::2");
	p.family = 0;
	spate_http_peer_format(&p, out, sizeof(out));
	assert_string_equal(out, "-");
}

static void test_overload_and_counters(void **state)
{
	struct env *e = env_new(NULL);
	struct spate_http_counters sum;
	char buf[SPATE_HTTP_RESPONSE_MAX];
	int n;

	(void)state;
	n = spate_http_lcore_reply_overload(&e->lc, buf, sizeof(buf));
	assert_true(n > 0);
	assert_memory_equal(buf, "HTTP/1.1 503 Service Unavailable\r\n", 34);
	assert_int_equal(e->lc.stats.status[SPATE_HTTP_ST_503], 1);

	memset(&sum, 0, sizeof(sum));
	spate_http_counters_add(&sum, &e->lc.stats);
	spate_http_counters_add(&sum, &e->lc.stats);
	assert_int_equal(sum.status[SPATE_HTTP_ST_503], 2);
	assert_int_equal(sum.conns_opened, 2);
	assert_string_equal(
		spate_http_status_slot_name(SPATE_HTTP_ST_4XX_OTHER), "4xx");
	assert_int_equal(spate_http_status_slot(418), SPATE_HTTP_ST_4XX_OTHER);
	assert_string_equal(
		spate_http_close_reason_name(SPATE_HTTP_CLOSE_IDLE_TIMEOUT),
		"keep-alive timeout");
	env_free(e);
}

static void test_date_follows_clock(void **state)
{
	struct env *e = env_new(NULL);

	(void)state;
	spate_http_lcore_clock(&e->lc, WALL_MS + 999);
	assert_string_equal(e->lc.date, "Sun, 06 Nov 1994 08:49:37 GMT");
	spate_http_lcore_clock(&e->lc, WALL_MS + 1000);
	assert_string_equal(e->lc.date, "Sun, 06 Nov 1994 08:49:38 GMT");
	assert_true(feed(e, GET("/live/seg1.m4s"), 1) > 0);
	assert_true(hdr_has(e, 0, "Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n"));
	env_free(e);
}

static void test_sizes(void **state)
{
	(void)state;
	printf("sizeof(struct spate_http_conn) = %zu "
	       "(idle keep-alive: no rx buffer held)\n"
	       "sizeof(struct spate_http_lcore) = %zu, "
	       "sizeof(struct spate_http_log_record) = %zu\n",
	       sizeof(struct spate_http_conn), sizeof(struct spate_http_lcore),
	       sizeof(struct spate_http_log_record));
	assert_true(sizeof(struct spate_http_conn) <= 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_segment_exact),
		cmocka_unit_test(test_http10_close_exact),
		cmocka_unit_test(test_keep_alive_variants),
		cmocka_unit_test(test_head_no_body),
		cmocka_unit_test(test_conditionals_304),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_options_and_cors),
		cmocka_unit_test(test_cors_disabled),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_parse_errors_on_wire),
		cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_split_input_borrows_buffer),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_hold_and_resume),
		cmocka_unit_test(test_tx_backpressure),
		cmocka_unit_test(test_eof),
		cmocka_unit_test(test_lookup_errors),
		cmocka_unit_test(test_normalised_lookup),
		cmocka_unit_test(test_max_requests),
		cmocka_unit_test(test_rxbuf_exhausted),
		cmocka_unit_test(test_access_log),
		cmocka_unit_test(test_peer_format),
		cmocka_unit_test(test_overload_and_counters),
		cmocka_unit_test(test_date_follows_clock),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
