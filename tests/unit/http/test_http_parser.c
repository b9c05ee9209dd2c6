/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_http_parse: fields, incremental == whole, pipelining, every error
 * status, limits, target forms, keep-alive rules; path normalisation and
 * query lookup.
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

#include "http_parser.h"

static const struct spate_http_limits limits = SPATE_HTTP_LIMITS_DEFAULT;

static int parse_whole(struct spate_http_parser *p, const char *s, size_t n)
{
	spate_http_parser_init(p, &limits);
	return spate_http_parse(p, (const uint8_t *)s, n);
}

static int parse_str(struct spate_http_parser *p, const char *s)
{
	return parse_whole(p, s, strlen(s));
}

/* Feeds prefixes of growing length, as a trickling client would. */
static int parse_bytewise(struct spate_http_parser *p, const char *s, size_t n)
{
	int rc = 0;

	spate_http_parser_init(p, &limits);
	for (size_t k = 1; k <= n; k++) {
		rc = spate_http_parse(p, (const uint8_t *)s, k);
		if (rc != SPATE_HTTP_PARSE_INCOMPLETE)
			return rc;
	}
	return rc;
}

static int parse_split(struct spate_http_parser *p, const char *s, size_t n,
		       size_t at)
{
	int rc;

	spate_http_parser_init(p, &limits);
	rc = spate_http_parse(p, (const uint8_t *)s, at);
	if (rc != SPATE_HTTP_PARSE_INCOMPLETE)
		return rc;
	return spate_http_parse(p, (const uint8_t *)s, n);
}

static bool span_is(const char *base, struct spate_http_span s,
		    const char *want)
{
	return s.len == strlen(want) && memcmp(base + s.off, want, s.len) == 0;
}

#define assert_span(base, s, want)                                    \
	do {                                                          \
		if (!span_is((base), (s), (want))) {                  \
			fail_msg("span '%.*s' != '%s'", (int)(s).len, \
				 (base) + (s).off, (want));           \
		}                                                     \
	} while (0)

static void test_get_fields(void **state)
{
	static const char req[] =
		"GET /live/ch1/index.m3u8?_HLS_msn=42&_HLS_part=3 HTTP/1.1\r\n"
		"Host: origin.example:8080\r\n"
		"User-Agent: hls.js\r\n"
		"Range: bytes=0-99\r\n"
		"If-None-Match: \"abc\"\r\n"
		"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		"Origin: https://player.example\r\n"
		"Referer: https://player.example/page\r\n"
		"If-Range: \"abc\"\r\n"
		"X-Other:   padded value  \t \r\n"
		"Connection: keep-alive\r\n"
		"\r\nGET /next";
	struct spate_http_parser p;
	const struct spate_http_request *r = &p.req;
	int rc;

	(void)state;
	rc = parse_whole(&p, req, sizeof(req) - 1);
	assert_int_equal(rc, sizeof(req) - 1 - strlen("GET /next"));
	assert_int_equal(r->head_len, rc);
	assert_int_equal(r->method_id, SPATE_HTTP_METHOD_GET);
	assert_int_equal(r->version_major, 1);
	assert_int_equal(r->version_minor, 1);
	assert_span(req, r->method, "GET");
	assert_span(req, r->target,
		    "/live/ch1/index.m3u8?_HLS_msn=42&_HLS_part=3");
	assert_span(req, r->path, "/live/ch1/index.m3u8");
	assert_span(req, r->query, "_HLS_msn=42&_HLS_part=3");
	assert_span(req, r->host, "origin.example:8080");
	assert_span(req, r->user_agent, "hls.js");
	assert_span(req, r->range, "bytes=0-99");
	assert_span(req, r->if_none_match, "\"abc\"");
	assert_span(req, r->if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_span(req, r->origin, "https://player.example");
	assert_span(req, r->referer, "https://player.example/page");
	assert_span(req, r->if_range, "\"abc\"");
	assert_span(req, r->request_line,
		    "GET /live/ch1/index.m3u8?_HLS_msn=42&_HLS_part=3 "
		    "HTTP/1.1");
	assert_int_equal(r->header_count, 10);
	assert_true(r->flags & SPATE_HTTP_REQ_KEEP_ALIVE);
	assert_true(r->flags & SPATE_HTTP_REQ_HOST);
	assert_false(r->flags & SPATE_HTTP_REQ_HAS_BODY);
	/* Done is sticky. */
	assert_int_equal(spate_http_parse(&p, (const uint8_t *)req, 3), rc);
}

/* A corpus of valid and invalid heads for the equivalence checks. */
static const char *const corpus[] = {
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"\r\n\r\nHEAD /x.ts HTTP/1.1\nHost: a\n\n",
	("OPTIONS * HTTP/1.1\r\nHost: a\r\nOrigin: o\r\n"
	 "Access-Control-Request-Method: GET\r\n\r\n"),
	"GET http://h.example:80/a/b?c=d HTTP/1.1\r\nHost: other\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: a\r\nEmpty:\r\nX: \t\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
	"POST /in HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789",
	"PUT /in HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
	"BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost : a\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
	"GET /a HTTP/2.0\r\nHost: a\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
	"GET /a\r\n\r\n",
	"GET  /a HTTP/1.1\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: a\rX\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
	"GET /a HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n",
	"GET /\x01 HTTP/1.1\r\n\r\n",
	"G(T / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.12\r\n\r\n",
	"GET / http/1.1\r\n\r\n",
};

static void test_incremental_equals_whole(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(corpus) / sizeof(corpus[0]); c++) {
		const char *s = corpus[c];
		size_t n = strlen(s);
		struct spate_http_parser whole, inc;
		int rc_whole = parse_whole(&whole, s, n);
		int rc_inc = parse_bytewise(&inc, s, n);

		if (rc_whole != rc_inc)
			fail_msg("case %zu: whole %d bytewise %d", c, rc_whole,
				 rc_inc);
		assert_int_equal(whole.error, inc.error);
		if (rc_whole > 0)
			assert_memory_equal(&whole.req, &inc.req,
					    sizeof(whole.req));
		for (size_t at = 0; at <= n; at++) {
			struct spate_http_parser sp;
			int rc_split = parse_split(&sp, s, n, at);

			assert_int_equal(rc_split, rc_whole);
			if (rc_whole > 0)
				assert_memory_equal(&whole.req, &sp.req,
						    sizeof(whole.req));
		}
	}
}

