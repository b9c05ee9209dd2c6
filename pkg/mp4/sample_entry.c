/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sample entries for the codecs spate packages.  The decoder configuration
 * record arrives ready-made in spate_track_info.config (pkg/codec builds
 * it); this file only frames it in the sample entry the codec's ISO BMFF
 * binding asks for and never parses or rewrites it, beyond a cheap check of
 * its first byte so that Annex B extradata handed over by mistake is refused
 * instead of producing an init segment no player can decode.
 *
 * Choices, each deterministic:
 *  - avc1/hvc1 (parameter sets in the record) rather than avc3/hev1, as
 *    CMAF and HLS want for switchable tracks.
 *  - pasp only when the sample aspect ratio is known and not square: absence
 *    means 1:1 (ISO/IEC 14496-12 12.1.4), so writing it always would only
 *    add bytes.  The ratio is written as given, not reduced.
 *  - btrt only when a bitrate is known: a zero btrt says nothing.
 *    bufferSizeDB is 0 because the packager does not know it up front.
 *  - esds descriptors use the shortest size encoding and ES_ID 0, which is
 *    what ISO/IEC 14496-14 3.1.2 asks for in a file (the track is the id).
 */
#include "sample_entry.h"

#include <errno.h>
#include <string.h>

#include "box.h"

/* ISO/IEC 14496-1 descriptor tags and values used in esds. */
#define MP4_ES_DESCR_TAG	      3
#define MP4_DECODER_CONFIG_DESCR_TAG  4
#define MP4_DECODER_SPECIFIC_INFO_TAG 5
#define MP4_SL_CONFIG_DESCR_TAG	      6
#define MP4_OTI_AAC		      0x40 /* Audio ISO/IEC 14496-3 */
#define MP4_STREAM_TYPE_AUDIO	      0x05
#define MP4_SL_PREDEFINED_MP4	      2

/* Smallest valid records: fixed header fields with no parameter sets. */
#define AVCC_MIN_BYTES 7
#define HVCC_MIN_BYTES 23
#define AV1C_MIN_BYTES 4
#define DOPS_MIN_BYTES 11
#define ASC_MIN_BYTES  2

static int config_check(const struct spate_track_info *t)
{
	size_t min;
	uint8_t first;

	switch (t->codec) {
	case SPATE_CODEC_H264: /* configurationVersion 1 */
		min = AVCC_MIN_BYTES;
		first = 0x01;
		break;
	case SPATE_CODEC_HEVC: /* configurationVersion 1 */
		min = HVCC_MIN_BYTES;
		first = 0x01;
		break;
	case SPATE_CODEC_AV1: /* marker 1, version 1 */
		min = AV1C_MIN_BYTES;
		first = 0x81;
		break;
	case SPATE_CODEC_OPUS: /* dOps Version 0 */
		min = DOPS_MIN_BYTES;
		first = 0x00;
		break;
	case SPATE_CODEC_AAC: /* AudioSpecificConfig: any object type */
		return t->config_len >= ASC_MIN_BYTES &&
				       t->config_len <= SPATE_CODEC_CONFIG_MAX
			       ? 0
			       : -EINVAL;
	default:
		return -EINVAL;
	}
	if (t->config_len < min || t->config_len > SPATE_CODEC_CONFIG_MAX ||
	    t->config[0] != first)
		return -EINVAL;
	return 0;
}

