/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response builder (byte-exact header blocks), HTTP-dates, Content-Type,
 * ETags and the conditional-request rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include "http_response.h"

/* 784111777 = Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example). */
#define T_1994 ((time_t)784111777)

static void test_date_format(void **state)
{
	char out[SPATE_HTTP_DATE_LEN + 1];
	struct tm tm;
	char want[64];

	(void)state;
	spate_http_date_format(T_1994, out);
	assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
	spate_http_date_format(0, out);
	assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
	spate_http_date_format(951782400, out); /* leap day */
	assert_string_equal(out, "Tue, 29 Feb 2000 00:00:00 GMT");
	spate_http_date_format(-5, out); /* clamped */
	assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");

	/* Against libc over a spread of instants (off the hot path). */
	for (time_t t = 0; t < (time_t)4102444800LL; t += 7777777) {
		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		spate_http_date_format(t, out);
		assert_string_equal(out, want);
	}
}

static void test_date_parse(void **state)
{
	static const char *const forms[] = {
		"Sun, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994",
	};
	static const char *const bad[] = {
		"",
		"Sun",
		"Sun, 06 Nov 1994 08:49:37",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 25:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT ",
		"Sun Nov  6 08:49:37",
		"1994-11-06T08:49:37Z",
	};
	time_t t;
	char out[SPATE_HTTP_DATE_LEN + 1];

	(void)state;
	for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
		assert_int_equal(
			spate_http_date_parse(forms[k], strlen(forms[k]), &t),
			0);
		assert_int_equal(t, T_1994);
	}
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		if (spate_http_date_parse(bad[k], strlen(bad[k]), &t) !=
		    -EINVAL)
			fail_msg("'%s' parsed", bad[k]);
	/* Round trip. */
	for (time_t x = 1; x < (time_t)4102444800LL; x += 86399 * 37) {
		spate_http_date_format(x, out);
		assert_int_equal(spate_http_date_parse(out, strlen(out), &t),
				 0);
		assert_int_equal(t, x);
	}
}

