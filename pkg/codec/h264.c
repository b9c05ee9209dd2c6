/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * H.264: sequence parameter set parsing (ITU-T H.264 7.3.2.1.1, VUI E.1.1),
 * the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3) in both
 * directions, the "avc1.PPCCLL" codec string (RFC 6381 3.3), and detection
 * of in-band SPS/PPS changes.
 *
 * Every avcC we emit is rebuilt from parameter sets, whether they came from
 * Annex B extradata (MPEG-TS) or an avcC (FLV, MP4): one builder means
 * redundant origins fed through different ingest protocols agree byte for
 * byte.  Only the first SPS is parsed for geometry.  We never decode PPS or
 * slices.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bitreader.h"
#include "codec_internal.h"
#include "nal.h"

#define H264_NAL_SPS	 7
#define H264_NAL_PPS	 8
#define H264_NAL_SPS_EXT 13

/* VisualSampleEntry width/height are 16-bit fields. */
#define H264_MAX_DIM 65535u

struct h264_sps {
	unsigned profile_idc;
	unsigned constraint_flags;
	unsigned level_idc;
	unsigned chroma_format_idc;
	unsigned bit_depth_luma_minus8;
	unsigned bit_depth_chroma_minus8;
	uint32_t width;
	uint32_t height;
	uint32_t sar_num;
	uint32_t sar_den;
	uint32_t num_units_in_tick; /* 0 when VUI has no timing */
	uint32_t time_scale;
};

static int nal_type(const uint8_t *nal)
{
	return nal[0] & 0x1f;
}

/* Profiles whose SPS carries chroma_format_idc and bit depths (7.3.2.1.1). */
static int profile_has_chroma_info(unsigned profile_idc)
{
	switch (profile_idc) {
	case 100:
	case 110:
	case 122:
	case 244:
	case 44:
	case 83:
	case 86:
	case 118:
	case 128:
	case 138:
	case 139:
	case 134:
	case 135:
		return 1;
	default:
		return 0;
	}
}

/*
 * The avcC high-profile trailer (chroma format, bit depths, SPS-ext list).
 * 14496-15 lists profiles 100/110/122/144; libavformat writes it for every
 * profile except Baseline/Main/Extended.  We follow libavformat so our
 * records match what players already see from ffmpeg-made files, and the
 * values are right for any profile whose SPS carries them.
 */
static int avcc_has_trailer(unsigned profile_idc)
{
	return profile_idc != 66 && profile_idc != 77 && profile_idc != 88;
}

static int skip_scaling_list(struct bitreader *br, unsigned size)
{
	int last = 8, next = 8;

	for (unsigned j = 0; j < size; j++) {
		if (next != 0) {
			int32_t delta = br_se(br);

			if (delta < -128 || delta > 127)
				return -EINVAL;
			next = (last + delta + 256) % 256;
		}
		last = next == 0 ? last : next;
	}
	return br_ok(br) ? 0 : -EINVAL;
}

/*
 * VUI up to timing_info.  Encoders in the wild emit truncated or oddly
 * padded VUI (libavcodec's decoder tolerates it too), and none of this is
 * needed to play the stream, so a short read here discards the VUI fields
 * instead of failing the SPS.
 */
static void parse_vui(struct bitreader *br, struct h264_sps *s)
{
	if (vui_parse_common(br, &s->sar_num, &s->sar_den) < 0)
		return;
	if (br_flag(br)) { /* timing_info_present_flag */
		uint32_t units = br_u(br, 32);
		uint32_t scale = br_u(br, 32);

		if (br_ok(br)) {
			s->num_units_in_tick = units;
			s->time_scale = scale;
		}
	}
}