static void test_pipelining(void **state)
{
	static const char buf[] = "GET /a.m4s HTTP/1.1\r\nHost: h\r\n\r\n"
				  "HEAD /b.m4s HTTP/1.1\r\nHost: h\r\n\r\n"
				  "GET /c.m3u8 HTTP/1.1\r\nHost: h\r\n"
				  "Connection: close\r\n\r\n";
	static const char *const paths[] = {"/a.m4s", "/b.m4s", "/c.m3u8"};
	static const uint8_t methods[] = {SPATE_HTTP_METHOD_GET,
					  SPATE_HTTP_METHOD_HEAD,
					  SPATE_HTTP_METHOD_GET};
	struct spate_http_parser p;
	size_t off = 0;

	(void)state;
	spate_http_parser_init(&p, &limits);
	for (int k = 0; k < 3; k++) {
		const char *base = buf + off;
		int rc = spate_http_parse(&p, (const uint8_t *)base,
					  sizeof(buf) - 1 - off);

		assert_true(rc > 0);
		assert_int_equal(p.req.method_id, methods[k]);
		assert_span(base, p.req.path, paths[k]);
		assert_int_equal(!!(p.req.flags & SPATE_HTTP_REQ_KEEP_ALIVE),
				 k < 2);
		off += (size_t)rc;
		spate_http_parser_reset(&p);
	}
	assert_int_equal(off, sizeof(buf) - 1);
	/* Nothing left: incomplete, not an error. */
	assert_int_equal(spate_http_parse(&p, (const uint8_t *)buf + off, 0),
			 SPATE_HTTP_PARSE_INCOMPLETE);
}

struct err_case {
	const char *req;
	size_t len; /* some cases hold a NUL */
	int status;
	enum spate_http_parse_error why;
};

