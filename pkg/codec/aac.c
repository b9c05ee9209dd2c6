/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AAC: AudioSpecificConfig parsing (ISO/IEC 14496-3 1.6.2.1, GASpecific-
 * Config 4.4.1, program_config_element 4.4.1.1), ADTS headers (1.A.2.2)
 * turned into an AudioSpecificConfig, the "mp4a.40.<aot>" codec string
 * (RFC 6381 3.3), and stripping ADTS headers from frames.
 *
 * Supported: the general-audio object types that an MP4 audio sample entry
 * commonly carries (Main, LC, SSR, LTP, Scalable, TwinVQ) and SBR/PS
 * signalled explicitly (object type 5 or 29 in front, or the backward
 * compatible 0x2b7 sync extension behind).  Error-resilient and newer types
 * (ER-LC, ELD, USAC, ...) return -ENOTSUP.
 *
 * With SBR signalled, the track runs at the SBR output rate and a frame is
 * 2048 (1920) output samples, which is what a decoder hands out and what
 * libavformat puts in sample entries.  Implicit SBR cannot be seen in the
 * config, so such streams are described at the core rate with 1024-sample
 * frames; durations stay consistent either way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bitreader.h"
#include "codec_internal.h"

#define AOT_SBR		5
#define AOT_PS		29
#define AOT_ESCAPE	31
#define ADTS_HEADER_LEN 7
#define ADTS_CRC_LEN	2

static const uint32_t aac_sample_rates[13] = {
	96000, 88200, 64000, 48000, 44100, 32000, 24000,
	22050, 16000, 12000, 11025, 8000,  7350,
};

/* channelConfiguration -> channels; 0 means "see the PCE". */
static const uint8_t aac_channels[16] = {
	0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0,
};

struct asc_info {
	unsigned
		signalled_aot; /* first object type, used in the codec string */
	unsigned core_aot;
	uint32_t core_rate;
	uint32_t sbr_rate; /* 0 without explicit SBR */
	unsigned channels;
	unsigned ps;
	unsigned frame_length_flag;
};

static unsigned read_aot(struct bitreader *br)
{
	unsigned aot = br_u(br, 5);

	return aot == AOT_ESCAPE ? 32 + br_u(br, 6) : aot;
}

static int read_rate(struct bitreader *br, uint32_t *rate)
{
	unsigned idx = br_u(br, 4);

	if (idx == 15)
		*rate = br_u(br, 24);
	else if (idx < 13)
		*rate = aac_sample_rates[idx];
	else
		return -EINVAL;
	return br_ok(br) && *rate != 0 ? 0 : -EINVAL;
}

/* program_config_element(): we only need the channel count. */
static int pce_channels(struct bitreader *br, unsigned *channels)
{
	unsigned front, side, back, lfe, assoc, cc, n = 0;

	br_skip(br, 4 + 2 + 4); /* tag, object_type, sampling index */
	front = br_u(br, 4);
	side = br_u(br, 4);
	back = br_u(br, 4);
	lfe = br_u(br, 2);
	assoc = br_u(br, 3);
	cc = br_u(br, 4);
	if (br_flag(br)) /* mono_mixdown_present */
		br_skip(br, 4);
	if (br_flag(br)) /* stereo_mixdown_present */
		br_skip(br, 4);
	if (br_flag(br)) /* matrix_mixdown_idx_present */
		br_skip(br, 3);
	for (unsigned i = 0; i < front + side + back; i++) {
		n += br_flag(br) ? 2 : 1; /* is_cpe */
		br_skip(br, 4);
	}
	n += lfe;
	br_skip(br, 4 * lfe + 4 * assoc + 5 * cc);
	/* byte_alignment() counts from the start of the AudioSpecificConfig */
	br_skip(br, (8 - br->pos_bits % 8) % 8);
	br_skip(br, 8 * (size_t)br_u(br, 8)); /* comment_field_data */
	if (!br_ok(br) || n == 0)
		return -EINVAL;
	*channels = n;
	return 0;
}

/* The 0x2b7 sync extension after the GA config (explicit, compatible). */
static void parse_sync_extension(struct bitreader *br, struct asc_info *a)
{
	uint32_t rate;

	if (br_bits_left(br) < 16 || br_u(br, 11) != 0x2b7)
		return;
	if (read_aot(br) != AOT_SBR || !br_flag(br)) /* sbrPresentFlag */
		return;
	if (read_rate(br, &rate) < 0)
		return;
	a->sbr_rate = rate;
	if (br_bits_left(br) >= 12 && br_u(br, 11) == 0x548 && br_flag(br))
		a->ps = 1;
}

