/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AAC configuration: AudioSpecificConfig from ffmpeg's esds and FLV, ADTS
 * headers turned into the same ASC ffmpeg's aac_adtstoasc writes, and
 * crafted configs for SBR/PS signalling, explicit sampling frequency,
 * frameLengthFlag and PCE channel layouts.
 */
#include <errno.h>

#include "test_util.h"
#include "vectors.h"

static int configure(struct spate_track_info *t, const uint8_t *data,
		     size_t len)
{
	track_init(t, SPATE_CODEC_AAC);
	return spate_codec_configure(t, data, len);
}

static void put_aot(struct test_bits *b, unsigned aot)
{
	if (aot >= 32) {
		tb_u(b, 5, 31);
		tb_u(b, 6, aot - 32);
	} else {
		tb_u(b, 5, aot);
	}
}

/* aot/rate index/channels + a plain GASpecificConfig. */
static size_t make_asc(uint8_t *out, unsigned aot, unsigned rate_idx,
		       uint32_t explicit_rate, unsigned chan_cfg,
		       unsigned frame_length_flag)
{
	struct test_bits b;

	tb_init(&b);
	put_aot(&b, aot);
	tb_u(&b, 4, rate_idx);
	if (rate_idx == 15)
		tb_u(&b, 24, explicit_rate);
	tb_u(&b, 4, chan_cfg);
	tb_u(&b, 1, frame_length_flag);
	tb_u(&b, 2, 0);
	tb_align_zero(&b);
	memcpy(out, b.data, tb_bytes(&b));
	return tb_bytes(&b);
}

static void adts_matches_ffmpeg_asc(void **state)
{
	struct spate_track_info t;

	(void)state;
	assert_int_equal(configure(&t, aac_lc_48k_stereo_adts,
				   sizeof(aac_lc_48k_stereo_adts)),
			 0);
	assert_config_equal(&t, aac_lc_48k_stereo_asc_ffmpeg);
	assert_string_equal(t.codec_string, "mp4a.40.2");
	assert_int_equal(t.sample_rate, 48000);
	assert_int_equal(t.channels, 2);
	assert_int_equal(t.frame_samples, 1024);
	assert_int_equal(t.timescale, 48000);

	assert_int_equal(configure(&t, aac_lc_44k_mono_adts,
				   sizeof(aac_lc_44k_mono_adts)),
			 0);
	assert_config_equal(&t, aac_lc_44k_mono_asc_ffmpeg);
	assert_int_equal(t.sample_rate, 44100);
	assert_int_equal(t.channels, 1);
}

static void asc_from_esds(void **state)
{
	struct spate_track_info t;

	(void)state;
	assert_int_equal(configure(&t, aac_lc_48k_stereo_asc_ffmpeg,
				   sizeof(aac_lc_48k_stereo_asc_ffmpeg)),
			 0);
	assert_config_equal(&t, aac_lc_48k_stereo_asc_ffmpeg);
	assert_string_equal(t.codec_string, "mp4a.40.2");
	assert_int_equal(t.sample_rate, 48000);
	assert_int_equal(t.channels, 2);
	assert_int_equal(t.frame_samples, 1024);
}

static void flv_asc_with_no_sbr_extension(void **state)
{
	/* ffmpeg's aac encoder with global header: 0x2b7, SBR absent */
	static const uint8_t asc[] = {0x12, 0x08, 0x56, 0xe5, 0x00};
	struct spate_track_info t;

	(void)state;
	assert_int_equal(configure(&t, asc, sizeof(asc)), 0);
	assert_config_equal(&t, asc); /* kept verbatim */
	assert_string_equal(t.codec_string, "mp4a.40.2");
	assert_int_equal(t.sample_rate, 44100);
	assert_int_equal(t.channels, 1);
	assert_int_equal(t.frame_samples, 1024);
}

