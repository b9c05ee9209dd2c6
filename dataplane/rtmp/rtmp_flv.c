/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FLV tag body parsing (legacy and enhanced RTMP) and FLV framing (see
 * rtmp_flv.h).  Never copies the media; it only points into it.
 */
#include <errno.h>
#include <string.h>

#include "rtmp_flv.h"

/* Legacy FLV ids. */
#define FLV_VIDEO_AVC	   7
#define FLV_VIDEO_HEVC_EXT 12 /* non-standard, widely deployed in China */
#define FLV_AUDIO_MP3	   2
#define FLV_AUDIO_AAC	   10
#define FLV_AUDIO_EX	   9 /* E-RTMP v2 ExAudioTagHeader */
#define FLV_FRAME_KEY	   1
#define FLV_FRAME_COMMAND  5

/* E-RTMP PacketType values. */
enum {
	EX_SEQUENCE_START = 0,
	EX_CODED_FRAMES = 1,
	EX_SEQUENCE_END = 2,
	EX_CODED_FRAMES_X = 3,
	EX_METADATA = 4,
	EX_MPEG2TS_SEQUENCE_START = 5,
};

static int32_t si24(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

	return (int32_t)(v ^ 0x800000u) - 0x800000;
}

static uint32_t fourcc(const uint8_t *p)
{
	return SPATE_FOURCC(p[0], p[1], p[2], p[3]);
}

static void set_payload(struct spate_rtmp_media *m, const uint8_t *body,
			uint32_t len, uint32_t off)
{
	m->payload = body + off;
	m->payload_len = len - off;
}

/* E-RTMP v1 ExVideoTagHeader: [1 IsExHeader][3 FrameType][4 PacketType]
 * FourCC, then (hvc1/avc1 CodedFrames only) SI24 composition time. */
static int parse_ex_video(const uint8_t *b, uint32_t len,
			  struct spate_rtmp_media *m)
{
	unsigned frame_type = (b[0] >> 4) & 7, pkt = b[0] & 0x0f;
	uint32_t off = 5;

	if (len < 5)
		return -EBADMSG;
	m->ex_header = true;
	m->codec = fourcc(b + 1);
	m->keyframe = frame_type == FLV_FRAME_KEY;
	if (frame_type == FLV_FRAME_COMMAND && pkt != EX_METADATA) {
		m->packet = SPATE_RTMP_PKT_OTHER;
		set_payload(m, b, len, off);
		return 0;
	}
	switch (pkt) {
	case EX_SEQUENCE_START:
		m->packet = SPATE_RTMP_PKT_SEQUENCE_START;
		break;
	case EX_CODED_FRAMES:
		m->packet = SPATE_RTMP_PKT_CODED_FRAMES;
		if (m->codec == SPATE_RTMP_CODEC_HEVC ||
		    m->codec == SPATE_RTMP_CODEC_AVC) {
			if (len < 8)
				return -EBADMSG;
			m->cts_ms = si24(b + 5);
			off = 8;
		}
		break;
	case EX_CODED_FRAMES_X:
		m->packet = SPATE_RTMP_PKT_CODED_FRAMES;
		break;
	case EX_SEQUENCE_END:
		m->packet = SPATE_RTMP_PKT_SEQUENCE_END;
		break;
	case EX_METADATA:
		m->packet = SPATE_RTMP_PKT_METADATA;
		break;
	case EX_MPEG2TS_SEQUENCE_START:
		m->packet = SPATE_RTMP_PKT_MPEG2TS_SEQ_START;
		break;
	default: /* Multitrack, ModEx (v2): passed through */
		m->packet = SPATE_RTMP_PKT_OTHER;
		break;
	}
	set_payload(m, b, len, off);
	return 0;
}

int spate_rtmp_flv_parse_video(const uint8_t *b, uint32_t len,
			       struct spate_rtmp_media *m)
{
	memset(m, 0, sizeof(*m));
	m->type = SPATE_FLV_TAG_VIDEO;
	m->data = b;
	m->len = len;
	if (len < 1)
		return -EBADMSG;
	m->legacy_id = b[0] & 0x0f;
	if (b[0] & 0x80)
		return parse_ex_video(b, len, m);

