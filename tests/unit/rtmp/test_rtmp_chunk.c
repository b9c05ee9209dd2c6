/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chunk stream demuxer and muxer: fmt 0-3, the three csid forms, extended
 * timestamps (and the fmt 3 quirk), chunk size changes, abort, limits,
 * interleaving, zero copy; byte-at-a-time == whole == random splits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtmp_chunk.h"

#define MAXMSG 64

struct rec {
	uint8_t type;
	uint32_t ts, sid, csid, len;
	uint8_t data[4096];
};

struct out {
	unsigned n;
	struct rec r[MAXMSG];
	int err;
	uint8_t perr;
};

static uint8_t msgbuf[1 << 16];

/* Feeds `in` in pieces of `step` (0 = random 1..64), records messages. */
static void feed(const uint8_t *in, size_t len, size_t step, uint32_t cap,
		 uint32_t max_msg, unsigned max_csids, struct out *o,
		 struct spate_rtmp_chunk_rx *rx)
{
	size_t pos = 0;

	memset(o, 0, sizeof(*o));
	spate_rtmp_chunk_rx_init(rx, msgbuf, cap, max_msg, max_csids);
	srand(1);
	while (pos < len) {
		size_t n = step ? step : 1 + (size_t)rand() % 64;
		size_t off = 0;

		if (n > len - pos)
			n = len - pos;
		while (off < n) {
			struct spate_rtmp_msg m;
			size_t used;
			int rc = spate_rtmp_chunk_input(rx, in + pos + off,
							n - off, &used, &m);

			off += used;
			if (rc < 0) {
				o->err = rc;
				o->perr = rx->perr;
				return;
			}
			if (rc == 1) {
				struct rec *r = &o->r[o->n++];

				assert_true(o->n <= MAXMSG);
				r->type = m.type;
				r->ts = m.timestamp;
				r->sid = m.stream_id;
				r->csid = m.csid;
				r->len = m.len;
				assert_true(m.len <= sizeof(r->data));
				memcpy(r->data, m.data, m.len);
			}
		}
		pos += n;
	}
}

static void assert_same(const struct out *a, const struct out *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->err, b->err);
	for (unsigned i = 0; i < a->n; i++) {
		assert_int_equal(a->r[i].type, b->r[i].type);
		assert_int_equal(a->r[i].ts, b->r[i].ts);
		assert_int_equal(a->r[i].sid, b->r[i].sid);
		assert_int_equal(a->r[i].csid, b->r[i].csid);
		assert_int_equal(a->r[i].len, b->r[i].len);
		assert_memory_equal(a->r[i].data, b->r[i].data, a->r[i].len);
	}
}

/* Raw writers, independent of the muxer under test. */
static uint8_t *basic(uint8_t *p, unsigned fmt, uint32_t csid)
{
	if (csid < 64) {
		*p++ = (uint8_t)(fmt << 6 | csid);
	} else if (csid < 320) {
		*p++ = (uint8_t)(fmt << 6);
		*p++ = (uint8_t)(csid - 64);
	} else {
		*p++ = (uint8_t)(fmt << 6 | 1);
		*p++ = (uint8_t)((csid - 64) & 0xff);
		*p++ = (uint8_t)((csid - 64) >> 8);
	}
	return p;
}