static void he_aac_explicit(void **state)
{
	/* AOT 5, 24 kHz core, stereo, SBR at 48 kHz, core AOT 2 */
	static const uint8_t he[] = {0x2b, 0x11, 0x88, 0x00};
	/* AOT 29, 24 kHz core, mono, SBR at 48 kHz, core AOT 2 */
	static const uint8_t hev2[] = {0xeb, 0x09, 0x88, 0x00};
	struct spate_track_info t;

	(void)state;
	assert_int_equal(configure(&t, he, sizeof(he)), 0);
	assert_string_equal(t.codec_string, "mp4a.40.5");
	assert_int_equal(t.sample_rate, 48000);
	assert_int_equal(t.channels, 2);
	assert_int_equal(t.frame_samples, 2048);
	assert_int_equal(t.timescale, 48000);

	assert_int_equal(configure(&t, hev2, sizeof(hev2)), 0);
	assert_string_equal(t.codec_string, "mp4a.40.29");
	assert_int_equal(t.sample_rate, 48000);
	assert_int_equal(t.channels, 2); /* PS decodes mono to stereo */
	assert_int_equal(t.frame_samples, 2048);
}

static void he_aac_backward_compatible(void **state)
{
	struct test_bits b;
	struct spate_track_info t;

	(void)state;
	tb_init(&b);
	tb_u(&b, 5, 2);
	tb_u(&b, 4, 6); /* 24 kHz core */
	tb_u(&b, 4, 1);
	tb_u(&b, 3, 0);
	tb_u(&b, 11, 0x2b7);
	tb_u(&b, 5, 5);
	tb_u(&b, 1, 1);
	tb_u(&b, 4, 3); /* SBR at 48 kHz */
	tb_u(&b, 11, 0x548);
	tb_u(&b, 1, 1); /* PS */
	tb_align_zero(&b);
	assert_int_equal(configure(&t, b.data, tb_bytes(&b)), 0);
	assert_string_equal(t.codec_string, "mp4a.40.2");
	assert_int_equal(t.sample_rate, 48000);
	assert_int_equal(t.channels, 2);
	assert_int_equal(t.frame_samples, 2048);
}

static void explicit_frequency_and_960(void **state)
{
	struct spate_track_info t;
	uint8_t asc[8];

	(void)state;
	assert_int_equal(configure(&t, asc, make_asc(asc, 2, 15, 37800, 2, 0)),
			 0);
	assert_int_equal(t.sample_rate, 37800);
	assert_int_equal(t.timescale, 37800);
	assert_int_equal(configure(&t, asc, make_asc(asc, 2, 15, 0, 2, 0)),
			 -EINVAL);
	assert_int_equal(configure(&t, asc, make_asc(asc, 2, 13, 0, 2, 0)),
			 -EINVAL);
	assert_int_equal(configure(&t, asc, make_asc(asc, 2, 3, 0, 2, 1)), 0);
	assert_int_equal(t.frame_samples, 960);
}

static void channel_configurations(void **state)
{
	static const struct {
		unsigned cfg;
		int rc;
		unsigned channels;
	} cases[] = {
		{1, 0, 1},  {6, 0, 6},	{7, 0, 8},   {8, -EINVAL, 0},
		{11, 0, 7}, {12, 0, 8}, {13, 0, 24}, {15, -EINVAL, 0},
	};
	struct spate_track_info t;
	uint8_t asc[8];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = make_asc(asc, 2, 3, 0, cases[i].cfg, 0);

		assert_int_equal(configure(&t, asc, n), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(t.channels, cases[i].channels);
	}
}

static void program_config_element(void **state)
{
	struct test_bits b;
	struct spate_track_info t;

	(void)state;
	tb_init(&b);
	tb_u(&b, 5, 2);
	tb_u(&b, 4, 3);
	tb_u(&b, 4, 0); /* channels from the PCE */
	tb_u(&b, 3, 0);
	tb_u(&b, 4, 0); /* element_instance_tag */
	tb_u(&b, 2, 1); /* object_type */
	tb_u(&b, 4, 3); /* sampling_frequency_index */
	tb_u(&b, 4, 2); /* front: SCE + CPE */
	tb_u(&b, 4, 0); /* side */
	tb_u(&b, 4, 1); /* back: CPE */
	tb_u(&b, 2, 1); /* lfe */
	tb_u(&b, 3, 1); /* assoc data */
	tb_u(&b, 4, 1); /* coupling */
	tb_u(&b, 1, 0); /* mono mixdown */
	tb_u(&b, 1, 1); /* stereo mixdown */
	tb_u(&b, 4, 0);
	tb_u(&b, 1, 0);	 /* matrix mixdown */
	tb_u(&b, 5, 0);	 /* front SCE */
	tb_u(&b, 5, 16); /* front CPE */
	tb_u(&b, 5, 17); /* back CPE */
	tb_u(&b, 4, 0);	 /* lfe */
	tb_u(&b, 4, 0);	 /* assoc */
	tb_u(&b, 5, 0);	 /* cc */
	tb_align_zero(&b);
	tb_u(&b, 8, 3);
	tb_u(&b, 24, 0x616263);
	assert_int_equal(configure(&t, b.data, tb_bytes(&b)), 0);
	assert_int_equal(t.channels, 6);
	/* the comment runs past the end */
	assert_int_equal(configure(&t, b.data, tb_bytes(&b) - 1), -EINVAL);
}

