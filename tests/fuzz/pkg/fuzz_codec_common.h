/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the pkg/codec fuzz targets: how the first input byte picks a
 * codec, and track setup.  Keeping the mapping in one place lets one seed
 * corpus layout serve all three targets.
 */
#ifndef SPATE_FUZZ_CODEC_COMMON_H
#define SPATE_FUZZ_CODEC_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"

/* Low 3 bits of the selector byte: 0 H.264, 1 HEVC, 2 AV1, 3 AAC, 4 Opus,
 * then 5..7 wrap to the video codecs, which have the most code. */
static inline enum spate_codec_id fuzz_pick_codec(uint8_t sel)
{
	return (enum spate_codec_id)(SPATE_CODEC_H264 + (sel & 7) % 5);
}

static inline void fuzz_track_init(struct spate_track_info *t,
				   enum spate_codec_id codec)
{
	memset(t, 0, sizeof(*t));
	t->track_id = 1;
	t->codec = codec;
	t->type = (codec == SPATE_CODEC_AAC || codec == SPATE_CODEC_OPUS)
			  ? SPATE_MEDIA_AUDIO
			  : SPATE_MEDIA_VIDEO;
}

/* The only errors the codec API documents for bad input. */
static inline int fuzz_expected_error(int rc)
{
	return rc == -EINVAL || rc == -ENOTSUP || rc == -EAGAIN;
}

#endif /* SPATE_FUZZ_CODEC_COMMON_H */