static uint8_t *be(uint8_t *p, uint32_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint8_t *hdr0(uint8_t *p, uint32_t csid, uint32_t ts, uint32_t len,
		     uint8_t type, uint32_t sid)
{
	p = basic(p, 0, csid);
	p = be(p, ts >= 0xffffff ? 0xffffff : ts, 3);
	p = be(p, len, 3);
	*p++ = type;
	for (int i = 0; i < 4; i++)
		*p++ = (uint8_t)(sid >> (8 * i));
	if (ts >= 0xffffff)
		p = be(p, ts, 4);
	return p;
}

static uint8_t *hdr1(uint8_t *p, uint32_t csid, uint32_t d, uint32_t len,
		     uint8_t type)
{
	p = basic(p, 1, csid);
	p = be(p, d >= 0xffffff ? 0xffffff : d, 3);
	p = be(p, len, 3);
	*p++ = type;
	if (d >= 0xffffff)
		p = be(p, d, 4);
	return p;
}

static uint8_t *hdr2(uint8_t *p, uint32_t csid, uint32_t d)
{
	p = basic(p, 2, csid);
	return be(p, d, 3);
}

/* noinline: gcc -O2 with the sanitizers loses track of p's object and
 * warns (-Warray-bounds) about a memset that is in bounds. */
__attribute__((noinline)) static uint8_t *fill(uint8_t *p, uint8_t v, size_t n)
{
	memset(p, v, n);
	return p + n;
}

static struct spate_rtmp_chunk_rx rx;
static struct out o1, o2, o3;
static uint8_t in[1 << 16];

static void test_fmt_types(void **state)
{
	uint8_t *p = in;

	(void)state;
	p = hdr0(p, 3, 1000, 10, 20, 1);
	p = fill(p, 'a', 10);
	p = hdr1(p, 3, 40, 5, 8);
	p = fill(p, 'b', 5);
	p = hdr2(p, 3, 40);
	p = fill(p, 'c', 5);
	p = basic(p, 3, 3); /* new message, same delta */
	p = fill(p, 'd', 5);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, 0);
	assert_int_equal(o1.n, 4);
	assert_int_equal(o1.r[0].ts, 1000);
	assert_int_equal(o1.r[0].sid, 1);
	assert_int_equal(o1.r[0].type, 20);
	assert_int_equal(o1.r[1].ts, 1040);
	assert_int_equal(o1.r[1].type, 8);
	assert_int_equal(o1.r[1].sid, 1); /* fmt 1 keeps the stream id */
	assert_int_equal(o1.r[2].ts, 1080);
	assert_int_equal(o1.r[3].ts, 1120);
	assert_int_equal(o1.r[3].len, 5);
	assert_memory_equal(o1.r[3].data, "ddddd", 5);
}

static void test_csid_forms(void **state)
{
	static const uint32_t ids[] = {2, 63, 64, 319, 320, 1000, 65599};
	uint8_t *p = in;

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		p = hdr0(p, ids[i], (uint32_t)i, 3, 9, 1);
		p = fill(p, (uint8_t)i, 3);
	}
	feed(in, (size_t)(p - in), 1, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, 0);
	assert_int_equal(o1.n, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(o1.r[i].csid, ids[i]);
}

static void test_extended_timestamp(void **state)
{
	uint8_t *p = in;

	(void)state;
	/* 300 bytes at chunk size 128: fmt 0 + ext, then fmt 3 + ext. */
	p = hdr0(p, 4, 0x1000000, 300, 9, 1);
	p = fill(p, 'x', 128);
	p = basic(p, 3, 4);
	p = be(p, 0x1000000, 4);
	p = fill(p, 'y', 128);
	p = basic(p, 3, 4);
	p = be(p, 0x1000000, 4);
	p = fill(p, 'z', 44);
	/* fmt 1 with an extended delta, then fmt 3 new message: ext again */
	p = hdr1(p, 4, 0x1000001, 2, 9);
	p = fill(p, 'q', 2);
	p = basic(p, 3, 4);
	p = be(p, 0x1000001, 4);
	p = fill(p, 'r', 2);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, 0);
	assert_int_equal(o1.n, 3);
	assert_int_equal(o1.r[0].ts, 0x1000000);
	assert_int_equal(o1.r[0].len, 300);
	assert_int_equal(o1.r[0].data[127], 'x');
	assert_int_equal(o1.r[0].data[128], 'y');
	assert_int_equal(o1.r[0].data[299], 'z');
	assert_int_equal(o1.r[1].ts, 0x2000001);
	assert_int_equal(o1.r[2].ts, 0x3000002);
	feed(in, (size_t)(p - in), 1, sizeof(msgbuf), 1 << 16, 0, &o2, &rx);
	assert_same(&o1, &o2);
}

/* Encoders that leave the extended timestamp out of fmt 3 chunks. */
static void test_fmt3_ext_quirk(void **state)
{
	uint8_t *p = in;

	(void)state;
	p = hdr0(p, 4, 0x1000000, 300, 9, 1);
	p = fill(p, 'x', 128);
	p = basic(p, 3, 4);
	p = fill(p, 'y', 128); /* no repeat */
	p = basic(p, 3, 4);
	p = fill(p, 'z', 44);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, 0);
	assert_int_equal(o1.n, 1);
	assert_int_equal(o1.r[0].len, 300);
	assert_int_equal(o1.r[0].ts, 0x1000000);
	assert_int_equal(o1.r[0].data[128], 'y');
	assert_int_equal(o1.r[0].data[255], 'y');
	assert_int_equal(o1.r[0].data[256], 'z');
	feed(in, (size_t)(p - in), 1, sizeof(msgbuf), 1 << 16, 0, &o2, &rx);
	assert_same(&o1, &o2);
}