static void test_error_statuses(void **state)
{
#define EC(lit, st, why)                      \
	{                                     \
		lit, sizeof(lit) - 1, st, why \
	}
	static const struct err_case cases[] = {
		EC("GET /a\r\n\r\n", -400, SPATE_HTTP_PERR_REQUEST_LINE),
		EC("GET  /a HTTP/1.1\r\n\r\n", -400,
		   SPATE_HTTP_PERR_REQUEST_LINE),
		EC("G(T / HTTP/1.1\r\n\r\n", -400, SPATE_HTTP_PERR_METHOD),
		EC(" GET / HTTP/1.1\r\n\r\n", -400,
		   SPATE_HTTP_PERR_REQUEST_LINE),
		EC("GET /\x01 HTTP/1.1\r\n\r\n", -400, SPATE_HTTP_PERR_TARGET),
		EC("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", -400,
		   SPATE_HTTP_PERR_TARGET),
		EC("GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", -400,
		   SPATE_HTTP_PERR_TARGET),
		EC("GET * HTTP/1.1\r\nHost: a\r\n\r\n", -400,
		   SPATE_HTTP_PERR_TARGET),
		EC("GET http:/// HTTP/1.1\r\nHost: a\r\n\r\n", -400,
		   SPATE_HTTP_PERR_TARGET),
		EC("GET http://u@h/ HTTP/1.1\r\nHost: a\r\n\r\n", -400,
		   SPATE_HTTP_PERR_TARGET),
		EC("GET / http/1.1\r\n\r\n", -400, SPATE_HTTP_PERR_VERSION),
		EC("GET / HTTP/1.12\r\n\r\n", -400, SPATE_HTTP_PERR_VERSION),
		EC("GET / HTTP/11\r\n\r\n", -400, SPATE_HTTP_PERR_VERSION),
		EC("GET / HTTP/1.1\rX\r\n", -400, SPATE_HTTP_PERR_REQUEST_LINE),
		EC("GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505,
		   SPATE_HTTP_PERR_VERSION_UNSUPPORTED),
		EC("GET / HTTP/0.9\r\n\r\n", -505,
		   SPATE_HTTP_PERR_VERSION_UNSUPPORTED),
		EC("GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400,
		   SPATE_HTTP_PERR_HEADER_SYNTAX),
		EC("GET / HTTP/1.1\r\n Host: a\r\n\r\n", -400,
		   SPATE_HTTP_PERR_HEADER_SYNTAX),
		EC("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", -400,
		   SPATE_HTTP_PERR_OBS_FOLD),
		EC("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", -400,
		   SPATE_HTTP_PERR_HEADER_SYNTAX),
		EC("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", -400,
		   SPATE_HTTP_PERR_HEADER_SYNTAX),
		EC("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", -400,
		   SPATE_HTTP_PERR_HEADER_SYNTAX),
		EC("GET / HTTP/1.1\r\n\r\n", -400, SPATE_HTTP_PERR_HOST),
		EC("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", -400,
		   SPATE_HTTP_PERR_HOST),
		EC("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -400,
		   SPATE_HTTP_PERR_HOST),
		EC("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n",
		   -400, SPATE_HTTP_PERR_CONTENT_LENGTH),
		EC("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n",
		   -400, SPATE_HTTP_PERR_CONTENT_LENGTH),
		EC("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n"
		   "Content-Length: 1\r\n\r\n",
		   -400, SPATE_HTTP_PERR_CONTENT_LENGTH),
		EC("GET / HTTP/1.1\r\nHost: a\r\n"
		   "Content-Length: 99999999999999999999999\r\n\r\n",
		   -400, SPATE_HTTP_PERR_CONTENT_LENGTH),
		EC("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
		   "Transfer-Encoding: chunked\r\n\r\n",
		   -400, SPATE_HTTP_PERR_TRANSFER_ENCODING),
		EC("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		   -400, SPATE_HTTP_PERR_TRANSFER_ENCODING),
		EC("POST / HTTP/1.1\r\nHost: a\r\n"
		   "Transfer-Encoding: chunked, gzip\r\n\r\n",
		   -400, SPATE_HTTP_PERR_TRANSFER_ENCODING),
		EC("POST / HTTP/1.1\r\nHost: a\r\n"
		   "Transfer-Encoding: gzip, chunked\r\n\r\n",
		   -501, SPATE_HTTP_PERR_TRANSFER_CODING),
		EC("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx",
		   -413, SPATE_HTTP_PERR_BODY),
		EC("HEAD / HTTP/1.1\r\nHost: a\r\n"
		   "Transfer-Encoding: chunked\r\n\r\n",
		   -413, SPATE_HTTP_PERR_BODY),
		EC("GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n", -417,
		   SPATE_HTTP_PERR_EXPECT),
	};
#undef EC

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct spate_http_parser p;
		const char *s = cases[c].req;
		size_t n = cases[c].len;
		int rc = parse_whole(&p, s, n);

		if (rc != cases[c].status || p.error != cases[c].why)
			fail_msg(
				"case %zu (%s): rc %d error %d (%s), want %d/%d",
				c, s, rc, p.error,
				spate_http_parse_strerror(p.error),
				cases[c].status, cases[c].why);
		/* An error is sticky, and byte-at-a-time agrees. */
		assert_int_equal(spate_http_parse(&p, (const uint8_t *)s, n),
				 rc);
		assert_int_equal(parse_bytewise(&p, s, n), rc);
	}
}