static void test_content_types(void **state)
{
	static const char *const cases[][2] = {
		{"/live/ch1/index.m3u8", "application/vnd.apple.mpegurl"},
		{"/live/ch1/INDEX.M3U8", "application/vnd.apple.mpegurl"},
		{"/live/ch1/manifest.mpd", "application/dash+xml"},
		{"/v/init.mp4", "video/mp4"},
		{"/v/seg-12.m4s", "video/iso.segment"},
		{"/v/seg-12.ts", "video/mp2t"},
		{"/s/en.vtt", "text/vtt"},
		{"/k/key-3.key", "application/octet-stream"},
		{"/a/a.m4a", "audio/mp4"},
		{"/v/v.m4v", "video/mp4"},
		{"/api/x.json", "application/json"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/app.js", "text/javascript; charset=utf-8"},
		{"/style.css", "text/css; charset=utf-8"},
		{"/v/seg.cmfv", "video/mp4"},
		{"/noext", "application/octet-stream"},
		{"/dir.d/noext", "application/octet-stream"},
		{"/trailing.", "application/octet-stream"},
		{"/x.verylongext", "application/octet-stream"},
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		assert_string_equal(spate_http_content_type(
					    cases[k][0], strlen(cases[k][0])),
				    cases[k][1]);
}

static void test_etags(void **state)
{
	char e[SPATE_HTTP_ETAG_LEN + 1];
	const uint64_t tag = 0x00000000deadbeefULL;

	(void)state;
	assert_int_equal(spate_http_etag_format(tag, e), 18);
	assert_string_equal(e, "\"00000000deadbeef\"");

#define M(v) spate_http_etag_list_match((v), strlen(v), tag)
	assert_true(M("\"00000000deadbeef\""));
	assert_true(M("W/\"00000000deadbeef\"")); /* weak comparison */
	assert_true(M("\"x\", \"00000000deadbeef\""));
	assert_true(M("  \"x\" ,W/\"00000000deadbeef\" , "));
	assert_true(M("*"));
	assert_true(M(" * "));
	assert_false(M("\"00000000DEADBEEF\""));
	assert_false(M("\"00000000deadbee\""));
	assert_false(M("00000000deadbeef"));
	assert_false(M("\"x\" \"00000000deadbeef\""));
	assert_false(M("\"unterminated"));
	assert_false(M("W/"));
	assert_false(M(""));
#undef M

	/* If-Range uses the strong comparison. */
#define IR(v, mt) spate_http_if_range_match((v), strlen(v), tag, (mt))
	assert_true(IR("\"00000000deadbeef\"", 0));
	assert_false(IR("W/\"00000000deadbeef\"", 0));
	assert_false(IR("\"other\"", 0));
	assert_true(IR("Sun, 06 Nov 1994 08:49:37 GMT", T_1994));
	assert_false(IR("Sun, 06 Nov 1994 08:49:38 GMT", T_1994));
	assert_false(IR("Sun, 06 Nov 1994 08:49:37 GMT", 0));
#undef IR
}

static void test_not_modified(void **state)
{
	const uint64_t tag = 42;
	char e[SPATE_HTTP_ETAG_LEN + 1];
	static const char ims_same[] = "Sun, 06 Nov 1994 08:49:37 GMT";
	static const char ims_before[] = "Sun, 06 Nov 1994 08:49:36 GMT";

	(void)state;
	spate_http_etag_format(tag, e);
	/* INM alone. */
	assert_true(spate_http_not_modified(e, strlen(e), NULL, 0, tag, 0));
	assert_false(spate_http_not_modified("\"zz\"", 4, NULL, 0, tag, 0));
	/* INM present decides alone, even if IMS would match. */
	assert_false(spate_http_not_modified("\"zz\"", 4, ims_same,
					     strlen(ims_same), tag, T_1994));
	/* IMS: not newer -> 304; newer -> 200; invalid/unknown -> 200. */
	assert_true(spate_http_not_modified(NULL, 0, ims_same, strlen(ims_same),
					    tag, T_1994));
	assert_true(spate_http_not_modified(NULL, 0, ims_same, strlen(ims_same),
					    tag, T_1994 - 9));
	assert_false(spate_http_not_modified(NULL, 0, ims_before,
					     strlen(ims_before), tag, T_1994));
	assert_false(
		spate_http_not_modified(NULL, 0, "yesterday", 9, tag, T_1994));
	assert_false(spate_http_not_modified(NULL, 0, ims_same,
					     strlen(ims_same), tag, 0));
	assert_false(spate_http_not_modified(NULL, 0, NULL, 0, tag, T_1994));
}

static const char date[] = "Sun, 06 Nov 1994 08:49:37 GMT";

static void assert_built(const struct spate_http_response *r, const char *want)
{
	char buf[SPATE_HTTP_RESPONSE_MAX];
	int n = spate_http_response_build(r, buf, sizeof(buf));

	assert_true(n > 0);
	if ((size_t)n != strlen(want) || memcmp(buf, want, (size_t)n) != 0)
		fail_msg("built:\n%.*s\nwant:\n%s", n, buf, want);
	/* Any smaller buffer fails cleanly. */
	assert_int_equal(spate_http_response_build(r, buf, (size_t)n - 1),
			 -ENOSPC);
}

static void test_build_segment_200(void **state)
{
	struct spate_http_response r = {
		.status = 200,
		.flags = SPATE_HTTP_RESP_KEEP_ALIVE | SPATE_HTTP_RESP_CORS |
			 SPATE_HTTP_RESP_ETAG | SPATE_HTTP_RESP_LAST_MODIFIED |
			 SPATE_HTTP_RESP_ACCEPT_RANGES,
		.cache_class = SPATE_HTTP_CACHE_IMMUTABLE,
		.date = date,
		.content_type = "video/iso.segment",
		.content_length = 1234567,
		.etag = 0x1122334455667788ULL,
		.last_modified = T_1994,
	};

	(void)state;
	assert_built(&r,
		     "HTTP/1.1 200 OK\r\n"
		     "Server: spate\r\n"
		     "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		     "Content-Type: video/iso.segment\r\n"
		     "Content-Length: 1234567\r\n"
		     "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
		     "ETag: \"1122334455667788\"\r\n"
		     "Cache-Control: public, max-age=31536000, immutable\r\n"
		     "Accept-Ranges: bytes\r\n"
		     "Access-Control-Allow-Origin: *\r\n"
		     "Access-Control-Expose-Headers: Content-Length, "
		     "Content-Range, Date, ETag\r\n"
		     "Connection: keep-alive\r\n"
		     "\r\n");
}

static void test_build_playlist_206_close(void **state)
{
	struct spate_http_response r = {
		.status = 206,
		.flags = SPATE_HTTP_RESP_ETAG | SPATE_HTTP_RESP_ACCEPT_RANGES,
		.cache_class = SPATE_HTTP_CACHE_LIVE,
		.max_age_s = spate_http_live_max_age_s(4000),
		.date = date,
		.content_type = "application/vnd.apple.mpegurl",
		.content_length = 100,
		.etag = 7,
		.range = {.first = 100, .last = 199, .size = 1000},
	};

	(void)state;
	assert_built(&r, "HTTP/1.1 206 Partial Content\r\n"
			 "Server: spate\r\n"
			 "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			 "Content-Type: application/vnd.apple.mpegurl\r\n"
			 "Content-Length: 100\r\n"
			 "Content-Range: bytes 100-199/1000\r\n"
			 "ETag: \"0000000000000007\"\r\n"
			 "Cache-Control: public, max-age=2\r\n"
			 "Accept-Ranges: bytes\r\n"
			 "Connection: close\r\n"
			 "\r\n");
}

static void test_build_304_416_preflight_503(void **state)
{
	struct spate_http_response r = {
		.status = 304,
		.flags = SPATE_HTTP_RESP_KEEP_ALIVE | SPATE_HTTP_RESP_ETAG,
		.cache_class = SPATE_HTTP_CACHE_ENDED,
		.date = date,
		.content_type = "application/dash+xml", /* not in a 304 */
		.content_length = 999,			/* nor this */
		.etag = 1,
	};
	char buf[SPATE_HTTP_RESPONSE_MAX];
	int n;

	(void)state;
	assert_built(&r, "HTTP/1.1 304 Not Modified\r\n"
			 "Server: spate\r\n"
			 "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			 "ETag: \"0000000000000001\"\r\n"
			 "Cache-Control: public, max-age=3600\r\n"
			 "Connection: keep-alive\r\n"
			 "\r\n");

	memset(&r, 0, sizeof(r));
	r.status = 416;
	r.flags = SPATE_HTTP_RESP_KEEP_ALIVE | SPATE_HTTP_RESP_ACCEPT_RANGES;
	r.range.size = 5000;
	assert_built(&r, "HTTP/1.1 416 Range Not Satisfiable\r\n"
			 "Server: spate\r\n"
			 "Content-Length: 0\r\n"
			 "Content-Range: bytes */5000\r\n"
			 "Cache-Control: no-store\r\n"
			 "Accept-Ranges: bytes\r\n"
			 "Connection: keep-alive\r\n"
			 "\r\n");

	memset(&r, 0, sizeof(r));
	r.status = 204;
	r.flags = SPATE_HTTP_RESP_KEEP_ALIVE | SPATE_HTTP_RESP_CORS |
		  SPATE_HTTP_RESP_PREFLIGHT;
	r.max_age_s = SPATE_HTTP_CORS_MAX_AGE_S;
	r.date = date;
	assert_built(&r, "HTTP/1.1 204 No Content\r\n"
			 "Server: spate\r\n"
			 "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			 "Access-Control-Allow-Origin: *\r\n"
			 "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
			 "Access-Control-Allow-Headers: Range, If-None-Match, "
			 "If-Modified-Since, If-Range, Cache-Control\r\n"
			 "Access-Control-Max-Age: 86400\r\n"
			 "Connection: keep-alive\r\n"
			 "\r\n");

	n = spate_http_response_overload(date, 2, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf,
			    "HTTP/1.1 503 Service Unavailable\r\n"
			    "Server: spate\r\n"
			    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			    "Content-Length: 0\r\n"
			    "Cache-Control: no-store\r\n"
			    "Retry-After: 2\r\n"
			    "Access-Control-Allow-Origin: *\r\n"
			    "Access-Control-Expose-Headers: Content-Length, "
			    "Content-Range, Date, ETag\r\n"
			    "Connection: close\r\n"
			    "\r\n");
}

static void test_build_errors_and_policy(void **state)
{
	struct spate_http_response r;
	char buf[SPATE_HTTP_RESPONSE_MAX];
	int n;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = 404;
	n = spate_http_response_build(&r, buf, sizeof(buf));
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 404 Not Found\r\n"
				 "Server: spate\r\n"
				 "Content-Length: 0\r\n"
				 "Cache-Control: max-age=1\r\n"
				 "Connection: close\r\n\r\n");
	r.status = 405;
	r.flags = SPATE_HTTP_RESP_ALLOW;
	n = spate_http_response_build(&r, buf, sizeof(buf));
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 405 Method Not Allowed\r\n"
				 "Server: spate\r\n"
				 "Content-Length: 0\r\n"
				 "Cache-Control: no-store\r\n"
				 "Allow: GET, HEAD, OPTIONS\r\n"
				 "Connection: close\r\n\r\n");
	/* A code without a table entry still makes a valid status line. */
	r.status = 299;
	r.flags = 0;
	n = spate_http_response_build(&r, buf, sizeof(buf));
	assert_true(n > 0);
	assert_memory_equal(buf, "HTTP/1.1 299 \r\n", 15);

	assert_string_equal(spate_http_reason(431),
			    "Request Header Fields Too Large");
	assert_string_equal(spate_http_reason(413), "Content Too Large");
	assert_string_equal(spate_http_reason(299), "");
	assert_int_equal(spate_http_live_max_age_s(0), 1);
	assert_int_equal(spate_http_live_max_age_s(1999), 1);
	assert_int_equal(spate_http_live_max_age_s(6000), 3);

	/* NO_STORE class, LIVE with max_age 0 -> 1. */
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.cache_class = SPATE_HTTP_CACHE_NO_STORE;
	n = spate_http_response_build(&r, buf, sizeof(buf));
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\r\nCache-Control: no-store\r\n"));
	r.cache_class = SPATE_HTTP_CACHE_LIVE;
	n = spate_http_response_build(&r, buf, sizeof(buf));
	buf[n] = '\0';
	assert_non_null(
		strstr(buf, "\r\nCache-Control: public, max-age=1\r\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_etags),
		cmocka_unit_test(test_not_modified),
		cmocka_unit_test(test_build_segment_200),
		cmocka_unit_test(test_build_playlist_206_close),
		cmocka_unit_test(test_build_304_416_preflight_503),
		cmocka_unit_test(test_build_errors_and_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
