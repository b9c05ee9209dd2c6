/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAL unit framing shared by H.264 and HEVC: walking Annex B byte streams
 * and length-prefixed streams, removing emulation prevention bytes so the
 * RBSP can be parsed, and rewriting an access unit into the 4-byte
 * length-prefixed form CMAF stores.
 *
 * This file knows NAL framing and the few NAL unit types that decide what
 * is dropped or what makes a sync sample; it does not parse parameter sets
 * (h264.c, hevc.c do).
 */
#ifndef SPATE_PKG_CODEC_NAL_H
#define SPATE_PKG_CODEC_NAL_H

#include <stddef.h>
#include <stdint.h>

#include "../buf.h"

/* Walks NAL units of one buffer, Annex B (length_size 0) or 1..4. */
struct nal_iter {
	const uint8_t *pos;
	const uint8_t *end;
	unsigned length_size;
};

void nal_iter_init(struct nal_iter *it, const uint8_t *data, size_t len,
		   unsigned length_size);

/*
 * Returns 1 with *nal and *nal_len set to the next non-empty NAL unit (header
 * byte(s) included; Annex B trailing zero bytes trimmed), 0 at the end, or
 * -EINVAL on framing errors: a length running past the buffer, or Annex B
 * input with non-zero bytes before its first start code.
 */
int nal_iter_next(struct nal_iter *it, const uint8_t **nal, size_t *nal_len);

/* True when data begins (after any zero bytes) with a 00 00 01 start code. */
int nal_is_annexb(const uint8_t *data, size_t len);

/*
 * Copies a NAL unit to dst without its emulation prevention bytes
 * (00 00 03 -> 00 00), stopping at dst_cap.  Parsers only need the head of
 * an SPS, so truncation is not an error here: the bit reader reports a
 * short read if the parse actually needed the missing part.
 */
size_t nal_unescape(uint8_t *dst, size_t dst_cap, const uint8_t *src,
		    size_t len);

/*
 * Rewrites an H.264 (hevc == 0) or HEVC (hevc == 1) access unit into
 * 4-byte length-prefixed NAL units appended to out, dropping access unit
 * delimiters.  *is_sync is set when the AU holds an IDR (H.264) or IRAP
 * (HEVC) slice.  Returns bytes appended or a negative errno; on error
 * out->len is restored.
 */
int nal_rewrite_au(int hevc, const uint8_t *in, size_t len,
		   unsigned in_length_size, struct spate_buf *out,
		   int *is_sync);

#endif /* SPATE_PKG_CODEC_NAL_H */
