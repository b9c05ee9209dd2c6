/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounds-checked MSB-first bit reader for codec headers (SPS, VPS, PPS,
 * AV1 sequence headers, AudioSpecificConfig).
 *
 * Reads past the end never touch memory: they return 0 and set a sticky
 * `overrun` flag, so a parser can read a whole syntax structure and check
 * once at the end, the way spate_buf callers check buf->error once.  Loops
 * whose trip count comes from the bitstream must still bound that count
 * against the spec limit, or check br_ok() inside the loop, so garbage
 * cannot make them spin.
 *
 * This file owns bit-level access only; it knows nothing about NAL units or
 * emulation prevention (see nal.h).
 */
#ifndef SPATE_PKG_CODEC_BITREADER_H
#define SPATE_PKG_CODEC_BITREADER_H

#include <stddef.h>
#include <stdint.h>

struct bitreader {
	const uint8_t *data;
	size_t size_bits;
	size_t pos_bits;
	int overrun; /* set once a read went past the end */
};

static inline void br_init(struct bitreader *br, const uint8_t *data,
			   size_t len)
{
	br->data = data;
	/* Headers are small; refusing absurd sizes keeps the shift safe. */
	br->size_bits = len < SIZE_MAX / 8 ? len * 8 : 0;
	br->pos_bits = 0;
	br->overrun = 0;
}

static inline int br_ok(const struct bitreader *br)
{
	return !br->overrun;
}

static inline size_t br_bits_left(const struct bitreader *br)
{
	return br->overrun ? 0 : br->size_bits - br->pos_bits;
}

/* Reads n bits (0..32) as an unsigned number. */
static inline uint32_t br_u(struct bitreader *br, unsigned n)
{
	uint32_t v = 0;

	if (n == 0 || br->overrun)
		return 0;
	if (n > 32 || n > br->size_bits - br->pos_bits) {
		br->overrun = 1;
		br->pos_bits = br->size_bits;
		return 0;
	}
	while (n > 0) {
		size_t byte = br->pos_bits >> 3;
		unsigned bit_off = (unsigned)(br->pos_bits & 7);
		unsigned take = 8 - bit_off;
		uint32_t bits;

		if (take > n)
			take = n;
		bits = (uint32_t)(br->data[byte] >> (8 - bit_off - take)) &
		       ((1u << take) - 1);
		/* Two shifts: take can be 8 and v may hold 24+ bits. */
		v = (uint32_t)(((uint64_t)v << take) | bits);
		br->pos_bits += take;
		n -= take;
	}
	return v;
}

static inline unsigned br_flag(struct bitreader *br)
{
	return br_u(br, 1);
}

static inline uint64_t br_u64(struct bitreader *br, unsigned n)
{
	uint64_t hi;

	if (n <= 32)
		return br_u(br, n);
	hi = br_u(br, n - 32);
	return (hi << 32) | br_u(br, 32);
}

static inline void br_skip(struct bitreader *br, size_t n)
{
	if (br->overrun)
		return;
	if (n > br->size_bits - br->pos_bits) {
		br->overrun = 1;
		br->pos_bits = br->size_bits;
		return;
	}
	br->pos_bits += n;
}

/*
 * ue(v), H.264/HEVC clause 9.2.  Valid syntax elements fit in 32 bits; a
 * code with 32 or more leading zeros is malformed and sets overrun, so
 * callers see one failure mode for "bad" and "short".
 */
static inline uint32_t br_ue(struct bitreader *br)
{
	unsigned zeros = 0;
	uint32_t suffix;

	while (!br->overrun && br_u(br, 1) == 0) {
		if (++zeros > 31) {
			br->overrun = 1;
			return 0;
		}
	}
	if (br->overrun)
		return 0;
	suffix = br_u(br, zeros);
	return (uint32_t)(((uint64_t)1 << zeros) - 1 + suffix);
}

/* se(v): 1, -1, 2, -2, ... mapped from ue(v). */
static inline int32_t br_se(struct bitreader *br)
{
	uint32_t k = br_ue(br);

	if (k & 1)
		return (int32_t)((k >> 1) + 1);
	return -(int32_t)(k >> 1);
}

#endif /* SPATE_PKG_CODEC_BITREADER_H */