static char *make_filled(size_t n, char c)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_limits(void **state)
{
	struct spate_http_parser p;
	char *big = malloc(64 * 1024);
	char *fill;
	size_t n;
	int rc;

	(void)state;
	assert_non_null(big);

	/* 414: request line longer than 8 KB, even before it ends. */
	fill = make_filled(SPATE_HTTP_DEFAULT_MAX_REQUEST_LINE, 'a');
	n = (size_t)snprintf(big, 64 * 1024, "GET /%s", fill);
	rc = parse_whole(&p, big, n);
	assert_int_equal(rc, -414);
	assert_int_equal(p.error, SPATE_HTTP_PERR_LINE_TOO_LONG);
	assert_int_equal(parse_bytewise(&p, big, n), -414);
	free(fill);

	/* Just under the limit is fine. */
	fill = make_filled(SPATE_HTTP_DEFAULT_MAX_REQUEST_LINE - 20, 'a');
	n = (size_t)snprintf(big, 64 * 1024,
			     "GET /%s HTTP/1.1\r\nHost: a\r\n\r\n", fill);
	assert_int_equal(parse_whole(&p, big, n), (int)n);
	free(fill);

	/* 431: one header value larger than 16 KB. */
	fill = make_filled(SPATE_HTTP_DEFAULT_MAX_HEADER_BYTES, 'v');
	n = (size_t)snprintf(big, 64 * 1024,
			     "GET / HTTP/1.1\r\nHost: a\r\nX: %s\r\n\r\n",
			     fill);
	assert_int_equal(parse_whole(&p, big, n), -431);
	assert_int_equal(p.error, SPATE_HTTP_PERR_HEADERS_TOO_LARGE);
	assert_int_equal(parse_bytewise(&p, big, n), -431);
	free(fill);

	/* 431: 65 small header fields. */
	n = (size_t)snprintf(big, 64 * 1024, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int k = 0; k < 64; k++)
		n += (size_t)snprintf(big + n, 64 * 1024 - n, "X-%d: v\r\n", k);
	n += (size_t)snprintf(big + n, 64 * 1024 - n, "\r\n");
	assert_int_equal(parse_whole(&p, big, n), -431);
	assert_int_equal(p.error, SPATE_HTTP_PERR_TOO_MANY_HEADERS);

	/* Exactly 64 is fine. */
	n = (size_t)snprintf(big, 64 * 1024, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int k = 0; k < 63; k++)
		n += (size_t)snprintf(big + n, 64 * 1024 - n, "X-%d: v\r\n", k);
	n += (size_t)snprintf(big + n, 64 * 1024 - n, "\r\n");
	assert_int_equal(parse_whole(&p, big, n), (int)n);
	assert_int_equal(p.req.header_count, 64);

	/* Limits are checked. */
	{
		struct spate_http_limits bad = limits;

		assert_int_equal(spate_http_limits_check(&limits), 0);
		bad.max_request_line = SPATE_HTTP_LIMIT_REQUEST_LINE + 1;
		assert_int_equal(spate_http_limits_check(&bad), -EINVAL);
		bad = limits;
		bad.max_headers = 0;
		assert_int_equal(spate_http_limits_check(&bad), -EINVAL);
	}
	free(big);
}

static void test_methods(void **state)
{
	static const struct {
		const char *m;
		enum spate_http_method id;
	} cases[] = {
		{"GET", SPATE_HTTP_METHOD_GET},
		{"HEAD", SPATE_HTTP_METHOD_HEAD},
		{"OPTIONS", SPATE_HTTP_METHOD_OPTIONS},
		{"POST", SPATE_HTTP_METHOD_POST},
		{"PUT", SPATE_HTTP_METHOD_PUT},
		{"DELETE", SPATE_HTTP_METHOD_DELETE},
		{"PATCH", SPATE_HTTP_METHOD_PATCH},
		{"TRACE", SPATE_HTTP_METHOD_TRACE},
		{"get", SPATE_HTTP_METHOD_UNKNOWN}, /* case-sensitive */
		{"BREW", SPATE_HTTP_METHOD_UNKNOWN},
	};
	char buf[128];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct spate_http_parser p;

		snprintf(buf, sizeof(buf), "%s /x HTTP/1.1\r\nHost: a\r\n\r\n",
			 cases[c].m);
		assert_true(parse_str(&p, buf) > 0);
		assert_int_equal(p.req.method_id, cases[c].id);
	}
	assert_string_equal(spate_http_method_name(SPATE_HTTP_METHOD_OPTIONS),
			    "OPTIONS");
}

