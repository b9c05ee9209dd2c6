/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a whole connection driven through a fake transport.
 *
 * Input: 4 control bytes, then the client's byte stream.
 *   [0] chunk size - 1: the stream is fed in pieces of this size
 *   [1] flags: 1 = call sent() after each piece, 2 = toggle "published"
 *       and resume() after each piece, 4 = EOF at the end,
 *       8 = small rx pool (borrowing fails after 2 buffers)
 *   [2] bit mask: send_header calls 0..7 that answer -EAGAIN
 *   [3] clock step per piece, x 250 ms (timers fire)
 * Limits are small (256/512/8) so 414/431 paths are reachable.
 *
 * Invariants: every header block is a well-formed HTTP/1.1 response head;
 * body references stay inside the object and match what the header
 * announced; nothing is called after close; input never claims more than
 * it was given and only takes less while parked; every borrowed buffer is
 * returned.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static uint8_t object_bytes[4096];

struct fake {
	bool closed;
	bool published;
	unsigned header_calls;
	uint8_t eagain_mask;
	uint64_t announced;
	bool expect_body;
	int rx_out;
	int rx_limit;
	uint32_t rx_size;
};

static int f_lookup(void *ctx, const char *path, size_t len, const char *q,
		    size_t qlen, struct spate_http_object *obj)
{
	struct fake *f = ctx;

	CHECK(!f->closed);
	CHECK(len >= 1 && path[0] == '/');
	CHECK(memchr(path, '\0', len) == NULL);
	(void)q;
	(void)qlen;
	if (len >= 2 && path[1] == 'b' && !f->published)
		return -EAGAIN;
	if (len >= 2 && path[1] == 'x')
		return -ENOENT;
	if (len >= 2 && path[1] == 'e')
		return -EINVAL;
	obj->body = object_bytes;
	obj->size = len * 97 % sizeof(object_bytes);
	obj->etag = len;
	obj->mtime = (time_t)(1000000 + len);
	obj->cache_class = (uint8_t)(len % SPATE_HTTP_CACHE_CLASS_MAX);
	obj->max_age_s = (uint32_t)len;
	obj->ref = f;
	return 0;
}

static void f_release(void *ctx, struct spate_http_object *obj)
{
	CHECK(obj->ref == ctx);
	CHECK(!((struct fake *)ctx)->closed);
}

static int f_send_header(void *ctx, const char *hdr, size_t len,
			 uint64_t body_len)
{
	struct fake *f = ctx;
	unsigned k = f->header_calls++;

	CHECK(!f->closed);
	CHECK(!f->expect_body);
	if (k < 8 && (f->eagain_mask >> k) & 1)
		return -EAGAIN;
	CHECK(len > 13 && len <= SPATE_HTTP_RESPONSE_MAX);
	CHECK(memcmp(hdr, "HTTP/1.1 ", 9) == 0);
	CHECK(hdr[9] >= '1' && hdr[9] <= '5');
	CHECK(memcmp(hdr + len - 4, "\r\n\r\n", 4) == 0);
	for (size_t i = 0; i + 4 < len; i++)
		CHECK(memcmp(hdr + i, "\r\n\r\n", 4) != 0);
	for (size_t i = 0; i < len; i++)
		CHECK(hdr[i] == '\r' || hdr[i] == '\n' ||
		      ((unsigned char)hdr[i] >= 0x20 &&
		       (unsigned char)hdr[i] < 0x7f));
	f->announced = body_len;
	f->expect_body = body_len > 0;
	return 0;
}

static int f_send_body_ref(void *ctx, const struct spate_http_object *obj,
			   uint64_t off, uint64_t len)
{
	struct fake *f = ctx;

	CHECK(!f->closed);
	CHECK(f->expect_body && len == f->announced);
	CHECK(obj->ref == f && off <= obj->size && len <= obj->size - off);
	f->expect_body = false;
	return 0;
}

