/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media model shared by every pkg/ component: what a track is (codec
 * configuration, geometry, timescale) and what a sample is (timing, size,
 * flags).  Sample payload bytes travel separately, as one contiguous run per
 * fragment, so the fragment writer can emit mdat in one piece and a later
 * encryption pass can work in place.
 *
 * Nothing here knows about libavformat or DPDK.
 */
#ifndef SPATE_PKG_MEDIA_H
#define SPATE_PKG_MEDIA_H

#include <stddef.h>
#include <stdint.h>

enum spate_media_type {
	SPATE_MEDIA_NONE = 0,
	SPATE_MEDIA_VIDEO,
	SPATE_MEDIA_AUDIO,
};

enum spate_codec_id {
	SPATE_CODEC_UNKNOWN = 0,
	SPATE_CODEC_H264,
	SPATE_CODEC_HEVC,
	SPATE_CODEC_AV1,
	SPATE_CODEC_AAC,
	SPATE_CODEC_OPUS,
};

/*
 * Largest decoder configuration record we carry.  x265 puts its settings
 * SEI into hvcC (about 2.4 KB); 4 KB leaves room for big SPS/PPS sets.
 */
#define SPATE_CODEC_CONFIG_MAX 4096

/*
 * One elementary stream as it appears in a CMAF track.  Filled by
 * spate_codec_configure() (pkg/codec/codec.h) from the demuxer's extradata,
 * then read by the init-segment writer and the manifest writers.
 */
struct spate_track_info {
	uint32_t track_id; /* tkhd/tfhd track_ID, >= 1 */
	enum spate_media_type type;
	enum spate_codec_id codec;
	uint32_t timescale;  /* mdhd timescale: 90000 video, sample rate audio */
	char codec_string[48]; /* RFC 6381, e.g. "avc1.64001f", "mp4a.40.2" */
	char language[4];      /* ISO 639-2/T, "und" when unknown */
	uint32_t avg_bitrate_bps;
	uint32_t max_bitrate_bps;

	/* video */
	uint32_t width; /* coded picture size after cropping, pixels */
	uint32_t height;
	uint32_t sar_num; /* sample aspect ratio, 1:1 when unknown */
	uint32_t sar_den;
	uint32_t frame_rate_num; /* 0 when unknown */
	uint32_t frame_rate_den;

	/* audio */
	uint32_t sample_rate;
	uint32_t channels;
	uint32_t frame_samples; /* 1024 for AAC-LC, 960 typical for Opus */

	/*
	 * Decoder configuration, exactly the body of the sample-entry child
	 * box: avcC, hvcC or av1C record; AudioSpecificConfig for AAC (the
	 * writer wraps it in esds); dOps body for Opus.
	 */
	uint8_t config[SPATE_CODEC_CONFIG_MAX];
	size_t config_len;
};

#define SPATE_SAMPLE_SYNC 0x1u /* random access point (IDR / key frame) */

/*
 * One access unit inside a fragment.  Video payload is length-prefixed NAL
 * units (4-byte lengths) for H.264/HEVC, OBUs for AV1, raw frames for audio.
 */
struct spate_sample {
	int64_t dts;	   /* decode time, track timescale */
	int32_t cts;	   /* composition offset: pts - dts */
	uint32_t duration; /* track timescale */
	uint32_t size;	   /* payload bytes */
	uint32_t flags;	   /* SPATE_SAMPLE_* */
};

static inline int spate_media_is_video(const struct spate_track_info *t)
{
	return t->type == SPATE_MEDIA_VIDEO;
}

#endif /* SPATE_PKG_MEDIA_H */
