/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AV1: OBU framing (AV1 spec 5.3, low-overhead bitstream format), sequence
 * header parsing (5.5), the AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3)
 * in both directions, the "av01.P.LLT.DD" codec string (AV1-ISOBMFF
 * Annex A, short form), temporal-unit rewrite and sequence header change
 * detection.
 *
 * As for H.264/HEVC, every av1C we emit is rebuilt: four header bytes
 * derived from the sequence header, then the sequence header OBU and any
 * static HDR metadata OBUs (content light level, mastering display), each
 * with obu_has_size_field = 1 and no extension header.  That is what
 * libavformat writes, with one known difference: ffmpeg also keeps other
 * metadata OBUs; we keep only the static HDR ones, because per-frame
 * metadata (HDR10+, T.35) found in a keyframe would describe one frame, not
 * the track.  initial_presentation_delay is written as "not present", as
 * ffmpeg does: it counts samples of a particular muxing, which an origin
 * re-packaging a live stream cannot promise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bitreader.h"
#include "codec_internal.h"

#define OBU_SEQUENCE_HEADER    1
#define OBU_TEMPORAL_DELIMITER 2
#define OBU_FRAME_HEADER       3
#define OBU_METADATA	       5
#define OBU_FRAME	       6

#define METADATA_TYPE_HDR_CLL  1
#define METADATA_TYPE_HDR_MDCV 2

#define AV1_MAX_DIM	65535u /* VisualSampleEntry width/height are 16-bit */
#define AV1C_HEADER_LEN 4

struct obu {
	unsigned type;
	const uint8_t *start; /* header byte */
	size_t total_len;     /* header, extension, size field, payload */
	const uint8_t *payload;
	size_t payload_len;
};

struct av1_seq {
	unsigned seq_profile;
	unsigned reduced_still_picture_header;
	unsigned seq_level_idx_0;
	unsigned seq_tier_0;
	unsigned high_bitdepth;
	unsigned twelve_bit;
	unsigned mono_chrome;
	unsigned subsampling_x;
	unsigned subsampling_y;
	unsigned chroma_sample_position;
	unsigned bit_depth;
	uint32_t width;
	uint32_t height;
	uint32_t
		num_units_in_display_tick; /* 0 when no equal-interval timing */
	uint32_t time_scale;
	uint64_t ticks_per_picture;
};

/* leb128(), 4.10.5: at most 8 bytes, value must fit 32 bits. */
static int read_leb128(const uint8_t **pos, const uint8_t *end, uint64_t *value)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++) {
		uint8_t b;

		if (*pos >= end)
			return -EINVAL;
		b = *(*pos)++;
		v |= (uint64_t)(b & 0x7f) << (i * 7);
		if (!(b & 0x80)) {
			if (v > UINT32_MAX)
				return -EINVAL;
			*value = v;
			return 0;
		}
	}
	return -EINVAL;
}

static void put_leb128(struct bytewriter *w, uint64_t v)
{
	do {
		uint8_t b = v & 0x7f;

		v >>= 7;
		bw_u8(w, v ? b | 0x80 : b);
	} while (v);
}

/*
 * Next OBU of a low-overhead stream.  An OBU without obu_size runs to the
 * end of the buffer, which is only legal for the last one.  Returns 1, 0 at
 * the end, -EINVAL on bad framing.
 */
static int obu_next(const uint8_t **pos, const uint8_t *end, struct obu *o)
{
	const uint8_t *p = *pos;
	uint8_t hdr;
	uint64_t size;

	if (p >= end)
		return 0;
	hdr = *p++;
	if (hdr & 0x80) /* obu_forbidden_bit */
		return -EINVAL;
	o->start = *pos;
	o->type = (hdr >> 3) & 0xf;
	if (hdr & 0x04) { /* obu_extension_flag */
		if (p >= end)
			return -EINVAL;
		p++;
	}
	if (hdr & 0x02) { /* obu_has_size_field */
		if (read_leb128(&p, end, &size) < 0 ||
		    size > (uint64_t)(end - p))
			return -EINVAL;
	} else {
		size = (uint64_t)(end - p);
	}
	o->payload = p;
	o->payload_len = (size_t)size;
	p += size;
	o->total_len = (size_t)(p - *pos);
	*pos = p;
	return 1;
}