static void test_target_forms(void **state)
{
	struct spate_http_parser p;
	const char *s;

	(void)state;
	s = "GET HTTP://Origin.Example:8080/a/b.m4s?x=1#frag HTTP/1.1\r\n"
	    "Host: ignored\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_true(p.req.flags & SPATE_HTTP_REQ_ABSOLUTE_FORM);
	assert_span(s, p.req.host, "Origin.Example:8080");
	assert_span(s, p.req.path, "/a/b.m4s");
	assert_span(s, p.req.query, "x=1");

	s = "GET https://h?q HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_span(s, p.req.host, "h");
	assert_int_equal(p.req.path.len, 0);
	assert_span(s, p.req.query, "q");

	s = "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_true(p.req.flags & SPATE_HTTP_REQ_ASTERISK_FORM);

	s = "CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_true(p.req.flags & SPATE_HTTP_REQ_AUTHORITY_FORM);
	assert_span(s, p.req.host, "h.example:443");

	/* Fragment cut, query kept raw. */
	s = "GET /a%20b?x=%41#f HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_span(s, p.req.path, "/a%20b");
	assert_span(s, p.req.query, "x=%41");

	/* HTTP/1.0 needs no Host; 1.3 is treated as 1.1. */
	assert_true(parse_str(&p, "GET / HTTP/1.0\r\n\r\n") > 0);
	assert_int_equal(p.req.version_minor, 0);
	assert_true(parse_str(&p, "GET / HTTP/1.3\r\nHost: a\r\n\r\n") > 0);
	assert_int_equal(p.req.version_minor, 1);
}

static void test_keep_alive_rules(void **state)
{
	static const struct {
		const char *req;
		bool keep;
	} cases[] = {
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		 false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, "
		 "CLOSE\r\n\r\n",
		 false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n"
		 "Connection: close\r\n\r\n",
		 false},
		{"GET / HTTP/1.0\r\n\r\n", false},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
		{"GET / HTTP/1.0\r\nConnection:  , keep-alive ,\r\n\r\n", true},
		{"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
		 false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n",
		 true},
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct spate_http_parser p;

		assert_true(parse_str(&p, cases[c].req) > 0);
		if (!!(p.req.flags & SPATE_HTTP_REQ_KEEP_ALIVE) !=
		    cases[c].keep)
			fail_msg("case %zu: keep-alive wrong", c);
	}
}

static void test_framing_fields(void **state)
{
	struct spate_http_parser p;
	const char *s;

	(void)state;
	s = "POST /ingest HTTP/1.1\r\nHost: a\r\nContent-Length: 1234\r\n"
	    "Expect: 100-continue\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_int_equal(p.req.content_length, 1234);
	assert_true(p.req.flags & SPATE_HTTP_REQ_HAS_BODY);
	assert_true(p.req.flags & SPATE_HTTP_REQ_EXPECT_CONTINUE);

	s = "PUT /ingest HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_true(p.req.flags & SPATE_HTTP_REQ_CHUNKED);

	/* Same Content-Length twice is accepted. */
	s = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n"
	    "content-length: 7\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);

	/* GET with an explicit zero length is fine. */
	s = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_false(p.req.flags & SPATE_HTTP_REQ_HAS_BODY);

	/* Expectations are ignored in 1.0. */
	s = "GET / HTTP/1.0\r\nExpect: teapot\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);

	/* A repeated Range is ignored, not guessed at. */
	s = "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n"
	    "Range: bytes=5-9\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_int_equal(p.req.range.len, 0);
	/* A repeated If-None-Match keeps the first. */
	s = "GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"a\"\r\n"
	    "If-None-Match: \"b\"\r\n\r\n";
	assert_true(parse_str(&p, s) > 0);
	assert_span(s, p.req.if_none_match, "\"a\"");
}

