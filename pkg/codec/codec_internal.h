/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private glue between the files of pkg/codec: the per-codec entry points
 * codec.c dispatches to, the parameter-set lists H.264 and HEVC share, and
 * a bounded writer for building configuration records in place.
 *
 * Nothing here is visible outside pkg/codec; the public API is codec.h.
 */
#ifndef SPATE_PKG_CODEC_INTERNAL_H
#define SPATE_PKG_CODEC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../buf.h"
#include "../media.h"

/*
 * Parameter-set NAL units collected from extradata, a record or an AU.
 * Entries point into the caller's input; nothing is copied.  A record that
 * fits SPATE_CODEC_CONFIG_MAX cannot hold more than a few hundred NAL
 * units, and real streams carry one or two per kind, so 32 per kind is
 * generous; more is refused with -ENOTSUP rather than silently dropped.
 */
#define PS_SET_MAX 32

enum ps_kind {
	PS_VPS = 0, /* HEVC only */
	PS_SPS,
	PS_PPS,
	PS_SPS_EXT, /* H.264 only: sequence parameter set extension */
	PS_KIND_COUNT,
};

struct nal_ref {
	const uint8_t *data;
	size_t len;
};

struct ps_set {
	struct nal_ref nal[PS_SET_MAX];
	unsigned count;
};

struct ps_sets {
	struct ps_set kind[PS_KIND_COUNT];
};

void ps_sets_clear(struct ps_sets *ps);

/* Adds a NAL unit unless a byte-identical one is already there. */
int ps_set_add(struct ps_set *s, const uint8_t *nal, size_t len);

/* 1 when a byte-identical NAL unit is in the set. */
int ps_set_contains(const struct ps_set *s, const uint8_t *nal, size_t len);

/*
 * What the shared change detector needs from H.264 or HEVC: collect
 * parameter sets from a NAL stream, read them back out of the current
 * record, and build a record (plus the track fields) from a set.
 */
struct ps_codec {
	int (*collect)(const uint8_t *data, size_t len, unsigned length_size,
		       struct ps_sets *ps);
	int (*record_parse)(const uint8_t *data, size_t len,
			    struct ps_sets *ps);
	int (*build)(struct spate_track_info *t, const struct ps_sets *ps);
};

/*
 * Configures *t from a decoder configuration record or an Annex B stream
 * holding the parameter sets (H.264 and HEVC share this shape).
 */
int ps_configure(const struct ps_codec *codec, struct spate_track_info *t,
		 const uint8_t *data, size_t len);

int ps_detect_change(const struct ps_codec *codec,
		     const struct spate_track_info *t, const uint8_t *au,
		     size_t len, struct spate_track_info *next);

/*
 * Bounded big-endian writer over a fixed array (the track's config).
 * Overflow is sticky, like spate_buf's error, so builders check once.
 */
struct bytewriter {
	uint8_t *data;
	size_t len;
	size_t cap;
	int overflow;
};

static inline void bw_init(struct bytewriter *w, uint8_t *data, size_t cap)
{
	w->data = data;
	w->len = 0;
	w->cap = cap;
	w->overflow = 0;
}

static inline void bw_put(struct bytewriter *w, const void *p, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = 1;
		return;
	}
	if (n > 0)
		memcpy(w->data + w->len, p, n);
	w->len += n;
}

static inline void bw_u8(struct bytewriter *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	bw_put(w, &b, 1);
}

static inline void bw_be16(struct bytewriter *w, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	bw_put(w, b, 2);
}

static inline void bw_be32(struct bytewriter *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};

	bw_put(w, b, 4);
}

/*
 * The part of vui_parameters() that H.264 (E.1.1) and HEVC (E.2.1) share:
 * aspect ratio (Table E-1), overscan, video signal type and chroma
 * location.  Updates sar_num/sar_den only for a valid ratio; returns
 * -EINVAL when the VUI runs short, so the caller stops reading it.
 */
struct bitreader;
int vui_parse_common(struct bitreader *br, uint32_t *sar_num,
		     uint32_t *sar_den);

/* Fills frame_rate_num/den from a stream hint unless the caller set one. */
void codec_set_frame_rate_hint(struct spate_track_info *t, uint64_t num,
			       uint64_t den);

/* Per-codec configuration (codec.c has already checked t and the input). */
int h264_configure(struct spate_track_info *t, const uint8_t *data, size_t len);
int hevc_configure(struct spate_track_info *t, const uint8_t *data, size_t len);
int av1_configure(struct spate_track_info *t, const uint8_t *data, size_t len);
int aac_configure(struct spate_track_info *t, const uint8_t *data, size_t len);
int opus_configure(struct spate_track_info *t, const uint8_t *data, size_t len);

/* Access-unit rewrite for codecs not framed in NAL units. */
int av1_rewrite_tu(const uint8_t *in, size_t len, struct spate_buf *out,
		   int *is_sync);
int aac_rewrite_frame(const uint8_t *in, size_t len, struct spate_buf *out);

/* In-band configuration change detection; same contract as the public one. */
int h264_detect_change(const struct spate_track_info *t, const uint8_t *au,
		       size_t len, struct spate_track_info *next);
int hevc_detect_change(const struct spate_track_info *t, const uint8_t *au,
		       size_t len, struct spate_track_info *next);
int av1_detect_change(const struct spate_track_info *t, const uint8_t *au,
		      size_t len, struct spate_track_info *next);

#endif /* SPATE_PKG_CODEC_INTERNAL_H */
