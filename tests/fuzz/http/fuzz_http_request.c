/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the request-head parser.  Input byte 0 picks a split
 * point, the rest is the stream.  The same stream is parsed whole, in two
 * pieces (the first in a buffer of exactly its size, so ASan sees any read
 * past what was offered) and byte at a time; all three must agree.
 * Successful heads are checked for span sanity, pipelined heads behind them
 * are parsed too, and the path goes through normalisation with its output
 * invariants checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static const struct spate_http_limits limits = SPATE_HTTP_LIMITS_DEFAULT;

static void span_ok(struct spate_http_span s, int head_len)
{
	CHECK((int)s.off + (int)s.len <= head_len);
}

static void check_path(const uint8_t *base, const struct spate_http_request *r)
{
	char *out = malloc((size_t)r->path.len + 1);
	int n;

	CHECK(out != NULL);
	n = spate_http_path_normalize((const char *)base + r->path.off,
				      r->path.len, out,
				      (size_t)r->path.len + 1);
	if (n >= 0) {
		CHECK(n >= 1 && n <= r->path.len + 1 && out[0] == '/');
		for (int k = 0; k < n; k++) {
			CHECK((unsigned char)out[k] >= 0x20 && out[k] != 0x7f);
			if (out[k] != '/')
				continue;
			/* no "//", "/./" or "/../" survives */
			CHECK(k + 1 >= n || out[k + 1] != '/');
			if (k + 1 < n && out[k + 1] == '.') {
				CHECK(!(k + 2 == n || out[k + 2] == '/'));
				CHECK(!(k + 2 < n && out[k + 2] == '.' &&
					(k + 3 == n || out[k + 3] == '/')));
			}
		}
	} else {
		CHECK(n == -400);
	}
	free(out);
}

static void check_request(const uint8_t *base, int rc,
			  const struct spate_http_parser *p)
{
	const struct spate_http_request *r = &p->req;
	const char *v;
	size_t vlen;
	uint64_t u;

	CHECK(r->head_len == rc);
	CHECK(r->version_major == 1 && r->version_minor <= 1);
	span_ok(r->method, rc);
	span_ok(r->target, rc);
	span_ok(r->path, rc);
	span_ok(r->query, rc);
	span_ok(r->host, rc);
	span_ok(r->request_line, rc);
	span_ok(r->range, rc);
	span_ok(r->if_none_match, rc);
	span_ok(r->if_modified_since, rc);
	span_ok(r->user_agent, rc);
	CHECK(r->header_count <= limits.max_headers);
	CHECK(r->request_line.len <= limits.max_request_line);
	if (r->flags & SPATE_HTTP_REQ_HAS_BODY)
		CHECK(r->method_id != SPATE_HTTP_METHOD_GET &&
		      r->method_id != SPATE_HTTP_METHOD_HEAD);
	check_path(base, r);
	if (spate_http_query_get((const char *)base + r->query.off,
				 r->query.len, "_HLS_msn", &v, &vlen))
		CHECK(v >= (const char *)base + r->query.off &&
		      v + vlen <=
			      (const char *)base + r->query.off + r->query.len);
	(void)spate_http_query_get_u64((const char *)base + r->query.off,
				       r->query.len, "_HLS_part", &u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spate_http_parser whole, split, bytes;
	const uint8_t *s;
	size_t n, at, off;
	uint8_t *prefix;
	int rc, rc2, rc3 = 0;

	if (size < 1)
		return 0;
	s = data + 1;
	n = size - 1;
	at = n ? (size_t)data[0] * n / 255 : 0;

	spate_http_parser_init(&whole, &limits);
	rc = spate_http_parse(&whole, s, n);
	CHECK(rc >= -505 && rc <= (int)n);

	/* Two pieces; the first from a buffer of exactly `at` bytes. */
	spate_http_parser_init(&split, &limits);
	prefix = malloc(at ? at : 1);
	CHECK(prefix != NULL);
	memcpy(prefix, s, at);
	rc2 = spate_http_parse(&split, prefix, at);
	free(prefix);
	if (rc2 == SPATE_HTTP_PARSE_INCOMPLETE)
		rc2 = spate_http_parse(&split, s, n);
	CHECK(rc2 == rc);

	spate_http_parser_init(&bytes, &limits);
	for (size_t k = 1; k <= n; k++) {
		rc3 = spate_http_parse(&bytes, s, k);
		if (rc3 != SPATE_HTTP_PARSE_INCOMPLETE)
			break;
	}
	CHECK(rc3 == rc);
	CHECK(whole.error == split.error && whole.error == bytes.error);
	if (rc < 0)
		CHECK(whole.error != SPATE_HTTP_PERR_NONE);
	if (rc <= 0)
		return 0;
	CHECK(memcmp(&whole.req, &split.req, sizeof(whole.req)) == 0);
	CHECK(memcmp(&whole.req, &bytes.req, sizeof(whole.req)) == 0);
	check_request(s, rc, &whole);

	/* Pipelined heads behind the first. */
	off = (size_t)rc;
	for (int k = 0; k < 16 && off < n; k++) {
		spate_http_parser_reset(&whole);
		rc = spate_http_parse(&whole, s + off, n - off);
		if (rc <= 0)
			break;
		check_request(s + off, rc, &whole);
		off += (size_t)rc;
	}
	return 0;
}