/* uvlc(), 4.10.3. */
static uint32_t read_uvlc(struct bitreader *br)
{
	unsigned zeros = 0;

	while (br_ok(br) && !br_flag(br))
		zeros++;
	if (zeros >= 32)
		return UINT32_MAX;
	return br_u(br, zeros) + (uint32_t)((1ull << zeros) - 1);
}

/* color_config(), 5.5.2. */
static void parse_color_config(struct bitreader *br, struct av1_seq *s)
{
	unsigned cp = 2, tc = 2, mc = 2; /* *_UNSPECIFIED */

	s->high_bitdepth = br_flag(br);
	if (s->seq_profile == 2 && s->high_bitdepth) {
		s->twelve_bit = br_flag(br);
		s->bit_depth = s->twelve_bit ? 12 : 10;
	} else {
		s->bit_depth = s->high_bitdepth ? 10 : 8;
	}
	s->mono_chrome = s->seq_profile == 1 ? 0 : br_flag(br);
	if (br_flag(br)) { /* color_description_present_flag */
		cp = br_u(br, 8);
		tc = br_u(br, 8);
		mc = br_u(br, 8);
	}
	if (s->mono_chrome) {
		br_skip(br, 1); /* color_range */
		s->subsampling_x = s->subsampling_y = 1;
		s->chroma_sample_position = 0;
		return;
	}
	if (cp == 1 && tc == 13 && mc == 0) { /* BT.709, sRGB, identity */
		s->subsampling_x = s->subsampling_y = 0;
	} else {
		br_skip(br, 1); /* color_range */
		if (s->seq_profile == 0) {
			s->subsampling_x = s->subsampling_y = 1;
		} else if (s->seq_profile == 1) {
			s->subsampling_x = s->subsampling_y = 0;
		} else if (s->bit_depth == 12) {
			s->subsampling_x = br_flag(br);
			s->subsampling_y = s->subsampling_x ? br_flag(br) : 0;
		} else {
			s->subsampling_x = 1;
			s->subsampling_y = 0;
		}
		if (s->subsampling_x && s->subsampling_y)
			s->chroma_sample_position = br_u(br, 2);
	}
	br_skip(br, 1); /* separate_uv_delta_q */
}

/* sequence_header_obu(), 5.5.1, over the OBU payload. */
static int parse_seq_header(const uint8_t *payload, size_t len,
			    struct av1_seq *s)
{
	struct bitreader br;
	unsigned timing_info = 0, decoder_model_info = 0, display_delay = 0;
	unsigned buffer_delay_len = 0, ops, id_numbers;
	uint64_t w, h;

	memset(s, 0, sizeof(*s));
	br_init(&br, payload, len);
	s->seq_profile = br_u(&br, 3);
	if (s->seq_profile > 2)
		return -EINVAL;
	br_skip(&br, 1); /* still_picture */
	s->reduced_still_picture_header = br_flag(&br);
	if (s->reduced_still_picture_header) {
		s->seq_level_idx_0 = br_u(&br, 5);
	} else {
		timing_info = br_flag(&br);
		if (timing_info) {
			uint32_t units = br_u(&br, 32), scale = br_u(&br, 32);

			if (br_flag(&br)) { /* equal_picture_interval */
				s->ticks_per_picture =
					(uint64_t)read_uvlc(&br) + 1;
				s->num_units_in_display_tick = units;
				s->time_scale = scale;
			}
			decoder_model_info = br_flag(&br);
			if (decoder_model_info) {
				buffer_delay_len = br_u(&br, 5) + 1;
				br_skip(&br, 32 + 5 + 5);
			}
		}
		display_delay = br_flag(&br);
		ops = br_u(&br, 5) + 1;
		for (unsigned i = 0; i < ops && br_ok(&br); i++) {
			unsigned level, tier = 0;

			br_skip(&br, 12); /* operating_point_idc */
			level = br_u(&br, 5);
			if (level > 7)
				tier = br_flag(&br);
			if (decoder_model_info && br_flag(&br))
				br_skip(&br, 2 * buffer_delay_len + 1);
			if (display_delay && br_flag(&br))
				br_skip(&br, 4);
			if (i == 0) {
				s->seq_level_idx_0 = level;
				s->seq_tier_0 = tier;
			}
		}
	}
	{
		unsigned wbits = br_u(&br, 4) + 1, hbits = br_u(&br, 4) + 1;

		w = (uint64_t)br_u(&br, wbits) + 1;
		h = (uint64_t)br_u(&br, hbits) + 1;
	}
	if (!br_ok(&br) || w > AV1_MAX_DIM || h > AV1_MAX_DIM)
		return -EINVAL;
	s->width = (uint32_t)w;
	s->height = (uint32_t)h;
	id_numbers = s->reduced_still_picture_header ? 0 : br_flag(&br);
	if (id_numbers)
		br_skip(&br, 4 + 3);
	br_skip(&br, 3); /* 128x128 sb, filter_intra, intra_edge_filter */
	if (!s->reduced_still_picture_header) {
		unsigned order_hint, force_sct = 2;

		/* interintra, masked, warped, dual filter */
		br_skip(&br, 4);
		order_hint = br_flag(&br);
		if (order_hint)
			br_skip(&br, 2); /* jnt_comp, ref_frame_mvs */
		if (!br_flag(&br))	 /* seq_choose_screen_content_tools */
			force_sct = br_flag(&br);
		if (force_sct > 0 && !br_flag(&br)) /* seq_choose_integer_mv */
			br_skip(&br, 1);	    /* seq_force_integer_mv */
		if (order_hint)
			br_skip(&br, 3); /* order_hint_bits_minus_1 */
	}
	br_skip(&br, 3); /* superres, cdef, restoration */
	parse_color_config(&br, s);
	br_skip(&br, 1); /* film_grain_params_present */
	return br_ok(&br) ? 0 : -EINVAL;
}

