/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VUI fields common to H.264 and HEVC (Annex E of both specs), up to where
 * the two syntaxes part: H.264 continues with timing_info, HEVC with
 * neutral_chroma_indication_flag.
 */
#include <errno.h>

#include "bitreader.h"
#include "codec_internal.h"

/* Table E-1, indexed by aspect_ratio_idc 1..16 (same table in both specs). */
static const uint8_t sar_table[17][2] = {
	{0, 0},	  {1, 1},    {12, 11}, {10, 11}, {16, 11}, {40, 33},
	{24, 11}, {20, 11},  {32, 11}, {80, 33}, {18, 11}, {15, 11},
	{64, 33}, {160, 99}, {4, 3},   {3, 2},	 {2, 1},
};

int vui_parse_common(struct bitreader *br, uint32_t *sar_num,
		     uint32_t *sar_den)
{
	uint32_t num = 1, den = 1;

	if (br_flag(br)) { /* aspect_ratio_info_present_flag */
		unsigned idc = br_u(br, 8);

		if (idc == 255) {
			num = br_u(br, 16);
			den = br_u(br, 16);
		} else if (idc >= 1 && idc <= 16) {
			num = sar_table[idc][0];
			den = sar_table[idc][1];
		}
		if (!br_ok(br))
			return -EINVAL;
		if (num != 0 && den != 0) {
			*sar_num = num;
			*sar_den = den;
		}
	}
	if (br_flag(br)) /* overscan_info_present_flag */
		br_skip(br, 1);
	if (br_flag(br)) { /* video_signal_type_present_flag */
		br_skip(br, 4);
		if (br_flag(br)) /* colour_description_present_flag */
			br_skip(br, 24);
	}
	if (br_flag(br)) { /* chroma_loc_info_present_flag */
		br_ue(br);
		br_ue(br);
	}
	return br_ok(br) ? 0 : -EINVAL;
}
