/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_codec_detect_change: in-band parameter sets or sequence headers in
 * stored access units, compared with the track's record.  An encoder that
 * repeats its headers on every keyframe must not cause a new init segment;
 * one that restarts with new settings must, with a complete record.
 */
#include <errno.h>

#include "test_util.h"
#include "vectors.h"

struct au {
	uint8_t data[512];
	size_t len;
};

/* Stored form of an Annex B stream, via the public rewrite. */
static void stored(struct au *au, enum spate_codec_id codec,
		   const uint8_t *annexb, size_t len)
{
	struct spate_track_info t;
	struct spate_buf out = SPATE_BUF_INIT;
	int sync, rc;

	track_init(&t, codec);
	rc = spate_codec_sample_rewrite(&t, annexb, len, 0, &out, &sync);
	assert_true(rc >= 0 && (size_t)rc <= sizeof(au->data));
	memcpy(au->data, out.data, out.len);
	au->len = out.len;
	spate_buf_free(&out);
}

static void append(struct au *au, const void *p, size_t n)
{
	assert_true(au->len + n <= sizeof(au->data));
	memcpy(au->data + au->len, p, n);
	au->len += n;
}

static void configured(struct spate_track_info *t, enum spate_codec_id codec,
		       const uint8_t *data, size_t len)
{
	track_init(t, codec);
	assert_int_equal(spate_codec_configure(t, data, len), 0);
}

static void h264_repeated_headers_are_not_a_change(void **state)
{
	struct spate_track_info t, next, before;
	struct au au;

	(void)state;
	configured(&t, SPATE_CODEC_H264, h264_high_annexb,
		   sizeof(h264_high_annexb));
	stored(&au, SPATE_CODEC_H264, h264_high_annexb,
	       sizeof(h264_high_annexb));
	append(&au, "\0\0\0\3\x65\x88\x84", 7);
	memset(&next, 0xa5, sizeof(next));
	before = next;
	assert_int_equal(spate_codec_detect_change(&t, au.data, au.len, &next),
			 0);
	assert_memory_equal(&next, &before, sizeof(next));
	/* SPS alone, PPS alone: still the same */
	assert_int_equal(spate_codec_detect_change(&t, au.data, 30, &next), 0);
	assert_int_equal(spate_codec_detect_change(&t, au.data + 30, 10, &next),
			 0);
}

static void h264_no_parameter_sets(void **state)
{
	struct spate_track_info t, next;

	(void)state;
	configured(&t, SPATE_CODEC_H264, h264_high_annexb,
		   sizeof(h264_high_annexb));
	assert_int_equal(
		spate_codec_detect_change(
			&t, (const uint8_t *)"\0\0\0\3\x41\x9a\x23", 7, &next),
		0);
	assert_int_equal(spate_codec_detect_change(&t, NULL, 0, &next), 0);
}

static void h264_new_stream(void **state)
{
	struct spate_track_info t, next, before;
	struct au au;

	(void)state;
	configured(&t, SPATE_CODEC_H264, h264_high_annexb,
		   sizeof(h264_high_annexb));
	t.frame_rate_num = 30;
	t.frame_rate_den = 1;
	before = t;
	stored(&au, SPATE_CODEC_H264, h264_base_annexb,
	       sizeof(h264_base_annexb));
	append(&au, "\0\0\0\3\x65\x88\x84", 7);
	assert_int_equal(spate_codec_detect_change(&t, au.data, au.len, &next),
			 1);
	assert_config_equal(&next, h264_base_avcc_ffmpeg);
	assert_string_equal(next.codec_string, "avc1.42c00d");
	assert_int_equal(next.width, 320);
	assert_int_equal(next.height, 240);
	assert_int_equal(next.track_id, t.track_id);
	assert_int_equal(next.frame_rate_num, 30); /* caller's, kept */
	assert_memory_equal(&t, &before, sizeof(t));
}

static void h264_new_pps_only(void **state)
{
	static const uint8_t new_pps[] = {0,	0,    0,    5,	 0x68,
					  0xce, 0x3c, 0x80, 0x01};
	struct spate_track_info t, next;
	struct au au;

	(void)state;
	configured(&t, SPATE_CODEC_H264, h264_high_annexb,
		   sizeof(h264_high_annexb));
	au.len = 0;
	append(&au, new_pps, sizeof(new_pps));
	assert_int_equal(spate_codec_detect_change(&t, au.data, au.len, &next),
			 1);
	/* old SPS kept, PPS replaced */
	assert_memory_equal(next.config, h264_high_avcc_ffmpeg, 6 + 2 + 26);
	assert_int_equal(next.config[34], 1);
	assert_memory_equal(next.config + 35, "\x00\x05\x68\xce\x3c\x80\x01",
			    7);
	assert_int_equal(next.width, 640);
}