static void test_chunk_size_change(void **state)
{
	uint8_t *p = in;

	(void)state;
	p = hdr0(p, 2, 0, 4, 1, 0);
	p = be(p, 1, 4); /* chunk size 1 */
	p = hdr0(p, 3, 0, 3, 20, 0);
	*p++ = 'a';
	p = basic(p, 3, 3);
	*p++ = 'b';
	p = basic(p, 3, 3);
	*p++ = 'c';
	/* set chunk size 4096 (one byte per chunk now!) */
	p = hdr0(p, 2, 0, 4, 1, 0);
	*p++ = 0;
	for (int i = 1; i < 4; i++) {
		p = basic(p, 3, 2);
		*p++ = (uint8_t)(i == 2 ? 0x10 : 0);
	}
	p = hdr0(p, 6, 10, 3000, 9, 1);
	p = fill(p, 'v', 3000);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, 0);
	assert_int_equal(o1.n, 4);
	assert_memory_equal(o1.r[1].data, "abc", 3);
	assert_int_equal(o1.r[3].len, 3000);
	assert_int_equal(rx.chunk_size, 4096);
	feed(in, (size_t)(p - in), 1, sizeof(msgbuf), 1 << 16, 0, &o2, &rx);
	assert_same(&o1, &o2);

	/* invalid sizes */
	p = hdr0(in, 2, 0, 4, 1, 0);
	p = be(p, 0, 4);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, -EPROTO);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_BAD_CHUNK_SIZE);
	p = hdr0(in, 2, 0, 4, 1, 0);
	p = be(p, 0x80000000u, 4);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_BAD_CHUNK_SIZE);
	p = hdr0(in, 2, 0, 4, 1, 0);
	p = be(p, 0x7fffffffu, 4);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, 0);
}

static void test_abort(void **state)
{
	uint8_t *p = in;

	(void)state;
	p = hdr0(p, 4, 0, 200, 9, 1);
	p = fill(p, 'x', 128); /* first chunk of 2 */
	p = hdr0(p, 2, 0, 4, 2, 0);
	p = be(p, 4, 4);	    /* abort csid 4 */
	p = hdr0(p, 4, 5, 3, 9, 1); /* fmt 0 is legal again */
	p = fill(p, 'n', 3);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, 0);
	assert_int_equal(o1.n, 2);
	assert_int_equal(o1.r[0].type, 2);
	assert_int_equal(o1.r[1].len, 3);
	assert_int_equal(rx.buf_top, 0);
	/* Without the abort the fmt 0 header is a protocol error. */
	p = hdr0(in, 4, 0, 200, 9, 1);
	p = fill(p, 'x', 128);
	p = hdr0(p, 4, 5, 3, 9, 1);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_HEADER_MID_MESSAGE);
}

static void test_limits(void **state)
{
	uint8_t *p;

	(void)state;
	/* longer than max_message_bytes: refused at the header */
	p = hdr0(in, 4, 0, 5000, 9, 1);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 4096, 0, &o1, &rx);
	assert_int_equal(o1.err, -EPROTO);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_MSG_TOO_BIG);
	/* bigger than the lent buffer */
	p = hdr0(in, 4, 0, 5000, 9, 1);
	p = fill(p, 0, 10);
	feed(in, (size_t)(p - in), 0, 4096, 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_MSG_TOO_BIG);
	/* interleaved messages that together overflow the buffer */
	p = hdr0(in, 4, 0, 3000, 9, 1);
	p = fill(p, 0, 128);
	p = hdr0(p, 5, 0, 3000, 8, 1);
	p = fill(p, 0, 128);
	feed(in, (size_t)(p - in), 0, 4096, 4096, 0, &o1, &rx);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_NO_BUFFER_SPACE);
	/* chunk stream count */
	p = in;
	for (uint32_t c = 2; c < 2 + 5; c++) {
		p = hdr0(p, c, 0, 1, 9, 1);
		*p++ = 0;
	}
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 4096, 4, &o1, &rx);
	assert_int_equal(o1.n, 4);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_TOO_MANY_CSIDS);
	/* fmt 2 / 3 on a stream never seen */
	p = hdr2(in, 9, 0);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 4096, 0, &o1, &rx);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_NO_PREV_HEADER);
	p = basic(in, 3, 9);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 4096, 0, &o1, &rx);
	assert_int_equal(o1.perr, SPATE_RTMP_PERR_NO_PREV_HEADER);
	/* after an error nothing more is parsed */
	{
		struct spate_rtmp_msg m;
		size_t used;

		assert_int_equal(spate_rtmp_chunk_input(&rx, in, 1, &used, &m),
				 -EPROTO);
		assert_int_equal(used, 0);
	}
}