	m->keyframe = (b[0] >> 4) == FLV_FRAME_KEY;
	if (m->legacy_id == FLV_VIDEO_AVC ||
	    m->legacy_id == FLV_VIDEO_HEVC_EXT) {
		if (len < 5)
			return -EBADMSG;
		m->codec = m->legacy_id == FLV_VIDEO_AVC
				   ? SPATE_RTMP_CODEC_AVC
				   : SPATE_RTMP_CODEC_HEVC;
		m->packet = b[1] == 0	? SPATE_RTMP_PKT_SEQUENCE_START
			    : b[1] == 1 ? SPATE_RTMP_PKT_CODED_FRAMES
			    : b[1] == 2 ? SPATE_RTMP_PKT_SEQUENCE_END
					: SPATE_RTMP_PKT_OTHER;
		m->cts_ms = si24(b + 2);
		set_payload(m, b, len, 5);
		return 0;
	}
	if ((b[0] >> 4) == FLV_FRAME_COMMAND)
		m->packet = SPATE_RTMP_PKT_OTHER;
	set_payload(m, b, len, 1);
	return 0;
}

int spate_rtmp_flv_parse_audio(const uint8_t *b, uint32_t len,
			       struct spate_rtmp_media *m)
{
	memset(m, 0, sizeof(*m));
	m->type = SPATE_FLV_TAG_AUDIO;
	m->data = b;
	m->len = len;
	m->keyframe = true;
	if (len < 1)
		return -EBADMSG;
	m->legacy_id = b[0] >> 4;
	switch (m->legacy_id) {
	case FLV_AUDIO_AAC:
		if (len < 2)
			return -EBADMSG;
		m->codec = SPATE_RTMP_CODEC_AAC;
		m->packet = b[1] == 0 ? SPATE_RTMP_PKT_SEQUENCE_START
				      : SPATE_RTMP_PKT_CODED_FRAMES;
		set_payload(m, b, len, 2);
		return 0;
	case FLV_AUDIO_EX: {
		unsigned pkt = b[0] & 0x0f;

		if (len < 5)
			return -EBADMSG;
		m->ex_header = true;
		m->codec = fourcc(b + 1);
		m->packet =
			pkt == EX_SEQUENCE_START ? SPATE_RTMP_PKT_SEQUENCE_START
			: pkt == EX_CODED_FRAMES ? SPATE_RTMP_PKT_CODED_FRAMES
			: pkt == EX_SEQUENCE_END ? SPATE_RTMP_PKT_SEQUENCE_END
						 : SPATE_RTMP_PKT_OTHER;
		set_payload(m, b, len, 5);
		return 0;
	}
	case FLV_AUDIO_MP3:
		m->codec = SPATE_RTMP_CODEC_MP3;
		/* fall through */
	default:
		set_payload(m, b, len, 1);
		return 0;
	}
}

/* ---- FLV framing ------------------------------------------------------- */

static void put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

void spate_rtmp_flv_file_header(uint8_t out[SPATE_FLV_FILE_HEADER_LEN],
				bool has_audio, bool has_video)
{
	static const uint8_t hdr[SPATE_FLV_FILE_HEADER_LEN] = {
		'F', 'L', 'V', 1, 0, 0, 0, 0, 9, 0, 0, 0, 0};

	memcpy(out, hdr, sizeof(hdr));
	out[4] = (uint8_t)((has_audio ? 4 : 0) | (has_video ? 1 : 0));
}

void spate_rtmp_flv_tag_header(uint8_t out[SPATE_FLV_TAG_HEADER_LEN],
			       uint8_t type, uint32_t timestamp_ms,
			       uint32_t body_len)
{
	out[0] = type;
	put24(out + 1, body_len);
	put24(out + 4, timestamp_ms & 0xffffff);
	out[7] = (uint8_t)(timestamp_ms >> 24);
	put24(out + 8, 0);
}

void spate_rtmp_flv_tag_trailer(uint8_t out[SPATE_FLV_TAG_TRAILER_LEN],
				uint32_t body_len)
{
	uint32_t v = body_len + SPATE_FLV_TAG_HEADER_LEN;

	out[0] = (uint8_t)(v >> 24);
	put24(out + 1, v);
}

int spate_rtmp_flv_tag(uint8_t *out, size_t cap, uint8_t type,
		       uint32_t timestamp_ms, const void *body, uint32_t len)
{
	size_t need = (size_t)len + SPATE_FLV_TAG_HEADER_LEN +
		      SPATE_FLV_TAG_TRAILER_LEN;

	if (len > 0xffffff)
		return -EINVAL;
	if (need > cap)
		return -ENOSPC;
	spate_rtmp_flv_tag_header(out, type, timestamp_ms, len);
	if (len != 0)
		memcpy(out + SPATE_FLV_TAG_HEADER_LEN, body, len);
	spate_rtmp_flv_tag_trailer(out + SPATE_FLV_TAG_HEADER_LEN + len, len);
	return (int)need;
}