static void h264_bad_new_sps(void **state)
{
	static const uint8_t bad_sps[] = {0, 0, 0, 4, 0x67, 0x64, 0x00, 0x1e};
	struct spate_track_info t, next;

	(void)state;
	configured(&t, SPATE_CODEC_H264, h264_high_annexb,
		   sizeof(h264_high_annexb));
	assert_int_equal(
		spate_codec_detect_change(&t, bad_sps, sizeof(bad_sps), &next),
		-EINVAL);
	/* a framing error is an error too */
	assert_int_equal(spate_codec_detect_change(&t, bad_sps, 6, &next),
			 -EINVAL);
}

static void hevc_repeat_and_change(void **state)
{
	struct spate_track_info t, next;
	struct au au;

	(void)state;
	configured(&t, SPATE_CODEC_HEVC, hevc_main_annexb,
		   sizeof(hevc_main_annexb));
	stored(&au, SPATE_CODEC_HEVC, hevc_main_annexb,
	       sizeof(hevc_main_annexb));
	assert_int_equal(spate_codec_detect_change(&t, au.data, au.len, &next),
			 0);
	/* a track configured from ffmpeg's hvcC compares the same way */
	configured(&t, SPATE_CODEC_HEVC, hevc_main_hvcc_ffmpeg,
		   sizeof(hevc_main_hvcc_ffmpeg));
	assert_int_equal(spate_codec_detect_change(&t, au.data, au.len, &next),
			 0);

	stored(&au, SPATE_CODEC_HEVC, hevc_main10_annexb,
	       sizeof(hevc_main10_annexb));
	assert_int_equal(spate_codec_detect_change(&t, au.data, au.len, &next),
			 1);
	assert_string_equal(next.codec_string, "hvc1.2.4.L120.90");
	assert_int_equal(next.width, 1280);
	assert_int_equal(next.height, 720);
}

static void av1_repeat_and_change(void **state)
{
	struct spate_track_info t, next;

	(void)state;
	configured(&t, SPATE_CODEC_AV1, av1_aom_av1c_ffmpeg,
		   sizeof(av1_aom_av1c_ffmpeg));
	/* stored TUs have no temporal delimiter */
	assert_int_equal(spate_codec_detect_change(&t, av1_aom_td_seq + 2,
						   sizeof(av1_aom_td_seq) - 2,
						   &next),
			 0);
	assert_int_equal(
		spate_codec_detect_change(
			&t, (const uint8_t *)"\x32\x02\x30\x00", 4, &next),
		0);
	assert_int_equal(spate_codec_detect_change(&t, av1_svt10_td_seq + 2,
						   sizeof(av1_svt10_td_seq) - 2,
						   &next),
			 1);
	assert_config_equal(&next, av1_svt10_av1c_ffmpeg);
	assert_string_equal(next.codec_string, "av01.0.05M.10");
	assert_int_equal(next.width, 1280);
	assert_int_equal(spate_codec_detect_change(
				 &t, (const uint8_t *)"\x32\x09\x30", 3, &next),
			 -EINVAL);
}

static void audio_never_changes(void **state)
{
	struct spate_track_info t, next;

	(void)state;
	configured(&t, SPATE_CODEC_AAC, aac_lc_48k_stereo_adts,
		   sizeof(aac_lc_48k_stereo_adts));
	assert_int_equal(
		spate_codec_detect_change(&t, aac_lc_48k_stereo_adts, 7, &next),
		0);
	configured(&t, SPATE_CODEC_OPUS, opus_stereo_head,
		   sizeof(opus_stereo_head));
	assert_int_equal(
		spate_codec_detect_change(&t, opus_stereo_head, 19, &next), 0);
}

static void bad_arguments(void **state)
{
	struct spate_track_info t, next;

	(void)state;
	track_init(&t, SPATE_CODEC_H264);
	assert_int_equal(spate_codec_detect_change(NULL, NULL, 0, &next),
			 -EINVAL);
	assert_int_equal(spate_codec_detect_change(&t, NULL, 0, NULL), -EINVAL);
	assert_int_equal(spate_codec_detect_change(&t, NULL, 5, &next),
			 -EINVAL);
	t.codec = SPATE_CODEC_UNKNOWN;
	assert_int_equal(spate_codec_detect_change(&t, NULL, 0, &next),
			 -ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(h264_repeated_headers_are_not_a_change),
		cmocka_unit_test(h264_no_parameter_sets),
		cmocka_unit_test(h264_new_stream),
		cmocka_unit_test(h264_new_pps_only),
		cmocka_unit_test(h264_bad_new_sps),
		cmocka_unit_test(hevc_repeat_and_change),
		cmocka_unit_test(av1_repeat_and_change),
		cmocka_unit_test(audio_never_changes),
		cmocka_unit_test(bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