static void test_path_normalize(void **state)
{
	static const struct {
		const char *in;
		const char *out; /* NULL = 400 */
	} cases[] = {
		{"", "/"},
		{"/", "/"},
		{"/a/b.m4s", "/a/b.m4s"},
		{"/a//b", "/a/b"},
		{"//a///b//", "/a/b/"},
		{"/a/./b", "/a/b"},
		{"/a/.", "/a/"},
		{"/a/b/../c", "/a/c"},
		{"/a/b/..", "/a/"},
		{"/a/..", "/"},
		{"/a/%62", "/a/b"},
		{"/a%2Fb", "/a/b"},
		{"/a/%2e%2E/b", "/b"},
		{"/a%2f..%2fb", "/b"},
		{"/%41%42%43", "/ABC"},
		{"/a%20b", "/a b"},
		{"/...", "/..."},
		{"/.a/..b", "/.a/..b"},
		{"/..", NULL},
		{"/a/../..", NULL},
		{"/%2e%2e/etc/passwd", NULL},
		{"/..%2f", NULL},
		{"/a%00b", NULL},
		{"/a%0a", NULL},
		{"/a%7f", NULL},
		{"/a%", NULL},
		{"/a%4", NULL},
		{"/a%zz", NULL},
	};
	char out[256];

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int n = spate_http_path_normalize(
			cases[c].in, strlen(cases[c].in), out, sizeof(out));

		if (cases[c].out == NULL) {
			if (n != -400)
				fail_msg("'%s' should be rejected, got %d",
					 cases[c].in, n);
			continue;
		}
		if (n < 0 || (size_t)n != strlen(cases[c].out) ||
		    memcmp(out, cases[c].out, (size_t)n) != 0)
			fail_msg("'%s' -> '%.*s' (%d), want '%s'", cases[c].in,
				 n < 0 ? 0 : n, out, n, cases[c].out);
	}
	/* Output capacity is respected. */
	assert_int_equal(spate_http_path_normalize("/abc", 4, out, 4), -400);
	assert_int_equal(spate_http_path_normalize("/abc", 4, out, 5), 4);
}

static void test_query(void **state)
{
	static const char q[] = "_HLS_msn=42&_HLS_part=3&_HLS_skip=YES&flag&"
				"x=&big=99999999999999999999&neg=-1";
	const char *v;
	size_t n;
	uint64_t u;

	(void)state;
	assert_true(spate_http_query_get(q, strlen(q), "_HLS_skip", &v, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(v, "YES", 3);
	assert_true(spate_http_query_get(q, strlen(q), "flag", &v, &n));
	assert_int_equal(n, 0);
	assert_false(spate_http_query_get(q, strlen(q), "_HLS", &v, &n));
	assert_false(spate_http_query_get(q, strlen(q), "msn", &v, &n));
	assert_false(spate_http_query_get("", 0, "a", &v, &n));

	assert_int_equal(spate_http_query_get_u64(q, strlen(q), "_HLS_msn", &u),
			 0);
	assert_int_equal(u, 42);
	assert_int_equal(
		spate_http_query_get_u64(q, strlen(q), "_HLS_part", &u), 0);
	assert_int_equal(u, 3);
	assert_int_equal(
		spate_http_query_get_u64(q, strlen(q), "_HLS_skip", &u),
		-EINVAL);
	assert_int_equal(spate_http_query_get_u64(q, strlen(q), "x", &u),
			 -EINVAL);
	assert_int_equal(spate_http_query_get_u64(q, strlen(q), "big", &u),
			 -EINVAL);
	assert_int_equal(spate_http_query_get_u64(q, strlen(q), "neg", &u),
			 -EINVAL);
	assert_int_equal(spate_http_query_get_u64(q, strlen(q), "none", &u),
			 -ENOENT);
}

static void test_sizes(void **state)
{
	(void)state;
	printf("sizeof(struct spate_http_parser) = %zu, "
	       "sizeof(struct spate_http_request) = %zu\n",
	       sizeof(struct spate_http_parser),
	       sizeof(struct spate_http_request));
	assert_true(sizeof(struct spate_http_parser) <= 160);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_fields),
		cmocka_unit_test(test_incremental_equals_whole),
		cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_error_statuses),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_target_forms),
		cmocka_unit_test(test_keep_alive_rules),
		cmocka_unit_test(test_framing_fields),
		cmocka_unit_test(test_path_normalize),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