static int parse_sps(const uint8_t *nal, size_t len, struct h264_sps *s)
{
	uint8_t rbsp[SPATE_CODEC_CONFIG_MAX];
	struct bitreader br;
	size_t rbsp_len;
	unsigned poc_type, frame_mbs_only, sub_w = 1, sub_h = 1;
	uint64_t mbs_w, map_units_h, w, h;

	if (len < 4 || nal_type(nal) != H264_NAL_SPS)
		return -EINVAL;
	rbsp_len = nal_unescape(rbsp, sizeof(rbsp), nal + 1, len - 1);
	br_init(&br, rbsp, rbsp_len);
	memset(s, 0, sizeof(*s));
	s->sar_num = s->sar_den = 1;

	s->profile_idc = br_u(&br, 8);
	s->constraint_flags = br_u(&br, 8);
	s->level_idc = br_u(&br, 8);
	if (br_ue(&br) > 31) /* seq_parameter_set_id */
		return -EINVAL;
	s->chroma_format_idc = 1;
	if (profile_has_chroma_info(s->profile_idc)) {
		s->chroma_format_idc = br_ue(&br);
		if (s->chroma_format_idc > 3)
			return -EINVAL;
		/* Three independent colour planes have no CMAF mapping. */
		if (s->chroma_format_idc == 3 && br_flag(&br))
			return -ENOTSUP;
		s->bit_depth_luma_minus8 = br_ue(&br);
		s->bit_depth_chroma_minus8 = br_ue(&br);
		if (s->bit_depth_luma_minus8 > 6 ||
		    s->bit_depth_chroma_minus8 > 6)
			return -EINVAL;
		br_skip(&br, 1);    /* qpprime_y_zero_transform_bypass_flag */
		if (br_flag(&br)) { /* seq_scaling_matrix_present_flag */
			unsigned lists = s->chroma_format_idc != 3 ? 8 : 12;

			for (unsigned i = 0; i < lists; i++)
				if (br_flag(&br) &&
				    skip_scaling_list(&br, i < 6 ? 16 : 64) < 0)
					return -EINVAL;
		}
	}
	if (br_ue(&br) > 12) /* log2_max_frame_num_minus4 */
		return -EINVAL;
	poc_type = br_ue(&br);
	if (poc_type == 0) {
		if (br_ue(&br) > 12) /* log2_max_pic_order_cnt_lsb_minus4 */
			return -EINVAL;
	} else if (poc_type == 1) {
		unsigned cycle;

		br_skip(&br, 1); /* delta_pic_order_always_zero_flag */
		br_se(&br);	 /* offset_for_non_ref_pic */
		br_se(&br);	 /* offset_for_top_to_bottom_field */
		cycle = br_ue(&br);
		if (cycle > 255)
			return -EINVAL;
		for (unsigned i = 0; i < cycle && br_ok(&br); i++)
			br_se(&br); /* offset_for_ref_frame */
	} else if (poc_type > 2) {
		return -EINVAL;
	}
	br_ue(&br);	 /* max_num_ref_frames */
	br_skip(&br, 1); /* gaps_in_frame_num_value_allowed_flag */
	mbs_w = (uint64_t)br_ue(&br) + 1;
	map_units_h = (uint64_t)br_ue(&br) + 1;
	frame_mbs_only = br_flag(&br);
	if (!frame_mbs_only)
		br_skip(&br, 1); /* mb_adaptive_frame_field_flag */
	br_skip(&br, 1);	 /* direct_8x8_inference_flag */
	if (!br_ok(&br))
		return -EINVAL;

	w = mbs_w * 16;
	h = map_units_h * 16 * (2 - frame_mbs_only);
	if (w > H264_MAX_DIM || h > H264_MAX_DIM)
		return -EINVAL;
	if (br_flag(&br)) { /* frame_cropping_flag */
		uint64_t left = br_ue(&br), right = br_ue(&br);
		uint64_t top = br_ue(&br), bottom = br_ue(&br);

		/* CropUnitX/Y, equations 7-19..7-22. */
		if (s->chroma_format_idc == 1 || s->chroma_format_idc == 2)
			sub_w = 2;
		if (s->chroma_format_idc == 1)
			sub_h = 2;
		if (s->chroma_format_idc == 0)
			sub_w = sub_h = 1;
		sub_h *= 2 - frame_mbs_only;
		if (!br_ok(&br) || (left + right) * sub_w >= w ||
		    (top + bottom) * sub_h >= h)
			return -EINVAL;
		w -= (left + right) * sub_w;
		h -= (top + bottom) * sub_h;
	}
	if (!br_ok(&br))
		return -EINVAL;
	s->width = (uint32_t)w;
	s->height = (uint32_t)h;
	if (br_flag(&br)) /* vui_parameters_present_flag */
		parse_vui(&br, s);
	return 0;
}

/* Collects SPS, PPS and SPS-extension NAL units from a NAL stream. */
static int collect(const uint8_t *data, size_t len, unsigned length_size,
		   struct ps_sets *ps)
{
	struct nal_iter it;
	const uint8_t *nal;
	size_t nal_len;
	int rc;

	nal_iter_init(&it, data, len, length_size);
	while ((rc = nal_iter_next(&it, &nal, &nal_len)) > 0) {
		if (nal[0] & 0x80)
			return -EINVAL;
		switch (nal_type(nal)) {
		case H264_NAL_SPS:
			rc = ps_set_add(&ps->kind[PS_SPS], nal, nal_len);
			break;
		case H264_NAL_PPS:
			rc = ps_set_add(&ps->kind[PS_PPS], nal, nal_len);
			break;
		case H264_NAL_SPS_EXT:
			rc = ps_set_add(&ps->kind[PS_SPS_EXT], nal, nal_len);
			break;
		default:
			rc = 0;
			break;
		}
		if (rc < 0)
			return rc;
	}
	return rc;
}

/* Reads `count` 16-bit-length-prefixed NAL units of one type from a record. */
static int read_record_nals(const uint8_t **pos, const uint8_t *end,
			    unsigned count, int type, struct ps_set *set)
{
	const uint8_t *p = *pos;

	for (unsigned i = 0; i < count; i++) {
		size_t n;
		int rc;

		if (end - p < 2)
			return -EINVAL;
		n = (size_t)p[0] << 8 | p[1];
		p += 2;
		if (n == 0 || n > (size_t)(end - p) || (p[0] & 0x80) ||
		    nal_type(p) != type)
			return -EINVAL;
		rc = ps_set_add(set, p, n);
		if (rc < 0)
			return rc;
		p += n;
	}
	*pos = p;
	return 0;
}