static unsigned metadata_type(const struct obu *o)
{
	const uint8_t *p = o->payload;
	uint64_t type;

	if (read_leb128(&p, o->payload + o->payload_len, &type) < 0)
		return 0;
	return (unsigned)type;
}

static int is_static_hdr_metadata(const struct obu *o)
{
	unsigned type;

	if (o->type != OBU_METADATA)
		return 0;
	type = metadata_type(o);
	return type == METADATA_TYPE_HDR_CLL || type == METADATA_TYPE_HDR_MDCV;
}

/* Writes an OBU with obu_has_size_field = 1 and no extension. */
static void put_obu(struct bytewriter *w, unsigned type, const struct obu *o)
{
	bw_u8(w, type << 3 | 0x02);
	put_leb128(w, o->payload_len);
	bw_put(w, o->payload, o->payload_len);
}

/*
 * Builds av1C and the track fields from an OBU sequence holding a sequence
 * header (and maybe metadata): av1C configOBUs, or a temporal unit.
 */
static int build_from_obus(struct spate_track_info *t, const uint8_t *obus,
			   size_t len)
{
	const uint8_t *pos = obus, *end = obus + len;
	struct obu o, seq_obu = {0};
	struct av1_seq seq;
	struct bytewriter w;
	int found = 0, rc;

	while ((rc = obu_next(&pos, end, &o)) > 0) {
		if (o.type == OBU_SEQUENCE_HEADER) {
			seq_obu = o;
			found = 1;
			break;
		}
	}
	if (rc < 0)
		return rc;
	if (!found)
		return -EAGAIN;
	rc = parse_seq_header(seq_obu.payload, seq_obu.payload_len, &seq);
	if (rc < 0)
		return rc;

	bw_init(&w, t->config, sizeof(t->config));
	bw_u8(&w, 0x81); /* marker, version 1 */
	bw_u8(&w, seq.seq_profile << 5 | seq.seq_level_idx_0);
	bw_u8(&w, seq.seq_tier_0 << 7 | seq.high_bitdepth << 6 |
			  seq.twelve_bit << 5 | seq.mono_chrome << 4 |
			  seq.subsampling_x << 3 | seq.subsampling_y << 2 |
			  seq.chroma_sample_position);
	bw_u8(&w, 0); /* no initial_presentation_delay, see top of file */
	put_obu(&w, OBU_SEQUENCE_HEADER, &seq_obu);
	pos = obus;
	while (obu_next(&pos, end, &o) > 0)
		if (is_static_hdr_metadata(&o))
			put_obu(&w, OBU_METADATA, &o);
	if (w.overflow)
		return -ENOTSUP;
	t->config_len = w.len;

	snprintf(t->codec_string, sizeof(t->codec_string),
		 "av01.%u.%02u%c.%02u", seq.seq_profile, seq.seq_level_idx_0,
		 seq.seq_tier_0 ? 'H' : 'M', seq.bit_depth);
	t->width = seq.width;
	t->height = seq.height;
	t->sar_num = t->sar_den = 1; /* AV1 signals no aspect ratio */
	if (seq.num_units_in_display_tick != 0)
		codec_set_frame_rate_hint(t, seq.time_scale,
					  seq.num_units_in_display_tick *
						  seq.ticks_per_picture);
	return 0;
}

