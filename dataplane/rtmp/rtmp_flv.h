/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_rtmp_flv: FLV tag bodies as RTMP carries them, and FLV framing.
 *
 * RTMP audio (8) and video (9) messages are FLV tag bodies.  This parses
 * their headers, legacy and enhanced RTMP (E-RTMP v1: ExVideoTagHeader with
 * the IsExHeader bit, FourCC hvc1 / av01 / vp09 / avc1, PacketType
 * SequenceStart / CodedFrames / CodedFramesX / SequenceEnd / Metadata /
 * MPEG2TSSequenceStart; the v2 ExAudioTagHeader's FourCC and packet type
 * too), so the ingest knows the codec and where the codec payload starts
 * without a demuxer.  The body itself is passed on untouched.
 *
 * The framing half formats an FLV file header and tags, so the ingest can
 * feed an FLV byte stream to libavformat's FLV demuxer through a callback
 * AVIO: either whole tags into a buffer (spate_rtmp_flv_tag) or just the
 * 11-byte header and 4-byte trailer around a body it holds by reference.
 *
 * Pure byte functions; no state, no allocation.
 */
#ifndef SPATE_RTMP_FLV_H
#define SPATE_RTMP_FLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPATE_FOURCC(a, b, c, d)                                       \
	((uint32_t)(uint8_t)(a) << 24 | (uint32_t)(uint8_t)(b) << 16 | \
	 (uint32_t)(uint8_t)(c) << 8 | (uint32_t)(uint8_t)(d))

#define SPATE_RTMP_CODEC_AVC  SPATE_FOURCC('a', 'v', 'c', '1')
#define SPATE_RTMP_CODEC_HEVC SPATE_FOURCC('h', 'v', 'c', '1')
#define SPATE_RTMP_CODEC_AV1  SPATE_FOURCC('a', 'v', '0', '1')
#define SPATE_RTMP_CODEC_VP9  SPATE_FOURCC('v', 'p', '0', '9')
#define SPATE_RTMP_CODEC_AAC  SPATE_FOURCC('m', 'p', '4', 'a')
#define SPATE_RTMP_CODEC_MP3  SPATE_FOURCC('.', 'm', 'p', '3')
#define SPATE_RTMP_CODEC_OPUS SPATE_FOURCC('O', 'p', 'u', 's')

/* What a media message carries, across legacy and enhanced headers. */
enum spate_rtmp_packet {
	SPATE_RTMP_PKT_CODED_FRAMES,   /* frames (legacy NALU, raw AAC) */
	SPATE_RTMP_PKT_SEQUENCE_START, /* decoder config: avcC/hvcC/av1C,
					  AudioSpecificConfig */
	SPATE_RTMP_PKT_SEQUENCE_END,
	SPATE_RTMP_PKT_METADATA,	  /* E-RTMP video metadata (AMF) */
	SPATE_RTMP_PKT_MPEG2TS_SEQ_START, /* av01 config as in MPEG-2 TS */
	SPATE_RTMP_PKT_OTHER,		  /* command frame, multitrack, ... */
};

/* One audio or video message, described. */
struct spate_rtmp_media {
	const uint8_t *data; /* the FLV tag body as received */
	uint32_t len;
	const uint8_t *payload; /* codec bytes after the tag header(s) */
	uint32_t payload_len;
	uint32_t timestamp_ms; /* RTMP timestamp (DTS), wraps at 2^32 */
	int32_t cts_ms;	       /* composition offset (PTS - DTS) */
	uint32_t codec;	       /* SPATE_RTMP_CODEC_* FourCC, 0 unknown */
	uint8_t type;	       /* 8 audio, 9 video (FLV tag type) */
	uint8_t packet;	       /* enum spate_rtmp_packet */
	uint8_t legacy_id;     /* FLV CodecID / SoundFormat nibble */
	bool keyframe;	       /* video frame type 1 (audio: always) */
	bool ex_header;	       /* enhanced RTMP header */
};

/* Parse a video / audio tag body.  0 or -EBADMSG (too short). */
int spate_rtmp_flv_parse_video(const uint8_t *body, uint32_t len,
			       struct spate_rtmp_media *m);
int spate_rtmp_flv_parse_audio(const uint8_t *body, uint32_t len,
			       struct spate_rtmp_media *m);

/* ---- FLV framing ------------------------------------------------------- */

#define SPATE_FLV_TAG_AUDIO	  8
#define SPATE_FLV_TAG_VIDEO	  9
#define SPATE_FLV_TAG_SCRIPT	  18
#define SPATE_FLV_FILE_HEADER_LEN 13 /* "FLV" header + PreviousTagSize0 */
#define SPATE_FLV_TAG_HEADER_LEN  11
#define SPATE_FLV_TAG_TRAILER_LEN 4 /* PreviousTagSize */

/* "FLV", version 1, flags, header size, then PreviousTagSize0 = 0. */
void spate_rtmp_flv_file_header(uint8_t out[SPATE_FLV_FILE_HEADER_LEN],
				bool has_audio, bool has_video);

/* Tag header: type, 24-bit size, timestamp (24 bits + extension), 0 sid. */
void spate_rtmp_flv_tag_header(uint8_t out[SPATE_FLV_TAG_HEADER_LEN],
			       uint8_t type, uint32_t timestamp_ms,
			       uint32_t body_len);

/* PreviousTagSize after a tag with body_len bytes of body. */
void spate_rtmp_flv_tag_trailer(uint8_t out[SPATE_FLV_TAG_TRAILER_LEN],
				uint32_t body_len);

/*
 * A whole tag (header, body, trailer) into out.  Returns the bytes written
 * (len + 15), -ENOSPC, or -EINVAL (len beyond 24 bits).
 */
int spate_rtmp_flv_tag(uint8_t *out, size_t cap, uint8_t type,
		       uint32_t timestamp_ms, const void *body, uint32_t len);

#endif /* SPATE_RTMP_FLV_H */