/*
 * AVCDecoderConfigurationRecord -> parameter sets.  lengthSizeMinusOne is
 * not kept: stored samples always use 4-byte lengths, so the rebuilt
 * record says so, and the caller passes the original size to
 * spate_codec_sample_rewrite().
 */
static int avcc_parse(const uint8_t *data, size_t len, struct ps_sets *ps)
{
	const uint8_t *p = data, *end = data + len;
	unsigned nsps, npps;
	int rc;

	if (len < 7 || data[0] != 1)
		return -EINVAL;
	nsps = data[5] & 0x1f;
	p = data + 6;
	rc = read_record_nals(&p, end, nsps, H264_NAL_SPS, &ps->kind[PS_SPS]);
	if (rc < 0)
		return rc;
	if (p >= end)
		return -EINVAL;
	npps = *p++;
	rc = read_record_nals(&p, end, npps, H264_NAL_PPS, &ps->kind[PS_PPS]);
	if (rc < 0)
		return rc;
	/*
	 * The trailer is optional in practice: many FLV encoders omit it
	 * even for High profile.  We rebuild it from the SPS anyway, so only
	 * its SPS-extension list matters, and a damaged one is dropped.
	 */
	if (avcc_has_trailer(data[1]) && end - p >= 4) {
		unsigned next = p[3];

		p += 4;
		if (read_record_nals(&p, end, next, H264_NAL_SPS_EXT,
				     &ps->kind[PS_SPS_EXT]) < 0)
			ps->kind[PS_SPS_EXT].count = 0;
	}
	return 0;
}

static void write_nals(struct bytewriter *w, const struct ps_set *set)
{
	for (unsigned i = 0; i < set->count; i++) {
		if (set->nal[i].len > 0xffff) {
			w->overflow = 1;
			return;
		}
		bw_be16(w, (unsigned)set->nal[i].len);
		bw_put(w, set->nal[i].data, set->nal[i].len);
	}
}

/* Builds avcC and the derived track fields from collected parameter sets. */
static int build(struct spate_track_info *t, const struct ps_sets *ps)
{
	const struct ps_set *sps_set = &ps->kind[PS_SPS];
	const struct ps_set *pps_set = &ps->kind[PS_PPS];
	const struct ps_set *ext_set = &ps->kind[PS_SPS_EXT];
	const uint8_t *sps0;
	struct h264_sps sps;
	struct bytewriter w;
	int rc;

	if (sps_set->count == 0 || pps_set->count == 0)
		return -EAGAIN;
	/* numOfSequenceParameterSets is a 5-bit field. */
	if (sps_set->count > 31)
		return -ENOTSUP;
	sps0 = sps_set->nal[0].data;
	rc = parse_sps(sps0, sps_set->nal[0].len, &sps);
	if (rc < 0)
		return rc;

	bw_init(&w, t->config, sizeof(t->config));
	bw_u8(&w, 1); /* configurationVersion */
	bw_u8(&w, sps.profile_idc);
	bw_u8(&w, sps.constraint_flags);
	bw_u8(&w, sps.level_idc);
	bw_u8(&w, 0xfc | 3); /* lengthSizeMinusOne: 4-byte lengths */
	bw_u8(&w, 0xe0 | sps_set->count);
	write_nals(&w, sps_set);
	bw_u8(&w, pps_set->count);
	write_nals(&w, pps_set);
	if (avcc_has_trailer(sps.profile_idc)) {
		bw_u8(&w, 0xfc | sps.chroma_format_idc);
		bw_u8(&w, 0xf8 | sps.bit_depth_luma_minus8);
		bw_u8(&w, 0xf8 | sps.bit_depth_chroma_minus8);
		bw_u8(&w, ext_set->count);
		write_nals(&w, ext_set);
	}
	if (w.overflow)
		return -ENOTSUP;
	t->config_len = w.len;

	snprintf(t->codec_string, sizeof(t->codec_string), "avc1.%02x%02x%02x",
		 sps.profile_idc, sps.constraint_flags, sps.level_idc);
	t->width = sps.width;
	t->height = sps.height;
	t->sar_num = sps.sar_num;
	t->sar_den = sps.sar_den;
	/* E.2.1: num_units_in_tick counts field ticks; a frame takes two. */
	if (sps.num_units_in_tick != 0)
		codec_set_frame_rate_hint(t, sps.time_scale,
					  2 * (uint64_t)sps.num_units_in_tick);
	return 0;
}

static const struct ps_codec h264_ps = {collect, avcc_parse, build};

int h264_configure(struct spate_track_info *t, const uint8_t *data, size_t len)
{
	return ps_configure(&h264_ps, t, data, len);
}

int h264_detect_change(const struct spate_track_info *t, const uint8_t *au,
		       size_t len, struct spate_track_info *next)
{
	return ps_detect_change(&h264_ps, t, au, len, next);
}
