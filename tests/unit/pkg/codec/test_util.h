/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for the pkg/codec tests: a bit writer to craft parameter sets
 * and configs that no encoder at hand produces (separate colour planes,
 * explicit frequency index, PCE channel layouts...), emulation prevention
 * to turn the crafted RBSP into a NAL unit, and track setup.
 *
 * Test-only code: it trusts its callers and asserts instead of returning
 * errors.
 */
#ifndef SPATE_TEST_CODEC_UTIL_H
#define SPATE_TEST_CODEC_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>

#include <cmocka.h>

#include "codec/codec.h"

struct test_bits {
	uint8_t data[512];
	size_t bits;
};

static inline void tb_init(struct test_bits *b)
{
	memset(b, 0, sizeof(*b));
}

static inline void tb_u(struct test_bits *b, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned bit = (unsigned)(v >> (n - 1 - i)) & 1;

		assert_true(b->bits < sizeof(b->data) * 8);
		if (bit)
			b->data[b->bits / 8] |=
				(uint8_t)(0x80 >> (b->bits % 8));
		else
			b->data[b->bits / 8] &=
				(uint8_t) ~(0x80 >> (b->bits % 8));
		b->bits++;
	}
}

static inline void tb_ue(struct test_bits *b, uint32_t v)
{
	uint64_t x = (uint64_t)v + 1;
	unsigned len = 0;

	while ((x >> len) > 1)
		len++;
	tb_u(b, len, 0);
	tb_u(b, len + 1, x);
}

static inline void tb_se(struct test_bits *b, int32_t v)
{
	tb_ue(b, v > 0 ? (uint32_t)(2 * v - 1) : (uint32_t)(-2 * (int64_t)v));
}

/* rbsp_trailing_bits(): a stop bit, then zeros to the byte boundary. */
static inline void tb_trailing(struct test_bits *b)
{
	tb_u(b, 1, 1);
	while (b->bits % 8)
		tb_u(b, 1, 0);
}

static inline void tb_align_zero(struct test_bits *b)
{
	while (b->bits % 8)
		tb_u(b, 1, 0);
}

static inline size_t tb_bytes(const struct test_bits *b)
{
	return (b->bits + 7) / 8;
}

/*
 * Appends start code + header bytes + RBSP with emulation prevention to
 * out; returns the new length.
 */
static inline size_t tb_nal_annexb(uint8_t *out, size_t off, const uint8_t *hdr,
				   size_t hdr_len, const struct test_bits *rbsp)
{
	unsigned zeros = 0;

	out[off++] = 0;
	out[off++] = 0;
	out[off++] = 0;
	out[off++] = 1;
	memcpy(out + off, hdr, hdr_len);
	off += hdr_len;
	for (size_t i = 0; i < tb_bytes(rbsp); i++) {
		uint8_t v = rbsp->data[i];

		if (zeros >= 2 && v <= 3) {
			out[off++] = 3;
			zeros = 0;
		}
		out[off++] = v;
		zeros = v == 0 ? zeros + 1 : 0;
	}
	return off;
}

static inline void track_init(struct spate_track_info *t,
			      enum spate_codec_id codec)
{
	memset(t, 0, sizeof(*t));
	t->track_id = 1;
	t->codec = codec;
	t->type = (codec == SPATE_CODEC_AAC || codec == SPATE_CODEC_OPUS)
			  ? SPATE_MEDIA_AUDIO
			  : SPATE_MEDIA_VIDEO;
	memcpy(t->language, "und", 4);
}

#define assert_config_equal(t, expected)                             \
	do {                                                         \
		assert_int_equal((t)->config_len, sizeof(expected)); \
		assert_memory_equal((t)->config, (expected),         \
				    sizeof(expected));               \
	} while (0)

#endif /* SPATE_TEST_CODEC_UTIL_H */