static void f_close(void *ctx, enum spate_http_close_reason reason)
{
	struct fake *f = ctx;

	CHECK(!f->closed);
	CHECK((unsigned)reason < SPATE_HTTP_CLOSE_REASON_MAX);
	f->closed = true;
}

static void *f_rxbuf_get(void *ctx, uint32_t *size)
{
	struct fake *f = ctx;
	void *b;

	CHECK(!f->closed);
	if (f->rx_limit >= 0 && f->rx_out >= f->rx_limit)
		return NULL;
	b = malloc(f->rx_size);
	CHECK(b != NULL);
	f->rx_out++;
	*size = f->rx_size;
	return b;
}

static void f_rxbuf_put(void *ctx, void *buf)
{
	struct fake *f = ctx;

	f->rx_out--;
	free(buf);
}

static const struct spate_http_conn_ops ops = {
	.lookup = f_lookup,
	.release = f_release,
	.send_header = f_send_header,
	.send_body_ref = f_send_body_ref,
	.close = f_close,
	.rxbuf_get = f_rxbuf_get,
	.rxbuf_put = f_rxbuf_put,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spate_http_lcore lc; /* 34 KB: keep it off the stack */
	struct spate_http_config cfg;
	struct spate_http_conn conn;
	struct fake f;
	size_t chunk, off = 0;
	uint8_t flags;
	uint64_t now = 1000, step;

	if (size < 4)
		return 0;
	chunk = (size_t)data[0] + 1;
	flags = data[1];
	step = (uint64_t)data[3] * 250;

	spate_http_config_default(&cfg);
	cfg.limits.max_request_line = 256;
	cfg.limits.max_header_bytes = 512;
	cfg.limits.max_headers = 8;
	cfg.max_keepalive_requests = 50;
	CHECK(spate_http_lcore_init(&lc, &cfg, NULL, 1700000000000LL) == 0);
	memset(&f, 0, sizeof(f));
	f.eagain_mask = data[2];
	f.rx_limit = (flags & 8) ? 2 : -1;
	f.rx_size = spate_http_rxbuf_min(&cfg);
	spate_http_conn_init(&conn, &lc, &ops, &f, NULL, now);

	data += 4;
	size -= 4;
	while (off < size && !f.closed) {
		size_t n = size - off < chunk ? size - off : chunk;
		int rc = spate_http_conn_input(&conn, data + off, n, now);

		if (rc < 0) {
			CHECK(rc == -EPIPE && f.closed);
			break;
		}
		CHECK((size_t)rc <= n);
		if ((size_t)rc < n)
			CHECK(spate_http_conn_state(&conn) ==
			      SPATE_HTTP_CONN_WAITING);
		off += (size_t)rc;
		if (flags & 1)
			spate_http_conn_sent(&conn, now);
		if (flags & 2) {
			f.published = !f.published;
			if (spate_http_conn_resume(&conn, now) < 0)
				break;
		}
		now += step;
		if (spate_http_conn_timer(&conn, now) < 0)
			break;
		if ((size_t)rc < n && !f.closed &&
		    spate_http_conn_state(&conn) == SPATE_HTTP_CONN_WAITING) {
			/* The transport frees up; the content shows up. */
			f.published = true;
			f.eagain_mask = 0;
			if (spate_http_conn_resume(&conn, now) < 0)
				break;
			CHECK(spate_http_conn_state(&conn) !=
			      SPATE_HTTP_CONN_WAITING);
		}
	}
	CHECK(!f.expect_body);
	if (!f.closed && (flags & 4))
		(void)spate_http_conn_eof(&conn, now);
	if (!f.closed) {
		(void)spate_http_conn_timer(&conn, now + 3600 * 1000);
		spate_http_conn_fini(&conn);
	}
	CHECK(f.rx_out == 0);
	CHECK(lc.stats.conns_closed == 1 && lc.stats.conns_opened == 1);
	return 0;
}
