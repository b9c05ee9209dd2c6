/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a whole RTMP connection through a fake owner.
 *
 * Input: 3 control bytes, then the client's byte stream.
 *   [0] piece size - 1
 *   [1] flags: 1 = prepend a valid simple handshake (so short inputs
 *       reach the chunk stream), 2 = authorize refuses every key,
 *       4 = send fails after 4 calls, 8 = EOF at the end,
 *       16 = no message buffer to lend
 *   [2] clock step per piece, x 1 s (timers fire)
 * Limits are small (16 KB messages, 8 chunk streams).
 *
 * Invariants: nothing is called after close; media/metadata only between
 * a successful authorize and its unpublish, with the stream handle it
 * returned; every unpublish matches an authorize; the message buffer is
 * returned by the end; input consumes all it is given while open.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtmp_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

struct fake {
	bool closed;
	bool publishing;
	bool refuse;
	bool no_buf;
	int sends, send_fail_after;
	int buf_out;
	int handle;
};

static uint8_t msgbuf[20000];

static int f_send(void *ctx, const void *d, size_t len)
{
	struct fake *f = ctx;

	CHECK(!f->closed && len > 0);
	(void)d;
	if (f->send_fail_after && ++f->sends > f->send_fail_after)
		return -EPIPE;
	return 0;
}

static void f_random(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;

	CHECK(!f->closed);
	memset(buf, 0x33, len);
}

static void *f_buf_get(void *ctx, uint32_t *size)
{
	struct fake *f = ctx;

	CHECK(!f->closed && f->buf_out == 0);
	if (f->no_buf)
		return NULL;
	f->buf_out++;
	*size = sizeof(msgbuf);
	return msgbuf;
}

static void f_buf_put(void *ctx, void *buf)
{
	struct fake *f = ctx;

	CHECK(buf == msgbuf && f->buf_out == 1);
	f->buf_out--;
}

static int f_connect(void *ctx, const struct spate_rtmp_connect_info *ci)
{
	struct fake *f = ctx;

	CHECK(!f->closed && ci->app.len <= SPATE_RTMP_MAX_APP_LEN);
	return ci->app.len == 6 && !memcmp(ci->app.ptr, "reject", 6) ? -EACCES
								     : 0;
}

static int f_authorize(void *ctx, const char *app, size_t app_len,
		       const char *key, size_t key_len, void **stream)
{
	struct fake *f = ctx;

	CHECK(!f->closed && !f->publishing);
	CHECK(app_len <= SPATE_RTMP_MAX_APP_LEN && key_len > 0);
	CHECK(memchr(key, '?', key_len) == NULL);
	(void)app;
	if (f->refuse)
		return -ENOENT;
	f->publishing = true;
	*stream = &f->handle;
	return 0;
}

static int f_metadata(void *ctx, void *stream,
		      const struct spate_rtmp_metadata *md)
{
	struct fake *f = ctx;

	CHECK(!f->closed && f->publishing && stream == &f->handle);
	CHECK(md->amf_len > 0);
	return 0;
}

static int f_media(void *ctx, void *stream, const struct spate_rtmp_media *m)
{
	struct fake *f = ctx;

	CHECK(!f->closed && f->publishing && stream == &f->handle);
	CHECK(m->type == 8 || m->type == 9);
	CHECK(m->payload >= m->data &&
	      m->payload + m->payload_len == m->data + m->len);
	return 0;
}

static void f_unpublish(void *ctx, void *stream)
{
	struct fake *f = ctx;

	CHECK(!f->closed && f->publishing && stream == &f->handle);
	f->publishing = false;
}

static void f_close(void *ctx, enum spate_rtmp_close_reason r)
{
	struct fake *f = ctx;

	CHECK(!f->closed && !f->publishing && f->buf_out == 0);
	CHECK((unsigned)r < SPATE_RTMP_CLOSE_REASON_MAX);
	f->closed = true;
}

static const struct spate_rtmp_conn_ops ops = {
	.send = f_send,
	.random = f_random,
	.msgbuf_get = f_buf_get,
	.msgbuf_put = f_buf_put,
	.connect = f_connect,
	.authorize = f_authorize,
	.on_metadata = f_metadata,
	.on_media = f_media,
	.unpublish = f_unpublish,
	.close = f_close,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t hs[1 + 2 * SPATE_RTMP_HS_SIZE];
	static struct spate_rtmp_config cfg;
	static struct spate_rtmp_lcore lc;
	static struct spate_rtmp_conn conn;
	struct fake f;
	size_t step, pos = 0;
	uint64_t now = 1000, clock_step;
	uint8_t flags;

	if (size < 3)
		return 0;
	step = (size_t)data[0] + 1;
	flags = data[1];
	clock_step = (uint64_t)data[2] * 1000;
	data += 3;
	size -= 3;

	spate_rtmp_config_default(&cfg);
	cfg.max_message_bytes = 16384;
	cfg.max_chunk_streams = 8;
	CHECK(spate_rtmp_lcore_init(&lc, &cfg) == 0);
	memset(&f, 0, sizeof(f));
	f.refuse = flags & 2;
	f.send_fail_after = flags & 4 ? 4 : 0;
	f.no_buf = flags & 16;
	spate_rtmp_conn_init(&conn, &lc, &ops, &f, now);

	if (flags & 1) {
		memset(hs, 0, sizeof(hs));
		hs[0] = 3;
		if (spate_rtmp_conn_input(&conn, hs, sizeof(hs), now) < 0)
			CHECK(f.closed);
	}
	while (pos < size && !f.closed) {
		size_t n = size - pos < step ? size - pos : step;
		int rc = spate_rtmp_conn_input(&conn, data + pos, n, now);

		CHECK(rc == (int)n || (rc == -EPIPE && f.closed));
		pos += n;
		now += clock_step;
		if (!f.closed && spate_rtmp_conn_timer(&conn, now) < 0)
			CHECK(f.closed);
	}
	if (!f.closed && (flags & 8))
		CHECK(spate_rtmp_conn_eof(&conn, now) == -EPIPE && f.closed);
	spate_rtmp_conn_fini(&conn);
	CHECK(f.buf_out == 0 && !f.publishing);
	CHECK(lc.stats.conns_closed == 1);
	return 0;
}
