/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rules every codec shares through codec.h: argument checks, a failed
 * configure leaves the track exactly as it was, a configured track's own
 * record configures to itself, timescale defaults, and codec names.
 */
#include <errno.h>

#include "test_util.h"
#include "vectors.h"

static const struct {
	enum spate_codec_id codec;
	const uint8_t *data;
	size_t len;
	int record_roundtrip; /* config is an accepted input form */
} good[] = {
	{SPATE_CODEC_H264, h264_high_annexb, sizeof(h264_high_annexb), 1},
	{SPATE_CODEC_H264, h264_422_10_avcc_ffmpeg,
	 sizeof(h264_422_10_avcc_ffmpeg), 1},
	{SPATE_CODEC_HEVC, hevc_main10_annexb, sizeof(hevc_main10_annexb), 1},
	{SPATE_CODEC_AV1, av1_svt10_td_seq, sizeof(av1_svt10_td_seq), 1},
	{SPATE_CODEC_AAC, aac_lc_44k_mono_adts, sizeof(aac_lc_44k_mono_adts),
	 1},
	{SPATE_CODEC_OPUS, opus_51_head, sizeof(opus_51_head), 0},
};

static void own_record_configures_to_itself(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct spate_track_info t, again;

		track_init(&t, good[i].codec);
		assert_int_equal(
			spate_codec_configure(&t, good[i].data, good[i].len),
			0);
		if (!good[i].record_roundtrip)
			continue;
		again = t;
		/* the input aliases the output's config on purpose */
		assert_int_equal(spate_codec_configure(&again, again.config,
						       again.config_len),
				 0);
		assert_memory_equal(&again, &t, sizeof(t));
	}
}

static void failure_leaves_track_untouched(void **state)
{
	static const uint8_t junk[] = {0x00, 0x00, 0x01, 0xff, 0x13, 0x37};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct spate_track_info t, before;

		track_init(&t, good[i].codec);
		assert_int_equal(
			spate_codec_configure(&t, good[i].data, good[i].len),
			0);
		before = t;
		assert_true(spate_codec_configure(&t, junk, sizeof(junk)) < 0);
		assert_memory_equal(&t, &before, sizeof(t));
		/* every proper prefix is either rejected or a valid config */
		for (size_t n = 1; n < good[i].len; n++) {
			int rc = spate_codec_configure(&t, good[i].data, n);

			if (rc < 0)
				assert_memory_equal(&t, &before, sizeof(t));
			t = before;
		}
	}
}

static void bad_arguments(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_configure(NULL, h264_high_annexb, 40),
			 -EINVAL);
	assert_int_equal(spate_codec_configure(&t, NULL, 40), -EINVAL);
	assert_int_equal(spate_codec_configure(&t, h264_high_annexb, 0),
			 -EINVAL);
	t.type = SPATE_MEDIA_AUDIO;
	assert_int_equal(spate_codec_configure(&t, h264_high_annexb, 40),
			 -EINVAL);
	t.codec = SPATE_CODEC_UNKNOWN;
	assert_int_equal(spate_codec_configure(&t, h264_high_annexb, 40),
			 -ENOTSUP);
	track_init(&t, SPATE_CODEC_OPUS);
	t.type = SPATE_MEDIA_VIDEO;
	assert_int_equal(spate_codec_configure(&t, opus_stereo_head, 19),
			 -EINVAL);
}

static void timescale_defaults(void **state)
{
	struct spate_track_info t;

	(void)state;
	track_init(&t, SPATE_CODEC_AV1);
	assert_int_equal(spate_codec_configure(&t, av1_aom_td_seq,
					       sizeof(av1_aom_td_seq)),
			 0);
	assert_int_equal(t.timescale, 90000);
	track_init(&t, SPATE_CODEC_AAC);
	assert_int_equal(spate_codec_configure(&t, aac_lc_44k_mono_adts, 7), 0);
	assert_int_equal(t.timescale, 44100);
	track_init(&t, SPATE_CODEC_OPUS);
	t.timescale = 1000; /* a caller's choice stays */
	assert_int_equal(spate_codec_configure(&t, opus_stereo_head, 19), 0);
	assert_int_equal(t.timescale, 1000);
	assert_int_equal(t.frame_samples, 960);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(spate_codec_name(SPATE_CODEC_H264), "H.264");
	assert_string_equal(spate_codec_name(SPATE_CODEC_HEVC), "HEVC");
	assert_string_equal(spate_codec_name(SPATE_CODEC_AV1), "AV1");
	assert_string_equal(spate_codec_name(SPATE_CODEC_AAC), "AAC");
	assert_string_equal(spate_codec_name(SPATE_CODEC_OPUS), "Opus");
	assert_string_equal(spate_codec_name(SPATE_CODEC_UNKNOWN), "unknown");
	assert_string_equal(spate_codec_name((enum spate_codec_id)99),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_record_configures_to_itself),
		cmocka_unit_test(failure_leaves_track_untouched),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(timescale_defaults),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