int av1_configure(struct spate_track_info *t, const uint8_t *data, size_t len)
{
	int rc;

	/* No OBU has its forbidden bit set: a first byte >= 0x80 is av1C. */
	if (data[0] & 0x80) {
		if (len < AV1C_HEADER_LEN)
			return -EINVAL;
		if ((data[0] & 0x7f) != 1) /* version */
			return -ENOTSUP;
		rc = build_from_obus(t, data + AV1C_HEADER_LEN,
				     len - AV1C_HEADER_LEN);
		if (rc < 0)
			return rc;
		/*
		 * We rebuild the header from the sequence header; a record
		 * whose own header names another profile is corrupt.
		 */
		if ((data[1] >> 5) != (t->config[1] >> 5))
			return -EINVAL;
		return 0;
	}
	return build_from_obus(t, data, len);
}

/*
 * Temporal unit -> stored sample: temporal delimiters go (the AV1-ISOBMFF
 * sample format says samples should not carry them), everything else is
 * copied as is.
 * A sync sample starts with a sequence header, and its first frame is a
 * shown key frame.
 */
int av1_rewrite_tu(const uint8_t *in, size_t len, struct spate_buf *out,
		   int *is_sync)
{
	const uint8_t *pos = in, *end = in + len;
	size_t start_len = out->len;
	struct obu o;
	int seen_seq = 0, seen_frame = 0, reduced = 0, sync = 0, rc;

	if (out->error)
		return out->error;
	if (spate_buf_reserve(out, len) < 0)
		return out->error;
	while ((rc = obu_next(&pos, end, &o)) > 0) {
		if (o.type == OBU_TEMPORAL_DELIMITER)
			continue;
		if (o.type == OBU_SEQUENCE_HEADER && !seen_frame) {
			seen_seq = 1;
			/* reduced_still_picture_header: payload bit 4 */
			reduced = o.payload_len > 0 && (o.payload[0] & 0x08);
		}
		if ((o.type == OBU_FRAME || o.type == OBU_FRAME_HEADER) &&
		    !seen_frame) {
			seen_frame = 1;
			if (seen_seq && reduced) {
				sync = 1;
			} else if (seen_seq && o.payload_len > 0) {
				uint8_t b = o.payload[0];

				/* !show_existing_frame, KEY_FRAME, show_frame
				 */
				sync = (b & 0xf0) == 0x10;
			}
		}
		spate_buf_put(out, o.start, o.total_len);
	}
	if (rc < 0) {
		out->len = start_len;
		return rc;
	}
	if (out->error) {
		out->len = start_len;
		return out->error;
	}
	if (out->len - start_len > INT32_MAX) {
		out->len = start_len;
		return -EOVERFLOW;
	}
	*is_sync = sync;
	return (int)(out->len - start_len);
}

/* Finds the first sequence header OBU; 1 found, 0 none, -EINVAL framing. */
static int find_seq_header(const uint8_t *obus, size_t len, struct obu *seq)
{
	const uint8_t *pos = obus, *end = obus + len;
	int rc;

	while ((rc = obu_next(&pos, end, seq)) > 0)
		if (seq->type == OBU_SEQUENCE_HEADER)
			return 1;
	return rc;
}

int av1_detect_change(const struct spate_track_info *t, const uint8_t *au,
		      size_t len, struct spate_track_info *next)
{
	struct obu in_au, current;
	int rc;

	rc = find_seq_header(au, len, &in_au);
	if (rc <= 0)
		return rc;
	/* The sequence header must repeat byte for byte within a sequence. */
	if (t->config_len > AV1C_HEADER_LEN &&
	    t->config_len <= sizeof(t->config) &&
	    find_seq_header(t->config + AV1C_HEADER_LEN,
			    t->config_len - AV1C_HEADER_LEN, &current) > 0 &&
	    current.payload_len == in_au.payload_len &&
	    memcmp(current.payload, in_au.payload, in_au.payload_len) == 0)
		return 0;
	*next = *t;
	rc = build_from_obus(next, au, len);
	return rc < 0 ? rc : 1;
}
