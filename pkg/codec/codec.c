/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public face of pkg/codec (codec.h): argument checks, dispatch to the
 * per-codec files, and the rules every codec shares: a failed call leaves
 * the caller's track untouched, and stream hints never override what the
 * caller configured.
 *
 * Codec knowledge lives in h264.c, hevc.c, av1.c, aac.c, opus.c and nal.c;
 * this file must not grow any.
 */
#include <errno.h>
#include <string.h>

#include "codec.h"
#include "codec_internal.h"
#include "nal.h"

#define VIDEO_TIMESCALE 90000
/* Timing hints beyond this are encoder timebases, not frame rates. */
#define FRAME_RATE_HINT_MAX 1000

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

void codec_set_frame_rate_hint(struct spate_track_info *t, uint64_t num,
			       uint64_t den)
{
	uint64_t g;

	if (t->frame_rate_num != 0 || num == 0 || den == 0)
		return;
	g = gcd64(num, den);
	num /= g;
	den /= g;
	if (num > UINT32_MAX || den > UINT32_MAX ||
	    num > FRAME_RATE_HINT_MAX * den)
		return;
	t->frame_rate_num = (uint32_t)num;
	t->frame_rate_den = (uint32_t)den;
}

static int codec_media_type(enum spate_codec_id codec)
{
	switch (codec) {
	case SPATE_CODEC_H264:
	case SPATE_CODEC_HEVC:
	case SPATE_CODEC_AV1:
		return SPATE_MEDIA_VIDEO;
	case SPATE_CODEC_AAC:
	case SPATE_CODEC_OPUS:
		return SPATE_MEDIA_AUDIO;
	default:
		return SPATE_MEDIA_NONE;
	}
}

int spate_codec_configure(struct spate_track_info *t, const uint8_t *extradata,
			  size_t len)
{
	struct spate_track_info next;
	int rc;

	if (t == NULL || extradata == NULL || len == 0)
		return -EINVAL;
	if (codec_media_type(t->codec) == SPATE_MEDIA_NONE)
		return -ENOTSUP;
	if (codec_media_type(t->codec) != (int)t->type)
		return -EINVAL;
	/*
	 * Work on a copy: parsers fill fields as they go, and the input may
	 * even be t->config itself (re-configuring from our own record).
	 */
	next = *t;
	switch (t->codec) {
	case SPATE_CODEC_H264:
		rc = h264_configure(&next, extradata, len);
		break;
	case SPATE_CODEC_HEVC:
		rc = hevc_configure(&next, extradata, len);
		break;
	case SPATE_CODEC_AV1:
		rc = av1_configure(&next, extradata, len);
		break;
	case SPATE_CODEC_AAC:
		rc = aac_configure(&next, extradata, len);
		break;
	case SPATE_CODEC_OPUS:
		rc = opus_configure(&next, extradata, len);
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	if (rc < 0)
		return rc;
	if (next.timescale == 0)
		next.timescale = spate_media_is_video(&next) ? VIDEO_TIMESCALE
							     : next.sample_rate;
	*t = next;
	return 0;
}

int spate_codec_sample_rewrite(const struct spate_track_info *t,
			       const uint8_t *in, size_t len,
			       unsigned in_length_size, struct spate_buf *out,
			       int *is_sync)
{
	int rc, sync = 0;

	if (t == NULL || out == NULL || is_sync == NULL ||
	    (in == NULL && len > 0))
		return -EINVAL;
	if (len > INT32_MAX)
		return -EOVERFLOW;
	switch (t->codec) {
	case SPATE_CODEC_H264:
		rc = nal_rewrite_au(0, in, len, in_length_size, out, &sync);
		break;
	case SPATE_CODEC_HEVC:
		rc = nal_rewrite_au(1, in, len, in_length_size, out, &sync);
		break;
	case SPATE_CODEC_AV1:
		rc = av1_rewrite_tu(in, len, out, &sync);
		break;
	case SPATE_CODEC_AAC:
		rc = aac_rewrite_frame(in, len, out);
		sync = 1;
		break;
	case SPATE_CODEC_OPUS:
		if (out->error)
			return out->error;
		spate_buf_put(out, in, len);
		rc = out->error ? out->error : (int)len;
		sync = 1;
		break;
	default:
		return -ENOTSUP;
	}
	if (rc >= 0)
		*is_sync = sync;
	return rc;
}

int spate_codec_detect_change(const struct spate_track_info *t,
			      const uint8_t *au, size_t len,
			      struct spate_track_info *next)
{
	struct spate_track_info candidate;
	int rc;

	if (t == NULL || next == NULL || (au == NULL && len > 0))
		return -EINVAL;
	switch (t->codec) {
	case SPATE_CODEC_H264:
		rc = h264_detect_change(t, au, len, &candidate);
		break;
	case SPATE_CODEC_HEVC:
		rc = hevc_detect_change(t, au, len, &candidate);
		break;
	case SPATE_CODEC_AV1:
		rc = av1_detect_change(t, au, len, &candidate);
		break;
	case SPATE_CODEC_AAC:
	case SPATE_CODEC_OPUS:
		/* Audio configuration never travels in stored frames. */
		return 0;
	default:
		return -ENOTSUP;
	}
	if (rc == 1)
		*next = candidate;
	return rc;
}

size_t spate_codec_strip_parameter_sets(const struct spate_track_info *t,
					uint8_t *au, size_t len)
{
	struct nal_iter it;
	const uint8_t *nal;
	size_t nal_len, out = 0;

	if (t->codec != SPATE_CODEC_HEVC)
		return len;
	nal_iter_init(&it, au, len, 4);
	while (nal_iter_next(&it, &nal, &nal_len) > 0) {
		unsigned type = nal_len > 0 ? (nal[0] >> 1) & 0x3fu : 0;

		if (type >= 32 && type <= 34) /* VPS, SPS, PPS */
			continue;
		/* Moving down over what was dropped: never past `nal`. */
		memmove(au + out, nal - 4, nal_len + 4);
		out += nal_len + 4;
	}
	return out;
}

const char *spate_codec_name(enum spate_codec_id codec)
{
	switch (codec) {
	case SPATE_CODEC_H264:
		return "H.264";
	case SPATE_CODEC_HEVC:
		return "HEVC";
	case SPATE_CODEC_AV1:
		return "AV1";
	case SPATE_CODEC_AAC:
		return "AAC";
	case SPATE_CODEC_OPUS:
		return "Opus";
	default:
		return "unknown";
	}
}
