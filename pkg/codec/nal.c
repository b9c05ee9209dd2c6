/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAL unit framing for H.264 and HEVC: Annex B start-code scanning,
 * length-prefixed iteration, emulation prevention removal, and the
 * access-unit rewrite to 4-byte lengths.  See nal.h.
 *
 * Must not allocate except through the caller's spate_buf, and must not
 * trust any length it reads.
 */
#include "nal.h"

#include <errno.h>
#include <string.h>

/* NAL unit types this file acts on. */
#define H264_NAL_IDR	    5
#define H264_NAL_AUD	    9
#define HEVC_NAL_IRAP_FIRST 16 /* BLA_W_LP */
#define HEVC_NAL_IRAP_LAST  23 /* RSV_IRAP_VCL23 */
#define HEVC_NAL_AUD	    35

void nal_iter_init(struct nal_iter *it, const uint8_t *data, size_t len,
		   unsigned length_size)
{
	it->pos = data;
	it->end = data ? data + len : data;
	it->length_size = length_size;
}

/*
 * Points at the first byte of the next 00 00 01 in [p, end), or end.
 * memchr for the 01 is the fast part: in compressed data 01 bytes are rare
 * enough that we look at each candidate's two predecessors only.
 */
static const uint8_t *find_start_code(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q;

	if (end - p < 3)
		return end;
	q = p + 2;
	while (q < end) {
		q = memchr(q, 0x01, (size_t)(end - q));
		if (q == NULL)
			return end;
		if (q[-1] == 0 && q[-2] == 0)
			return q - 2;
		q++;
	}
	return end;
}

int nal_is_annexb(const uint8_t *data, size_t len)
{
	size_t i = 0;

	while (i < len && data[i] == 0)
		i++;
	return i >= 2 && i < len && data[i] == 1;
}

static int next_annexb(struct nal_iter *it, const uint8_t **nal,
		       size_t *nal_len)
{
	for (;;) {
		const uint8_t *sc, *start, *next, *nal_end;

		if (it->pos >= it->end)
			return 0;
		sc = find_start_code(it->pos, it->end);
		/*
		 * Only zero bytes may precede a start code: leading_zero_8bits
		 * or trailing_zero_8bits.  Anything else means the input is
		 * not Annex B (or is a length-prefixed AU passed as Annex B).
		 */
		for (const uint8_t *z = it->pos; z < sc; z++)
			if (*z != 0)
				return -EINVAL;
		if (sc == it->end) {
			it->pos = it->end;
			return 0;
		}
		start = sc + 3;
		next = find_start_code(start, it->end);
		/* A NAL unit never ends in 00: those are trailing zeros. */
		nal_end = next;
		while (nal_end > start && nal_end[-1] == 0)
			nal_end--;
		it->pos = next;
		if (nal_end > start) {
			*nal = start;
			*nal_len = (size_t)(nal_end - start);
			return 1;
		}
	}
}

static int next_length_prefixed(struct nal_iter *it, const uint8_t **nal,
				size_t *nal_len)
{
	for (;;) {
		size_t n = 0;

		if (it->pos >= it->end)
			return 0;
		if ((size_t)(it->end - it->pos) < it->length_size)
			return -EINVAL;
		for (unsigned i = 0; i < it->length_size; i++)
			n = (n << 8) | *it->pos++;
		if (n > (size_t)(it->end - it->pos))
			return -EINVAL;
		*nal = it->pos;
		*nal_len = n;
		it->pos += n;
		if (n > 0)
			return 1;
	}
}

int nal_iter_next(struct nal_iter *it, const uint8_t **nal, size_t *nal_len)
{
	if (it->pos == NULL)
		return 0;
	if (it->length_size == 0)
		return next_annexb(it, nal, nal_len);
	if (it->length_size > 4)
		return -EINVAL;
	return next_length_prefixed(it, nal, nal_len);
}

size_t nal_unescape(uint8_t *dst, size_t dst_cap, const uint8_t *src,
		    size_t len)
{
	size_t out = 0;
	unsigned zeros = 0;

	for (size_t i = 0; i < len && out < dst_cap; i++) {
		uint8_t b = src[i];

		if (zeros >= 2 && b == 3) {
			zeros = 0;
			continue;
		}
		dst[out++] = b;
		zeros = b == 0 ? zeros + 1 : 0;
	}
	return out;
}

int nal_rewrite_au(int hevc, const uint8_t *in, size_t len,
		   unsigned in_length_size, struct spate_buf *out, int *is_sync)
{
	struct nal_iter it;
	const uint8_t *nal;
	size_t nal_len, start_len = out->len;
	int sync = 0, rc;

	if (out->error)
		return out->error;
	if (in_length_size > 4)
		return -EINVAL;
	/*
	 * Output is at most input plus 4 bytes per NAL unit over a 3-byte
	 * start code or short length; reserving the input size up front
	 * makes the common case a single reservation.
	 */
	if (spate_buf_reserve(out, len + 64) < 0)
		return out->error;
	nal_iter_init(&it, in, len, in_length_size);
	while ((rc = nal_iter_next(&it, &nal, &nal_len)) > 0) {
		unsigned type;

		/* forbidden_zero_bit set means we are not looking at a NAL. */
		if (nal[0] & 0x80)
			goto bad;
		if (hevc) {
			if (nal_len < 2)
				goto bad;
			type = (nal[0] >> 1) & 0x3f;
			if (type == HEVC_NAL_AUD)
				continue;
			if (type >= HEVC_NAL_IRAP_FIRST &&
			    type <= HEVC_NAL_IRAP_LAST)
				sync = 1;
		} else {
			type = nal[0] & 0x1f;
			if (type == H264_NAL_AUD)
				continue;
			if (type == H264_NAL_IDR)
				sync = 1;
		}
		if (nal_len > UINT32_MAX)
			goto bad;
		spate_buf_put_be32(out, (uint32_t)nal_len);
		spate_buf_put(out, nal, nal_len);
	}
	if (rc < 0)
		goto bad;
	if (out->error) {
		out->len = start_len;
		return out->error;
	}
	if (out->len - start_len > INT32_MAX) {
		out->len = start_len;
		return -EOVERFLOW;
	}
	*is_sync = sync;
	return (int)(out->len - start_len);
bad:
	out->len = start_len;
	return -EINVAL;
}
