/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HEVC: VPS/SPS/PPS parsing (ITU-T H.265 7.3.2, VUI E.2.1), the
 * HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3) in both
 * directions, the "hvc1.…" codec string (14496-15 Annex E), and detection
 * of in-band parameter-set changes.
 *
 * Record fields follow libavformat's hvcC writer (profile/tier/level
 * merged over every VPS and SPS, min_spatial_segmentation_idc and
 * parallelismType from VUI and PPS, frame-rate fields "unspecified") so
 * our records match ffmpeg-made files, with two deliberate differences:
 *   - array_completeness is 1 for the VPS/SPS/PPS arrays: we use the
 *     'hvc1' sample entry, for which 14496-15 8.4.1 makes 1 mandatory
 *     (ffmpeg 5.1's mov muxer writes 0 even under an hvc1 tag);
 *   - SEI arrays are not carried.  hvcC may only hold declarative SEI,
 *     yet x265 puts a ~2.3 KB user-data SEI (its settings) in its
 *     headers and ffmpeg copies it into hvcC.  Dropping SEI keeps the
 *     record small and makes it depend on the parameter sets alone, so
 *     the same stream ingested as MPEG-TS (no SEI in extradata) or as
 *     fMP4/FLV (hvcC with SEI) yields the same init segment.
 * Parameter sets with nuh_layer_id > 0 (multi-layer extensions) are
 * ignored: the record describes the base layer, which is what CMAF
 * players decode.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bitreader.h"
#include "codec_internal.h"
#include "nal.h"

#define HEVC_NAL_VPS 32
#define HEVC_NAL_SPS 33
#define HEVC_NAL_PPS 34

#define HEVC_MAX_DIM		      65535u /* VisualSampleEntry width/height are 16-bit */
#define HEVC_MAX_SUB_LAYERS	      7
#define HEVC_MAX_SHORT_TERM_RPS	      64
#define HEVC_MAX_DELTA_POCS	      32
#define HEVC_MAX_SPATIAL_SEGMENTATION 4095 /* 12-bit field, E.2.1 range */

struct hevc_ptl {
	unsigned profile_space;
	unsigned tier_flag;
	unsigned profile_idc;
	uint32_t compat_flags;
	uint64_t constraint_flags; /* 48 bits */
	unsigned level_idc;
};

struct hevc_sps {
	struct hevc_ptl ptl;
	unsigned max_sub_layers_minus1;
	unsigned temporal_id_nesting;
	unsigned chroma_format_idc;
	unsigned bit_depth_luma_minus8;
	unsigned bit_depth_chroma_minus8;
	uint32_t width;
	uint32_t height;
	uint32_t sar_num;
	uint32_t sar_den;
	uint32_t num_units_in_tick; /* 0 when VUI has no timing */
	uint32_t time_scale;
	/* HEVC_MAX_SPATIAL_SEGMENTATION + 1 when not signalled */
	unsigned min_spatial_segmentation_idc;
};

/* The hvcC header fields, accumulated over all parameter sets. */
struct hvcc_fields {
	struct hevc_ptl ptl;
	unsigned min_spatial_segmentation_idc;
	unsigned parallelism_type;
	unsigned chroma_format_idc;
	unsigned bit_depth_luma_minus8;
	unsigned bit_depth_chroma_minus8;
	unsigned num_temporal_layers;
	unsigned temporal_id_nested;
};

static unsigned nal_type(const uint8_t *nal)
{
	return (nal[0] >> 1) & 0x3f;
}

static unsigned nal_layer_id(const uint8_t *nal)
{
	return (unsigned)((nal[0] & 1) << 5) | (nal[1] >> 3);
}

/* The RBSP after the 2-byte NAL header, emulation prevention removed. */
static size_t load_rbsp(uint8_t *rbsp, size_t cap, const uint8_t *nal,
			size_t len)
{
	return nal_unescape(rbsp, cap, nal + 2, len - 2);
}

/* profile_tier_level(1, max_sub_layers_minus1), 7.3.3. */
static int parse_ptl(struct bitreader *br, unsigned max_sub_layers_minus1,
		     struct hevc_ptl *ptl)
{
	unsigned profile_present[HEVC_MAX_SUB_LAYERS];
	unsigned level_present[HEVC_MAX_SUB_LAYERS];

	ptl->profile_space = br_u(br, 2);
	ptl->tier_flag = br_u(br, 1);
	ptl->profile_idc = br_u(br, 5);
	ptl->compat_flags = br_u(br, 32);
	ptl->constraint_flags = br_u64(br, 48);
	ptl->level_idc = br_u(br, 8);
	for (unsigned i = 0; i < max_sub_layers_minus1; i++) {
		profile_present[i] = br_flag(br);
		level_present[i] = br_flag(br);
	}
	if (max_sub_layers_minus1 > 0)
		br_skip(br, 2 * (8 - max_sub_layers_minus1));
	for (unsigned i = 0; i < max_sub_layers_minus1; i++) {
		if (profile_present[i])
			br_skip(br, 88);
		if (level_present[i])
			br_skip(br, 8);
	}
	return br_ok(br) ? 0 : -EINVAL;
}

static void skip_sub_layer_hrd(struct bitreader *br, unsigned cpb_cnt,
			       unsigned sub_pic_params)
{
	for (unsigned i = 0; i < cpb_cnt && br_ok(br); i++) {
		br_ue(br); /* bit_rate_value_minus1 */
		br_ue(br); /* cpb_size_value_minus1 */
		if (sub_pic_params) {
			br_ue(br); /* cpb_size_du_value_minus1 */
			br_ue(br); /* bit_rate_du_value_minus1 */
		}
		br_skip(br, 1); /* cbr_flag */
	}
}

/* hrd_parameters(1, max_sub_layers_minus1), E.2.2. */
static int skip_hrd(struct bitreader *br, unsigned max_sub_layers_minus1)
{
	unsigned nal_hrd, vcl_hrd, sub_pic = 0;

	nal_hrd = br_flag(br);
	vcl_hrd = br_flag(br);
	if (nal_hrd || vcl_hrd) {
		sub_pic = br_flag(br);
		if (sub_pic)
			br_skip(br, 8 + 5 + 1 + 5);
		br_skip(br, 4 + 4); /* bit_rate_scale, cpb_size_scale */
		if (sub_pic)
			br_skip(br, 4); /* cpb_size_du_scale */
		br_skip(br, 5 + 5 + 5);
	}
	for (unsigned i = 0; i <= max_sub_layers_minus1; i++) {
		unsigned fixed_within_cvs = 1, low_delay = 0, cpb_cnt = 1;

		if (!br_flag(br)) /* fixed_pic_rate_general_flag */
			fixed_within_cvs = br_flag(br);
		if (fixed_within_cvs)
			br_ue(br); /* elemental_duration_in_tc_minus1 */
		else
			low_delay = br_flag(br);
		if (!low_delay) {
			cpb_cnt = br_ue(br) + 1;
			if (cpb_cnt > 32)
				return -EINVAL;
		}
		if (nal_hrd)
			skip_sub_layer_hrd(br, cpb_cnt, sub_pic);
		if (vcl_hrd)
			skip_sub_layer_hrd(br, cpb_cnt, sub_pic);
		if (!br_ok(br))
			return -EINVAL;
	}
	return 0;
}

/*
 * vui_parameters(), E.2.1.  As for H.264, a VUI that runs short leaves the
 * fields it did not reach at their defaults instead of failing the SPS.
 */
static void parse_vui(struct bitreader *br, struct hevc_sps *s)
{
	if (vui_parse_common(br, &s->sar_num, &s->sar_den) < 0)
		return;
	/* neutral_chroma_indication, field_seq, frame_field_info_present */
	br_skip(br, 3);
	if (br_flag(br)) { /* default_display_window_flag */
		br_ue(br);
		br_ue(br);
		br_ue(br);
		br_ue(br);
	}
	if (br_flag(br)) { /* vui_timing_info_present_flag */
		uint32_t units = br_u(br, 32);
		uint32_t scale = br_u(br, 32);

		if (!br_ok(br))
			return;
		s->num_units_in_tick = units;
		s->time_scale = scale;
		if (br_flag(br)) /* vui_poc_proportional_to_timing_flag */
			br_ue(br);
		if (br_flag(br) && /* vui_hrd_parameters_present_flag */
		    skip_hrd(br, s->max_sub_layers_minus1) < 0)
			return;
	}
	if (br_flag(br)) { /* bitstream_restriction_flag */
		uint32_t idc;

		br_skip(br, 3);
		idc = br_ue(br);
		if (br_ok(br))
			s->min_spatial_segmentation_idc = idc;
	}
}

static int skip_scaling_list_data(struct bitreader *br)
{
	for (unsigned size_id = 0; size_id < 4; size_id++) {
		for (unsigned matrix_id = 0; matrix_id < 6;
		     matrix_id += size_id == 3 ? 3 : 1) {
			unsigned coefs = 1u << (4 + (size_id << 1));

			if (!br_flag(br)) { /* scaling_list_pred_mode_flag */
				br_ue(br);  /* pred_matrix_id_delta */
				continue;
			}
			if (coefs > 64)
				coefs = 64;
			if (size_id > 1)
				br_se(br); /* scaling_list_dc_coef_minus8 */
			for (unsigned i = 0; i < coefs && br_ok(br); i++)
				br_se(br); /* scaling_list_delta_coef */
		}
	}
	return br_ok(br) ? 0 : -EINVAL;
}

/* st_ref_pic_set(idx), 7.3.7, as it appears in an SPS. */
static int skip_st_ref_pic_set(struct bitreader *br, unsigned idx,
			       unsigned *num_delta_pocs)
{
	if (idx > 0 && br_flag(br)) { /* inter_ref_pic_set_prediction_flag */
		unsigned count = 0;

		br_skip(br, 1); /* delta_rps_sign */
		br_ue(br);	/* abs_delta_rps_minus1 */
		/* In an SPS the reference set is always idx - 1. */
		for (unsigned j = 0; j <= num_delta_pocs[idx - 1]; j++) {
			unsigned used = br_flag(br);
			unsigned use_delta = used ? 1 : br_flag(br);

			if (used || use_delta)
				count++;
		}
		if (count > HEVC_MAX_DELTA_POCS)
			return -EINVAL;
		num_delta_pocs[idx] = count;
	} else {
		uint32_t neg = br_ue(br), pos = br_ue(br);

		if (neg > 16 || pos > 16)
			return -EINVAL;
		for (unsigned i = 0; i < neg + pos; i++) {
			br_ue(br);	/* delta_poc_sX_minus1 */
			br_skip(br, 1); /* used_by_curr_pic_sX_flag */
		}
		num_delta_pocs[idx] = neg + pos;
	}
	return br_ok(br) ? 0 : -EINVAL;
}

static int parse_sps(const uint8_t *nal, size_t len, struct hevc_sps *s)
{
	uint8_t rbsp[SPATE_CODEC_CONFIG_MAX];
	unsigned num_delta_pocs[HEVC_MAX_SHORT_TERM_RPS];
	struct bitreader br;
	unsigned sub_w = 1, sub_h = 1, poc_lsb_bits, first, num_rps;
	uint64_t w, h;
	int rc;

	if (len < 3 || nal_type(nal) != HEVC_NAL_SPS)
		return -EINVAL;
	br_init(&br, rbsp, load_rbsp(rbsp, sizeof(rbsp), nal, len));
	memset(s, 0, sizeof(*s));
	s->sar_num = s->sar_den = 1;
	s->min_spatial_segmentation_idc = HEVC_MAX_SPATIAL_SEGMENTATION + 1;

	br_skip(&br, 4); /* sps_video_parameter_set_id */
	s->max_sub_layers_minus1 = br_u(&br, 3);
	if (s->max_sub_layers_minus1 >= HEVC_MAX_SUB_LAYERS)
		return -EINVAL;
	s->temporal_id_nesting = br_flag(&br);
	rc = parse_ptl(&br, s->max_sub_layers_minus1, &s->ptl);
	if (rc < 0)
		return rc;
	if (br_ue(&br) > 15) /* sps_seq_parameter_set_id */
		return -EINVAL;
	s->chroma_format_idc = br_ue(&br);
	if (s->chroma_format_idc > 3)
		return -EINVAL;
	/* SubWidthC/SubHeightC, Table 6-1; separate planes count as 4:0:0. */
	if (s->chroma_format_idc == 1)
		sub_w = sub_h = 2;
	else if (s->chroma_format_idc == 2)
		sub_w = 2;
	else if (s->chroma_format_idc == 3 && br_flag(&br))
		sub_w = sub_h = 1; /* separate_colour_plane_flag */
	w = br_ue(&br);
	h = br_ue(&br);
	if (!br_ok(&br) || w == 0 || h == 0 || w > HEVC_MAX_DIM ||
	    h > HEVC_MAX_DIM)
		return -EINVAL;
	if (br_flag(&br)) { /* conformance_window_flag */
		uint64_t left = br_ue(&br), right = br_ue(&br);
		uint64_t top = br_ue(&br), bottom = br_ue(&br);

		if (!br_ok(&br) || (left + right) * sub_w >= w ||
		    (top + bottom) * sub_h >= h)
			return -EINVAL;
		w -= (left + right) * sub_w;
		h -= (top + bottom) * sub_h;
	}
	s->width = (uint32_t)w;
	s->height = (uint32_t)h;
	s->bit_depth_luma_minus8 = br_ue(&br);
	s->bit_depth_chroma_minus8 = br_ue(&br);
	/* hvcC has 3 bits for each; Main 16 tops out at +8. */
	if (s->bit_depth_luma_minus8 > 7 || s->bit_depth_chroma_minus8 > 7)
		return -EINVAL;
	poc_lsb_bits = br_ue(&br) + 4;
	if (poc_lsb_bits > 16)
		return -EINVAL;
	first = br_flag(&br) ? 0 : s->max_sub_layers_minus1;
	for (unsigned i = first; i <= s->max_sub_layers_minus1; i++) {
		br_ue(&br); /* sps_max_dec_pic_buffering_minus1 */
		br_ue(&br); /* sps_max_num_reorder_pics */
		br_ue(&br); /* sps_max_latency_increase_plus1 */
	}
	br_ue(&br); /* log2_min_luma_coding_block_size_minus3 */
	br_ue(&br); /* log2_diff_max_min_luma_coding_block_size */
	br_ue(&br); /* log2_min_luma_transform_block_size_minus2 */
	br_ue(&br); /* log2_diff_max_min_luma_transform_block_size */
	br_ue(&br); /* max_transform_hierarchy_depth_inter */
	br_ue(&br); /* max_transform_hierarchy_depth_intra */
	if (br_flag(&br) && br_flag(&br) && /* scaling_list_(enabled|data) */
	    skip_scaling_list_data(&br) < 0)
		return -EINVAL;
	br_skip(&br, 2);    /* amp_enabled_flag, sample_adaptive_offset_flag */
	if (br_flag(&br)) { /* pcm_enabled_flag */
		br_skip(&br, 8);
		br_ue(&br);
		br_ue(&br);
		br_skip(&br, 1);
	}
	num_rps = br_ue(&br);
	if (num_rps > HEVC_MAX_SHORT_TERM_RPS)
		return -EINVAL;
	for (unsigned i = 0; i < num_rps; i++)
		if (skip_st_ref_pic_set(&br, i, num_delta_pocs) < 0)
			return -EINVAL;
	if (br_flag(&br)) { /* long_term_ref_pics_present_flag */
		uint32_t n = br_ue(&br);

		if (n > 32)
			return -EINVAL;
		br_skip(&br, n * (poc_lsb_bits + 1));
	}
	br_skip(&br, 2); /* temporal_mvp, strong_intra_smoothing */
	if (!br_ok(&br))
		return -EINVAL;
	if (br_flag(&br)) /* vui_parameters_present_flag */
		parse_vui(&br, s);
	return 0;
}

static int parse_vps(const uint8_t *nal, size_t len, struct hevc_ptl *ptl,
		     unsigned *max_sub_layers_minus1)
{
	uint8_t rbsp[256]; /* the VPS head we read is ~20 bytes */
	struct bitreader br;

	if (len < 3)
		return -EINVAL;
	br_init(&br, rbsp, load_rbsp(rbsp, sizeof(rbsp), nal, len));
	br_skip(&br, 4 + 1 + 1 + 6); /* id, base layer flags, max_layers */
	*max_sub_layers_minus1 = br_u(&br, 3);
	if (*max_sub_layers_minus1 >= HEVC_MAX_SUB_LAYERS)
		return -EINVAL;
	br_skip(&br, 1 + 16); /* temporal_id_nesting, reserved 0xffff */
	return parse_ptl(&br, *max_sub_layers_minus1, ptl);
}

/* PPS up to entropy_coding_sync_enabled_flag, for parallelismType. */
static int parse_pps_parallelism(const uint8_t *nal, size_t len,
				 unsigned *parallelism_type)
{
	uint8_t rbsp[256];
	struct bitreader br;
	unsigned tiles, wpp;

	if (len < 3)
		return -EINVAL;
	br_init(&br, rbsp, load_rbsp(rbsp, sizeof(rbsp), nal, len));
	if (br_ue(&br) > 63 || br_ue(&br) > 15) /* pps id, sps id */
		return -EINVAL;
	br_skip(&br, 1 + 1 + 3 + 1 + 1);
	br_ue(&br);	  /* num_ref_idx_l0_default_active_minus1 */
	br_ue(&br);	  /* num_ref_idx_l1_default_active_minus1 */
	br_se(&br);	  /* init_qp_minus26 */
	br_skip(&br, 2);  /* constrained_intra_pred, transform_skip */
	if (br_flag(&br)) /* cu_qp_delta_enabled_flag */
		br_ue(&br);
	br_se(&br);	 /* pps_cb_qp_offset */
	br_se(&br);	 /* pps_cr_qp_offset */
	br_skip(&br, 4); /* slice chroma qp, weighted (bi)pred, transquant */
	tiles = br_flag(&br);
	wpp = br_flag(&br);
	if (!br_ok(&br))
		return -EINVAL;
	/* 14496-15 8.3.3.1.3: 0 mixed/unknown, 1 slices, 2 tiles, 3 WPP */
	if (tiles && wpp)
		*parallelism_type = 0;
	else if (wpp)
		*parallelism_type = 3;
	else if (tiles)
		*parallelism_type = 2;
	else
		*parallelism_type = 1;
	return 0;
}

/* Merges one PTL into the record's, as libavformat does. */
static void merge_ptl(struct hevc_ptl *rec, const struct hevc_ptl *ptl)
{
	rec->profile_space = ptl->profile_space;
	if (rec->tier_flag < ptl->tier_flag)
		rec->level_idc = ptl->level_idc;
	else if (rec->level_idc < ptl->level_idc)
		rec->level_idc = ptl->level_idc;
	if (rec->tier_flag < ptl->tier_flag)
		rec->tier_flag = ptl->tier_flag;
	if (rec->profile_idc < ptl->profile_idc)
		rec->profile_idc = ptl->profile_idc;
	rec->compat_flags &= ptl->compat_flags;
	rec->constraint_flags &= ptl->constraint_flags;
}

static int collect(const uint8_t *data, size_t len, unsigned length_size,
		   struct ps_sets *ps)
{
	struct nal_iter it;
	const uint8_t *nal;
	size_t nal_len;
	int rc;

	nal_iter_init(&it, data, len, length_size);
	while ((rc = nal_iter_next(&it, &nal, &nal_len)) > 0) {
		if ((nal[0] & 0x80) || nal_len < 2)
			return -EINVAL;
		if (nal_layer_id(nal) != 0)
			continue;
		switch (nal_type(nal)) {
		case HEVC_NAL_VPS:
			rc = ps_set_add(&ps->kind[PS_VPS], nal, nal_len);
			break;
		case HEVC_NAL_SPS:
			rc = ps_set_add(&ps->kind[PS_SPS], nal, nal_len);
			break;
		case HEVC_NAL_PPS:
			rc = ps_set_add(&ps->kind[PS_PPS], nal, nal_len);
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

/* HEVCDecoderConfigurationRecord -> parameter sets (other arrays skipped). */
static int hvcc_parse(const uint8_t *data, size_t len, struct ps_sets *ps)
{
	const uint8_t *p, *end = data + len;
	unsigned num_arrays;

	if (len < 23 || data[0] != 1)
		return -EINVAL;
	num_arrays = data[22];
	p = data + 23;
	for (unsigned a = 0; a < num_arrays; a++) {
		unsigned type, count;

		if (end - p < 3)
			return -EINVAL;
		type = p[0] & 0x3f;
		count = (unsigned)p[1] << 8 | p[2];
		p += 3;
		for (unsigned i = 0; i < count; i++) {
			size_t n;
			int rc = 0;

			if (end - p < 2)
				return -EINVAL;
			n = (size_t)p[0] << 8 | p[1];
			p += 2;
			if (n > (size_t)(end - p))
				return -EINVAL;
			if (n < 2 || (p[0] & 0x80) || nal_type(p) != type)
				return -EINVAL;
			if (nal_layer_id(p) == 0) {
				if (type == HEVC_NAL_VPS)
					rc = ps_set_add(&ps->kind[PS_VPS], p,
							n);
				else if (type == HEVC_NAL_SPS)
					rc = ps_set_add(&ps->kind[PS_SPS], p,
							n);
				else if (type == HEVC_NAL_PPS)
					rc = ps_set_add(&ps->kind[PS_PPS], p,
							n);
			}
			if (rc < 0)
				return rc;
			p += n;
		}
	}
	return 0;
}

static void write_array(struct bytewriter *w, unsigned type,
			const struct ps_set *set)
{
	bw_u8(w, 0x80 | type); /* array_completeness = 1, see top of file */
	bw_be16(w, set->count);
	for (unsigned i = 0; i < set->count; i++) {
		if (set->nal[i].len > 0xffff) {
			w->overflow = 1;
			return;
		}
		bw_be16(w, (unsigned)set->nal[i].len);
		bw_put(w, set->nal[i].data, set->nal[i].len);
	}
}

/*
 * 14496-15 E.3: profile space letter and idc, compatibility flags in
 * reverse bit order, tier and level, then the six constraint bytes with
 * trailing zero bytes left out.
 */
static void format_codec_string(char *out, size_t cap,
				const struct hevc_ptl *ptl)
{
	static const char *const space[4] = {"", "A", "B", "C"};
	uint32_t compat = 0;
	int n, last = -1;

	for (unsigned i = 0; i < 32; i++)
		if (ptl->compat_flags & (1u << i))
			compat |= 1u << (31 - i);
	n = snprintf(out, cap, "hvc1.%s%u.%X.%c%u", space[ptl->profile_space],
		     ptl->profile_idc, compat, ptl->tier_flag ? 'H' : 'L',
		     ptl->level_idc);
	for (int i = 0; i < 6; i++)
		if ((ptl->constraint_flags >> (40 - 8 * i)) & 0xff)
			last = i;
	for (int i = 0; i <= last && n > 0 && (size_t)n < cap; i++)
		n += snprintf(
			out + n, cap - (size_t)n, ".%X",
			(unsigned)(ptl->constraint_flags >> (40 - 8 * i)) &
				0xff);
}

static int build(struct spate_track_info *t, const struct ps_sets *ps)
{
	const struct ps_set *vps = &ps->kind[PS_VPS];
	const struct ps_set *sps = &ps->kind[PS_SPS];
	const struct ps_set *pps = &ps->kind[PS_PPS];
	struct hvcc_fields rec;
	struct hevc_sps first_sps;
	struct bytewriter w;
	int rc;

	if (vps->count == 0 || sps->count == 0 || pps->count == 0)
		return -EAGAIN;
	memset(&rec, 0, sizeof(rec));
	memset(&first_sps, 0, sizeof(first_sps));
	rec.ptl.compat_flags = 0xffffffffu;
	rec.ptl.constraint_flags = 0xffffffffffffull;
	rec.min_spatial_segmentation_idc = HEVC_MAX_SPATIAL_SEGMENTATION + 1;

	for (unsigned i = 0; i < vps->count; i++) {
		struct hevc_ptl ptl;
		unsigned sub_layers_minus1;

		rc = parse_vps(vps->nal[i].data, vps->nal[i].len, &ptl,
			       &sub_layers_minus1);
		if (rc < 0)
			return rc;
		merge_ptl(&rec.ptl, &ptl);
		if (rec.num_temporal_layers < sub_layers_minus1 + 1)
			rec.num_temporal_layers = sub_layers_minus1 + 1;
	}
	for (unsigned i = 0; i < sps->count; i++) {
		struct hevc_sps s;

		rc = parse_sps(sps->nal[i].data, sps->nal[i].len, &s);
		if (rc < 0)
			return rc;
		if (i == 0)
			first_sps = s;
		merge_ptl(&rec.ptl, &s.ptl);
		if (rec.min_spatial_segmentation_idc >
		    s.min_spatial_segmentation_idc)
			rec.min_spatial_segmentation_idc =
				s.min_spatial_segmentation_idc;
		rec.chroma_format_idc = s.chroma_format_idc;
		rec.bit_depth_luma_minus8 = s.bit_depth_luma_minus8;
		rec.bit_depth_chroma_minus8 = s.bit_depth_chroma_minus8;
		if (rec.num_temporal_layers < s.max_sub_layers_minus1 + 1)
			rec.num_temporal_layers = s.max_sub_layers_minus1 + 1;
		rec.temporal_id_nested = s.temporal_id_nesting;
	}
	for (unsigned i = 0; i < pps->count; i++) {
		rc = parse_pps_parallelism(pps->nal[i].data, pps->nal[i].len,
					   &rec.parallelism_type);
		if (rc < 0)
			return rc;
	}
	if (rec.min_spatial_segmentation_idc > HEVC_MAX_SPATIAL_SEGMENTATION)
		rec.min_spatial_segmentation_idc = 0;
	/* parallelismType only qualifies a non-zero segmentation bound. */
	if (rec.min_spatial_segmentation_idc == 0)
		rec.parallelism_type = 0;

	bw_init(&w, t->config, sizeof(t->config));
	bw_u8(&w, 1); /* configurationVersion */
	bw_u8(&w, rec.ptl.profile_space << 6 | rec.ptl.tier_flag << 5 |
			  rec.ptl.profile_idc);
	bw_be32(&w, rec.ptl.compat_flags);
	bw_be16(&w, (unsigned)(rec.ptl.constraint_flags >> 32));
	bw_be32(&w, (uint32_t)rec.ptl.constraint_flags);
	bw_u8(&w, rec.ptl.level_idc);
	bw_be16(&w, 0xf000 | rec.min_spatial_segmentation_idc);
	bw_u8(&w, 0xfc | rec.parallelism_type);
	bw_u8(&w, 0xfc | rec.chroma_format_idc);
	bw_u8(&w, 0xf8 | rec.bit_depth_luma_minus8);
	bw_u8(&w, 0xf8 | rec.bit_depth_chroma_minus8);
	/*
	 * avgFrameRate and constantFrameRate 0 (unspecified): the VUI timing
	 * is a hint at best, and ffmpeg writes the same.
	 */
	bw_be16(&w, 0);
	bw_u8(&w, rec.num_temporal_layers << 3 | rec.temporal_id_nested << 2 |
			  3 /* lengthSizeMinusOne */);
	bw_u8(&w, 3); /* numOfArrays: VPS, SPS, PPS */
	write_array(&w, HEVC_NAL_VPS, vps);
	write_array(&w, HEVC_NAL_SPS, sps);
	write_array(&w, HEVC_NAL_PPS, pps);
	if (w.overflow)
		return -ENOTSUP;
	t->config_len = w.len;

	format_codec_string(t->codec_string, sizeof(t->codec_string), &rec.ptl);
	t->width = first_sps.width;
	t->height = first_sps.height;
	t->sar_num = first_sps.sar_num;
	t->sar_den = first_sps.sar_den;
	/* E.3.1: unlike H.264, one tick is one picture. */
	if (first_sps.num_units_in_tick != 0)
		codec_set_frame_rate_hint(t, first_sps.time_scale,
					  first_sps.num_units_in_tick);
	return 0;
}

static const struct ps_codec hevc_ps = {collect, hvcc_parse, build};

int hevc_configure(struct spate_track_info *t, const uint8_t *data, size_t len)
{
	return ps_configure(&hevc_ps, t, data, len);
}

int hevc_detect_change(const struct spate_track_info *t, const uint8_t *au,
		       size_t len, struct spate_track_info *next)
{
	return ps_detect_change(&hevc_ps, t, au, len, next);
}
