/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opus: the OpusHead identification header (RFC 7845 5.1) turned into the
 * body of the ISO BMFF 'dOps' box (Opus in ISOBMFF, "Encapsulation of Opus
 * in ISO Base Media File Format" 4.3.2).
 *
 * The two carry the same fields but OpusHead is little-endian and starts
 * with a magic and a version we must check, while dOps is big-endian with
 * Version 0.  Every demuxer in libavformat that knows Opus (Ogg, Matroska,
 * MPEG-TS, and MP4 itself, which converts dOps back) hands out an
 * OpusHead, so that is the only input form.
 *
 * Opus always decodes at 48 kHz: InputSampleRate is informational, the
 * track's sample rate is 48000 whatever the encoder was fed, and a 20 ms
 * frame is 960 samples.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codec_internal.h"

#define OPUS_HEAD_LEN	   19
#define OPUS_RATE	   48000
#define OPUS_FRAME_SAMPLES 960

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int opus_configure(struct spate_track_info *t, const uint8_t *data, size_t len)
{
	unsigned channels, family, streams = 0, coupled = 0;
	const uint8_t *mapping = NULL;
	struct bytewriter w;

	if (len < OPUS_HEAD_LEN || memcmp(data, "OpusHead", 8) != 0)
		return -EINVAL;
	/* RFC 7845 5.1: the upper nibble is the major version, only 0 known */
	if (data[8] & 0xf0)
		return -ENOTSUP;
	channels = data[9];
	family = data[18];
	if (channels == 0)
		return -EINVAL;
	if (family == 0) {
		/* RTP mapping: mono or stereo, no table */
		if (channels > 2)
			return -EINVAL;
	} else {
		if (len < OPUS_HEAD_LEN + 2 + (size_t)channels)
			return -EINVAL;
		streams = data[19];
		coupled = data[20];
		mapping = data + 21;
		if (streams == 0 || coupled > streams ||
		    streams + coupled > 255)
			return -EINVAL;
		/* Each entry names a decoded channel, or 255 for silence. */
		for (unsigned i = 0; i < channels; i++)
			if (mapping[i] != 255 &&
			    mapping[i] >= streams + coupled)
				return -EINVAL;
		if (family == 1 && channels > 8)
			return -EINVAL;
	}

	bw_init(&w, t->config, sizeof(t->config));
	bw_u8(&w, 0); /* Version */
	bw_u8(&w, channels);
	bw_be16(&w, le16(data + 10)); /* PreSkip */
	bw_be32(&w, le32(data + 12)); /* InputSampleRate */
	bw_be16(&w, le16(data + 16)); /* OutputGain, Q7.8 two's complement */
	bw_u8(&w, family);
	if (family != 0) {
		bw_u8(&w, streams);
		bw_u8(&w, coupled);
		bw_put(&w, mapping, channels);
	}
	if (w.overflow)
		return -EINVAL;
	t->config_len = w.len;
	t->sample_rate = OPUS_RATE;
	t->channels = channels;
	t->frame_samples = OPUS_FRAME_SAMPLES;
	snprintf(t->codec_string, sizeof(t->codec_string), "opus");
	return 0;
}