static void unsupported_object_types(void **state)
{
	struct spate_track_info t;
	uint8_t asc[8];

	(void)state;
	/* USAC (42, escaped), ER AAC LD (23), ALS (36) */
	assert_int_equal(configure(&t, asc, make_asc(asc, 42, 3, 0, 2, 0)),
			 -ENOTSUP);
	assert_int_equal(configure(&t, asc, make_asc(asc, 23, 3, 0, 2, 0)),
			 -ENOTSUP);
	assert_int_equal(configure(&t, asc, make_asc(asc, 36, 3, 0, 2, 0)),
			 -ENOTSUP);
	assert_int_equal(configure(&t, asc, make_asc(asc, 0, 3, 0, 2, 0)),
			 -EINVAL);
	/* Main and LTP are general audio: accepted */
	assert_int_equal(configure(&t, asc, make_asc(asc, 1, 3, 0, 2, 0)), 0);
	assert_string_equal(t.codec_string, "mp4a.40.1");
	assert_int_equal(configure(&t, asc, make_asc(asc, 4, 3, 0, 2, 0)), 0);
	assert_string_equal(t.codec_string, "mp4a.40.4");
	/* one byte is never a whole ASC */
	assert_int_equal(configure(&t, asc, 1), -EINVAL);
}

static void adts_variants(void **state)
{
	uint8_t h[9];
	struct spate_track_info t;

	(void)state;
	/* with CRC: 9-byte header */
	memcpy(h, aac_lc_48k_stereo_adts, 7);
	h[1] &= 0xfe;
	h[7] = 0x12;
	h[8] = 0x34;
	assert_int_equal(configure(&t, h, 9), 0);
	assert_config_equal(&t, aac_lc_48k_stereo_asc_ffmpeg);
	assert_int_equal(configure(&t, h, 7), -EINVAL); /* CRC missing */
	/* MPEG-2 ID bit: same config */
	memcpy(h, aac_lc_48k_stereo_adts, 7);
	h[1] |= 0x08;
	assert_int_equal(configure(&t, h, 7), 0);
	assert_config_equal(&t, aac_lc_48k_stereo_asc_ffmpeg);
	/* channel configuration 0: the PCE is in the payload */
	memcpy(h, aac_lc_48k_stereo_adts, 7);
	h[2] &= 0xfe;
	h[3] &= 0x3f;
	assert_int_equal(configure(&t, h, 7), -ENOTSUP);
	/* reserved sampling frequency index 13 */
	memcpy(h, aac_lc_48k_stereo_adts, 7);
	h[2] = (uint8_t)((h[2] & 0xc3) | 13 << 2);
	assert_int_equal(configure(&t, h, 7), -EINVAL);
	/* frame shorter than its header */
	memcpy(h, aac_lc_48k_stereo_adts, 7);
	h[3] &= 0xfc;
	h[4] = 0;
	h[5] &= 0x1f;
	assert_int_equal(configure(&t, h, 7), -EINVAL);
	/* too short to be a header */
	assert_int_equal(configure(&t, aac_lc_48k_stereo_adts, 5), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(adts_matches_ffmpeg_asc),
		cmocka_unit_test(asc_from_esds),
		cmocka_unit_test(flv_asc_with_no_sbr_extension),
		cmocka_unit_test(he_aac_explicit),
		cmocka_unit_test(he_aac_backward_compatible),
		cmocka_unit_test(explicit_frequency_and_960),
		cmocka_unit_test(channel_configurations),
		cmocka_unit_test(program_config_element),
		cmocka_unit_test(unsupported_object_types),
		cmocka_unit_test(adts_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
