/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for spate_codec_detect_change().
 *
 * Byte 0 picks the codec; the track is configured from real encoder
 * headers (the unit tests' vectors), the rest of the input is a stored
 * access unit.  Checks, besides memory safety:
 *   - only documented errors; *t is never modified, *next only on 1;
 *   - after adopting a detected change, the same AU is no longer a change
 *     (otherwise the packager would start a new init segment forever).
 */
#include "fuzz_codec_common.h"

#include "../../unit/pkg/codec/vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int configure_seed(struct spate_track_info *t, uint8_t sel)
{
	enum spate_codec_id codec = fuzz_pick_codec(sel);

	fuzz_track_init(t, codec);
	switch (codec) {
	case SPATE_CODEC_H264:
		return spate_codec_configure(t, h264_high_annexb,
					     sizeof(h264_high_annexb));
	case SPATE_CODEC_HEVC:
		return spate_codec_configure(t, hevc_main_annexb,
					     sizeof(hevc_main_annexb));
	case SPATE_CODEC_AV1:
		return spate_codec_configure(t, av1_aom_td_seq,
					     sizeof(av1_aom_td_seq));
	case SPATE_CODEC_AAC:
		return spate_codec_configure(t, aac_lc_48k_stereo_adts,
					     sizeof(aac_lc_48k_stereo_adts));
	default:
		return spate_codec_configure(t, opus_stereo_head,
					     sizeof(opus_stereo_head));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spate_track_info t, before, next, next_before, after;
	uint8_t *au;
	int rc;

	if (size < 1)
		return 0;
	if (configure_seed(&t, data[0]) != 0)
		abort();
	au = malloc(size - 1 ? size - 1 : 1);
	if (au == NULL)
		return 0;
	memcpy(au, data + 1, size - 1);
	before = t;
	memset(&next, 0x5a, sizeof(next));
	next_before = next;
	rc = spate_codec_detect_change(&t, au, size - 1, &next);
	if (memcmp(&t, &before, sizeof(t)) != 0)
		abort();
	if (rc != 1 && memcmp(&next, &next_before, sizeof(next)) != 0)
		abort();
	if (rc < 0 && !fuzz_expected_error(rc))
		abort();
	if (rc > 1)
		abort();
	if (rc == 1) {
		if (next.config_len == 0 || next.width == 0 ||
		    next.codec != t.codec || next.track_id != t.track_id)
			abort();
		if (spate_codec_detect_change(&next, au, size - 1, &after) != 0)
			abort();
	}
	free(au);
	return 0;
}