int mp4_sample_entry_check(const struct spate_track_info *t)
{
	switch (t->type) {
	case SPATE_MEDIA_VIDEO:
		if (t->codec != SPATE_CODEC_H264 &&
		    t->codec != SPATE_CODEC_HEVC && t->codec != SPATE_CODEC_AV1)
			return -EINVAL;
		/* VisualSampleEntry width and height are 16-bit. */
		if (t->width == 0 || t->width > UINT16_MAX || t->height == 0 ||
		    t->height > UINT16_MAX)
			return -EINVAL;
		break;
	case SPATE_MEDIA_AUDIO:
		if (t->codec != SPATE_CODEC_AAC && t->codec != SPATE_CODEC_OPUS)
			return -EINVAL;
		if (t->channels == 0 || t->channels > UINT16_MAX)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return config_check(t);
}

static int sar_is_square(const struct spate_track_info *t)
{
	return t->sar_num == 0 || t->sar_den == 0 || t->sar_num == t->sar_den;
}

static void put_btrt(struct spate_buf *b, const struct spate_track_info *t)
{
	size_t box;
	uint32_t max_bps = t->max_bitrate_bps;

	if (t->avg_bitrate_bps == 0 && t->max_bitrate_bps == 0)
		return;
	/* A peak below the average is a caller slip; never advertise it. */
	if (max_bps < t->avg_bitrate_bps)
		max_bps = t->avg_bitrate_bps;
	box = mp4_box_open(b, "btrt");
	spate_buf_put_be32(b, 0); /* bufferSizeDB: unknown */
	spate_buf_put_be32(b, max_bps);
	spate_buf_put_be32(b, t->avg_bitrate_bps);
	mp4_box_close(b, box);
}

static void put_config_box(struct spate_buf *b, const char *type,
			   const struct spate_track_info *t)
{
	size_t box = mp4_box_open(b, type);

	spate_buf_put(b, t->config, t->config_len);
	mp4_box_close(b, box);
}

/*
 * VisualSampleEntry (ISO/IEC 14496-12 12.1.3).  `type` is the codec's
 * four-character code today; encryption will pass "encv" and append sinf
 * after btrt.
 */
static void put_visual_entry(struct spate_buf *b, const char *type,
			     const struct spate_track_info *t)
{
	/* AV1-ISOBMFF 2.3.3 recommends this compressorname; others stay 0. */
	static const char av1_compressor[] = "\012AOM Coding";
	const char *config_type;
	size_t entry, box;
	uint8_t compressorname[32] = {0};

	switch (t->codec) {
	case SPATE_CODEC_H264:
		config_type = "avcC";
		break;
	case SPATE_CODEC_HEVC:
		config_type = "hvcC";
		break;
	default:
		config_type = "av1C";
		memcpy(compressorname, av1_compressor,
		       sizeof(av1_compressor) - 1);
		break;
	}

	entry = mp4_box_open(b, type);
	spate_buf_put_zero(b, 6);  /* SampleEntry reserved */
	spate_buf_put_be16(b, 1);  /* data_reference_index: the one url */
	spate_buf_put_zero(b, 16); /* pre_defined, reserved, pre_defined[3] */
	spate_buf_put_be16(b, (uint16_t)t->width);
	spate_buf_put_be16(b, (uint16_t)t->height);
	spate_buf_put_be32(b, 0x00480000); /* horizresolution 72 dpi */
	spate_buf_put_be32(b, 0x00480000); /* vertresolution 72 dpi */
	spate_buf_put_be32(b, 0);	   /* reserved */
	spate_buf_put_be16(b, 1);	   /* frame_count */
	spate_buf_put(b, compressorname, sizeof(compressorname));
	spate_buf_put_be16(b, 0x0018); /* depth: colour, no alpha */
	spate_buf_put_be16(b, 0xffff); /* pre_defined = -1 */
	put_config_box(b, config_type, t);
	if (!sar_is_square(t)) {
		box = mp4_box_open(b, "pasp");
		spate_buf_put_be32(b, t->sar_num); /* hSpacing */
		spate_buf_put_be32(b, t->sar_den); /* vSpacing */
		mp4_box_close(b, box);
	}
	put_btrt(b, t);
	/* encv: sinf(frma, schm, schi(tenc)) goes here. */
	mp4_box_close(b, entry);
}

/* ES_Descriptor around the AudioSpecificConfig (ISO/IEC 14496-14 3.1.2). */
static void put_esds(struct spate_buf *b, const struct spate_track_info *t)
{
	uint32_t dsi_body = (uint32_t)t->config_len;
	uint32_t dcd_body =
		13 + (uint32_t)mp4_descriptor_header_size(dsi_body) + dsi_body;
	uint32_t sl_body = 1;
	uint32_t es_body =
		3 + (uint32_t)mp4_descriptor_header_size(dcd_body) + dcd_body +
		(uint32_t)mp4_descriptor_header_size(sl_body) + sl_body;
	uint32_t max_bps = t->max_bitrate_bps;
	size_t box;

	if (max_bps < t->avg_bitrate_bps)
		max_bps = t->avg_bitrate_bps;

	box = mp4_full_box_open(b, "esds", 0, 0);
	mp4_put_descriptor_header(b, MP4_ES_DESCR_TAG, es_body);
	spate_buf_put_be16(b, 0); /* ES_ID: 0 in files, the track names it */
	spate_buf_put_u8(b, 0);	  /* no dependsOn, URL, OCR; priority 0 */
	mp4_put_descriptor_header(b, MP4_DECODER_CONFIG_DESCR_TAG, dcd_body);
	spate_buf_put_u8(b, MP4_OTI_AAC);
	/* streamType(6) upStream(1) reserved(1) = 1 */
	spate_buf_put_u8(b, (uint8_t)(MP4_STREAM_TYPE_AUDIO << 2 | 1));
	spate_buf_put_be24(b, 0); /* bufferSizeDB: unknown */
	spate_buf_put_be32(b, max_bps);
	spate_buf_put_be32(b, t->avg_bitrate_bps);
	mp4_put_descriptor_header(b, MP4_DECODER_SPECIFIC_INFO_TAG, dsi_body);
	spate_buf_put(b, t->config, t->config_len);
	mp4_put_descriptor_header(b, MP4_SL_CONFIG_DESCR_TAG, sl_body);
	spate_buf_put_u8(b, MP4_SL_PREDEFINED_MP4);
	mp4_box_close(b, box);
}

/*
 * AudioSampleEntry (ISO/IEC 14496-12 12.2.3), version 0.  The 16.16
 * samplerate cannot hold rates above 65535 Hz; those write 0 and leave the
 * rate to the decoder configuration, as 96 kHz AAC files commonly do.  Opus
 * always declares 48000 (Opus-in-ISOBMFF 4.3).
 */
static void put_audio_entry(struct spate_buf *b, const char *type,
			    const struct spate_track_info *t)
{
	uint32_t rate = t->codec == SPATE_CODEC_OPUS ? 48000 : t->sample_rate;
	size_t entry = mp4_box_open(b, type);

	spate_buf_put_zero(b, 6); /* SampleEntry reserved */
	spate_buf_put_be16(b, 1); /* data_reference_index */
	spate_buf_put_zero(b, 8); /* reserved[2] */
	spate_buf_put_be16(b, (uint16_t)t->channels);
	spate_buf_put_be16(b, 16); /* samplesize */
	spate_buf_put_be16(b, 0);  /* pre_defined */
	spate_buf_put_be16(b, 0);  /* reserved */
	spate_buf_put_be32(b, rate <= UINT16_MAX ? rate << 16 : 0);
	if (t->codec == SPATE_CODEC_AAC)
		put_esds(b, t);
	else
		put_config_box(b, "dOps", t);
	put_btrt(b, t);
	/* enca: sinf(frma, schm, schi(tenc)) goes here. */
	mp4_box_close(b, entry);
}

void mp4_put_sample_entry(struct spate_buf *b, const struct spate_track_info *t)
{
	switch (t->codec) {
	case SPATE_CODEC_H264:
		put_visual_entry(b, "avc1", t);
		break;
	case SPATE_CODEC_HEVC:
		put_visual_entry(b, "hvc1", t);
		break;
	case SPATE_CODEC_AV1:
		put_visual_entry(b, "av01", t);
		break;
	case SPATE_CODEC_AAC:
		put_audio_entry(b, "mp4a", t);
		break;
	default:
		put_audio_entry(b, "Opus", t);
		break;
	}
}