/* Audio chunks inside a video message: both intact, buffer drains. */
static void test_interleave_and_zero_copy(void **state)
{
	uint8_t *p = in;
	struct spate_rtmp_msg m;
	size_t used;

	(void)state;
	p = hdr0(p, 6, 0, 300, 9, 1);
	p = fill(p, 'v', 128);
	p = hdr0(p, 4, 0, 50, 8, 1);
	p = fill(p, 'a', 50);
	p = basic(p, 3, 6);
	p = fill(p, 'v', 128);
	p = hdr1(p, 4, 23, 60, 8);
	p = fill(p, 'b', 60);
	p = basic(p, 3, 6);
	p = fill(p, 'v', 44);
	feed(in, (size_t)(p - in), 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	assert_int_equal(o1.err, 0);
	assert_int_equal(o1.n, 3);
	assert_int_equal(o1.r[0].type, 8);
	assert_int_equal(o1.r[1].type, 8);
	assert_int_equal(o1.r[1].ts, 23);
	assert_int_equal(o1.r[2].type, 9);
	assert_int_equal(o1.r[2].len, 300);
	for (int i = 0; i < 300; i++)
		assert_int_equal(o1.r[2].data[i], 'v');
	assert_int_equal(rx.buf_top, 0);
	feed(in, (size_t)(p - in), 1, sizeof(msgbuf), 1 << 16, 0, &o2, &rx);
	assert_same(&o1, &o2);

	/* A one-chunk message whole in the input is not copied. */
	p = hdr0(in, 4, 0, 50, 8, 1);
	p = fill(p, 'a', 50);
	spate_rtmp_chunk_rx_init(&rx, msgbuf, sizeof(msgbuf), 1 << 16, 0);
	assert_int_equal(
		spate_rtmp_chunk_input(&rx, in, (size_t)(p - in), &used, &m),
		1);
	assert_true(m.zero_copy);
	assert_ptr_equal(m.data, in + 12);
	assert_int_equal(rx.copied, 0);
	/* Zero-length message. */
	p = hdr0(in, 4, 0, 0, 8, 1);
	spate_rtmp_chunk_rx_init(&rx, msgbuf, sizeof(msgbuf), 1 << 16, 0);
	assert_int_equal(
		spate_rtmp_chunk_input(&rx, in, (size_t)(p - in), &used, &m),
		1);
	assert_int_equal(m.len, 0);
	assert_int_equal(used, (size_t)(p - in));
}

/* Muxer output parses back to the same messages, at every split. */
static void test_muxer_round_trip(void **state)
{
	static const uint32_t csids[] = {3, 70, 400};
	static const uint32_t tss[] = {0, 0xfffffe, 0xffffff, 0x12345678};
	uint8_t payload[700];
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	/* everything at our default incoming chunk size of 128 */
	for (size_t c = 0; c < 3; c++)
		for (size_t t = 0; t < 4; t++) {
			uint32_t plen = (uint32_t)(c * 300 + t * 7);
			int n = spate_rtmp_chunk_write(
				in + len, sizeof(in) - len, 128, csids[c], 9, 1,
				tss[t], payload, plen);

			assert_true(n > 0);
			assert_int_equal((size_t)n,
					 spate_rtmp_chunk_write_size(
						 128, csids[c], tss[t], plen));
			len += (size_t)n;
		}
	feed(in, len, 0, sizeof(msgbuf), 1 << 16, 0, &o1, &rx);
	feed(in, len, 1, sizeof(msgbuf), 1 << 16, 0, &o2, &rx);
	feed(in, len, len, sizeof(msgbuf), 1 << 16, 0, &o3, &rx);
	assert_int_equal(o1.err, 0);
	assert_int_equal(o1.n, 12);
	assert_same(&o1, &o2);
	assert_same(&o1, &o3);
	for (size_t c = 0; c < 3; c++)
		for (size_t t = 0; t < 4; t++) {
			const struct rec *r = &o1.r[c * 4 + t];

			assert_int_equal(r->csid, csids[c]);
			assert_int_equal(r->ts, tss[t]);
			assert_int_equal(r->len, c * 300 + t * 7);
			assert_memory_equal(r->data, payload, r->len);
		}
	assert_int_equal(
		spate_rtmp_chunk_write(in, 10, 128, 3, 9, 1, 0, payload, 100),
		-ENOSPC);
	assert_int_equal(spate_rtmp_chunk_write(in, sizeof(in), 128, 1, 9, 1, 0,
						payload, 100),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_types),
		cmocka_unit_test(test_csid_forms),
		cmocka_unit_test(test_extended_timestamp),
		cmocka_unit_test(test_fmt3_ext_quirk),
		cmocka_unit_test(test_chunk_size_change),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_interleave_and_zero_copy),
		cmocka_unit_test(test_muxer_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
