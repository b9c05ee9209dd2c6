/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opus configuration: OpusHead (little-endian, from Ogg) to dOps body
 * (big-endian), compared with the dOps ffmpeg's mp4 muxer wrote, and the
 * checks on versions, channel counts and mapping tables.
 */
#include <errno.h>

#include "test_util.h"
#include "vectors.h"

static int configure(struct spate_track_info *t, const uint8_t *data,
		     size_t len)
{
	track_init(t, SPATE_CODEC_OPUS);
	return spate_codec_configure(t, data, len);
}

static void stereo_matches_ffmpeg(void **state)
{
	struct spate_track_info t;

	(void)state;
	assert_int_equal(
		configure(&t, opus_stereo_head, sizeof(opus_stereo_head)), 0);
	assert_config_equal(&t, opus_stereo_dops_ffmpeg);
	assert_string_equal(t.codec_string, "opus");
	assert_int_equal(t.sample_rate, 48000);
	assert_int_equal(t.channels, 2);
	assert_int_equal(t.frame_samples, 960);
	assert_int_equal(t.timescale, 48000);
	/* PreSkip 312 = 0x0138, big-endian now */
	assert_int_equal(t.config[2], 0x01);
	assert_int_equal(t.config[3], 0x38);
}

static void surround_matches_ffmpeg(void **state)
{
	struct spate_track_info t;

	(void)state;
	assert_int_equal(configure(&t, opus_51_head, sizeof(opus_51_head)), 0);
	assert_config_equal(&t, opus_51_dops_ffmpeg);
	assert_int_equal(t.channels, 6);
	assert_int_equal(t.config[10], 1); /* ChannelMappingFamily */
	assert_int_equal(t.config[11], 4); /* StreamCount */
	assert_int_equal(t.config[12], 2); /* CoupledCount */
}

static void fields_are_byte_swapped(void **state)
{
	/* pre-skip 0x1234, 44.1 kHz input, gain -256 (Q7.8: -1 dB) */
	static const uint8_t head[] = {'O',  'p',  'u',	 's',  'H',  'e',  'a',
				       'd',  0x01, 0x01, 0x34, 0x12, 0x44, 0xac,
				       0x00, 0x00, 0x00, 0xff, 0x00};
	static const uint8_t dops[] = {0x00, 0x01, 0x12, 0x34, 0x00, 0x00,
				       0xac, 0x44, 0xff, 0x00, 0x00};
	struct spate_track_info t;

	(void)state;
	assert_int_equal(configure(&t, head, sizeof(head)), 0);
	assert_config_equal(&t, dops);
	/* the decoder runs at 48 kHz whatever the input was */
	assert_int_equal(t.sample_rate, 48000);
	assert_int_equal(t.channels, 1);
}

static void mpegts_style_head(void **state)
{
	/* libavformat's MPEG-TS demuxer synthesises this: pre-skip 0 */
	static const uint8_t head[] = {'O', 'p', 'u', 's', 'H', 'e',  'a',
				       'd', 1,	 2,   0,   0,	0x80, 0xbb,
				       0,   0,	 0,   0,   0};
	struct spate_track_info t;

	(void)state;
	assert_int_equal(configure(&t, head, sizeof(head)), 0);
	assert_int_equal(t.config_len, 11);
	assert_int_equal(t.config[2] | t.config[3], 0);
}

static void bad_heads(void **state)
{
	uint8_t h[32];
	struct spate_track_info t;

	(void)state;
	memcpy(h, opus_stereo_head, sizeof(opus_stereo_head));
	assert_int_equal(configure(&t, h, 18), -EINVAL); /* short */
	h[0] = 'o';
	assert_int_equal(configure(&t, h, 19), -EINVAL); /* magic */
	memcpy(h, opus_stereo_head, sizeof(opus_stereo_head));
	h[8] = 0x10; /* major version 1 */
	assert_int_equal(configure(&t, h, 19), -ENOTSUP);
	h[8] = 0x0f; /* minor versions are compatible */
	assert_int_equal(configure(&t, h, 19), 0);
	h[8] = 1;
	h[9] = 0; /* no channels */
	assert_int_equal(configure(&t, h, 19), -EINVAL);
	h[9] = 3; /* family 0 is mono/stereo only */
	assert_int_equal(configure(&t, h, 19), -EINVAL);

	memcpy(h, opus_51_head, sizeof(opus_51_head));
	assert_int_equal(configure(&t, h, sizeof(opus_51_head) - 1), -EINVAL);
	h[19] = 0; /* no streams */
	assert_int_equal(configure(&t, h, sizeof(opus_51_head)), -EINVAL);
	memcpy(h, opus_51_head, sizeof(opus_51_head));
	h[20] = 5; /* more coupled than streams */
	assert_int_equal(configure(&t, h, sizeof(opus_51_head)), -EINVAL);
	memcpy(h, opus_51_head, sizeof(opus_51_head));
	h[21] = 6; /* mapping names channel 6 of 0..5 */
	assert_int_equal(configure(&t, h, sizeof(opus_51_head)), -EINVAL);
	h[21] = 255; /* silence is allowed */
	assert_int_equal(configure(&t, h, sizeof(opus_51_head)), 0);
	assert_int_equal(t.config[13], 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stereo_matches_ffmpeg),
		cmocka_unit_test(surround_matches_ffmpeg),
		cmocka_unit_test(fields_are_byte_swapped),
		cmocka_unit_test(mpegts_style_head),
		cmocka_unit_test(bad_heads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