static int parse_asc(const uint8_t *data, size_t len, struct asc_info *a)
{
	struct bitreader br;
	unsigned chan_cfg, extension_flag;
	int rc;

	memset(a, 0, sizeof(*a));
	br_init(&br, data, len);
	a->signalled_aot = a->core_aot = read_aot(&br);
	rc = read_rate(&br, &a->core_rate);
	if (rc < 0)
		return rc;
	chan_cfg = br_u(&br, 4);
	if (a->core_aot == AOT_SBR || a->core_aot == AOT_PS) {
		a->ps = a->core_aot == AOT_PS;
		rc = read_rate(&br, &a->sbr_rate);
		if (rc < 0)
			return rc;
		a->core_aot = read_aot(&br);
	}
	switch (a->core_aot) {
	case 1:
	case 2:
	case 3:
	case 4:
	case 6:
	case 7:
		break;
	case 0:
		return -EINVAL; /* "null" object */
	default:
		return br_ok(&br) ? -ENOTSUP : -EINVAL;
	}
	/* GASpecificConfig */
	a->frame_length_flag = br_flag(&br);
	if (br_flag(&br)) /* dependsOnCoreCoder */
		br_skip(&br, 14);
	extension_flag = br_flag(&br);
	if (!br_ok(&br))
		return -EINVAL;
	if (chan_cfg == 0) {
		rc = pce_channels(&br, &a->channels);
		if (rc < 0)
			return rc;
	} else {
		a->channels = aac_channels[chan_cfg];
		if (a->channels == 0)
			return -EINVAL;
	}
	if (a->core_aot == 6) /* layerNr */
		br_skip(&br, 3);
	if (extension_flag) /* only extensionFlag3 applies to these types */
		br_skip(&br, 1);
	if (!br_ok(&br))
		return -EINVAL;
	if (a->sbr_rate == 0)
		parse_sync_extension(&br, a);
	/* Parametric stereo always decodes to two channels. */
	if (a->ps && a->channels == 1)
		a->channels = 2;
	return 0;
}

static int configure_from_asc(struct spate_track_info *t, const uint8_t *asc,
			      size_t len)
{
	struct asc_info a;
	unsigned frame = 1024;
	int rc;

	if (len < 2 || len > sizeof(t->config))
		return -EINVAL;
	rc = parse_asc(asc, len, &a);
	if (rc < 0)
		return rc;
	if (a.frame_length_flag)
		frame = 960;
	t->sample_rate = a.core_rate;
	if (a.sbr_rate != 0) {
		/* Dual-rate SBR doubles the output; downsampled SBR does not.
		 */
		if (a.sbr_rate == 2 * a.core_rate)
			frame *= 2;
		t->sample_rate = a.sbr_rate;
	}
	t->channels = a.channels;
	t->frame_samples = frame;
	memcpy(t->config, asc, len);
	t->config_len = len;
	snprintf(t->codec_string, sizeof(t->codec_string), "mp4a.40.%u",
		 a.signalled_aot);
	return 0;
}

static int is_adts(const uint8_t *p, size_t len)
{
	/* syncword 0xfff and layer 00 */
	return len >= 2 && p[0] == 0xff && (p[1] & 0xf6) == 0xf0;
}

static size_t adts_header_len(const uint8_t *p)
{
	return ADTS_HEADER_LEN + ((p[1] & 0x01) ? 0 : ADTS_CRC_LEN);
}

static size_t adts_frame_len(const uint8_t *p)
{
	return (size_t)(p[3] & 0x03) << 11 | (size_t)p[4] << 3 | p[5] >> 5;
}

/*
 * adts_fixed_header -> the two-byte AudioSpecificConfig that
 * libavcodec's aac_adtstoasc filter writes for the same header.
 */
static int configure_from_adts(struct spate_track_info *t, const uint8_t *p,
			       size_t len)
{
	unsigned profile, rate_idx, chan_cfg, aot;
	uint8_t asc[2];

	if (len < ADTS_HEADER_LEN || len < adts_header_len(p))
		return -EINVAL;
	if (adts_frame_len(p) < adts_header_len(p))
		return -EINVAL;
	profile = p[2] >> 6;
	rate_idx = (p[2] >> 2) & 0x0f;
	chan_cfg = (unsigned)(p[2] & 0x01) << 2 | p[3] >> 6;
	aot = profile + 1;
	if (rate_idx > 12)
		return -EINVAL;
	/* The layout would be in a PCE inside the first raw frame. */
	if (chan_cfg == 0)
		return -ENOTSUP;
	asc[0] = (uint8_t)(aot << 3 | rate_idx >> 1);
	asc[1] = (uint8_t)((rate_idx & 1) << 7 | chan_cfg << 3);
	return configure_from_asc(t, asc, sizeof(asc));
}

int aac_configure(struct spate_track_info *t, const uint8_t *data, size_t len)
{
	/*
	 * An ASC starting 0xfff would be an escaped object type 95+, which
	 * does not exist, so the ADTS syncword is unambiguous.
	 */
	if (is_adts(data, len))
		return configure_from_adts(t, data, len);
	return configure_from_asc(t, data, len);
}

/*
 * One demuxed AAC packet -> one stored frame.  libavformat's MPEG-TS
 * demuxer hands out exactly one ADTS frame per packet; anything else
 * (several frames, several raw blocks per frame) would need splitting into
 * several samples, which this per-AU API cannot express.
 */
int aac_rewrite_frame(const uint8_t *in, size_t len, struct spate_buf *out)
{
	size_t hdr, frame;

	if (out->error)
		return out->error;
	if (len > INT32_MAX)
		return -EOVERFLOW;
	if (!is_adts(in, len)) {
		spate_buf_put(out, in, len);
		return out->error ? out->error : (int)len;
	}
	if (len < ADTS_HEADER_LEN)
		return -EINVAL;
	hdr = adts_header_len(in);
	frame = adts_frame_len(in);
	if (frame < hdr || frame > len)
		return -EINVAL;
	if (frame < len || (in[6] & 0x03) != 0)
		return -ENOTSUP;
	spate_buf_put(out, in + hdr, len - hdr);
	return out->error ? out->error : (int)(len - hdr);
}
